"""Putting a measurement into a scenario: the inputs it sets, each recorded with where it came from."""

from __future__ import annotations

import json
from typing import Any


def set_measured(data: dict[str, Any], block: str, values: dict[str, Any], sources: dict[str, str]) -> dict[str, Any]:
    """A copy of ``data`` (a scenario as plain data) with each of ``values`` set in ``approaches.<block>``,
    recorded under ``measured`` with its source (``sources[key]``), and any range on it dropped: the
    measurement replaces the guess."""
    result = json.loads(json.dumps(data))
    target = result.setdefault("approaches", {}).setdefault(block, {})
    measured = result.setdefault("measured", {})
    ranges = result.get("ranges") or {}
    for key, value in values.items():
        path = f"approaches.{block}.{key}"
        target[key] = value
        measured[path] = sources[key]
        ranges.pop(path, None)
    return result
