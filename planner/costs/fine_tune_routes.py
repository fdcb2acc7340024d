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

import numpy as np

from planner.core.draws import nonzero, where
from planner.core.errors import FieldProblem
from planner.costs.costing import Costing
from planner.costs.gpu_choice import cautions, choose_serving, choose_training, with_purchase
from planner.costs.inference import inference_lines
from planner.costs.lines import Approach, LineItem
from planner.costs.self_hosted import (
    SelfHostedSizing,
    architecture_of,
    plan_preference_training,
    plan_serving,
    plan_training,
)
from planner.costs.token_bill import RequestShape
from planner.costs.training import (
    TrainingRun,
    api_preference_run,
    api_run,
    hosted_run,
    hosting_lines,
    self_hosted_run,
)
from planner.costs.tuned_serving import tuned_serving_lines
from planner.inputs.architecture import billions_priced
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.pricebook import Resolved, UnknownOffering
from planner.inputs.scenario import AUTOMATIC, ApiFineTune, FineTuneBase, ProviderHostedFineTune, SelfHostedFineTune


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
              shape: RequestShape) -> Served:
        """Train and serve ``block``'s model for ``option``, each request as ``shape`` says."""
        ...


Found = TypeVar("Found")


def lookup(field: str, find: Callable[[], Found]) -> Found:
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
              shape: RequestShape) -> Served:
        tuned = ref(c, field("model"), c.book.fine_tunable_model, block.model)
        # The tuned model goes when it, or the base model it was tuned from, is retired.
        retires = tuned.offering.deprecation_date or ref(
            c, field("model"), c.book.chat_model, block.model).offering.deprecation_date
        preference = (api_preference_run(block, tuned, field("preference_pairs"))
                      if nonzero(block.preference_pairs) else None)
        serving = tuned_serving_lines(c, option, tuned, block, shape, field)
        return Served(api_run(block, tuned), preference, serving, retires, f"{block.model} (fine-tuned)")


class ProviderHostedRoute:
    """A host of open models tunes a LoRA adapter (billed per token by size band) and serves it: per token on a
    base model it lists for serverless LoRA, otherwise on a dedicated endpoint (one of its GPU instances),
    sized and billed by the hour on the block's schedule as own GPUs are."""

    self_hosted: ClassVar[bool] = False

    def serve(self, c: Costing, option: Approach, block: ProviderHostedFineTune, field: Locate,
              shape: RequestShape) -> Served:
        host = block.host
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        if block.method == "qlora":
            raise FieldProblem(field("method"), (
                "a host of open models tunes LoRA adapters or the full model, not QLoRA: use method lora or full, "
                "or route self_hosted"))
        billion = billions_priced(arch)
        method = block.method
        band = lookup(field("method" if method == "full" else "host"),
                      lambda: c.book.fine_tuning_band(host, method, billion))
        if nonzero(block.preference_pairs):
            raise FieldProblem(field("preference_pairs"), (
                f"{host}'s DPO prices are not in the tables: cost DPO on the self_hosted route, or set "
                "preference_pairs to 0"))
        served = c.book.serverless_lora(host, block.model)
        if served is not None and block.endpoint is None and method == "lora":
            serving = inference_lines(c, option, served, shape, field)
            return Served(hosted_run(block, band), None, serving, served.offering.deprecation_date,
                          f"{block.model} (LoRA) hosted by {host}, per token")
        endpoint_field = field("endpoint" if block.endpoint else "host")
        # The host runs the endpoint as the team would run its own GPUs: the same sizing and schedules, and
        # without an endpoint named, the same search for the cheapest that serves the peak (its instances only).
        # (Constructed, not validated: a range's inputs are arrays of values, which the block's checks refuse.)
        as_own = SelfHostedFineTune.model_construct(
            route="self_hosted", model=block.model, architecture=block.architecture, method=method,
            serving_schedule=block.serving_schedule, purchase="on_demand")
        endpoint_ref = block.endpoint or choose_serving(c, option, as_own, arch, shape.input_tokens, None,
                                                        endpoint_field, provider=host).chosen.ref
        if not endpoint_ref.startswith(f"{host}/"):
            raise FieldProblem(endpoint_field, f"a dedicated endpoint of {host} is one of its GPU instances "
                                               f"({host}/...), got {endpoint_ref!r}")
        endpoint = ref(c, endpoint_field, c.book.gpu_instance, endpoint_ref)
        if nonzero(block.batch_share):
            raise FieldProblem(field("batch_share"), f"a dedicated endpoint of {host} serves every request itself; "
                                                     "batch prices are per token: set the share to 0")
        plan = plan_serving(c, as_own, arch, endpoint, shape.input_tokens, endpoint_field)
        serving = hosting_lines(c, option, plan, endpoint, endpoint_field)
        serving = [li._replace(item=li.item.replace("Serving instances", "Dedicated endpoint")) for li in serving]
        return Served(hosted_run(block, band), None, serving, None,
                      f"{block.model} ({'LoRA' if method == 'lora' else 'full'}) on {endpoint_ref}")


