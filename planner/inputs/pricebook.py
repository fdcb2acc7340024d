"""Load the price directory into a ``PriceBook`` and look prices up with their provenance.

A table that fails to load is reported in ``PriceBook.problems`` and left out; the others load.
Lookups return ``Price`` objects that carry the key, unit, currency, source and date, so every
estimate line can say where its unit price came from.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from planner.core import limits
from planner.core.errors import PricingError, Problem
from planner.inputs.architecture import OpenModel, OpenModelTable, billions_priced
from planner.inputs.assumptions import Assumptions
from planner.inputs.files import list_files, parse_yaml, read_text
from planner.inputs.price_tables import (
    OFFERING_SECTIONS,
    FxTable,
    GpuSpec,
    HardwareTable,
    Offering,
    PeopleTable,
    PriceTable,
    RateCard,
    Sold,
)
from planner.inputs.validation import validate_document

DEFAULT_PRICES_DIR = Path(__file__).resolve().parents[2] / "pricing"

# Files in the price directory that are not provider tables, and what each must hold.
SPECIAL_TABLES: dict[str, type[BaseModel]] = {
    "assumptions": Assumptions,
    "people": PeopleTable,
    "hardware": HardwareTable,
    "fx": FxTable,
    "open_models": OpenModelTable,
}

# Fields of an offering that price training: only lines priced by these can break a "no new training" date.
TRAINING_PRICE_FIELDS = frozenset({"training_per_million_tokens", "preference_training_per_million_tokens"})


class Sale(NamedTuple):
    """Where an offering runs and when its seller stops selling it (``planner.inputs.price_tables.Sold``).

    ``training_until`` is set only on a price that bills training: the last day a job can start.
    """

    offering: str  # the offering's key: "openai.models.gpt-4.1-mini.fine_tuning"
    region: str | None
    closed_since: datetime.date | None = None
    training_until: datetime.date | None = None
    dates_source: str | None = None


class Price(NamedTuple):  # NamedTuple, not a frozen dataclass, for the reason given at LineItem
    """A looked-up figure with everything needed to explain it.

    ``currency`` is None for assumptions and quantities that are not money.
    """

    key: str
    value: float
    unit: str
    currency: str | None
    source: str
    as_of: datetime.date | None = None
    status: str | None = None
    blocking: bool = False  # the status stops a new customer from buying it
    retires: datetime.date | None = None  # a model's deprecation date: it serves until then
    sale: Sale | None = None  # an offering's region and selling days; None for rates, assumptions, exchange rates


@dataclass(frozen=True, slots=True)
class Resolved:
    """An offering found by reference (``provider/id``), with its key prefix and currency."""

    key: str
    currency: str
    offering: Any
    # Prices already built from this offering (an estimate asks for the same ones repeatedly).
    _prices: dict[tuple[str, str], Price] = field(default_factory=dict, compare=False, repr=False)

    def price(self, field: str, unit: str) -> Price:
        """The offering's ``field`` as a Price; raises ``KeyError`` if the field is unset. A dotted field
        (``provisioned.per_unit_hour``) is a figure of a block inside the offering, with the offering's source."""
        cached = self._prices.get((field, unit))
        if cached is not None:
            return cached
        value: Any = self.offering
        for part in field.split("."):
            value = getattr(value, part) if value is not None else None
        if value is None:
            raise KeyError(f"{self.key} has no {field}")
        price = Price(
            key=f"{self.key}.{field}",
            value=float(value),
            unit=unit,
            currency=self.currency,
            source=self.offering.source,
            as_of=self.offering.as_of,
            status=self.offering.status,
            blocking=self.offering.blocking,
            retires=getattr(self.offering, "deprecation_date", None),
            sale=self._sale(field),
        )
        self._prices[(field, unit)] = price
        return price

    def _sale(self, field: str) -> Sale | None:
        offering = self.offering
        if not isinstance(offering, Sold):
            return None
        trains = field in TRAINING_PRICE_FIELDS
        return Sale(self.key, offering.region, offering.closed_to_new_customers_since,
                    offering.no_new_training_after if trains else None, offering.dates_source)

    def nested(self, name: str) -> Resolved | None:
        """A nested offering block (e.g. a chat model's ``fine_tuning``), if present."""
        inner = getattr(self.offering, name)
        return None if inner is None else Resolved(f"{self.key}.{name}", self.currency, inner)


