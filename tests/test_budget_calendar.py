"""A plan on the calendar, contingency and tax: worked by hand on the worked scenario (conftest, round-number
fixture prices), and checked to add up on every bundled example."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from planner.analysis.budget_calendar import budget_calendar, fiscal_year_label, month_label, quarter_label
from planner.costs.budget_lines import tax_within
from planner.costs.estimator import estimate
from planner.inputs.pricebook import load_price_book
from planner.inputs.scenario import load_scenario
from tests.conftest import REPO, line, worked

approx = pytest.approx
PLANNED = datetime.date(2026, 12, 2)
# A Monday: the worked prompt option takes 6 weeks (task 1 + build 0.5 + iterations 1.5 + evaluation 2 +
# deployment 1), so it goes live 42 days later, on Monday 15 February 2027.
START = "2027-01-04"


def test_contingency_is_its_own_line_on_the_build(book):
    result = estimate(worked(**{"project.contingency_share": 0.2}), book, PLANNED).approaches["prompt"]
    found = line(result, "Contingency on the build")
    assert (found.category, found.timing) == ("contingency", "one_time")
    assert found.amount == approx(0.2 * 2_500.84)  # the worked prompt's one-time cost (test_cost_model)
    assert result.one_time_cost == approx(1.2 * 2_500.84)
    assert result.monthly_cost == approx(13.00)  # running costs carry none
    assert "project.contingency_share (0.2)" in found.quantity_basis


def test_contingency_defaults_to_the_assumption(book):
    """The fixture's assumption is 0: no line at all (not a line of 0)."""
    result = estimate(worked(), book, PLANNED).approaches["prompt"]
    assert not [li for li in result.lines if li.category == "contingency"]


def test_tax_is_added_on_suppliers_bills_only(book):
    result = estimate(worked(**{"project.tax_rate": 0.2}), book, PLANNED).approaches["prompt"]
    # one-time bills: LLM judge 0.60 + 0.24 = 0.84 (people's 2,500 hours carry none); monthly: tokens 11 + 2 = 13
    assert line(result, "Tax on suppliers' one-time bills").amount == approx(0.2 * 0.84)
    monthly = line(result, "Tax on suppliers' monthly bills")
    assert monthly.monthly_amounts == approx([0.2 * 13.00] * 3)
    assert result.horizon_cost == approx(2_500.84 + 3 * 13.00 + 0.2 * (0.84 + 3 * 13.00))


def test_prices_that_include_tax_add_none_and_say_how_much_is_in_them(book):
    result = estimate(worked(**{"project.tax_rate": 0.2, "project.prices_include_tax": True}), book,
                      PLANNED).approaches["prompt"]
    assert not [li for li in result.lines if li.category == "tax"]
    # suppliers' bills over the horizon: 0.84 + 3 x 13 = 39.84, of which 39.84 x 0.2 / 1.2 = 6.64 is tax
    assert tax_within(result.lines, 0.2) == approx(6.64)


def test_go_live_and_months_on_the_calendar(book):
    estimated = estimate(worked(**{"project.start_date": START}), book, PLANNED)
    calendar = budget_calendar(estimated)
    prompt = calendar.options["prompt"]
    assert prompt.go_live == datetime.date(2027, 2, 15)
    # Months from January (work starts) to April: the prompt's 3 run months are February, March and April;
    # the fine-tune goes live on 21 March (10.75 weeks = 75.25 days, to the next whole day: 76) and runs to May.
    assert [month_label(m) for m in calendar.months] == ["Jan 2027", "Feb 2027", "Mar 2027", "Apr 2027", "May 2027"]
    assert calendar.options["fine_tune"].go_live == datetime.date(2027, 3, 21)
    tokens = next(d for d in prompt.lines if d.line.item == "Input tokens")
    assert tokens.amounts == approx([0, 11.00, 11.00, 11.00, 0])
    assert tokens.stage == "run"


def test_build_lines_are_paid_over_their_phase(book):
    calendar = budget_calendar(estimate(worked(**{"project.start_date": START}), book, PLANNED))
    prompt = {d.line.item: d for d in calendar.options["prompt"].lines}
    # Engineering over the whole build, days 0-42: 28 in January (4 January - 31 January), 14 in February.
    assert prompt["Prompt design"].amounts == approx([1_000 * 28 / 42, 1_000 * 14 / 42, 0, 0, 0])
    # Evaluation over the iterations and the evaluation, weeks 1.5-5 (days 10.5-35): 17.5 of 24.5 days in January.
    assert prompt["Human review of outputs"].amounts == approx([900 * 17.5 / 24.5, 900 * 7 / 24.5, 0, 0, 0])
    assert prompt["Human review of outputs"].stage == "build"


