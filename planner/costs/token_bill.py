"""One request's token bill, as providers compute it in 2026.

A request sends input tokens (system prompt, retrieved context, the user's part) and receives output tokens,
and a reasoning model also bills the tokens it thought in. Four rules shape that bill, and this module is the one
place each lives (``inference_lines`` turns it into monthly lines; a property test checks it
against pydantic's genai-prices):

- **Prompt cache.** The cacheable prefix (the system prompt, and retrieved context said to repeat) is read from
  the cache on a hit (the cached-input price) and written on a miss (the cache-write price: Anthropic bills
  1.25x input for a 5-minute cache, 2x for an hour; where no write price is published, the input price). A
  prefix below the model's ``min_cacheable_tokens`` is never cached. A stored (explicit) cache has no writes per
  request; it is billed for storage instead (``cache_storage``).
- **Long context.** A request whose input (cached included) exceeds ``long_context.above_input_tokens`` is billed
  wholly at the upper prices: input, cache and output alike.
- **Service tiers.** Shares of the requests go as batch, flex or priority, each at that tier's prices; the rest
  are standard. Within a tier, a cache read or 5-minute write the table prices for standard only is billed at
  the tier's input price (neither the read's discount nor the write's premium is assumed); a 1-hour write needs
  the tier's own 1-hour price, which the tables do not hold, so it is refused.
- **Reasoning.** Reasoning tokens are output tokens: billed at ``reasoning_per_million_tokens`` where a table
  has one, else at the output price of the tier.

Amounts are per request, in the table's currency; every count may be a range's draws (``planner.core.draws``).

>>> from planner.inputs.price_tables import ChatModel
>>> model = ChatModel(source="list", as_of="2026-12-01", input_per_million_tokens=3.0,
...                   output_per_million_tokens=15.0, long_context={"above_input_tokens": 200_000,
...                   "input_per_million_tokens": 6.0, "output_per_million_tokens": 22.5})
>>> round(request_cost(model, RequestShape(user_input=1_000, output=500, reasoning=2_000), "m"), 6)
0.0405
>>> round(request_cost(model, RequestShape(user_input=250_000, output=500), "m"), 6)  # all of it above 200k
1.51125
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from planner.core.draws import nonzero, where
from planner.costs.costing import TOKENS_PER_MILLION
from planner.inputs.price_tables import SERVICE_TIERS
from planner.inputs.scenario import SHARE_TOLERANCE, PromptCacheKind

Tier = Literal["standard", "batch", "flex", "priority"]
TIERS = cast(tuple[Tier, ...], ("standard", *SERVICE_TIERS))  # standard, then the tiers the tables sell besides
Kind = Literal["input", "cache_read", "cache_write", "cache_write_1h", "output", "reasoning"]
# What each kind of token is called on a bill, and the stem of its price field ("flex_" + stem + "_per_million_tokens").
ITEMS: dict[Kind, str] = {
    "input": "Input tokens",
    "cache_read": "Cached prompt tokens (cache reads)",
    "cache_write": "Prompt cache writes",
    "cache_write_1h": "Prompt cache writes (1 hour)",
    "output": "Output tokens",
    "reasoning": "Reasoning tokens",
}
_STEMS: dict[Kind, str] = {"input": "input", "cache_read": "cached_input", "cache_write": "cache_write",
                           "cache_write_1h": "cache_write_1h", "output": "output", "reasoning": "reasoning"}
UPPER = "long_context"  # the block of a model's table with its long-context prices


class Unpriced(Exception):
    """A request needs a price its table does not give: ``setting`` is the option's input that asked for it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting
        self.message = message


