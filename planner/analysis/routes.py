"""Every route the scenario's fine-tune could take, side by side, each costed as its seller bills it.

The scenario's own route first; then every model a provider fine-tunes whose tuned model still serves
on the planning day (OpenAI, Azure OpenAI with its hourly deployment fee, Amazon Bedrock with storage,
and provisioned capacity where sold); every host of the open model (serverless LoRA per token where the
host lists the base model, else a dedicated endpoint by the hour); and own GPUs on each schedule. Each is a
full estimate of the fine-tuning approach, so its bill can be read line by line; an option that cannot be
bought for its whole plan says why, and one that cannot be costed here (a provider's model outside the data
residency, a model the host cannot hold) says that instead; a host's endpoint and own GPUs are picked within
the residency.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from planner.analysis.comparison import per_thousand_requests
from planner.core.errors import PlannerError, ScenarioError
from planner.costs.estimator import ApproachEstimate, estimate
from planner.costs.lines import LineItem
from planner.inputs.option_edits import route_settings, tunable_models
from planner.inputs.pricebook import PriceBook, open_model_hosts
from planner.inputs.scenario import AUTOMATIC, Scenario, scenario_from_dict

# Own GPUs are compared on these schedules, in this order.
SCHEDULES = (("always_on", "always on"), ("business_hours", "business hours only"),
             ("scale_to_zero", "scaled to zero when idle"))


@dataclass(frozen=True)
class RouteOption:
    """One route for the fine-tuned model, estimated; ``problem`` says why it could not be."""

    label: str
    changes: dict[str, Any]  # what differs from the scenario's fine_tune block
    result: ApproachEstimate | None
    problem: str = ""

    @property
    def buyable(self) -> bool:
        """It was costed and every offering it uses can be bought for its whole plan."""
        return self.result is not None and self.result.buyable

    def per_thousand_requests(self, requests: float) -> float | None:
        """First-month cost per 1,000 requests, or None without requests or an estimate."""
        return None if self.result is None else per_thousand_requests(self.result.monthly_cost, requests)

    def monthly_lines(self) -> list[LineItem]:
        """The first month's lines, dearest first: what the cost per 1,000 requests is made of."""
        if self.result is None:
            return []
        return sorted((li for li in self.result.lines if li.timing == "monthly"), key=lambda li: -li.amount)

    def billed_lines(self) -> list[LineItem]:
        """What the route's seller bills: training runs (with any job minimum) and serving (tokens, provisioned
        model-unit hours, deployment hours, a dedicated endpoint's or own instances' hours, storage), then the
        runs of retraining and base-model changes at the same prices. People's hours, the judge and the other
        services are the same on every route and left out."""
        if self.result is None:
            return []
        offerings = {li.price_key for li in self.result.lines if li.category in ROUTE_CATEGORIES}
        return [li for li in self.result.lines if li.price_key in offerings]


# The categories of the lines a route itself prices (training, and serving the tuned model).
ROUTE_CATEGORIES = ("training", "inference", "hosting")


def _open_model(scenario: Scenario, book: PriceBook, today: datetime.date) -> str | None:
    """The open model to compare on open-model routes: the block's own, else the one a switch of route would
    take (``route_settings``: an open model a host serves)."""
    block = scenario.approaches.fine_tune
    if block.route != "api":
        return block.model
    model = route_settings(book, "provider_hosted", block.written(), today,
                           residency=scenario.project.data_residency).get("model")
    return model if isinstance(model, str) else None


