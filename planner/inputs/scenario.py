"""The scenario: what a team tells the planner about its workload, approaches, project and team.

Written as YAML (see ``examples/``) or built in Python; every key not given has the default
documented on its field. Offerings are referenced as ``provider/id`` (``openai/gpt-4o-mini``),
looked up in the price tables when the estimate is made.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from planner.core.errors import Problem, ScenarioError
from planner.core.limits import MAX_MAGNITUDE, MAX_TEXT_CHARS
from planner.inputs.architecture import Architecture
from planner.inputs.files import YamlDocument, dump_yaml, parse_yaml, read_yaml
from planner.inputs.price_tables import SERVICE_TIERS
from planner.inputs.regions import Residency
from planner.inputs.validation import (
    STRICT,
    TAG_ERROR,
    located_error,
    members,
    validate_data,
    validate_document,
)

# How an input is shown (the app's sidebar; any form): its field's ``title`` is its name in words, its
# ``description`` what it means (the file's documentation and the form's help), and a number's
# ``json_schema_extra={"unit": ...}`` the unit in brackets after the title ("tokens per request"; a short
# note may follow a comma: "months, 0 = never"). A unit starting with "%" marks a share: the file holds a
# fraction (0.05), a form shows a percentage (5). Bounds and choices are the field's own constraints and
# ``Literal``; a form reads them from here.
# An input left unset takes an assumption's value: ``json_schema_extra={"assumption": <its name>}`` says which
# (``assumed_inputs``); the estimate (``Costing.given_or_assumed``) and a form's defaults both read it there.
# Every number a scenario holds is at most a quadrillion (planner.core.limits.MAX_MAGNITUDE).
MAX_COUNT = int(MAX_MAGNITUDE)
# A self-hosted choice the planner makes: the GPU instance (or purchase option) that costs least and fits.
AUTOMATIC: Final = "automatic"
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Share = Annotated[float, Field(ge=0, le=1)]
# A day in a scenario file (YAML reads 2027-01-04 as a date) or in a link's JSON (a string in ISO form).
# Bounded so that a plan's dates (the start, plus years of building and a horizon of up to 120 months) stay
# within the calendar's range; the app's date picker reads the same bounds.
FIRST_START_DATE, LAST_START_DATE = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)
StartDate = Annotated[datetime.date, Field(strict=False, ge=FIRST_START_DATE, le=LAST_START_DATE)]
Ref = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$", max_length=200)]
# A GPU instance (provider/id), or a choice the estimate makes: one pattern, so a typing mistake gets one message.
TrainingGpu = Annotated[str, Field(pattern=r"^(automatic|[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*)$",
                                   max_length=200)]
ServingGpu = Annotated[str, Field(
    pattern=r"^(automatic|same_as_training|[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*)$", max_length=200)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]

DEFAULT_MODEL = "openai/gpt-5.4-mini"  # current: gpt-4o-mini retires 2027-01-14
# A model a new customer can fine-tune on the planning day (OpenAI's platform closed to new customers in 2026).
DEFAULT_FINE_TUNE_MODEL = "aws/nova-micro"
DEFAULT_EMBEDDING_MODEL = "openai/text-embedding-3-small"
DEFAULT_VECTOR_DB = "pinecone/standard"


class Workload(BaseModel):
    """Request volume and the size of each request."""

    model_config = STRICT
    requests_per_month: Count = Field(100_000, title="Requests", description="requests in the first month",
                                      json_schema_extra={"unit": "per month"})
    monthly_growth: Annotated[float, Field(gt=-1, le=10)] = Field(
        0.0, title="Monthly growth", json_schema_extra={"unit": "% a month"},
        description="fraction added to the volume each month, compounding (0.05 = +5% a month)"
    )
    input_tokens: Count = Field(400, title="User input", description="tokens of the user's part of each request",
                                json_schema_extra={"unit": "tokens per request"})
    output_tokens: Count = Field(300, title="Output", description="tokens the model writes per request",
                                 json_schema_extra={"unit": "tokens per request"})


SHARE_TOLERANCE = 1e-6  # shares that should sum to 1 may miss it by a rounding error
CACHE_HIT_SHARE = ("cache hit share: share of requests whose cacheable prefix (the system prompt, and in RAG the "
                   "retrieved context that repeats) is read from the provider's prompt cache, at the cached-input "
                   "price; the others write it to the cache, at the cache-write price where the provider bills one "
                   "(Anthropic), else the input price; 0 = no caching")
ReasoningEffortSetting = Literal["default", "none", "low", "medium", "high"]
PromptCacheKind = Literal["5_minutes", "1_hour", "stored"]
SERVICE_TIER_SHARES = tuple(f"{tier}_share" for tier in SERVICE_TIERS)  # an option's share of requests in each


def _batch_share() -> Any:
    return Field(0.0, title="Requests sent in batches", json_schema_extra={"unit": "%"},
                 description="share of requests sent through the provider's batch API (answers within 24 h), "
                             "billed at its batch prices")


class ServiceTiers(BaseModel):
    """Shares of an option's requests sent in the provider's service tiers besides standard (those of
    ``SERVICE_TIER_SHARES`` a block has), each billed at that tier's prices; the rest are standard requests."""

    model_config = STRICT

    @model_validator(mode="after")
    def _shares_fit(self) -> ServiceTiers:
        total = sum(getattr(self, name, 0.0) for name in SERVICE_TIER_SHARES)
        if total > 1 + SHARE_TOLERANCE:
            given = ", ".join(f"{name} {getattr(self, name):g}" for name in SERVICE_TIER_SHARES if hasattr(self, name))
            raise ValueError(f"the service tier shares ({given}) add up to {total:g}; together at most 1 (all "
                             "requests)")
        return self