class SelfHostedRoute:
    """The team rents GPU instances, trains there (full, LoRA or QLoRA) and serves from its own replicas."""

    self_hosted: ClassVar[bool] = True

    def serve(self, c: Costing, option: Approach, block: SelfHostedFineTune, field: Locate,
              shape: RequestShape) -> Served:
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        training_choice = choose_training(c, block, arch, field("training_gpu"))
        training_ref = training_choice.chosen.ref
        trainer = ref(c, field("training_gpu"), c.book.gpu_instance, training_ref)
        if trainer.offering.endpoint_only:
            raise FieldProblem(field("training_gpu"), (
                f"{training_ref} is a host's dedicated endpoint: it serves models and runs no training job; choose "
                "another instance, or automatic"))
        follows = block.serving_gpu == "same_as_training"
        server_field = field("serving_gpu")
        fixed = training_ref if follows else None if block.serving_gpu == AUTOMATIC else block.serving_gpu
        serving_choice = choose_serving(c, option, block, arch, shape.input_tokens, fixed, server_field,
                                        how="(same as training)" if follows else "")
        server_ref = serving_choice.chosen.ref
        server = ref(c, server_field, c.book.gpu_instance, server_ref)
        bought = with_purchase(block, serving_choice.chosen.purchase)
        training_plan = plan_training(c, block, arch, trainer, field("training_gpu"))
        serving_plan = plan_serving(c, bought, arch, server, shape.input_tokens, server_field)
        preference = None
        if nonzero(block.preference_pairs):
            dpo = self_hosted_run(
                plan_preference_training(c, block, arch, training_plan, trainer, field("training_gpu")), trainer)
            # No pairs, no run (its fixed overhead hours included), value by value for a range.
            preference = dataclasses.replace(dpo, quantity=where(block.preference_pairs > 0, dpo.quantity, 0.0))
        sizing = SelfHostedSizing(block.model, model_parameters(arch), training_plan, serving_plan,
                                  training_choice, serving_choice)
        hosting = hosting_lines(c, option, serving_plan, server, field("purchase"))
        billed = float(np.mean(sum(line.horizon_amount for line in hosting)))
        warnings = cautions(c, option, [training_choice, serving_choice], serving_plan, sizing.serving_utilisation(),
                            server, billed, block.model)
        # Open weights are not retired; a set cadence of base-model changes still applies.
        return Served(self_hosted_run(training_plan, trainer), preference, hosting, None,
                      f"{block.model} ({block.method}) on {server_ref}",
                      dataclasses.replace(sizing, cautions=tuple(warnings)))


# Each route's class by the route's name; a route's ``serve`` takes its own block class (FINE_TUNE_ROUTES).
ROUTES: dict[str, FineTuneRoute[Any]] = {
    "api": ApiRoute(),
    "provider_hosted": ProviderHostedRoute(),
    "self_hosted": SelfHostedRoute(),
}
