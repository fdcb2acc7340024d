"""Training: per-iteration cost of fine-tuning by API or on own GPUs, and retraining after launch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.draws import divide_or_zero, is_many, nonzero, vceil, vmax
from planner.core.errors import FieldProblem
from planner.costs.costing import TOKENS_PER_MILLION, Costing, Work
from planner.costs.evaluation import evaluation_work
from planner.costs.lines import PERSON_HOURS, Approach, LineItem, lower_first
from planner.costs.self_hosted import ServingPlan, TrainingPlan
from planner.costs.training_data import correction_work
from planner.inputs.pricebook import Price, Resolved
from planner.inputs.scenario import FineTuneBase
from planner.sizing.compute import SECONDS_PER_HOUR


@dataclass(frozen=True)
class TrainingRun:
    """One training run: its billed quantity and price, and how the quantity was worked out."""

    quantity: float
    unit: str
    price: Price
    basis: str


def api_run(block: FineTuneBase, prices: Resolved) -> TrainingRun:
    """An API fine-tuning run, billed per million training tokens, and at least the provider's minimum a job.

    1,000 examples x 600 tokens x 3 epochs = 1.8 million tokens x $3.00 = $5.40.
    """
    return per_token_run(block, prices)


def per_token_run(block: FineTuneBase, prices: Resolved) -> TrainingRun:
    """A run billed per million training tokens at ``prices``' training price, and at least its
    ``minimum_per_job``: a job below the minimum is billed as the tokens the minimum buys.

    1.8 million tokens x $0.48 = $0.86; with a $4.00 minimum a job, 8.33 million tokens x $0.48 = $4.00.
    """
    tokens = block.training_tokens / TOKENS_PER_MILLION
    price = prices.price("training_per_million_tokens", "million training tokens")
    minimum = getattr(prices.offering, "minimum_per_job", 0.0)
    basis = (f"examples ({block.examples:,}) x tokens_per_example ({block.tokens_per_example:,}) x "
             f"epochs ({block.epochs})")
    if minimum and price.value and nonzero(tokens * price.value < minimum):
        # Billed as if the job had the tokens its minimum charge buys (value by value for a range).
        billed = vmax(tokens, minimum / price.value)
        return TrainingRun(billed, "million training tokens", price,
                           f"{basis}; the minimum of {minimum:,.2f} {price.currency} a job bills at least "
                           f"{minimum / price.value:,.3g} million tokens")
    return TrainingRun(tokens, "million training tokens", price, basis)


def self_hosted_run(plan: TrainingPlan, instance: Resolved) -> TrainingRun:
    """A run on rented GPU instances, in instance-hours: compute time plus fixed overhead.

    Compute: FLOPs = k x parameters x tokens (k = 6 for full training, 4 with a frozen base, +2 with
    gradient checkpointing) over GPUs x dense peak x HFU (Kaplan et al. 2020; EleutherAI, Transformer
    Math 101). 8B parameters, LoRA without checkpointing, 1.8 million tokens on one H100 (989 TFLOPS) at 30% HFU:
    4 x 8e9 x 1.8e6 / (989e12 x 0.3) = 194 s, plus the per-run overhead.
    """
    time, memory = plan.time, plan.memory
    return TrainingRun(
        plan.instance_hours, "instance-hours", instance.price("per_hour", "instance-hour"),
        f"{time.flops:.3g} FLOPs / ({time.gpus} GPUs x {time.peak_tflops:g} TFLOPS x {time.basis}) = "
        f"{time.hours:.3g} h "
        f"+ assumptions.training_run_overhead_hours ({plan.overhead_hours:g}), "
        f"x {plan.instances} instance(s); memory {memory.total:.1f} GiB per GPU ({memory.reason})",
    )


def hosted_run(block: FineTuneBase, band: Resolved) -> TrainingRun:
    """A run by a host of open models, billed per million training tokens at its size band's price, and
    at least the band's minimum per job.

    1,000 examples x 600 tokens x 3 epochs = 1.8 million tokens x $0.48 = $0.86 a run.
    """
    return per_token_run(block, band)


def api_preference_run(block: FineTuneBase, prices: Resolved, field: str) -> TrainingRun:
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


def retrain_every_months(c: Costing, block: FineTuneBase) -> int:
    """Months between retraining runs: the scenario's value, else the assumption; 0 = never."""
    return c.given_or_assumed(block.retrain_every_months, "retrain_every_months", whole=True)


def retraining_lines(c: Costing, approach: Approach, run: TrainingRun, block: FineTuneBase,
                     judge: Resolved) -> list[LineItem]:
    """Every ``retrain_every_months`` after launch: a training run and its engineer hours, an expert's review of
    the examples corrected in production, and an evaluation round, each billed in the month it falls in.

    Retraining every 3 months over a 12-month horizon falls in months 3, 6, 9 and 12: a $5.40 run costs
    $5.40 in each of them and nothing in the others. Every 5 months over 12, it falls twice (months 5 and 10).
    """
    every = retrain_every_months(c, block)
    if not nonzero(every):
        return []
    hours = c.value("engineer_hours_per_training_run")
    counts = retraining_counts(every, c.months)
    work = [
        Work("Retraining run", run.quantity, run.unit, run.price, run.basis),
        Work("Retraining: launch and analysis", hours, PERSON_HOURS, c.rate("ml_engineer"),
             f"assumptions.engineer_hours_per_training_run ({hours:g})"),
        correction_work(c, block),
        *(Work(f"Retraining evaluation: {lower_first(w.item)}", w.quantity, w.unit, w.price, w.basis)
          for w in evaluation_work(c, judge, 1, "1 round")),
    ]
    when = _retraining_months(every, counts)
    return [c.monthly(approach, "retraining", w.item, [w.quantity * n for n in counts], w.unit, w.price,
                      f"{w.basis}; {when}") for w in work]


