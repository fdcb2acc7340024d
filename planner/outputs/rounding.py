"""Amounts rounded to cents so that the rounded lines add up to the rounded total.

Rounding each line on its own can leave the column a cent or two off its total (three lines of 0.333 are
0.33 each, 0.99 together, against a total of 1.00). Largest-remainder rounding (the Hamilton method) first
rounds every line down to the cent, then gives the cents still missing from the rounded total, one each,
to the lines that lost the most in rounding (the earlier line on a tie). No line moves by a cent or more
from its exact amount, and the lines sum exactly to the total rounded on its own: half a cent up or down
as Python's ``format(x, ".2f")`` does (half to even, on the exact binary value).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def to_cents(amount: float, rounding: str = ROUND_HALF_EVEN) -> int:
    """``amount`` in whole cents (half to even by default, as ``format(amount, ".2f")``).

    >>> to_cents(0.125), to_cents(2.675), to_cents(-0.004)  # 2.675 is stored a hair below 2.675
    (12, 267, 0)
    """
    return int(Decimal(amount).quantize(CENT, rounding=rounding) / CENT)


def largest_remainder(amounts: Sequence[float], total: float | None = None,
                      total_cents: int | None = None) -> list[int]:
    """Each amount in whole cents, summing to ``total`` (default: the amounts' sum) rounded to the cent, or to
    ``total_cents`` exactly. Give the total the reader sees elsewhere (the planner's own sum) so that the two agree
    to the cent.

    >>> largest_remainder([1 / 3, 1 / 3, 1 / 3])
    [34, 33, 33]
    >>> largest_remainder([0.104, 0.104, 0.104])  # 0.312 in all: 31 cents; each loses 0.4 of a cent
    [11, 10, 10]
    """
    if not amounts:
        return []
    floors = [to_cents(a, ROUND_FLOOR) for a in amounts]
    target = total_cents if total_cents is not None else to_cents(sum(amounts) if total is None else total)
    missing = target - sum(floors)
    if not 0 <= missing <= len(amounts):
        # Rounded down, the lines fall short of their rounded sum by less than a cent each; a total further off
        # is a float sum past the cent's precision (amounts in the quadrillions): the lines' exact sum it is.
        missing = to_cents(float(sum(Decimal(a) for a in amounts))) - sum(floors)
        missing = min(max(missing, 0), len(amounts))
    remainders = [Decimal(a) / CENT - f for a, f in zip(amounts, floors, strict=True)]
    # Largest remainder first; on a tie the earlier line (sorted() is stable).
    for index in sorted(range(len(amounts)), key=lambda i: -remainders[i])[:missing]:
        floors[index] += 1
    return floors


def cents_text(cents: int) -> str:
    """Whole cents as an amount for a CSV cell: 123456 -> "1234.56", -5 -> "-0.05".

    >>> cents_text(123456), cents_text(-5), cents_text(7)
    ('1234.56', '-0.05', '0.07')
    """
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
