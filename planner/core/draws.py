"""Running the cost model on many values at once, for ranges (Monte Carlo) and volume sweeps.

The cost modules are written once. A single estimate passes plain numbers through them; a
simulation passes ``Draws`` (a numpy array of one quantity's values). Arithmetic is the same for
both; the few operations that are not (maximum, rounding, "is it zero?", "does it fit?") go through
the helpers here, which give a number the same answer as an array holding that number, value by
value. ``tests/test_draws.py`` checks that for every input the app lets a user range.

Decisions that can differ between values (whether a run fits on the GPUs) are made per value: the
cost modules mark the values that cannot be costed (``infeasible``) instead of deciding for all of
them from one, and the simulation reports the share of draws so marked.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Draws(np.ndarray):
    """Many values of one quantity; formats as its span ("1,000 to 4,000") where a number would be printed."""

    def __new__(cls, values: Any) -> Draws:
        return np.asarray(values, dtype=float).view(cls)

    def __format__(self, spec: str) -> str:
        """The span of the values, each formatted with ``spec``: "1,000 to 4,000"."""
        if self.size == 0:
            return "(no values)"
        low, high = (_format_one(float(v), spec) for v in (np.min(self), np.max(self)))
        return low if low == high else f"{low} to {high}"

    def __round__(self, ndigits: int | None = None) -> Draws:
        return Draws(np.round(np.asarray(self), ndigits or 0))


def shown(value: Any) -> Any:
    """``value`` ready for an f-string: a range's plain array as ``Draws`` (it prints its span), else itself.

    >>> f"{shown(np.array([30.0, 90.0])):g} s", f"{shown(60.0):g} s"
    ('30 to 90 s', '60 s')
    """
    return Draws(value) if is_many(value) and not isinstance(value, Draws) else value


def _format_one(value: float, spec: str) -> str:
    if spec in ("", ","):  # a draw of a whole-number input: no ".0", and no 15 decimals either
        if value.is_integer() or abs(value) >= 100:
            return format(round(value), spec)
        return format(value, ".3g")
    try:
        return format(value, spec)
    except ValueError:  # an integer-only spec such as "d"
        return format(round(value), spec)


# A yes/no answer for each value (whether a run fits): one bool, or an array of them for a range.
Flags = bool | np.ndarray


def is_many(value: Any) -> bool:
    """Whether ``value`` holds many values (an array) rather than one number."""
    return isinstance(value, np.ndarray)


# The helpers try the plain-number operation first: it is the common case (every single-point
# estimate), and an array makes it raise at once.


def vmax(a: Any, b: Any) -> Any:
    """The larger of two values, elementwise for arrays (``max`` for plain numbers keeps their type)."""
    try:
        return max(a, b)
    except ValueError:  # "the truth value of an array is ambiguous"
        return np.maximum(a, b)


def vmin(a: Any, b: Any) -> Any:
    """The smaller of two values, elementwise for arrays (``min`` for plain numbers keeps their type)."""
    try:
        return min(a, b)
    except ValueError:  # "the truth value of an array is ambiguous"
        return np.minimum(a, b)


def vfloor(x: Any) -> Any:
    """Round down: an ``int`` for a number, elementwise for an array."""
    try:
        return math.floor(x)
    except TypeError:  # an array of more than one value
        return np.floor(x)


def vceil(x: Any) -> Any:
    """Round up: an ``int`` for a number, elementwise for an array."""
    try:
        return math.ceil(x)
    except TypeError:  # an array of more than one value
        return np.ceil(x)


def vround(x: Any) -> Any:
    """Round to the nearest whole number (halves to even, as ``round`` does): an ``int`` for a
    number, elementwise for an array."""
    if is_many(x):
        return Draws(np.round(np.asarray(x)))
    return round(x)


def where(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true`` where ``condition`` holds, else ``if_false``: elementwise for arrays."""
    if is_many(condition) or is_many(if_true) or is_many(if_false):
        return Draws(np.where(condition, if_true, if_false))
    return if_true if condition else if_false


def nonzero(x: Any) -> bool:
    """Whether any of the values is non-zero."""
    try:
        return bool(x)
    except ValueError:
        return bool(np.any(x))


def divide_or_zero(numerator: Any, denominator: Any) -> Any:
    """numerator / denominator where the denominator is non-zero, else 0 (elementwise for arrays)."""
    if is_many(numerator) or is_many(denominator):
        denominator = np.asarray(denominator, dtype=float)
        safe = np.where(denominator == 0, 1.0, denominator)
        return Draws(np.where(denominator == 0, 0.0, np.asarray(numerator) / safe))
    return numerator / denominator if denominator else 0.0


def all_true(x: Any) -> bool:
    """Whether every value is true."""
    try:
        return bool(x)
    except ValueError:
        return bool(np.all(x))
