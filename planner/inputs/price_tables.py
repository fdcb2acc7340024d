"""Price tables: what each file in ``pricing/`` may hold, and how the planner looks prices up.

One YAML file per provider holds that provider's offerings in any of these sections: ``models``
(chat models, with an optional ``fine_tuning`` block), ``fine_tuning_bands`` (open-model
fine-tuning APIs priced by model size), ``embeddings``, ``vector_dbs``, ``gpu_instances`` and
``services`` (operations services: tracing, monitoring, moderation).
Four further files are not providers: ``people.yaml`` (rate cards), ``hardware.yaml`` (GPU specs),
``assumptions.yaml`` (see ``planner.inputs.assumptions``) and ``fx.yaml`` (exchange rates).

Every offering carries ``source`` and ``as_of``, and may carry a ``status`` note (for example that
a provider no longer takes new fine-tuning customers) which every estimate using it repeats. A
model may carry the ``deprecation_date`` its provider announced: from that day it no longer serves.
Money fields are in the table's ``currency``; their unit is in their name.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from planner.core.limits import MAX_MAGNITUDE
from planner.inputs.validation import STRICT

# Every price and quantity is at most a quadrillion (planner.core.limits.MAX_MAGNITUDE).
NonNegative = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
# A quoted date ("2026-03-01") is as clear as an unquoted one; accept both.
AsOf = Annotated[datetime.date, Field(strict=False)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class Offering(BaseModel):
    """Provenance every priced thing carries."""

    model_config = STRICT
    source: str = Field(min_length=1, description="where the figure was published")
    as_of: AsOf = Field(description="date the figure was read or published")
    status: str | None = Field(default=None, description="a caveat shown with any estimate using it")
    blocking: bool = Field(False, description="the status stops a new customer from buying it (e.g. a platform "
                                              "no longer accepting new users); marked in the comparison itself")


class Sold(Offering):
    """An offering a team buys: where it runs, and the days its seller stops selling it.

    ``region`` is the seller's region id (``eu-west-2``, ``uksouth``, ``global``); the planner places it
    in a jurisdiction through ``planner.inputs.regions`` when a scenario says where data must stay.
    A seller winding an offering down announces two days: from ``closed_to_new_customers_since`` a team
    that has not bought it before cannot start; after ``no_new_training_after`` nobody can start a training
    job on it (what was trained still serves until the model retires). ``dates_source`` cites both.
    """

    region: str | None = Field(None, max_length=60, description="the seller's region id; unset: not stated")
    closed_to_new_customers_since: AsOf | None = Field(
        None, description="from this day a team that has not bought it before cannot start")
    no_new_training_after: AsOf | None = Field(
        None, description="the last day a training job can be started on it")
    dates_source: str | None = Field(None, min_length=1, description="where the two days were announced")

    @model_validator(mode="after")
    def _dates_are_cited(self) -> Sold:
        dated = self.closed_to_new_customers_since is not None or self.no_new_training_after is not None
        if dated and self.dates_source is None:
            raise ValueError("closed_to_new_customers_since and no_new_training_after need dates_source: the page "
                             "that announced them")
        return self


class ModelOffering(Sold):
    """A hosted model, which its provider may retire."""

    deprecation_date: AsOf | None = Field(
        None, description="the day the provider stops serving the model (as announced; LiteLLM's map carries it)")


class ProvisionedThroughput(BaseModel):
    """Capacity for a tuned model bought by the hour in model units, used or not (Amazon Bedrock's
    Provisioned Throughput): a price per unit-hour for each term sold, and what a unit serves a minute."""

    model_config = STRICT
    per_unit_hour: NonNegative = Field(description="no commitment, per model unit per hour")
    per_unit_hour_1_month: NonNegative | None = Field(None, description="with a 1-month commitment")
    per_unit_hour_6_month: NonNegative | None = Field(None, description="with a 6-month commitment")
    input_tokens_per_minute_per_unit: Positive = Field(description="input tokens a model unit processes a minute")
    output_tokens_per_minute_per_unit: Positive = Field(description="output tokens a model unit writes a minute")


ReasoningEffort = Literal["none", "low", "medium", "high"]
SERVICE_TIERS = ("batch", "flex", "priority")  # sold besides standard requests, each at its own prices


class TokenPrices(BaseModel):
    """A model's prices per million tokens: input and output; prompt-cache reads and writes (5 minutes, 1 hour);
    reasoning tokens where billed apart; and the service tiers a provider sells besides standard (batch:
    answers within 24 hours; flex: about the batch price, answered synchronously but slower; priority:
    faster, at a premium).

    A tier is sold when its input and output prices are given. Within batch, flex or priority a cache read
    without the tier's cached-input price, or a cache write without its cache-write price, is billed at the
    tier's input price (no discount is assumed); reasoning without a reasoning price is billed as output.
    """

    model_config = STRICT
    input_per_million_tokens: NonNegative
    output_per_million_tokens: NonNegative
    cached_input_per_million_tokens: NonNegative | None = None
    cache_write_per_million_tokens: NonNegative | None = Field(
        None, description="writing the prompt cache (5 minutes) where billed above the input price (Anthropic: 1.25x)")
    cache_write_1h_per_million_tokens: NonNegative | None = Field(
        None, description="writing a prompt cache kept for 1 hour (Anthropic: 2x the input price)")
    reasoning_per_million_tokens: NonNegative | None = Field(
        None, description="reasoning (thinking) tokens, where billed apart from output; unset: at the output price")
    batch_input_per_million_tokens: NonNegative | None = None
    batch_output_per_million_tokens: NonNegative | None = None
    batch_cached_input_per_million_tokens: NonNegative | None = None
    batch_cache_write_per_million_tokens: NonNegative | None = None
    flex_input_per_million_tokens: NonNegative | None = None
    flex_output_per_million_tokens: NonNegative | None = None
    flex_cached_input_per_million_tokens: NonNegative | None = None
    flex_cache_write_per_million_tokens: NonNegative | None = None
    priority_input_per_million_tokens: NonNegative | None = None
    priority_output_per_million_tokens: NonNegative | None = None
    priority_cached_input_per_million_tokens: NonNegative | None = None
    priority_cache_write_per_million_tokens: NonNegative | None = None

    @model_validator(mode="after")
    def _tiers_whole(self) -> TokenPrices:
        for tier in SERVICE_TIERS:
            _input_with_output(self, f"{tier}_")
        return self


def _input_with_output(prices: BaseModel, prefix: str) -> None:
    """A tier (``prefix`` "batch_", or "" for standard) is sold at an input and an output price, or not at all."""
    pair = tuple(getattr(prices, f"{prefix}{side}_per_million_tokens", None) for side in ("input", "output"))
    if None in pair and pair != (None, None):
        raise ValueError(f"give both {prefix}input_per_million_tokens and {prefix}output_per_million_tokens, or "
                         "neither")


class LongContext(TokenPrices):
    """Prices of a request whose input exceeds ``above_input_tokens``: the whole request, input, cache and
    output, is billed at these (Anthropic and Gemini Pro above 200,000; OpenAI GPT-5.4 and later above 272,000)."""

    above_input_tokens: Annotated[int, Field(gt=0, le=1_000_000_000, strict=False)] = Field(
        description="input tokens (cached included) above which a request is billed at these prices")


class FineTunedPrices(ModelOffering):
    """A provider's fine-tuning of a hosted model, as the provider bills it: training per million tokens (at
    least ``minimum_per_job`` a job), and serving the tuned model per token, on ``provisioned`` capacity,
    or both; a fixed fee per hour while a tuned model is deployed (Azure OpenAI), and storage per tuned model
    a month (Mistral, Amazon Bedrock)."""

    training_per_million_tokens: NonNegative
    preference_training_per_million_tokens: NonNegative | None = Field(
        None, description="DPO (preference) training price; without it the API route cannot cost preference pairs")
    input_per_million_tokens: NonNegative | None = Field(
        None, description="the tuned model's input price; unset with output: not served per token")
    output_per_million_tokens: NonNegative | None = None
    cached_input_per_million_tokens: NonNegative | None = None
    batch_input_per_million_tokens: NonNegative | None = Field(
        None, description="the tuned model's input price through the provider's batch API, where sold")
    batch_output_per_million_tokens: NonNegative | None = None
    batch_cached_input_per_million_tokens: NonNegative | None = None
    minimum_per_job: NonNegative = Field(0.0, description="the least a training job is billed (0: none published)")
    hosting_per_hour: NonNegative = Field(
        0.0, description="billed every hour a tuned model is deployed, used or not, per deployment")
    storage_per_month: NonNegative = Field(0.0, description="billed a month for each tuned model kept")
    provisioned: ProvisionedThroughput | None = Field(
        None, description="capacity bought by the hour in model units, if sold for the tuned model")
    litellm_id: str | None = Field(
        None, description="key of the tuned model (or the model tuning runs on) in LiteLLM's price map; "
                          "its provider there may differ from the table's (Gemini tuning runs on Vertex AI)")

    @model_validator(mode="after")
    def _served_somehow(self) -> FineTunedPrices:
        for prefix in ("", "batch_"):
            _input_with_output(self, prefix)
        if self.input_per_million_tokens is None and self.provisioned is None:
            raise ValueError("a tuned model needs per-token prices (input_per_million_tokens and "
                             "output_per_million_tokens), provisioned capacity, or both")
        return self


class ChatModel(ModelOffering, TokenPrices):
    """A hosted model's inference prices per million tokens (``TokenPrices``), and its fine-tuning prices if any.

    Prompt caching: a cache hit is billed at ``cached_input_per_million_tokens``; where the provider
    bills writing the cache above the input price (Anthropic: 1.25x for a 5-minute cache, 2x for an hour),
    a miss is billed at the cache-write price, else at the input price. A prefix shorter than
    ``min_cacheable_tokens`` is never cached. An explicit cache (Gemini) is billed for storage by the
    million tokens an hour. ``long_context`` prices a request above a size threshold, whole.
    Reasoning: a model that can reason (``reasoning``) bills its hidden reasoning tokens as output (or at
    ``reasoning_per_million_tokens``); one that reasons unless told not to has a ``default_reasoning_effort``
    other than none, cited in ``reasoning_source``.
    """

    long_context: LongContext | None = Field(
        None, description="prices of a request whose input exceeds a threshold, applied to the whole request")
    # strict=False on these counts: the price editor's grid holds a column with gaps as floats (272000.0), and a
    # whole float is the whole number; 272000.5 is still refused.
    min_cacheable_tokens: Annotated[int, Field(ge=0, le=1_000_000_000, strict=False)] | None = Field(
        None, description="the shortest prefix the provider caches; shorter prompts are billed as plain input")
    cache_storage_per_million_tokens_hour: NonNegative | None = Field(
        None, description="storage of an explicit prompt cache, per million tokens an hour (Gemini)")
    reasoning: bool = Field(False, description="the model can reason (think) before it answers")
    default_reasoning_effort: ReasoningEffort = Field(
        "none", description="the reasoning effort of a request that sets none (none: it answers without reasoning)")
    reasoning_source: str | None = Field(
        None, min_length=1, description="where the provider says how the model reasons by default")
    litellm_id: str | None = Field(None, description="key in LiteLLM's price map, when not the same as ours")
    open_model: Identifier | None = Field(
        None, description="the open model (an id in open_models.yaml) this serves")
    serverless_lora: bool = Field(
        False, description="the host serves a LoRA adapter on this model per token, at these prices; otherwise a "
                           "tuned model needs one of the host's dedicated endpoints (its gpu_instances)")
    fine_tuning: FineTunedPrices | None = None

    @model_validator(mode="after")
    def _reasons_as_stated(self) -> ChatModel:
        if self.default_reasoning_effort != "none":
            if not self.reasoning:
                raise ValueError("a default_reasoning_effort other than none needs reasoning: true")
            if self.reasoning_source is None:
                raise ValueError("a model that reasons by default needs reasoning_source: the page that says so")
        return self


class FineTuningBand(Sold):
    """An open-model fine-tuning API's training price for models within a size band."""

    method: Literal["lora", "full"]
    min_params_billion: NonNegative
    max_params_billion: Positive
    training_per_million_tokens: NonNegative
    minimum_per_job: NonNegative = Field(0.0, description="the least a training job is billed (0: none published)")

    @model_validator(mode="after")
    def _band_is_ordered(self) -> FineTuningBand:
        if self.max_params_billion < self.min_params_billion:
            raise ValueError("max_params_billion must be >= min_params_billion")
        return self