@dataclass(frozen=True)
class RequestShape:
    """What one request sends and receives, in tokens, and how it is sent.

    ``repeated_retrieved`` is the part of ``retrieved`` that is the same in every request (cacheable with the
    system prompt); ``cache_hit_share`` the share of requests that read the prefix from the cache (0: no
    caching); the tier shares the requests sent as batch, flex or priority (the rest: standard).
    """

    system_prompt: Any = 0
    retrieved: Any = 0
    repeated_retrieved: Any = 0
    user_input: Any = 0
    output: Any = 0
    reasoning: Any = 0
    cache_hit_share: Any = 0.0
    prompt_cache: PromptCacheKind = "5_minutes"
    batch_share: Any = 0.0
    flex_share: Any = 0.0
    priority_share: Any = 0.0

    @property
    def input_tokens(self) -> Any:
        """Tokens sent: system prompt + retrieved context + the user's input (cached or not)."""
        return self.system_prompt + self.retrieved + self.user_input

    @property
    def cacheable(self) -> Any:
        """The prefix a cache can hold: the system prompt and the retrieved context that repeats."""
        return self.system_prompt + self.repeated_retrieved

    def share(self, tier: Tier) -> Any:
        """The share of requests sent in ``tier``; the standard share is what the others leave, and a leftover
        within ``SHARE_TOLERANCE`` of 0 (0.7 + 0.2 + 0.1 leaves 3e-17) is none, value by value."""
        if tier == "standard":
            rest = 1 - self.batch_share - self.flex_share - self.priority_share
            return where(rest > SHARE_TOLERANCE, rest, 0)
        return getattr(self, f"{tier}_share")


@dataclass(frozen=True)
class Billed:
    """Tokens per request (averaged over all requests: the tier's share applied) billed at one price."""

    tier: Tier
    kind: Kind
    upper: bool  # billed at the long-context prices
    tokens: Any
    field: str  # the price's field in the model's table; dotted for the long-context block
    counted: str  # how one request's tokens of this kind were counted, in words

    @property
    def item(self) -> str:
        """The line's name: "Flex output tokens, above 272,000 input tokens" (the threshold added by the caller)."""
        name = ITEMS[self.kind]
        return name if self.tier == "standard" else f"{self.tier.capitalize()} {name[:1].lower()}{name[1:]}"


def price_field(tier: Tier, kind: Kind) -> str:
    """The price field of ``kind`` tokens in ``tier``: ``flex_cached_input_per_million_tokens``."""
    prefix = "" if tier == "standard" else f"{tier}_"
    return f"{prefix}{_STEMS[kind]}_per_million_tokens"


def threshold(offering: Any) -> int | None:
    """The input tokens above which a request is billed at the long-context prices (None: no such tier)."""
    upper = getattr(offering, UPPER, None)
    return upper.above_input_tokens if upper is not None else None


def cached_prefix(offering: Any, shape: RequestShape) -> Any:
    """Tokens per request the cache holds: the cacheable prefix when caching is on and the prefix reaches the
    model's minimum (``min_cacheable_tokens``), else 0 (value by value for a range)."""
    minimum = getattr(offering, "min_cacheable_tokens", None)
    prefix = shape.cacheable if minimum is None else where(shape.cacheable >= minimum, shape.cacheable, 0)
    return where(shape.cache_hit_share > 0, prefix, 0)


def below_minimum(offering: Any, shape: RequestShape) -> bool:
    """Whether caching is asked for but the prefix (for some value of a range) is below the model's minimum."""
    minimum = getattr(offering, "min_cacheable_tokens", None)
    return nonzero(shape.cache_hit_share) and minimum is not None and nonzero(shape.cacheable < minimum)


