"""Import prices from LiteLLM's model price map (``model_prices_and_context_window.json``).

LiteLLM keeps one JSON object per model with prices per token (``input_cost_per_token``,
``output_cost_per_token``, ``cache_read_input_token_cost``, ``cache_creation_input_token_cost``,
``input_cost_per_token_batches``, ``output_cost_per_token_batches``), the day the provider retires
it (``deprecation_date``) and the provider (``litellm_provider``). The map is read from the JSON file
or straight from a ``litellm`` wheel, whose version is then recorded in every imported source.

The import maps these onto our per-million prices for the models and embedding models a table
lists, matched by ``litellm_id`` where the table gives one, else by our id (with dots as dashes),
bare or behind the provider's prefix; a fine-tuning block is matched by its own ``litellm_id``
only (OpenAI's ``ft:`` entries price the tuned model). ``add`` brings in models the table does not
list yet. Fields LiteLLM does not have (training prices, statuses, vector databases, GPUs) are left
untouched. An offering whose figures change gets the map as its source and the import date as its
as-of date; figures the map did not give keep their old source, named in the new one.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planner.core.errors import PricingError, Problem
from planner.core.limits import MAX_PRICE_MAP_BYTES
from planner.inputs.files import open_regular, read_text
from planner.inputs.price_tables import SERVICE_TIERS, ChatModel, EmbeddingModel, LongContext, Offering, PriceTable
from planner.price_admin.editing import NOT_FIGURES, Change, at_default, diff_tables

PER_MILLION = 1_000_000
SIGNIFICANT = 10  # digits kept when scaling per-token floats (1.5e-07 x 1e6 = 0.15000000000000002)
# Our token prices and LiteLLM's keys for them; a service tier's keys end in "_batches", "_flex" or "_priority".
_TOKEN_KEYS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}
_LITELLM_TIERS = {"batch": "_batches", "flex": "_flex", "priority": "_priority"}  # LiteLLM's names for them
_TIER_SUFFIXES = {tier: _LITELLM_TIERS[tier] for tier in SERVICE_TIERS}  # every tier the tables sell


def _token_fields(above: str = "") -> dict[str, str]:
    """Our price fields and LiteLLM's keys, standard and by tier; ``above`` ("_above_200k_tokens") for a
    long-context tier's keys."""
    fields = {f"{stem}_per_million_tokens": f"{key}{above}" for stem, key in _TOKEN_KEYS.items()}
    fields["cache_write_1h_per_million_tokens"] = (f"cache_creation_input_token_cost_above_1hr{above}")
    for tier, suffix in _TIER_SUFFIXES.items():
        fields.update({f"{tier}_{stem}_per_million_tokens": f"{key}{above}{suffix}"
                       for stem, key in _TOKEN_KEYS.items()})
    return fields


CHAT_FIELDS = {**_token_fields(), "reasoning_per_million_tokens": "output_cost_per_reasoning_token"}
# A tuned model's inference prices, standard and batch (training prices are not in the map).
TUNED_FIELDS = {k: CHAT_FIELDS[k] for k in (
    "input_per_million_tokens", "output_per_million_tokens", "cached_input_per_million_tokens",
    "batch_input_per_million_tokens", "batch_output_per_million_tokens", "batch_cached_input_per_million_tokens")}
# A long-context tier: LiteLLM's "input_cost_per_token_above_272k_tokens" and its kin.
_ABOVE = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
EMBEDDING_FIELDS = {"per_million_tokens": "input_cost_per_token"}
DATE_FIELD = "deprecation_date"
MAP_NAME = "LiteLLM model_prices_and_context_window.json"
WHEEL_MEMBER = "litellm/model_prices_and_context_window_backup.json"
MAX_METADATA_BYTES = 1_000_000  # a wheel's METADATA (litellm's is about 20 KB); a larger one is not read
MAX_WHEEL_BYTES = 500_000_000  # a litellm wheel (about 10 MB in late 2026); a larger file is not opened
_WHEEL_VERSION = re.compile(r"^Version: *(\S+)$", re.MULTILINE)
_OTHER_FIGURES = re.compile(r"; other figures \([^)]*\): (.*)$", re.DOTALL)
# Figures an offering may hold besides provenance (``NOT_FIGURES``): what "other figures" in a merged source means.
_NOT_FIGURES = {*NOT_FIGURES, "fine_tuning"}