class EmbeddingModel(ModelOffering):
    """An embedding model's price per million input tokens and its vector size."""

    per_million_tokens: NonNegative
    dimensions: Annotated[int, Field(gt=0, le=1_000_000)]
    litellm_id: str | None = Field(None, description="key in LiteLLM's price map, when not the same as ours")


class VectorDb(Sold):
    """A vector database plan; a usage component the plan does not bill is left at 0."""

    storage_per_gb_month: NonNegative = 0.0
    per_million_vector_dimensions_month: NonNegative = 0.0
    reads_per_million_units: NonNegative = 0.0
    writes_per_million_units: NonNegative = 0.0
    monthly_minimum: NonNegative = 0.0


class Service(Sold):
    """An operations service (tracing, monitoring, moderation): a monthly or an annual fee, and usage beyond
    what the fee includes. Usage is counted in ``unit``s, ``units_per_request`` for each request."""

    monthly_fee: NonNegative = 0.0
    annual_fee: NonNegative = Field(
        0.0, description="a fee billed once a year: in the first month after launch and every 12 months after")
    included_units: NonNegative = 0.0
    per_thousand_units: NonNegative = 0.0
    unit: str = Field("request", min_length=1, max_length=60, description="what the service counts")
    units_per_request: NonNegative = Field(1.0, description="units each request generates")


