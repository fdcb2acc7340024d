"""A budget as saved, and costed again: the scenario, the planning day and the price tables' texts.

Costing is a function of three things: the scenario, the price tables and the planning day (which
dates the plan when the scenario gives no start date). A saved budget stores all three, so reopening it
costs it on exactly the tables it was approved on, whatever the price directory holds today.

>>> from planner.inputs.pricebook import DEFAULT_PRICES_DIR, load_price_book
>>> from planner.inputs.scenario import Scenario
>>> book = load_price_book(DEFAULT_PRICES_DIR)
>>> draft, result = budget_draft("Triage", Scenario(name="Triage"), book, datetime.date(2027, 1, 4))
>>> "start_date: '2027-01-04'" in draft.scenario_yaml, sorted(draft.tables) == sorted(book.texts)
(True, True)
>>> again = cost_again(draft.scenario_yaml, draft.tables, draft.planned_on, "Triage")
>>> totals_of(again) == draft.totals
True
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from planner.analysis.budget_calendar import go_live
from planner.budgets.store import BudgetDraft, BudgetTotals, OptionTotals, SavedBudget
from planner.core.errors import PricingError, Problem
from planner.costs.estimator import Estimate, estimate
from planner.inputs.pricebook import PriceBook, book_from_texts
from planner.inputs.scenario import Scenario, parse_scenario, scenario_yaml


def totals_of(result: Estimate) -> BudgetTotals:
    """The figures a budget approves, option by option: what the comparison shows."""
    return BudgetTotals(result.currency, result.horizon_months, tuple(
        OptionTotals(option, r.label, r.one_time_cost, r.monthly_cost, r.horizon_cost, r.weeks_to_production,
                     r.effort_hours, go_live(result.starts_on, r))
        for option, r in result.approaches.items()))


def pinned(scenario: Scenario, planned_on: datetime.date) -> Scenario:
    """The scenario with its start date written in (the planning day, if it had none), so that the saved
    plan keeps its dates when it is opened, duplicated or loaded into the planner on a later day."""
    project = scenario.project.model_copy(update={"start_date": scenario.project.starts_on(planned_on)})
    return scenario.model_copy(update={"project": project})


def budget_draft(name: str, scenario: Scenario, book: PriceBook, planned_on: datetime.date | None = None
                 ) -> tuple[BudgetDraft, Estimate]:
    """What saving ``scenario`` as ``name`` writes, and the estimate behind its totals.

    The totals come from costing the scenario as written out (so that reading it back gives the same
    figures) on ``book``, whose texts are stored with it. Raises ``PricingError`` if the book was not
    read from files (it has no texts to store), and ``ScenarioError`` if the scenario cannot be costed.
    """
    if not book.texts:
        raise PricingError(Problem("price tables", None, "", "these tables were not read from files; nothing to keep"))
    planned_on = planned_on or datetime.date.today()
    text = scenario_yaml(pinned(scenario, planned_on))
    result = cost_again(text, book.texts, planned_on, name, book)
    return BudgetDraft(name, text, planned_on, totals_of(result), dict(book.texts)), result


def cost_again(scenario_text: str, tables: Mapping[str, str], planned_on: datetime.date, name: str,
               book: PriceBook | None = None) -> Estimate:
    """Cost a saved scenario on the tables given as texts (or on ``book``, already made from them)."""
    scenario = parse_scenario(scenario_text, f"saved budget {name!r}")
    return estimate(scenario, book or book_from_texts(tables, f"saved budget {name!r}"), planned_on)


@dataclass(frozen=True)
class Reopened:
    """A saved budget costed again on its own tables, with the figures it was saved with."""

    budget: SavedBudget
    result: Estimate
    book: PriceBook

    @property
    def same_as_saved(self) -> bool:
        """Whether costing it again gives exactly the saved totals. Only a change in the planner's own
        rules (a new release) can make them differ: the scenario, tables and planning day are the saved ones."""
        return totals_of(self.result) == self.budget.totals

    def describe(self) -> str:
        """One line on where the figures come from."""
        tables = f"the {len(self.budget.table_digests)} price tables it was saved with"
        if self.same_as_saved:
            return (f"Costed on {tables} (planning day {self.budget.planned_on:%d %b %Y}): these are the figures "
                    f"saved on {self.budget.updated_at:%d %b %Y}.")
        return (f"Costed on {tables}, this release of the planner gives figures that differ from those saved on "
                f"{self.budget.updated_at:%d %b %Y}: its rules have changed since. The saved figures are the "
                "approved ones; both are shown.")


def reopen(budget: SavedBudget, tables: Mapping[str, str]) -> Reopened:
    """Cost ``budget`` again on ``tables``, its stored texts (``BudgetStore.table_texts``)."""
    book = book_from_texts(tables, f"saved budget {budget.name!r}")
    return Reopened(budget, cost_again(budget.scenario_yaml, tables, budget.planned_on, budget.name, book), book)
