"""The main area's sections: comparison, charts, explanations, fit, export and price tables."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner import PlannerError, PriceBook, Scenario
from planner.analysis.budget_calendar import budget_calendar
from planner.analysis.comparison import cheapest, crossovers, describe_leaders, fastest
from planner.analysis.recommend import DecisionAnswers, default_answers, recommend
from planner.analysis.routes import route_options
from planner.analysis.staleness import DEFAULT_MAX_AGE_DAYS, stale_in_estimate, stale_prices
from planner.costs.estimator import Estimate
from planner.costs.gpu_choice import busy
from planner.costs.lines import horizon_total, in_words, months
from planner.inputs import option_edits
from planner.inputs.pricebook import SPECIAL_TABLES, all_offerings
from planner.inputs.scenario import scenario_yaml
from planner.measure.corpus import CorpusReport
from planner.measure.tokens import ACCURACY
from planner.measure.training_file import TrainingFileReport
from planner.outputs.export import (
    Column,
    budget_terms,
    grouped_lines,
    line_item_columns,
    measured_notes,
    model_retirement_notes,
    sizing_lines,
    summary_csv,
    summary_figures,
    summary_rows,
    to_csv,
)
from planner.outputs.share import encode_answers, encode_scenario
from planner.price_admin.editing import PROVENANCE, prices_first
from ui import charts, options_view
from ui.access import Access
from ui.cached import budget_pack_with_ranges
from ui.price_editor import render_editor
from ui.text import md

SPECIAL = set(SPECIAL_TABLES)
FIT_KEYS = {"goal": "fit:goal", "knowledge_changes": "fit:changes", "good_examples": "fit:examples",
            "prompting_exhausted": "fit:exhausted", "budget_for_iterations": "fit:budget",
            "data_must_stay_in_house": "fit:in_house", "latency_budget_ms": "fit:latency"}
MAX_AGE = "prices:max_age"  # days after which a price is flagged as stale; kept across views
OPTION_COLUMN_PX, COST_COLUMN_PX = 230, 80  # the comparison's widths with options, so costs fit at 1024 px
WHY_HIDDEN = {"Approach", "Price key"}  # the approach heads its section; the key is in the exports
ROUTE_COLUMN_PX = 330  # the routes table's pinned names, whole: "llama-3.1-8b LoRA by Fireworks AI, dedicated endpoint"


def comparison_frame(estimate: Estimate) -> pd.DataFrame:
    """The side-by-side comparison with a row marking the cheapest and the fastest approach."""
    rows = summary_rows(estimate)
    low, quick = cheapest(estimate), fastest(estimate)
    marks = []
    for name in estimate.approaches:
        tags = [("tied for " if len(group) > 1 else "") + tag
                for tag, group in ((f"lowest {horizon_total(estimate.horizon_months)}", low),
                                   ("fastest to production", quick)) if name in group]
        marks.append(" · ".join(tags) or "")
    labels = [r.label for r in estimate.approaches.values()]
    # st.table renders each cell as Markdown, and "Runs on" names offerings from the price tables.
    return pd.DataFrame([[md(value) for value in values] for _, values in rows] + [marks],
                        index=[label for label, _ in rows] + ["Best"], columns=labels)


def options_frame(estimate: Estimate) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The comparison with one row per option (so ten fit at 1024 px): the name, the costs first, the other
    figures, what it runs on, and whether it is the cheapest or fastest; and the columns' formats."""
    figures = summary_figures(estimate)
    runs_on = summary_rows(estimate)[0][1]
    low, quick = cheapest(estimate), fastest(estimate)
    rows = []
    for index, (name, result) in enumerate(estimate.approaches.items()):
        best = [tag for tag, group in ((f"lowest {horizon_total(estimate.horizon_months)}", low),
                                       ("fastest", quick)) if name in group]
        rows.append({"Option": result.label, **{f.label: f.values[index] for f in figures[1:]},
                     "Runs on": runs_on[index], "Best": " · ".join(best)})
    formats = {"money": "%,.2f", "rate": "%,.2f", "weeks": "%,.1f", "whole": "%,d"}
    dates = {f.label for f in figures if f.kind == "date"}
    # At 1024 px the main area is about 560 px wide: the name and the four cost columns, under short headings
    # (the currency said once above the table, the full heading in each one's tooltip), fit it; the other
    # figures follow, a scroll away.
    config: dict[str, Any] = {"Option": st.column_config.TextColumn(pinned=True, width=OPTION_COLUMN_PX)}
    config.update({f.label: st.column_config.NumberColumn(
        f.short, help=f.label, format=formats[f.kind], width=COST_COLUMN_PX if f.kind in ("money", "rate") else None)
        for f in figures[1:] if f.label not in dates})
    config.update({label: st.column_config.DateColumn(label, format="D MMM YYYY") for label in dates})
    return pd.DataFrame(rows), config


