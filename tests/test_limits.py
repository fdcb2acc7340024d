"""Inputs beyond the parsing limits are refused with our error, naming the file and line."""

from __future__ import annotations

import base64
import zlib

import pytest
from conftest import FIXTURE_PRICES

from planner import PricingError, ScenarioError, estimate, load_price_book, parse_scenario
from planner.core.limits import MAX_DEPTH, MAX_LINK_JSON_BYTES, MAX_NODES
from planner.outputs.share import decode_scenario
from planner.price_admin.litellm_import import parse_price_map

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def refused(text: str, match: str) -> ScenarioError:
    with pytest.raises(ScenarioError, match=match) as caught:
        parse_scenario(text, "odd.yaml")
    return caught.value


def test_deep_nesting_is_refused_before_it_is_parsed():
    error = refused("workload: " + "[" * 200_000 + "]" * 200_000, f"nested more than {MAX_DEPTH} levels")
    assert error.problems[0].file == "odd.yaml" and error.problems[0].line == 1


def test_an_alias_bomb_is_refused_not_expanded():
    # 9 ** 9 = 387 million values if expanded
    refused(ALIAS_BOMB, f"expands to more than {MAX_NODES:,} values")


def test_a_list_or_mapping_as_a_key_is_refused():
    error = refused("name: x\n? [a, b]\n: 1\n", "a key must be a plain name")
    assert error.problems[0].line == 2


def test_a_number_of_thousands_of_digits_is_refused():
    refused("workload:\n  requests_per_month: " + "9" * 5000 + "\n", "a number written with 5,000 characters")


def test_a_number_beyond_a_quadrillion_is_refused_by_the_field():
    refused("workload:\n  requests_per_month: 10000000000000000\n",
            r"workload.requests_per_month: input should be less than or equal to 1000000000000000")


def test_an_impossible_date_is_our_error():
    refused("name: x\ndescription: 2026-13-45\n", "a value cannot be read")


def test_a_long_text_is_refused_and_quoted_short():
    refused("name: " + "x" * 20_000 + "\n", "a value of 20,000 characters")
    error = refused("name: " + "x" * 5_000 + "\n", "name: string should have at most 200 characters")
    assert len(str(error)) < 400  # the 5,000 characters are not repeated in the message


def test_a_link_that_inflates_past_its_limit_is_refused_before_it_is_inflated():
    raw = ('{"name": "' + "x" * 12_000_000 + '"}').encode()
    token = "1" + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")
    assert len(token) < 16_000  # a link a browser accepts
    with pytest.raises(ScenarioError, match=f"inflates to more than {MAX_LINK_JSON_BYTES:,} bytes"):
        decode_scenario(token)


def test_a_deeply_nested_link_is_our_error():
    token = "1" + base64.urlsafe_b64encode(zlib.compress(b"[" * 100_000)).decode().rstrip("=")
    with pytest.raises(ScenarioError):
        decode_scenario(token)


def test_a_price_map_that_is_not_json_or_nested_too_deeply_is_our_error():
    with pytest.raises(PricingError, match="not JSON"):
        parse_price_map(b"\xff\xfe not json", "upload.json")
    with pytest.raises(PricingError, match="nested too deeply"):
        parse_price_map("[" * 100_000 + "]" * 100_000, "upload.json")


def test_an_assumption_the_model_divides_by_cannot_be_zero(tmp_path):
    import shutil

    directory = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, directory)
    path = directory / "assumptions.yaml"
    path.write_text(path.read_text().replace("chunk_tokens: {value: 1000,", "chunk_tokens: {value: 0,"))
    book = load_price_book(directory)
    assert book.assumptions is None
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("chunk_tokens:"))
    assert [str(p) for p in book.problems] == [f"assumptions.yaml:{line}: chunk_tokens: value must be > 0, got 0"]


@pytest.mark.parametrize("name", ["full_training_flops_per_param_token", "adapter_training_flops_per_param_token"])
def test_the_flops_a_training_run_divides_by_cannot_be_zero(tmp_path, name):
    import re
    import shutil

    directory = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, directory)
    path = directory / "assumptions.yaml"
    path.write_text(re.sub(rf"^{name}: {{value: [0-9.]+,", f"{name}: {{value: 0,", path.read_text(), flags=re.M))
    book = load_price_book(directory)
    assert book.assumptions is None
    assert [p.field for p in book.problems] == [name]
    assert "value must be > 0, got 0" in str(book.problems[0])


def test_control_characters_in_a_name_do_not_break_the_budget_pack(book):
    import io

    from conftest import worked
    from openpyxl import load_workbook

    from planner.outputs.workbook import budget_pack

    scenario = worked(name="Plan\x07 with a bell\x1b")
    pack = load_workbook(io.BytesIO(budget_pack(estimate(scenario, book), book)))
    texts = [c.value for row in pack["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "Budget: Plan with a bell" in texts