class HostedModelFields(ServiceTiers):
    """A hosted chat model: its prompt cache, its reasoning, and the shares of requests in each service tier."""

    model: Ref = Field(DEFAULT_MODEL, title="Model", description="hosted chat model, provider/id")
    cached_prompt_share: Share = Field(0.0, title="Prompt cache hit share", description=CACHE_HIT_SHARE,
                                       json_schema_extra={"unit": "%"})
    batch_share: Share = _batch_share()
    prompt_cache: PromptCacheKind = Field(
        "5_minutes", title="Prompt cache kept",
        description="how the provider keeps the cached prefix: 5 minutes after each use (the default cache); "
                    "1 hour (writes billed higher: Anthropic 2x input); or stored, an explicit cache kept all "
                    "month and billed for storage by the million tokens an hour (Gemini)")
    flex_share: Share = Field(
        0.0, title="Requests sent as flex", json_schema_extra={"unit": "%"},
        description="share of requests sent in the provider's flex tier (answered synchronously but slower, at "
                    "about the batch price)")
    priority_share: Share = Field(
        0.0, title="Requests sent as priority", json_schema_extra={"unit": "%"},
        description="share of requests sent in the provider's priority tier (faster, at a premium)")
    reasoning_effort: ReasoningEffortSetting = Field(
        "default", title="Reasoning effort",
        description="how hard a reasoning model thinks before it answers, billed as output tokens: none, low, "
                    "medium or high (tokens per level: assumptions); default: the model's own default (none for "
                    "a model that does not reason)")
    reasoning_tokens: Count | None = Field(
        None, title="Reasoning tokens", json_schema_extra={"unit": "tokens per request"},
        description="hidden reasoning tokens per request, billed as output; set, it replaces the effort level's "
                    "figure")


class PromptBlock(HostedModelFields):
    """Prompt engineering: a base model steered by a system prompt."""

    system_prompt_tokens: Count = Field(2000, title="System prompt", json_schema_extra={"unit": "tokens"},
                                        description="static instructions and examples sent with every request")


class RetrievalFields(BaseModel):
    """Knowledge base settings shared by RAG and hybrid."""

    model_config = STRICT
    retrieved_tokens: Count = Field(2000, title="Retrieved context", description="retrieved context added to each "
                                    "request", json_schema_extra={"unit": "tokens per request"})
    corpus_tokens: Count = Field(20_000_000, title="Knowledge base", json_schema_extra={"unit": "tokens"},
                                 description="size of the knowledge base (the corpus indexed) in tokens")
    corpus_monthly_change: Share = Field(
        0.1, title="Corpus changed each month", json_schema_extra={"unit": "%"},
        description="share of the corpus re-embedded and re-written to the index each month because it changed"
    )
    embedding_model: Ref = Field(DEFAULT_EMBEDDING_MODEL, title="Embedding model",
                                 description="embedding model, provider/id")
    vector_db: Ref = Field(DEFAULT_VECTOR_DB, title="Vector database plan",
                           description="vector database plan, provider/id")
    repeated_context_share: Share = Field(
        0.0, title="Retrieved context that repeats", json_schema_extra={"unit": "%"},
        description="share of the retrieved context that is the same in every request (a fixed document, the "
                    "top FAQ passages), placed after the system prompt so it is cached with it; 0 = none")


class RagBlock(HostedModelFields, RetrievalFields):
    """RAG: a base model given retrieved context."""

    system_prompt_tokens: Count = Field(500, title="System prompt", description="static instructions per request",
                                        json_schema_extra={"unit": "tokens"})



class ExampleSources(BaseModel):
    """Where the training examples come from, as shares of ``examples`` that sum to 1."""

    model_config = STRICT
    written: Share = Field(1.0, title="Examples written by experts", description="written by domain experts",
                           json_schema_extra={"unit": "%"})
    records: Share = Field(
        0.0, title="Examples selected from records", json_schema_extra={"unit": "%"},
        description="selected from existing records (logs, tickets, documents): screened, cleaned, de-duplicated "
                    "and anonymised by a pipeline, a sample reviewed by an expert; examples from neither records "
                    "nor an LLM are written by experts")
    synthetic: Share = Field(
        0.0, title="Examples generated by an LLM", json_schema_extra={"unit": "%"},
        description="drafted by an LLM (generation_model); an expert reviews every draft and rejects some")

    @model_validator(mode="after")
    def _whole(self) -> ExampleSources:
        total = self.written + self.records + self.synthetic
        if abs(total - 1) > SHARE_TOLERANCE:
            raise ValueError(f"the shares must sum to 1 (all the examples), got {total:g}")
        return self


FineTuneRouteName = Literal["api", "provider_hosted", "self_hosted"]
ROUTE_DESCRIPTION = ("who trains and serves the model: a model provider's fine-tuning service (api); a host of open "
                     "models that tunes a LoRA adapter and serves it per token or on a dedicated endpoint "
                     "(provider_hosted); or GPUs you rent and run it on yourself (self_hosted)")