def cautions(estimate: Estimate) -> list[str]:
    """What a reader of the comparison should know before trusting it: options that cannot be bought for their plan,
    models retiring inside the plan, status notes of the offerings used, and stale prices."""
    found = [f"{result.label} cannot be bought for its whole plan: {blocker}"
             for result in estimate.approaches.values() for blocker in result.blockers]
    found += [f"Model retirement: {note}" for note in model_retirement_notes(estimate)]
    found += sorted({note for r in estimate.approaches.values() for note in r.notes})
    max_age = int(st.session_state.get(MAX_AGE, DEFAULT_MAX_AGE_DAYS))
    stale = stale_in_estimate(estimate, datetime.date.today(), max_age)
    if stale:
        found.append(f"{len(stale)} price{'s' if len(stale) > 1 else ''} used here "
                     f"{'are' if len(stale) > 1 else 'is'} older than {max_age} day{'s' if max_age != 1 else ''}: "
                     + "; ".join(str(s) for s in stale))
    return found


def render_comparison(estimate: Estimate) -> None:
    """The comparison table, then its cautions in one box that says how many there are."""
    if not estimate.approaches:
        st.info("Every option is hidden: tick Shown for an option under Options compared.")
        return
    leaders = md(describe_leaders(estimate, cheapest(estimate)))
    st.markdown(f"**Lowest {horizon_total(estimate.horizon_months)}:** {leaders}"
                f" · **Fastest to production:** {md(describe_leaders(estimate, fastest(estimate)))}")
    if estimate.scenario.options:
        frame, config = options_frame(estimate)
        st.caption(f"Costs in {estimate.currency}; a heading's full meaning shows when the pointer rests on it.")
        st.dataframe(frame, hide_index=True, column_config=config)
    else:
        st.table(comparison_frame(estimate))
    # What the totals hold: the contingency and tax, and which months the horizon covers.
    st.caption(md(f"{budget_terms(estimate)} Each option's {months(estimate.horizon_months)} of running start on "
                  f"its go-live date; work starts on {estimate.starts_on:%d %b %Y}."))
    found = cautions(estimate)
    if found:
        with st.expander(f"Cautions ({len(found)})", icon=":material/warning:"):
            st.markdown("\n".join(f"- {md(caution)}" for caution in found))


# The charts, one at a time: the browser redraws every chart on the page at every change of an input, and
# with ten options five charts were most of a change's wait; the chosen chart is kept for the session.
CHARTS = ("Cost to date", "Month by month", "Cost by category", "Timeline", "GPU memory")
CHART_KEY = "charts:chart"


