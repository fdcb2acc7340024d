"""Importing LiteLLM's price map: on a real (trimmed) copy of it, and refusing anything else."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from planner import PricingError, load_price_book
from planner.cli import main
from planner.price_admin.litellm_import import (
    WHEEL_MEMBER,
    PriceMap,
    check_price_map,
    import_prices,
    load_price_map,
)
from planner.price_admin.store import history

MAP = REPO / "tests" / "fixtures" / "litellm_prices.json"
# The litellm release the bundled tables were imported from (scripts/refresh_prices.sh writes it).
PINNED = (REPO / "tests" / "fixtures" / "litellm_version.txt").read_text().strip()
TODAY = datetime.date(2026, 12, 2)


@pytest.fixture(scope="module")
def price_map():
    return load_price_map(MAP, PINNED)


def _without(table, model_id, *fields, tuned_fields=()):
    """``table`` with some of a model's figures unset, as a table from before an import."""
    model = table.models[model_id]
    tuned = model.fine_tuning
    if tuned is not None and tuned_fields:
        tuned = tuned.model_copy(update=dict.fromkeys(tuned_fields))
    changed = model.model_copy(update={**dict.fromkeys(fields), "fine_tuning": tuned})
    return table.model_copy(update={"models": {**table.models, model_id: changed}})


def test_the_bundled_tables_are_what_the_map_says(bundled, price_map):
    # The bundled tables were seeded from this map: importing it again changes nothing.
    for provider, table in bundled.tables.items():
        if table.litellm_provider:
            new, changes, _ = import_prices(table, price_map, TODAY)
            assert changes == [], provider
            assert new == table, provider


def test_openai_prices_from_the_real_map(bundled, price_map):
    fields = ("cached_input_per_million_tokens", "batch_input_per_million_tokens", "batch_output_per_million_tokens")
    table = _without(bundled.tables["openai"], "gpt-4o-mini", *fields)
    new, changes, missing = import_prices(table, price_map, TODAY)
    mini = new.models["gpt-4o-mini"]
    # The map's gpt-4o-mini: 1.5e-07 in, 6e-07 out, 7.5e-08 cached, 7.5e-08 / 3e-07 batch, per token.
    assert (mini.input_per_million_tokens, mini.output_per_million_tokens) == (0.15, 0.60)
    assert mini.cached_input_per_million_tokens == 0.075
    assert (mini.batch_input_per_million_tokens, mini.batch_output_per_million_tokens) == (0.075, 0.30)
    assert mini.as_of == TODAY
    assert mini.source == (f"LiteLLM model_prices_and_context_window.json (litellm {PINNED}), entry 'gpt-4o-mini', "
                           "read 2026-12-02")
    assert mini.fine_tuning == table.models["gpt-4o-mini"].fine_tuning  # the tuned block had nothing new
    assert [str(c) for c in changes] == [
        "openai/gpt-4o-mini: cached input per million tokens: not set → 0.075",
        "openai/gpt-4o-mini: batch input per million tokens: not set → 0.075",
        "openai/gpt-4o-mini: batch output per million tokens: not set → 0.3",
    ]
    assert missing == []


def test_cache_writes_and_retirement_dates(bundled, price_map):
    table = _without(bundled.tables["anthropic"], "claude-sonnet-4.5", "cache_write_per_million_tokens",
                     "deprecation_date")
    new, changes, _ = import_prices(table, price_map, TODAY)
    sonnet = new.models["claude-sonnet-4.5"]
    # The map: cache_creation_input_token_cost 3.75e-06 (1.25 x the 3e-06 input price), retires 2026-11-30.
    assert sonnet.cache_write_per_million_tokens == 3.75
    assert sonnet.deprecation_date == datetime.date(2026, 11, 30)
    assert "anthropic/claude-sonnet-4.5: deprecation date: not set → 2026-11-30" in [str(c) for c in changes]