def test_retraining_is_a_step_in_the_months_it_is_paid(book):
    estimated = estimate(worked(**{"project.start_date": START, "horizon_months": 9}), book, PLANNED)
    calendar = budget_calendar(estimated)
    run = next(d for d in calendar.options["fine_tune"].lines if d.line.item == "Retraining run")
    # Live on 21 March 2027: run month 1 is March, retraining every 4 months falls in months 4 and 8 (June, October)
    paid = {month_label(m): amount for m, amount in zip(calendar.months, run.amounts, strict=True) if amount}
    assert paid == {"Jun 2027": approx(4.00), "Oct 2027": approx(4.00)}


def test_quarters_and_financial_years_follow_the_year_start(book):
    calendar = budget_calendar(estimate(worked(**{"project.start_date": START, "project.fiscal_year_start_month": 4}),
                                        book, PLANNED))
    # The plan runs January to May 2027: the first quarter whole, the second and both years only in part.
    assert [(p.label, p.months) for p in calendar.quarters] == [("Q4 Jan-Mar 2027", (0, 1, 2)),
                                                                 ("Q1 Apr-Jun 2027 (Apr-May 2027 only)", (3, 4))]
    assert [(p.label, p.months) for p in calendar.fiscal_years] == [
        ("FY Apr 2026-Mar 2027 (Jan-Mar 2027 only)", (0, 1, 2)), ("FY Apr 2027-Mar 2028 (Apr-May 2027 only)", (3, 4))]


@pytest.mark.parametrize(("day", "start", "year", "quarter"), [
    (datetime.date(2027, 12, 31), 1, "FY 2027", "Q4 Oct-Dec 2027"),
    (datetime.date(2027, 10, 1), 10, "FY Oct 2027-Sep 2028", "Q1 Oct-Dec 2027"),  # US federal: FY2028
    (datetime.date(2028, 2, 29), 12, "FY Dec 2027-Nov 2028", "Q1 Dec 2027-Feb 2028"),
])
def test_financial_labels(day, start, year, quarter):
    assert fiscal_year_label(day, start) == year
    assert quarter_label(day, start) == quarter


def test_a_later_start_moves_launch_and_the_plan(book):
    """Launch counts from the start, not the planning day: a model retiring in the plan moves with it."""
    now = estimate(worked(), book, PLANNED)
    later = estimate(worked(**{"project.start_date": "2027-06-01"}), book, PLANNED)
    assert later.starts_on == datetime.date(2027, 6, 1) and now.starts_on == PLANNED
    assert budget_calendar(later).options["prompt"].go_live == datetime.date(2027, 6, 1) + datetime.timedelta(days=42)


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_adds_up_on_the_calendar(path: Path):
    """Each option's calendar months sum to its horizon cost, build to its one-time cost; nothing before the start
    month or after its last run month."""
    book = load_price_book(REPO / "pricing")
    estimated = estimate(load_scenario(path), book, PLANNED)
    calendar = budget_calendar(estimated)
    for name, dated in calendar.options.items():
        result = estimated.approaches[name]
        assert sum(dated.totals()) == approx(result.horizon_cost)
        assert sum(dated.totals("build")) == approx(result.one_time_cost)
        live = next(i for i, m in enumerate(calendar.months) if (m.year, m.month) == (dated.go_live.year,
                                                                                 dated.go_live.month))
        assert not any(dated.totals("run")[:live])
        assert not any(dated.totals("build")[live + 1:])


def test_an_annual_fee_is_paid_in_months_1_and_13(book):
    """A 1,200 a year service is billed in full in the first month after launch and a year later, not 100 a month."""
    result = estimate(worked(**{"operations.services": ["acme/audit-log"], "horizon_months": 14}), book,
                      PLANNED).approaches["prompt"]
    fee = line(result, "Service acme/audit-log: annual fee")
    assert fee.monthly_amounts == approx([1_200.0] + [0.0] * 11 + [1_200.0, 0.0])
    assert fee.horizon_amount == approx(2_400.0)


def test_dates_survive_a_link_and_a_file(book, tmp_path):
    """The start date and the year's start reach a shared link and a saved file and come back the same."""
    from planner.inputs.scenario import scenario_yaml
    from planner.outputs.share import decode_scenario, encode_scenario

    scenario = worked(**{"project.start_date": START, "project.fiscal_year_start_month": 4})
    assert decode_scenario(encode_scenario(scenario)) == scenario
    path = tmp_path / "dated.yaml"
    path.write_text(scenario_yaml(scenario))
    assert load_scenario(path).project.start_date == datetime.date(2027, 1, 4)


def test_a_start_date_outside_the_calendar_is_refused_in_words(book):
    from planner.core.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"project\.start_date"):
        worked(**{"project.start_date": "2150-01-01"})