def render_charts(estimate: Estimate) -> None:
    """One chart, chosen: cost to date with crossovers, cost by category (one-time and monthly), the
    timeline, or GPU memory of a self-hosted option."""
    sized = [name for name, result in estimate.approaches.items() if result.sizing is not None]
    choices = [chart for chart in CHARTS if chart != "GPU memory" or sized]
    if st.session_state.get(CHART_KEY) not in choices:
        st.session_state.pop(CHART_KEY, None)  # GPU memory, once no option is self-hosted: the first chart
    chart = st.radio("Chart", choices, horizontal=True, key=CHART_KEY, label_visibility="collapsed",
                     persist_state="session")
    if chart == "Cost by category":
        # One above the other: side by side at 1024 px, each legend wrapped onto its title.
        st.plotly_chart(charts.cost_by_category(estimate, "one_time"), key="chart:one_time")
        st.plotly_chart(charts.cost_by_category(estimate, "monthly"), key="chart:monthly")
    elif chart == "Month by month":
        try:
            figure = charts.month_by_month(estimate)
        except PlannerError as exc:  # an option too far from going live for a calendar: say so in words
            st.warning(md("; ".join(p.message for p in exc.problems)))
            return
        st.plotly_chart(figure, key="chart:months")
        st.caption("Build costs in the months the work is done, running costs from each option's go-live; "
                   "quarters and financial years: the budget pack's month-by-month sheets.")
    elif chart == "Timeline":
        st.plotly_chart(charts.timeline(estimate), key="chart:timeline")
    elif chart == "GPU memory":
        _render_gpu_memory(estimate, sized)
    else:
        crossings = crossovers(estimate)
        st.plotly_chart(charts.cumulative(estimate, crossings), key="chart:cumulative")
        for c in crossings:
            st.caption(md(f"Month {c.month}: {estimate.label(c.cheaper)} becomes cheaper to date than "
                          f"{estimate.label(c.dearer)} ({c.cost_to_date:,.0f} {estimate.currency})."))
        if not crossings:
            st.caption("No approach overtakes another within the horizon.")


def _render_gpu_memory(estimate: Estimate, sized: list[str]) -> None:
    """GPU memory of the self-hosted option chosen, and how each self-hosted option's replicas are used."""
    shown_memory = st.selectbox("GPU memory of", sized, key="charts:gpu", format_func=estimate.label,
                                persist_state="session") if len(sized) > 1 else sized[0]
    for name in sized:
        result = estimate.approaches[name]
        sizing = result.sizing
        assert sizing is not None
        if name == shown_memory:
            st.plotly_chart(charts.gpu_memory(sizing, f"{result.label}: GPU memory per GPU"),
                            key=f"chart:gpu:{name}")
        used = sizing.serving_utilisation()
        if used is not None:
            st.caption(md(f"{result.label}, month 1: {sizing.serving.replicas[0]} serving replica(s) sized for "
                          f"the peak; the month's average traffic uses {busy(used)} of their capacity, which a "
                          "serverless or shared deployment would not bill."))
        replica = sizing.serving.replica
        if replica.batch_reason:
            st.caption(md(f"{result.label}: each replica serves up to {replica.batch:,} requests at once: "
                          f"{replica.batch_reason}."))
        # Which instances, why nothing cheaper, and the next best (planner.costs.gpu_choice), under its own chart.
        for choice in (sizing.training_choice, sizing.serving_choice):
            if choice is not None and name == shown_memory:
                st.caption(md(f"{result.label}: " + "; ".join(choice.lines()) + "."))


WHY_ITEM_WIDTH_PX = 220  # the pinned item column of "Why these numbers?": its amounts fit beside it at 1024 px


def _why_rank(column: Column) -> int:
    """The item, then its amounts, then what kind of line it is and how it was worked out, then the long
    texts."""
    if column.heading == "Item":
        return 0
    if column.heading in ("Category", "Build or run"):
        return 2
    return {"money": 1, "number": 2}.get(column.kind, 2 if column.heading == "Unit" else 3)