def test_a_fine_tuning_block_takes_its_own_entry_and_keeps_its_training_price(bundled, price_map):
    table = _without(bundled.tables["openai"], "gpt-4.1-nano", tuned_fields=("deprecation_date",))
    before = table.models["gpt-4.1-nano"].fine_tuning.model_copy(update={"source": "OpenAI fine-tuning table"})
    table = table.model_copy(update={"models": {**table.models, "gpt-4.1-nano": table.models[
        "gpt-4.1-nano"].model_copy(update={"fine_tuning": before})}})
    new, changes, _ = import_prices(table, price_map, TODAY)
    tuned = new.models["gpt-4.1-nano"].fine_tuning
    # ft:gpt-4.1-nano-2025-04-14 retires 2026-10-23; the map has no training price, so ours stays with its source.
    assert tuned.deprecation_date == datetime.date(2026, 10, 23)
    assert tuned.training_per_million_tokens == 1.50 and tuned.input_per_million_tokens == 0.20
    assert tuned.source.endswith("; other figures (training per million tokens): OpenAI fine-tuning table")
    assert [str(c) for c in changes] == ["openai/gpt-4.1-nano: fine tuning: deprecation date: not set → 2026-10-23"]
    # A later import names the old source once, not the previous import's whole wording again.
    again = new.model_copy(update={"models": {**new.models, "gpt-4.1-nano": new.models["gpt-4.1-nano"].model_copy(
        update={"fine_tuning": tuned.model_copy(update={"deprecation_date": None})})}})
    newer, _, _ = import_prices(again, price_map, TODAY)
    assert newer.models["gpt-4.1-nano"].fine_tuning.source == tuned.source


def test_matching_needs_the_same_provider(bundled, price_map):
    # claude-opus-4.1 is in the map only as a Bedrock model; that is not Anthropic's own price.
    _, _, missing = import_prices(bundled.tables["anthropic"], price_map, TODAY)
    assert "anthropic/claude-opus-4.1" in missing
    # gemini-2.0-flash is there only under vertex_ai, not gemini.
    _, _, missing = import_prices(bundled.tables["google"], price_map, TODAY)
    assert missing == ["google/gemini-2.0-flash"]


def test_adding_a_model_from_the_map(bundled, price_map):
    new, changes, _ = import_prices(bundled.tables["anthropic"], price_map, TODAY, ("claude-sonnet-5",))
    added = new.models["claude-sonnet-5"]
    # The map's claude-sonnet-5 per token: 2e-06 in, 1e-05 out, 2e-07 read, 2.5e-06 write, 1e-06 / 5e-06 batch.
    assert (added.input_per_million_tokens, added.output_per_million_tokens) == (2.0, 10.0)
    assert (added.cached_input_per_million_tokens, added.cache_write_per_million_tokens) == (0.2, 2.5)
    assert (added.batch_input_per_million_tokens, added.batch_output_per_million_tokens) == (1.0, 5.0)
    assert added.deprecation_date is None and added.as_of == TODAY
    assert [str(c) for c in changes] == ["anthropic/claude-sonnet-5: added"]


@pytest.mark.parametrize(("provider", "model_id", "message"), [
    ("voyage", "voyage-3.5", "gives no output_vector_size; add the model by hand with its dimensions"),
    ("openai", "gpt-5.4-pro", "not in LiteLLM's map as a openai chat or embedding model"),  # a responses-only model
    ("anthropic", "claude-nonesuch-9", "looked for 'claude-nonesuch-9' and 'claude-nonesuch-9'"),
])
def test_adding_what_the_map_cannot_give_is_refused(bundled, price_map, provider, model_id, message):
    with pytest.raises(PricingError, match=re.escape(message)):
        import_prices(bundled.tables[provider], price_map, TODAY, (model_id,))