class GpuInstance(Sold):
    """A cloud instance: which GPU (an id in ``hardware.yaml``), how many, and its hourly price."""

    gpu: Identifier
    gpu_count: Annotated[int, Field(gt=0, le=1_000_000)]
    per_hour: NonNegative = Field(description="on-demand price per instance-hour")
    reserved_per_hour: NonNegative | None = Field(
        None, description="price per instance-hour with a 1-year commitment, billed every hour whether used or not")
    spot_per_hour: NonNegative | None = Field(
        None, description="spot (interruptible) price per instance-hour")
    endpoint_only: bool = Field(
        False, description="a host's dedicated endpoint: it serves models (the host's, or a team's own), and runs no "
                           "training job, so an automatic choice of training instance passes it by")


# The sections of a provider's table that hold offerings, in the order tables and listings show them.
OFFERING_SECTIONS = ("models", "fine_tuning_bands", "embeddings", "vector_dbs", "gpu_instances", "services")


class PriceTable(BaseModel):
    """One provider's file."""

    model_config = STRICT
    provider: Identifier = Field(description="must equal the file name without .yaml")
    display_name: str = Field(min_length=1)
    currency: CurrencyCode
    litellm_provider: str | None = Field(None, description="this provider's name in LiteLLM's price map")
    models: dict[Identifier, ChatModel] = {}
    fine_tuning_bands: dict[Identifier, FineTuningBand] = {}
    embeddings: dict[Identifier, EmbeddingModel] = {}
    vector_dbs: dict[Identifier, VectorDb] = {}
    gpu_instances: dict[Identifier, GpuInstance] = {}
    services: dict[Identifier, Service] = {}


