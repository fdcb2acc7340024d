"""Import prices from LiteLLM's model price map (``model_prices_and_context_window.json``).

LiteLLM keeps one JSON object per model with prices per token (``input_cost_per_token``,
``output_cost_per_token``, ``cache_read_input_token_cost``, ``input_cost_per_token_batches``,
``output_cost_per_token_batches``) and the provider (``litellm_provider``). The import maps these
onto our per-million prices for the models and embedding models a table already lists, matched by
``litellm_id`` where the table gives one, else by our id (with dots as dashes), bare or behind the
provider's prefix. Fields LiteLLM does not have (training prices, the whole fine-tuning block,
vector databases, GPUs) are left untouched. An offering whose prices change gets the map as its
source and the import date as its as-of date; the old source is kept in the new one.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from planner.core.errors import PricingError, Problem
from planner.core.limits import MAX_PRICE_MAP_BYTES
from planner.inputs.files import read_text
from planner.inputs.price_tables import PriceTable
from planner.price_admin.editing import Change, diff_tables

PER_MILLION = 1_000_000
SIGNIFICANT = 10  # digits kept when scaling per-token floats (1.5e-07 x 1e6 = 0.15000000000000002)
CHAT_FIELDS = {
    "input_per_million_tokens": "input_cost_per_token",
    "output_per_million_tokens": "output_cost_per_token",
    "cached_input_per_million_tokens": "cache_read_input_token_cost",
    "batch_input_per_million_tokens": "input_cost_per_token_batches",
    "batch_output_per_million_tokens": "output_cost_per_token_batches",
}
EMBEDDING_FIELDS = {"per_million_tokens": "input_cost_per_token"}
MAP_NAME = "LiteLLM model_prices_and_context_window.json"


def load_price_map(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read the map; anything that is not LiteLLM's format raises ``PricingError`` saying why."""
    return parse_price_map(read_text(path, PricingError), str(path))


def parse_price_map(text: str | bytes, label: str) -> dict[str, dict[str, Any]]:
    """The map in ``text`` (a file's or an upload's content, named ``label`` in messages), checked."""
    if len(text) > MAX_PRICE_MAP_BYTES:
        raise PricingError(Problem(label, None, "", (
            f"{len(text):,} bytes; LiteLLM's price map is about 1.5 MB and at most {MAX_PRICE_MAP_BYTES:,} are read")))
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise PricingError(Problem(label, None, "", f"not LiteLLM's price map: not JSON ({exc})")) from None
    except RecursionError:
        raise PricingError(Problem(label, None, "", "not LiteLLM's price map: nested too deeply")) from None
    return check_price_map(data, label)


def check_price_map(data: Any, label: str) -> dict[str, dict[str, Any]]:
    """``data`` if it has LiteLLM's shape: an object of model objects with a provider and token prices."""
    if not isinstance(data, dict):
        raise PricingError(Problem(label, None, "", "not LiteLLM's price map: expected a JSON object of models"))
    models = {k: v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"}
    priced = [v for v in models.values() if "litellm_provider" in v and "input_cost_per_token" in v]
    if not priced:
        raise PricingError(Problem(label, None, "", (
            "not LiteLLM's price map: no entry has litellm_provider and input_cost_per_token "
            "(expected the format of model_prices_and_context_window.json)")))
    return models


def _per_million(value: Any) -> float | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return float(f"{value * PER_MILLION:.{SIGNIFICANT}g}")


def _find(price_map: dict[str, dict[str, Any]], provider: str, offering_id: str, explicit: str | None,
          mode: str) -> tuple[str, dict[str, Any]] | None:
    names = [explicit] if explicit else [offering_id, offering_id.replace(".", "-")]
    for name in names:
        for key in (name, f"{provider}/{name}"):
            entry = price_map.get(key)
            if entry is not None and entry.get("litellm_provider") == provider and entry.get("mode") == mode:
                return key, entry
    return None


def import_prices(table: PriceTable, price_map: dict[str, dict[str, Any]], today: datetime.date) -> tuple[
        PriceTable, list[Change], list[str]]:
    """The table with the map's prices applied, the changes, and the offerings the map lacks."""
    provider = table.litellm_provider
    if provider is None:
        raise PricingError(Problem(f"pricing/{table.provider}.yaml", None, "litellm_provider",
                                   "set this provider's name in LiteLLM's map to import its prices"))
    missing: list[str] = []
    updated: dict[str, Any] = {}
    for section, fields, mode in (("models", CHAT_FIELDS, "chat"), ("embeddings", EMBEDDING_FIELDS, "embedding")):
        entries = {}
        for offering_id, offering in getattr(table, section).items():
            found = _find(price_map, provider, offering_id, offering.litellm_id, mode)
            if found is None:
                missing.append(f"{table.provider}/{offering_id}")
                entries[offering_id] = offering
                continue
            key, entry = found
            prices = {ours: _per_million(entry.get(theirs)) for ours, theirs in fields.items()}
            prices = {k: v for k, v in prices.items() if v is not None}
            if all(getattr(offering, k) == v for k, v in prices.items()):
                entries[offering_id] = offering
                continue
            provenance = {"source": f"{MAP_NAME}, entry {key!r} (imported {today.isoformat()}); before: "
                                    f"{offering.source}", "as_of": today}
            entries[offering_id] = offering.model_copy(update={**prices, **provenance})
        updated[section] = entries
    # Re-validate: the map's figures must satisfy the same rules as a hand-edited table.
    new = PriceTable.model_validate({**table.model_dump(), **{s: {k: v.model_dump() for k, v in e.items()}
                                                               for s, e in updated.items()}})
    changes = [c for c in diff_tables(table.provider, table, new) if c.field not in ("source", "as_of")]
    return new, changes, missing