class FineTuneBase(BaseModel):
    """What every fine-tuning route shares: the model, the training data and the training run's size.

    A route is one of the variants below, each with only its own keys (``FineTuneBlock``). A key of
    another route is set aside when a block is read (a file or link written for one route and switched to
    another keeps such keys): it has no effect on the block's route, and an option or a hybrid that moves
    to that route inherits it (``written``), as when one block held every route's keys.
    """

    model_config = STRICT
    route: FineTuneRouteName = Field("api", title="Route", description=ROUTE_DESCRIPTION)
    model: str = Field(
        DEFAULT_FINE_TUNE_MODEL, max_length=200, title="Model to fine-tune",
        description="on the api route a fine-tunable chat model with fine-tuning prices (provider/id); on "
                    "provider_hosted and self_hosted an open model's id in pricing/open_models.yaml "
                    "(provider_hosted: one the host serves)",
    )
    system_prompt_tokens: Count = Field(200, title="System prompt after tuning", json_schema_extra={"unit": "tokens"},
                                        description="static instructions still sent once behaviour is trained in")
    examples: Count = Field(1000, title="Training examples", description="good examples prepared for the training "
                            "set", json_schema_extra={"unit": "count"})
    example_sources: ExampleSources = Field(ExampleSources(), description="where the examples come from")
    generation_model: Ref = Field(DEFAULT_MODEL, title="Generation model for synthetic examples",
                                  description="hosted chat model that drafts synthetic examples, provider/id")
    tokens_per_example: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        600, title="Tokens per example", json_schema_extra={"unit": "tokens"},
        description="tokens per training example; also the training sequence length (self_hosted)"
    )
    epochs: Annotated[int, Field(ge=1, le=100)] = Field(3, title="Epochs", description="passes over the training set",
                                                        json_schema_extra={"unit": "passes over the data"})
    preference_pairs: Count = Field(
        0, title="Preference pairs for DPO", json_schema_extra={"unit": "count, 0 = none"},
        description="preferred/rejected answer pairs ranked by experts for DPO after supervised tuning (0 = no "
                    "DPO; teams ask for 500-2,000); costed on the self_hosted route, and on the api route where "
                    "the table has a DPO price")
    tokens_per_pair: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        1000, description="tokens in one pair (prompt, preferred and rejected answer), trained on")
    retrain_every_months: Count | None = Field(
        None, title="Retrain every",
        json_schema_extra={"unit": "months, 0 = never", "assumption": "retrain_every_months"},
        description="months between retraining after launch, each a training run and its engineer time spread "
                    "over the months between; 0 = never; default: assumptions"
    )

    # Keys of other routes the block was written with: an option or a hybrid that moves to such a route
    # inherits them (as it did when a block held every route's keys); nothing else reads them.
    _aside: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _own_keys(cls, data: Any, handler: ModelWrapValidatorHandler[FineTuneBase]) -> FineTuneBase:
        # Another route's keys are set aside (see the class docstring); unknown keys still fail.
        if not isinstance(data, dict):
            return handler(data)
        aside = {key: value for key, value in data.items() if key in FINE_TUNE_KEYS and key not in cls.model_fields}
        block = handler({key: value for key, value in data.items() if key not in aside})
        block._aside = aside
        return block

    def written(self) -> dict[str, Any]:
        """The keys the block was written with: its route's, and any of another route set aside.

        >>> fine_tune_block({"route": "api", "training_gpu": "aws/p5"}).written()["training_gpu"]
        'aws/p5'
        """
        return {**self._aside, **dict(self)}

    @property
    def training_tokens(self) -> int:
        """Tokens processed in one training run: examples x tokens per example x epochs.

        >>> ApiFineTune(examples=1000, tokens_per_example=600, epochs=3).training_tokens
        1800000
        """
        return self.examples * self.tokens_per_example * self.epochs


class PromptCache(ServiceTiers):
    """The prompt cache of a route that serves per token, and the share of requests it sends in batches
    (where the provider sells batch for tuned models)."""

    cached_prompt_share: Share = Field(0.0, title="Prompt cache hit share", description=CACHE_HIT_SHARE,
                                       json_schema_extra={"unit": "%"})
    batch_share: Share = _batch_share()


class OpenModelFineTune(FineTuneBase):
    """A route that tunes an open model: from the catalogue (``model``) or an architecture given inline."""

    architecture: Architecture | None = Field(
        None, description="the model's architecture, instead of a catalogue id in model")
    method: Literal["full", "lora", "qlora"] = Field(
        "lora", title="Method",
        description="training method: LoRA trains under 1% of the parameters; QLoRA also quantises the frozen base "
                    "to 4 bits; full trains every parameter (a host of open models tunes LoRA only)")


class ApiFineTune(PromptCache, FineTuneBase):
    """A model provider's fine-tuning service trains the model and serves it as the provider bills it: per
    token, on provisioned capacity, with a deployment fee or storage (``route: api``)."""

    route: Literal["api"] = Field("api", title="Route", description=ROUTE_DESCRIPTION)
    capacity: Literal["cheaper", "per_token", "provisioned"] = Field(
        "cheaper", title="Serving capacity",
        description="how the tuned model is served where the provider sells both: per token, on provisioned "
                    "model units billed every hour, or whichever is cheaper over the horizon")
    provisioned_term: Literal["none", "1_month", "6_month"] = Field(
        "none", title="Provisioned term", description="commitment of provisioned capacity (longer: cheaper an hour)")

    @model_validator(mode="after")
    def _provider_model(self) -> ApiFineTune:
        if "/" not in self.model:
            raise ValueError(f"route api needs model as provider/id, got {self.model!r}")
        return self


class ProviderHostedFineTune(PromptCache, OpenModelFineTune):
    """A host of open models tunes a LoRA adapter and serves it: per token on a base model it lists for
    serverless LoRA, else on one of its dedicated endpoints billed by the hour (``route: provider_hosted``)."""

    route: Literal["provider_hosted"] = Field(title="Route", description=ROUTE_DESCRIPTION)
    host: Identifier = Field(
        title="Host of open models",
        description="the provider (together, fireworks) that tunes and serves the open model: its fine-tuning "
                    "bands price training; serverless LoRA or its dedicated endpoints serving")
    endpoint: Ref | None = Field(
        None, title="Dedicated endpoint",
        description="the host's GPU instance that serves a model it does not serve serverless; default: its "
                    "cheapest that holds the model")
    serving_schedule: Literal["always_on", "business_hours", "scale_to_zero"] = Field(
        "always_on", title="Endpoint schedule",
        description="when a dedicated endpoint runs (billed by the hour, as own GPUs)")