class Rate(Offering):
    """An hourly people rate: what an hour of the role costs the budget.

    Give it one of three ways: ``per_hour`` as it is; an employee's ``annual_salary`` /
    ``paid_hours_per_year`` x ``on_cost_factor`` (employer taxes and benefits) x ``overhead_factor``
    (office, equipment, management); or a contractor's ``day_rate`` / ``hours_per_day``.
    ``hourly`` is the rate either way.
    """

    per_hour: NonNegative | None = None
    annual_salary: NonNegative | None = None
    paid_hours_per_year: Positive | None = None
    on_cost_factor: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] | None = None
    overhead_factor: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] | None = None
    day_rate: NonNegative | None = None
    hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Rate:
        employee = (self.annual_salary, self.paid_hours_per_year, self.on_cost_factor)
        contractor = (self.day_rate, self.hours_per_day)
        ways = [self.per_hour is not None, any(v is not None for v in employee),
                any(v is not None for v in contractor)]
        if sum(ways) != 1:
            raise ValueError("give the rate one way: per_hour; or annual_salary, paid_hours_per_year and "
                             "on_cost_factor (an employee); or day_rate and hours_per_day (a contractor)")
        if ways[1] and None in employee:
            raise ValueError("an employee's rate needs annual_salary, paid_hours_per_year and on_cost_factor")
        if ways[2] and None in contractor:
            raise ValueError("a contractor's rate needs day_rate and hours_per_day")
        if self.overhead_factor is not None and not ways[1]:
            raise ValueError("overhead_factor applies to an employee's salary only")
        return self

    @property
    def hourly(self) -> float:
        """The hourly rate, given or worked out (an employee's: $112,590 / 2,080 h x 1.4245 x 1.2 = $92.53)."""
        if self.per_hour is not None:
            return self.per_hour
        if self.day_rate is not None and self.hours_per_day is not None:
            return self.day_rate / self.hours_per_day
        salary, hours, on_cost = self.annual_salary or 0.0, self.paid_hours_per_year or 1.0, self.on_cost_factor or 1.0
        return salary / hours * on_cost * (self.overhead_factor or 1.0)

    @property
    def derivation(self) -> str:
        """How ``hourly`` was worked out, in words ("" when given as per_hour)."""
        if self.day_rate is not None:
            return f"contractor: day rate {self.day_rate:,.2f} / {self.hours_per_day:g} hours a day"
        if self.annual_salary is not None:
            overhead = f" x overhead factor {self.overhead_factor:g}" if self.overhead_factor else ""
            return (f"employee: salary {self.annual_salary:,.0f} / {self.paid_hours_per_year:,.0f} paid hours x "
                    f"on-cost factor {self.on_cost_factor:g}{overhead}")
        return ""