def render_training_report(report: TrainingFileReport) -> None:
    """What an uploaded training file holds: counts, tokens, billed tokens, warnings and problems by line."""
    spread = report.tokens_per_example
    problems = f"{report.problem_count:,} problem{'' if report.problem_count == 1 else 's'}"
    with st.expander(md(f"Training file {report.name}: {report.examples:,} examples, {report.preference_pairs:,} "
                        f"preference pairs, {problems}"), expanded=True):
        st.markdown(
            f"- Tokens per example ({report.encoding}): mean {spread['mean']:,}, median {spread['p50']:,}, "
            f"95th percentile {spread['p95']:,}, longest {spread['max']:,}\n"
            f"- Billed training tokens: {report.billed_tokens_per_epoch:,} a pass x {report.epochs} default epochs = "
            f"{report.billed_training_tokens:,}\n"
            f"- Hold out {report.held_out:,} examples (10%) for evaluation\n"
            f"- SHA-256 {report.digest[:16]}; token counts {ACCURACY[report.encoding]}")
        for warning in report.warnings():
            st.warning(md(warning))
        if report.problems:
            st.dataframe(pd.DataFrame([{"Line": p.line, "Problem": p.message} for p in report.problems]),
                         hide_index=True)
        if report.problem_count > len(report.problems):
            st.caption(md(f"... and {report.problem_count - len(report.problems):,} more problems"))


def render_corpus_report(report: CorpusReport) -> None:
    """What uploaded documents hold: documents, tokens, chunks, and the files that could not be read."""
    documents = f"{len(report.documents):,} document{'' if len(report.documents) == 1 else 's'}"
    with st.expander(md(f"Knowledge corpus {report.name}: {documents}, {report.tokens:,} tokens, "
                        f"{len(report.unreadable):,} not read"), expanded=True):
        st.markdown(f"- Chunks of {report.chunk_tokens} tokens: {report.chunks:,} chunks and vectors, "
                    f"{report.embedded_tokens:,} tokens to embed ({report.encoding})\n"
                    f"- SHA-256 {report.digest[:16]}; token counts {ACCURACY[report.encoding]}")
        if report.unreadable:
            st.dataframe(pd.DataFrame([{"File": name, "Why it was not read": why} for name, why in report.unreadable]),
                         hide_index=True)


def render_why(estimate: Estimate) -> None:
    """Every total opened into its line items, then the phases and the assumptions with sources."""
    cur = estimate.currency
    # One option's lines at a time: with ten options, ten pairs of grids were built, sent and drawn on every
    # change of an input, most of this view's cost, for grids read one at a time anyway.
    names = list(estimate.approaches)
    chosen = st.selectbox("Lines of", names, key="why:option", format_func=estimate.label,
                          persist_state="session") if len(names) > 1 else names[0]
    result = estimate.approaches[chosen]
    # The name is the visitor's text (escaped); the bold around it is ours.
    st.markdown(f"**{md(result.label)}**: " + md(
        f"{result.one_time_cost:,.0f} {cur} one-time, {result.monthly_cost:,.0f} {cur} in month 1, "
        f"{result.horizon_cost:,.0f} {cur} over {months(estimate.horizon_months)}, the one-time cost included"))
    columns = [c for c in line_item_columns(estimate) if c.heading not in WHY_HIDDEN]
    # The item, pinned, then its amounts, so they stay on screen at 1024 px; the long text columns last.
    columns.sort(key=_why_rank)
    frame = pd.DataFrame([{c.heading: c.value(line) for c in columns} for line in grouped_lines(result)])
    config: dict[str, Any] = {
        c.heading: st.column_config.NumberColumn(format="%,.2f" if c.kind == "money" else "%,.6g")
        for c in columns if c.kind in ("money", "number")}
    config["Item"] = st.column_config.TextColumn(pinned=True, width=WHY_ITEM_WIDTH_PX)
    st.dataframe(frame, hide_index=True, column_config=config)
    st.caption("Phases")
    st.dataframe(pd.DataFrame([{"Phase": p.name, "Start (week)": round(p.start_week, 2),
                                "End (week)": round(p.end_week, 2), "How it was worked out": in_words(p.basis)}
                               for p in result.phases]), hide_index=True)
    if estimate.scenario.measured:
        st.subheader("Inputs measured from your files")
        st.markdown("\n".join(f"- {md(note.strip().removeprefix('- '))}" for note in measured_notes(estimate)))
    st.subheader("Assumptions")
    st.dataframe(pd.DataFrame([{"Assumption": in_words(a.key), "Value": a.value, "Unit": a.unit, "Source": a.source}
                               for a in estimate.assumptions]), hide_index=True)


