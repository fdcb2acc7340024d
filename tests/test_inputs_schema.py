"""The sidebar's inputs restate nothing: bounds, choices, labels and units come from the scenario's models,
and the list of inputs a range may be given comes from the planner."""

from __future__ import annotations

import re
import typing
from typing import Any

import annotated_types
import pytest
import test_fuzz
from streamlit.elements.lib.js_number import JSNumber

from planner.analysis.ranges import NOT_RANGEABLE, rangeable_inputs
from planner.inputs.assumptions import Assumptions
from planner.inputs.scenario import (
    MAX_COUNT,
    FineTuneBase,
    HostedModelFields,
    OpenModelFineTune,
    Operations,
    Project,
    RetrievalFields,
    Scenario,
    SelfHostedFineTune,
    Workload,
    scenario_field,
)
from ui.inputs import ALL_INPUTS, GROUPS, Input

BY_PATH = {item.path: item for item in ALL_INPUTS}
NUMERIC = [item for item in ALL_INPUTS if item.kind not in ("select", "date")]


def constraints(info: Any) -> dict[str, float]:
    """A field's bounds read off its declaration: {"ge": 1, "le": 50}, from its metadata or, for an
    optional field, from the ``Annotated`` member of its union."""
    found: list[Any] = list(info.metadata)
    for member in typing.get_args(info.annotation):
        if typing.get_origin(member) is typing.Annotated:
            for extra in typing.get_args(member)[1:]:
                found += getattr(extra, "metadata", [extra])
    bounds: dict[str, float] = {}
    for item in found:
        for kind in (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt):
            if isinstance(item, kind):
                name = kind.__name__.lower()
                bounds[name] = getattr(item, name)
    return bounds


@pytest.mark.parametrize(("path", "model", "name", "low", "high"), [
    ("project.data_preparers", Project, "data_preparers", 1, MAX_COUNT),  # the sidebar once stopped at 100
    ("project.engineers", Project, "engineers", 1, MAX_COUNT),
    ("project.iterations", Project, "iterations", 1, 50),  # optional: Annotated inside the union
    ("horizon_months", Scenario, "horizon_months", 1, 120),
    ("workload.requests_per_month", Workload, "requests_per_month", 0, MAX_COUNT),
    ("approaches.fine_tune.epochs", FineTuneBase, "epochs", 1, 100),
    ("approaches.fine_tune.tokens_per_example", FineTuneBase, "tokens_per_example", 1, MAX_COUNT),
    ("approaches.fine_tune.retrain_every_months", FineTuneBase, "retrain_every_months", 0, MAX_COUNT),
    ("operations.base_model_change_every_months", Operations, "base_model_change_every_months", 0, MAX_COUNT),
    ("approaches.rag.corpus_tokens", RetrievalFields, "corpus_tokens", 0, MAX_COUNT),
])
def test_whole_number_bounds_are_the_fields(path, model, name, low, high):
    declared = constraints(model.model_fields[name])
    assert (declared["ge"], declared["le"]) == (low, high)
    item = BY_PATH[path]
    assert item.kind == "int"
    assert (item.low, item.high) == (low, high)


@pytest.mark.parametrize(("path", "model", "name"), [
    ("approaches.prompt.cached_prompt_share", HostedModelFields, "cached_prompt_share"),
    ("approaches.rag.batch_share", HostedModelFields, "batch_share"),
    ("approaches.rag.corpus_monthly_change", RetrievalFields, "corpus_monthly_change"),
    ("operations.online_eval_share", Operations, "online_eval_share"),
])
def test_a_share_is_shown_in_percent_within_its_fields_bounds(path, model, name):
    declared = constraints(model.model_fields[name])
    item = BY_PATH[path]
    assert item.kind == "percent"
    assert (item.low, item.high) == (declared["ge"] * 100, declared["le"] * 100) == (0, 100)


def test_a_strict_bound_is_met_by_the_nearest_value_shown():
    declared = constraints(Workload.model_fields["monthly_growth"])  # gt=-1, le=10: over -100% to +1000% a month
    item = BY_PATH["workload.monthly_growth"]
    assert item.kind == "percent"
    assert declared["gt"] * 100 < item.low <= declared["gt"] * 100 + 0.01
    assert item.high == declared["le"] * 100


def test_every_numeric_input_has_its_fields_bounds():
    for item in NUMERIC:
        declared = constraints(scenario_field(item.path))
        scale = 100 if item.kind == "percent" else 1
        low = declared["ge"] if "ge" in declared else declared["gt"]
        assert low * scale <= item.low <= low * scale + (1 if item.kind == "int" else 0.01), item.path
        assert item.high == declared["le"] * scale, item.path