class UnknownOffering(LookupError):
    """An offering reference that names nothing in the loaded tables (message says why)."""


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Every table that loaded from one price directory, plus the problems of those that did not."""

    directory: str
    tables: Mapping[str, PriceTable]
    assumptions: Assumptions | None
    people: PeopleTable | None
    hardware: HardwareTable | None
    fx: FxTable | None
    open_models: OpenModelTable | None
    problems: tuple[Problem, ...]
    # Each file's text as read, by file name: what a saved budget stores, so that it can be costed again on
    # exactly these tables after they change (``book_from_texts``). Not compared: the tables above are.
    texts: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    # -- lookups ---------------------------------------------------------------------------------
    def _find(self, ref: str, section: str, kind: str) -> Resolved:
        provider, sep, offering_id = ref.partition("/")
        if not sep or not provider or not offering_id:
            raise UnknownOffering(f"expected a reference of the form provider/id, got {ref!r}")
        table = self.tables.get(provider)
        if table is None:
            failed = [p for p in self.problems if Path(p.file).stem == provider]
            why = f" (its table failed to load: {failed[0]})" if failed else ""
            raise UnknownOffering(f"unknown provider {provider!r} in {ref!r}{why}")
        entries: Mapping[str, Offering] = getattr(table, section)
        if offering_id not in entries:
            known = ", ".join(f"{provider}/{k}" for k in entries) or "none"
            raise UnknownOffering(f"{ref!r} is not a {kind} in pricing/{provider}.yaml (known: {known})")
        return Resolved(f"{provider}.{section}.{offering_id}", table.currency, entries[offering_id])

    def chat_model(self, ref: str) -> Resolved:
        """A chat model (``openai/gpt-4o-mini``)."""
        return self._find(ref, "models", "chat model")

    def fine_tunable_model(self, ref: str) -> Resolved:
        """A chat model's fine-tuning block; raises if the model cannot be fine-tuned."""
        resolved = self.chat_model(ref).nested("fine_tuning")
        if resolved is None:
            raise UnknownOffering(f"{ref!r} has no fine_tuning prices, so it cannot be fine-tuned by API")
        return resolved

    def embedding_model(self, ref: str) -> Resolved:
        """An embedding model (``openai/text-embedding-3-small``)."""
        return self._find(ref, "embeddings", "embedding model")

    def vector_db(self, ref: str) -> Resolved:
        """A vector database plan (``pinecone/standard``)."""
        return self._find(ref, "vector_dbs", "vector database plan")

    def gpu_instance(self, ref: str) -> Resolved:
        """A GPU cloud offering (``runpod/h100-sxm-secure``)."""
        return self._find(ref, "gpu_instances", "GPU instance")

    def service(self, ref: str) -> Resolved:
        """An operations service (``langfuse/core``)."""
        return self._find(ref, "services", "service")

    def serverless_lora(self, host: str, model_id: str) -> Resolved | None:
        """The per-token prices at which ``host`` serves LoRA adapters on ``model_id`` (an open model), or None
        where it lists no such base model for serverless LoRA (a tuned model then needs a dedicated endpoint)."""
        table = self.tables.get(host)
        if table is None:
            raise UnknownOffering(f"unknown provider {host!r}")
        served = [key for key, model in table.models.items() if model.open_model == model_id and model.serverless_lora]
        return self.chat_model(f"{host}/{served[0]}") if served else None

    def fine_tuning_band(self, host: str, method: str, params_billion: float) -> Resolved:
        """The fine-tuning band of ``host`` that prices ``method`` for a model of ``params_billion``."""
        table = self.tables.get(host)
        if table is None:
            raise UnknownOffering(f"unknown provider {host!r}")
        for band_id, band in table.fine_tuning_bands.items():
            if band.method == method and band.min_params_billion <= params_billion <= band.max_params_billion:
                return Resolved(f"{host}.fine_tuning_bands.{band_id}", table.currency, band)
        bands = ", ".join(f"{b.method} {b.min_params_billion:g}-{b.max_params_billion:g}B"
                          for b in table.fine_tuning_bands.values()) or "none"
        raise UnknownOffering(f"{host} has no {method} fine-tuning band for a {params_billion:.3g}B model in "
                              f"pricing/{host}.yaml (bands: {bands})")

    def gpu_spec(self, gpu_id: str) -> GpuSpec:
        """Datasheet figures of a GPU by id (``h100-sxm``)."""
        if self.hardware is None or gpu_id not in self.hardware.gpus:
            raise UnknownOffering(f"no GPU {gpu_id!r} in pricing/hardware.yaml")
        return self.hardware.gpus[gpu_id]

    def open_model(self, model_id: str) -> OpenModel:
        """An open model's architecture by id (``llama-3.1-8b``)."""
        if self.open_models is None or model_id not in self.open_models.models:
            known = ", ".join(self.open_models.models) if self.open_models else "none"
            raise UnknownOffering(f"no open model {model_id!r} in pricing/open_models.yaml (known: {known})")
        return self.open_models.models[model_id]

    def rate_card(self, card_id: str) -> tuple[str, RateCard]:
        """A people rate card by id, with its key prefix."""
        if self.people is None:
            raise UnknownOffering("pricing/people.yaml did not load, so no people rates are known")
        if card_id not in self.people.rate_cards:
            known = ", ".join(self.people.rate_cards)
            raise UnknownOffering(f"no rate card {card_id!r} in pricing/people.yaml (known: {known})")
        return f"people.rate_cards.{card_id}", self.people.rate_cards[card_id]

    def require_assumptions(self) -> Assumptions:
        """The assumptions table; estimating without it is impossible, so its absence raises."""
        if self.assumptions is None:
            why = [p for p in self.problems if Path(p.file).stem == "assumptions"]
            raise PricingError(why or [Problem("assumptions.yaml", None, "", "file is missing")])
        return self.assumptions


