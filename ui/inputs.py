"""The sidebar inputs: each one a scenario field, shown with the label, unit, bounds, choices and help
its model declares (``planner.inputs.scenario``: ``title``, ``json_schema_extra["unit"]``, constraints,
``Literal``, ``description``). Only what is about the sidebar is written here: the group each input is
shown in, its widget step, the route it belongs to, the price-table list a picker offers, and whether a
picker marks retired models.

Widget values live in ``st.session_state`` under ``in:<scenario path>``; ``scenario_data`` reads
them back over the loaded scenario, so keys without a widget (an inline architecture, hybrid
overrides) survive every change.
"""

from __future__ import annotations

import calendar
import copy
import datetime
import math
import typing
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st
from pydantic.fields import FieldInfo

from planner import PriceBook
from planner.analysis.ranges import field_limits
from planner.analysis.staleness import retirement_mark
from planner.inputs.option_edits import route_settings
from planner.inputs.pricebook import all_offerings, open_model_hosts
from planner.inputs.regions import RESIDENCY_WORDS, Residency
from planner.inputs.scenario import AUTOMATIC, FIRST_START_DATE, LAST_START_DATE, scenario_field
from planner.inputs.validation import members

Kind = Literal["int", "float", "percent", "select", "date"]
Route = Literal["api", "provider_hosted", "self_hosted"]
Options = Callable[[PriceBook], list[Any]]
PREFIX = "in:"
# Streamlit refuses an int widget's bound beyond JavaScript's safe integers (2**53 - 1); the models' own
# bounds (a quadrillion, planner.core.limits.MAX_MAGNITUDE) are within it, this only guards a field without one.
JS_MAX_SAFE_INTEGER = 2**53 - 1
# A float widget shows two decimals: a strict bound (> -1) is met by the nearest value it can show.
SHOWN_DECIMALS = 2
PERCENT = "%"  # a unit starting with it marks a share: a fraction in the scenario, a percentage on screen
MONTH_NAMES = {number: calendar.month_name[number] for number in range(1, 13)}  # 1: "January"


@dataclass(frozen=True)
class Input:
    """One widget: the scenario path it sets, how it is shown, and its bounds or options (built by
    ``field_input`` from the path's field)."""

    path: str
    label: str
    help: str
    kind: Kind = "int"
    low: float = 0
    high: float = JS_MAX_SAFE_INTEGER
    step: float = 1
    options: Options | None = None
    route: Route | None = None  # inputs that only one route uses
    # A model picker marks retired and retiring models: by the model's own date, or its fine-tuned one's.
    retiring: Literal["model", "fine_tuned"] | None = None

    @property
    def key(self) -> str:
        """Its session-state key."""
        return PREFIX + self.path


def _refs(section: str, only: Callable[[Any], bool] = lambda offering: True) -> Options:
    return lambda book: [ref for ref, sec, offering in all_offerings(book) if sec == section and only(offering)]


chat_models = _refs("models")
fine_tunable = _refs("models", lambda m: m.fine_tuning is not None)
embedding_models = _refs("embeddings")
vector_dbs = _refs("vector_dbs")
gpu_instances = _refs("gpu_instances")


def training_gpus(book: PriceBook) -> list[str]:
    """Automatic (the cheapest that holds the run), then every GPU instance in the tables that runs training jobs
    (not a host's dedicated endpoint)."""
    return [AUTOMATIC, *_refs("gpu_instances", lambda instance: not instance.endpoint_only)(book)]


def serving_gpus(book: PriceBook) -> list[str]:
    """Automatic (the cheapest that serves the peak), the training instance, then every GPU instance."""
    return [AUTOMATIC, "same_as_training", *gpu_instances(book)]


def hosts(book: PriceBook) -> list[str]:
    """Providers that both tune open models (fine-tuning bands) and serve them per token."""
    return list(open_model_hosts(book))


def open_models(book: PriceBook) -> list[str]:
    return list(book.open_models.models) if book.open_models else []


def rate_cards(book: PriceBook) -> list[str]:
    return list(book.people.rate_cards) if book.people else []


def currencies(book: PriceBook) -> list[str]:
    return sorted(book.fx.rates) if book.fx else ["USD"]


