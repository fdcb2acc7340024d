"""The estimate: all four approaches costed side by side from one scenario and one price book."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from planner.core.draws import Flags, nonzero, vmax, vround, where
from planner.core.errors import FieldProblem, Problem, ScenarioError
from planner.costs.costing import Costing
from planner.costs.effort import build_hours, engineering_lines, person_hours
from planner.costs.evaluation import evaluation_lines
from planner.costs.inference import inference_lines, input_tokens_per_request
from planner.costs.lines import APPROACH_LABELS, APPROACHES, PERSON_HOURS, Approach, LineItem, lower_first
from planner.costs.operations import base_model_change_lines, launch_lines, operating_lines
from planner.costs.retirements import Retirement, retiring_models
from planner.costs.retrieval import retrieval_lines
from planner.costs.self_hosted import (
    SelfHostedSizing,
    architecture_of,
    plan_preference_training,
    plan_serving,
    plan_training,
)
from planner.costs.timeline import Phase, plan_phases
from planner.costs.training import (
    api_preference_run,
    api_run,
    hosted_run,
    hosting_lines,
    retraining_lines,
    self_hosted_run,
    training_lines,
)
from planner.costs.training_data import example_work, preference_work, revision_count
from planner.inputs.architecture import parameters as model_parameters
from planner.inputs.assumptions import Assumptions
from planner.inputs.pricebook import Price, PriceBook, Resolved, UnknownOffering, assumption_price
from planner.inputs.scenario import FineTuneBlock, RetrievalFields, Scenario


@dataclass(frozen=True)
class ApproachEstimate:
    """One approach's lines, phases and per-request figures; totals are sums of its lines."""

    approach: Approach
    label: str
    serves_with: str
    lines: tuple[LineItem, ...]
    phases: tuple[Phase, ...]
    iterations: int
    added_latency_ms: float
    input_tokens_per_request: int
    sizing: SelfHostedSizing | None = None
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
        """Status notes of the offerings this approach uses that a new customer cannot buy."""
        return tuple(dict.fromkeys(line.caveats[0] for line in self.lines if line.blocking and line.caveats))

    @property
    def notes(self) -> tuple[str, ...]:
        """Status notes of the offerings and exchange rates this approach uses, each once."""
        return tuple(dict.fromkeys(caveat for line in self.lines for caveat in line.caveats))


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
    def retirements(self) -> list[Retirement]:
        """The models each approach uses that are retired, or retire before its plan ends
        (launch plus the horizon), counted from the planning day."""
        return [found for result in self.approaches.values() for found in retiring_models(
            result.approach, result.lines, result.weeks_to_production, self.horizon_months, self.planned_on)]

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
    iterations = given if given is not None else vround(c.value("iterations"))
    builders: dict[Approach, Callable[[], ApproachEstimate]] = {
        "prompt": lambda: _prompt(c, iterations),
        "rag": lambda: _rag(c, iterations),
        "fine_tune": lambda: _fine_tune(c, iterations, "fine_tune", scenario.approaches.fine_tune, None),
        "hybrid": lambda: _fine_tune(
            c, iterations, "hybrid", scenario.hybrid_fine_tune(), scenario.hybrid_retrieval()
        ),
    }
    results: dict[Approach, ApproachEstimate] = {}
    problems: list[Problem] = []
    for approach in APPROACHES:
        marked = len(c.infeasible)
        try:
            results[approach] = dataclasses.replace(builders[approach](), infeasible=tuple(c.infeasible[marked:]))
        except FieldProblem as exc:
            problems.append(scenario.origin_problem(exc.field, exc.message))
    if problems:
        # A hybrid inherits the rag and fine_tune blocks, so one bad reference can surface twice.
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


def _ref(c: Costing, field: str, lookup: Callable[[str], Resolved], ref: str) -> Resolved:
    """Look an offering up (once per estimate); a miss becomes a problem located at the scenario ``field``."""
    return _lookup(field, lambda: c.resolve(lookup, ref))


def _judge(c: Costing) -> Resolved:
    return _ref(c, "project.judge_model", c.book.chat_model, c.scenario.project.judge_model)


