"""Sizing the self-hosted route: which GPUs, how many, for how long, from the model's architecture.

Training: the run's memory on the training instance's GPU decides how many GPUs (and so instances)
it needs; its FLOPs over all of those GPUs decide the hours. Serving: one replica's roofline
decides how many requests a second it completes; the month's peak rate decides the replicas.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from planner.core.draws import nonzero, vceil, vmax, vround, where
from planner.core.errors import FieldProblem
from planner.costs.costing import Costing
from planner.inputs.architecture import Architecture
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.assumptions import Assumptions
from planner.inputs.price_tables import GpuSpec
from planner.inputs.pricebook import Resolved
from planner.inputs.scenario import OpenModelFineTune, SelfHostedFineTune
from planner.sizing.compute import (
    SECONDS_PER_HOUR,
    FlopsRule,
    Precision,
    TrainingTime,
    peak_tflops,
    training_time,
    training_utilisation,
)
from planner.sizing.memory import EIGHT_BIT, TrainingMemory, TrainingSetup, training_memory
from planner.sizing.serving import (
    Efficiency,
    ServingEstimate,
    ServingGpu,
    continuous_batch,
    replicas_needed,
    serving_estimate,
)

if TYPE_CHECKING:
    from planner.costs.gpu_choice import GpuChoice


@dataclass(frozen=True)
class TrainingPlan:
    """One training run on rented instances."""

    memory: TrainingMemory
    instances: int
    time: TrainingTime
    overhead_hours: float
    gpu_name: str  # the GPU's display name, e.g. "NVIDIA H100 SXM 80GB"

    @property
    def instance_hours(self) -> float:
        """Instances x (compute hours + overhead hours) for one run."""
        return self.instances * (self.time.hours + self.overhead_hours)


@dataclass(frozen=True)
class ServingPlan:
    """The serving deployment month by month."""

    replica: ServingEstimate
    peak_requests_per_second: tuple[float, ...]
    replicas: tuple[int, ...]
    instances: tuple[int, ...]
    share: float  # of the deployment's cost billed to this approach
    fixed: bool  # instances given by the scenario rather than sized
    average_requests_per_second: tuple[float, ...]
    gpu_name: str
    schedule: str = "always_on"  # always_on, business_hours or scale_to_zero
    purchase: str = "on_demand"  # on_demand, reserved or spot
    open_hours: float = 730.0  # hours a month the service takes traffic


@dataclass(frozen=True)
class SelfHostedSizing:
    """What the estimate used for a self-hosted approach, for reports."""

    model: str
    params: float
    training: TrainingPlan
    serving: ServingPlan
    training_choice: GpuChoice | None = None  # which instance trains, the runner-up and what bound it
    serving_choice: GpuChoice | None = None
    cautions: tuple[str, ...] = ()  # a choice that costs far more than it needs, or a fleet mostly idle

    def serving_utilisation(self, month: int = 0) -> float | None:
        """Share of the sized replicas' capacity the month's average traffic uses (0.02: 98% idle);
        None when the scenario fixes the instances rather than letting them be sized."""
        serving = self.serving
        capacity = serving.replicas[month] * serving.replica.requests_per_second
        if serving.fixed or not nonzero(capacity):
            return None
        # For a range, the mean share over its values (those with no capacity, which cannot be costed, left out).
        used = serving.average_requests_per_second[month] / where(capacity > 0, capacity, 1.0)
        return float(np.mean(np.asarray(used)[np.asarray(capacity) > 0]))


def architecture_of(c: Costing, block: OpenModelFineTune, field: str) -> Architecture:
    """The block's architecture: given inline, or the catalogue entry named by ``model``."""
    if block.architecture is not None:
        return block.architecture
    try:
        return c.book.open_model(block.model)
    except LookupError as exc:
        raise FieldProblem(field, str(exc)) from None


def gpu_of(c: Costing, instance: Resolved, field: str) -> GpuSpec:
    """The datasheet of the GPU an instance carries."""
    try:
        return c.book.gpu_spec(instance.offering.gpu)
    except LookupError as exc:
        raise FieldProblem(field, str(exc)) from None


def training_setup(block: SelfHostedFineTune) -> TrainingSetup:
    """What the block trains, and how."""
    return TrainingSetup(block.method, block.tokens_per_example, block.micro_batch, block.gradient_checkpointing,
                         block.lora_rank, optimizer=block.optimizer, optimizer_in_backward=block.optimizer_in_backward,
                         cpu_offload=block.cpu_offload)


def plan_training(c: Costing, block: SelfHostedFineTune, arch: Architecture, instance: Resolved,
                  field: str) -> TrainingPlan:
    """Memory, instances and hours of one run; a run that cannot fit is a problem at ``field``."""
    gpu = gpu_of(c, instance, field)
    setup = training_setup(block)
    memory = training_memory(arch, setup, gpu, c.value("framework_overhead_gib"))
    c.check_fits(memory.fits_each, field, f"{block.method} training of {block.model} on {gpu.display_name}: "
                                          f"{memory.reason}")
    try:
        peak_tflops(gpu, block.training_precision)
    except ValueError as exc:
        raise FieldProblem(field, str(exc)) from None
    return run_plan(arch, setup, memory, gpu, instance.offering.gpu_count, block.training_tokens,
                    block.training_precision, c.assumptions)


