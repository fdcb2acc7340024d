"""Scenarios: defaults, and every kind of bad scenario giving a clear error naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import WORKED, worked

from planner import ScenarioError, estimate, load_scenario, parse_scenario
from planner.inputs.files import dump_yaml


def test_an_empty_mapping_takes_every_default():
    scenario = parse_scenario("name: Defaults\n")
    assert scenario.currency == "USD"
    assert scenario.horizon_months == 12
    assert scenario.workload.requests_per_month == 100_000
    assert scenario.approaches.fine_tune.route == "api"
    assert scenario.team.rates == "us"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workload:\n  requests_per_month: 10\n  inptu_tokens: 5\n",
         "scenario.yaml:3: workload.inptu_tokens: unknown key; did you mean input_tokens? Expected one of: "
         "input_tokens, monthly_growth, output_tokens, requests_per_month"),
        ("workload:\n  requests_per_month: lots\n",
         "scenario.yaml:2: workload.requests_per_month: input should be a valid integer, got 'lots'"),
        ("workload:\n  requests_per_month: -5\n",
         "scenario.yaml:2: workload.requests_per_month: input should be greater than or equal to 0, got -5"),
        ("approaches:\n  prompt:\n    model: gpt-4o\n",
         "scenario.yaml:3: approaches.prompt.model: string should match pattern"),
        ("approaches:\n  fine_tune:\n    route: provider_hosted\n",
         "scenario.yaml:2: approaches.fine_tune.host: required field is missing on route provider_hosted"),
        ("approaches:\n  hybrid:\n    route: provider_hosted\n",
         "scenario.yaml:2: approaches.hybrid.host: required field is missing on route provider_hosted"),
        ("currency: usd\n", "scenario.yaml:1: currency: string should match pattern '^[A-Z]{3}$', got 'usd'"),
        ("horizon_months: 0\n", "scenario.yaml:1: horizon_months: input should be greater than or equal to 1"),
        ("name: [unclosed\n", "scenario.yaml:2: malformed YAML"),
        ("", "scenario.yaml: file is empty; expected a YAML mapping"),
    ],
)
def test_bad_scenario(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{tmp_path}/{expected}"), str(caught.value)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"missing\.yaml: cannot read file"):
        load_scenario(tmp_path / "missing.yaml")


def scenario_file_with(tmp_path: Path, **changes) -> Path:
    data = worked(**changes).model_dump(mode="json")
    return write(tmp_path, dump_yaml(data))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"approaches.prompt.model": "acme/nope"},
         "approaches.prompt.model: 'acme/nope' is not a chat model in pricing/acme.yaml (known: acme/chat, "
         "acme/writer, acme/open-small, acme/plain)"),
        ({"approaches.prompt.model": "zeta/chat"}, "approaches.prompt.model: unknown provider 'zeta'"),
        ({"approaches.fine_tune.model": "acme/plain"},
         "approaches.fine_tune.model: 'acme/plain' has no fine_tuning prices, so it cannot be fine-tuned by API"),
        ({"approaches.rag.embedding_model": "acme/chat"},
         "approaches.rag.embedding_model: 'acme/chat' is not a embedding model"),
        ({"approaches.rag.cached_prompt_share": 0.5},
         "approaches.rag.cached_prompt_share: acme/plain has no cached-input price; set the share to 0"),
        ({"team.rates": "fr"}, "team.rates: no rate card 'fr' in pricing/people.yaml (known: us, uk)"),
        ({"project.judge_model": "acme/none"}, "project.judge_model: 'acme/none' is not a chat model"),
    ],
)
def test_unknown_references_name_the_scenario_field(tmp_path, book, changes, expected):
    path = scenario_file_with(tmp_path, **changes)
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as caught:
        estimate(scenario, book)
    message = str(caught.value)
    assert f"{path}:" in message and expected in message, message


def test_reference_problems_are_all_reported_once(book):
    scenario = worked(**{"approaches.rag.vector_db": "acme/none", "approaches.prompt.model": "acme/none"})
    with pytest.raises(ScenarioError) as caught:
        estimate(scenario, book)
    fields = [problem.field for problem in caught.value.problems]
    # the hybrid inherits the rag block's bad vector_db: reported once, at the rag block
    assert fields == ["approaches.prompt.model", "approaches.rag.vector_db"]


def test_hybrid_override_is_blamed_on_the_hybrid_block(book):
    scenario = worked(**{"approaches.hybrid": {"vector_db": "acme/none"}})
    with pytest.raises(ScenarioError) as caught:
        estimate(scenario, book)
    assert [p.field for p in caught.value.problems] == ["approaches.hybrid.vector_db"]


def test_scenario_round_trips_through_yaml(tmp_path):
    original = worked()
    assert load_scenario(scenario_file_with(tmp_path)) == original
    assert WORKED["name"] == original.name


def test_hybrid_block_offers_every_fine_tune_and_retrieval_key():
    from planner.inputs.scenario import (
        HYBRID_KEYS,
        ApiFineTune,
        ProviderHostedFineTune,
        RetrievalFields,
        SelfHostedFineTune,
    )

    routes = (ApiFineTune, ProviderHostedFineTune, SelfHostedFineTune)
    assert set(HYBRID_KEYS) == {key for route in routes for key in route.model_fields} | set(
        RetrievalFields.model_fields)
    # Each is accepted on its own, with the block's own default as a value.
    for key in ("epochs", "vector_db", "corpus_tokens"):
        default = (ApiFineTune.model_fields.get(key) or RetrievalFields.model_fields[key]).default
        assert worked(**{f"approaches.hybrid.{key}": default}).approaches.hybrid.overrides() == {key: default}


def test_a_hybrid_key_is_checked_as_strictly_as_in_its_own_block():
    with pytest.raises(ScenarioError) as caught:
        worked(**{"approaches.hybrid": {"epochs": 0, "corpus_monthly_change": 2.0}})
    assert [p.field for p in caught.value.problems] == ["approaches.hybrid.epochs",
                                                        "approaches.hybrid.corpus_monthly_change"]
    assert "greater than or equal to 1, got 0" in str(caught.value)
    with pytest.raises(ScenarioError, match="unknown key 'epoch'"):
        worked(**{"approaches.hybrid": {"epoch": 3}})
