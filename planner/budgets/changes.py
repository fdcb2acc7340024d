"""What changed since a budget was saved, and two saved budgets side by side.

"What changed since" costs the saved scenario again, on the same planning day, on today's price tables,
so that the tables are the only thing that differs. It then lists:

- each option's saved and current totals;
- each price that moved, old and new, with its effect on each option: the change in the lines that
  price is the unit price of (a price feeds other lines too, such as the contingency on the build, and
  those show in the line-by-line list);
- every line whose amount over the horizon changed by a cent or more, with the price it is billed at.

Lines are matched by option, category, item and price key (the nth such line with the nth), so a line
that is new today (another GPU now cheapest) or gone shows as one, with the old or new amount missing.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from planner.budgets.snapshot import Reopened, totals_of
from planner.budgets.store import BudgetTotals, OptionTotals, SavedBudget
from planner.core.errors import PlannerError
from planner.costs.estimator import Estimate, estimate
from planner.costs.lines import LineItem
from planner.inputs.files import digest
from planner.inputs.pricebook import PriceBook, describe_key

CENT = 0.005  # half a cent: a difference smaller than this shows as 0.00, and is no change


def in_cents(amount: float) -> float:
    """``amount`` rounded to the cent, as it is shown.

    >>> in_cents(61076.964), in_cents(50875.476)
    (61076.96, 50875.48)
    """
    return round(amount, 2)


def difference(new: float, old: float) -> float:
    """``new`` less ``old`` as people check it: between the two amounts as shown, to the cent.

    >>> difference(61076.964, 50875.476)  # 61,076.96 - 50,875.48, where the unrounded 10,201.488 shows +10,201.49
    10201.48
    """
    return round(in_cents(new) - in_cents(old), 2)


def money(amount: float, currency: str) -> str:
    """An amount to the cent with separators and its currency.

    >>> money(1234567.891, "USD"), money(-0.5, "GBP")
    ('1,234,567.89 USD', '-0.50 GBP')
    """
    return f"{amount:,.2f} {currency}"


def signed(amount: float, currency: str) -> str:
    """A difference, with its sign.

    >>> signed(12.5, "EUR"), signed(-3, "EUR"), signed(0, "EUR"), signed(-0.003, "EUR")
    ('+12.50 EUR', '-3.00 EUR', '0.00 EUR', '0.00 EUR')
    """
    if abs(amount) < CENT:
        return money(0.0, currency)
    return f"{'+' if amount > 0 else ''}{money(amount, currency)}"


@dataclass(frozen=True)
class OptionChange:
    """An option's totals as saved and as costed today (None: the option is not in that one)."""

    label: str
    old: OptionTotals | None
    new: OptionTotals | None

    def _delta(self, figure: str) -> float | None:
        if self.old is None or self.new is None:
            return None
        return difference(getattr(self.new, figure), getattr(self.old, figure))

    @property
    def one_time_delta(self) -> float | None:
        return self._delta("one_time")

    @property
    def first_month_delta(self) -> float | None:
        return self._delta("first_month")

    @property
    def horizon_delta(self) -> float | None:
        return self._delta("horizon")


@dataclass(frozen=True)
class PriceMove:
    """A price a line of the budget is billed at that differs today (None: not in that side's lines)."""

    key: str
    label: str  # the key in words
    old: float | None
    new: float | None
    unit: str
    currency: str  # the price's own, as its table publishes it ("" for an assumption)
    effects: tuple[tuple[str, float], ...]  # (option, change of its horizon total in the lines billed at it)

    def describe(self) -> str:
        """In words, with the price as published (before any conversion to the budget's currency).

        >>> PriceMove("openai.models.gpt-4.1-mini.input_per_million_tokens", "openai/gpt-4.1-mini: input per "
        ...           "million tokens", 0.4, 0.8, "million tokens", "USD", ()).describe()
        'openai/gpt-4.1-mini: input per million tokens: 0.4 → 0.8 USD per million tokens'
        >>> PriceMove("assumptions.prompt_design_hours", "assumption: prompt design hours", 40, 80, "", "",
        ...           ()).describe()
        'assumption: prompt design hours: 40 → 80'
        """
        unit = " ".join(part for part in (self.currency, f"per {self.unit}" if self.unit else "") if part)
        unit = f" {unit}" if unit else ""
        if self.old is None:
            return f"{self.label}: new, {self.new:,.6g}{unit}"
        if self.new is None:
            return f"{self.label}: no longer in the tables (was {self.old:,.6g}{unit})"
        return f"{self.label}: {self.old:,.6g} → {self.new:,.6g}{unit}"