def _prompt(c: Costing, iterations: int) -> ApproachEstimate:
    block = c.scenario.approaches.prompt
    model = _ref(c, "approaches.prompt.model", c.book.chat_model, block.model)
    lines = [
        *engineering_lines(c, "prompt", self_hosted=False, training_runs=0),
        *evaluation_lines(c, "prompt", iterations, _judge(c)),
        *inference_lines(c, "prompt", model, block.system_prompt_tokens, block.cached_prompt_share, 0,
                         "approaches.prompt", block.batch_share),
        *launch_lines(c, "prompt", None),
        *operating_lines(c, "prompt", self_hosted=False, retrieval=False, judge=_judge(c), services=_services(c)),
    ]
    return ApproachEstimate(
        "prompt", APPROACH_LABELS["prompt"], block.model, tuple(lines),
        tuple(plan_phases(c, build_hours(c, "prompt"), 0, iterations, trains=False)),
        iterations, 0.0, input_tokens_per_request(c, block.system_prompt_tokens, 0),
    )


def _retrieval(c: Costing, approach: Approach, rag: RetrievalFields, field: Callable[[str], str]) -> list[LineItem]:
    embedder = _ref(c, field("embedding_model"), c.book.embedding_model, rag.embedding_model)
    db = _ref(c, field("vector_db"), c.book.vector_db, rag.vector_db)
    return retrieval_lines(c, approach, rag, embedder, db)


def _rag(c: Costing, iterations: int) -> ApproachEstimate:
    block = c.scenario.approaches.rag
    model = _ref(c, "approaches.rag.model", c.book.chat_model, block.model)
    lines = [
        *engineering_lines(c, "rag", self_hosted=False, training_runs=0),
        *evaluation_lines(c, "rag", iterations, _judge(c)),
        *inference_lines(c, "rag", model, block.system_prompt_tokens, block.cached_prompt_share,
                         block.retrieved_tokens, "approaches.rag", block.batch_share),
        *_retrieval(c, "rag", block, lambda key: f"approaches.rag.{key}"),
        *launch_lines(c, "rag", None),
        *operating_lines(c, "rag", self_hosted=False, retrieval=True, judge=_judge(c), services=_services(c)),
    ]
    return ApproachEstimate(
        "rag", APPROACH_LABELS["rag"], block.model, tuple(lines),
        tuple(plan_phases(c, build_hours(c, "rag"), 0, iterations, trains=False)),
        iterations, c.value("retrieval_latency_ms"),
        input_tokens_per_request(c, block.system_prompt_tokens, block.retrieved_tokens),
    )


