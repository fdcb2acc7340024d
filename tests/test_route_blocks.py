"""Fine-tuning routes as tagged blocks: each route's block holds only its own keys, is found by ``route``,
and is served by the route class registered under the same name."""

from __future__ import annotations

import typing

import pytest
from conftest import REPO

from planner import estimate, load_price_book
from planner.core.errors import ScenarioError
from planner.costs.fine_tune_routes import ROUTES
from planner.inputs.scenario import (
    FINE_TUNE_ROUTES,
    ApiFineTune,
    ProviderHostedFineTune,
    SelfHostedFineTune,
    fine_tune_block,
    parse_scenario,
    scenario_from_dict,
    scenario_input,
)
from planner.outputs.share import decode_scenario, encode_scenario

BOOK = load_price_book(REPO / "pricing")
SELF_HOSTED = {"route": "self_hosted", "model": "llama-3.1-8b", "training_gpu": "runpod/h100-sxm-secure"}


def test_every_route_has_a_block_and_a_class_that_serves_that_block():
    assert list(FINE_TUNE_ROUTES) == list(ROUTES) == ["api", "provider_hosted", "self_hosted"]
    for name, route in ROUTES.items():
        assert typing.get_type_hints(type(route).serve)["block"] is FINE_TUNE_ROUTES[name]


@pytest.mark.parametrize(("data", "block"), [
    ({}, ApiFineTune),  # no route: the api route, as before routes were tagged
    ({"route": "api"}, ApiFineTune),
    ({"route": "provider_hosted", "host": "together", "model": "llama-3.1-8b"}, ProviderHostedFineTune),
    (SELF_HOSTED, SelfHostedFineTune),
])
def test_a_block_is_its_routes_own_class(data, block):
    assert type(fine_tune_block(data)) is block


def test_each_route_holds_only_its_own_keys():
    api, hosted, own = (set(model.model_fields) for model in FINE_TUNE_ROUTES.values())
    assert {"training_gpu", "serving_schedule", "lora_rank", "method", "host"}.isdisjoint(api)
    assert {"training_gpu", "serving_schedule", "lora_rank"}.isdisjoint(hosted) and "host" in hosted
    assert {"host", "cached_prompt_share"}.isdisjoint(own)  # own GPUs have no provider's prompt cache


def test_another_routes_keys_are_set_aside_so_older_files_and_links_still_open():
    # Written for self-hosting, then switched to the API: the GPU keys stay in the file, and mean nothing.
    text = ("approaches:\n  fine_tune:\n    route: api\n    model: openai/gpt-4.1-mini\n"
            "    training_gpu: runpod/h100-sxm-secure\n    method: qlora\n    lora_rank: 64\n")
    kept = parse_scenario(text)
    plain = parse_scenario("approaches:\n  fine_tune:\n    route: api\n    model: openai/gpt-4.1-mini\n")
    assert kept == plain
    assert "training_gpu" not in kept.approaches.fine_tune.model_dump()
    assert estimate(kept, BOOK).approaches["fine_tune"].lines == estimate(plain, BOOK).approaches["fine_tune"].lines
    assert decode_scenario(encode_scenario(kept)) == plain


def test_a_typo_is_still_an_unknown_key():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: self_hosted\n    training_gpu: runpod/h100-sxm-secure\n"
                       "    lora_rnak: 8\n")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (5, "approaches.fine_tune.lora_rnak")
    assert problem.message.startswith("unknown key; expected one of:") and "lora_rank" in problem.message


def test_an_error_inside_a_route_is_located_at_the_files_key_without_the_tag():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: self_hosted\n    training_gpu: runpod/h100-sxm-secure\n"
                       "    lora_rank: 0\n")
    assert str(caught.value) == ("scenario.yaml:5: approaches.fine_tune.lora_rank: input should be greater than or "
                                 "equal to 1, got 0")


def test_an_unknown_route_names_the_routes():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: azure\n")
    assert str(caught.value) == ("scenario.yaml:3: approaches.fine_tune.route: route should be 'api', "
                                 "'provider_hosted' or 'self_hosted'")


def test_an_option_may_move_to_another_route_than_its_block():
    scenario = scenario_from_dict({
        "approaches": {"fine_tune": SELF_HOSTED},
        "options": [{"name": "Own GPUs", "approach": "fine_tune"},
                    {"name": "By API", "approach": "fine_tune",
                     "settings": {"route": "api", "model": "openai/gpt-4.1-mini"}}],
    })
    own, api = (scenario.block(plan) for plan in scenario.option_plans())
    assert type(own) is SelfHostedFineTune and type(api) is ApiFineTune
    assert api.model == "openai/gpt-4.1-mini" and not hasattr(api, "training_gpu")
    results = estimate(scenario, BOOK).approaches
    assert results["own_gpus"].self_hosted and not results["by_api"].self_hosted


def test_a_range_on_another_routes_key_says_so():
    scenario = scenario_from_dict({})
    with pytest.raises(LookupError, match="not an input on the api route"):
        scenario_input(scenario, "approaches.fine_tune.lora_rank")
    assert scenario_input(scenario_from_dict({"approaches": {"fine_tune": SELF_HOSTED}}),
                          "approaches.fine_tune.lora_rank") == 16
