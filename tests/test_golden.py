"""Scenarios written the old way (four blocks, no ``options``) give the same outputs, byte for byte,
as the committed golden files recorded before options existed (see ``golden_outputs.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden_outputs import EXAMPLES, GOLDEN, outputs


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_output_of_an_example_is_unchanged(example: Path, tmp_path: Path) -> None:
    found = outputs(example, tmp_path)
    assert len(found) == 8
    for name, text in found.items():
        golden = (GOLDEN / name).read_text(encoding="utf-8")
        # One assert per file, naming it; the diff pytest prints shows the first lines that moved.
        assert text == golden, f"tests/golden/{name} changed (re-record with python -m tests.golden_outputs " \
                               "only if the change is meant)"


def test_there_is_a_golden_file_for_every_output_of_every_example(tmp_path: Path) -> None:
    recorded = {path.name for path in GOLDEN.iterdir()}
    expected = {f"{example.stem}.{suffix}" for example in EXAMPLES
                for suffix in ("table.txt", "json", "csv", "breakeven.txt", "routes.txt", "routes.json", "xlsx.txt",
                               "link.txt")}
    assert recorded == expected
