"""Serving a model a provider fine-tuned, as the provider bills it.

Per token (the tuned model's input and output prices); or on provisioned capacity, model units bought
by the hour and billed every hour whether used or not (Amazon Bedrock's Provisioned Throughput); and
on top of either, a fee for every hour a tuned model is deployed (Azure OpenAI) and storage for each
tuned model kept (Amazon Bedrock, Mistral). Where a provider sells both per-token and provisioned
serving, the estimate says from which monthly volume provisioned capacity is the cheaper, and plans
the cheaper over the horizon unless the scenario's ``capacity`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.draws import divide_or_zero, nonzero, vceil, vmax
from planner.core.errors import FieldProblem
from planner.costs.costing import Costing
from planner.costs.inference import inference_lines
from planner.costs.lines import Approach, LineItem
from planner.costs.token_bill import RequestShape
from planner.inputs.pricebook import Resolved, describe_key
from planner.inputs.scenario import ApiFineTune

MINUTES_PER_HOUR = 60
# The price field of each provisioned term, and its words.
TERMS = {"none": ("per_unit_hour", "no commitment"), "1_month": ("per_unit_hour_1_month", "1-month commitment"),
         "6_month": ("per_unit_hour_6_month", "6-month commitment")}


@dataclass(frozen=True)
class BreakEven:
    """Where provisioned capacity starts to cost less than per-token serving, for one model unit."""

    requests_per_month: float | None  # None: never within one unit's capacity
    unit_capacity: float  # requests a month one model unit serves at the peak-to-average ratio
    unit_month_cost: float  # one unit for a month, in the report currency
    currency: str

    def __str__(self) -> str:
        if self.requests_per_month is None:
            return (f"provisioned capacity is not cheaper than per-token serving up to one model unit's capacity "
                    f"(about {self.unit_capacity:,.0f} requests a month)")
        return (f"provisioned capacity becomes the cheaper above about {self.requests_per_month:,.0f} requests a "
                f"month (one model unit, {self.unit_month_cost:,.2f} {self.currency} a month, serves up to about "
                f"{self.unit_capacity:,.0f})")


def _first(value: Any) -> float:
    """A number, or the mean of a range's values (the choice between two ways of buying is made once)."""
    return float(np.mean(value))


def provisioned_lines(c: Costing, approach: Approach, tuned: Resolved, block: ApiFineTune, prompt_tokens: Any,
                      field: str) -> list[LineItem]:
    """Model units for the month's peak, each billed every hour of the month at the scenario's term.

    Units = max(1, ceil(peak input tokens a minute / a unit's, peak output tokens a minute / a unit's)); a
    month's peak is its average request rate x ``peak_to_average_requests``. 1 unit x 730 h x $20 = $14,600.
    """
    capacity = tuned.offering.provisioned
    price_field, words = TERMS[block.provisioned_term]
    if getattr(capacity, price_field) is None:
        raise FieldProblem(field, f"{describe_key(tuned.key, with_field=False)} sells no provisioned capacity with a "
                                  f"{words}: choose another term")
    hours = c.value("hours_per_month")
    peak = c.value("peak_to_average_requests")
    output_tokens = c.scenario.workload.output_tokens
    per_minute = [r / (hours * MINUTES_PER_HOUR) * peak for r in c.requests]  # peak requests a minute
    units = [vmax(1, vceil(vmax(divide_or_zero(m * prompt_tokens, capacity.input_tokens_per_minute_per_unit),
                                divide_or_zero(m * output_tokens, capacity.output_tokens_per_minute_per_unit))))
             for m in per_minute]
    basis = (f"month 1: {units[0]:,.0f} model unit(s) for a peak of requests / assumptions.hours_per_month ({hours:g}) "
             "/ 60 x "
             f"assumptions.peak_to_average_requests ({peak:g}) x ({prompt_tokens:,} input, {output_tokens:,} output) "
             f"tokens a request, over {capacity.input_tokens_per_minute_per_unit:,.0f} input and "
             f"{capacity.output_tokens_per_minute_per_unit:,.0f} output tokens a minute a unit; x {hours:g} hours: "
             "billed every hour, used or not")
    return [c.monthly(approach, "inference", f"Provisioned throughput ({words})", [u * hours for u in units],
                      "model-unit hours", tuned.price(f"provisioned.{price_field}", "model-unit hour"), basis)]