@st.fragment
def render_fit(estimate: Estimate) -> None:
    """The field's decision questions, and the recommendation they give, with its reasons.

    The answers start from what the scenario already says (the examples its fine-tune budgets for).
    """
    # Each widget starts from the link's answers (set on first load) or the scenario's defaults.
    defaults = default_answers(estimate.scenario)
    for field, key in FIT_KEYS.items():
        st.session_state.setdefault(key, getattr(defaults, field))
    left, right = st.columns(2)
    left.radio("What does the model lack?", ["knowledge", "behaviour", "both"], key=FIT_KEYS["goal"],
               persist_state="session",
               help="Knowledge: facts it must look up. Behaviour: a format, tone or terminology.")
    left.radio("How often does that knowledge change?", ["rarely", "monthly", "weekly"],
               key=FIT_KEYS["knowledge_changes"], persist_state="session")
    left.number_input("Good examples you have (count)", 0, 10_000_000, step=50, key=FIT_KEYS["good_examples"],
                      persist_state="session")
    right.checkbox("Prompting has been pushed as far as it goes", key=FIT_KEYS["prompting_exhausted"],
                   persist_state="session")
    right.checkbox("There is budget for 3-5 train-evaluate cycles", key=FIT_KEYS["budget_for_iterations"],
                   persist_state="session")
    right.checkbox("Data must stay on our own infrastructure", key=FIT_KEYS["data_must_stay_in_house"],
                   persist_state="session")
    right.number_input("Latency budget added per request (ms)", 0, 60_000, step=100,
                       key=FIT_KEYS["latency_budget_ms"], persist_state="session")
    answers = DecisionAnswers(**{field: st.session_state[key] for field, key in FIT_KEYS.items()})
    token = encode_answers(answers)
    if st.query_params.get("fit", "") != token:
        st.query_params["fit"] = token  # the link carries the answers
    advice = recommend(answers, estimate)
    if advice.approach is None:
        st.error("No approach costed here meets every constraint above.")
    else:
        st.success(f"Recommended: **{md(estimate.label(advice.approach))}**")
    st.markdown("\n".join(f"- {md(reason)}" for reason in advice.reasons))
    if len(advice.ranked) > 1:
        cur, horizon = estimate.currency, estimate.horizon_months
        st.markdown("**Every option that meets the constraints, best fit first** (by how its kind of approach fits "
                    f"the goal, then by {horizon_total(horizon)}):\n" + "\n".join(
                        f"{rank}. {md(estimate.label(name))}: {estimate.approaches[name].horizon_cost:,.2f} {cur} over "
                        f"{months(horizon)}, the one-time cost included"
                        for rank, name in enumerate(advice.ranked, start=1)))
    for name, why in advice.ruled_out.items():
        st.warning(md(f"{estimate.label(name)} ruled out: {why}"))
    for caution in advice.cautions:
        st.info(md(caution))


