"""Options: each option of a scenario is costed exactly as the same settings written into the four
approaches' blocks would be (the old, independent path), whatever the other options are."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from planner import ScenarioError, estimate, load_scenario, scenario_from_dict
from planner.costs.lines import in_words
from planner.inputs.files import read_yaml

REPO = Path(__file__).resolve().parent.parent
SIX = REPO / "examples" / "support_six_options.yaml"
TODAY = __import__("datetime").date(2026, 12, 2)


def _four_block_equivalent(data: dict[str, Any], option: dict[str, Any]) -> dict[str, Any]:
    """The scenario without options, with ``option``'s settings written into its kind's block."""
    equivalent = copy.deepcopy(data)
    del equivalent["options"]
    kind = option["approach"]
    block = equivalent["approaches"].setdefault(kind, {})
    block.update(copy.deepcopy(option.get("settings") or {}))
    return equivalent


def _comparable(line: Any) -> tuple[Any, ...]:
    # The option's id and the path its settings were written at differ by construction; the rest must not.
    return (*line[1:13], in_words(line.quantity_basis), *line[14:])


def test_each_of_six_options_equals_its_four_block_scenario(bundled):
    data = read_yaml(SIX, ScenarioError).data
    assert len(data["options"]) == 6
    result = estimate(load_scenario(SIX), bundled, TODAY)
    assert list(result.approaches) == ["fine_tune_nova_micro_on_bedrock", "llama_3_1_8b_lora_on_own_gpus",
                                       "rag_on_gpt_5_4_mini", "rag_on_claude_haiku_4_5", "prompt_only",
                                       "hybrid_tuned_nova_micro_rag"]
    for option, (name, got) in zip(data["options"], result.approaches.items(), strict=True):
        alone = estimate(scenario_from_dict(_four_block_equivalent(data, option)), bundled, TODAY)
        expected = alone.approaches[option["approach"]]
        assert got.label == option["name"] and got.kind == option["approach"]
        assert got.serves_with == expected.serves_with, name
        assert [_comparable(li) for li in got.lines] == [_comparable(li) for li in expected.lines], name
        assert got.phases == expected.phases, name
        assert (got.one_time_cost, got.monthly_cost, got.horizon_cost, got.weeks_to_production, got.effort_hours,
                got.added_latency_ms, got.input_tokens_per_request) == (
            expected.one_time_cost, expected.monthly_cost, expected.horizon_cost, expected.weeks_to_production,
            expected.effort_hours, expected.added_latency_ms, expected.input_tokens_per_request), name
        assert all(line.approach == name for line in got.lines)


def test_the_two_rag_options_differ_only_where_their_models_do(bundled):
    result = estimate(load_scenario(SIX), bundled, TODAY)
    gpt, claude = result.approaches["rag_on_gpt_5_4_mini"], result.approaches["rag_on_claude_haiku_4_5"]
    assert gpt.one_time_cost == claude.one_time_cost  # building and evaluating RAG does not depend on the model
    differing = {a.item for a, b in zip(gpt.lines, claude.lines, strict=True) if a.amount != b.amount}
    assert differing and all("tokens" in item.lower() for item in differing), differing


def test_an_option_of_a_bad_setting_is_blamed_on_its_own_key(bundled):
    data = read_yaml(SIX, ScenarioError).data
    data["options"][3]["settings"]["model"] = "anthropic/no-such-model"
    with pytest.raises(ScenarioError) as caught:
        estimate(scenario_from_dict(data), bundled, TODAY)
    assert [p.field for p in caught.value.problems] == ["options.3.settings.model"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"settings": {"epoch": 3}}, "options.0.settings.epoch", "unknown key for a Fine-tuning option"),
    ({"settings": {"epochs": 0}}, "options.0.settings.epochs", "greater than or equal to 1, got 0"),
    ({"settings": {"route": "self_hosted", "serving_gpu": "the big one"}}, "options.0.settings.serving_gpu",
     "should match pattern"),
    ({"name": "RAG on gpt 5.4 MINI"}, "options.2.name", "reads as the same name as option 1"),
    ({"name": ""}, "options.0.name", "at least 1 character"),
    ({"approach": "agent"}, "options.0.approach", "prompt"),
])
def test_a_bad_option_is_refused_naming_the_field(change, field, words):
    data = read_yaml(SIX, ScenarioError).data
    data["options"][0].update(change)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert field in [p.field for p in caught.value.problems]
    assert words in str(caught.value)


def test_a_hidden_option_is_still_costed_and_marked(bundled):
    data = read_yaml(SIX, ScenarioError).data
    data["options"][1]["shown"] = False
    result = estimate(scenario_from_dict(data), bundled, TODAY)
    assert [r.shown for r in result.approaches.values()] == [True, False, True, True, True, True]


@pytest.mark.parametrize("route", ["self_hosted", "provider_hosted", "api"])
def test_a_route_switch_brings_what_the_route_needs_and_estimates(bundled, route):
    """From the example's API fine-tune (and back from a self-hosted one), every route's first choices
    give a fine-tune that validates and is costed."""
    from planner.inputs.option_edits import add_option, route_settings

    data = read_yaml(SIX, ScenarioError).data
    six = load_scenario(SIX)
    self_hosted = (six.block(six.option_plans()[1]), data["options"][1]["settings"])
    for start, own in ((six.approaches.fine_tune, {}), self_hosted):
        changes = route_settings(bundled, route, {**start.written(), **own}, TODAY)
        assert changes["route"] == route
        scenario = scenario_from_dict(add_option(data, "fine_tune", "Switched", {**own, **changes}))
        result = estimate(scenario, bundled, TODAY).approaches["switched"]
        assert result.one_time_cost > 0 and result.monthly_cost > 0


def test_a_switch_to_self_hosted_takes_an_open_model_and_leaves_the_gpus_to_the_estimate(bundled):
    from planner.inputs.option_edits import route_settings

    changes = route_settings(bundled, "self_hosted", load_scenario(SIX).approaches.fine_tune.written(), TODAY)
    assert changes == {"route": "self_hosted", "model": "llama-3.1-8b"}  # a current model two hosts serve
    hosted = route_settings(bundled, "provider_hosted", load_scenario(SIX).approaches.fine_tune.written(), TODAY)
    assert hosted["method"] == "lora"