def _fine_tune(
    c: Costing, iterations: int, approach: Approach, block: FineTuneBlock, rag: RetrievalFields | None
) -> ApproachEstimate:
    """Fine-tuning, or with ``rag`` given, the hybrid of a fine-tuned model and retrieval."""
    field = _field_locator(c.scenario, approach)
    self_hosted = block.route == "self_hosted"
    generator = (_ref(c, field("generation_model"), c.book.chat_model, block.generation_model)
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
        *engineering_lines(c, approach, self_hosted=self_hosted, training_runs=iterations),
        *_error_analysis(c, approach, iterations),
        *(c.one_time(approach, "data_preparation", w.item, w.quantity, w.unit, w.price, w.basis) for w in dataset),
        *(c.one_time(approach, "data_preparation", f"Iteration fixes: {lower_first(w.item)}", w.quantity,
                     w.unit, w.price, w.basis) for w in revisions),
        *evaluation_lines(c, approach, iterations, _judge(c)),
    ]
    retrieved = rag.retrieved_tokens if rag is not None else 0
    sizing = None
    preference = None
    retires = None  # open weights are not retired; a set cadence of base-model changes still applies
    if self_hosted:
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        training_ref = block.training_gpu or ""  # FineTuneBlock requires it on this route
        trainer = _ref(c, field("training_gpu"), c.book.gpu_instance, training_ref)
        server_field = field("serving_gpu") if block.serving_gpu else field("training_gpu")
        server = _ref(c, server_field, c.book.gpu_instance, block.serving_gpu or training_ref)
        training_plan = plan_training(c, block, arch, trainer, field("training_gpu"))
        prompt_tokens = input_tokens_per_request(c, block.system_prompt_tokens, retrieved)
        serving_plan = plan_serving(c, block, arch, server, prompt_tokens, server_field)
        run = self_hosted_run(training_plan, trainer)
        if nonzero(block.preference_pairs):
            dpo = self_hosted_run(
                plan_preference_training(c, block, arch, training_plan, trainer, field("training_gpu")), trainer)
            # No pairs, no run (its fixed overhead hours included), value by value for a range.
            preference = dataclasses.replace(dpo, quantity=where(block.preference_pairs > 0, dpo.quantity, 0.0))
        lines += hosting_lines(c, approach, serving_plan, server, field("purchase"))
        sizing = SelfHostedSizing(block.model, model_parameters(arch), training_plan, serving_plan)
        serves_with = f"{block.model} ({block.method}) on {block.serving_gpu or training_ref}"
    elif block.route == "provider_hosted":
        host = block.host or ""  # FineTuneBlock requires it on this route
        arch = architecture_of(c, block, field("architecture" if block.architecture else "model"))
        if block.method != "lora":
            raise FieldProblem(field("method"), (
                f"{host} serves fine-tuned LoRA adapters per token; a {block.method} fine-tune needs a dedicated "
                "endpoint, which the planner does not price: use method lora, or route self_hosted"))
        billion = getattr(arch, "published_params_billion", None) or model_parameters(arch) / 1e9
        band = _lookup(field("host"), lambda: c.book.fine_tuning_band(host, "lora", billion))
        served = _lookup(field("model"), lambda: c.book.hosted_open_model(host, block.model))
        retires = served.offering.deprecation_date
        run = hosted_run(block, band)
        if nonzero(block.preference_pairs):
            raise FieldProblem(field("preference_pairs"), (
                f"{host}'s DPO prices are not in the tables: cost DPO on the self_hosted route, or set "
                "preference_pairs to 0"))
        lines += inference_lines(c, approach, served, block.system_prompt_tokens, block.cached_prompt_share,
                                 retrieved, f"approaches.{approach}")
        serves_with = f"{block.model} (LoRA) hosted by {host}"
    else:
        tuned = _ref(c, field("model"), c.book.fine_tunable_model, block.model)
        # The tuned model goes when it, or the base model it was tuned from, is retired.
        retires = tuned.offering.deprecation_date or _ref(
            c, field("model"), c.book.chat_model, block.model).offering.deprecation_date
        run = api_run(block, tuned)
        if nonzero(block.preference_pairs):
            preference = api_preference_run(block, tuned, field("preference_pairs"))
        lines += inference_lines(c, approach, tuned, block.system_prompt_tokens, block.cached_prompt_share,
                                 retrieved, f"approaches.{approach}")
        serves_with = f"{block.model} (fine-tuned)"
    lines += training_lines(c, approach, run, iterations)
    if preference is not None:
        lines += training_lines(c, approach, preference, iterations, "Preference (DPO) runs")
    lines += retraining_lines(c, approach, run, block, _judge(c))
    if rag is not None:
        lines += _retrieval(c, approach, rag, field)
    lines += launch_lines(c, approach, block)
    lines += operating_lines(c, approach, self_hosted=self_hosted, retrieval=rag is not None, judge=_judge(c),
                             services=_services(c))
    curation_hours = sum(w.quantity for w in dataset if w.unit == PERSON_HOURS)
    phases = tuple(plan_phases(c, build_hours(c, approach), curation_hours, iterations, trains=True))
    lines += base_model_change_lines(c, approach, block, run, _judge(c), generator, phases[-1].end_week, retires)
    return ApproachEstimate(
        approach, APPROACH_LABELS[approach], serves_with, tuple(lines), phases,
        iterations, c.value("retrieval_latency_ms") if rag is not None else 0.0,
        input_tokens_per_request(c, block.system_prompt_tokens, retrieved), sizing,
    )


def _lookup(field: str, find: Callable[[], Resolved]) -> Resolved:
    """A price-book lookup whose miss becomes a problem at the scenario ``field``."""
    try:
        return find()
    except UnknownOffering as exc:
        raise FieldProblem(field, str(exc)) from None


def _services(c: Costing) -> list[Resolved]:
    """The operations services the scenario names."""
    return [_ref(c, f"operations.services.{index}", c.book.service, ref)
            for index, ref in enumerate(c.scenario.operations.services)]


def _error_analysis(c: Costing, approach: Approach, iterations: int) -> list[LineItem]:
    """ML-engineer hours reading a fine-tuned model's failures after each training run."""
    hours = c.value("error_analysis_hours_per_iteration")
    return [c.one_time(approach, "engineering", f"Error analysis ({iterations} iterations)", hours * iterations,
                       PERSON_HOURS, c.rate("ml_engineer"),
                       f"assumptions.error_analysis_hours_per_iteration ({hours:g}) x {iterations} iterations")]


def _field_locator(scenario: Scenario, approach: Approach) -> Callable[[str], str]:
    """Where a setting of ``approach`` was written: the hybrid's own key, else the block it inherits."""
    if approach != "hybrid":
        return lambda key: f"approaches.{approach}.{key}"
    hybrid = scenario.approaches.hybrid

    def locate(key: str) -> str:
        if getattr(hybrid, key, None) is not None:
            return f"approaches.hybrid.{key}"
        return f"approaches.{'rag' if key in RetrievalFields.model_fields else 'fine_tune'}.{key}"

    return locate