class SelfHostedFineTune(OpenModelFineTune):
    """GPUs the team rents train the model (full, LoRA or QLoRA) and serve it (``route: self_hosted``)."""

    route: Literal["self_hosted"] = Field(title="Route", description=ROUTE_DESCRIPTION)
    lora_rank: Annotated[int, Field(ge=1, le=4096)] = Field(16, description="adapter rank")
    micro_batch: Annotated[int, Field(ge=1, le=4096)] = Field(4, description="sequences per GPU step")
    gradient_checkpointing: bool = Field(True, description="recompute activations to save memory")
    training_precision: Literal["bf16", "fp8"] = Field("bf16", description="training arithmetic")
    optimizer: Literal["adamw", "adamw_8bit", "paged_adamw_8bit"] = Field(
        "adamw", title="Optimizer",
        description="AdamW with 32-bit states; 8-bit states (bitsandbytes: 6 bytes a trained parameter instead of "
                    "12, a full fine-tune at assumptions.optimizer_8bit_speed of its speed); or 8-bit states paged "
                    "to host memory when the GPU is short")
    optimizer_in_backward: bool = Field(
        False, title="Optimizer step in the backward pass",
        description="update each parameter as its gradient is ready and free the gradient (torchtune's "
                    "optimizer_in_bwd): only the largest matrix's gradient is held; no gradient accumulation")
    cpu_offload: bool = Field(
        False, title="Offload to CPU",
        description="keep the fp32 master copy, the optimizer's moments and the gradients in host memory "
                    "(ZeRO-Offload, FSDP cpu_offload): the GPU holds the 16-bit weights and activations; a full "
                    "fine-tune runs at assumptions.cpu_offload_speed of its speed")
    training_gpu: TrainingGpu = Field(
        AUTOMATIC, title="Training GPUs",
        description="GPU instance from the price tables that trains; automatic: the one whose run costs least, of "
                    "those that hold it in the regions the scenario allows")
    serving_gpu: ServingGpu = Field(
        AUTOMATIC, title="Serving GPUs",
        description="GPU instance that serves, its replicas sized from the peak request rate; automatic: the one "
                    "that serves the peak within the latency target for least over the horizon, in the regions the "
                    "scenario allows; same_as_training: the training instance"
    )
    serving_precision: Literal["bf16", "fp8", "int4"] = Field("bf16", description="served weights")
    serving_instances: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = Field(
        None, description="serving instances kept running; default: sized from the peak load"
    )
    hosting: Literal["dedicated", "shared_adapter"] = Field(
        "dedicated", description="own deployment, or an adapter on a deployment shared with others"
    )
    serving_schedule: Literal["always_on", "business_hours", "scale_to_zero"] = Field(
        "always_on", title="Serving schedule",
        description="when serving replicas run: all month; in business hours only (all traffic then); or only "
                    "while serving (scaled to zero when idle, a cold start after a quiet spell)")
    purchase: Literal["automatic", "on_demand", "reserved", "spot"] = Field(
        AUTOMATIC, title="Serving instances bought",
        description="how serving instances are bought: on demand; reserved for a year (billed every hour); spot "
                    "(can be interrupted); automatic: on demand or, over a horizon of a year or more, reserved where "
                    "that costs less (never spot); the instance needs a price for it")
    adapter_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.25, description="with shared_adapter hosting: share of the shared deployment's cost billed here"
    )


# Each route's block, by the route's name (the tag a block's ``route`` key carries).
FINE_TUNE_ROUTES: dict[str, type[FineTuneBase]] = {
    "api": ApiFineTune, "provider_hosted": ProviderHostedFineTune, "self_hosted": SelfHostedFineTune}
# Every key a fine-tuning block may hold on some route, in declaration order.
FINE_TUNE_KEYS: tuple[str, ...] = tuple(dict.fromkeys(key for model in FINE_TUNE_ROUTES.values()
                                                       for key in model.model_fields))


def _route_of(value: Any) -> str | None:
    # A block without a route is on the api route, as before routes were tagged.
    route = value.get("route", "api") if isinstance(value, dict) else getattr(value, "route", None)
    return route if isinstance(route, str) and route in FINE_TUNE_ROUTES else None


FineTuneBlock = Annotated[
    Annotated[ApiFineTune, Tag("api")] | Annotated[ProviderHostedFineTune, Tag("provider_hosted")]
    | Annotated[SelfHostedFineTune, Tag("self_hosted")],
    Discriminator(_route_of, custom_error_type=TAG_ERROR,
                  custom_error_message="route should be " + " or ".join(
                      ", ".join(f"'{name}'" for name in FINE_TUNE_ROUTES).rsplit(", ", 1))),
]
FINE_TUNE_BLOCK: TypeAdapter[FineTuneBlock] = TypeAdapter(FineTuneBlock)


def fine_tune_block(data: dict[str, Any]) -> FineTuneBlock:
    """A fine-tuning block validated from plain data, as the route it names.

    >>> fine_tune_block({"route": "self_hosted", "model": "meta/llama-3.1-8b", "training_gpu": "aws/p5"}).method
    'lora'
    """
    return FINE_TUNE_BLOCK.validate_python(data)


def fine_tune_with(block: FineTuneBlock, settings: dict[str, Any]) -> FineTuneBlock:
    """``settings`` over ``block``, unvalidated (a simulation passes arrays of draws): the route's own
    class, the other routes' keys set aside.

    >>> settings = {"route": "self_hosted", "training_gpu": "aws/p5", "cached_prompt_share": 0.5}
    >>> block = fine_tune_with(ApiFineTune(), settings)
    >>> type(block).__name__, block.training_gpu, hasattr(block, "cached_prompt_share")
    ('SelfHostedFineTune', 'aws/p5', False)
    """
    route = settings.get("route", block.route)
    model = FINE_TUNE_ROUTES.get(route, type(block))
    if model is type(block):
        own = {key: value for key, value in settings.items() if key in model.model_fields}
        return block.model_copy(update=own) if own else block
    data = {key: value for key, value in {**block.written(), **settings}.items() if key in model.model_fields}
    return model.model_construct(**data)  # type: ignore[return-value]


