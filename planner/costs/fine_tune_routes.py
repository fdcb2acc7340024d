"""The ways a fine-tuned model is trained and served, one small class each, found by the block's ``route``.

Each route turns a fine-tuning block into what the estimate needs from it: the training run (and a
preference run, where DPO is priced), the lines that serve requests, the day its model is retired,
the sizing of own GPUs and a few words on what serves the requests. Adding a route takes its variant
(a block class with its own keys, in ``planner.inputs.scenario.FINE_TUNE_ROUTES``), one class here with its
entry in ``ROUTES``, and its prices.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from planner.core.draws import nonzero, where
from planner.core.errors import FieldProblem
from planner.costs.costing import Costing
from planner.costs.inference import inference_lines, input_tokens_per_request
from planner.costs.lines import Approach, LineItem
from planner.costs.self_hosted import (
    SelfHostedSizing,
    architecture_of,
    plan_preference_training,
    plan_serving,
    plan_training,
)
from planner.costs.training import (
    TrainingRun,
    api_preference_run,
    api_run,
    hosted_run,
    hosting_lines,
    self_hosted_run,
)
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.pricebook import Resolved, UnknownOffering
from planner.inputs.scenario import ApiFineTune, FineTuneBase, ProviderHostedFineTune, SelfHostedFineTune


@dataclass(frozen=True)
class Served:
    """What a route makes of a fine-tuning block."""

    run: TrainingRun
    preference: TrainingRun | None  # the DPO run, when the block has preference pairs
    serving: list[LineItem]  # inference or GPU hosting, monthly
    retires: datetime.date | None  # when the served model is retired (None: never announced)
    serves_with: str
    sizing: SelfHostedSizing | None = None


# Where a setting of the option was written, from its key ("training_gpu" -> "options.2.settings.training_gpu").
Locate = Callable[[str], str]


Block = TypeVar("Block", bound=FineTuneBase, contravariant=True)


class FineTuneRoute(Protocol[Block]):
    """One way of training and serving a fine-tuned model, from its route's block."""

    self_hosted: ClassVar[bool]  # on GPUs the team rents and runs

    def serve(self, c: Costing, option: Approach, block: Block, field: Locate,
              retrieved_tokens: int) -> Served:
        """Train and serve ``block``'s model for ``option``, with ``retrieved_tokens`` added to each request."""
        ...


def lookup(field: str, find: Callable[[], Resolved]) -> Resolved:
    """A price-book lookup whose miss becomes a problem at the scenario ``field``."""
    try:
        return find()
    except UnknownOffering as exc:
        raise FieldProblem(field, str(exc)) from None


def ref(c: Costing, field: str, find: Callable[[str], Resolved], reference: str) -> Resolved:
    """Look an offering up (once per estimate); a miss becomes a problem located at the scenario ``field``."""
    return lookup(field, lambda: c.resolve(find, reference))


class ApiRoute:
    """A model provider's fine-tuning API trains the model and serves it per token."""

    self_hosted: ClassVar[bool] = False

    def serve(self, c: Costing, option: Approach, block: ApiFineTune, field: Locate,
              retrieved_tokens: int) -> Served:
        tuned = ref(c, field("model"), c.book.fine_tunable_model, block.model)
        # The tuned model goes when it, or the base model it was tuned from, is retired.
        retires = tuned.offering.deprecation_date or ref(
            c, field("model"), c.book.chat_model, block.model).offering.deprecation_date
        preference = (api_preference_run(block, tuned, field("preference_pairs"))
                      if nonzero(block.preference_pairs) else None)
        serving = inference_lines(c, option, tuned, block.system_prompt_tokens, block.cached_prompt_share,
                                  retrieved_tokens, field)
        return Served(api_run(block, tuned), preference, serving, retires, f"{block.model} (fine-tuned)")


class ProviderHostedRoute:
    """A host of open models tunes a LoRA adapter (billed per token by size band) and serves it per token."""

    self_hosted: ClassVar[bool] = False

    def serve(self, c: Costing, option: Approach, block: ProviderHostedFineTune, field: Locate,
              retrieved_tokens: int) -> Served:
        host = block.host
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        if block.method != "lora":
            raise FieldProblem(field("method"), (
                f"{host} serves fine-tuned LoRA adapters per token; a {block.method} fine-tune needs a dedicated "
                "endpoint, which the planner does not price: use method lora, or route self_hosted"))
        billion = getattr(arch, "published_params_billion", None) or model_parameters(arch) / 1e9
        band = lookup(field("host"), lambda: c.book.fine_tuning_band(host, "lora", billion))
        served = lookup(field("model"), lambda: c.book.hosted_open_model(host, block.model))
        if nonzero(block.preference_pairs):
            raise FieldProblem(field("preference_pairs"), (
                f"{host}'s DPO prices are not in the tables: cost DPO on the self_hosted route, or set "
                "preference_pairs to 0"))
        serving = inference_lines(c, option, served, block.system_prompt_tokens, block.cached_prompt_share,
                                  retrieved_tokens, field)
        return Served(hosted_run(block, band), None, serving, served.offering.deprecation_date,
                      f"{block.model} (LoRA) hosted by {host}")


class SelfHostedRoute:
    """The team rents GPU instances, trains there (full, LoRA or QLoRA) and serves from its own replicas."""

    self_hosted: ClassVar[bool] = True

    def serve(self, c: Costing, option: Approach, block: SelfHostedFineTune, field: Locate,
              retrieved_tokens: int) -> Served:
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        training_ref = block.training_gpu
        trainer = ref(c, field("training_gpu"), c.book.gpu_instance, training_ref)
        server_field = field("serving_gpu") if block.serving_gpu else field("training_gpu")
        server = ref(c, server_field, c.book.gpu_instance, block.serving_gpu or training_ref)
        training_plan = plan_training(c, block, arch, trainer, field("training_gpu"))
        prompt_tokens = input_tokens_per_request(c, block.system_prompt_tokens, retrieved_tokens)
        serving_plan = plan_serving(c, block, arch, server, prompt_tokens, server_field)
        preference = None
        if nonzero(block.preference_pairs):
            dpo = self_hosted_run(
                plan_preference_training(c, block, arch, training_plan, trainer, field("training_gpu")), trainer)
            # No pairs, no run (its fixed overhead hours included), value by value for a range.
            preference = dataclasses.replace(dpo, quantity=where(block.preference_pairs > 0, dpo.quantity, 0.0))
        # Open weights are not retired; a set cadence of base-model changes still applies.
        return Served(self_hosted_run(training_plan, trainer), preference,
                      hosting_lines(c, option, serving_plan, server, field("purchase")), None,
                      f"{block.model} ({block.method}) on {block.serving_gpu or training_ref}",
                      SelfHostedSizing(block.model, model_parameters(arch), training_plan, serving_plan))


# Each route's class by the route's name; a route's ``serve`` takes its own block class (FINE_TUNE_ROUTES).
ROUTES: dict[str, FineTuneRoute[Any]] = {
    "api": ApiRoute(),
    "provider_hosted": ProviderHostedRoute(),
    "self_hosted": SelfHostedRoute(),
}
