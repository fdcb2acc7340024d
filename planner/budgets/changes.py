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
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from planner.budgets.snapshot import Reopened, totals_of
from planner.budgets.store import BudgetTotals, OptionTotals, SavedBudget
from planner.core.errors import PlannerError
from planner.costs.estimator import Estimate, estimate
from planner.costs.lines import LineItem
from planner.inputs.pricebook import PriceBook, describe_key
from planner.inputs.scenario import parse_scenario

CENT = 0.005  # a difference that rounds to less than a cent is no change


def money(amount: float, currency: str) -> str:
    """An amount to the cent with separators and its currency.

    >>> money(1234567.891, "USD"), money(-0.5, "GBP")
    ('1,234,567.89 USD', '-0.50 GBP')
    """
    return f"{amount:,.2f} {currency}"


def signed(amount: float, currency: str) -> str:
    """A difference, with its sign.

    >>> signed(12.5, "EUR"), signed(-3, "EUR"), signed(0, "EUR")
    ('+12.50 EUR', '-3.00 EUR', '0.00 EUR')
    """
    return f"{'+' if amount >= CENT else ''}{money(amount, currency)}"


@dataclass(frozen=True)
class OptionChange:
    """An option's totals as saved and as costed today (None: the option is not in that one)."""

    label: str
    old: OptionTotals | None
    new: OptionTotals | None

    def _delta(self, figure: str) -> float | None:
        if self.old is None or self.new is None:
            return None
        return float(getattr(self.new, figure) - getattr(self.old, figure))

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
    currency: str  # the budget's: prices in another currency are converted as the lines show them
    effects: tuple[tuple[str, float], ...]  # (option, change of its horizon total in the lines billed at it)

    def describe(self) -> str:
        """In words: "openai/gpt-4.1-mini: input per million tokens: 0.40 → 0.80 USD per million tokens"."""
        unit = f" per {self.unit}" if self.unit else ""
        if self.old is None:
            return f"{self.label}: new, {self.new:,.6g} {self.currency}{unit}"
        if self.new is None:
            return f"{self.label}: no longer used (was {self.old:,.6g} {self.currency}{unit})"
        return f"{self.label}: {self.old:,.6g} → {self.new:,.6g} {self.currency}{unit}"


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
        return (self.new_amount or 0.0) - (self.old_amount or 0.0)

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
            out += ["", "Prices that moved, and what each moved in the lines billed at it:"]
            for move in self.prices:
                effects = "; ".join(f"{option} {signed(amount, cur)}" for option, amount in move.effects)
                out.append(f"  {move.describe()}: {effects or 'no option uses it'}")
        if self.lines:
            out += ["", f"Lines that changed (over {self.horizon_months} months):"]
            out += [f"  {line.describe(cur)}" for line in self.lines]
        if self.unchanged:
            out += ["", "Nothing changed: today's tables give the saved figures."]
        return out


def what_changed(reopened: Reopened, today: PriceBook) -> BudgetChanges:
    """The saved budget against the same plan costed on ``today``'s tables."""
    budget, old = reopened.budget, reopened.result
    tables = _changed_files(reopened.book.texts, today.texts)
    try:
        new = estimate(parse_scenario(budget.scenario_yaml, f"saved budget {budget.name!r}"), today,
                       budget.planned_on)
    except PlannerError as exc:
        return BudgetChanges(budget.name, old.currency, old.horizon_months, (), (), (), tables, str(exc))
    return _changes(budget.name, old, new, tables)


def _changed_files(saved: Mapping[str, str], today: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(name for name in set(saved) | set(today) if saved.get(name) != today.get(name)))


def _changes(name: str, old: Estimate, new: Estimate, tables: tuple[str, ...]) -> BudgetChanges:
    old_totals, new_totals = _by_option(totals_of(old)), _by_option(totals_of(new))
    labels = {**{k: r.label for k, r in old.approaches.items()}, **{k: r.label for k, r in new.approaches.items()}}
    options = tuple(OptionChange(labels[k], old_totals.get(k), new_totals.get(k)) for k in labels)
    lines: list[LineChange] = []
    moved: dict[str, tuple[float | None, float | None, str]] = {}
    effects: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for option, label in labels.items():
        before = _keyed(old.approaches[option].lines if option in old.approaches else ())
        after = _keyed(new.approaches[option].lines if option in new.approaches else ())
        for key in [*before, *(k for k in after if k not in before)]:
            was, now = before.get(key), after.get(key)
            price_key = (was or now).price_key  # type: ignore[union-attr]  # one of the two is there
            old_price = was.unit_price if was else None
            new_price = now.unit_price if now else None
            if price_key and old_price != new_price:
                first = moved.get(price_key)
                moved[price_key] = (first[0] if first and first[0] is not None else old_price,
                                    first[1] if first and first[1] is not None else new_price,
                                    (was or now).unit)  # type: ignore[union-attr]
                effects[price_key][label] += (now.horizon_amount if now else 0.0) - (was.horizon_amount if was else 0.0)
            change = LineChange(label, (was or now).item, price_key,  # type: ignore[union-attr]
                                was.horizon_amount if was else None, now.horizon_amount if now else None)
            if was is None or now is None or abs(change.delta) >= CENT:
                lines.append(change)
    prices = tuple(PriceMove(key, describe_key(key), o, n, unit, old.currency,
                             tuple((label, amount) for label, amount in effects[key].items()))
                   for key, (o, n, unit) in sorted(moved.items()))
    return BudgetChanges(name, old.currency, old.horizon_months, options, prices, tuple(lines), tables)


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
        return signed(float(y) - float(x), first_currency)  # type: ignore[arg-type]
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