# Keys a hybrid (and a hybrid option) may set: the fine-tuning block's and the retrieval settings'.
HYBRID_KEYS: tuple[str, ...] = (*FINE_TUNE_KEYS, *RetrievalFields.model_fields)


class HybridBlock(BaseModel):
    """Fine-tuned model plus RAG: any key of the ``fine_tune`` block and of the retrieval settings
    (``retrieved_tokens``, ``corpus_tokens``, ``corpus_monthly_change``, ``embedding_model``,
    ``vector_db``), set here over those blocks. Unset keys come from ``fine_tune``, then from ``rag``.

    The keys are not declared again here: the merged result is validated as a fine-tuning block and
    retrieval settings (``compose_hybrid``), so a rule of either block holds for the hybrid too.

    >>> HybridBlock(retrieved_tokens=300).overrides()
    {'retrieved_tokens': 300}
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    @model_validator(mode="after")
    def _known_keys(self) -> HybridBlock:
        unknown = [key for key in self.overrides() if key not in HYBRID_KEYS]
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}; expected one of: {', '.join(sorted(HYBRID_KEYS))}")
        return self

    def overrides(self) -> dict[str, Any]:
        """The keys set here, with their values."""
        return dict(self.model_extra or {})


class Approaches(BaseModel):
    """The four approaches' settings; each block's keys have defaults. Options (``Scenario.options``)
    start from the block of their kind."""

    model_config = STRICT
    prompt: PromptBlock = PromptBlock()
    rag: RagBlock = RagBlock()
    fine_tune: FineTuneBlock = ApiFineTune()
    hybrid: HybridBlock = HybridBlock()


ApproachKind = Literal["prompt", "rag", "fine_tune", "hybrid"]
APPROACH_KINDS: tuple[ApproachKind, ...] = ("prompt", "rag", "fine_tune", "hybrid")
APPROACH_LABELS: dict[ApproachKind, str] = {
    "prompt": "Prompt engineering",
    "rag": "RAG",
    "fine_tune": "Fine-tuning",
    "hybrid": "Hybrid (fine-tune + RAG)",
}
TRAINS: frozenset[ApproachKind] = frozenset({"fine_tune", "hybrid"})  # kinds that train a model
RETRIEVES: frozenset[ApproachKind] = frozenset({"rag", "hybrid"})  # kinds that retrieve from a corpus
MAX_OPTIONS = 20
MAX_OPTION_NAME = 60
# Keys an option of each kind may set over its block.
OPTION_KEYS: dict[ApproachKind, tuple[str, ...]] = {
    "prompt": tuple(PromptBlock.model_fields),
    "rag": tuple(RagBlock.model_fields),
    "fine_tune": FINE_TUNE_KEYS,
    "hybrid": HYBRID_KEYS,
}


class Option(BaseModel):
    """One option compared: a name, the kind of approach, and the keys it sets over the scenario's
    block for that kind (``approaches.<kind>``), so data the options share is written once.

    >>> Option(name="RAG on Claude", approach="rag", settings={"model": "anthropic/claude-sonnet-4.5"}).id
    'rag_on_claude'
    """

    model_config = STRICT
    name: str = Field(min_length=1, max_length=MAX_OPTION_NAME, description="shown everywhere; unique")
    approach: ApproachKind = Field(description="the kind of approach: prompt, rag, fine_tune or hybrid")
    settings: dict[Annotated[str, Field(max_length=100)], Any] = Field(
        {}, max_length=len(HYBRID_KEYS), description="keys of the kind's block set for this option only")
    shown: bool = Field(True, description="shown in the comparison (every option is exported)")

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        # Shown in tables, charts, sheet names and links: printable characters, and not blank.
        if not name.strip() or _CONTROL.search(name):
            raise ValueError("an option's name is printable text, not blank and without tabs or line breaks")
        return name

    @property
    def id(self) -> str:
        """The option's id: its name in lower case, runs of other characters as one underscore."""
        return option_id(self.name)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def option_id(name: str) -> str:
    """An option's id from its name.

    >>> option_id("Llama 3.1 8B, LoRA (Together)")
    'llama_3_1_8b_lora_together'
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "option"


class Project(BaseModel):
    """How the project is run."""

    model_config = STRICT
    iterations: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, title="Iterations", json_schema_extra={"unit": "train-evaluate cycles", "assumption": "iterations"},
        description="evaluation (and, for fine-tuning, training) cycles, teams plan 3-5; default: assumptions"
    )
    data_preparers: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        1, title="People preparing data", description="people preparing training data in parallel",
        json_schema_extra={"unit": "people"}
    )
    engineers: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        1, title="Engineers building", description="ML engineers building pipelines in parallel",
        json_schema_extra={"unit": "people"})
    judge_model: Ref = Field(DEFAULT_MODEL, title="LLM judge",
                             description="chat model used as LLM judge: it scores outputs in each evaluation round")
    data_residency: Residency = Field(
        "anywhere", title="Data must stay in",
        description="where requests and training data may be processed: every offering that trains or serves an "
                    "option's model, writes its synthetic examples or holds its knowledge base must run there (its "
                    "table's region); the LLM judge and operations services are not checked")
    start_date: StartDate | None = Field(
        None, title="Work starts on", json_schema_extra={"unit": "date"},
        description="the day work on the project starts: months, go-live dates and financial years count from it; "
                    "unset: the planning day")
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = Field(
        1, title="Financial year starts in",
        description="the calendar month the organisation's financial year starts in (4 = April, as in the UK "
                    "government; 1 = the calendar year): quarters and financial-year totals follow it")
    contingency_share: Share | None = Field(
        None, title="Contingency on the build", json_schema_extra={"unit": "%", "assumption": "contingency_share"},
        description="an allowance for the unforeseen, as a share of the one-time (build) cost, on a line of its own; "
                    "default: assumptions")
    tax_rate: Share = Field(
        0.0, title="Tax rate on suppliers' bills", json_schema_extra={"unit": "%"},
        description="sales tax or VAT on what suppliers bill (people's time carries none); 0: the budget is net of "
                    "tax, as when VAT is reclaimed")
    prices_include_tax: bool = Field(
        False, title="Prices include tax",
        description="the price tables' prices already include the tax at tax_rate, so none is added (the budget "
                    "says how much of it is tax); off: the tax is added on a line of its own")

    def starts_on(self, planned_on: datetime.date) -> datetime.date:
        """The day work starts: ``start_date``, else the planning day.

        >>> Project().starts_on(datetime.date(2026, 12, 2))
        datetime.date(2026, 12, 2)
        """
        return self.start_date or planned_on


class Operations(BaseModel):
    """Running the approaches after launch; unset keys take the assumptions table's values."""

    model_config = STRICT
    personal_data: bool = Field(
        False, title="Personal data in requests or examples",
        description="requests or training data hold personal data: adds a privacy review (DPIA) and, for "
                    "fine-tuned approaches, a redaction check of every training example")
    online_eval_share: Share | None = Field(
        None, title="Requests scored by the LLM judge",
        json_schema_extra={"unit": "%", "assumption": "online_eval_share"},
        description="share of production requests an LLM judge (project.judge_model) scores, at its prices "
                    "(online evaluation); default: assumptions")
    flagged_reviews_per_month: Count | None = Field(
        None, description="flagged outputs a domain expert reviews each month; default: assumptions",
        json_schema_extra={"assumption": "flagged_reviews_per_month"})
    mlops_hours_per_month: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] | None = Field(
        None, description="MLOps hours a month per approach; default: assumptions, by hosted API or own GPUs")
    engineer_hours_per_month: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] | None = Field(
        None, description="ML-engineer upkeep hours a month per approach; default: assumptions (more with "
                          "retrieval)")
    services: list[Ref] = Field(
        [], max_length=20, description="operations services every approach uses (tracing, moderation), "
                                       "provider/id in a table's services")
    base_model_change_every_months: Count | None = Field(
        None, title="New base model every", json_schema_extra={"unit": "months, 0 = only at retirement"},
        description="a fine-tuned model moves to a new base model every this many months (0 or unset: only "
                          "when its base model's announced retirement falls in the plan)")


