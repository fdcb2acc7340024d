"""What the golden files hold: every output of every bundled example, on a fixed planning day.

The files in ``tests/golden/`` were written by ``python -m tests.golden_outputs``: those of the
examples written the old way (four blocks, no ``options``) before the option list replaced the four
fixed slots, so ``test_golden.py`` checks such a scenario still gives every output byte for byte
(one deliberate change since: "operations.personal data" in line bases now reads "personal data");
``support_six_options`` when options were introduced. They rest on the bundled
price tables: a deliberate change of a price changes them, and is re-recorded with
``python -m tests.golden_outputs`` after reading the diff.

The budget pack is compared as the text of every cell (value or formula), sheet by sheet, because
the .xlsx file itself carries the time it was written.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"
PLANNING_DAY = datetime.date(2026, 12, 2)
# The CLI commands whose text output is recorded, by the golden file's suffix.
COMMANDS: dict[str, list[str]] = {
    "table.txt": ["estimate", "--format", "table"],
    "json": ["estimate", "--format", "json"],
    "csv": ["estimate", "--format", "csv"],
    "breakeven.txt": ["breakeven"],
    "routes.txt": ["routes"],
    "routes.json": ["routes", "--format", "json"],
}
DATED = {"estimate", "routes", "breakeven"}  # commands that take --today


def _run(argv: list[str]) -> str:
    from planner.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return f"{out.getvalue()}--- stderr ---\n{err.getvalue()}--- exit {code} ---\n"


def workbook_text(data: bytes) -> str:
    """Every cell of a budget pack, sheet by sheet, as ``A1<TAB>repr(value)`` lines."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title}")
        lines += [f"{cell.coordinate}\t{cell.value!r}" for row in sheet.iter_rows() for cell in row
                  if cell.value is not None]
    return "\n".join(lines) + "\n"


def outputs(example: Path, tmp: Path) -> dict[str, str]:
    """Golden file name -> text, for one example."""
    from planner.inputs.scenario import load_scenario
    from planner.outputs.share import encode_scenario

    found: dict[str, str] = {}
    for suffix, command in COMMANDS.items():
        dated = ["--today", PLANNING_DAY.isoformat()] if command[0] in DATED else []
        found[f"{example.stem}.{suffix}"] = _run([*command, *dated, str(example)])
    book = tmp / f"{example.stem}.xlsx"
    _run(["estimate", "--format", "xlsx", "--output", str(book), "--today", PLANNING_DAY.isoformat(), str(example)])
    found[f"{example.stem}.xlsx.txt"] = workbook_text(book.read_bytes())
    found[f"{example.stem}.link.txt"] = encode_scenario(load_scenario(example)) + "\n"
    return found


def main() -> int:
    import tempfile

    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for example in EXAMPLES:
            for name, text in outputs(example, Path(tmp)).items():
                (GOLDEN / name).write_text(text, encoding="utf-8")
                print(f"wrote tests/golden/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
