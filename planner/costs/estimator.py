"""The estimate: every option (or the four approaches) costed side by side from one scenario and one price book."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.core.draws import Flags, nonzero, vmax
from planner.core.errors import FieldProblem, Problem, ScenarioError
from planner.costs.availability import mark_unbuyable, outside_residency, reason
from planner.costs.budget_lines import contingency_lines, tax_lines
from planner.costs.costing import Costing
from planner.costs.effort import build_hours, engineering_lines, person_hours
from planner.costs.evaluation import evaluation_lines
from planner.costs.fine_tune_routes import ROUTES, ref
from planner.costs.inference import inference_lines, reasoning_tokens, request_shape
from planner.costs.lines import PERSON_HOURS, Approach, LineItem, lower_first
from planner.costs.operations import base_model_change_lines, launch_lines, operating_lines
from planner.costs.retirements import Retirement, retiring_models
from planner.costs.retrieval import retrieval_lines
from planner.costs.self_hosted import SelfHostedSizing
from planner.costs.timeline import Phase, plan_phases
from planner.costs.training import retraining_lines, training_lines
from planner.costs.training_data import example_work, preference_work, redaction_work, revision_count
from planner.inputs.assumptions import Assumptions
from planner.inputs.pricebook import Price, PriceBook, Resolved, UnknownOffering, assumption_price
from planner.inputs.regions import RESIDENCY_WORDS
from planner.inputs.scenario import (
    RETRIEVES,
    TRAINS,
    ApproachKind,
    FineTuneBase,
    OptionPlan,
    PromptBlock,
    RagBlock,
    RetrievalFields,
    Scenario,
)

# The item of a line of the data work redone after each iteration (the calendar pays it over the iterations).
ITERATION_FIXES = "Iteration fixes"


@dataclass(frozen=True)
class ApproachEstimate:
    """One option's lines, phases and per-request figures; totals are sums of its lines.

    ``approach`` is the option's id and ``label`` its name (in a scenario without options, the kind
    of approach and its label: "fine_tune", "Fine-tuning"); ``kind`` says what it does.
    """

    approach: Approach
    label: str
    serves_with: str
    lines: tuple[LineItem, ...]
    phases: tuple[Phase, ...]
    iterations: int
    added_latency_ms: float  # retrieval and reasoning, beyond the model's own answer
    input_tokens_per_request: int
    sizing: SelfHostedSizing | None = None
    reasoning_tokens_per_request: float = 0.0
    kind: ApproachKind = "prompt"
    shown: bool = True  # shown in the comparison on screen (every option is exported)
    # For a range: the values that cannot be costed, as (scenario field, mask over the values, why).
    infeasible: tuple[tuple[str, Flags, str], ...] = ()

    @property
    def infeasible_mask(self) -> Flags:
        """Which values of a range this approach cannot cost (False when it can cost them all)."""
        mask: Flags = False
        for _, marked, _ in self.infeasible:
            mask = mask | marked
        return mask

    @property
    def trains(self) -> bool:
        """It trains a model (fine-tuning, hybrid)."""
        return self.kind in TRAINS

    @property
    def retrieves(self) -> bool:
        """It retrieves context from a knowledge base (RAG, hybrid)."""
        return self.kind in RETRIEVES

    @property
    def self_hosted(self) -> bool:
        """It runs on GPUs the team rents (it was sized)."""
        return self.sizing is not None

    @property
    def one_time_cost(self) -> float:
        """Sum of one-time lines, in the report currency."""
        return sum(line.amount for line in self.lines if line.timing == "one_time")

    @property
    def monthly_cost(self) -> float:
        """Sum of monthly lines in the first month, in the report currency."""
        return sum(line.amount for line in self.lines if line.timing == "monthly")

    @property
    def horizon_cost(self) -> float:
        """One-time cost plus every month of the horizon, in the report currency."""
        return sum(line.horizon_amount for line in self.lines)

    @property
    def monthly_costs(self) -> tuple[float, ...]:
        """The monthly cost in each month of the horizon."""
        monthly = [line.monthly_amounts for line in self.lines if line.timing == "monthly"]
        return tuple(sum(month) for month in zip(*monthly, strict=True)) if monthly else ()

    @property
    def weeks_to_production(self) -> float:
        """End of the last phase, in weeks from the start."""
        return functools.reduce(vmax, (phase.end_week for phase in self.phases))

    @property
    def effort_hours(self) -> float:
        """People hours before launch (engineering, data preparation, evaluation)."""
        return person_hours(list(self.lines))

    @property
    def blockers(self) -> tuple[str, ...]:
        """Why this option cannot be bought for its whole plan, each reason once (empty: it can): lines past an
        offering's selling days (``planner.costs.availability``), and status notes that stop a new customer."""
        return tuple(dict.fromkeys(
            [reason(line.not_buyable) for line in self.lines if line.not_buyable]
            + [line.caveats[0] for line in self.lines if line.blocking and line.caveats]))

    @property
    def buyable(self) -> bool:
        """Every offering it uses can be bought for its whole plan, on the planning day."""
        return not self.blockers

    @property
    def notes(self) -> tuple[str, ...]:
        """Status notes of the offerings and exchange rates this approach uses, and cautions about its own GPUs
        (an instance far dearer than one that fits, a fleet mostly idle), each once."""
        cautions = [f"{self.label}: {caution}" for caution in (self.sizing.cautions if self.sizing else ())]
        return tuple(dict.fromkeys([*(caveat for line in self.lines for caveat in line.caveats), *cautions]))