class Team(BaseModel):
    """Who does the work."""

    model_config = STRICT
    rates: str = Field("us", max_length=200, title="People rates", description="rate card id in pricing/people.yaml")
    fine_tunes_with: list[Identifier] = Field(
        [], max_length=50, title="Already fine-tunes with",
        description="providers (table names) whose fine-tuning the team already uses: their fine-tuning is not "
                    "closed to it as to a new customer (its last day for new training jobs still applies)")


Bounded = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]


class Range(BaseModel):
    """A guess as three points; the scenario's own value (or the assumption's) is the likely one."""

    model_config = STRICT
    low: Bounded
    high: Bounded
    likely: Bounded | None = Field(
        None, description="must equal the input's value when given; it is there for readers of the file"
    )


class Scenario(BaseModel):
    """Everything the planner needs to estimate the four approaches."""

    model_config = STRICT
    name: str = Field("Untitled scenario", min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_TEXT_CHARS)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        "USD", title="Report currency",
        description="currency of the report; prices in other currencies are converted at pricing/fx.yaml's rates"
    )
    horizon_months: Annotated[int, Field(ge=1, le=120)] = Field(
        12, title="Horizon", description="total cost of ownership is summed over this many months",
        json_schema_extra={"unit": "months"}
    )
    workload: Workload = Workload()
    approaches: Approaches = Approaches()
    options: list[Option] = Field(
        [], max_length=MAX_OPTIONS, description="the options compared, each a kind of approach with its own "
                                                "settings; none: the four approaches as set in approaches")
    project: Project = Project()
    operations: Operations = Operations()
    team: Team = Team()
    measured: dict[Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$", max_length=200)],
                   Annotated[str, Field(max_length=1000)]] = Field(
        {}, max_length=50, description="inputs set from the team's own files: dotted path -> the file, its SHA-256 "
                                       "and what was measured")
    ranges: dict[Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")], Range] = Field(
        {}, description="low / high guesses for numeric inputs, by dotted path (assumptions.<name> too)"
    )

    # The file a scenario was read from, to point errors found later at its lines.
    _origin: YamlDocument | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Two scenarios are equal when they say the same thing, wherever they were read from.
        return isinstance(other, Scenario) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking contents; never a dict key

    def option_plans(self) -> list[OptionPlan]:
        """The options compared: the scenario's ``options``, or without them the four approaches as set in
        ``approaches`` (ids ``prompt``, ``rag``, ``fine_tune``, ``hybrid``).

        >>> [plan.id for plan in Scenario().option_plans()]
        ['prompt', 'rag', 'fine_tune', 'hybrid']
        """
        if not self.options:
            return [OptionPlan(kind, APPROACH_LABELS[kind], kind, {}, f"approaches.{kind}") for kind in APPROACH_KINDS]
        return [OptionPlan(option.id, option.name, option.approach, dict(option.settings),
                           f"options.{index}.settings", option.shown)
                for index, option in enumerate(self.options)]

    def block(self, plan: OptionPlan) -> PromptBlock | RagBlock | FineTuneBlock:
        """The settings of a prompt, RAG or fine-tuning option: its own keys over its kind's block."""
        if plan.kind == "hybrid":
            raise ValueError("a hybrid has two blocks: use Scenario.hybrid")
        # Validated already (scenario_from_dict and friends); not validating again lets a simulation
        # pass arrays of draws.
        if plan.kind == "fine_tune":
            return fine_tune_with(self.approaches.fine_tune, plan.settings)
        base: PromptBlock | RagBlock = getattr(self.approaches, plan.kind)
        return base.model_copy(update=plan.settings) if plan.settings else base

    def hybrid(self, plan: OptionPlan) -> tuple[FineTuneBlock, RetrievalFields]:
        """A hybrid option's fine-tuning and retrieval settings: its own keys over the ``hybrid`` block's,
        over the ``fine_tune`` and ``rag`` blocks."""
        return compose_hybrid(self.approaches.fine_tune, self.approaches.rag,
                              {**self.approaches.hybrid.overrides(), **plan.settings})

    def locator(self, plan: OptionPlan) -> Callable[[str], str]:
        """Where a setting of ``plan`` was written: the option's own key, else the block it inherits."""
        hybrid = self.approaches.hybrid.overrides()

        def locate(key: str) -> str:
            if key in plan.settings or (not self.options and plan.kind != "hybrid"):
                return f"{plan.where}.{key}"
            if plan.kind != "hybrid":
                return f"approaches.{plan.kind}.{key}"
            if key in hybrid:
                return f"approaches.hybrid.{key}"
            return f"approaches.{'rag' if key in RetrievalFields.model_fields else 'fine_tune'}.{key}"

        return locate

    def origin_problem(self, field: str, message: str) -> Problem:
        """A problem located in this scenario's file (line found where the field was written)."""
        if self._origin is None:
            return Problem("scenario", None, field, message)
        path = tuple(int(p) if p.isdigit() else p for p in field.split("."))
        return Problem(self._origin.file, self._origin.line_of(path), field, message)