class Roles(BaseModel):
    """The roles a customisation project draws on."""

    model_config = STRICT
    ml_engineer: Rate
    domain_expert: Rate
    annotator: Rate
    mlops_engineer: Rate
    privacy_reviewer: Rate


class RateCard(BaseModel):
    """People rates for one market, in one currency."""

    model_config = STRICT
    display_name: str = Field(min_length=1)
    currency: CurrencyCode
    roles: Roles


class PeopleTable(BaseModel):
    """``people.yaml``: rate cards by id (``us``, ``uk``, ...)."""

    model_config = STRICT
    rate_cards: dict[Identifier, RateCard] = Field(min_length=1)


class GpuSpec(Offering):
    """A GPU's datasheet figures (dense tensor throughput, without sparsity).

    Datasheets give GPU memory in "GB" but size it in binary units (an 80 GB H100 has 80 GiB),
    hence ``memory_gib``.
    """

    display_name: str = Field(min_length=1)
    memory_gib: Positive
    bf16_tflops: Positive
    fp8_tflops: Positive | None = None
    bandwidth_gb_per_s: Positive
    training_hfu: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="BF16 training utilisation measured on this GPU, where published runs show it differs from "
                          "the assumption (a consumer card's low BF16 peak is reached more fully); with its source")
    training_hfu_source: str | None = Field(None, min_length=1, description="where training_hfu was measured")

    @model_validator(mode="after")
    def _measured_with_source(self) -> GpuSpec:
        if self.training_hfu is not None and self.training_hfu_source is None:
            raise ValueError("training_hfu needs training_hfu_source: the published runs it was measured from")
        return self


class HardwareTable(BaseModel):
    """``hardware.yaml``: GPU specs by id (``h100-sxm``, ``a100-80gb``, ...)."""

    model_config = STRICT
    gpus: dict[Identifier, GpuSpec] = Field(min_length=1)


class FxRate(Offering):
    """Value of one unit of a currency in US dollars."""

    usd_per_unit: Positive


class FxTable(BaseModel):
    """``fx.yaml``: exchange rates against the US dollar."""

    model_config = STRICT
    rates: dict[CurrencyCode, FxRate] = {}
