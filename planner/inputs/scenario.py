"""The scenario: what a team tells the planner about its workload, approaches, project and team.

Written as YAML (see ``examples/``) or built in Python; every key not given has the default
documented on its field. Offerings are referenced as ``provider/id`` (``openai/gpt-4o-mini``),
looked up in the price tables when the estimate is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

from planner.core.errors import Problem, ScenarioError
from planner.core.limits import MAX_MAGNITUDE, MAX_TEXT_CHARS
from planner.inputs.architecture import Architecture
from planner.inputs.files import YamlDocument, dump_yaml, parse_yaml, read_yaml
from planner.inputs.validation import STRICT, validate_data, validate_document

# Every number a scenario holds is at most a quadrillion (planner.core.limits.MAX_MAGNITUDE).
MAX_COUNT = int(MAX_MAGNITUDE)
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Share = Annotated[float, Field(ge=0, le=1)]
Ref = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$", max_length=200)]

DEFAULT_MODEL = "openai/gpt-4o-mini"
DEFAULT_EMBEDDING_MODEL = "openai/text-embedding-3-small"
DEFAULT_VECTOR_DB = "pinecone/standard"


class Workload(BaseModel):
    """Request volume and the size of each request."""

    model_config = STRICT
    requests_per_month: Count = Field(100_000, description="requests in the first month")
    monthly_growth: Annotated[float, Field(gt=-1, le=10)] = Field(
        0.0, description="fraction added to the volume each month (0.05 = +5% a month)"
    )
    input_tokens: Count = Field(400, description="tokens of the user's part of each request")
    output_tokens: Count = Field(300, description="tokens the model writes per request")


CACHE_HIT_SHARE = ("cache hit share: share of requests whose system prompt is read from the provider's prompt "
                   "cache, at the cached-input price; the others write it to the cache, at the cache-write "
                   "price where the provider bills one (Anthropic), else the input price; 0 = no caching")


class HostedModelFields(BaseModel):
    """A hosted chat model, its prompt cache hit share and the share of requests sent in batches."""

    model_config = STRICT
    model: Ref = Field(DEFAULT_MODEL, description="chat model, provider/id")
    cached_prompt_share: Share = Field(0.0, description=CACHE_HIT_SHARE)
    batch_share: Share = Field(
        0.0, description="share of requests sent through the provider's batch API (answers within 24 h), "
                         "billed at its batch prices"
    )


class PromptBlock(HostedModelFields):
    """Prompt engineering: a base model steered by a system prompt."""

    system_prompt_tokens: Count = Field(2000, description="static instructions and examples per request")


class RetrievalFields(BaseModel):
    """Knowledge base settings shared by RAG and hybrid."""

    model_config = STRICT
    retrieved_tokens: Count = Field(2000, description="retrieved context added to each request")
    corpus_tokens: Count = Field(20_000_000, description="size of the knowledge base in tokens")
    corpus_monthly_change: Share = Field(
        0.1, description="share of the corpus re-embedded each month because it changed"
    )
    embedding_model: Ref = Field(DEFAULT_EMBEDDING_MODEL, description="embedding model, provider/id")
    vector_db: Ref = Field(DEFAULT_VECTOR_DB, description="vector database plan, provider/id")


class RagBlock(HostedModelFields, RetrievalFields):
    """RAG: a base model given retrieved context."""

    system_prompt_tokens: Count = Field(500, description="static instructions per request")


class FineTuneBlock(BaseModel):
    """Fine-tuning, by a provider's API (``route: api``) or on own GPUs (``route: self_hosted``)."""

    model_config = STRICT
    route: Literal["api", "self_hosted"] = Field("api", description="who trains and serves the model")
    model: str = Field(
        DEFAULT_MODEL, max_length=200,
        description="api: a fine-tunable chat model (provider/id); self_hosted: an id in open_models.yaml",
    )
    system_prompt_tokens: Count = Field(200, description="static instructions left after fine-tuning")
    cached_prompt_share: Share = Field(0.0, description=f"{CACHE_HIT_SHARE} (api route)")
    examples: Count = Field(1000, description="training examples prepared")
    tokens_per_example: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        600, description="tokens per training example; also the training sequence length (self_hosted)"
    )
    epochs: Annotated[int, Field(ge=1, le=100)] = Field(3, description="passes over the training set")
    retrain_every_months: Count | None = Field(
        None, description="months between retraining after launch; 0 = never; default: assumptions"
    )
    # self_hosted only
    architecture: Architecture | None = Field(
        None, description="self_hosted: the model's architecture, instead of a catalogue id in model"
    )
    method: Literal["full", "lora", "qlora"] = Field("lora", description="self_hosted: training method")
    lora_rank: Annotated[int, Field(ge=1, le=4096)] = Field(16, description="self_hosted: adapter rank")
    micro_batch: Annotated[int, Field(ge=1, le=4096)] = Field(4, description="self_hosted: sequences per GPU step")
    gradient_checkpointing: bool = Field(True, description="self_hosted: recompute activations to save memory")
    training_precision: Literal["bf16", "fp8"] = Field("bf16", description="self_hosted: training arithmetic")
    training_gpu: Ref | None = Field(None, description="self_hosted: GPU instance for training")
    serving_gpu: Ref | None = Field(
        None, description="self_hosted: GPU instance for serving; default: the training instance"
    )
    serving_precision: Literal["bf16", "fp8", "int4"] = Field("bf16", description="self_hosted: served weights")
    serving_instances: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = Field(
        None, description="self_hosted: serving instances kept running; default: sized from the peak load"
    )
    hosting: Literal["dedicated", "shared_adapter"] = Field(
        "dedicated", description="self_hosted: own deployment, or an adapter on a deployment shared with others"
    )
    adapter_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.25, description="self_hosted, shared_adapter: share of the shared deployment's cost billed here"
    )

    @property
    def training_tokens(self) -> int:
        """Tokens processed in one training run: examples x tokens per example x epochs.

        >>> FineTuneBlock(examples=1000, tokens_per_example=600, epochs=3).training_tokens
        1800000
        """
        return self.examples * self.tokens_per_example * self.epochs

    @model_validator(mode="after")
    def _route_fields(self) -> FineTuneBlock:
        if self.route == "self_hosted":
            if self.training_gpu is None:
                raise ValueError("route self_hosted needs training_gpu")
        elif "/" not in self.model:
            raise ValueError(f"route api needs model as provider/id, got {self.model!r}")
        return self