NESTED_OFFERINGS = ("fine_tuning",)  # offering blocks inside an offering (a chat model's fine-tuning prices)


# Blocks of prices inside an offering that are not offerings themselves: a dotted price field's first part.
PRICE_BLOCKS = ("long_context", "provisioned")


def offering_key(price_key: str) -> str:
    """The offering a price belongs to: its key without the field, nor a block of prices the field is in.

    >>> offering_key("openai.models.gpt-5.4.long_context.input_per_million_tokens")
    'openai.models.gpt-5.4'
    >>> offering_key("aws.models.nova-micro.fine_tuning.provisioned.per_unit_hour")
    'aws.models.nova-micro.fine_tuning'
    """
    key = price_key.rsplit(".", 1)[0]
    for block in PRICE_BLOCKS:
        key = key.removesuffix(f".{block}")
    return key


def describe_key(key: str, with_field: bool = True) -> str:
    """A price's key in words, for people (the key itself stays in exports, for programs).

    >>> describe_key("openai.models.gpt-4o-mini.fine_tuning.training_per_million_tokens")
    'openai/gpt-4o-mini fine-tuning: training per million tokens'
    >>> describe_key("people.rate_cards.us.roles.ml_engineer.per_hour")
    'ml engineer per hour (us rate card)'
    >>> describe_key("assumptions.expert_minutes_per_example")
    'assumption: expert minutes per example'
    >>> describe_key("project.tax_rate")
    'scenario: tax rate'
    >>> describe_key("fx.rates.GBP.usd_per_unit", with_field=False)
    'exchange rate GBP'
    >>> describe_key("openai.models.gpt-4.1-mini.fine_tuning", with_field=False)
    'openai/gpt-4.1-mini fine-tuning'
    """
    parts = key.split(".")
    if parts[0] == "project":  # a figure the scenario sets itself (its tax rate)
        return f"scenario: {' '.join(p.replace('_', ' ') for p in parts[1:])}"
    if parts[0] == "assumptions":
        return f"assumption: {' '.join(p.replace('_', ' ') for p in parts[1:])}"
    if parts[0] == "fx" and len(parts) >= 3:
        field = f": {parts[3].replace('_', ' ')}" if with_field and len(parts) > 3 else ""
        return f"exchange rate {parts[2]}{field}"
    if parts[0] == "people" and len(parts) >= 5:
        field = f" {parts[5].replace('_', ' ')}" if with_field and len(parts) > 5 else ""
        return f"{parts[4].replace('_', ' ')}{field} ({parts[2]} rate card)"
    if len(parts) < 3:
        return key
    # provider.section.<offering id, which may hold dots>[.fine_tuning][.field]
    provider, _, rest = key.split(".", 2)
    field = ""
    if with_field:
        rest, _, field = rest.rpartition(".")
    nested = ""
    for name in NESTED_OFFERINGS:
        if rest.endswith(f".{name}"):
            rest, nested = rest.removesuffix(f".{name}"), f" {name.replace('_', '-')}"
    name = f"{provider}/{rest}{nested}"
    return f"{name}: {field.replace('_', ' ')}" if field else name


