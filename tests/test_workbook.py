"""The budget pack as a finance partner opens it: numbers as numbers, formula totals stored with results that
equal the planner's totals, a month-by-month sheet per option on calendar months, and words rather than ids.

openpyxl reads a cell's formula, or (``data_only``) the result stored with it; that LibreOffice, recalculating,
gets the same results is tests/test_pack_libreoffice.py's.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from conftest import REPO
from openpyxl import load_workbook

from planner import estimate, load_price_book, load_scenario
from planner.analysis.budget_calendar import budget_calendar, month_label
from planner.costs.lines import CATEGORY_LABELS
from planner.outputs.workbook import MONTHLY_SHEETS, budget_pack

INTERNAL_IDS = ("fine_tune", "one_time", "data_preparation", "vector_db", "self_hosted")
PLANNED = datetime.date(2026, 12, 2)


@pytest.fixture(scope="module", params=["brand_voice_self_hosted", "support_assistant"])
def pack(request):
    book = load_price_book(REPO / "pricing")
    result = estimate(load_scenario(REPO / "examples" / f"{request.param}.yaml"), book, PLANNED)
    data = budget_pack(result, book)
    return result, load_workbook(io.BytesIO(data)), load_workbook(io.BytesIO(data), data_only=True)


def _item_column(sheet) -> int:
    return [c.value for c in sheet[1]].index("Item")


def test_approach_totals_are_formulas_that_equal_the_planners_totals(pack):
    result, formulas, values = pack
    sheet, stored = formulas["Line items"], values["Line items"]
    header = [c.value for c in sheet[1]]
    cur, months = result.currency, result.horizon_months
    columns = [header.index(h) for h in (f"One-time amount ({cur})", f"First-month amount ({cur})",
                                         f"{months}-month amount incl. one-time ({cur})")]
    item = _item_column(sheet)
    totals = {row[item].value.removeprefix("Total: "): row[item].row for row in sheet.iter_rows(min_row=2)
              if isinstance(row[item].value, str) and row[item].value.startswith("Total: ")}
    assert list(totals) == [a.label for a in result.approaches.values()]
    for approach in result.approaches.values():
        row = totals[approach.label]
        assert all(str(sheet.cell(row, c + 1).value).startswith("=SUBTOTAL(9,") for c in columns)  # not pasted
        got = [stored.cell(row, c + 1).value for c in columns]
        assert got == pytest.approx([approach.one_time_cost, approach.monthly_cost, approach.horizon_cost], rel=1e-9)
        # the build and run totals follow the option's total: build = one-time, run = the monthly lines
        build, run = (stored.cell(row + k, columns[2] + 1).value for k in (1, 2))
        assert build == pytest.approx(approach.one_time_cost, rel=1e-9)
        assert run == pytest.approx(approach.horizon_cost - approach.one_time_cost, rel=1e-9)


def test_category_subtotals_equal_the_lines_of_that_category(pack):
    result, _, values = pack
    sheet = values["Line items"]
    header = [c.value for c in sheet[1]]
    horizon = header.index(f"{result.horizon_months}-month amount incl. one-time ({result.currency})")
    item = _item_column(sheet)
    approach_rows = iter(result.approaches.values())
    approach = next(approach_rows)
    checked = 0
    for row in sheet.iter_rows(min_row=2):
        label = row[item].value
        if isinstance(label, str) and label.startswith("Subtotal: "):
            category = next(k for k, v in CATEGORY_LABELS.items() if v == label.removeprefix("Subtotal: "))
            expected = sum(li.horizon_amount for li in approach.lines if li.category == category)
            assert row[horizon].value == pytest.approx(expected, rel=1e-9), label
            checked += 1
        elif isinstance(label, str) and label.startswith("Total: "):
            approach = next(approach_rows, None)
    assert checked >= 4 * len(result.approaches)


def test_each_option_has_a_month_by_month_sheet_on_calendar_months(pack):
    result, formulas, values = pack
    calendar = budget_calendar(result)
    for name, approach in result.approaches.items():
        sheet = values[MONTHLY_SHEETS[name]]
        header = [c.value for c in sheet[2]]
        count = len(calendar.months)
        assert header[:3] == ["Category", "Item", "Build or run"]
        assert header[3:3 + count] == [month_label(m) for m in calendar.months]
        assert header[3 + count:] == ["Total"]
        total_row = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == "Total")
        assert formulas[MONTHLY_SHEETS[name]].cell(total_row[0].row, 4).value.startswith("=SUM(")
        amounts = [c.value for c in total_row[3:]]
        assert amounts[count] == pytest.approx(approach.horizon_cost, rel=1e-9)
    # the quarters and the financial years each add up to the horizon's total, option by option
    periods = values["Quarters and years"]
    names = [c.value for c in periods[2]][1:]
    assert names == [a.label for a in result.approaches.values()]
    rows = [[c.value for c in r] for r in periods.iter_rows(min_row=3)]
    quarters = {p.label for p in calendar.quarters}
    years = {p.label for p in calendar.fiscal_years}
    for index, approach in enumerate(result.approaches.values(), start=1):
        assert sum(r[index] for r in rows if r[0] in quarters) == pytest.approx(approach.horizon_cost, rel=1e-9)
        assert sum(r[index] for r in rows if r[0] in years) == pytest.approx(approach.horizon_cost, rel=1e-9)


def test_summary_holds_numbers_with_currency_formats_and_words(pack):
    result, formulas, values = pack
    sheet = values["Summary"]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    n = len(result.approaches)
    costs = rows[f"{result.horizon_months}-month cost incl. one-time build ({result.currency})"]
    assert [c.value for c in costs[1:n + 1]] == pytest.approx([a.horizon_cost for a in result.approaches.values()])
    assert all("#,##0.00" in c.number_format for c in costs[1:n + 1])
    assert all(str(c.value).startswith("='Line items'!") for c in
               formulas["Summary"][costs[0].row][1:n + 1])  # it flows from the line items
    weeks = rows["Weeks to production"]
    assert all(isinstance(c.value, float) for c in weeks[1:n + 1])
    assert {"Prepared by", "Reviewed by", "Approved by", "Date approved", "Version"} <= set(rows)


def test_no_internal_ids_where_people_read_labels(pack):
    _, workbook, _ = pack
    for name in ["Summary", "Line items", *MONTHLY_SHEETS.values()]:
        if name not in workbook:  # a scenario with options names its sheets after them
            continue
        sheet = workbook[name]
        # The label columns; the price-key and basis columns of "Line items" name the price or assumption used.
        for row in sheet.iter_rows(max_col=4, values_only=True):
            for value in row:
                assert not any(i in str(value) for i in INTERNAL_IDS), (name, value)


def test_data_lines_by_source_reach_the_pack_and_the_csv():
    from planner.outputs.export import to_csv

    book = load_price_book(REPO / "pricing")
    # brand voice: examples from records, LLM drafts and experts' writing (examples/brand_voice_self_hosted.yaml)
    result = estimate(load_scenario(REPO / "examples" / "brand_voice_self_hosted.yaml"), book)
    items = ["Examples from records: expert review of a sample", "Examples generated by an LLM: expert review of "
             "every draft", "Examples generated by an LLM: generation output tokens",
             "Examples written by experts: writing"]
    workbook = load_workbook(io.BytesIO(budget_pack(result, book)))
    cells = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    csv_text = to_csv(result)
    for item in items:
        assert item in cells, item
        assert f",{item}," in csv_text, item



def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    import shutil
    import zipfile

    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    planted = '=HYPERLINK("http://127.0.0.1:9/x","open me")'
    table = prices / "openai.yaml"
    table.write_text(re.sub(r"(?m)^(\s+source: ).*$", lambda m: m.group(1) + repr(planted), table.read_text()))
    book = load_price_book(prices)
    pack = budget_pack(estimate(load_scenario(REPO / "examples" / "support_assistant.yaml"), book), book, None)
    cells = [c for sheet in load_workbook(io.BytesIO(pack)).worksheets for row in sheet.iter_rows() for c in row
             if c.value == planted]
    assert cells  # the planted source is in the pack, on its own in a cell
    assert {c.data_type for c in cells} == {"s"}
    # In the file itself no formula element holds it, so a spreadsheet shows it and never evaluates it.
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert not any("<f>HYPERLINK" in xml for xml in sheets)