def plan_preference_training(c: Costing, block: SelfHostedFineTune, arch: Architecture, sft: TrainingPlan,
                             instance: Resolved, field: str) -> TrainingPlan:
    """A DPO run on the supervised run's GPUs: pairs x tokens per pair x epochs, each token also
    passing forward through the frozen reference model (``dpo_reference_flops_per_param_token``).

    The reference pass adds 2 to the 4 FLOPs per parameter-token of LoRA: as many FLOPs as
    1.5x the tokens. Memory is taken as the supervised run's (see the README's known gaps).
    """
    setup = training_setup(block)
    per_token = FlopsRule.from_assumptions(c.assumptions).per_param_token(block.method, block.gradient_checkpointing)
    tokens = block.preference_pairs * block.tokens_per_pair * block.epochs
    equivalent = tokens * (per_token + c.value("dpo_reference_flops_per_param_token")) / per_token
    gpu = gpu_of(c, instance, field)
    return run_plan(arch, setup, sft.memory, gpu, instance.offering.gpu_count, equivalent, block.training_precision,
                    c.assumptions)


def optimizer_speed(setup: TrainingSetup, assumptions: Assumptions) -> float:
    """The share of its speed a full fine-tune keeps with 8-bit states or offloading (their measured costs); an
    adapter's states are too small for either to show."""
    return math.prod(value for value, _ in _optimizer_costs(setup, assumptions))


def _optimizer_costs(setup: TrainingSetup, assumptions: Assumptions) -> list[tuple[float, str]]:
    """Each speed factor a full fine-tune's optimizer settings bring, with the assumption it comes from."""
    if setup.method != "full":
        return []
    costs = []
    if setup.optimizer in EIGHT_BIT:
        costs.append((assumptions.optimizer_8bit_speed.value, "assumptions.optimizer_8bit_speed"))
    if setup.cpu_offload:
        costs.append((assumptions.cpu_offload_speed.value, "assumptions.cpu_offload_speed"))
    return costs


def run_plan(arch: Architecture, setup: TrainingSetup, memory: TrainingMemory, gpu: GpuSpec, gpus_per_instance: int,
             tokens: float, precision: Precision, assumptions: Assumptions) -> TrainingPlan:
    """Instances and hours of one run that fits: every GPU of the instances it needs trains, in parallel."""
    instances = vceil(memory.gpus_needed / gpus_per_instance)
    hfu, hfu_name = training_utilisation(gpu, precision, assumptions)
    rule = FlopsRule.from_assumptions(assumptions)
    time = training_time(
        model_parameters(arch), tokens, rule.per_param_token(setup.method, setup.gradient_checkpointing),
        # Values that do not fit have 0 instances, so they bill 0 hours whatever their time.
        gpu, vmax(instances, 1) * gpus_per_instance, hfu, precision, optimizer_speed(setup, assumptions),
        " x ".join(f"{name} {value:g}" for value, name in [(hfu, hfu_name), *_optimizer_costs(setup, assumptions)]),
    )
    return TrainingPlan(memory, instances, time, assumptions.training_run_overhead_hours.value, gpu.display_name)


def serving_replica(c: Costing, block: SelfHostedFineTune, arch: Architecture, gpu: GpuSpec,
                    prompt_tokens: int) -> ServingEstimate:
    """One replica of the block's model on ``gpu``: its batch (continuous batching), memory and speed; whether
    it fits is the caller's to check (``fits_each``)."""
    serving_gpu = ServingGpu.of(gpu, block.serving_precision)
    efficiency = Efficiency.from_assumptions(c.assumptions)
    tp_efficiency = c.value("tensor_parallel_efficiency")
    output_tokens = c.scenario.workload.output_tokens
    batch, why = continuous_batch(
        arch, serving_gpu, prompt_tokens, output_tokens, block.serving_precision, efficiency,
        c.value("framework_overhead_gib"), c.value("max_ms_per_output_token"), vround(c.value("serving_batch_size")),
        tp_efficiency)
    return dataclasses.replace(serving_estimate(
        arch, serving_gpu, batch, prompt_tokens, output_tokens, block.serving_precision, efficiency,
        c.value("framework_overhead_gib"), tp_efficiency), batch_reason=why)


def plan_serving(
    c: Costing, block: SelfHostedFineTune, arch: Architecture, instance: Resolved, prompt_tokens: int, field: str
) -> ServingPlan:
    """One replica's capacity and the replicas and instances each month's peak needs."""
    gpu = gpu_of(c, instance, field)
    replica = serving_replica(c, block, arch, gpu, prompt_tokens)
    c.check_fits(replica.fits_each, field, f"serving {block.model} on {gpu.display_name}: {replica.reason}")
    return serving_plan(c, block, replica, instance, gpu.display_name)


def serving_plan(c: Costing, block: SelfHostedFineTune, replica: ServingEstimate, instance: Resolved,
                 gpu_name: str) -> ServingPlan:
    """The replicas and instances each month's peak needs of ``replica`` on ``instance``."""
    # Traffic arrives while the service runs: over the month, or within business hours only.
    open_hours = c.value("business_hours_per_month" if block.serving_schedule == "business_hours" else
                         "hours_per_month")
    seconds = open_hours * SECONDS_PER_HOUR
    averages = tuple(r / seconds for r in c.requests)
    peaks = tuple(a * c.value("peak_to_average_requests") for a in averages)
    utilisation = c.value("serving_target_utilisation")
    replicas = tuple(replicas_needed(peak, replica, utilisation) for peak in peaks)
    per_instance = instance.offering.gpu_count
    if block.serving_instances is not None:
        instances = (block.serving_instances,) * len(peaks)
    else:
        instances = tuple(vceil(n * replica.tensor_parallel / per_instance) for n in replicas)
    share = block.adapter_share if block.hosting == "shared_adapter" else 1.0
    return ServingPlan(replica, peaks, replicas, instances, share, block.serving_instances is not None, averages,
                       gpu_name, block.serving_schedule, block.purchase, open_hours)