@dataclass(frozen=True)
class Estimate:
    """Every approach's estimate, with the assumptions and any price-table problems behind it."""

    scenario: Scenario
    currency: str
    horizon_months: int
    approaches: dict[Approach, ApproachEstimate]
    assumption_table: Assumptions
    price_problems: tuple[Problem, ...]
    planned_on: datetime.date  # the planning day: each approach starts then

    @property
    def starts_on(self) -> datetime.date:
        """The day work starts: ``project.start_date``, else the planning day. Launch dates count from it."""
        return self.scenario.project.starts_on(self.planned_on)

    def label(self, option: Approach) -> str:
        """An option's name (the label of an approach, in a scenario without options)."""
        return self.approaches[option].label

    @property
    def retirements(self) -> list[Retirement]:
        """The models each approach uses that are retired, or retire before its plan ends
        (launch plus the horizon), counted from the planning day."""
        return [found for result in self.approaches.values() for found in retiring_models(
            result.approach, result.lines, result.weeks_to_production, self.horizon_months, self.planned_on,
            self.starts_on)]

    @property
    def assumptions(self) -> tuple[Price, ...]:
        """Every assumption the estimate rests on, with its value, unit and source."""
        table = self.assumption_table
        return tuple(assumption_price(table, name) for name in type(table).model_fields)


def estimate(scenario: Scenario, book: PriceBook, today: datetime.date | None = None) -> Estimate:
    """Cost, effort and timeline of prompt engineering, RAG, fine-tuning and hybrid, planned on
    ``today`` (default: the current date; it dates the plan for model retirements).

    Raises ``ScenarioError`` listing every reference or field that cannot be costed, and
    ``PricingError`` if the assumptions table (or a needed exchange rate) is missing.
    """
    assumptions = book.require_assumptions()
    try:
        card_key, card = book.rate_card(scenario.team.rates)
    except UnknownOffering as exc:
        raise ScenarioError(scenario.origin_problem("team.rates", str(exc))) from None
    planned_on = today or datetime.date.today()
    c = Costing(book, assumptions, scenario, card_key, card, planned_on)
    given = scenario.project.iterations
    iterations = c.given_or_assumed(given, "iterations", whole=True)
    results: dict[Approach, ApproachEstimate] = {}
    problems: list[Problem] = []
    for plan in scenario.option_plans():
        marked = len(c.infeasible)
        try:
            result = _with_budget_lines(c, BUILDERS[plan.kind](c, iterations, plan))
        except FieldProblem as exc:
            problems.append(scenario.origin_problem(exc.field, exc.message))
            continue
        outside = outside_residency(result.lines, scenario.project.data_residency)
        if outside:
            where = RESIDENCY_WORDS[scenario.project.data_residency]
            problems.append(scenario.origin_problem("project.data_residency", (
                f"{result.label}: data must stay in {where}, and " + "; ".join(outside)
                + ": choose an offering that runs there, leave this option out, or change where data must stay")))
            continue
        # Bought from the day work starts (a past start: as if bought then).
        lines = mark_unbuyable(result.lines, result.phases, c.starts_on, scenario.team.fine_tunes_with)
        results[plan.id] = dataclasses.replace(result, lines=lines, infeasible=tuple(c.infeasible[marked:]))
    if problems:
        # Options inherit their kind's block, so one bad reference can surface more than once.
        raise ScenarioError(list(dict.fromkeys(problems)))
    return Estimate(
        scenario=scenario,
        currency=scenario.currency,
        horizon_months=scenario.horizon_months,
        approaches=results,
        assumption_table=assumptions,
        price_problems=book.problems,
        planned_on=planned_on,
    )


