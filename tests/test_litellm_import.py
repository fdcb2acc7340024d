"""Importing LiteLLM's price map: on a real (trimmed) copy of it, and refusing anything else."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from planner import PricingError, load_price_book
from planner.cli import main
from planner.price_admin.litellm_import import check_price_map, import_prices, load_price_map
from planner.price_admin.store import history

MAP = REPO / "tests" / "fixtures" / "litellm_prices.json"
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(scope="module")
def price_map():
    return load_price_map(MAP)


def test_openai_prices_from_the_real_map(bundled, price_map):
    table = bundled.tables["openai"]
    new, changes, missing = import_prices(table, price_map, TODAY)
    mini = new.models["gpt-4o-mini"]
    # The map's gpt-4o-mini: 1.5e-07 in, 6e-07 out, 7.5e-08 cached, 7.5e-08 / 3e-07 batch, per token.
    assert (mini.input_per_million_tokens, mini.output_per_million_tokens) == (0.15, 0.60)
    assert mini.cached_input_per_million_tokens == 0.075
    assert (mini.batch_input_per_million_tokens, mini.batch_output_per_million_tokens) == (0.075, 0.30)
    assert mini.as_of == TODAY and "entry 'gpt-4o-mini'" in mini.source
    assert mini.source.endswith(table.models["gpt-4o-mini"].source)  # our own source is kept in the new one
    # Untouched: the fine-tuning block (training prices, its source), and prices that did not change.
    assert mini.fine_tuning == table.models["gpt-4o-mini"].fine_tuning
    assert new.embeddings == table.embeddings  # the map agrees with our embedding prices
    assert [str(c) for c in changes if c.offering == "openai/gpt-4o-mini"] == [
        "openai/gpt-4o-mini: cached input per million tokens: not set → 0.075",
        "openai/gpt-4o-mini: batch input per million tokens: not set → 0.075",
        "openai/gpt-4o-mini: batch output per million tokens: not set → 0.3",
    ]
    assert missing == []


def test_matching_needs_the_same_provider(bundled, price_map):
    # claude-opus-4.1 is in the map only as a Bedrock model; that is not Anthropic's own price.
    _, _, missing = import_prices(bundled.tables["anthropic"], price_map, TODAY)
    assert "anthropic/claude-opus-4.1" in missing
    # gemini-2.0-flash is there only under vertex_ai, not gemini.
    _, _, missing = import_prices(bundled.tables["google"], price_map, TODAY)
    assert missing == ["google/gemini-2.0-flash"]


def test_a_changed_price_is_reported_and_applied(bundled, price_map):
    map_copy = json.loads(json.dumps(price_map))
    map_copy["text-embedding-3-small"]["input_cost_per_token"] = 3e-08
    new, changes, _ = import_prices(bundled.tables["openai"], map_copy, TODAY)
    assert new.embeddings["text-embedding-3-small"].per_million_tokens == 0.03
    assert "openai/text-embedding-3-small: per million tokens: 0.02 → 0.03" in [str(c) for c in changes]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a JSON object of models"),
        ('{"a": {"mode": "chat"}}', "no entry has litellm_provider and input_cost_per_token"),
        ("provider: openai", "not JSON"),
    ],
)
def test_not_the_format_is_refused(tmp_path, content, message):
    path = tmp_path / "map.json"
    path.write_text(content)
    with pytest.raises(PricingError, match=message):
        load_price_map(path)


def test_a_table_without_a_litellm_provider_cannot_import(book, price_map):
    with pytest.raises(PricingError, match="litellm_provider"):
        import_prices(book.tables["acme"], price_map, TODAY)


def test_check_accepts_the_real_map(price_map):
    assert check_price_map(price_map, "map") == price_map  # already without sample_spec


def test_cli_shows_the_diff_and_applies_it(tmp_path, capsys):
    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    assert main(["prices", "import-litellm", str(MAP), "--provider", "openai", "--prices", str(prices)]) == 0
    out = capsys.readouterr().out
    assert "openai/gpt-4o-mini: cached input per million tokens: not set → 0.075" in out
    assert "nothing saved" in out
    assert load_price_book(prices).tables["openai"].models["gpt-4o-mini"].cached_input_per_million_tokens is None
    assert main(["prices", "import-litellm", str(MAP), "--provider", "openai", "--prices", str(prices),
                 "--apply"]) == 0
    assert load_price_book(prices).tables["openai"].models["gpt-4o-mini"].cached_input_per_million_tokens == 0.075
    assert [v.bundled for v in history(Path(prices), "openai")] == [True]
    assert (prices / "openai.yaml").read_text().startswith("# OpenAI:")  # the header comment survives


def test_an_imported_table_is_saved_without_yaml_anchors(bundled, price_map):
    from planner.price_admin.editing import table_to_yaml

    new, _, _ = import_prices(bundled.tables["openai"], price_map, TODAY)
    text = table_to_yaml(new, "")
    # Every imported offering shares one date object; it must be written out each time, not aliased.
    assert "&id" not in text and "*id" not in text
    assert text.count(f"as_of: {TODAY.isoformat()}") >= 2
