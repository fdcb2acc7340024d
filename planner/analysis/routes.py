"""The fine-tuning approach under each way of hosting it, side by side: the scenario's own route, a
host of open models serving the adapter per token, dedicated GPUs always on and in business hours
only, and a model provider's fine-tuning API. Each option is a full estimate of the fine-tuning
approach, so its cost per 1,000 requests can be explained line by line.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from planner.analysis.comparison import per_thousand_requests
from planner.core.errors import PlannerError
from planner.costs.estimator import ApproachEstimate, estimate
from planner.costs.lines import LineItem
from planner.inputs.pricebook import PriceBook
from planner.inputs.scenario import Scenario, scenario_from_dict


@dataclass(frozen=True)
class RouteOption:
    """One way of hosting the fine-tuned model, estimated; ``problem`` says why it could not be."""

    label: str
    changes: dict[str, Any]  # what differs from the scenario's fine_tune block
    result: ApproachEstimate | None
    problem: str = ""

    def per_thousand_requests(self, requests: float) -> float | None:
        """First-month cost per 1,000 requests, or None without requests or an estimate."""
        return None if self.result is None else per_thousand_requests(self.result.monthly_cost, requests)

    def monthly_lines(self) -> list[LineItem]:
        """The first month's lines, dearest first: what the cost per 1,000 requests is made of."""
        if self.result is None:
            return []
        return sorted((li for li in self.result.lines if li.timing == "monthly"), key=lambda li: -li.amount)


def _options(scenario: Scenario, book: PriceBook, today: datetime.date) -> list[tuple[str, dict[str, Any]]]:
    """(label, changes to the fine_tune block) for every route worth comparing for this scenario."""
    block = scenario.approaches.fine_tune
    options: list[tuple[str, dict[str, Any]]] = [("As in the scenario", {})]
    open_model = block.model if block.route != "api" else None
    if open_model is not None:
        for host, table in book.tables.items():
            if any(m.open_model == open_model for m in table.models.values()) and table.fine_tuning_bands:
                if block.route == "provider_hosted" and block.host == host:
                    continue
                options.append((f"LoRA hosted by {table.display_name}, per token",
                                {"route": "provider_hosted", "host": host, "method": "lora"}))
    if block.route == "self_hosted":
        for schedule, words in (("always_on", "always on"), ("business_hours", "business hours only"),
                                ("scale_to_zero", "scaled to zero when idle")):
            if schedule != block.serving_schedule:
                options.append((f"Own GPUs, {words}", {"serving_schedule": schedule}))
    api_model = _api_model(scenario, book, today)
    if block.route != "api" and api_model is not None:
        options.append((f"API: {api_model} fine-tuned by its provider's API", {"route": "api", "model": api_model}))
    return options


def _api_model(scenario: Scenario, book: PriceBook, today: datetime.date) -> str | None:
    """The hosted model to compare by API: the prompt approach's, if it can be fine-tuned, else the
    first fine-tunable model in the tables whose fine-tuned version is not retired by ``today``."""
    prompt_model = scenario.approaches.prompt.model
    try:
        book.fine_tunable_model(prompt_model)
        return prompt_model
    except LookupError:
        pass
    for provider, table in book.tables.items():
        for model_id, model in table.models.items():
            tuned = model.fine_tuning
            if tuned is not None and (tuned.deprecation_date is None or tuned.deprecation_date > today):
                return f"{provider}/{model_id}"
    return None


def route_options(scenario: Scenario, book: PriceBook, today: datetime.date | None = None) -> list[RouteOption]:
    """The fine-tuning approach under each hosting route, each a full estimate (or why it cannot be)."""
    found = []
    for label, changes in _options(scenario, book, today or datetime.date.today()):
        data = scenario.model_dump(mode="json")
        data.pop("options")  # the routes of the fine_tune block, whatever options the scenario compares
        data["approaches"]["fine_tune"].update(changes)
        try:
            variant = scenario_from_dict(data, name="route comparison")
            result = estimate(variant, book, today).approaches["fine_tune"]
        except PlannerError as exc:
            found.append(RouteOption(label, changes, None, str(exc)))
            continue
        found.append(RouteOption(label, changes, result))
    return found
