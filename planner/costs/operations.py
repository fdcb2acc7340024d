"""Life after launch: the monthly costs of running an approach, the launch work personal data and
fine-tuned models need, and moving a fine-tuned model to a new base model.

- **Operating** (every approach, monthly): MLOps hours (on-call, monitoring, incidents; more on own
  GPUs), ML-engineer upkeep (more with a retrieval pipeline), online evaluation (an LLM judge on a
  share of production requests and an expert reviewing flagged outputs), and the operations
  services the scenario names (tracing, moderation), at their fees and usage prices.
- **Launch** (one-time): a privacy review (DPIA) when personal data is processed, and a redaction
  check of each training example; a model registry and retraining pipeline for fine-tuned models.
- **Base-model change** (fine-tuned approaches): when the tuned model's base retires inside the plan
  (its ``deprecation_date``), or every ``base_model_change_every_months``, a new training run, its
  engineer hours, an evaluation round and a share of the data work, billed in the month it falls in.
"""

from __future__ import annotations

import datetime
from typing import Any

from planner.core.draws import vmax
from planner.costs.costing import TOKENS_PER_MILLION, Costing, Work
from planner.costs.effort import MINUTES_PER_HOUR
from planner.costs.evaluation import evaluation_work
from planner.costs.lines import MONTHS_PER_YEAR, PERSON_HOURS, Approach, LineItem, lower_first
from planner.costs.retirements import add_months, launch_day
from planner.costs.training import TrainingRun
from planner.costs.training_data import example_work, redaction_work
from planner.inputs.pricebook import Resolved
from planner.inputs.scenario import FineTuneBase

THOUSAND = 1000


def _setting(c: Costing, name: str, assumption: str | None = None) -> tuple[float, str]:
    """An operations setting: the scenario's ``operations.<name>``, else the assumption (``name``
    unless another is given); with where it came from."""
    given = getattr(c.scenario.operations, name)
    where = f"operations.{name}" if given is not None else f"assumptions.{assumption or name}"
    return c.given_or_assumed(given, assumption or name), where


def operating_lines(c: Costing, approach: Approach, self_hosted: bool, retrieval: bool, judge: Resolved,
                    services: list[Resolved]) -> list[LineItem]:
    """The monthly cost of running the approach: people, online evaluation and services.

    10,000 requests x 0.01 judged x 1,500 tokens = 0.15 million judge input tokens a month.
    """
    ops = c.scenario.operations
    months = c.months
    work: list[tuple[Work, list[float]]] = []
    mlops, mlops_basis = _setting(c, "mlops_hours_per_month", "mlops_hours_per_month_self_hosted" if self_hosted
                                  else "mlops_hours_per_month_api")
    work.append((Work("MLOps: on-call, monitoring and incidents", mlops, PERSON_HOURS, c.rate("mlops_engineer"),
                      f"{mlops_basis} ({mlops:g})"), [mlops] * months))
    upkeep, upkeep_source = _setting(c, "engineer_hours_per_month", "engineer_upkeep_hours_per_month")
    upkeep_basis = f"{upkeep_source} ({upkeep:g})"
    if retrieval and ops.engineer_hours_per_month is None:  # a scenario's own figure covers everything
        extra = c.value("retrieval_upkeep_hours_per_month")
        upkeep = upkeep + extra  # not +=: an assumption drawn as an array must not change
        upkeep_basis += f" + assumptions.retrieval_upkeep_hours_per_month ({extra:g})"
    work.append((Work("Upkeep of prompts, pipelines and evaluation set", upkeep, PERSON_HOURS, c.rate("ml_engineer"),
                      upkeep_basis), [upkeep] * months))
    share, share_basis = _setting(c, "online_eval_share")
    for item, tokens_name, field in (
        ("Online evaluation: LLM judge input tokens", "judge_input_tokens_per_sample", "input_per_million_tokens"),
        ("Online evaluation: LLM judge output tokens", "judge_output_tokens_per_sample", "output_per_million_tokens"),
    ):
        tokens = c.value(tokens_name)
        quantities = [r * share * tokens / TOKENS_PER_MILLION for r in c.requests]
        work.append((Work(item, quantities[0], "million tokens", judge.price(field, "million tokens"),
                          f"requests x {share_basis} ({share:g}) x assumptions.{tokens_name} ({tokens:g})"),
                     quantities))
    flagged, flagged_basis = _setting(c, "flagged_reviews_per_month")
    minutes = c.value("expert_minutes_per_eval_sample")
    reviewed = flagged * minutes / MINUTES_PER_HOUR
    work.append((Work("Online evaluation: expert review of flagged outputs", reviewed, PERSON_HOURS,
                      c.rate("domain_expert"),
                      f"{flagged_basis} ({flagged:g}) x assumptions.expert_minutes_per_eval_sample ({minutes:g}) / 60"),
                 [reviewed] * months))
    for service in services:
        work += _service_work(c, service)
    return [c.monthly(approach, "operations", w.item, quantities, w.unit, w.price, w.basis)
            for w, quantities in work]