@dataclass(frozen=True)
class LineChange:
    """One line whose amount over the horizon changed (None: the line is new, or gone)."""

    option: str
    item: str
    price_key: str
    old_amount: float | None
    new_amount: float | None

    @property
    def delta(self) -> float:
        """The change to the cent, between the amounts as shown (a new line from nothing, a gone one to nothing)."""
        return difference(self.new_amount or 0.0, self.old_amount or 0.0)

    def describe(self, currency: str) -> str:
        """In words, with the amounts over the horizon."""
        if self.old_amount is None:
            was = "new"
        elif self.new_amount is None:
            was = f"gone (was {money(self.old_amount, currency)})"
        else:
            was = f"{money(self.old_amount, currency)} → {money(self.new_amount, currency)}"
        return f"{self.option}: {self.item}: {was} ({signed(self.delta, currency)})"


@dataclass(frozen=True)
class BudgetChanges:
    """The difference between a budget as saved and as costed on today's tables."""

    name: str
    currency: str
    horizon_months: int
    options: tuple[OptionChange, ...]
    prices: tuple[PriceMove, ...]
    lines: tuple[LineChange, ...]
    tables_changed: tuple[str, ...]  # price files whose text differs (or that are new, or gone)
    problem: str = ""  # why it cannot be costed on today's tables ("" if it can)

    @property
    def unchanged(self) -> bool:
        return not (self.problem or self.prices or self.lines
                    or any(o.old is None or o.new is None for o in self.options))

    def report(self) -> list[str]:
        """The whole difference as plain lines of text (the command line's ``budgets diff``)."""
        cur = self.currency
        out = [f"What changed since {self.name!r} was saved: costed again on today's price tables, same plan "
               "and planning day."]
        if self.tables_changed:
            out.append(f"Price files changed since: {', '.join(self.tables_changed)}.")
        else:
            out.append("No price file has changed since.")
        if self.problem:
            return [*out, f"It cannot be costed on today's tables: {self.problem}"]
        out.append("")
        out.append(f"Totals incl. the one-time build over {self.horizon_months} months:")
        for option in self.options:
            if option.old is None or option.new is None:
                side = "today only" if option.old is None else "saved only"
                out.append(f"  {option.label}: {side}")
                continue
            out.append(f"  {option.label}: {money(option.old.horizon, cur)} → {money(option.new.horizon, cur)} "
                       f"({signed(option.horizon_delta or 0.0, cur)}; build {signed(option.one_time_delta or 0.0, cur)}"
                       f", first month {signed(option.first_month_delta or 0.0, cur)})")
        if self.prices:
            out += ["", "Prices, exchange rates and assumptions that moved, and what each moved in the lines billed "
                        "at it:"]
            for move in self.prices:
                effects = "; ".join(f"{option} {signed(amount, cur)}" for option, amount in move.effects)
                effects = effects or "no line is billed at it (any effect is in the lines below)"
                out.append(f"  {move.describe()}: {effects}")
        if self.lines:
            out += ["", f"Lines that changed (over {self.horizon_months} months):"]
            out += [f"  {line.describe(cur)}" for line in self.lines]
        if self.unchanged:
            out += ["", "Nothing changed: today's tables give the saved figures."]
        return out


