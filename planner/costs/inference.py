"""Monthly inference tokens: what each request sends and receives, at the serving model's prices."""

from __future__ import annotations

from planner.core.draws import nonzero
from planner.core.errors import FieldProblem
from planner.costs.costing import TOKENS_PER_MILLION, Costing
from planner.costs.lines import Approach, LineItem
from planner.inputs.pricebook import Resolved


def input_tokens_per_request(c: Costing, system_prompt_tokens: int, retrieved_tokens: int) -> int:
    """Tokens sent per request: system prompt + retrieved context + the user's input."""
    return system_prompt_tokens + retrieved_tokens + c.scenario.workload.input_tokens


def inference_lines(
    c: Costing,
    approach: Approach,
    prices: Resolved,
    system_prompt_tokens: int,
    cached_prompt_share: float,
    retrieved_tokens: int,
    field: str,
    batch_share: float = 0.0,
) -> list[LineItem]:
    """Input, cached-input and output tokens each month, at ``prices`` (a model or its fine-tune).

    100,000 requests x (2,000 + 400) input tokens = 240 million tokens x $0.15 = $36.00 a month.
    A ``batch_share`` of the requests goes through the provider's batch API, all its input and output
    at the batch prices (no cache discount). ``field`` is the scenario block, for messages.
    """
    workload = c.scenario.workload
    requests = [r * (1 - batch_share) for r in c.requests]
    cached = system_prompt_tokens * cached_prompt_share
    sent = input_tokens_per_request(c, system_prompt_tokens, retrieved_tokens)
    uncached = sent - cached
    parts = [
        ("Input tokens", uncached, "input_per_million_tokens",
         f"requests x ({system_prompt_tokens:,} system x {1 - cached_prompt_share:g} + "
         f"{retrieved_tokens:,} retrieved + {workload.input_tokens:,} input) tokens"),
        ("Output tokens", workload.output_tokens, "output_per_million_tokens",
         f"requests x {workload.output_tokens:,} output tokens"),
    ]
    if nonzero(cached):
        if getattr(prices.offering, "cached_input_per_million_tokens", None) is None:
            raise FieldProblem(f"{field}.cached_prompt_share",
                               f"{prices.key} has no cached-input price; set the share to 0")
        parts.insert(1, ("Cached prompt tokens", cached, "cached_input_per_million_tokens",
                         f"requests x {system_prompt_tokens:,} system x {cached_prompt_share:g} cached tokens"))
    share = f" x (1 - batch_share {batch_share:g})" if nonzero(batch_share) else ""
    lines = [
        c.monthly(approach, "inference", item, [r * tokens / TOKENS_PER_MILLION for r in requests],
                  "million tokens", prices.price(price_field, "million tokens"),
                  f"{basis}{share}; workload.requests_per_month {c.requests[0]:,.0f}, growth "
                  f"{workload.monthly_growth:g}/month")
        for item, tokens, price_field, basis in parts
    ]
    if nonzero(batch_share):
        offering = prices.offering
        if getattr(offering, "batch_input_per_million_tokens", None) is None or getattr(
                offering, "batch_output_per_million_tokens", None) is None:
            raise FieldProblem(f"{field}.batch_share", f"{prices.key} has no batch prices; set the share to 0")
        batched = [r * batch_share for r in c.requests]
        for item, tokens, price_field in (("Batch input tokens", sent, "batch_input_per_million_tokens"),
                                          ("Batch output tokens", workload.output_tokens,
                                           "batch_output_per_million_tokens")):
            lines.append(c.monthly(
                approach, "inference", item, [r * tokens / TOKENS_PER_MILLION for r in batched], "million tokens",
                prices.price(price_field, "million tokens"),
                f"requests x batch_share {batch_share:g} x {tokens:,} tokens; workload.requests_per_month "
                f"{c.requests[0]:,.0f}, growth {workload.monthly_growth:g}/month"))
    return lines
