"""Monthly inference tokens: what each request sends and receives, at the serving model's prices."""

from __future__ import annotations

from collections.abc import Callable

from planner.core.draws import nonzero, where
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
    field: Callable[[str], str],
    batch_share: float = 0.0,
) -> list[LineItem]:
    """Input, cache-read, cache-write and output tokens each month, at ``prices`` (a model or its fine-tune).

    100,000 requests x (2,000 + 400) input tokens = 240 million tokens x $0.15 = $36.00 a month.
    ``cached_prompt_share`` is the cache hit share: that share of requests reads the system prompt
    from the provider's prompt cache at the cached-input price; the other requests write it to the
    cache, billed at the cache-write price where the provider publishes one (Anthropic: 1.25x the
    input price), else at the input price. A share of 0 means caching is not used.
    A ``batch_share`` of the requests goes through the provider's batch API, all its input and output
    at the batch prices (no cache discount). ``field`` locates a setting in the scenario, for messages.
    """
    workload = c.scenario.workload
    requests = [r * (1 - batch_share) for r in c.requests]
    offering = prices.offering
    cached = system_prompt_tokens * cached_prompt_share
    write_price = getattr(offering, "cache_write_per_million_tokens", None)
    # With caching on (a share above 0), every miss writes the prompt to the cache.
    written = where(cached_prompt_share > 0, system_prompt_tokens * (1 - cached_prompt_share), 0) \
        if write_price is not None and nonzero(cached) else 0
    sent = input_tokens_per_request(c, system_prompt_tokens, retrieved_tokens)
    uncached = sent - cached - written
    prompt_basis = (f"{system_prompt_tokens:,} system x {1 - cached_prompt_share:g} + " if not nonzero(written)
                    else "")
    parts = [
        ("Input tokens", uncached, "input_per_million_tokens",
         f"requests x ({prompt_basis}{retrieved_tokens:,} retrieved + {workload.input_tokens:,} input) tokens"),
        ("Output tokens", workload.output_tokens, "output_per_million_tokens",
         f"requests x {workload.output_tokens:,} output tokens"),
    ]
    if nonzero(cached):
        if getattr(offering, "cached_input_per_million_tokens", None) is None:
            raise FieldProblem(field("cached_prompt_share"),
                               f"{prices.key} has no cached-input price; set the share to 0")
        parts.insert(1, ("Cached prompt tokens (cache reads)", cached, "cached_input_per_million_tokens",
                         f"requests x {system_prompt_tokens:,} system x {cached_prompt_share:g} cache hit share"))
    if nonzero(written):
        parts.insert(2, ("Prompt cache writes", written, "cache_write_per_million_tokens",
                         f"requests x {system_prompt_tokens:,} system x (1 - {cached_prompt_share:g} cache hit "
                         "share), written to the cache on each miss"))
    share = f" x (1 - batch_share {batch_share:g})" if nonzero(batch_share) else ""
    lines = [
        c.monthly(approach, "inference", item, [r * tokens / TOKENS_PER_MILLION for r in requests],
                  "million tokens", prices.price(price_field, "million tokens"),
                  f"{basis}{share}; workload.requests_per_month {c.requests[0]:,.0f}, growth "
                  f"{workload.monthly_growth:g}/month")
        for item, tokens, price_field, basis in parts
    ]
    if nonzero(batch_share):
        if getattr(offering, "batch_input_per_million_tokens", None) is None or getattr(
                offering, "batch_output_per_million_tokens", None) is None:
            raise FieldProblem(field("batch_share"), f"{prices.key} has no batch prices; set the share to 0")
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