def _with_budget_lines(c: Costing, result: ApproachEstimate) -> ApproachEstimate:
    """The option with its contingency line, then tax on its suppliers' bills (``planner.costs.budget_lines``)."""
    lines = [*result.lines, *contingency_lines(c, result.approach, result.lines)]
    lines += tax_lines(c, result.approach, lines)
    return dataclasses.replace(result, lines=tuple(lines))


def _judge(c: Costing) -> Resolved:
    return ref(c, "project.judge_model", c.book.chat_model, c.scenario.project.judge_model)


def _prompt(c: Costing, iterations: int, plan: OptionPlan) -> ApproachEstimate:
    block = c.scenario.block(plan)
    assert isinstance(block, PromptBlock)
    field = c.scenario.locator(plan)
    model = ref(c, field("model"), c.book.chat_model, block.model)
    reasoning, reasoning_basis = reasoning_tokens(c, block, model, field)
    shape = request_shape(c, block, None, field, reasoning)
    lines = [
        *engineering_lines(c, plan.id, plan.kind, self_hosted=False, training_runs=0),
        *evaluation_lines(c, plan.id, iterations, _judge(c)),
        *inference_lines(c, plan.id, model, shape, field, reasoning_basis),
        *launch_lines(c, plan.id, None),
        *operating_lines(c, plan.id, self_hosted=False, retrieval=False, judge=_judge(c), services=_services(c)),
    ]
    return ApproachEstimate(
        plan.id, plan.name, block.model, tuple(lines),
        tuple(plan_phases(c, build_hours(c, plan.kind), (), iterations, trains=False)),
        iterations, _reasoning_ms(c, reasoning), shape.input_tokens, kind=plan.kind,
        shown=plan.shown, reasoning_tokens_per_request=reasoning,
    )


def _reasoning_ms(c: Costing, reasoning: Any) -> Any:
    """Milliseconds a request's reasoning adds: its tokens written at assumptions.hosted_output_tokens_per_second."""
    return reasoning / c.value("hosted_output_tokens_per_second") * 1000


def _retrieval(c: Costing, approach: Approach, rag: RetrievalFields, field: Callable[[str], str]) -> list[LineItem]:
    embedder = ref(c, field("embedding_model"), c.book.embedding_model, rag.embedding_model)
    db = ref(c, field("vector_db"), c.book.vector_db, rag.vector_db)
    return retrieval_lines(c, approach, rag, embedder, db)


def _rag(c: Costing, iterations: int, plan: OptionPlan) -> ApproachEstimate:
    block = c.scenario.block(plan)
    assert isinstance(block, RagBlock)
    field = c.scenario.locator(plan)
    model = ref(c, field("model"), c.book.chat_model, block.model)
    reasoning, reasoning_basis = reasoning_tokens(c, block, model, field)
    shape = request_shape(c, block, block, field, reasoning)
    lines = [
        *engineering_lines(c, plan.id, plan.kind, self_hosted=False, training_runs=0),
        *evaluation_lines(c, plan.id, iterations, _judge(c)),
        *inference_lines(c, plan.id, model, shape, field, reasoning_basis),
        *_retrieval(c, plan.id, block, field),
        *launch_lines(c, plan.id, None),
        *operating_lines(c, plan.id, self_hosted=False, retrieval=True, judge=_judge(c), services=_services(c)),
    ]
    return ApproachEstimate(
        plan.id, plan.name, block.model, tuple(lines),
        tuple(plan_phases(c, build_hours(c, plan.kind), (), iterations, trains=False)),
        iterations, c.value("retrieval_latency_ms") + _reasoning_ms(c, reasoning), shape.input_tokens,
        kind=plan.kind, shown=plan.shown, reasoning_tokens_per_request=reasoning,
    )