def render_routes(scenario: Scenario, book: PriceBook, editor: options_view.Editor) -> None:
    """Every route the fine-tune could take (``planner.analysis.routes``), costs first, each one click from being
    an option; whether each can be bought for its whole plan; and what each route's seller bills."""
    cur = scenario.currency
    requests = scenario.workload.requests_per_month
    options = route_options(scenario, book)
    st.markdown("The **fine-tuning** inputs (sidebar: Training data and route) on every route they could take: "
                "a model provider's fine-tuning service, a host of open models (per token, or on a dedicated "
                "endpoint by the hour), or own GPUs on a schedule, each billed as its seller bills. Routes that "
                "can be bought for the whole plan come first, cheapest first. **Add as an option** puts a route "
                "into the comparison beside the others.")
    costed = [o for o in options if o.result is not None]
    horizon = f"{horizon_total(scenario.horizon_months)} ({cur})"
    rows = [{"Route": o.label, f"Per 1,000 requests, month 1 ({cur})": o.per_thousand_requests(requests),
             horizon: o.result.horizon_cost, f"One-time ({cur})": o.result.one_time_cost,
             f"First month ({cur})": o.result.monthly_cost,
             "Can be bought for its plan": "yes" if o.buyable else "no: " + "; ".join(o.result.blockers),
             "Runs on": o.result.serves_with}
            for o in costed if o.result is not None]
    money = {column: st.column_config.NumberColumn(format="%,.2f") for column in rows[0] if "(" in column} \
        if rows else {}
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "Route": st.column_config.TextColumn(pinned=True, width=ROUTE_COLUMN_PX), **money})
    st.caption("Each route's costs include the people's hours and operations every route shares; what differs "
               "between routes is what its seller bills, below.")
    base = editor.base
    taken = {option["name"] for option in option_edits.options_of(base)} if base.get("options") else set()
    addable = [o for o in costed if o.label not in taken]
    if addable:
        # One picker and one button: twelve buttons, each naming its route, are cut to a word at 1024 px.
        chosen = st.selectbox("Route to add as an option", [o.label for o in addable], key="routes:choice")
        picked = next(o for o in addable if o.label == chosen)
        st.button("Add as an option", key="routes:add", on_click=lambda: editor.apply(option_edits.add_option(
            base, "fine_tune", picked.label, picked.changes)))
    for option in options:
        if option.result is None:
            st.warning(md(f"{option.label}: cannot be costed here: {option.problem}"))
    for option in costed:
        if option.result is None:
            continue
        with st.expander(md(f"{option.label}: what its seller bills")):
            for why in option.result.blockers:
                st.warning(md(f"Cannot be bought for its whole plan: {why}"))
            st.dataframe(pd.DataFrame([{
                "Item": li.item, f"Amount ({cur})": li.amount,
                "When": "month 1 (a month)" if li.timing == "monthly" else "one-time",
                f"{scenario.horizon_months} months ({cur})": li.horizon_amount, "Quantity": li.quantity,
                "Unit": li.unit, f"Unit price ({cur})": li.unit_price,
                "How the quantity was worked out": in_words(li.quantity_basis)} for li in option.billed_lines()]),
                hide_index=True, column_config={
                    "Item": st.column_config.TextColumn(pinned=True),
                    f"Unit price ({cur})": st.column_config.NumberColumn(format="%,.4f"),
                    f"Amount ({cur})": st.column_config.NumberColumn(format="%,.2f"),
                    f"{scenario.horizon_months} months ({cur})": st.column_config.NumberColumn(format="%,.2f"),
                    "Quantity": st.column_config.NumberColumn(format="%,.4g")})
            if option.result.sizing is not None:
                st.caption(md(" · ".join(sizing_lines(option.result.sizing))))


