"""The limits every input is parsed within: scenario and price files, uploads, links, price maps.

Anything outside them is refused with our error naming the file (and line, where there is one)
before it can exhaust the stack, the memory or the clock. Each limit is far above anything a real
scenario or price table needs; the numbers are named here so the README and the errors can quote them.
"""

from __future__ import annotations

import operator

# A YAML document (scenario or price table). The largest bundled table is about 10 KB.
MAX_YAML_BYTES = 2_000_000
# Nesting of mappings and lists. A scenario is 4 levels deep, an inline architecture 5.
MAX_DEPTH = 32
# Nodes visited while reading a document, counting every expansion of a YAML alias, so that an
# "alias bomb" (aliases of aliases, each doubling the size) is refused instead of expanded.
MAX_NODES = 100_000
# Characters of one text value (a name, a source, a description).
MAX_TEXT_CHARS = 10_000
# Characters of a number written in a file (beyond this it cannot be a meaningful figure, and
# Python refuses to read integers of over 4,300 digits).
MAX_NUMBER_CHARS = 40
# Magnitude of any number an input may hold: a quadrillion. Far above any real request volume,
# corpus or price, and below 2**53 (9.0e15), where floating-point numbers stop counting every unit.
MAX_MAGNITUDE = 1e15
# A scenario in a link: its decompressed JSON. A full scenario with ranges is about 3 KB.
MAX_LINK_JSON_BYTES = 200_000
# LiteLLM's price map (about 1.5 MB in late 2026).
MAX_PRICE_MAP_BYTES = 50_000_000
# How much of a rejected value an error message quotes.
QUOTE_CHARS = 80


def quote(value: object) -> str:
    """``repr(value)``, cut to ``QUOTE_CHARS`` characters so a huge input cannot flood a message.

    >>> quote("x" * 100)[-20:]
    'xx… (102 characters)'
    >>> len(quote("x" * 100))
    98
    """
    text = repr(value)
    if len(text) <= QUOTE_CHARS:
        return text
    return f"{text[:QUOTE_CHARS]}… ({len(text):,} characters)"


def outside(value: float, limits: list[tuple[str, float]]) -> str | None:
    """The first of ``limits`` (operator, bound) that ``value`` breaks, in words, or None.

    >>> outside(-3, [(">=", 0), ("<=", 1)])
    '>= 0'
    >>> outside(0.5, [(">=", 0), ("<=", 1)]) is None
    True
    >>> outside(3, [("<=", 1.5)])  # an int against a float bound
    '<= 1.5'
    """
    for symbol, bound in limits:
        # operator's functions, not value.__ge__: int.__ge__(float) answers NotImplemented, which is true
        if not _HOLDS[symbol](value, bound):
            return f"{symbol} {bound:g}"
    return None


_HOLDS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
