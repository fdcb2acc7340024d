"""The default example's budget pack as a finance partner's spreadsheet sees it: recalculated and printed by
LibreOffice (Debian's, headless; ``scripts/ensure-libreoffice.sh`` installs it).

To make LibreOffice calculate rather than show the results stored with the formulas, the stored results are
taken out of a copy of the file first; LibreOffice then works every formula out itself, and each sheet is
exported as CSV (numbers unformatted) and the workbook printed to PDF.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from openpyxl import load_workbook
from pypdf import PdfReader

from planner import estimate, load_price_book, load_scenario
from planner.analysis.budget_calendar import budget_calendar, month_label
from planner.analysis.ranges import simulate
from planner.outputs.workbook import budget_pack

PLANNED = datetime.date(2026, 12, 2)
MAX_PAGES = 15  # the limit for the default example's pack
SOFFICE_SECONDS = 120  # a conversion takes 2-5 s here; a hung one fails the test rather than the run
# LibreOffice's CSV filter: comma, double quote, UTF-8, from line 1, default column formats, ..., values as
# they are (not as formatted), ..., every sheet to its own file (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _soffice() -> str:
    found = shutil.which("soffice")
    assert found, "LibreOffice is missing: run `bash scripts/ensure-libreoffice.sh` (the README's test command does)"
    return found


def _convert(source: Path, target: str, out: Path) -> None:
    # A profile of its own: no first-run dialogs, no clash with a LibreOffice the user has open.
    profile = (out / "profile").as_uri()
    subprocess.run([_soffice(), f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                    target, "--outdir", str(out), str(source)], check=True, capture_output=True,
                   timeout=SOFFICE_SECONDS)


def _without_results(data: bytes) -> bytes:
    """The workbook with every formula's stored result taken out, so a spreadsheet must calculate it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", content)
            copy.writestr(item, content)
    return out.getvalue()


def _sheets(path: Path, out: Path) -> dict[str, list[list[str]]]:
    _convert(path, CSV_FILTER, out)
    found = {}
    for file in out.glob(f"{path.stem}-*.csv"):
        with file.open(newline="", encoding="utf-8") as handle:
            found[file.stem.removeprefix(f"{path.stem}-")] = list(csv.reader(handle))
    return found


def _number(text: str) -> float:
    return float(text) if text else 0.0


@pytest.fixture(scope="module")
def default_pack(tmp_path_factory):
    book = load_price_book(REPO / "pricing")
    scenario = load_scenario(REPO / "examples" / "support_assistant.yaml")
    result = estimate(scenario, book, PLANNED)
    data = budget_pack(result, book, simulate(scenario, book, draws=500, today=PLANNED))
    out = tmp_path_factory.mktemp("pack")
    (out / "pack.xlsx").write_bytes(data)
    (out / "recalculated.xlsx").write_bytes(_without_results(data))
    return result, data, out


@pytest.fixture(scope="module")
def recalculated(default_pack):
    result, _, out = default_pack
    return result, _sheets(out / "recalculated.xlsx", out)


def _summary_rows(sheets) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in sheets["Summary"] if row and row[0]}


def test_recalculated_summary_equals_the_planners_totals(recalculated):
    result, sheets = recalculated
    rows = _summary_rows(sheets)
    cur, months = result.currency, result.horizon_months
    options = list(result.approaches.values())
    expected = {
        f"One-time build cost ({cur})": [r.one_time_cost for r in options],
        f"First-month running cost ({cur})": [r.monthly_cost for r in options],
        f"Running cost over {months} months ({cur})": [r.horizon_cost - r.one_time_cost for r in options],
        f"{months}-month cost incl. one-time build ({cur})": [r.horizon_cost for r in options],
    }
    for label, values in expected.items():
        got = [_number(cell) for cell in rows[label][:len(options)]]
        assert got == pytest.approx(values, abs=0.005), label
    # each financial year, from the monthly sheets, and together the horizon's total
    years = [p.label for p in budget_calendar(result).fiscal_years]
    by_year = [[_number(cell) for cell in rows[label][:len(options)]] for label in years]
    assert [sum(column) for column in zip(*by_year, strict=True)] == pytest.approx(
        [r.horizon_cost for r in options], abs=0.01)


