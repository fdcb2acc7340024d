"""Editing a scenario's options as plain data (the form the app keeps): add, duplicate, rename, remove,
show or hide, and turn the four approaches into options. Each returns a new mapping and leaves its
argument alone; the result is validated by ``scenario_from_dict`` like any other scenario data.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from planner.inputs.price_tables import FineTunedPrices, Sold
from planner.inputs.pricebook import PriceBook, open_model_hosts
from planner.inputs.regions import Residency, within
from planner.inputs.scenario import (
    APPROACH_KINDS,
    APPROACH_LABELS,
    MAX_OPTION_NAME,
    ApproachKind,
    option_id,
)


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


def route_settings(book: PriceBook, route: str, written: Mapping[str, Any], today: datetime.date,
                   inherited: Mapping[str, Any] | None = None, residency: Residency = "anywhere") -> dict[str, Any]:
    """The settings that move a fine-tuning option to ``route``: the route, and each field that route needs
    which the option does not hold in a usable form: the option's own value where it serves, else the one
    it inherits from its blocks, else the first fitting choice in the price tables. Without them a switch
    of route would be refused for a missing GPU or host before the visitor could pick one.

    ``written`` is every key the option has from its blocks and its own settings, of any route (a block's
    ``FineTuneBase.written()`` under the option's own keys), ``inherited`` the blocks' keys alone: switching
    back to a route keeps what was chosen for it, and an option that leaves a route for another and comes
    back gets its block's model again, not the first in the tables.

    To self-hosted: an open model (the option's own, else the first a host of open models serves: the
    tables list current models first); its GPU instances are left to the estimate, which chooses the
    cheapest that fits (``planner.costs.gpu_choice``) unless the option names one; to a host of open
    models: a host, one of its open models, and LoRA; to a provider's API: a fine-tunable model within
    ``residency`` whose fine-tuned version is not retired on ``today``, open to new customers where one is.

    >>> from planner.inputs.pricebook import load_price_book
    >>> book, today = load_price_book(), datetime.date(2026, 12, 2)
    >>> route_settings(book, "self_hosted", {"model": "llama-3.1-8b", "training_gpu": "runpod/h100-sxm-secure"}, today)
    {'route': 'self_hosted'}
    >>> route_settings(book, "api", {"model": "llama-3.1-8b"}, today, {"model": "openai/gpt-4.1-mini"})
    {'route': 'api', 'model': 'openai/gpt-4.1-mini'}
    """
    inherited = inherited or {}
    changes: dict[str, Any] = {"route": route}

    def first(key: str, usable: Callable[[Any], bool]) -> Any:
        """The option's value for ``key`` if usable, else the inherited one if usable, else None."""
        return next((value for value in (written.get(key), inherited.get(key)) if value is not None and usable(value)),
                    None)

    def take(key: str, value: Any) -> None:
        if value != written.get(key):
            changes[key] = value

    open_models = list(book.open_models.models) if book.open_models else []
    hosts = open_model_hosts(book)
    if route == "self_hosted":
        served_anywhere = [name for served in hosts.values() for name in served if name in open_models]
        if written.get("architecture") is None:
            take("model", first("model", lambda m: m in open_models)
                 or (served_anywhere or open_models or [str(written.get("model", ""))])[0])
    elif route == "provider_hosted":
        host = first("host", lambda h: h in hosts) or next(iter(hosts), None)
        if host is not None:
            take("host", host)
            take("model", first("model", lambda m: m in hosts[host]) or hosts[host][0])
        changes["method"] = "lora"  # a host serves LoRA adapters per token
    elif route == "api":
        # Open to new customers first (a closed platform is a last resort), then in the tables' order.
        found = tunable_models(book, today, residency)
        tunable = sorted(found, key=lambda ref: closed(found[ref], today))
        model = first("model", lambda m: m in tunable) or (tunable[0] if tunable else None)
        if model is not None:
            take("model", model)
    return changes


def tunable_models(book: PriceBook, today: datetime.date, residency: Residency = "anywhere") -> dict[
        str, FineTunedPrices]:
    """Each model a provider fine-tunes, by reference, whose tuned model still serves on ``today`` and is
    tuned within ``residency``, in the tables' order, with its fine-tuning prices."""
    return {f"{name}/{model_id}": model.fine_tuning for name, table in book.tables.items()
            for model_id, model in table.models.items()
            if model.fine_tuning is not None and within(model.fine_tuning.region, residency)
            and (model.fine_tuning.deprecation_date is None or model.fine_tuning.deprecation_date > today)}


def closed(offering: Sold, today: datetime.date) -> bool:
    """Whether a new customer cannot buy ``offering`` on ``today`` (its status says so, or it closed)."""
    since = offering.closed_to_new_customers_since
    return offering.blocking or (since is not None and since <= today)
