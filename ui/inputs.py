"""The sidebar inputs: each one a scenario field with its unit, bounds and help text.

Widget values live in ``st.session_state`` under ``in:<scenario path>``; ``scenario_data`` reads
them back over the loaded scenario, so keys without a widget (an inline architecture, hybrid
overrides) survive every change.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from planner import PriceBook
from planner.analysis.staleness import retirement_mark
from planner.inputs.pricebook import all_offerings

Kind = Literal["int", "float", "percent", "select"]
PREFIX = "in:"


@dataclass(frozen=True)
class Input:
    """One widget: the scenario path it sets, how it is shown, and its bounds or options."""

    path: str
    label: str
    help: str
    kind: Kind = "int"
    low: float = 0
    high: float = 10**12
    step: float = 1
    options: Callable[[PriceBook], list[str]] | None = None
    route: Literal["api", "provider_hosted", "self_hosted"] | None = None  # inputs that only one route uses
    # A model picker marks retired and retiring models: by the model's own date, or its fine-tuned one's.
    retiring: Literal["model", "fine_tuned"] | None = None

    @property
    def key(self) -> str:
        """Its session-state key."""
        return PREFIX + self.path


def _refs(section: str, only: Callable[[Any], bool] = lambda offering: True) -> Callable[[PriceBook], list[str]]:
    return lambda book: [ref for ref, sec, offering in all_offerings(book) if sec == section and only(offering)]


chat_models = _refs("models")
fine_tunable = _refs("models", lambda m: m.fine_tuning is not None)
embedding_models = _refs("embeddings")
vector_dbs = _refs("vector_dbs")
gpu_instances = _refs("gpu_instances")


def hosts(book: PriceBook) -> list[str]:
    """Providers that both tune open models (fine-tuning bands) and serve them per token."""
    return [name for name, table in book.tables.items()
            if table.fine_tuning_bands and any(m.open_model for m in table.models.values())]


def open_models(book: PriceBook) -> list[str]:
    return list(book.open_models.models) if book.open_models else []


def rate_cards(book: PriceBook) -> list[str]:
    return list(book.people.rate_cards) if book.people else []


def currencies(book: PriceBook) -> list[str]:
    return sorted(book.fx.rates) if book.fx else ["USD"]


RECORDS_SHARE = "approaches.fine_tune.example_sources.records"
SYNTHETIC_SHARE = "approaches.fine_tune.example_sources.synthetic"

GROUPS: dict[str, list[Input]] = {
    "Workload": [
        Input("workload.requests_per_month", "Requests (per month)", "Requests in the first month.", step=10_000),
        Input("workload.monthly_growth", "Monthly growth (% a month)", "Volume added each month, compounding.",
              "percent", -50, 100, 1),
        Input("workload.input_tokens", "User input (tokens per request)", "The user's part of each request."),
        Input("workload.output_tokens", "Output (tokens per request)", "Tokens the model writes per request."),
    ],
    "Horizon and currency": [
        Input("horizon_months", "Horizon (months)", "Total cost of ownership is summed over this many months.",
              low=1, high=120),
        Input("currency", "Report currency", "Prices in other currencies are converted at pricing/fx.yaml.",
              "select", options=currencies),
    ],
    "Prompt engineering": [
        Input("approaches.prompt.model", "Model", "Hosted chat model.", "select", options=chat_models,
              retiring="model"),
        Input("approaches.prompt.system_prompt_tokens", "System prompt (tokens)",
              "Static instructions and examples sent with every request.", step=100),
        Input("approaches.prompt.cached_prompt_share", "Prompt cache hit share (%)",
              "Requests whose system prompt is read from the provider's cache, at its cached-input price; the "
              "others write it to the cache (billed above the input price where the provider charges for "
              "writes, as Anthropic does). 0 = caching not used.", "percent", 0, 100, 5),
        Input("approaches.prompt.batch_share", "Requests sent in batches (%)",
              "Through the provider's batch API (answers within 24 h), at its batch prices.", "percent", 0, 100, 5),
    ],
    "Knowledge base (RAG)": [
        Input("approaches.rag.model", "Model", "Hosted chat model.", "select", options=chat_models, retiring="model"),
        Input("approaches.rag.system_prompt_tokens", "System prompt (tokens)", "Static instructions per request.",
              step=100),
        Input("approaches.rag.retrieved_tokens", "Retrieved context (tokens per request)",
              "Chunks added to each request.", step=100),
        Input("approaches.rag.corpus_tokens", "Knowledge base (tokens)", "Size of the corpus to index.",
              step=1_000_000),
        Input("approaches.rag.corpus_monthly_change", "Corpus changed each month (%)",
              "Re-embedded and re-written monthly.", "percent", 0, 100, 1),
        Input("approaches.rag.batch_share", "Requests sent in batches (%)",
              "Through the provider's batch API (answers within 24 h), at its batch prices.", "percent", 0, 100, 5),
        Input("approaches.rag.embedding_model", "Embedding model", "", "select", options=embedding_models,
              retiring="model"),
        Input("approaches.rag.vector_db", "Vector database plan", "", "select", options=vector_dbs),
    ],
    "Training data and route (fine-tuning, hybrid)": [
        Input("approaches.fine_tune.route", "Route", "A model provider's API trains and serves the model; a host "
              "of open models tunes a LoRA adapter and serves it per token; or you rent GPUs and run it yourself.",
              "select", options=lambda book: ["api", "provider_hosted", "self_hosted"]),
        Input("approaches.fine_tune.model@api", "Model to fine-tune (provider's API)",
              "A hosted model with fine-tuning prices.", "select", options=fine_tunable, route="api",
              retiring="fine_tuned"),
        Input("approaches.fine_tune.model@self_hosted", "Open model (self-hosted)", "From pricing/open_models.yaml.",
              "select", options=open_models, route="self_hosted"),
        Input("approaches.fine_tune.model@provider_hosted", "Open model (hosted per token)",
              "From pricing/open_models.yaml; the host must serve it.", "select", options=open_models,
              route="provider_hosted"),
        Input("approaches.fine_tune.host", "Host of open models", "Its fine-tuning bands price training; its "
              "per-token price serves the adapter.", "select", options=hosts, route="provider_hosted"),
        Input("approaches.fine_tune.system_prompt_tokens", "System prompt after tuning (tokens)",
              "Instructions still sent once behaviour is trained in.", step=50),
        Input("approaches.fine_tune.examples", "Training examples (count)", "Good examples in the training set.",
              step=100),
        Input(RECORDS_SHARE, "Examples selected from records (%)",
              "From logs, tickets or documents: a pipeline screens, cleans and anonymises them; an expert reviews "
              "a sample. Examples from neither records nor an LLM are written by experts.", "percent", 0, 100, 5),
        Input(SYNTHETIC_SHARE, "Examples generated by an LLM (%)",
              "Drafted by the generation model below; an expert reviews every draft and rejects some.", "percent",
              0, 100, 5),
        Input("approaches.fine_tune.generation_model", "Generation model (synthetic examples)",
              "Hosted chat model that drafts synthetic examples.", "select", options=chat_models, retiring="model"),
        Input("approaches.fine_tune.preference_pairs", "Preference pairs for DPO (count, 0 = none)",
              "Preferred/rejected answer pairs ranked by experts; the field asks for 500-2,000. Costed on the "
              "self-hosted route, and by API where the table has a DPO price.", step=100),
        Input("approaches.fine_tune.tokens_per_example", "Tokens per example (tokens)",
              "Also the training sequence length.", low=1, step=50),
        Input("approaches.fine_tune.epochs", "Epochs (passes over the data)", "Passes over the training set.",
              low=1, high=100),
        Input("approaches.fine_tune.retrain_every_months", "Retrain every (months, 0 = never)",
              "One training run and its engineer time, spread over the months between.", high=120),
        Input("approaches.fine_tune.method", "Method (self-hosted)", "LoRA trains under 1% of the parameters; QLoRA "
              "also quantises the frozen base to 4 bits.", "select", options=lambda book: ["lora", "qlora", "full"],
              route="self_hosted"),
        Input("approaches.fine_tune.training_gpu", "Training GPUs (self-hosted)", "A GPU instance from the price "
              "tables.", "select", options=gpu_instances, route="self_hosted"),
        Input("approaches.fine_tune.serving_gpu", "Serving GPUs (self-hosted)", "Replicas are sized from the peak "
              "request rate.", "select", options=gpu_instances, route="self_hosted"),
        Input("approaches.fine_tune.serving_schedule", "Serving schedule (self-hosted)",
              "Always on; business hours only (all traffic then); or scaled to zero when idle (a cold start "
              "after a quiet spell).", "select", options=lambda book: ["always_on", "business_hours", "scale_to_zero"],
              route="self_hosted"),
        Input("approaches.fine_tune.purchase", "Serving instances bought (self-hosted)",
              "On demand; reserved for a year (billed every hour); or spot (can be interrupted). The instance "
              "needs a price for it.", "select", options=lambda book: ["on_demand", "reserved", "spot"],
              route="self_hosted"),
    ],
    "After launch": [
        Input("operations.personal_data", "Personal data in requests or examples",
              "Adds a privacy review (DPIA) and a redaction check of every training example.", "select",
              options=lambda book: [False, True]),
        Input("operations.online_eval_share", "Requests scored by the LLM judge (%)",
              "Online evaluation of production traffic, at the judge model's prices.", "percent", 0, 100, 0.5),
        Input("operations.base_model_change_every_months", "New base model every (months, 0 = only at retirement)",
              "A fine-tuned model is re-tuned on a new base model this often; it is also re-tuned when its "
              "base model's announced retirement falls in the plan.", high=120),
    ],
    "Team and project": [
        Input("team.rates", "People rates", "Rate card in pricing/people.yaml.", "select", options=rate_cards),
        Input("project.iterations", "Iterations (train-evaluate cycles)",
              "Evaluation (and training) cycles; the field plans 3-5.", low=1, high=50),
        Input("project.data_preparers", "People preparing data (people)", "Working on examples in parallel.",
              low=1, high=100),
        Input("project.engineers", "Engineers building (people)", "Working on pipelines in parallel.", low=1, high=100),
        Input("project.judge_model", "LLM judge", "Scores outputs in each evaluation round.", "select",
              options=chat_models, retiring="model"),
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
                                "spot": "Spot (interruptible)"}


def _path(item: Input) -> list[str]:
    return item.path.split("@")[0].split(".")


def _get(data: dict[str, Any], path: list[str]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def state_from_scenario(data: dict[str, Any], book: PriceBook, defaults: dict[str, Any]) -> dict[str, Any]:
    """Widget values for a scenario given as plain data (``defaults`` fills keys left to assumptions)."""
    route = _get(data, ["approaches", "fine_tune", "route"]) or "api"
    values: dict[str, Any] = {}
    for item in ALL_INPUTS:
        value = _get(data, _path(item))
        if item.route is not None and item.route != route:
            value = None  # the other route's model is not in the scenario
        if value is None:
            value = defaults.get(item.path)
        if value is None and item.options is not None:
            options = item.options(book)
            value = options[0] if options else None
        if item.kind == "percent" and value is not None:
            value = round(value * 100, 6)
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


def render_inputs(book: PriceBook) -> None:
    """Every group of inputs, in the sidebar."""
    route = st.session_state.get(PREFIX + "approaches.fine_tune.route", "api")
    for title, items in GROUPS.items():
        with st.sidebar.expander(title, expanded=title == "Workload"):
            for item in items:
                _widget(item, book, disabled=item.route is not None and item.route != route)


def _retirement_marks(item: Input, book: PriceBook, options: list[str]) -> dict[str, str]:
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
        marks = _retirement_marks(item, book, options)
        st.selectbox(item.label, options, key=item.key, help=item.help or None, disabled=disabled,
                     format_func=lambda option: OPTION_WORDS.get(option, option) + marks.get(option, ""))
    elif item.kind == "int":
        st.number_input(item.label, min_value=int(item.low), max_value=int(item.high), step=int(item.step),
                        key=item.key, help=item.help, disabled=disabled)
    else:
        st.number_input(item.label, min_value=float(item.low), max_value=float(item.high), step=float(item.step),
                        key=item.key, help=item.help, disabled=disabled, format="%.2f")