def billed_tokens(offering: Any, shape: RequestShape, key: str) -> list[Billed]:
    """The request's tokens by tier, kind and context tier, each with its price field; raises ``Unpriced`` for a
    price the request needs that the table (``key``, for messages) lacks."""
    prefix = cached_prefix(offering, shape)
    reads = prefix * shape.cache_hit_share
    misses = prefix * (1 - shape.cache_hit_share)  # each miss writes the prefix (a stored cache: read as input)
    write_kind: Kind | None = {"5_minutes": "cache_write", "1_hour": "cache_write_1h", "stored": None}[
        shape.prompt_cache]
    top = threshold(offering)
    # A request above the threshold is billed wholly at the upper prices (value by value for a range).
    contexts = ((False, True),) if top is None else ((False, shape.input_tokens <= top),
                                                     (True, shape.input_tokens > top))
    billed: list[Billed] = []
    for tier in TIERS:
        share = shape.share(tier)
        if not nonzero(share):
            continue
        for upper, mask in contexts:
            if not nonzero(mask):
                continue
            sheet = getattr(offering, UPPER) if upper else offering
            prefix_field = f"{UPPER}." if upper else ""

            def has(kind: Kind, tier: Tier = tier, sheet: Any = sheet) -> bool:
                return getattr(sheet, price_field(tier, kind), None) is not None

            # Standard input and output prices are required of every table; a tier beyond them is sold or not.
            if tier != "standard" and (not has("input") or not has("output")):
                where_words = f" above {top:,} input tokens" if upper else ""
                raise Unpriced(f"{tier}_share", f"{key} has no {tier} prices{where_words}; set the share to 0")
            tokens: dict[Kind, Any] = {"input": shape.input_tokens, "output": shape.output,
                                       "reasoning": shape.reasoning}
            taken: list[str] = []  # the parts of the input billed as cache reads or writes instead
            if nonzero(reads):
                if has("cache_read"):
                    tokens["cache_read"] = reads
                    tokens["input"] = tokens["input"] - reads
                    taken.append(f"{prefix:,.0f} x {shape.cache_hit_share:g} read from the cache")
                elif tier == "standard":
                    raise Unpriced("cached_prompt_share", f"{key} has no cached-input price"
                                   f"{f' above {top:,} input tokens' if upper else ''}; set the share to 0")
            if write_kind is not None and nonzero(misses):
                if has(write_kind):
                    tokens[write_kind] = misses
                    tokens["input"] = tokens["input"] - misses
                    taken.append(f"{prefix:,.0f} x (1 - {shape.cache_hit_share:g}) written to it")
                elif write_kind == "cache_write_1h" and tier == "standard":
                    raise Unpriced("prompt_cache", f"{key} sells no 1-hour prompt cache; keep it 5 minutes")
                elif write_kind == "cache_write_1h":
                    raise Unpriced("prompt_cache", f"{key}'s 1-hour cache has no price for {tier} requests in the "
                                                   f"tables: keep the cache 5 minutes, or set the {tier} share to 0")
            sent = (f"{shape.system_prompt:,.0f} system + {shape.retrieved:,.0f} retrieved + "
                    f"{shape.user_input:,.0f} input")
            hit = shape.cache_hit_share
            counted: dict[Kind, str] = {
                "input": f"({sent}{''.join(' - ' + t for t in taken)}) tokens",
                "cache_read": f"{prefix:,.0f} cached prefix tokens x {hit:g} cache hit share",
                "cache_write": f"{prefix:,.0f} cached prefix tokens x (1 - {hit:g} cache hit share), written on "
                               "each miss",
                "cache_write_1h": f"{prefix:,.0f} cached prefix tokens x (1 - {hit:g} cache hit share), written on "
                                  "each miss to the 1-hour cache",
                "output": f"{shape.output:,.0f} output tokens",
                "reasoning": f"{shape.reasoning:,.0f} reasoning tokens, billed as "
                             + ("reasoning" if has("reasoning") else "output"),
            }
            for kind, count in tokens.items():
                if not nonzero(count):
                    continue
                # Reasoning is output: at its own price where the table has one, else the tier's output price.
                field = price_field(tier, "output" if kind == "reasoning" and not has("reasoning") else kind)
                billed.append(Billed(tier, kind, upper, where(mask, count * share, 0), prefix_field + field,
                                     counted[kind]))
    return billed


def request_cost(offering: Any, shape: RequestShape, key: str) -> Any:
    """The bill of an average request, in the table's currency: each billed count x its price."""
    total: Any = 0.0
    for line in billed_tokens(offering, shape, key):
        sheet: Any = offering
        for part in line.field.split("."):
            sheet = getattr(sheet, part)
        total = total + line.tokens * sheet / TOKENS_PER_MILLION
    return total


def cache_storage(offering: Any, shape: RequestShape, key: str, hours: float) -> Any:
    """Million token-hours a month an explicit (stored) cache is billed for: its prefix kept ``hours`` a month;
    0 for a cache of another kind. Raises ``Unpriced`` when the model has no storage price."""
    if shape.prompt_cache != "stored" or not nonzero(shape.cache_hit_share):
        return 0
    if getattr(offering, "cache_storage_per_million_tokens_hour", None) is None:
        raise Unpriced("prompt_cache", f"{key} has no explicit cache storage price; keep the cache 5 minutes")
    return cached_prefix(offering, shape) / TOKENS_PER_MILLION * hours
