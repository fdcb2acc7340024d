"""Training: per-iteration cost of fine-tuning by API or on own GPUs, and retraining after launch."""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.draws import divide_or_zero, nonzero, vround
from planner.core.errors import FieldProblem
from planner.costs.costing import TOKENS_PER_MILLION, Costing, Work
from planner.costs.evaluation import evaluation_work
from planner.costs.lines import PERSON_HOURS, Approach, LineItem, lower_first
from planner.costs.self_hosted import ServingPlan, TrainingPlan
from planner.costs.training_data import correction_work
from planner.inputs.pricebook import Price, Resolved
from planner.inputs.scenario import FineTuneBlock


@dataclass(frozen=True)
class TrainingRun:
    """One training run: its billed quantity and price, and how the quantity was worked out."""

    quantity: float
    unit: str
    price: Price
    basis: str


def api_run(block: FineTuneBlock, prices: Resolved) -> TrainingRun:
    """An API fine-tuning run, billed per million training tokens.

    1,000 examples x 600 tokens x 3 epochs = 1.8 million tokens x $3.00 = $5.40.
    """
    tokens = block.training_tokens
    return TrainingRun(
        tokens / TOKENS_PER_MILLION, "million training tokens",
        prices.price("training_per_million_tokens", "million training tokens"),
        f"examples ({block.examples:,}) x tokens_per_example ({block.tokens_per_example:,}) x "
        f"epochs ({block.epochs})",
    )


def self_hosted_run(plan: TrainingPlan, instance: Resolved) -> TrainingRun:
    """A run on rented GPU instances, in instance-hours: compute time plus fixed overhead.

    Compute: FLOPs = k x parameters x tokens (k = 6 for full training, 4 with a frozen base, +2 with
    gradient checkpointing) over GPUs x dense peak x MFU (Kaplan et al. 2020; EleutherAI, Transformer
    Math 101). 8B parameters, LoRA without checkpointing, 1.8 million tokens on one H100 (989 TFLOPS) at 30% MFU:
    4 x 8e9 x 1.8e6 / (989e12 x 0.3) = 194 s, plus the per-run overhead.
    """
    time, memory = plan.time, plan.memory
    return TrainingRun(
        plan.instance_hours, "instance-hours", instance.price("per_hour", "instance-hour"),
        f"{time.flops:.3g} FLOPs / ({time.gpus} GPUs x {time.peak_tflops:g} TFLOPS x assumptions.training_mfu "
        f"{time.mfu:g}) = {time.hours:.3g} h + assumptions.training_run_overhead_hours ({plan.overhead_hours:g}), "
        f"x {plan.instances} instance(s); memory {memory.total:.1f} GiB per GPU ({memory.reason})",
    )


def api_preference_run(block: FineTuneBlock, prices: Resolved, field: str) -> TrainingRun:
    """A DPO run by API, billed per million training tokens at the preference-training price.

    1,000 pairs x 1,000 tokens x 3 epochs = 3 million tokens.
    """
    if getattr(prices.offering, "preference_training_per_million_tokens", None) is None:
        raise FieldProblem(field, (
            f"{prices.key} has no preference (DPO) training price in the tables: cost DPO on the self_hosted "
            "route, add preference_training_per_million_tokens to the table, or set preference_pairs to 0"))
    tokens = block.preference_pairs * block.tokens_per_pair * block.epochs
    return TrainingRun(
        tokens / TOKENS_PER_MILLION, "million training tokens",
        prices.price("preference_training_per_million_tokens", "million training tokens"),
        f"preference_pairs ({block.preference_pairs:,}) x tokens_per_pair ({block.tokens_per_pair:,}) x "
        f"epochs ({block.epochs})",
    )


def training_lines(c: Costing, approach: Approach, run: TrainingRun, iterations: int,
                   item: str = "Training runs") -> list[LineItem]:
    """The run's cost once per iteration."""
    return [
        c.one_time(approach, "training", f"{item} ({iterations})", run.quantity * iterations,
                   run.unit, run.price, f"{run.basis}; x {iterations} iterations")
    ]


def retrain_every_months(c: Costing, block: FineTuneBlock) -> int:
    """Months between retraining runs: the scenario's value, else the assumption; 0 = never."""
    if block.retrain_every_months is not None:
        return block.retrain_every_months
    return vround(c.value("retrain_every_months"))


def retraining_lines(c: Costing, approach: Approach, run: TrainingRun, block: FineTuneBlock,
                     judge: Resolved) -> list[LineItem]:
    """Every ``retrain_every_months``: a training run and its engineer hours, an expert's review of the
    examples corrected in production, and an evaluation round; each spread evenly over the months.

    A $5.40 run every 3 months adds $1.80 a month.
    """
    every = retrain_every_months(c, block)
    if not nonzero(every):
        return []
    hours = c.value("engineer_hours_per_training_run")
    cadence = f"/ {every} months between retraining"
    work = [
        Work("Retraining run", run.quantity, run.unit, run.price, run.basis),
        Work("Retraining: launch and analysis", hours, PERSON_HOURS, c.rate("ml_engineer"),
             f"assumptions.engineer_hours_per_training_run ({hours:g})"),
        correction_work(c, block),
        *(Work(f"Retraining evaluation: {lower_first(w.item)}", w.quantity, w.unit, w.price, w.basis)
          for w in evaluation_work(c, judge, 1, "1 round")),
    ]
    return [c.monthly(approach, "retraining", f"{w.item} (amortised)", [divide_or_zero(w.quantity, every)] * c.months,
                      w.unit, w.price, f"{w.basis} {cadence}") for w in work]


def hosting_lines(c: Costing, approach: Approach, plan: ServingPlan, instance: Resolved) -> list[LineItem]:
    """Serving instances kept running all month: instances x hours per month x hourly price (x share)."""
    hours = c.value("hours_per_month")
    replica = plan.replica
    if plan.fixed:
        sizing = "serving_instances set in the scenario"
    else:
        sizing = (
            f"month 1: peak {plan.peak_requests_per_second[0]:.3g} requests/s (assumptions.peak_to_average_requests)"
            f" / ({replica.requests_per_second:.3g} requests/s per replica of {replica.tensor_parallel} GPU(s), "
            f"batch {replica.batch} x assumptions.serving_target_utilisation) = {plan.replicas[0]} replica(s)"
        )
    share = f" x adapter_share {plan.share:g}" if plan.share != 1 else ""
    return [
        c.monthly(approach, "hosting", "Serving instances", [n * hours * plan.share for n in plan.instances],
                  "instance-hours", instance.price("per_hour", "instance-hour"),
                  f"{plan.instances[0]} instance(s) x assumptions.hours_per_month ({hours:g}){share}; {sizing}")
    ]