def retraining_counts(every: Any, months: int) -> list[Any]:
    """How many retraining rounds fall in each month of the horizon (from month 1), one every ``every`` months
    after launch (a range's draws of the cadence may be real numbers: a round falls in the month its multiple
    of ``every`` does; 0 = never).

    >>> retraining_counts(3, 7)
    [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    >>> sum(retraining_counts(5, 12))
    2.0
    """
    every = np.asarray(every, dtype=float)
    safe = np.where(every > 0, every, np.inf)
    counts = [np.floor((index + 1) / safe) - np.floor(index / safe) for index in range(months)]
    return [float(n) if n.ndim == 0 else n for n in counts]


def _retraining_months(every: Any, counts: list[Any]) -> str:
    """When retraining falls, in words: "in months 3, 6, 9 and 12 (every 3 months)"."""
    if is_many(every):
        return "in the months each draw of retrain_every_months falls in"
    months = [str(index + 1) for index, n in enumerate(counts) if n]
    if not months:
        return f"every {every:g} months: none falls within the horizon"
    listed = months[0] if len(months) == 1 else f"{', '.join(months[:-1])} and {months[-1]}"
    return f"in month{'s' if len(months) > 1 else ''} {listed} (every {every:g} months after launch)"


PURCHASE_PRICES = {"on_demand": "per_hour", "reserved": "reserved_per_hour", "spot": "spot_per_hour"}


def hosting_lines(c: Costing, approach: Approach, plan: ServingPlan, instance: Resolved,
                  field: str = "") -> list[LineItem]:
    """Serving instances: instances x hours billed a month x the hourly price of the purchase option (x share).

    Hours billed: always on, the month's hours; business hours, ``business_hours_per_month``; scale to
    zero, only the hours the replicas are busy (the month's requests over what the replicas serve an
    hour at the target utilisation). A 1-year reservation bills every hour of the month, used or not.
    """
    price_field = PURCHASE_PRICES[plan.purchase]
    if getattr(instance.offering, price_field, None) is None:
        raise FieldProblem(field, f"{instance.key} has no {price_field} in its table: buy it on_demand, or add the "
                                  "price")
    month_hours = c.value("hours_per_month")
    replica = plan.replica
    per_replica = vceil(replica.tensor_parallel / instance.offering.gpu_count)
    if plan.purchase == "reserved":
        quantities = [n * month_hours * plan.share for n in plan.instances]
        schedule = (f"{plan.instances[0]} instance(s) x assumptions.hours_per_month ({month_hours:g}): a reservation "
                    "bills every hour")
    elif plan.schedule == "scale_to_zero" and not plan.fixed:
        capacity = replica.requests_per_second * SECONDS_PER_HOUR * c.value("serving_target_utilisation")
        quantities = [divide_or_zero(r, capacity) * per_replica * plan.share for r in c.requests]
        schedule = (f"requests / ({replica.requests_per_second:.3g} requests/s a replica x 3,600 x "
                    f"assumptions.serving_target_utilisation) busy replica-hours x {per_replica} instance(s) a "
                    f"replica; scaled to zero when idle, so a request after a quiet spell waits about "
                    f"{c.value('cold_start_seconds'):g} s (assumptions.cold_start_seconds) for a cold start")
    else:
        hours = plan.open_hours
        quantities = [n * hours * plan.share for n in plan.instances]
        name = "business_hours_per_month" if plan.schedule == "business_hours" else "hours_per_month"
        schedule = f"{plan.instances[0]} instance(s) x assumptions.{name} ({hours:g})"
    spot = "; spot instances can be interrupted: keep a fallback" if plan.purchase == "spot" else ""
    if plan.fixed:
        sizing = "serving_instances set in the scenario"
    else:
        sizing = (
            f"month 1: peak {plan.peak_requests_per_second[0]:.3g} requests/s (assumptions.peak_to_average_requests)"
            f" / ({replica.requests_per_second:.3g} requests/s per replica of {replica.tensor_parallel} GPU(s), "
            f"batch {replica.batch} x assumptions.serving_target_utilisation) = {plan.replicas[0]} replica(s)"
        )
    share = f" x adapter_share {plan.share:g}" if plan.share != 1 else ""
    label = {"on_demand": "on demand", "reserved": "reserved 1 year", "spot": "spot"}[plan.purchase]
    return [
        c.monthly(approach, "hosting", f"Serving instances ({label})", quantities, "instance-hours",
                  instance.price(price_field, "instance-hour"), f"{schedule}{share}; {sizing}{spot}")
    ]
