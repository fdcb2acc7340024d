"""People rates as budgets count them: an employee's loaded cost or a contractor's day rate."""

from __future__ import annotations

import pytest

from planner.inputs.price_tables import Rate

PROVENANCE = {"source": "test", "as_of": "2026-01-01"}


def test_an_employee_rate_is_salary_over_paid_hours_with_on_costs_and_overhead():
    rate = Rate.model_validate({"annual_salary": 104_000, "paid_hours_per_year": 2080, "on_cost_factor": 1.5,
                                "overhead_factor": 1.2, **PROVENANCE}, strict=False)
    # 104,000 / 2,080 = 50 an hour x 1.5 x 1.2 = 90
    assert rate.hourly == pytest.approx(90.0)
    assert rate.derivation == "employee: salary 104,000 / 2,080 paid hours x on-cost factor 1.5 x overhead factor 1.2"


def test_a_contractor_rate_is_the_day_rate_over_the_day():
    rate = Rate.model_validate({"day_rate": 570, "hours_per_day": 7.5, **PROVENANCE}, strict=False)
    assert rate.hourly == pytest.approx(76.0)  # 570 / 7.5


@pytest.mark.parametrize(("fields", "message"), [
    ({"per_hour": 50, "day_rate": 400, "hours_per_day": 8}, "give the rate one way"),
    ({}, "give the rate one way"),
    ({"annual_salary": 50_000, "paid_hours_per_year": 1950}, "needs annual_salary, paid_hours_per_year and on_cost"),
    ({"day_rate": 400}, "needs day_rate and hours_per_day"),
    ({"day_rate": 400, "hours_per_day": 8, "overhead_factor": 1.2}, "overhead_factor applies to an employee"),
    ({"annual_salary": 50_000, "paid_hours_per_year": 1950, "on_cost_factor": 0.8}, "greater than or equal to 1"),
])
def test_a_rate_given_wrongly_says_how_to_give_it(fields, message):
    with pytest.raises(ValueError, match=message):
        Rate.model_validate({**fields, **PROVENANCE}, strict=False)


def test_bundled_us_rates_are_loaded_employee_costs(bundled):
    card = bundled.people.rate_cards["us"]
    # BLS OEWS May 2024 median for data scientists, $112,590, over 2,080 paid hours; BLS ECEC June 2025:
    # wages are 70.2% of private-industry compensation, so on-costs multiply wages by 1 / 0.702; overhead 1.2.
    assert card.roles.ml_engineer.hourly == pytest.approx(112_590 / 2_080 / 0.702 * 1.2, rel=1e-4)  # $92.53
    assert card.roles.mlops_engineer.hourly == pytest.approx(133_080 / 2_080 / 0.702 * 1.2, rel=1e-4)


def test_bundled_uk_on_costs_follow_national_insurance_and_pension_rules(bundled):
    role = bundled.people.rate_cards["uk"].roles.ml_engineer
    salary = 47_634
    # HMRC: employer NICs 15% above GBP 5,000 (2025/26); The Pensions Regulator: 3% employer minimum above 6,240.
    loaded = salary + 0.15 * (salary - 5_000) + 0.03 * (salary - 6_240)
    assert role.on_cost_factor == pytest.approx(loaded / salary, abs=5e-5)
    assert role.hourly == pytest.approx(loaded / 1_950 * 1.2, rel=1e-4)  # GBP 34.01


def test_contractor_cards_can_be_picked_instead(bundled):
    cards = bundled.people.rate_cards
    assert {"us", "us_contractor", "uk", "uk_contractor"} <= set(cards)
    # ITJobsWatch: UK machine-learning contracts, median GBP 570 a day (6 months to 27 January 2026).
    assert cards["uk_contractor"].roles.ml_engineer.hourly == pytest.approx(570 / 7.5)


def test_an_estimate_line_says_how_its_rate_was_worked_out(bundled):
    from planner import estimate, scenario_from_dict

    result = estimate(scenario_from_dict({"team": {"rates": "uk"}}), bundled).approaches["prompt"]
    design = next(li for li in result.lines if li.item == "Prompt design")
    assert design.source.startswith("employee: salary 47,634 / 1,950 paid hours x on-cost factor 1.1603 x overhead")