def test_recalculated_pack_shows_dates_retraining_when_paid_contingency_build_run_and_sign_off(recalculated):
    result, sheets = recalculated
    calendar = budget_calendar(result)
    rows = _summary_rows(sheets)
    assert {"Prepared by", "Reviewed by", "Approved by", "Date approved", "Version"} <= set(rows)
    tuned = sheets["Monthly - Fine-tuning"]
    header = tuned[1]
    assert header[3:3 + len(calendar.months)] == [month_label(m) for m in calendar.months]
    # Retraining every 3 months (the assumption) after a go-live in February 2027 (run month 1): run months 3, 6,
    # 9 and 12 are April, July, October and January.
    retraining = next(row for row in tuned if row[1] == "Retraining run")
    paid = [header[i] for i in range(3, 3 + len(calendar.months)) if _number(retraining[i])]
    assert calendar.options["fine_tune"].go_live.strftime("%b %Y") == "Feb 2027"
    assert paid == ["Apr 2027", "Jul 2027", "Oct 2027", "Jan 2028"]
    items = sheets["Line items"]
    head = items[0]
    item, one_time = head.index("Item"), head.index(f"One-time amount ({result.currency})")
    contingency = [row for row in items if len(row) > item and row[item] == "Contingency on the build"]
    assert len(contingency) == len(result.approaches) and all(_number(row[one_time]) > 0 for row in contingency)
    for option in result.approaches.values():
        build = next(row for row in items if len(row) > item and row[item] == f"Build (one-time): {option.label}")
        run = next(row for row in items if len(row) > item and row[item] == f"Run (monthly): {option.label}")
        horizon = len(head) - head[::-1].index(f"{result.horizon_months}-month amount incl. one-time "
                                                f"({result.currency})") - 1
        assert _number(build[horizon]) == pytest.approx(option.one_time_cost, abs=0.005)
        assert _number(build[horizon]) + _number(run[horizon]) == pytest.approx(option.horizon_cost, abs=0.005)


def test_stored_results_equal_what_libreoffice_works_out(default_pack, recalculated):
    """What a reader that does not recalculate sees (the stored results) is what recalculating gives."""
    _, data, _ = default_pack
    _, sheets = recalculated
    stored = load_workbook(io.BytesIO(data), data_only=True)
    formulas = load_workbook(io.BytesIO(data))
    checked = 0
    for name in formulas.sheetnames:
        for row in formulas[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    worked_out = _number(sheets[name][cell.row - 1][cell.column - 1])
                    assert stored[name].cell(cell.row, cell.column).value == pytest.approx(worked_out, abs=1e-6), (
                        name, cell.coordinate, cell.value)
                    checked += 1
    assert checked > 500


def test_editing_a_line_item_flows_into_the_summary(default_pack, tmp_path):
    """Add 1,000 to the prompt option's first one-time line (people's hours, so untaxed): its build and its total
    move by 1,000 and the contingency on it (20%, the assumption) by 200."""
    result, data, _ = default_pack
    workbook = load_workbook(io.BytesIO(data))
    items = workbook["Line items"]
    head = [c.value for c in items[1]]
    column = head.index(f"One-time amount ({result.currency})") + 1
    first_line = next(r for r in range(2, items.max_row + 1) if isinstance(items.cell(r, column).value, float)
                      and items.cell(r, column).value > 0)
    items.cell(first_line, column).value += 1_000
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)  # openpyxl keeps the formulas and drops their stored results: LibreOffice recalculates
    rows = _summary_rows(_sheets(edited, tmp_path))
    prompt = result.approaches["prompt"]
    assert _number(rows[f"One-time build cost ({result.currency})"][0]) == pytest.approx(
        prompt.one_time_cost + 1_200, abs=0.005)
    assert _number(rows[f"{result.horizon_months}-month cost incl. one-time build ({result.currency})"][0]) == (
        pytest.approx(prompt.horizon_cost + 1_200, abs=0.005))


def test_the_pack_prints_within_the_page_limit_with_the_summary_on_one_page(default_pack):
    _, _, out = default_pack
    _convert(out / "pack.xlsx", "pdf", out)
    pages = [page.extract_text() for page in PdfReader(out / "pack.pdf").pages]
    assert len(pages) <= MAX_PAGES
    assert "Budget: Support assistant" in pages[0] and "Approved by" in pages[0]  # the whole summary on page 1
    assert "Line items" in pages[1]
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))  # numbered
    # the line items' header is repeated on every page they take
    item_pages = [text for text in pages if "Line items:" in text]
    assert len(item_pages) >= 2 and all("Build or run" in text for text in item_pages)


def test_tax_and_contingency_formulas_work_out_to_the_planners_lines(tmp_path):
    """The UK example adds 20% VAT on suppliers' bills: with the stored results taken out, LibreOffice's tax and
    contingency lines, month by month, equal the planner's."""
    book = load_price_book(REPO / "pricing")
    result = estimate(load_scenario(REPO / "examples" / "uk_wealth_manager_london.yaml"), book, PLANNED)
    path = tmp_path / "uk.xlsx"
    path.write_bytes(_without_results(budget_pack(result, book)))
    sheets = _sheets(path, tmp_path)
    items = sheets["Line items"]
    head = items[0]
    item, one_time, horizon = (head.index(h) for h in ("Item", f"One-time amount ({result.currency})",
                                                       f"12-month amount incl. one-time ({result.currency})"))
    option = next(iter(result.approaches.values()))
    expected = {li.item: li for li in option.lines if li.category in ("contingency", "tax")}
    assert set(expected) == {"Contingency on the build", "Tax on suppliers' one-time bills",
                             "Tax on suppliers' monthly bills"}
    for name, line in expected.items():
        row = next(r for r in items if len(r) > item and r[item] == name)  # the first option's
        assert _number(row[one_time]) == pytest.approx(line.amount if line.timing == "one_time" else 0, abs=1e-6)
        assert _number(row[horizon]) == pytest.approx(line.horizon_amount, abs=1e-6)