def test_a_changed_price_is_reported_and_applied(bundled, price_map):
    map_copy = PriceMap(json.loads(json.dumps(price_map.models)), "test")
    map_copy.models["text-embedding-3-small"]["input_cost_per_token"] = 3e-08
    new, changes, _ = import_prices(bundled.tables["openai"], map_copy, TODAY)
    assert new.embeddings["text-embedding-3-small"].per_million_tokens == 0.03
    assert "openai/text-embedding-3-small: per million tokens: 0.02 → 0.03" in [str(c) for c in changes]


def _wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for name, content in members.items():
            wheel.writestr(name, content)
    return path


def test_the_map_and_its_version_are_read_from_a_wheel(tmp_path):
    wheel = _wheel(tmp_path / "litellm-9.9.9-py3-none-any.whl", {
        WHEEL_MEMBER: MAP.read_bytes(),
        "litellm-9.9.9.dist-info/METADATA": b"Metadata-Version: 2.1\nName: litellm\nVersion: 9.9.9\n",
    })
    read = load_price_map(wheel)
    assert read.version == "9.9.9" and read.name.endswith("(litellm 9.9.9)")
    assert read.models == load_price_map(MAP).models


@pytest.mark.parametrize(("members", "message"), [
    ({"README": b"x"}, "not a litellm wheel: it has no litellm/model_prices_and_context_window_backup.json"),
    (None, "cannot read the wheel"),
])
def test_a_wheel_without_the_map_is_refused(tmp_path, members, message):
    path = tmp_path / "litellm-1.0-py3-none-any.whl"
    if members is None:
        path.write_bytes(b"not a zip file")
    else:
        _wheel(path, members)
    with pytest.raises(PricingError, match=re.escape(message)):
        load_price_map(path)


def test_a_map_too_large_in_a_wheel_is_refused_unread(tmp_path, monkeypatch):
    import planner.price_admin.litellm_import as module

    wheel = _wheel(tmp_path / "litellm-1.0-py3-none-any.whl", {WHEEL_MEMBER: MAP.read_bytes()})
    monkeypatch.setattr(module, "MAX_PRICE_MAP_BYTES", 1000)
    with pytest.raises(PricingError, match="at most 1,000 are read"):
        load_price_map(wheel)


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
    assert check_price_map(price_map.models, "map") == price_map.models


def test_cli_shows_the_diff_and_applies_it(tmp_path, capsys):
    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    command = ["prices", "import-litellm", str(MAP), "--map-version", PINNED, "--provider", "anthropic",
               "--add", "claude-sonnet-5", "--prices", str(prices)]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert f"anthropic: 1 change from LiteLLM model_prices_and_context_window.json (litellm {PINNED})" in out
    assert "anthropic/claude-sonnet-5: added" in out and "nothing saved" in out
    assert "claude-sonnet-5" not in load_price_book(prices).tables["anthropic"].models
    assert main([*command, "--apply"]) == 0
    added = load_price_book(prices).tables["anthropic"].models["claude-sonnet-5"]
    assert added.input_per_million_tokens == 2.0 and f"(litellm {PINNED})" in added.source
    assert [v.bundled for v in history(Path(prices), "anthropic")] == [True]
    assert (prices / "anthropic.yaml").read_text().startswith("# Anthropic:")  # the header comment survives


def test_cli_add_needs_a_provider(capsys):
    assert main(["prices", "import-litellm", str(MAP), "--add", "claude-sonnet-5"]) == 2
    assert "--add names models of one provider: give --provider too" in capsys.readouterr().err


def test_an_imported_table_is_saved_without_yaml_anchors(bundled, price_map):
    from planner.price_admin.editing import table_to_yaml

    later = datetime.date(2026, 12, 1)
    table = _without(bundled.tables["openai"], "gpt-4o-mini", "batch_input_per_million_tokens")
    table = _without(table, "gpt-4.1", "batch_input_per_million_tokens")
    new, _, _ = import_prices(table, price_map, later)
    text = table_to_yaml(new, "")
    # Every imported offering shares one date object; it must be written out each time, not aliased.
    assert "&id" not in text and "*id" not in text
    assert text.count(f"as_of: {later.isoformat()}") == 2
