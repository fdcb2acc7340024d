"""Running the cost model on many values at once, for ranges (Monte Carlo) and volume sweeps.

The cost modules are written for single numbers. A ``Draws`` array (a numpy array whose text form
is "(range)") passes through the same arithmetic, and the few operations that are not arithmetic
(maximum, ceiling, "is it zero?") go through the helpers here, which keep plain Python numbers for
single values and use numpy for arrays. So one implementation serves both the line-item estimate
and the vectorised simulation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Draws(np.ndarray):
    """Many values of one quantity; formats as "(range)" where a single number would be printed."""

    def __new__(cls, values: Any) -> Draws:
        return np.asarray(values, dtype=float).view(cls)

    def __format__(self, spec: str) -> str:
        return "(range)"


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


def vceil(x: Any) -> Any:
    """Round up: an ``int`` for a number, elementwise for an array."""
    try:
        return math.ceil(x)
    except TypeError:  # an array of more than one value
        return np.ceil(x)


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