def what_changed(reopened: Reopened, today: PriceBook) -> BudgetChanges:
    """The saved budget against the same plan costed on ``today``'s tables."""
    budget, old = reopened.budget, reopened.result
    tables = tables_changed_since(budget, today)
    try:
        new = estimate(old.scenario, today, budget.planned_on)  # the saved scenario, as reopening parsed it
    except PlannerError as exc:
        return BudgetChanges(budget.name, old.currency, old.horizon_months, (), (), (), tables, str(exc))
    return _changes(budget.name, old, new, tables, reopened.book, today)


def tables_changed_since(budget: SavedBudget, today: PriceBook) -> tuple[str, ...]:
    """The price files whose text differs today from the one the budget was saved with (or that are new, or
    gone), by name: what an opened budget warns of before anyone approves it."""
    now = {name: digest(text) for name, text in today.texts.items()}
    saved = budget.table_digests
    return tuple(sorted(name for name in set(saved) | set(now) if saved.get(name) != now.get(name)))


def table_value(book: PriceBook, key: str) -> tuple[float, str | None] | None:
    """The figure a price key names in ``book``'s tables as published, before any conversion, with its
    currency (None for an assumption); None where the tables hold no such figure (a scenario's own tax rate).

    >>> from planner.inputs.pricebook import DEFAULT_PRICES_DIR, load_price_book
    >>> book = load_price_book(DEFAULT_PRICES_DIR)
    >>> table_value(book, "openai.models.gpt-5.4-mini.input_per_million_tokens")
    (0.75, 'USD')
    >>> table_value(book, "fx.rates.GBP.usd_per_unit")[1], table_value(book, "project.tax_rate")
    ('USD', None)
    """
    parts = key.split(".")
    try:
        if parts[0] == "assumptions" and book.assumptions is not None:
            return float(getattr(book.assumptions, parts[1]).value), None
        if parts[0] == "people" and book.people is not None:  # people.rate_cards.<card>.roles.<role>.per_hour
            card = book.people.rate_cards[parts[2]]
            return getattr(card.roles, parts[4]).hourly, card.currency
        if parts[0] == "fx" and book.fx is not None:  # fx.rates.<currency>.usd_per_unit
            return float(book.fx.rates[parts[2]].usd_per_unit), "USD"
        table = book.tables.get(parts[0])
        if table is None or len(parts) < 4:
            return None
        offerings = getattr(table, parts[1])
        rest = ".".join(parts[2:])
        # An offering's id may hold dots (gpt-5.4-mini): the longest id the key starts with.
        offering_id = max((i for i in offerings if rest.startswith(f"{i}.")), key=len)
        value: Any = offerings[offering_id]
        for name in rest[len(offering_id) + 1:].split("."):
            value = getattr(value, name)
        return (float(value), table.currency) if isinstance(value, int | float) else None
    except (AttributeError, IndexError, KeyError, ValueError, TypeError):
        return None