# A route's inputs name it after their title, as "Method (self-hosted)".
ROUTE_MARKS: dict[Route, str] = {"api": "provider's API", "provider_hosted": "hosted per token",
                                 "self_hosted": "self-hosted"}


def _declared(path: str) -> FieldInfo:
    info = scenario_field(path)
    if info is None or info.title is None:
        raise LookupError(f"{path} is not a scenario input with a title (planner/inputs/scenario.py)")
    return info


def _unit(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = extra.get("unit")
    return unit if isinstance(unit, str) else None


def _choices(info: FieldInfo) -> Options | None:
    """A field's own choices: its ``Literal``'s values, or No and Yes for a boolean; None for others."""
    found: list[Any] = []
    for member in members(info.annotation):
        if typing.get_origin(member) is Literal:
            found += typing.get_args(member)
        elif member is bool:
            found += [False, True]
    return (lambda book: list(found)) if found else None


def _bounds(path: str, kind: Kind) -> tuple[float, float]:
    """The widget's bounds from the field's (``field_limits``), in the units shown (a share's in percent);
    a strict bound (> -1) gives the nearest value beyond it that the widget holds."""
    scale = 100 if kind == "percent" else 1
    lows, highs = [-float(JS_MAX_SAFE_INTEGER)], [float(JS_MAX_SAFE_INTEGER)]
    for symbol, bound in field_limits(path):
        value = bound * scale
        if kind == "int":
            strict = {">": math.floor(value) + 1, ">=": math.ceil(value), "<": math.ceil(value) - 1,
                      "<=": math.floor(value)}
            value = strict[symbol]
        elif symbol in (">", "<"):
            value += 10**-SHOWN_DECIMALS if symbol == ">" else -(10**-SHOWN_DECIMALS)
        (lows if symbol.startswith(">") else highs).append(value)
    if kind == "int":
        return int(max(lows)), int(min(highs))
    return max(lows), min(highs)


def field_input(path: str, step: float = 1, options: Options | None = None, route: Route | None = None,
                retiring: Literal["model", "fine_tuned"] | None = None) -> Input:
    """The input for the scenario field at ``path`` ("approaches.fine_tune.model@api": the field, as one
    route's input): label, unit, help, bounds and choices from the field; ``options`` (a price-table list)
    for a picker whose field takes any reference. ``step`` is in the units shown (percent for a share)."""
    info = _declared(path.split("@")[0])
    unit = _unit(info)
    options = options or _choices(info)
    kind: Kind
    if options is not None:
        kind = "select"
    elif datetime.date in members(info.annotation):
        kind = "date"
    elif unit is not None and unit.startswith(PERCENT):
        kind = "percent"
    else:
        kind = "int" if int in members(info.annotation) else "float"
    notes = [note for note in (unit, route and ROUTE_MARKS[route]) if note]
    label = f"{info.title} ({', '.join(notes)})" if notes else str(info.title)
    low, high = (0.0, 0.0) if kind in ("select", "date") else _bounds(path.split("@")[0], kind)
    return Input(path, label, _sentence(info.description or ""), kind, low, high, step, options, route, retiring)


def _sentence(text: str) -> str:
    """A field's description as help: "Requests in the first month." for "requests in the first month"."""
    return f"{text[:1].upper()}{text[1:]}{'' if not text or text.endswith('.') else '.'}"


RECORDS_SHARE = "approaches.fine_tune.example_sources.records"
TRAINING_GPU, SERVING_GPU = "approaches.fine_tune.training_gpu", "approaches.fine_tune.serving_gpu"
SYNTHETIC_SHARE = "approaches.fine_tune.example_sources.synthetic"

GROUPS: dict[str, list[Input]] = {
    "Workload": [
        field_input("workload.requests_per_month", step=10_000),
        field_input("workload.monthly_growth"),
        field_input("workload.input_tokens"),
        field_input("workload.output_tokens"),
    ],
    "Horizon and currency": [
        field_input("horizon_months"),
        field_input("currency", options=currencies),
    ],
    "Prompt engineering": [
        field_input("approaches.prompt.model", options=chat_models, retiring="model"),
        field_input("approaches.prompt.system_prompt_tokens", step=100),
        field_input("approaches.prompt.cached_prompt_share", step=5),
        field_input("approaches.prompt.prompt_cache"),
        field_input("approaches.prompt.reasoning_effort"),
        field_input("approaches.prompt.batch_share", step=5),
        field_input("approaches.prompt.flex_share", step=5),
        field_input("approaches.prompt.priority_share", step=5),
    ],
    "Knowledge base (RAG)": [
        field_input("approaches.rag.model", options=chat_models, retiring="model"),
        field_input("approaches.rag.system_prompt_tokens", step=100),
        field_input("approaches.rag.retrieved_tokens", step=100),
        field_input("approaches.rag.corpus_tokens", step=1_000_000),
        field_input("approaches.rag.corpus_monthly_change"),
        field_input("approaches.rag.cached_prompt_share", step=5),
        field_input("approaches.rag.prompt_cache"),
        field_input("approaches.rag.repeated_context_share", step=5),
        field_input("approaches.rag.reasoning_effort"),
        field_input("approaches.rag.batch_share", step=5),
        field_input("approaches.rag.flex_share", step=5),
        field_input("approaches.rag.priority_share", step=5),
        field_input("approaches.rag.embedding_model", options=embedding_models, retiring="model"),
        field_input("approaches.rag.vector_db", options=vector_dbs),
    ],
    "Training data and route (fine-tuning, hybrid)": [
        field_input("approaches.fine_tune.route"),
        field_input("approaches.fine_tune.model@api", options=fine_tunable, route="api", retiring="fine_tuned"),
        field_input("approaches.fine_tune.model@self_hosted", options=open_models, route="self_hosted"),
        field_input("approaches.fine_tune.model@provider_hosted", options=open_models, route="provider_hosted"),
        field_input("approaches.fine_tune.host", options=hosts, route="provider_hosted"),
        field_input("approaches.fine_tune.capacity", route="api"),
        field_input("approaches.fine_tune.provisioned_term", route="api"),
        field_input("approaches.fine_tune.system_prompt_tokens", step=50),
        field_input("approaches.fine_tune.examples", step=100),
        field_input(RECORDS_SHARE, step=5),
        field_input(SYNTHETIC_SHARE, step=5),
        field_input("approaches.fine_tune.generation_model", options=chat_models, retiring="model"),
        field_input("approaches.fine_tune.preference_pairs", step=100),
        field_input("approaches.fine_tune.tokens_per_example", step=50),
        field_input("approaches.fine_tune.epochs"),
        field_input("approaches.fine_tune.retrain_every_months"),
        field_input("approaches.fine_tune.method", route="self_hosted"),
        field_input("approaches.fine_tune.optimizer", route="self_hosted"),
        field_input("approaches.fine_tune.optimizer_in_backward", route="self_hosted"),
        field_input("approaches.fine_tune.cpu_offload", route="self_hosted"),
        field_input(TRAINING_GPU, options=training_gpus, route="self_hosted"),
        field_input(SERVING_GPU, options=serving_gpus, route="self_hosted"),
        field_input("approaches.fine_tune.serving_schedule", route="self_hosted"),
        field_input("approaches.fine_tune.purchase", route="self_hosted"),
    ],
    "After launch": [
        field_input("operations.personal_data"),
        field_input("operations.online_eval_share", step=0.5),
        field_input("operations.base_model_change_every_months"),
    ],
    "Budget and dates": [
        field_input("project.start_date"),
        field_input("project.fiscal_year_start_month", options=lambda book: list(MONTH_NAMES)),
        field_input("project.contingency_share", step=1),
        field_input("project.tax_rate", step=1),
        field_input("project.prices_include_tax"),
    ],
    "Team and project": [
        field_input("team.rates", options=rate_cards),
        field_input("project.iterations"),
        field_input("project.data_preparers"),
        field_input("project.engineers"),
        field_input("project.judge_model", options=chat_models, retiring="model"),
        field_input("project.data_residency"),
    ],
}
ALL_INPUTS = [item for group in GROUPS.values() for item in group]
WRITTEN_SHARE = "approaches.fine_tune.example_sources.written"
# Choices shown in words; the scenario keeps the value on the left.
OPTION_WORDS: dict[Any, str] = {False: "No", True: "Yes", "api": "Provider's API",
                                "provider_hosted": "Hosted per token (open model)",
                                "self_hosted": "Self-hosted (own GPUs)", "lora": "LoRA", "qlora": "QLoRA",
                                "full": "Full fine-tuning", "always_on": "Always on",
                                "business_hours": "Business hours only", "scale_to_zero": "Scaled to zero when idle",
                                "on_demand": "On demand", "reserved": "Reserved (1 year)",
                                "spot": "Spot (interruptible)", "cheaper": "Whichever is cheaper",
                                "per_token": "Per token", "provisioned": "Provisioned model units",
                                "none": "No commitment", "1_month": "1-month commitment",
                                "6_month": "6-month commitment", "5_minutes": "5 minutes (the default cache)",
                                "1_hour": "1 hour", "stored": "Stored all month (explicit cache)",
                                "default": "The model's default",
                                "low": "Low", "medium": "Medium", "high": "High",
                                AUTOMATIC: "Automatic (cheapest)", "same_as_training": "Same as training",
                                "adamw": "AdamW (32-bit states)", "adamw_8bit": "8-bit AdamW",
                                "paged_adamw_8bit": "8-bit AdamW, paged to host memory",
                                **RESIDENCY_WORDS}
# Where a value means something else in one field ("none": no commitment, but no reasoning), by field name.
FIELD_WORDS: dict[str, dict[Any, str]] = {"reasoning_effort": {"none": "None (answers without reasoning)"},
                                          "purchase": {AUTOMATIC: "On demand, or reserved if cheaper"},
                                          "fiscal_year_start_month": MONTH_NAMES}


def option_words(path: str, option: Any) -> str:
    """A choice of the input at ``path`` in words: "The model's default" for reasoning_effort's "default"."""
    name = path.split("@")[0].rsplit(".", 1)[-1]
    return str(FIELD_WORDS.get(name, {}).get(option, OPTION_WORDS.get(option, option)))


def _path(item: Input) -> list[str]:
    return item.path.split("@")[0].split(".")


def _get(data: dict[str, Any], path: list[str]) -> Any:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def state_from_scenario(data: dict[str, Any], book: PriceBook, defaults: dict[str, Any]) -> dict[str, Any]:
    """Widget values for a scenario given as plain data (``defaults`` fills keys left to assumptions)."""
    route = _get(data, ["approaches", "fine_tune", "route"]) or "api"
    block = _get(data, ["approaches", "fine_tune"]) or {}
    # The inputs of the routes the block is not on start where an option's switch to that route would (one
    # rule: option_edits.route_settings): an open model, the cheapest GPU instance holding it, a host.
    residency: Residency = _get(data, ["project", "data_residency"]) or "anywhere"
    starts = {other: {**block, **route_settings(book, other, block, datetime.date.today(), residency=residency)}
              for other in ("api", "provider_hosted", "self_hosted") if other != route}
    values: dict[str, Any] = {}
    for item in ALL_INPUTS:
        key = _path(item)[-1]
        value = _get(data, _path(item))
        source = starts[item.route] if item.route is not None and item.route != route else block
        if source is not block:
            value = source.get(key)
        if value is None:
            value = defaults.get(item.path)
        if value is None and "@" not in item.path:
            # A key the scenario's route does not hold (method on the api route): the field's own default
            # (LoRA), as a new block of that route would have.
            info = scenario_field(item.path)
            value = None if info is None or info.is_required() else info.default
        if value is None and item.options is not None:
            options = item.options(book)
            value = options[0] if options else None
        if item.kind == "percent" and value is not None:
            value = round(value * 100, 6)
        if item.kind == "date":
            # unset: the planning day (today), as the planner reads it
            value = datetime.date.fromisoformat(value) if isinstance(value, str) else value or datetime.date.today()
        values[item.key] = value
    return values


def scenario_data(base: dict[str, Any], state: MutableMapping[str, Any],
                  defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """The loaded scenario with every widget's value written over it.

    A key the scenario leaves to the assumptions table (``project.iterations``) shows the
    assumption's value (``defaults``) in its widget; while the widget still shows that value, the
    key stays unset, so the estimate, the link and the exports follow the assumption (and a range
    on the assumption moves it), as the command line does for the same file.
    """
    defaults = defaults or {}
    data = copy.deepcopy(base)
    route = state.get(PREFIX + "approaches.fine_tune.route", "api")
    for item in ALL_INPUTS:
        if item.route is not None and item.route != route:
            continue  # an input of the route not chosen
        value = state.get(item.key)
        if value is None:
            continue
        if item.kind == "percent":
            value = value / 100
        if _get(base, _path(item)) is None and item.path in defaults and value == defaults[item.path]:
            continue  # left to the assumption
        if item.kind == "date":
            if _get(base, _path(item)) is None and value == datetime.date.today():
                continue  # left to the planning day: a link opened later starts then
            value = value.isoformat()
        _put(data, _path(item), value)
    records, synthetic = state.get(PREFIX + RECORDS_SHARE), state.get(PREFIX + SYNTHETIC_SHARE)
    if records is not None or synthetic is not None:
        # The examples not from records or an LLM are written by experts: the shares stay whole.
        # (Over 100% together, the planner's message says so.)
        rest = round(1 - ((records or 0) + (synthetic or 0)) / 100, 9)
        _put(data, WRITTEN_SHARE.split("."), max(rest, 0.0))
    return data


def _put(data: dict[str, Any], path: list[str], value: Any) -> None:
    node = data
    *parents, last = path
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


GROUP_PREFIX = "group:"  # the key of a group of inputs' expander, before its title


def render_inputs(book: PriceBook) -> None:
    """Every group of inputs, in the sidebar."""
    route = st.session_state.get(PREFIX + "approaches.fine_tune.route", "api")
    for title, items in GROUPS.items():
        # A closed group's inputs are not drawn (its widgets keep their values, persist_state): every change
        # of an input drew, sent and laid out some fifty widgets, most of them in closed groups.
        group = st.sidebar.expander(title, expanded=title == "Workload", key=f"{GROUP_PREFIX}{title}",
                                    on_change="rerun")
        if not group.open:
            continue
        with group:
            for item in items:
                _widget(item, book, disabled=item.route is not None and item.route != route)


def retirement_marks(item: Input, book: PriceBook, options: list[str]) -> dict[str, str]:
    """" (retired 2026-10-23)" or " (retires 2026-11-30)" for each model option that has a date."""
    if item.retiring is None:
        return {}
    today = datetime.date.today()
    offerings = {ref: offering for ref, _, offering in all_offerings(book)}
    return {ref: retirement_mark(offerings[ref], today, fine_tuned=item.retiring == "fine_tuned")
            for ref in options if ref in offerings}


def _widget(item: Input, book: PriceBook, disabled: bool) -> None:
    if item.kind == "select":
        options = item.options(book) if item.options else []
        if st.session_state.get(item.key) not in options:
            # A reference the tables no longer hold (or a scenario typed by hand): show it, and let the
            # planner explain the problem, rather than silently picking another offering.
            current = st.session_state.get(item.key)
            options = [*options, current] if current is not None else options
        marks = retirement_marks(item, book, options)
        st.selectbox(item.label, options, key=item.key, help=item.help or None, disabled=disabled,
                     format_func=lambda option: option_words(item.path, option) + marks.get(option, ""),
                     persist_state="session")
    elif item.kind == "date":
        st.date_input(item.label, key=item.key, help=item.help or None, disabled=disabled, min_value=FIRST_START_DATE,
                      max_value=LAST_START_DATE, format="YYYY-MM-DD", persist_state="session")
    elif item.kind == "int":
        st.number_input(item.label, min_value=int(item.low), max_value=int(item.high), step=int(item.step),
                        key=item.key, help=item.help, disabled=disabled, persist_state="session")
    else:
        st.number_input(item.label, min_value=float(item.low), max_value=float(item.high), step=float(item.step),
                        key=item.key, help=item.help, disabled=disabled, format="%.2f", persist_state="session")
