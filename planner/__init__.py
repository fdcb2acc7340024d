"""llm-planner: cost, effort and timeline of customising an LLM, four approaches side by side.

Typical use::

    from planner import estimate, load_price_book, load_scenario
    result = estimate(load_scenario("examples/support_assistant.yaml"), load_price_book())
    result.approaches["fine_tune"].horizon_cost
"""

from planner.core.errors import PlannerError, PricingError, Problem, ScenarioError
from planner.costs.estimator import ApproachEstimate, Estimate, estimate
from planner.inputs.pricebook import PriceBook, load_price_book
from planner.inputs.scenario import Scenario, load_scenario, parse_scenario, scenario_from_dict

__all__ = [
    "ApproachEstimate",
    "Estimate",
    "PlannerError",
    "PriceBook",
    "PricingError",
    "Problem",
    "Scenario",
    "ScenarioError",
    "estimate",
    "load_price_book",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
]
