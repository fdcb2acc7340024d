"""Properties: malformed input always gives our error, never a crash; more work never costs less."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import yaml
from conftest import FIXTURE_PRICES, WORKED, worked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import PlannerError, ScenarioError, estimate, load_price_book, parse_scenario, scenario_from_dict

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.dates())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)

# A real table with one field replaced by an arbitrary value, or arbitrary keys added.
REAL_TABLE = yaml.safe_load((FIXTURE_PRICES / "acme.yaml").read_text())
FIELD_PATHS = [("currency",), ("provider",), ("models", "chat", "input_per_million_tokens"),
               ("models", "chat", "fine_tuning"), ("embeddings", "embed", "dimensions"),
               ("vector_dbs", "vdb", "monthly_minimum"), ("gpu_instances", "gpu1", "gpu_count"),
               ("models", "chat", "as_of"), ("models",)]

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutated(path: tuple[str, ...], value: object) -> dict:
    table = yaml.safe_load((FIXTURE_PRICES / "acme.yaml").read_text())
    node = table
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return table


@SETTINGS
@given(path=st.sampled_from(FIELD_PATHS), value=values)
def test_any_mutated_table_loads_or_is_reported(tmp_path_factory, path, value):
    directory = tmp_path_factory.mktemp("prices")
    shutil.copytree(FIXTURE_PRICES, directory, dirs_exist_ok=True)
    (directory / "acme.yaml").write_text(yaml.safe_dump(mutated(path, value)))
    book = load_price_book(directory)  # must never raise
    assert ("acme" in book.tables) != any(Path(p.file).name == "acme.yaml" for p in book.problems)
    assert book.people is not None  # other tables unaffected


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_text_as_a_table_loads_or_is_reported(tmp_path_factory, text):
    directory = tmp_path_factory.mktemp("prices")
    (directory / "x.yaml").write_text(text)
    book = load_price_book(directory)
    assert book.tables == {} and len(book.problems) >= 1


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_as_a_scenario_parses_or_raises_our_error(text):
    with contextlib.suppress(ScenarioError):
        parse_scenario(text)


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["workload", "approaches", "project", "team", "currency", "nme"]),
                            values, max_size=3))
def test_any_data_as_a_scenario_validates_or_raises_our_error(data):
    with contextlib.suppress(ScenarioError):
        scenario_from_dict(data)


@settings(max_examples=100, deadline=None)
@given(block=st.sampled_from(["prompt", "rag", "fine_tune", "hybrid"]), value=values,
       key=st.sampled_from(["model", "vector_db", "embedding_model", "cached_prompt_share", "route",
                            "training_gpu", "examples"]))
def test_any_approach_setting_estimates_or_raises_our_error(book, block, key, value):
    data = {**WORKED, "approaches": {**WORKED["approaches"], block: {key: value}}}
    with contextlib.suppress(PlannerError):
        estimate(scenario_from_dict(data), book)


volumes = st.integers(min_value=0, max_value=50_000_000)


@settings(max_examples=60, deadline=None)
@given(low=volumes, extra=volumes, growth=st.floats(0, 0.5))
def test_more_requests_never_cost_less(book, low, extra, growth):
    fewer = estimate(worked(**{"workload.requests_per_month": low, "workload.monthly_growth": growth}), book)
    more = estimate(worked(**{"workload.requests_per_month": low + extra, "workload.monthly_growth": growth}), book)
    for name, result in fewer.approaches.items():
        assert more.approaches[name].monthly_cost >= result.monthly_cost - 1e-9
        assert more.approaches[name].horizon_cost >= result.horizon_cost - 1e-9


@settings(max_examples=40, deadline=None)
@given(examples=st.integers(0, 100_000), extra=st.integers(0, 100_000), iterations=st.integers(1, 10),
       more_iterations=st.integers(0, 10))
def test_more_examples_or_iterations_never_cost_less_or_take_less_time(book, examples, extra, iterations,
                                                                       more_iterations):
    def run(n: int, its: int):
        return estimate(worked(**{"approaches.fine_tune.examples": n, "project.iterations": its}), book)

    base = run(examples, iterations).approaches["fine_tune"]
    bigger = run(examples + extra, iterations + more_iterations).approaches["fine_tune"]
    assert bigger.one_time_cost >= base.one_time_cost - 1e-9
    assert bigger.weeks_to_production >= base.weeks_to_production - 1e-9
    assert bigger.effort_hours >= base.effort_hours - 1e-9