@dataclass(frozen=True)
class PriceMap:
    """LiteLLM's map: model entries by key, and the ``litellm`` version it shipped with (if known)."""

    models: dict[str, dict[str, Any]]
    version: str | None = None

    @property
    def name(self) -> str:
        """The map as a source names it: "LiteLLM model_prices_and_context_window.json (litellm 1.109.1)"."""
        return f"{MAP_NAME} (litellm {self.version})" if self.version else f"{MAP_NAME} (version not given)"


def load_price_map(path: str | Path, version: str | None = None) -> PriceMap:
    """Read the map from its JSON file (``version`` as given) or from a ``litellm`` wheel (``.whl``,
    version read from the wheel); anything that is not LiteLLM's format raises ``PricingError``."""
    path = Path(path)
    if path.suffix == ".whl":
        return _from_wheel(path, version)
    return PriceMap(parse_price_map(read_text(path, PricingError), str(path)), version)


def _from_wheel(path: Path, version: str | None) -> PriceMap:
    label = str(path)
    try:
        # A regular file only: zipfile would wait forever on a pipe named x.whl.
        with open_regular(path, PricingError, MAX_WHEEL_BYTES, label) as handle, zipfile.ZipFile(handle) as wheel:
            info = wheel.getinfo(WHEEL_MEMBER)
            # The size in the directory is checked before reading, so a bomb is refused unread.
            if info.file_size > MAX_PRICE_MAP_BYTES:
                raise PricingError(Problem(label, None, WHEEL_MEMBER, (
                    f"{info.file_size:,} bytes; at most {MAX_PRICE_MAP_BYTES:,} are read")))
            text = wheel.read(info)
            metadata = [i for i in wheel.infolist()
                        if i.filename.endswith(".dist-info/METADATA") and i.file_size <= MAX_METADATA_BYTES]
            found = _WHEEL_VERSION.search(wheel.read(metadata[0]).decode("utf-8", "replace")) if metadata else None
    except KeyError:
        raise PricingError(Problem(label, None, "", f"not a litellm wheel: it has no {WHEEL_MEMBER}")) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PricingError(Problem(label, None, "", f"cannot read the wheel: {exc}")) from None
    return PriceMap(parse_price_map(text, f"{label}:{WHEEL_MEMBER}"), version or (found.group(1) if found else None))


def parse_price_map(text: str | bytes, label: str) -> dict[str, dict[str, Any]]:
    """The map in ``text`` (a file's or an upload's content, named ``label`` in messages), checked."""
    if len(text) > MAX_PRICE_MAP_BYTES:
        raise PricingError(Problem(label, None, "", (
            f"{len(text):,} bytes; LiteLLM's price map is about 3 MB and at most {MAX_PRICE_MAP_BYTES:,} are read")))
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


def _date(value: Any) -> datetime.date | None:
    """LiteLLM writes retirement dates as "2026-11-30"; anything else is left out."""
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _find(models: dict[str, dict[str, Any]], provider: str, offering_id: str, explicit: str | None,
          mode: str) -> tuple[str, dict[str, Any]] | None:
    names = [explicit] if explicit else [offering_id, offering_id.replace(".", "-")]
    for name in names:
        for key in (name, f"{provider}/{name}"):
            entry = models.get(key)
            if entry is not None and entry.get("litellm_provider") == provider and entry.get("mode") == mode:
                return key, entry
    return None