def _changes(name: str, old: Estimate, new: Estimate, tables: tuple[str, ...], old_book: PriceBook,
             new_book: PriceBook) -> BudgetChanges:
    old_totals, new_totals = _by_option(totals_of(old)), _by_option(totals_of(new))
    labels = {**{k: r.label for k, r in old.approaches.items()}, **{k: r.label for k, r in new.approaches.items()}}
    options = tuple(OptionChange(labels[k], old_totals.get(k), new_totals.get(k)) for k in labels)
    lines: list[LineChange] = []
    moves: dict[str, tuple[float | None, float | None, str, str]] = {}  # key -> old, new, unit, currency
    effects: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    fx_moved = _fx_moved(old_book, new_book)
    for option, label in labels.items():
        before = _keyed(old.approaches[option].lines if option in old.approaches else ())
        after = _keyed(new.approaches[option].lines if option in new.approaches else ())
        for key in [*before, *(k for k in after if k not in before)]:
            was, now = before.get(key), after.get(key)
            line = was or now
            assert line is not None  # one of the two is there
            change = LineChange(label, line.item, line.price_key, was.horizon_amount if was else None,
                                now.horizon_amount if now else None)
            if was is None or now is None or abs(change.delta) >= CENT:
                lines.append(change)
            # What moved this line's unit price: its own price as published, else the exchange rate it was
            # converted at. Compared as published, so that a moved exchange rate is not blamed on the prices.
            blamed = _moved_price(line.price_key, was, now, old_book, new_book, old.currency, moves)
            if blamed is None and was is not None and now is not None and was.unit_price != now.unit_price:
                blamed = next((f"fx.rates.{c}.usd_per_unit" for c in _converted_from(line, old.currency)
                               if c in fx_moved), None)
            if blamed is not None:
                # The sum of its lines' changes as the lines show them, so that the two add up to the cent.
                effects[blamed][label] = round(effects[blamed][label] + change.delta, 2)
    for currency, (was_rate, now_rate) in fx_moved.items():
        moves.setdefault(f"fx.rates.{currency}.usd_per_unit", (was_rate, now_rate, currency, "USD"))
    for assumption, (was_value, now_value) in _assumptions_moved(old_book, new_book).items():
        moves.setdefault(f"assumptions.{assumption}", (was_value, now_value, "", ""))
    prices = tuple(PriceMove(key, describe_key(key), o, n, unit, currency,
                             tuple((label, amount) for label, amount in effects[key].items()))
                   for key, (o, n, unit, currency) in sorted(moves.items()))
    return BudgetChanges(name, old.currency, old.horizon_months, options, prices, tuple(lines), tables)


def _moved_price(key: str, was: LineItem | None, now: LineItem | None, old_book: PriceBook, new_book: PriceBook,
                 currency: str, moves: dict[str, tuple[float | None, float | None, str, str]]) -> str | None:
    """``key`` if the price it names moved (recording it in ``moves``), else None."""
    if not key:
        return None
    published = table_value(old_book, key), table_value(new_book, key)
    if published == (None, None):  # not a table's figure (the scenario's tax rate): as the lines bill it
        if was is None or now is None or was.unit_price == now.unit_price:
            return None
        moves.setdefault(key, (was.unit_price, now.unit_price, was.unit, currency))
        return key
    before, after = published
    if before == after:
        return None
    unit = (was or now).unit  # type: ignore[union-attr]  # one of the two is there
    moves.setdefault(key, (before[0] if before else None, after[0] if after else None, unit,
                           (before or after)[1] or ""))  # type: ignore[index]
    return key


def _fx_moved(old_book: PriceBook, new_book: PriceBook) -> dict[str, tuple[float | None, float | None]]:
    """Exchange rates (US dollars per unit) that differ between the two books, by currency."""
    def rates(book: PriceBook) -> dict[str, float]:
        return {c: float(r.usd_per_unit) for c, r in book.fx.rates.items()} if book.fx is not None else {}

    before, after = rates(old_book), rates(new_book)
    return {c: (before.get(c), after.get(c)) for c in sorted(set(before) | set(after)) if before.get(c) != after.get(c)}


def _converted_from(line: LineItem, currency: str) -> list[str]:
    """The currencies whose exchange rates a line's conversion used: its price's and the report's."""
    found = re.match(r"converted from ([A-Z]{3}) ", line.note)
    return [found.group(1), currency] if found else []


def _assumptions_moved(old_book: PriceBook, new_book: PriceBook) -> dict[str, tuple[float, float]]:
    """Assumptions whose value differs: they feed quantities (hours, shares) as well as prices."""
    if old_book.assumptions is None or new_book.assumptions is None:
        return {}
    return {name: (getattr(old_book.assumptions, name).value, getattr(new_book.assumptions, name).value)
            for name in type(old_book.assumptions).model_fields
            if getattr(old_book.assumptions, name).value != getattr(new_book.assumptions, name).value}


def _by_option(totals: BudgetTotals) -> dict[str, OptionTotals]:
    return {o.option: o for o in totals.options}


