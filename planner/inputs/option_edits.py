"""Editing a scenario's options as plain data (the form the app keeps): add, duplicate, rename, remove,
show or hide, and turn the four approaches into options. Each returns a new mapping and leaves its
argument alone; the result is validated by ``scenario_from_dict`` like any other scenario data.
"""

from __future__ import annotations

import copy
from typing import Any

from planner.inputs.scenario import APPROACH_KINDS, APPROACH_LABELS, MAX_OPTION_NAME, ApproachKind, option_id


def options_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The options a scenario's data compares: its ``options``, or the four approaches as options.

    >>> [option["name"] for option in options_of({})]
    ['Prompt engineering', 'RAG', 'Fine-tuning', 'Hybrid (fine-tune + RAG)']
    """
    return copy.deepcopy(data.get("options") or [{"name": APPROACH_LABELS[kind], "approach": kind}
                                                 for kind in APPROACH_KINDS])


def _with(data: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    result["options"] = options
    return result


def unique_name(options: list[dict[str, Any]], wanted: str, ignore: int | None = None) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``... whichever no other option's name reads as (ids compared),
    within the length a name may have.

    >>> unique_name([{"name": "RAG"}], "rag")
    'rag (2)'
    """
    taken = {option_id(option["name"]) for index, option in enumerate(options) if index != ignore}
    wanted = wanted.strip()[:MAX_OPTION_NAME] or "Option"
    name, number = wanted, 1
    while option_id(name) in taken:
        number += 1
        suffix = f" ({number})"
        name = wanted[:MAX_OPTION_NAME - len(suffix)].rstrip() + suffix
    return name


def add_option(data: dict[str, Any], kind: ApproachKind, name: str = "",
               settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scenario with a new option of ``kind`` at the end (named after its kind unless ``name`` is given).

    >>> [o["name"] for o in add_option({}, "rag")["options"]][-2:]
    ['Hybrid (fine-tune + RAG)', 'RAG (2)']
    """
    options = options_of(data)
    new: dict[str, Any] = {"name": unique_name(options, name or APPROACH_LABELS[kind]), "approach": kind}
    if settings:
        new["settings"] = copy.deepcopy(settings)
    return _with(data, [*options, new])


def duplicate_option(data: dict[str, Any], index: int) -> dict[str, Any]:
    """The scenario with a copy of option ``index`` right after it, named "... (copy)"."""
    options = options_of(data)
    copied = copy.deepcopy(options[index])
    copied["name"] = unique_name(options, f"{options[index]['name']} (copy)")
    return _with(data, [*options[:index + 1], copied, *options[index + 1:]])


def rename_option(data: dict[str, Any], index: int, name: str) -> dict[str, Any]:
    """The scenario with option ``index`` called ``name`` (validation says if it clashes or is empty)."""
    options = options_of(data)
    options[index]["name"] = name
    return _with(data, options)


def remove_option(data: dict[str, Any], index: int) -> dict[str, Any]:
    """The scenario without option ``index``; removing the last one leaves the four approaches."""
    options = options_of(data)
    del options[index]
    result = _with(data, options)
    if not options:
        del result["options"]
    return result


def show_option(data: dict[str, Any], index: int, shown: bool) -> dict[str, Any]:
    """The scenario with option ``index`` shown in the comparison, or hidden from it (it is still exported)."""
    options = options_of(data)
    options[index]["shown"] = shown
    return _with(data, options)


def set_option_setting(data: dict[str, Any], index: int, key: str, value: Any, block_value: Any) -> dict[str, Any]:
    """The scenario with option ``index`` setting ``key`` to ``value``; a value equal to its kind's block
    (``block_value``) is left to the block, so the option follows a later change of the shared value."""
    options = options_of(data)
    settings = dict(options[index].get("settings") or {})
    if value == block_value:
        settings.pop(key, None)
    else:
        settings[key] = value
    options[index]["settings"] = settings
    return _with(data, options)