@dataclass(frozen=True)
class OptionPlan:
    """An option as the estimator costs it: id, name (its label everywhere), kind, the keys it sets over its
    kind's block, and where those keys were written (``options.2.settings``, or ``approaches.rag`` for one
    of the four approaches of a scenario without options)."""

    id: str
    name: str
    kind: ApproachKind
    settings: dict[str, Any]
    where: str
    shown: bool = True


def compose_hybrid(fine_tune: FineTuneBlock, rag: RetrievalFields,
                   overrides: dict[str, Any]) -> tuple[FineTuneBlock, RetrievalFields]:
    """A hybrid's training and retrieval settings: ``overrides`` over the fine-tuning block and the RAG
    block's retrieval settings (unvalidated: the scenario's entry points validate the result).

    >>> training, retrieval = compose_hybrid(ApiFineTune(), RagBlock(), {"examples": 50, "retrieved_tokens": 9})
    >>> training.examples, retrieval.retrieved_tokens, retrieval.corpus_tokens
    (50, 9, 20000000)
    """
    training = {key: value for key, value in overrides.items() if key in FINE_TUNE_KEYS}
    retrieval = {name: getattr(rag, name) for name in RetrievalFields.model_fields}
    retrieval.update((key, value) for key, value in overrides.items() if key in RetrievalFields.model_fields)
    return fine_tune_with(fine_tune, training), RetrievalFields.model_construct(**retrieval)


def scenario_input(scenario: Scenario, path: str) -> Any:
    """The value of the scenario input at dotted ``path`` ("approaches.rag.corpus_tokens"); raises
    ``LookupError`` when no input has that path (ranges and measured inputs are not inputs).

    >>> scenario_input(Scenario(), "workload.requests_per_month")
    100000
    """
    node: Any = scenario
    for part in path.split("."):
        if isinstance(node, HybridBlock) and part in HYBRID_KEYS:
            node = node.overrides().get(part)  # None: left to the blocks it inherits
            continue
        if isinstance(node, FineTuneBase) and part in FINE_TUNE_KEYS and part not in type(node).model_fields:
            raise LookupError(f"{path!r} is not an input on the {node.route} route this block is on")
        if not hasattr(node, part) or part in ("ranges", "measured", "options"):
            raise LookupError(f"no scenario input {path!r}")
        node = getattr(node, part)
    return node