def _fine_tune_option(c: Costing, iterations: int, plan: OptionPlan) -> ApproachEstimate:
    block = c.scenario.block(plan)
    assert isinstance(block, FineTuneBase)
    return _fine_tune(c, iterations, plan, block, None)


def _hybrid_option(c: Costing, iterations: int, plan: OptionPlan) -> ApproachEstimate:
    return _fine_tune(c, iterations, plan, *c.scenario.hybrid(plan))


def _fine_tune(
    c: Costing, iterations: int, plan: OptionPlan, block: FineTuneBase, rag: RetrievalFields | None
) -> ApproachEstimate:
    """Fine-tuning, or with ``rag`` given, the hybrid of a fine-tuned model and retrieval."""
    approach = plan.id
    field = c.scenario.locator(plan)
    route = ROUTES[block.route]
    generator = (ref(c, field("generation_model"), c.book.chat_model, block.generation_model)
                 if nonzero(block.example_sources.synthetic) else None)
    dataset = [
        *example_work(c, block, block.examples, f"{field('examples')} ({block.examples:,})", generator,
                      first_dataset=True),
        *preference_work(c, block, field("preference_pairs")),
    ]
    revised = revision_count(c, block.examples, iterations)
    revisions = example_work(
        c, block, revised, f"{field('examples')} ({block.examples:,}) x assumptions.examples_revised_per_iteration "
        f"({c.value('examples_revised_per_iteration'):g}) x ({iterations} - 1) iterations", generator,
        first_dataset=False)
    lines = [
        *engineering_lines(c, approach, plan.kind, self_hosted=route.self_hosted, training_runs=iterations),
        *_error_analysis(c, approach, iterations),
        *(c.one_time(approach, "data_preparation", w.item, w.quantity, w.unit, w.price, w.basis) for w in dataset),
        *(c.one_time(approach, "data_preparation", f"{ITERATION_FIXES}: {lower_first(w.item)}", w.quantity,
                     w.unit, w.price, w.basis) for w in revisions),
        *evaluation_lines(c, approach, iterations, _judge(c)),
    ]
    shape = request_shape(c, block, rag, field)
    served = route.serve(c, approach, block, field, shape)
    lines += served.serving
    lines += training_lines(c, approach, served.run, iterations)
    if served.preference is not None:
        lines += training_lines(c, approach, served.preference, iterations, "Preference (DPO) runs")
    lines += retraining_lines(c, approach, served.run, block, _judge(c))
    if rag is not None:
        lines += _retrieval(c, approach, rag, field)
    lines += launch_lines(c, approach, block)
    lines += operating_lines(c, approach, self_hosted=route.self_hosted, retrieval=rag is not None,
                             judge=_judge(c), services=_services(c))
    curation = [*dataset, *redaction_work(c, block)]  # the first dataset's work before launch
    phases = tuple(plan_phases(c, build_hours(c, plan.kind), curation, iterations, trains=True))
    lines += base_model_change_lines(c, approach, block, served.run, _judge(c), generator, phases[-1].end_week,
                                     served.retires)
    return ApproachEstimate(
        approach, plan.name, served.serves_with, tuple(lines), phases,
        iterations, c.value("retrieval_latency_ms") if rag is not None else 0.0,
        shape.input_tokens, served.sizing, kind=plan.kind,
        shown=plan.shown,
    )


# How each kind of approach is costed.
BUILDERS: dict[ApproachKind, Callable[[Costing, int, OptionPlan], ApproachEstimate]] = {
    "prompt": _prompt,
    "rag": _rag,
    "fine_tune": _fine_tune_option,
    "hybrid": _hybrid_option,
}


def _services(c: Costing) -> list[Resolved]:
    """The operations services the scenario names."""
    return [ref(c, f"operations.services.{index}", c.book.service, service)
            for index, service in enumerate(c.scenario.operations.services)]


def _error_analysis(c: Costing, approach: Approach, iterations: int) -> list[LineItem]:
    """ML-engineer hours reading a fine-tuned model's failures after each training run."""
    hours = c.value("error_analysis_hours_per_iteration")
    return [c.one_time(approach, "engineering", f"Error analysis ({iterations} iterations)", hours * iterations,
                       PERSON_HOURS, c.rate("ml_engineer"),
                       f"assumptions.error_analysis_hours_per_iteration ({hours:g}) x {iterations} iterations")]