def break_even(c: Costing, tuned: Resolved, block: ApiFineTune, token_lines: list[LineItem],
               prompt_tokens: Any) -> BreakEven:
    """The monthly volume at which one model unit costs what per-token serving does (month 1's prices); with a
    range, on the mean of each input, as the choice between the two is made once."""
    capacity = tuned.offering.provisioned
    price_field, _ = TERMS[block.provisioned_term]
    hours = _first(c.value("hours_per_month"))
    per_request = _first(divide_or_zero(sum(li.amount for li in token_lines), c.requests[0]))
    assert capacity is not None
    unit_month = c.convert(tuned.price(f"provisioned.{price_field}", "model-unit hour"))[0] * hours
    per_minute = min(capacity.input_tokens_per_minute_per_unit / max(_first(prompt_tokens), 1.0),
                     capacity.output_tokens_per_minute_per_unit / max(_first(c.scenario.workload.output_tokens), 1.0))
    unit_capacity = per_minute * MINUTES_PER_HOUR * hours / _first(c.value("peak_to_average_requests"))
    at = unit_month / per_request if per_request > 0 else None
    return BreakEven(at if at is not None and at <= unit_capacity else None, unit_capacity, unit_month, c.currency)


def tuned_serving_lines(c: Costing, approach: Approach, tuned: Resolved, block: ApiFineTune, shape: RequestShape,
                        field: Any) -> list[LineItem]:
    """Everything billed to serve ``tuned`` each month: per token or provisioned, deployment hours, storage."""
    offering = tuned.offering
    prompt_tokens = shape.input_tokens
    per_token = (inference_lines(c, approach, tuned, shape, field)
                 if offering.input_per_million_tokens is not None else None)
    # Provisioned capacity is costed only where it may be planned (and a term without a price is then an error).
    provisioned = (provisioned_lines(c, approach, tuned, block, prompt_tokens, field("provisioned_term"))
                   if offering.provisioned is not None and block.capacity != "per_token" else None)
    if offering.input_per_million_tokens is None and block.capacity == "per_token":
        raise FieldProblem(field("capacity"), f"{describe_key(tuned.key, with_field=False)} is not served per "
                                              "token: set capacity to provisioned")
    if offering.provisioned is None and block.capacity == "provisioned":
        raise FieldProblem(field("capacity"), f"{describe_key(tuned.key, with_field=False)} sells no provisioned "
                                              "capacity: set capacity to per_token")
    lines: list[LineItem]
    if per_token is not None and provisioned is not None:
        found = break_even(c, tuned, block, per_token, prompt_tokens)
        cheaper_provisioned = (_first(sum(li.horizon_amount for li in provisioned))
                               < _first(sum(li.horizon_amount for li in per_token)))
        chosen = block.capacity if block.capacity != "cheaper" else (
            "provisioned" if cheaper_provisioned else "per_token")
        why = "as the scenario's capacity says" if block.capacity != "cheaper" else "the cheaper over the horizon"
        on_units = chosen == "provisioned"
        lines = provisioned if on_units else per_token
        lines = [li._replace(quantity_basis=f"{li.quantity_basis}; {chosen.replace('_', ' ')}: {why}; {found}")
                 for li in lines]
    else:
        on_units = per_token is None and provisioned is not None
        lines = per_token if per_token is not None else provisioned or []
    if on_units and nonzero(block.batch_share):
        lines = [li._replace(quantity_basis=f"{li.quantity_basis}; batch_share does not apply: the model units "
                                            "serve every request, batched or not") for li in lines]
    hours = c.value("hours_per_month")
    if offering.hosting_per_hour:
        lines.append(c.monthly(
            approach, "inference", "Tuned-model deployment (billed every hour deployed)", [hours] * c.months,
            "deployment-hours", tuned.price("hosting_per_hour", "deployment-hour"),
            f"1 deployment x assumptions.hours_per_month ({hours:g}): billed while deployed, used or not"))
    if offering.storage_per_month:
        lines.append(c.monthly(approach, "inference", "Tuned-model storage", [1.0] * c.months, "model-months",
                               tuned.price("storage_per_month", "model-month"), "1 tuned model kept each month"))
    return lines