def rate_price(card_key: str, card: RateCard, role: str) -> Price:
    """One role's hourly rate from a rate card, as a Price."""
    rate = getattr(card.roles, role)
    return Price(
        key=f"{card_key}.roles.{role}.per_hour",
        value=rate.hourly,
        unit="hour",
        currency=card.currency,
        source=f"{rate.derivation}; {rate.source}" if rate.derivation else rate.source,
        as_of=rate.as_of,
        status=rate.status,
    )


def assumption_price(assumptions: Assumptions, name: str) -> Price:
    """A named assumption as a Price (``currency`` None), keyed ``assumptions.<name>``."""
    item = getattr(assumptions, name)
    source = item.source if item.basis == "sourced" else f"{item.basis.replace('_', ' ')}: {item.source}"
    return Price(key=f"assumptions.{name}", value=item.value, unit=item.unit, currency=None, source=source)


def load_price_book(directory: str | Path = DEFAULT_PRICES_DIR) -> PriceBook:
    """Load every ``*.yaml`` in ``directory``; failures become ``problems``, never exceptions.

    Problems name each file relative to ``directory`` (``openai.yaml``), so that no server path reaches
    a screen; a caller that knows the user gave the directory may say where it is. Raises
    ``PricingError`` only if the directory itself cannot be read.
    """
    directory = Path(directory)
    paths = list_files(directory)
    if not paths and not list_files(directory, "*"):
        raise PricingError(Problem(str(directory), None, "", "price directory not found, or empty"))
    texts: dict[str, str] = {}
    unread: list[Problem] = []
    for path in paths:
        try:
            texts[path.name] = read_text(path, PricingError, path.name, limits.MAX_YAML_BYTES)
        except PricingError as exc:
            unread.extend(exc.problems)
    return book_from_texts(texts, str(directory), unread)