def _keyed(lines: Iterable[LineItem]) -> dict[tuple[str, str, str, int], LineItem]:
    """Lines by (category, item, price key, how many such came before): the same line on both sides."""
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    keyed: dict[tuple[str, str, str, int], LineItem] = {}
    for line in lines:
        base = (line.category, line.item, line.price_key)
        keyed[(*base, seen[base])] = line
        seen[base] += 1
    return keyed


# -- two saved budgets side by side ------------------------------------------------------------------
FIGURES: tuple[tuple[str, str, str], ...] = (  # (label, OptionTotals field, kind)
    ("One-time build cost", "one_time", "money"),
    ("First-month running cost", "first_month", "money"),
    ("Total incl. the one-time build", "horizon", "money"),
    ("Weeks to production", "weeks_to_production", "weeks"),
    ("People-hours before launch", "people_hours", "hours"),
    ("Goes live on", "goes_live", "date"),
)


def side_by_side(first: Reopened | SavedBudget, second: Reopened | SavedBudget
                 ) -> list[tuple[str, str, str, str, str]]:
    """Two saved budgets' figures as saved, option by option (matched by name): rows of (figure, option,
    first, second, difference), in words with units. Money in different currencies is not subtracted.

    >>> a = BudgetTotals("USD", 12, (OptionTotals("rag", "RAG", 100.0, 10.0, 220.0, 6.0, 80.0, None),))
    >>> b = BudgetTotals("USD", 12, (OptionTotals("rag", "RAG", 150.0, 10.0, 270.0, 7.5, 90.0, None),))
    >>> side_by_side(_saved(a), _saved(b))[0]
    ('One-time build cost', 'RAG', '100.00 USD', '150.00 USD', '+50.00 USD')
    >>> side_by_side(_saved(a), _saved(b))[3]
    ('Weeks to production', 'RAG', '6.0 weeks', '7.5 weeks', '+1.5 weeks')
    """
    one, two = (_totals(x) for x in (first, second))
    left, right = ({o.label: o for o in t.options} for t in (one, two))
    rows = []
    for label in [*left, *(k for k in right if k not in left)]:
        a, b = left.get(label), right.get(label)
        for figure, field, kind in FIGURES:
            x = getattr(a, field) if a else None
            y = getattr(b, field) if b else None
            same_horizon = field == "horizon" and one.horizon_months == two.horizon_months
            rows.append((f"{figure} over {one.horizon_months} months" if same_horizon else figure, label,
                         _shown(x, kind, one.currency),
                         _shown(y, kind, two.currency), _difference(x, y, kind, one.currency, two.currency)))
    return rows


def _totals(item: Reopened | SavedBudget) -> BudgetTotals:
    return item.budget.totals if isinstance(item, Reopened) else item.totals


def _shown(value: object, kind: str, currency: str) -> str:
    if value is None:
        return "not in this budget"
    if kind == "money":
        return money(float(value), currency)  # type: ignore[arg-type]
    if kind == "weeks":
        return f"{value:.1f} weeks"
    if kind == "hours":
        return f"{value:,.0f} h"
    assert isinstance(value, datetime.date)
    return f"{value:%d %b %Y}"


def _difference(x: object, y: object, kind: str, first_currency: str, second_currency: str) -> str:
    if x is None or y is None:
        return ""
    if kind == "money":
        if first_currency != second_currency:
            return "different currencies"
        return signed(difference(float(y), float(x)), first_currency)  # type: ignore[arg-type]
    if kind == "weeks":
        return f"{float(y) - float(x):+.1f} weeks"  # type: ignore[arg-type]
    if kind == "hours":
        return f"{float(y) - float(x):+,.0f} h"  # type: ignore[arg-type]
    assert isinstance(x, datetime.date) and isinstance(y, datetime.date)
    return f"{(y - x).days:+d} days"


def _saved(totals: BudgetTotals) -> SavedBudget:  # for the examples above
    moment = datetime.datetime(2027, 1, 4)
    return SavedBudget("example", "local", "draft", moment, moment, None, None, 1, moment.date(), totals.currency,
                       totals.horizon_months, len(totals.options), None, totals, "", {}, 0)
