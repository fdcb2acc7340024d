"""llm-planner in the browser: pick a scenario, change the volume, compare the four approaches.

Every number shown comes from ``planner``; this file only collects inputs and draws.
Run with ``streamlit run app.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from planner import Estimate, PlannerError, PriceBook, estimate, load_price_book, load_scenario, scenario_from_dict
from planner.export import summary_rows, to_csv
from planner.pricebook import DEFAULT_PRICES_DIR
from planner.scenario import Scenario
from planner.yaml_io import files_signature

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
LINE_COLUMNS = ["item", "category", "timing", "quantity", "unit", "unit_price", "amount", "horizon_amount",
                "price_key", "source", "as_of", "quantity_basis", "note"]


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_book(directory: str, signature: tuple) -> PriceBook:
    # ``signature`` is only a cache key: a saved table changes it, and the book reloads.
    return load_price_book(directory)


def price_book() -> PriceBook:
    """The bundled price tables, reloaded only when a file in ``pricing/`` changes."""
    return _load_book(str(DEFAULT_PRICES_DIR), files_signature(DEFAULT_PRICES_DIR))


def example_paths() -> list[Path]:
    """The example scenarios shipped in ``examples/``."""
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


def sidebar_scenario() -> Scenario | None:
    """The example chosen in the sidebar with the user's changes, or None after showing the error."""
    paths = example_paths()
    with st.sidebar:
        st.header("Scenario")
        path = st.selectbox("Example", paths, format_func=lambda p: p.stem.replace("_", " ").capitalize(),
                            help="A starting point; change the inputs below.")
        try:
            base = load_scenario(path)
        except PlannerError as exc:
            st.error(f"This example cannot be read:\n\n{exc}")
            return None
        st.subheader("Workload")
        requests = st.number_input(
            "Requests per month", min_value=0, max_value=10_000_000_000, step=10_000,
            value=base.workload.requests_per_month, key=f"requests:{path.name}",
            help="Requests in the first month; later months grow by the scenario's monthly growth.",
        )
        horizon = st.number_input(
            "Horizon (months)", min_value=1, max_value=120, step=1, value=base.horizon_months,
            key=f"horizon:{path.name}", help="Total cost of ownership is summed over this many months.",
        )
    data = base.model_dump()
    data["workload"]["requests_per_month"] = int(requests)
    data["horizon_months"] = int(horizon)
    try:
        return scenario_from_dict(data, name=path.name)
    except PlannerError as exc:
        st.error(f"These inputs cannot be estimated:\n\n{exc}")
        return None


def comparison_table(result: Estimate) -> pd.DataFrame:
    """The side-by-side comparison: one row per metric (with its unit), one column per approach."""
    labels = [r.label for r in result.approaches.values()]
    rows = summary_rows(result)
    return pd.DataFrame([values for _, values in rows], index=[label for label, _ in rows], columns=labels)


def cost_chart(result: Estimate) -> go.Figure:
    """One-time, first-month and horizon cost per approach, as grouped bars."""
    labels = [r.label for r in result.approaches.values()]
    figure = go.Figure()
    for name, values in (
        ("One-time", [r.one_time_cost for r in result.approaches.values()]),
        ("First month", [r.monthly_cost for r in result.approaches.values()]),
        (f"{result.horizon_months}-month total", [r.horizon_cost for r in result.approaches.values()]),
    ):
        figure.add_bar(name=name, x=labels, y=values, hovertemplate="%{x}<br>%{y:,.0f} " + result.currency)
    figure.update_layout(barmode="group", yaxis_title=f"Cost ({result.currency})", xaxis_title="Approach",
                         legend_title_text="Cost", font={"size": 15}, height=460)
    return figure


def main() -> None:
    st.set_page_config(page_title="llm-planner", layout="wide")
    book = price_book()
    scenario = sidebar_scenario()
    st.title("llm-planner")
    for problem in book.problems:
        st.warning(f"Price table left out: {problem}")
    if scenario is None:
        return
    try:
        result = estimate(scenario, book)
    except PlannerError as exc:
        st.error(f"The scenario cannot be estimated:\n\n{exc}")
        return

    st.header(scenario.name)
    if scenario.description:
        st.caption(scenario.description)
    approaches = list(result.approaches.values())
    cheapest = min(approaches, key=lambda r: r.horizon_cost)
    fastest = min(approaches, key=lambda r: r.weeks_to_production)
    st.markdown(f"Lowest {result.horizon_months}-month cost: **{cheapest.label}** · "
                f"fastest to production: **{fastest.label}**")
    st.dataframe(comparison_table(result), key="comparison")
    st.plotly_chart(cost_chart(result), key="costs")
    for note in sorted({note for r in approaches for note in r.notes}):
        st.info(note)

    st.subheader("Why these numbers")
    for approach in approaches:
        with st.expander(f"{approach.label}: line items ({result.currency})"):
            lines = pd.DataFrame([line._asdict() for line in approach.lines])[LINE_COLUMNS]
            st.dataframe(lines, hide_index=True)
    st.download_button("Download line items (CSV)", to_csv(result), file_name="line-items.csv", mime="text/csv")


main()