def _service_work(c: Costing, service: Resolved) -> list[tuple[Work, list[float]]]:
    """A service's monthly fee, and its usage beyond the fee's allowance, each month."""
    offering = service.offering
    provider, _, offering_id = service.key.split(".", 2)
    name = f"{provider}/{offering_id}"
    found: list[tuple[Work, list[float]]] = []
    if offering.monthly_fee:
        found.append((Work(f"Service {name}: monthly fee", 1.0, "month", service.price("monthly_fee", "month"),
                           "1 a month"), [1.0] * c.months))
    if offering.annual_fee:
        # Billed in the month it is paid (months 1, 13, 25, ...), not spread over the year.
        paid = [1.0 if index % MONTHS_PER_YEAR == 0 else 0.0 for index in range(c.months)]
        found.append((Work(f"Service {name}: annual fee", 1.0, "year", service.price("annual_fee", "year"),
                           f"1 a year, paid in month 1 after launch and every {MONTHS_PER_YEAR} months after"), paid))
    if offering.per_thousand_units:
        per_request, included = offering.units_per_request, offering.included_units
        quantities = [vmax(r * per_request - included, 0.0) / THOUSAND for r in c.requests]
        found.append((Work(f"Service {name}: usage beyond the plan", quantities[0], f"thousand {offering.unit}s",
                           service.price("per_thousand_units", f"thousand {offering.unit}s"),
                           f"(requests x {per_request:g} {offering.unit}s - {included:,.0f} included) / 1,000"),
                      quantities))
    if not found:  # a free service still shows, so the plan says it was counted
        found.append((Work(f"Service {name}: free", 0.0, "month", service.price("monthly_fee", "month"),
                           "no fee and no usage price"), [0.0] * c.months))
    return found


def launch_lines(c: Costing, approach: Approach, block: FineTuneBase | None) -> list[LineItem]:
    """One-time launch work: a privacy review with personal data; for a fine-tuned model, a model
    registry and retraining pipeline, and (with personal data) a redaction check of each example."""
    lines = []
    personal = c.scenario.operations.personal_data
    if personal:
        hours = c.value("privacy_review_hours")
        lines.append(c.one_time(approach, "compliance", "Privacy review (DPIA) and data-processing agreements", hours,
                                PERSON_HOURS, c.rate("privacy_reviewer"),
                                f"operations.personal_data; assumptions.privacy_review_hours ({hours:g})"))
    if block is not None:
        hours = c.value("model_registry_hours")
        lines.append(c.one_time(approach, "engineering", "Model registry and retraining pipeline", hours, PERSON_HOURS,
                                c.rate("mlops_engineer"), f"assumptions.model_registry_hours ({hours:g})"))
        # Data work on the first dataset, so it also counts in the data curation phase (``timeline``).
        lines += [c.one_time(approach, "data_preparation", w.item, w.quantity, w.unit, w.price, w.basis)
                  for w in redaction_work(c, block)]
    return lines


def change_months(c: Costing, launch: datetime.date | None, retires: datetime.date | None,
                  every: int | None) -> list[tuple[int, str]]:
    """The months of the horizon (from 0) in which a base-model change falls, each with why.

    A base model retiring on 2027-03-10 for a launch on 2027-01-20 falls in month 2 (index 1).
    """
    found: dict[int, str] = {}
    if every:
        for index in range(every - 1, c.months, every):
            found[index] = f"operations.base_model_change_every_months ({every})"
    if retires is not None and launch is not None:
        index = 0
        while index < c.months and _month_end(launch, index) <= retires:
            index += 1
        if index < c.months:
            when = "before launch" if retires <= launch else f"in month {index + 1}"
            found.setdefault(index, f"base model retires on {retires.isoformat()} ({when})")
    return sorted(found.items())


def _month_end(launch: datetime.date, index: int) -> datetime.date:
    """The first day after month ``index`` (from 0) of the horizon."""
    try:
        return add_months(launch, index + 1)
    except ValueError:
        return datetime.date.max


def base_model_change_lines(c: Costing, approach: Approach, block: FineTuneBase, run: TrainingRun, judge: Resolved,
                            generator: Resolved | None, weeks_to_production: Any,
                            retires: datetime.date | None) -> list[LineItem]:
    """A new run, its engineer hours, an evaluation round and a share of the data work, in each month
    a base-model change falls in (from a retirement date inside the plan, or a set cadence)."""
    events = change_months(c, launch_day(c.starts_on, weeks_to_production), retires,
                           c.scenario.operations.base_model_change_every_months)
    if not events:
        return []
    share = c.value("base_model_change_data_share")
    hours = c.value("engineer_hours_per_training_run")
    work = [
        Work("training run", run.quantity, run.unit, run.price, run.basis),
        Work("launch and analysis", hours, PERSON_HOURS, c.rate("ml_engineer"),
             f"assumptions.engineer_hours_per_training_run ({hours:g})"),
        *(Work(f"evaluation: {lower_first(w.item)}", w.quantity, w.unit, w.price, w.basis)
          for w in evaluation_work(c, judge, 1, "1 round")),
        *(Work(f"data work: {lower_first(w.item)}", w.quantity, w.unit, w.price, w.basis)
          for w in example_work(c, block, block.examples * share,
                                f"examples ({block.examples:,}) x assumptions.base_model_change_data_share ({share:g})",
                                generator, first_dataset=False)),
    ]
    when = "; ".join(f"month {index + 1}: {why}" for index, why in events)
    lines = []
    for w in work:
        quantities = [0.0] * c.months
        for index, _ in events:
            quantities[index] = w.quantity
        lines.append(c.monthly(approach, "retraining", f"Base-model change: {w.item}", quantities, w.unit, w.price,
                               f"{w.basis}; in {when}"))
    return lines
