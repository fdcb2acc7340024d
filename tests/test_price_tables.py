"""Bad price tables give our own error naming file, line, field and expectation, and never take
the other tables down."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_PRICES, worked

from planner import PricingError, ScenarioError, estimate, load_price_book

GOOD_TABLE = """\
provider: beta
display_name: Beta
currency: USD
models:
  small:
    input_per_million_tokens: 1.0
    output_per_million_tokens: 2.0
    source: test
    as_of: 2026-01-01
"""


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    directory = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, directory)
    return directory


def problems_for(directory: Path, file_text: str, name: str = "beta.yaml") -> list[str]:
    (directory / name).write_bytes(file_text.encode() if isinstance(file_text, str) else file_text)
    book = load_price_book(directory)
    assert "acme" in book.tables, "a bad table must not take the others down"
    return [str(problem) for problem in book.problems]


def test_good_table_loads(prices):
    (prices / "beta.yaml").write_text(GOOD_TABLE)
    book = load_price_book(prices)
    assert book.problems == ()
    assert book.chat_model("beta/small").price("input_per_million_tokens", "million tokens").value == 1.0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    output_per_million_tokens: 2.0\n",
         "    output_per_million_tokens: 2.0\n    outptu_per_million_tokens: 2.0\n",
         "beta.yaml:8: models.small.outptu_per_million_tokens: unknown key; did you mean output_per_million_tokens? "
         "Expected one of: as_of, batch_cache_write_per_million_tokens, "),
        ("input_per_million_tokens: 1.0", "input_per_million_tokens: cheap",
         "beta.yaml:6: models.small.input_per_million_tokens: input should be a valid number, got 'cheap'"),
        ("input_per_million_tokens: 1.0", "input_per_million_tokens: -3",
         "beta.yaml:6: models.small.input_per_million_tokens: input should be greater than or equal to 0, "
         "got -3"),
        ("input_per_million_tokens: 1.0", "input_per_million_tokens: .inf",
         "beta.yaml:6: models.small.input_per_million_tokens: input should be a finite number, got inf"),
        ("input_per_million_tokens: 1.0", 'input_per_million_tokens: "1.0"',
         "beta.yaml:6: models.small.input_per_million_tokens: input should be a valid number, got '1.0'"),
        ("    source: test\n", "",
         "beta.yaml:5: models.small.source: required field is missing"),
        ("currency: USD", "currency: dollars",
         "beta.yaml:3: currency: string should match pattern '^[A-Z]{3}$', got 'dollars'"),
        ("provider: beta", "provider: gamma",
         "beta.yaml:1: provider: must equal the file name 'beta', got 'gamma'"),
        ("    source: test\n", "    source: test\n    source: again\n",
         "beta.yaml:9: models.small.source: duplicate key"),
        ("models:\n", "models: [unclosed\n",
         "beta.yaml:5: malformed YAML"),
    ],
)
def test_bad_table(prices, old, new, expected):
    assert old in GOOD_TABLE
    problems = problems_for(prices, GOOD_TABLE.replace(old, new))
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "beta.yaml: file is empty; expected a YAML mapping"),
        ("# only a comment\n", "beta.yaml: file is empty; expected a YAML mapping"),
        ("- a\n- b\n", "beta.yaml:1: expected a YAML mapping (key: value) at the top"),
        (b"provider: \xff\n", "beta.yaml: is not UTF-8 text"),
    ],
)
def test_unreadable_table(prices, text, expected):
    problems = problems_for(prices, text)
    assert problems == [expected]


def test_gpu_instance_must_name_a_known_gpu(prices):
    text = GOOD_TABLE.split("models:")[0] + (
        "gpu_instances:\n  box:\n    gpu: nope\n    gpu_count: 1\n    per_hour: 1\n"
        "    source: test\n    as_of: 2026-01-01\n"
    )
    problems = problems_for(prices, text)
    assert problems == [
        "beta.yaml: gpu_instances.box.gpu: unknown GPU 'nope'; expected an id in hardware.yaml"
    ]


def test_every_problem_in_a_file_is_reported(prices):
    text = GOOD_TABLE.replace("1.0", "-1").replace("2.0", "x")
    problems = problems_for(prices, text)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "models.small.input_per_million_tokens", "models.small.output_per_million_tokens",
    ]


def test_scenario_using_a_failed_table_says_which_table_failed(prices):
    (prices / "acme.yaml").write_text((FIXTURE_PRICES / "acme.yaml").read_text().replace("1.00", "-1", 1))
    book = load_price_book(prices)
    assert "acme" not in book.tables and book.people is not None
    with pytest.raises(ScenarioError) as caught:
        estimate(worked(), book)
    message = str(caught.value)
    assert "approaches.prompt.model: unknown provider 'acme' in 'acme/chat' (its table failed to load:" in message
    assert "models.chat.input_per_million_tokens" in message


def test_missing_assumptions_stop_the_estimate_with_the_reason(prices):
    (prices / "assumptions.yaml").write_text("chunk_tokens: {value: 1}\n")
    book = load_price_book(prices)
    with pytest.raises(PricingError, match=r"assumptions\.yaml:1: chunk_tokens\.unit: required field is missing"):
        estimate(worked(), book)


def test_price_directory_must_exist(tmp_path):
    with pytest.raises(PricingError, match="price directory not found"):
        load_price_book(tmp_path / "missing")


def test_status_note_is_kept(book):
    tuned = book.fine_tunable_model("acme/chat")
    assert tuned.price("training_per_million_tokens", "million training tokens").status == "Closed to new customers"


def test_error_path_keeps_upper_case_keys(prices):
    (prices / "fx.yaml").write_text("rates:\n  GBP: {usd_per_unit: -1, source: s, as_of: 2026-01-01}\n")
    problems = [str(p) for p in load_price_book(prices).problems]
    assert problems == ["fx.yaml:2: rates.GBP.usd_per_unit: input should be greater than 0, got -1"]
