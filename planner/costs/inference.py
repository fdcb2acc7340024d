"""Monthly inference tokens: what each request sends, receives and reasons, at the serving model's prices.

How one request is billed (cache, long-context tier, service tier, reasoning) is ``planner.costs.token_bill``;
this module takes an option's settings to a request's shape, and the shape to monthly lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.core.draws import nonzero
from planner.core.errors import FieldProblem
from planner.costs.costing import TOKENS_PER_MILLION, Costing
from planner.costs.lines import Approach, LineItem
from planner.costs.token_bill import (
    TIERS,
    Billed,
    RequestShape,
    Unpriced,
    below_minimum,
    billed_tokens,
    cache_storage,
    cached_prefix,
    threshold,
)
from planner.inputs.pricebook import Resolved, describe_key
from planner.inputs.scenario import SERVICE_TIER_SHARES, SHARE_TOLERANCE, HostedModelFields, RetrievalFields


def request_shape(c: Costing, block: Any, rag: RetrievalFields | None, field: Callable[[str], str],
                  reasoning: Any = 0) -> RequestShape:
    """One request of an option whose serving settings are ``block`` (a prompt, RAG or fine-tuning block) and
    whose knowledge base, if any, is ``rag``: its tokens, prompt cache and service tiers. The block checks that
    its tier shares leave some requests for standard; a range's values are checked here, those that do not
    marked as not costable."""
    workload = c.scenario.workload
    retrieved = rag.retrieved_tokens if rag is not None else 0
    shares = [name for name in SERVICE_TIER_SHARES if hasattr(block, name)]
    if shares:
        total = sum(getattr(block, name) for name in shares)
        c.check_fits(total <= 1 + SHARE_TOLERANCE, field(shares[-1]),
                     "the service tier shares add up to more than all requests")
    return RequestShape(
        system_prompt=block.system_prompt_tokens, retrieved=retrieved,
        repeated_retrieved=retrieved * rag.repeated_context_share if rag is not None else 0,
        user_input=workload.input_tokens, output=workload.output_tokens, reasoning=reasoning,
        cache_hit_share=getattr(block, "cached_prompt_share", 0.0),
        prompt_cache=getattr(block, "prompt_cache", "5_minutes"),
        batch_share=getattr(block, "batch_share", 0.0), flex_share=getattr(block, "flex_share", 0.0),
        priority_share=getattr(block, "priority_share", 0.0))


def reasoning_tokens(c: Costing, block: HostedModelFields, model: Resolved,
                     field: Callable[[str], str]) -> tuple[Any, str]:
    """Reasoning tokens per request, and how they were found: given (``reasoning_tokens``), or the figure of
    the effort level asked for or the model's default (``assumptions.reasoning_tokens_<effort>``). A model that
    does not reason takes none; asking it to is an error at the setting."""
    offering = model.offering
    name = describe_key(model.key, with_field=False)
    if block.reasoning_tokens is not None:
        if not offering.reasoning and nonzero(block.reasoning_tokens):
            raise FieldProblem(field("reasoning_tokens"), (
                f"{name} does not reason: set reasoning tokens to 0, or choose a reasoning model"))
        return block.reasoning_tokens, f"{field('reasoning_tokens')} {block.reasoning_tokens:,}"
    default = block.reasoning_effort == "default"
    effort = offering.default_reasoning_effort if default else block.reasoning_effort
    if effort == "none":
        return 0, ""
    if not offering.reasoning:
        raise FieldProblem(field("reasoning_effort"), (
            f"{name} does not reason: set the reasoning effort to none, or choose a reasoning model"))
    tokens = c.value(f"reasoning_tokens_{effort}")
    said = f"{name}'s default effort, {effort}" if default else f"effort {effort}"
    return tokens, f"{said}: assumptions.reasoning_tokens_{effort} ({tokens:,.0f})"


def _share_words(b: Billed, shape: RequestShape) -> str:
    if b.tier != "standard":
        return f" x {b.tier}_share {shape.share(b.tier):g}"
    others = [f"{tier} {shape.share(tier):g}" for tier in TIERS[1:] if nonzero(shape.share(tier))]
    return f" x (1 - {' - '.join(others)} in other tiers)" if others else ""


def _basis(b: Billed, shape: RequestShape, reasoning_basis: str, offering: Any, key: str) -> str:
    """How a line's tokens were counted, in words."""
    counted = b.counted
    if b.kind == "reasoning" and reasoning_basis:
        counted = counted.replace(" tokens, billed", f" tokens ({reasoning_basis}), billed")
    if b.kind == "input" and below_minimum(offering, shape):
        counted += (f"; a cacheable prefix of {shape.cacheable:,.0f} tokens is below {key}'s minimum of "
                    f"{offering.min_cacheable_tokens:,}: not cached")
    basis = f"requests x {counted}{_share_words(b, shape)}"
    top = threshold(offering)
    if top is not None:
        basis += (f"; {shape.input_tokens:,.0f} input tokens, {'above' if b.upper else 'at most'} {top:,}: the whole "
                  f"request at the {'long-context' if b.upper else 'standard'} prices")
    return basis


def inference_lines(c: Costing, approach: Approach, prices: Resolved, shape: RequestShape,
                    field: Callable[[str], str], reasoning_basis: str = "") -> list[LineItem]:
    """Each month's tokens by kind, service tier and context tier, at ``prices`` (a model or its fine-tune).

    100,000 requests x (2,000 + 400) input tokens = 240 million tokens x $0.15 = $36.00 a month.
    ``field`` locates a setting in the scenario, for messages; a price the request needs that the table lacks
    is an error at the setting that asked for it.
    """
    workload = c.scenario.workload
    offering = prices.offering
    name = describe_key(prices.key, with_field=False)  # "openai/gpt-4.1-mini fine-tuning", for messages
    try:
        billed = billed_tokens(offering, shape, name)
        stored = cache_storage(offering, shape, name, c.value("hours_per_month"))
    except Unpriced as exc:
        raise FieldProblem(field(exc.setting), exc.message) from None
    prefix = cached_prefix(offering, shape)
    growth = f"; workload.requests_per_month {c.requests[0]:,.0f}, growth {workload.monthly_growth:g}/month"
    top = threshold(offering)
    lines = [
        c.monthly(approach, "inference", b.item + (f", above {top:,} input tokens" if b.upper else ""),
                  [r * b.tokens / TOKENS_PER_MILLION for r in c.requests], "million tokens",
                  prices.price(b.field, "million tokens"),
                  _basis(b, shape, reasoning_basis, offering, name) + growth)
        for b in billed
    ]
    if nonzero(stored):
        hours = c.value("hours_per_month")
        lines.append(c.monthly(
            approach, "inference", "Prompt cache storage", [stored] * c.months, "million token-hours",
            prices.price("cache_storage_per_million_tokens_hour", "million token-hours"),
            f"{prefix:,.0f} cached prefix tokens kept all month (assumptions.hours_per_month {hours:g}) in an "
            "explicit cache"))
    return lines
