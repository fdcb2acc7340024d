"""Which GPU instance trains and which serves a self-hosted model, when the scenario leaves it ``automatic``.

Every GPU instance in the price tables is a candidate, in a region the scenario's data residency allows
and sold to a new customer on the planning day. A candidate must hold the model; the cheapest one wins:

- **Training**: the run that fits (``planner.sizing.memory``) at the lowest on-demand cost of one run
  (instances x hours, overhead included): a bigger instance an hour can win by finishing sooner. A
  host's dedicated endpoint (``endpoint_only``) runs no training job and is passed by.
- **Serving**: a replica that fits, whose decode step stays within the latency target
  (``max_ms_per_output_token``) even one request at a time, sized for each month's peak; the cost is the
  horizon's hosting bill on the block's schedule, bought on demand or, over a horizon of a year or more,
  reserved for a year where that costs less (``purchase: automatic``; never spot, which can be
  interrupted). A host's dedicated endpoint can serve a team's own model, billed by the hour as an
  instance is. The schedule is the team's to set: it changes when the service answers (office hours
  only; a cold start after a quiet spell), so the search keeps it and a caution names a cheaper one.

Each choice keeps the runner-up and the limit that bound it (memory, the latency target, the peak
rate, or price alone). A choice the scenario makes itself is checked against the same search: costing
more than ``OVERSIZED_COST_RATIO`` times the cheapest that fits, or a fleet less than
``IDLE_SHARE`` busy, gets a caution naming the cheaper choice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from planner.core.draws import all_true, nonzero, shown
from planner.core.errors import FieldProblem
from planner.costs.costing import Costing
from planner.costs.lines import Approach
from planner.costs.self_hosted import ServingPlan, run_plan, serving_plan, serving_replica, training_setup
from planner.costs.training import PURCHASE_PRICES, hosting_lines
from planner.inputs.architecture import Architecture
from planner.inputs.option_edits import closed
from planner.inputs.price_tables import GpuSpec
from planner.inputs.pricebook import Resolved, open_model_hosts
from planner.inputs.regions import RESIDENCY_WORDS, within
from planner.inputs.scenario import AUTOMATIC, SelfHostedFineTune
from planner.sizing.memory import TrainingMemory, training_memory
from planner.sizing.serving import ServingEstimate

# A chosen instance costing more than this many times the cheapest that fits gets a caution (issue 25: an
# 8 x H100 instance serving a model one L4 holds, at twenty times the cost).
OVERSIZED_COST_RATIO = 2.0
# Serving replicas whose month-1 average traffic uses less than this share of their capacity get a caution
# naming a schedule that bills less (a fleet nine-tenths idle is mostly paid for waiting).
IDLE_SHARE = 0.10
# A run sharded over several instances (ZeRO-3 / FSDP across nodes) is planned only on instances of at least this
# many GPUs: nodes built for it, with a fast network between them (NeMo's 16-GPU runs are two 8-GPU DGX nodes); a
# run split over single-GPU cloud machines would wait on their network at every layer.
MULTI_NODE_GPUS = 8
# Purchase options the automatic choice may take: reserved only over a horizon of this many months or more,
# since a 1-year reservation is billed for the year whatever the plan's horizon.
RESERVATION_MONTHS = 12

# Why a candidate was passed by, or lost, as words after "N cheaper by the hour ...", and as a limit.
LIMIT_WORDS: dict[str, str] = {
    "memory": "cannot hold it within one instance", "latency": "miss the latency target",
    "no price": "have no price for the purchase", "no FP8": "have no FP8 arithmetic",
    "unknown GPU": "carry a GPU not in hardware.yaml", "replicas": "cost more over the horizon (more replicas)",
    "busy hours": "cost more over the horizon (more hours running)", "run time": "cost more a run (slower)",
}
# The same, of the one instance a scenario names.
RULED_ONE: dict[str, str] = {
    "memory": "cannot hold a replica within the instance", "latency": "misses the latency target",
    "no price": "has no price for the purchase", "no FP8": "has no FP8 arithmetic",
    "unknown GPU": "carries a GPU not in hardware.yaml"}
LIMIT_LABELS: dict[str, str] = {
    "memory": "memory", "latency": "the latency target", "replicas": "the peak request rate",
    "busy hours": "throughput", "run time": "run time", "no price": "the purchase", "no FP8": "FP8",
    "unknown GPU": "the hardware table"}


@dataclass(frozen=True)
class Candidate:
    """One instance (and purchase option) priced for the block: one run, or serving over the horizon."""

    ref: str  # provider/instance
    purchase: str  # on_demand or reserved (serving); on_demand (training)
    cost: float  # report currency: one run (training) or the horizon's hosting (serving); a range's mean
    hourly: float  # the instance's on-demand price an hour, report currency
    words: str  # "aws/g6.xlarge (1 x NVIDIA L4 24GB)"
    replicas: int = 1  # serving: replicas at the busiest month's peak (the most over a range's values)
    rate: float = math.nan  # its purchase's price an hour, report currency (serving)
    why: str = ""  # the scenario's own, left unpriced by the search: why ("misses the latency target")

    @property
    def priced(self) -> bool:
        """Whether the search priced it (the scenario's own may be outside it)."""
        return math.isfinite(self.cost)

    def described(self, currency: str, per: str = "") -> str:
        """The candidate and its cost in words (or why it was not priced)."""
        if not self.priced:
            return f"{self.words}{f' ({self.why})' if self.why else ''}"
        bought = "" if self.purchase == "on_demand" else f", {self.purchase.replace('_', ' ')} 1 year"
        return f"{self.words}{bought}: {self.cost:,.2f} {currency}{f' {per}' if per else ''}"


@dataclass(frozen=True)
class GpuChoice:
    """The instance chosen for training or serving, the runner-up, and what bound the choice."""

    kind: Literal["training", "serving"]
    chosen: Candidate
    cheapest: Candidate | None  # the cheapest that fits (the chosen one when automatic); None: nothing does
    runner_up: Candidate | None
    # automatic: the limit, in words (why nothing cheaper by the hour); the scenario's: the cheapest beside it
    bound: str
    automatic: bool
    considered: int  # candidates within the scenario's residency
    currency: str  # of the candidates' costs: the report currency
    how: str = ""  # how it was chosen, in words; default: automatically, or set in the scenario

    @property
    def per(self) -> str:
        """What a candidate's cost covers."""
        return "a run" if self.kind == "training" else "over the horizon"

    def lines(self) -> list[str]:
        """The choice in a few lines of text.

        >>> pick = Candidate("aws/g6.xlarge", "on_demand", 1.5, 0.8, "aws/g6.xlarge (1 x NVIDIA L4 24GB)")
        >>> GpuChoice("training", pick, pick, None, "memory", True, 40, "USD").lines()
        ['training instance chosen automatically: aws/g6.xlarge (1 x NVIDIA L4 24GB): 1.50 USD a run; bound by memory']
        """
        how = self.how or ("chosen automatically" if self.automatic else "set in the scenario")
        why = f"bound by {self.bound}" if self.automatic else self.bound
        out = [f"{self.kind} instance {how}: {self.chosen.described(self.currency, self.per)}; {why}"]
        # beside the scenario's own choice, the cheapest is already named: a runner-up line would repeat it
        if self.runner_up is not None and (self.automatic or self.runner_up != self.cheapest):
            out.append(f"{self.kind} runner-up: {self.runner_up.described(self.currency, self.per)}")
        return out


class Offered(NamedTuple):
    """A candidate instance, its on-demand price an hour in the report currency, and its GPU's datasheet."""

    ref: str
    instance: Resolved
    hourly: float
    gpu: GpuSpec


def _candidates(c: Costing, ruled: list[tuple[str, float, str]], provider: str | None = None,
                trains: bool = False) -> Iterator[Offered]:
    """Every GPU instance in the tables (``provider``'s only, if given) in the scenario's residency and sold on the
    planning day; to ``trains``, not a host's dedicated endpoint (``endpoint_only``), which runs no training job.
    One whose GPU the hardware table lacks is ``ruled`` out, not offered."""
    residency = c.scenario.project.data_residency
    for name, table in c.book.tables.items():
        if provider is not None and name != provider:
            continue
        for instance_id, instance in table.gpu_instances.items():
            if trains and instance.endpoint_only:
                continue
            if within(instance.region, residency) and not closed(instance, c.planned_on):
                ref = f"{name}/{instance_id}"
                found = c.resolve(c.book.gpu_instance, ref)
                hourly = _hourly(c, found)
                try:
                    gpu = c.book.gpu_spec(instance.gpu)
                except LookupError:
                    ruled.append((ref, hourly, "unknown GPU"))
                    continue
                yield Offered(ref, found, hourly, gpu)


def _unpriced(ref: str, ruled: list[tuple[str, float, str]], purchase: str = "on_demand") -> Candidate:
    """The scenario's own instance where the search did not price it, with why: ruled out (it misses the latency
    target, say), or outside the search (another region than the scenario allows, not sold to new customers). The
    plan then costs it as given, or says why it cannot."""
    limit = next((limit for other, _, limit in ruled if other == ref), None)
    why = f"it {RULED_ONE[limit]}" if limit else "outside the instances the scenario allows: its region or its sale"
    return Candidate(ref, purchase, math.nan, math.nan, ref, why=why)


def _considered(ruled: list[tuple[str, float, str]], priced: list[Candidate]) -> int:
    """The instances a search looked at: each was either ruled out or priced (perhaps more than once)."""
    return len({ref for ref, _, _ in ruled} | {candidate.ref for candidate in priced})


def _mean(value: float) -> float:
    """A figure, or a range's mean: candidates are ranked by their expected cost."""
    return float(np.mean(value))


def _words(ref: str, instance: Resolved, gpu: GpuSpec) -> str:
    return f"{ref} ({instance.offering.gpu_count} x {gpu.display_name})"


def busy(share: float) -> str:
    """A share of capacity in use, for people: whole percents, and "under 1%" rather than "0%".

    >>> busy(0.004), busy(0.07)
    ('under 1%', '7%')
    """
    return "under 1%" if share < 0.01 else f"{share:.0%}"


def _hourly(c: Costing, instance: Resolved) -> float:
    return c.convert(instance.price("per_hour", "instance-hour"))[0]


def _nowhere(c: Costing) -> str:
    residency = c.scenario.project.data_residency
    return "" if residency == "anywhere" else f" within {RESIDENCY_WORDS[residency]}"


def _bound(chosen: Candidate, priced: list[Candidate], ruled: list[tuple[str, float, str]], why_dearer: str,
           fallback: str) -> str:
    """Why no instance cheaper an hour than ``chosen`` (at the price it is bought at) was chosen, in words: each
    cheaper instance counted once, by why it was passed by or lost."""
    rate = chosen.rate if math.isfinite(chosen.rate) else chosen.hourly
    limits: dict[str, str] = {}
    for ref, hourly, limit in ruled:
        if hourly < rate:
            limits.setdefault(ref, limit)
    for other in priced:
        if other.ref != chosen.ref and other.hourly < rate and other.cost > chosen.cost:
            limits.setdefault(other.ref, why_dearer)
    counts: dict[str, int] = {}
    for limit in limits.values():
        counts[limit] = counts.get(limit, 0) + 1
    if not counts:
        return fallback
    main = max(counts, key=lambda limit: counts[limit])
    detail = "; ".join(f"{n} cheaper by the hour {LIMIT_WORDS[limit]}" for limit, n in counts.items())
    return f"{LIMIT_LABELS[main]} ({detail})"


def _own(chosen: Candidate, cheapest: Candidate | None, currency: str, per: str) -> str:
    """How a choice the scenario made compares with the cheapest that fits."""
    if cheapest is None:
        return "nothing in the tables fits within the scenario's limits"
    if cheapest.ref == chosen.ref:
        return "also the cheapest that fits"
    return f"the cheapest that fits is {cheapest.described(currency, per)}"


def choose_training(c: Costing, block: SelfHostedFineTune, arch: Architecture, field: str) -> GpuChoice:
    """The instance whose one run of ``block`` costs least on demand, of those that hold it (or the scenario's own,
    checked against that); no instance holding it is a problem at ``field``. Once per estimate for each run: a
    hybrid trains as its fine-tune does."""
    try:
        # the architecture by identity: the catalogue's object, or the scenario's, lives through the estimate
        key = ("training", id(arch), block.model, block.training_gpu, block.training_tokens, training_setup(block),
               block.training_precision)
        hash(key)
    except TypeError:  # a range's arrays: worked out each time
        return _choose_training(c, block, arch, field)
    found = c.memo.get(key)
    if found is None:
        found = c.memo[key] = _choose_training(c, block, arch, field)
    return found


def _choose_training(c: Costing, block: SelfHostedFineTune, arch: Architecture, field: str) -> GpuChoice:
    setup = training_setup(block)
    overhead = c.value("framework_overhead_gib")
    priced: list[Candidate] = []
    ruled: list[tuple[str, float, str]] = []
    memory_of: dict[str, TrainingMemory] = {}
    for ref, instance, hourly, gpu in _candidates(c, ruled, trains=True):
        if block.training_precision == "fp8" and gpu.fp8_tflops is None:
            ruled.append((ref, hourly, "no FP8"))
            continue
        memory = memory_of.get(instance.offering.gpu)
        if memory is None:
            memory = memory_of[instance.offering.gpu] = training_memory(arch, setup, gpu, overhead)
        count = instance.offering.gpu_count
        # A run sharded over several instances needs nodes built for it (MULTI_NODE_GPUS).
        if not all_true(memory.fits_each) or (count < MULTI_NODE_GPUS and nonzero(memory.gpus_needed > count)):
            ruled.append((ref, hourly, "memory"))
            continue
        plan = run_plan(arch, setup, memory, gpu, count, block.training_tokens, block.training_precision,
                        c.assumptions)
        cost = _mean(plan.instance_hours) * hourly
        instances = int(np.max(plan.instances))
        words = _words(ref, instance, gpu) if instances == 1 else f"{instances} x {_words(ref, instance, gpu)}"
        priced.append(Candidate(ref, "on_demand", cost, hourly, words, rate=hourly))
    automatic = block.training_gpu == AUTOMATIC
    if not priced and automatic:
        fp8 = "; training_precision bf16 (no GPU here has FP8)" if any(r[2] == "no FP8" for r in ruled) else ""
        raise FieldProblem(field, (
            f"no GPU instance in the price tables{_nowhere(c)} holds {block.method} training of {block.model}: "
            "try method qlora, an 8-bit or paged optimizer, the optimizer step in the backward pass, CPU offload, a "
            f"smaller model, or a shorter tokens_per_example or micro_batch{fp8}"))
    priced.sort(key=lambda candidate: (candidate.cost, candidate.ref))
    chosen = priced[0] if automatic else next((p for p in priced if p.ref == block.training_gpu), None)
    if chosen is None:  # the scenario's own, outside the search: the plan costs it as given, or says why not
        chosen = _unpriced(str(block.training_gpu), ruled)
    cheapest = priced[0] if priced else None
    runner_up = next((p for p in priced if p.ref != chosen.ref), None)
    bound = _bound(chosen, priced, ruled, "run time",
                   "price (the lowest hourly price of those that hold the run)") if automatic else _own(
        chosen, cheapest, c.currency, "a run")
    return GpuChoice("training", chosen, cheapest, runner_up, bound, automatic, _considered(ruled, priced),
                     c.currency)


def _purchases(c: Costing, block: SelfHostedFineTune, instance: Resolved) -> list[str]:
    """The purchase options to price: the block's own, or on demand and, where it can pay, reserved."""
    if block.purchase != AUTOMATIC:
        return [block.purchase]
    reserve = (c.months >= RESERVATION_MONTHS and block.serving_schedule == "always_on"
               and instance.offering.reserved_per_hour is not None)
    return ["on_demand", "reserved"] if reserve else ["on_demand"]


def with_purchase(block: SelfHostedFineTune, purchase: str) -> SelfHostedFineTune:
    """``block`` bought as ``purchase`` (constructed, not validated: a range's inputs are arrays)."""
    return block.model_copy(update={"purchase": purchase})


def _serving_cost(c: Costing, option: Approach, plan: ServingPlan, instance: Resolved) -> float:
    return _mean(sum(line.horizon_amount for line in hosting_lines(c, option, plan, instance)))


def choose_serving(c: Costing, option: Approach, block: SelfHostedFineTune, arch: Architecture, prompt_tokens: int,
                   fixed: str | None, field: str, provider: str | None = None, how: str = "") -> GpuChoice:
    """The instance and purchase that serve the block's peak within the latency target for least over the
    horizon (or ``fixed``, the scenario's own, checked against that), of ``provider``'s instances if given (a
    host's dedicated endpoints); none is a problem at ``field`` (at ``purchase`` when none has its price)."""
    max_ms = c.value("max_ms_per_output_token")
    priced: list[Candidate] = []
    ruled: list[tuple[str, float, str]] = []
    replica_of: dict[str, ServingEstimate] = {}
    plan_of: dict[tuple[str, int], ServingPlan] = {}
    for ref, instance, hourly, gpu in _candidates(c, ruled, provider):
        replica = replica_of.get(instance.offering.gpu)
        if replica is None:
            replica = replica_of[instance.offering.gpu] = serving_replica(c, block, arch, gpu, prompt_tokens)
        # Tensor parallelism runs within one instance, over its GPUs' own links: a replica split across instances
        # would wait on the network at every layer (pipeline parallelism, which is not modelled).
        if not all_true(replica.fits_each) or nonzero(replica.tensor_parallel > instance.offering.gpu_count):
            ruled.append((ref, hourly, "memory"))
            continue
        if nonzero(replica.decode_ms_per_token > max_ms):
            ruled.append((ref, hourly, "latency"))
            continue
        purchases = _purchases(c, block, instance)
        # The replicas depend on the GPU and how many an instance has, not on how it is bought.
        sized = plan_of.get((instance.offering.gpu, instance.offering.gpu_count))
        if sized is None:
            sized = plan_of[instance.offering.gpu, instance.offering.gpu_count] = serving_plan(
                c, block, replica, instance, gpu.display_name)
        peak_replicas = int(np.max(np.asarray(sized.replicas)))
        for purchase in purchases:
            price = getattr(instance.offering, PURCHASE_PRICES[purchase])
            if price is None:
                ruled.append((ref, hourly, "no price"))
                continue
            plan = dataclasses.replace(sized, purchase=purchase)
            rate = c.convert(instance.price(PURCHASE_PRICES[purchase], "instance-hour"))[0]
            priced.append(Candidate(ref, purchase, _serving_cost(c, option, plan, instance), hourly,
                                    _words(ref, instance, gpu), peak_replicas, rate))
    if not priced and fixed is None:
        raise _nothing_serves(c, block, field, provider, _considered(ruled, priced), ruled)
    priced.sort(key=lambda candidate: (candidate.cost, candidate.ref, candidate.purchase))
    if fixed is None:
        chosen = priced[0]
    else:
        own = [p for p in priced if p.ref == fixed]
        fallback = "on_demand" if block.purchase == AUTOMATIC else block.purchase
        chosen = own[0] if own else _unpriced(fixed, ruled, fallback)
    cheapest = priced[0] if priced else None
    # The runner-up is another instance: the same one bought another way is not an alternative worth a line.
    runner_up = next((p for p in priced if p.ref != chosen.ref), None)
    n = chosen.replicas
    replicas = f"{n} replica{'' if n == 1 else 's'} at the busiest month's peak"
    # Scaled to zero, an instance bills the hours it runs: what it serves an hour decides, not the peak.
    dearer = "busy hours" if block.serving_schedule == "scale_to_zero" else "replicas"
    bound = _bound(chosen, priced, ruled, dearer,
                   f"price (the lowest hourly price of those that hold it; {replicas})") if fixed is None else _own(
        chosen, cheapest, c.currency, "over the horizon")
    return GpuChoice("serving", chosen, cheapest, runner_up, bound, fixed is None, _considered(ruled, priced),
                     c.currency, how)


def _nothing_serves(c: Costing, block: SelfHostedFineTune, field: str, provider: str | None, considered: int,
                    ruled: list[tuple[str, float, str]]) -> FieldProblem:
    """Why no instance serves the block, from what ruled each out, at the field that would change it."""
    where = _nowhere(c)
    max_ms = shown(c.value("max_ms_per_output_token"))
    counts: dict[str, int] = {}
    for _, _, limit in ruled:
        counts[limit] = counts.get(limit, 0) + 1
    detail = "; ".join(f"{n} {LIMIT_WORDS[limit]}" for limit, n in counts.items())
    if provider is not None:  # a host's dedicated endpoints: the host's own words
        regions = "" if c.scenario.project.data_residency == "anywhere" else (
            " (a host's endpoints count only where its table states a region)")
        return FieldProblem(field, f"{provider} has no dedicated endpoint{where} that serves {block.model}"
                                   f"{f' ({detail})' if detail else ''}: choose another host or route{regions}")
    if not considered:
        return FieldProblem(field, f"no GPU instance in the price tables runs{where}: add one to a table, or change "
                                   "where data must stay")
    if "no price" in counts:  # those that hold the model within the latency target lack the purchase's price
        return FieldProblem(field.rsplit(".", 1)[0] + ".purchase", (
            f"no GPU instance in the price tables{where} that serves {block.model} has a {block.purchase} price: buy "
            "on demand, or automatic"))
    main = max(counts, key=lambda limit: counts[limit])
    remedy = {"latency": f"serving_precision fp8 or int4, a smaller model, or a max_ms_per_output_token above "
                         f"{max_ms:g} ms", "memory": "serving_precision fp8 or int4, or a smaller model"}.get(
        main, "another model or precision")
    return FieldProblem(field, f"no GPU instance in the price tables{where} serves {block.model} at "
                               f"{block.serving_precision} ({detail}): try {remedy}")


def cautions(c: Costing, option: Approach, choices: list[GpuChoice], plan: ServingPlan, used: float | None,
             instance: Resolved, now: float, model: str) -> list[str]:
    """Warnings about the scenario's own choices, each with the cheaper or working choice: an instance costing more
    than ``OVERSIZED_COST_RATIO`` times the cheapest that fits; one the search ruled out (it misses the latency
    target, say) yet costed as set; serving replicas less than ``IDLE_SHARE`` busy, where scaling to zero bills
    less (``now``: what the plan bills over the horizon)."""
    out = []
    currency = c.currency
    for choice in choices:
        chosen, best = choice.chosen, choice.cheapest
        if choice.automatic:
            continue
        if not chosen.priced and chosen.why.startswith("it "):
            better = f": the cheapest that fits is {best.described(currency, choice.per)}" if best else ""
            out.append(f"{choice.kind} on {chosen.ref}: {chosen.why[3:]}, yet it is costed as set{better}")
        elif best is not None and best.cost > 0 and chosen.cost > OVERSIZED_COST_RATIO * best.cost:
            out.append(f"{choice.kind} on {chosen.words} costs {chosen.cost:,.2f} {currency} {choice.per}, "
                       f"{chosen.cost / best.cost:.1f}x the cheapest that fits, {best.described(currency, choice.per)}"
                       f": choose automatic {choice.kind} GPUs, or {best.ref}")
    if used is not None and used < IDLE_SHARE and plan.schedule != "scale_to_zero":
        # Scaled to zero, the instances are bought by the hour they run: on demand, not reserved.
        scaled = _serving_cost(c, option, dataclasses.replace(plan, schedule="scale_to_zero", purchase="on_demand"),
                               instance)
        if scaled < now:
            hosts = [host for host in open_model_hosts(c.book) if c.book.serverless_lora(host, model) is not None]
            per_token = f"; {' and '.join(hosts)} serve it per token, billing only the tokens" if hosts else ""
            out.append(f"the serving replicas are {busy(used)} busy in month 1: scaled to zero when idle (the serving "
                       f"schedule) they would bill {scaled:,.2f} {currency} over the horizon instead of {now:,.2f}, "
                       f"with a cold start of about {shown(c.value('cold_start_seconds')):g} s after a quiet spell"
                       f"{per_token}")
    return out