def book_from_texts(texts: Mapping[str, str], directory: str = "", unread: Sequence[Problem] = ()) -> PriceBook:
    """The price book of these files' texts (by file name, as ``PriceBook.texts`` keeps them): what
    ``load_price_book`` makes of a directory, and what a saved budget's stored tables make again.

    ``unread`` are problems of files that could not be read at all. Tables load in the order of their
    names, as from a directory, so the same texts always make the same book.

    >>> book = load_price_book(DEFAULT_PRICES_DIR)
    >>> again = book_from_texts(book.texts, book.directory)
    >>> again == book, again.texts == book.texts, len(again.texts) == len(list_files(DEFAULT_PRICES_DIR))
    (True, True, True)
    """
    tables: dict[str, PriceTable] = {}
    special: dict[str, Any] = {}
    problems: list[Problem] = list(unread)
    for name in sorted(texts):
        stem = name.removesuffix(".yaml")
        try:
            doc = parse_yaml(texts[name], name, PricingError)
            model = SPECIAL_TABLES.get(stem, PriceTable)
            table = validate_document(model, doc, PricingError)
            if isinstance(table, PriceTable) and table.provider != stem:
                raise PricingError(
                    Problem(name, doc.line_of(("provider",)), "provider",
                            f"must equal the file name {stem!r}, got {table.provider!r}")
                )
        except PricingError as exc:
            problems.extend(exc.problems)
            continue
        if isinstance(table, PriceTable):
            tables[table.provider] = table
        else:
            special[stem] = table
    hardware: HardwareTable | None = special.get("hardware")
    tables = _drop_unknown_gpus(tables, hardware, problems)
    return PriceBook(
        directory=directory,
        tables=tables,
        assumptions=special.get("assumptions"),
        people=special.get("people"),
        hardware=hardware,
        fx=special.get("fx"),
        open_models=special.get("open_models"),
        problems=tuple(problems),
        texts=dict(texts),
    )


def _drop_unknown_gpus(
    tables: dict[str, PriceTable], hardware: HardwareTable | None, problems: list[Problem]
) -> dict[str, PriceTable]:
    """Leave out a table whose GPU instances name a GPU that ``hardware.yaml`` lacks."""
    known = set(hardware.gpus) if hardware is not None else set()
    kept: dict[str, PriceTable] = {}
    for provider, table in tables.items():
        bad = [(i, inst) for i, inst in table.gpu_instances.items() if inst.gpu not in known]
        for instance_id, instance in bad:
            problems.append(
                Problem(f"{provider}.yaml", None, f"gpu_instances.{instance_id}.gpu",
                        f"unknown GPU {instance.gpu!r}; expected an id in hardware.yaml")
            )
        if not bad:
            kept[provider] = table
    return kept


def open_model_hosts(book: PriceBook) -> dict[str, list[str]]:
    """The hosts of open models: providers that tune them (a LoRA fine-tuning band covers the model's size) and
    serve the tuned model, per token on a base they list for serverless LoRA or on a dedicated endpoint (one of
    their GPU instances). Each with the open models it can serve: those its table lists first, in its order."""
    models = book.open_models.models if book.open_models is not None else {}
    hosts = {}
    for name, table in book.tables.items():
        if not table.fine_tuning_bands:
            continue
        listed = [m.open_model for m in table.models.values() if m.open_model and m.serverless_lora]
        if table.gpu_instances:
            listed += [m.open_model for m in table.models.values() if m.open_model] + list(models)
        served = [m for m in dict.fromkeys(listed) if m in models and _tunes_lora(book, name, models[m])]
        if served:
            hosts[name] = served
    return hosts


def _tunes_lora(book: PriceBook, host: str, model: OpenModel) -> bool:
    """Whether one of ``host``'s LoRA bands covers ``model``'s size (the band lookup the estimate makes)."""
    try:
        book.fine_tuning_band(host, "lora", billions_priced(model))
    except UnknownOffering:
        return False
    return True


def all_offerings(book: PriceBook) -> list[tuple[str, str, Offering]]:
    """(reference, section, offering) for every offering in the book, for listings."""
    rows: list[tuple[str, str, Offering]] = []
    for provider, table in book.tables.items():
        for section in OFFERING_SECTIONS:
            for offering_id, offering in getattr(table, section).items():
                rows.append((f"{provider}/{offering_id}", section, offering))
    return rows