def render_export(estimate: Estimate, scenario: Scenario, book: PriceBook) -> None:
    """Downloads of the line items, the summary, the budget pack and the scenario, and the link."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in scenario.name.lower()).strip("-") or "scenario"
    # Each file is made when its button is clicked (Streamlit calls the function then, in a thread of its
    # own), not on every change of an input: the budget pack's 10,000 draws cost far more than a rerun.
    st.download_button("Line items (CSV)", lambda: to_csv(estimate), f"{slug}-line-items.csv", "text/csv",
                       key="dl:lines")
    try:
        budget_calendar(estimate)  # the pack lays every option out on the calendar (cheap next to the pack)
    except PlannerError as exc:
        st.warning(md("No budget pack: " + "; ".join(p.message for p in exc.problems)))
    else:
        st.download_button("Budget pack (Excel: summary, line items, month by month, ranges, assumptions, prices)",
                           lambda: budget_pack_with_ranges(estimate, scenario, book), f"{slug}-budget-pack.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl:xlsx")
    st.download_button("Summary (CSV)", lambda: summary_csv(estimate), f"{slug}-summary.csv", "text/csv",
                       key="dl:summary")
    st.download_button("Scenario (YAML, every value written out)", lambda: scenario_yaml(scenario),
                       f"{slug}.yaml", "application/yaml", key="dl:scenario")
    st.markdown("**Share:** this page's address holds the scenario; copy it from the address bar, or this "
                "query string:")
    st.code(f"?s={encode_scenario(scenario)}", language=None)


def offering_rows(book: PriceBook, provider: str) -> list[dict[str, Any]]:
    """One row per offering of ``provider``: its prices, source, date and status."""
    rows = []
    for ref, section, offering in all_offerings(book):
        if ref.split("/")[0] != provider:
            continue
        data = offering.model_dump(exclude={"fine_tuning"})
        tuned = getattr(offering, "fine_tuning", None)
        if tuned is not None:
            data.update({f"fine-tuned {k}": v for k, v in tuned.model_dump().items() if k not in PROVENANCE})
        rows.append({"offering": ref, "section": section.replace("_", " "), **readable(data)})
    return rows


def readable(data: dict[str, Any]) -> dict[str, Any]:
    """A table row for people: the figures first and where they came from last (so the prices stay on
    screen at 1024 px), headings in words."""
    return {k.replace("_", " "): data[k] for k in prices_first(list(data))}


def render_prices(book: PriceBook, scenario: Scenario, who: Access) -> None:
    """Each provider's table with sources, dates and staleness, an editor for it (saving for price admins),
    and the other tables."""
    table = book.tables
    providers = sorted({*table, *(Path(p.file).stem for p in book.problems if Path(p.file).stem not in SPECIAL)})
    provider = st.selectbox("Provider", providers, key="prices:provider",
                            format_func=lambda p: f"{table[p].display_name} ({p}, {table[p].currency})"
                            if p in table else f"{p} (does not load)")
    # Kept for the session while other views are open: the comparison reads it on every view.
    max_age = st.number_input("Flag prices older than (days)", 1, 3650, DEFAULT_MAX_AGE_DAYS, 30, key=MAX_AGE,
                              help="Stale prices are flagged here and under the comparison.", persist_state="session")
    stale = {s.key.split(" ")[0] for s in stale_prices(book, datetime.date.today(), int(max_age))}
    rows = offering_rows(book, provider)
    for row in rows:
        row["older than the limit"] = row["offering"] in stale
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if st.toggle("Edit this table", key="prices:edit",
                 help=None if who.price_admin else "Try changes and see what they move; only a price admin saves."):
        render_editor(book, provider, scenario, who)
        return
    if book.people:
        st.subheader("People rates (per hour)")
        st.dataframe(pd.DataFrame([{"rate card": f"{card.display_name} ({card_id})", "role": role.replace("_", " "),
                                    "per hour": round(rate.hourly, 2), "currency": card.currency,
                                    "worked out as": rate.derivation or "given", "source": rate.source,
                                    "as of": rate.as_of}
                                   for card_id, card in book.people.rate_cards.items()
                                   for role, rate in card.roles]), hide_index=True)
    if book.hardware:
        st.subheader("GPUs")
        gpus = book.hardware.gpus.items()
        st.dataframe(pd.DataFrame([{"gpu": gpu_id, **readable(spec.model_dump())} for gpu_id, spec in gpus]),
                     hide_index=True)
    if book.open_models:
        st.subheader("Open models")
        st.dataframe(pd.DataFrame([{"model": model_id, **readable(m.model_dump())}
                                   for model_id, m in book.open_models.models.items()]), hide_index=True)
    if book.fx:
        st.subheader("Exchange rates (USD per unit)")
        st.dataframe(pd.DataFrame([{"currency": code, **readable(rate.model_dump())}
                                   for code, rate in book.fx.rates.items()]), hide_index=True)