def _figures(entry: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Our fields that ``entry`` gives a value for, converted to ours (per million tokens, dates); for a chat
    model also its long-context tier, its shortest cacheable prefix and whether it reasons."""
    prices = {ours: _per_million(entry.get(theirs)) for ours, theirs in fields.items()}
    found: dict[str, Any] = {k: v for k, v in prices.items() if v is not None}
    if (retires := _date(entry.get(DATE_FIELD))) is not None:
        found[DATE_FIELD] = retires
    if fields is CHAT_FIELDS:
        found.update(_chat_extras(entry))
    return found


def _chat_extras(entry: dict[str, Any]) -> dict[str, Any]:
    """The long-context tier (the lowest threshold LiteLLM lists; the tables hold one), the minimum cacheable
    prefix (``prompt_cache_min_tokens``) and ``supports_reasoning``. A model LiteLLM says reasons by default
    (``default_reasoning_effort``) is not marked from the map: that needs the provider's page."""
    found: dict[str, Any] = {}
    thresholds = sorted(int(m.group(1)) for key in entry if (m := _ABOVE.match(key)))
    if thresholds:
        above = f"_above_{thresholds[0]}k_tokens"
        tier = {ours: v for ours, theirs in _token_fields(above).items()
                if (v := _per_million(entry.get(theirs))) is not None}
        # An incomplete tier (no output price above it) is left for a hand edit.
        with contextlib.suppress(ValidationError):
            found["long_context"] = LongContext.model_validate({**tier, "above_input_tokens": thresholds[0] * 1000})
    minimum = entry.get("prompt_cache_min_tokens")
    if isinstance(minimum, int) and not isinstance(minimum, bool) and minimum >= 0:
        found["min_cacheable_tokens"] = minimum
    if isinstance(entry.get("supports_reasoning"), bool):
        found["reasoning"] = entry["supports_reasoning"]
    return found


_OfferingT = TypeVar("_OfferingT", bound=Offering)  # a chat or embedding model, or a fine-tuning block


def _provenance(offering: Offering, given: dict[str, Any], key: str, price_map: PriceMap,
                today: datetime.date) -> dict[str, Any]:
    """The source of an offering whose figures ``given`` came from the map's entry ``key``.

    Figures the entry did not give (a training price, a price it lacks) keep their old source,
    named after the map's; an earlier import's wording is not repeated.
    """
    source = f"{price_map.name}, entry {key!r}, read {today.isoformat()}"
    others = [name for name, value in offering if value is not None and name not in given and name not in _NOT_FIGURES
              and not at_default(name, value)]
    if others:
        earlier = _OTHER_FIGURES.search(offering.source) if offering.source.startswith(MAP_NAME) else None
        old = earlier.group(1) if earlier else offering.source
        source += f"; other figures ({', '.join(n.replace('_', ' ') for n in others)}): {old}"
    return {"source": source, "as_of": today}


def _updated(offering: _OfferingT, entry: tuple[str, dict[str, Any]] | None, fields: dict[str, str],
             price_map: PriceMap, today: datetime.date) -> _OfferingT:
    """``offering`` with the entry's figures, or unchanged when the entry adds nothing new."""
    if entry is None:
        return offering
    key, data = entry
    given = _figures(data, fields)
    kept, upper = getattr(offering, "long_context", None), given.get("long_context")
    if upper is not None and kept is not None and kept.above_input_tokens == upper.above_input_tokens:
        # Upper prices the map lacks (a batch price above the threshold, added by hand) stay.
        given["long_context"] = kept.model_copy(update=upper.model_dump(exclude_none=True))
    if all(getattr(offering, name) == value for name, value in given.items()):
        return offering
    return offering.model_copy(update={**given, **_provenance(offering, given, key, price_map, today)})


def import_prices(table: PriceTable, price_map: PriceMap, today: datetime.date, add: tuple[str, ...] = ()) -> tuple[
        PriceTable, list[Change], list[str]]:
    """The table with the map's figures applied and the models in ``add`` (ids in our spelling)
    added, the changes, and the offerings the map lacks. An id in ``add`` that the map does not
    have for this provider, or whose entry lacks what a table needs, raises ``PricingError``."""
    provider = table.litellm_provider
    label = f"pricing/{table.provider}.yaml"
    if provider is None:
        raise PricingError(Problem(label, None, "litellm_provider",
                                   "set this provider's name in LiteLLM's map to import its prices"))
    models = price_map.models
    missing: list[str] = []
    chats: dict[str, ChatModel | dict[str, Any]] = {}  # an added model is table data, validated below
    for offering_id, model in table.models.items():
        found = _find(models, provider, offering_id, model.litellm_id, "chat")
        if found is None:
            missing.append(f"{table.provider}/{offering_id}")
        model = _updated(model, found, CHAT_FIELDS, price_map, today)
        tuned = model.fine_tuning
        if tuned is not None and tuned.litellm_id is not None:
            entry = models.get(tuned.litellm_id)
            if entry is None or entry.get("mode") != "chat":
                missing.append(f"{table.provider}/{offering_id} fine-tuning ({tuned.litellm_id})")
            else:
                model = model.model_copy(update={"fine_tuning": _updated(
                    tuned, (tuned.litellm_id, entry), TUNED_FIELDS, price_map, today)})
        chats[offering_id] = model
    embeddings: dict[str, EmbeddingModel | dict[str, Any]] = {}
    for offering_id, embedder in table.embeddings.items():
        found = _find(models, provider, offering_id, embedder.litellm_id, "embedding")
        if found is None:
            missing.append(f"{table.provider}/{offering_id}")
        embeddings[offering_id] = _updated(embedder, found, EMBEDDING_FIELDS, price_map, today)
    for offering_id in add:
        if offering_id in chats or offering_id in embeddings:
            continue  # already listed: updated above
        section, entry = _new_offering(models, provider, offering_id, price_map, today, label)
        (chats if section == "models" else embeddings)[offering_id] = entry
    # Re-validate: the map's figures must satisfy the same rules as a hand-edited table.
    data = table.model_dump()
    data["models"] = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in chats.items()}
    data["embeddings"] = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in embeddings.items()}
    new = PriceTable.model_validate(data)
    # Provenance follows the figures; the figures are the changes (a fine-tuning block's too).
    changes = [c for c in diff_tables(table.provider, table, new)
               if c.field.rsplit(".", 1)[-1] not in ("source", "as_of")]
    return new, changes, missing


def _new_offering(models: dict[str, dict[str, Any]], provider: str, offering_id: str, price_map: PriceMap,
                  today: datetime.date, label: str) -> tuple[str, dict[str, Any]]:
    """A new chat or embedding model from the map, as table data: (section, entry)."""
    for section, fields, mode in (("models", CHAT_FIELDS, "chat"), ("embeddings", EMBEDDING_FIELDS, "embedding")):
        found = _find(models, provider, offering_id, None, mode)
        if found is None:
            continue
        key, data = found
        entry: dict[str, Any] = {**_figures(data, fields), "source": f"{price_map.name}, entry {key!r}, "
                                 f"read {today.isoformat()}", "as_of": today}
        if section == "embeddings":
            size = data.get("output_vector_size")
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                raise PricingError(Problem(label, None, f"embeddings.{offering_id}", (
                    f"LiteLLM's entry {key!r} gives no output_vector_size; add the model by hand with its "
                    "dimensions")))
            entry["dimensions"] = size
        return section, entry
    raise PricingError(Problem(label, None, offering_id, (
        f"not in LiteLLM's map as a {provider} chat or embedding model (looked for {offering_id!r} and "
        f"{offering_id.replace('.', '-')!r}, bare and as {provider}/...)")))