class HybridBlock(BaseModel):
    """Fine-tuned model plus RAG. Unset keys come from the ``fine_tune`` block, then from ``rag``."""

    model_config = STRICT
    # Every key of FineTuneBlock and RetrievalFields, all optional; filled in by Scenario.
    route: Literal["api", "self_hosted"] | None = None
    model: str | None = Field(None, max_length=200)
    system_prompt_tokens: Count | None = None
    cached_prompt_share: Share | None = None
    examples: Count | None = None
    tokens_per_example: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    epochs: Annotated[int, Field(ge=1, le=100)] | None = None
    retrain_every_months: Count | None = None
    architecture: Architecture | None = None
    method: Literal["full", "lora", "qlora"] | None = None
    lora_rank: Annotated[int, Field(ge=1, le=4096)] | None = None
    micro_batch: Annotated[int, Field(ge=1, le=4096)] | None = None
    gradient_checkpointing: bool | None = None
    training_precision: Literal["bf16", "fp8"] | None = None
    training_gpu: Ref | None = None
    serving_gpu: Ref | None = None
    serving_precision: Literal["bf16", "fp8", "int4"] | None = None
    serving_instances: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    hosting: Literal["dedicated", "shared_adapter"] | None = None
    adapter_share: Annotated[float, Field(gt=0, le=1)] | None = None
    retrieved_tokens: Count | None = None
    corpus_tokens: Count | None = None
    corpus_monthly_change: Share | None = None
    embedding_model: Ref | None = None
    vector_db: Ref | None = None


class Approaches(BaseModel):
    """The four approaches compared; each block's keys have defaults."""

    model_config = STRICT
    prompt: PromptBlock = PromptBlock()
    rag: RagBlock = RagBlock()
    fine_tune: FineTuneBlock = FineTuneBlock()
    hybrid: HybridBlock = HybridBlock()


class Project(BaseModel):
    """How the project is run."""

    model_config = STRICT
    iterations: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, description="evaluation (and, for fine-tuning, training) cycles; default: assumptions"
    )
    data_preparers: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(
        1, description="people preparing training data in parallel"
    )
    engineers: Annotated[int, Field(ge=1, le=MAX_COUNT)] = Field(1, description="ML engineers building in parallel")
    judge_model: Ref = Field(DEFAULT_MODEL, description="chat model used as LLM judge in evaluation")


class Team(BaseModel):
    """Who does the work."""

    model_config = STRICT
    rates: str = Field("us", max_length=200, description="rate card id in pricing/people.yaml")


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
        "USD", description="currency of the report"
    )
    horizon_months: Annotated[int, Field(ge=1, le=120)] = Field(
        12, description="total cost of ownership is summed over this many months"
    )
    workload: Workload = Workload()
    approaches: Approaches = Approaches()
    project: Project = Project()
    team: Team = Team()
    ranges: dict[Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")], Range] = Field(
        {}, description="low / high guesses for numeric inputs, by dotted path (assumptions.<name> too)"
    )

    # The file a scenario was read from, to point errors found later at its lines.
    _origin: YamlDocument | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Two scenarios are equal when they say the same thing, wherever they were read from.
        return isinstance(other, Scenario) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking contents; never a dict key

    def hybrid_fine_tune(self) -> FineTuneBlock:
        """The hybrid's fine-tuning settings: its own keys over the ``fine_tune`` block's."""
        own = _set_fields(self.approaches.hybrid, FineTuneBlock.model_fields)
        return self.approaches.fine_tune.model_copy(update=own)

    def hybrid_retrieval(self) -> RetrievalFields:
        """The hybrid's retrieval settings: its own keys over the ``rag`` block's."""
        rag = self.approaches.rag
        base = {name: getattr(rag, name) for name in RetrievalFields.model_fields}
        base.update(_set_fields(self.approaches.hybrid, RetrievalFields.model_fields))
        # Both blocks are validated already; not validating again lets a simulation pass arrays of draws.
        return RetrievalFields.model_construct(**base)

    def origin_problem(self, field: str, message: str) -> Problem:
        """A problem located in this scenario's file (line found where the field was written)."""
        if self._origin is None:
            return Problem("scenario", None, field, message)
        path = tuple(int(p) if p.isdigit() else p for p in field.split("."))
        return Problem(self._origin.file, self._origin.line_of(path), field, message)


def _set_fields(block: BaseModel, names: Any) -> dict[str, Any]:
    return {name: getattr(block, name) for name in names if getattr(block, name, None) is not None}


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
    return _check_hybrid(validate_data(Scenario, data, name, ScenarioError))


def _from_document(doc: YamlDocument) -> Scenario:
    scenario = validate_document(Scenario, doc, ScenarioError)
    scenario._origin = doc
    return _check_hybrid(scenario)


def _check_hybrid(scenario: Scenario) -> Scenario:
    """The hybrid merges two blocks; check the merged result as strictly as a block of its own."""
    try:
        FineTuneBlock.model_validate(scenario.hybrid_fine_tune().model_dump())
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError(scenario.origin_problem("approaches.hybrid", message)) from None
    return scenario