def test_streamlit_takes_every_bound():
    for item in NUMERIC:
        if item.kind == "int":
            for value in (item.low, item.high, item.step):
                JSNumber.validate_int_bounds(int(value))
        else:
            for value in (item.low, item.high, item.step):
                JSNumber.validate_float_bounds(value, "bound")


@pytest.mark.parametrize(("name", "model"), [("route", FineTuneBase), ("method", OpenModelFineTune),
                                             ("serving_schedule", SelfHostedFineTune),
                                             ("purchase", SelfHostedFineTune)])
def test_a_choice_offers_its_literals_values(bundled, name, model):
    item = BY_PATH[f"approaches.fine_tune.{name}"]
    assert item.kind == "select"
    assert item.options is not None
    assert item.options(bundled) == list(typing.get_args(model.model_fields[name].annotation))


def test_the_route_choice_offers_every_route_block():
    from planner.inputs.scenario import FINE_TUNE_ROUTES

    assert BY_PATH["approaches.fine_tune.route"].options(None) == list(FINE_TUNE_ROUTES)


def test_a_yes_or_no_offers_both(bundled):
    item = BY_PATH["operations.personal_data"]
    assert Operations.model_fields["personal_data"].annotation is bool
    assert item.kind == "select" and item.options is not None
    assert item.options(bundled) == [False, True]


def test_every_label_ends_with_its_unit_or_is_a_choice():
    for item in ALL_INPUTS:
        assert item.kind == "select" or re.search(r"\([^()]+\)$", item.label), item.path


def test_labels_units_and_help_are_the_fields():
    for item in ALL_INPUTS:
        info = scenario_field(item.path.split("@")[0])
        assert info is not None and info.title, item.path
        assert item.label.startswith(info.title), item.path
        unit = (info.json_schema_extra or {}).get("unit") if isinstance(info.json_schema_extra, dict) else None
        if item.kind == "select":
            assert unit is None, item.path
        else:
            assert item.label == f"{info.title} ({unit})", item.path
            assert (item.kind == "percent") == str(unit).startswith("%"), item.path
        assert info.description and item.help.lower().startswith(info.description.lower()[:20]), item.path
    assert BY_PATH["workload.requests_per_month"].label == "Requests (per month)"
    assert BY_PATH["approaches.fine_tune.method"].label == "Method (self-hosted)"


def test_inputs_are_complete():
    assert [item for group in GROUPS.values() for item in group] == ALL_INPUTS
    assert len({item.key for item in ALL_INPUTS}) == len(ALL_INPUTS)
    for item in ALL_INPUTS:
        assert isinstance(item, Input)
        assert item.key == "in:" + item.path
        _, _, route = item.path.partition("@")
        assert not route or item.route == route, item.path
        assert (item.kind == "select") == (item.options is not None), item.path
        assert item.step > 0, item.path


def test_the_planner_owns_the_rangeable_inputs():
    paths = rangeable_inputs()
    assert len(paths) == len(set(paths))
    assert not set(paths) & set(NOT_RANGEABLE)
    assert [p for p in paths if p.startswith("assumptions.")] == [f"assumptions.{n}" for n in Assumptions.model_fields]
    for path in (p for p in paths if not p.startswith("assumptions.")):
        info = scenario_field(path)
        assert info is not None, path
        assert {int, float} & set(_members(info.annotation)), path
    # Every numeric sidebar input that can be ranged is in the planner's list; no choice is.
    shown = {item.path for item in NUMERIC if item.path not in NOT_RANGEABLE}
    assert shown <= set(paths)
    assert not {item.path for item in ALL_INPUTS if item.kind == "select"} & set(paths)
    # Inputs the sidebar does not show are there too: a hybrid's keys, the operations' overrides.
    assert {"approaches.hybrid.examples", "approaches.fine_tune.lora_rank", "operations.mlops_hours_per_month"} <= set(
        paths)


def test_the_fuzz_ranges_the_planners_list():
    assert test_fuzz.rangeable_inputs is rangeable_inputs
    assert test_fuzz.RANGEABLE[:len(rangeable_inputs())] == rangeable_inputs()
    assert not hasattr(test_fuzz, "rangeable_paths")


def _members(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(args[0])
    return [m for arg in args for m in _members(arg)] if args else [annotation]