def assumed_inputs(model: type[BaseModel] | None = None, prefix: str = "") -> dict[str, str]:
    """Every input that, left unset, takes an assumption's value: dotted path -> the assumption's name.

    >>> assumed_inputs()["project.iterations"]
    'iterations'
    """
    found: dict[str, str] = {}
    for name, info in (model or Scenario).model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "assumption" in extra:
            found[prefix + name] = str(extra["assumption"])
        nested = [m for m in members(info.annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
        if name not in ("ranges", "options"):
            for member in nested:  # each route of a fine-tuning block
                found.update(assumed_inputs(member, f"{prefix}{name}."))
    return found


def scenario_field(path: str) -> FieldInfo | None:
    """The declaration (type, bounds, description) of the scenario input at dotted ``path``, None if no
    input has that path; a hybrid's key is declared by the block it comes from.

    >>> scenario_field("approaches.hybrid.retrieved_tokens").description
    'retrieved context added to each request'
    """
    annotation: Any = Scenario
    info = None
    for part in path.split("."):
        models = [m for m in members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
        if models == [HybridBlock]:
            annotation = FineTuneBlock if part in FINE_TUNE_KEYS else RetrievalFields
            models = [m for m in members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
        # A key several routes share is declared once by their common base (the route's own field
        # narrows it to one value); another is declared by the one route that has it.
        declaring = [m for m in (_common_base(models), *models) if m is not None and part in m.model_fields]
        if not declaring:
            return None
        info = declaring[0].model_fields[part]
        annotation = info.annotation
    return info


def _common_base(models: list[type[BaseModel]]) -> type[BaseModel] | None:
    """The nearest model every one of ``models`` derives from, for a union of several (None otherwise)."""
    if len(models) < 2:
        return None
    return next((base for base in models[0].__mro__ if isinstance(base, type) and issubclass(base, BaseModel)
                 and base is not BaseModel and all(issubclass(m, base) for m in models)), None)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML with every value written out, defaults included, so that the file
    means the same thing after a default changes; keys left to the assumptions table stay unset.

    >>> text = scenario_yaml(Scenario(name="Triage"))
    >>> "monthly_growth: 0.0" in text and "iterations" not in text
    True
    >>> parse_scenario(text) == Scenario(name="Triage")
    True
    """
    return dump_yaml(scenario.model_dump(mode="json", exclude_none=True))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ``ScenarioError`` naming file, line and field."""
    return _from_document(read_yaml(path, ScenarioError))


def parse_scenario(text: str, name: str = "scenario.yaml") -> Scenario:
    """Validate scenario YAML text (e.g. an upload); ``name`` labels it in messages."""
    return _from_document(parse_yaml(text, name, ScenarioError))


def scenario_from_dict(data: dict[str, Any], name: str = "scenario") -> Scenario:
    """Validate a scenario given as plain data (e.g. from a form)."""
    return _check_composed(validate_data(Scenario, data, name, ScenarioError))


def _from_document(doc: YamlDocument) -> Scenario:
    scenario = validate_document(Scenario, doc, ScenarioError)
    scenario._origin = doc
    return _check_composed(scenario)


def _check_composed(scenario: Scenario) -> Scenario:
    """Check what merges blocks as strictly as a block of its own: the hybrid (over the fine_tune and rag
    blocks) and each option (over its kind's block); options' names must differ; every measured input
    must name an input. Returns the scenario with the merged keys' values as validated (a nested mapping
    such as ``example_sources`` becomes its model)."""
    problems: list[Problem] = []
    hybrid = _validated(scenario, "approaches.hybrid", "hybrid", scenario.approaches.hybrid.overrides(), problems)
    if hybrid is not None:
        scenario = scenario.model_copy(update={"approaches": scenario.approaches.model_copy(
            update={"hybrid": HybridBlock(**hybrid)})})
    options: list[Option] = []
    seen: dict[str, int] = {}
    for index, option in enumerate(scenario.options):
        where = f"options.{index}"
        if option.id in seen:
            first = seen[option.id]
            problems.append(scenario.origin_problem(f"{where}.name", (
                f"{option.name!r} reads as the same name as option {first + 1} ({scenario.options[first].name!r}) "
                "once case, spaces and punctuation are set aside; give each option its own name")))
        seen.setdefault(option.id, index)
        settings = _validated(scenario, f"{where}.settings", option.approach, option.settings, problems)
        options.append(option if settings is None else option.model_copy(update={"settings": settings}))
    if problems:
        raise ScenarioError(problems)
    if scenario.options:
        scenario = scenario.model_copy(update={"options": options})
    for path in scenario.measured:
        try:
            scenario_input(scenario, path)
        except LookupError:
            raise ScenarioError(scenario.origin_problem(
                "measured", f"{path!r} is not a scenario input (expected a dotted path such as "
                            "approaches.fine_tune.examples)")) from None
    return scenario


def _validated(scenario: Scenario, where: str, kind: ApproachKind, settings: dict[str, Any],
               problems: list[Problem]) -> dict[str, Any] | None:
    """``settings`` over the blocks of ``kind``, validated as those blocks; their values as validated, or
    None with the problems (at ``where``, the key when it is one of ``settings``) added to ``problems``."""
    allowed = OPTION_KEYS[kind]
    unknown = [key for key in settings if key not in allowed]
    for key in unknown:
        problems.append(scenario.origin_problem(f"{where}.{key}", (
            f"unknown key for a {APPROACH_LABELS[kind]} option; expected one of: {', '.join(sorted(allowed))}")))
    if unknown:
        return None
    a = scenario.approaches
    # The blocks' values as they are (models, not dumped), the settings over them, validated afresh; a
    # hybrid option over the hybrid block's own keys, as it is costed (compose_hybrid).
    inherited = a.hybrid.overrides() if kind == "hybrid" and where.startswith("options.") else {}
    if kind == "hybrid":
        layered = {**inherited, **settings}
        training = {key: value for key, value in layered.items() if key in FINE_TUNE_KEYS}
        retrieval = {key: value for key, value in layered.items() if key in RetrievalFields.model_fields}
        checks: list[tuple[Any, dict[str, Any]]] = [
            (FineTuneBlock, {**a.fine_tune.written(), **training}),
            (RetrievalFields, {**{name: getattr(a.rag, name) for name in RetrievalFields.model_fields},
                               **retrieval})]
    elif kind == "fine_tune":
        checks = [(FineTuneBlock, {**a.fine_tune.written(), **settings})]  # an option may change the route
    else:
        block: BaseModel = getattr(a, kind)
        checks = [(type(block), {**dict(block), **settings})]
    found: dict[str, Any] = {}
    failed = False
    for model, data in checks:
        try:
            checked = FINE_TUNE_BLOCK.validate_python(data) if model is FineTuneBlock else model.model_validate(data)
        except ValidationError as exc:
            failed = True
            for err in exc.errors():
                loc, message = located_error(model, err)
                key = str(loc[0]) if loc else ""
                # At the key when the option sets it or it is missing; else the option's inherited value is wrong.
                here = key in settings or err["type"] == "missing"
                field = ".".join([where, *(str(part) for part in loc)]) if here else where
                problems.append(scenario.origin_problem(field, message))
            continue
        fields = type(checked).model_fields
        # Another route's keys were set aside by the block; they leave the option's settings too.
        found.update((key, getattr(checked, key)) for key in settings if key in fields)
        # Keys of this route the fine-tuning block only kept aside are written into the settings, so the
        # option (or hybrid) holds them itself, in its dump and its link.
        if isinstance(checked, FineTuneBase):
            found.update((key, getattr(checked, key)) for key in a.fine_tune._aside
                         if key in fields and key not in settings and key not in inherited)
    return None if failed else found