def _options(scenario: Scenario, book: PriceBook, today: datetime.date) -> list[tuple[str, dict[str, Any]]]:
    """(label, changes to the fine_tune block) for every route the scenario's fine-tune could take."""
    block = scenario.approaches.fine_tune
    options: list[tuple[str, dict[str, Any]]] = [("As in the scenario", {})]
    # Every residency: a provider's model outside the scenario's is listed with the reason it cannot be costed.
    for ref in tunable_models(book, today):
        if block.route == "api" and block.model == ref:
            continue
        provider, model_id = ref.split("/", 1)
        options.append((f"{book.tables[provider].display_name}: {model_id} fine-tuned", {"route": "api", "model": ref}))
    open_model = _open_model(scenario, book, today)
    if open_model is not None:
        for host, served in open_model_hosts(book).items():
            if open_model not in served or (block.route == "provider_hosted" and block.host == host
                                            and block.model == open_model):
                continue
            words = "per token" if book.serverless_lora(host, open_model) else "dedicated endpoint"
            options.append((f"{open_model} LoRA by {book.tables[host].display_name}, {words}",
                            {"route": "provider_hosted", "host": host, "model": open_model, "method": "lora"}))
        # Own GPUs chosen by the estimate (the cheapest that fit), on each schedule the scenario does not use.
        automatic = {"training_gpu": AUTOMATIC, "serving_gpu": AUTOMATIC, "purchase": AUTOMATIC}
        own: dict[str, Any] = {}  # a self-hosted scenario keeps its own GPUs on the other schedules
        if block.route != "self_hosted":
            own = {"route": "self_hosted", "model": open_model, "method": "lora", **automatic}
        elif (block.training_gpu, block.serving_gpu, block.purchase) != (AUTOMATIC,) * 3:
            options.append((f"{open_model} on own GPUs, the cheapest that fit", automatic))
        current = block.serving_schedule if block.route == "self_hosted" else None
        for schedule, words in SCHEDULES:
            if schedule != current:
                options.append((f"{open_model} on own GPUs, {words}", {**own, "serving_schedule": schedule}))
    return options


def route_options(scenario: Scenario, book: PriceBook, today: datetime.date | None = None) -> list[RouteOption]:
    """The fine-tuning approach under each route, each a full estimate (or why it cannot be): the scenario's
    own first, then those that can be bought for their whole plan, cheapest over the horizon first, then those
    that cannot, then those that could not be costed."""
    planned_on = today or datetime.date.today()
    found = []
    for label, changes in _options(scenario, book, planned_on):
        data = scenario.model_dump(mode="json")
        # The fine_tune block alone, whatever options the scenario compares: a route is costed (and checked
        # against the data residency) for the fine-tune, not for the other approaches' blocks.
        data["options"] = [{"name": "Fine-tune", "approach": "fine_tune"}]
        data["approaches"]["fine_tune"].update(changes)
        try:
            variant = scenario_from_dict(data, name="route comparison")
            result = estimate(variant, book, planned_on).approaches["fine_tune"]
        except ScenarioError as exc:  # each problem's words, without the file and field it was found at
            found.append(RouteOption(label, changes, None, "; ".join(dict.fromkeys(p.message for p in exc.problems))))
            continue
        except PlannerError as exc:
            found.append(RouteOption(label, changes, None, str(exc)))
            continue
        found.append(RouteOption(label, changes, result))
    own, others = found[:1], found[1:]

    def order(option: RouteOption) -> tuple[int, float]:
        if option.result is None:
            return 2, 0.0
        return (0 if option.buyable else 1), option.result.horizon_cost

    return own + sorted(others, key=order)


def route_dict(option: RouteOption, requests: float) -> dict[str, Any]:
    """One route as plain data (``routes --format json``): its figures, whether it can be bought, and the
    lines its seller bills, each with quantity, unit, unit price and how the quantity was worked out."""
    result = option.result
    data: dict[str, Any] = {"route": option.label, "changes": option.changes, "costed": result is not None,
                            "problem": option.problem or None}
    if result is None:
        return data
    return {
        **data,
        "serves_with": result.serves_with,
        "buyable": result.buyable,
        "not_buyable": list(result.blockers),
        "one_time_cost": result.one_time_cost,
        "monthly_cost": result.monthly_cost,
        "horizon_cost": result.horizon_cost,
        "per_thousand_requests": option.per_thousand_requests(requests),
        "weeks_to_production": float(result.weeks_to_production),
        "lines": [{
            "category": li.category, "item": li.item, "timing": li.timing, "quantity": li.quantity, "unit": li.unit,
            "unit_price": li.unit_price, "amount": li.amount, "horizon_amount": li.horizon_amount,
            "currency": li.currency, "price_key": li.price_key, "source": li.source,
            "as_of": li.as_of.isoformat() if li.as_of else None, "basis": li.quantity_basis,
            "region": li.sale.region if li.sale else None, "not_buyable": li.not_buyable or None,
        } for li in option.billed_lines()],
    }
