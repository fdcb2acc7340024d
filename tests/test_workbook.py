"""The budget pack as a finance partner opens it: numbers as numbers, formula totals that equal the
planner's totals, a month-by-month sheet per approach, and words rather than ids.

openpyxl reads formulas, not their results, so ``evaluate`` below computes the two functions the
pack writes, by their spreadsheet meaning: SUM adds the numbers in a range (evaluating formulas in
it); SUBTOTAL(9, range) adds them too but leaves out cells that are themselves SUBTOTALs.
"""

from __future__ import annotations

import io
import re

import pytest
from conftest import REPO
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from planner import estimate, load_price_book, load_scenario
from planner.costs.lines import CATEGORY_LABELS
from planner.outputs.workbook import MONTHLY_SHEETS, budget_pack

FORMULA = re.compile(r"^=(SUM|SUBTOTAL)\((?:9,)?([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")
INTERNAL_IDS = ("fine_tune", "one_time", "data_preparation", "vector_db", "self_hosted")


def evaluate(sheet, value):
    """The value of a cell's content: a number, or one of the pack's SUM / SUBTOTAL formulas."""
    if not isinstance(value, str) or not value.startswith("="):
        return value
    function, first_col, first_row, last_col, last_row = FORMULA.match(value).groups()
    total = 0.0
    for row in range(int(first_row), int(last_row) + 1):
        for col in range(column_index_from_string(first_col), column_index_from_string(last_col) + 1):
            content = sheet.cell(row=row, column=col).value
            if function == "SUBTOTAL" and isinstance(content, str) and content.startswith("=SUBTOTAL"):
                continue
            part = evaluate(sheet, content)
            total += part if isinstance(part, (int, float)) else 0.0
    return total


@pytest.fixture(scope="module", params=["brand_voice_self_hosted", "support_assistant"])
def pack(request):
    book = load_price_book(REPO / "pricing")
    result = estimate(load_scenario(REPO / "examples" / f"{request.param}.yaml"), book)
    return result, load_workbook(io.BytesIO(budget_pack(result, book)))


def test_approach_totals_are_formulas_that_equal_the_planners_totals(pack):
    result, workbook = pack
    sheet = workbook["Line items"]
    header = [c.value for c in sheet[1]]
    cur, months = result.currency, result.horizon_months
    columns = [header.index(h) + 1 for h in (f"One-time amount ({cur})", f"First-month amount ({cur})",
                                             f"{months}-month amount ({cur})")]
    totals = {row[2].value.removeprefix("Total: "): row for row in sheet.iter_rows(min_row=2)
              if isinstance(row[2].value, str) and row[2].value.startswith("Total: ")}
    assert list(totals) == [a.label for a in result.approaches.values()]
    for approach in result.approaches.values():
        row = totals[approach.label]
        cells = [row[c - 1].value for c in columns]
        assert all(str(cell).startswith("=SUBTOTAL(9,") for cell in cells)  # formulas, not pasted numbers
        got = [evaluate(sheet, cell) for cell in cells]
        assert got == pytest.approx([approach.one_time_cost, approach.monthly_cost, approach.horizon_cost], rel=1e-9)


def test_category_subtotals_equal_the_lines_of_that_category(pack):
    result, workbook = pack
    sheet = workbook["Line items"]
    header = [c.value for c in sheet[1]]
    horizon = header.index(f"{result.horizon_months}-month amount ({result.currency})") + 1
    approach_rows = iter(result.approaches.values())
    approach = next(approach_rows)
    for row in sheet.iter_rows(min_row=2):
        label = row[2].value
        if isinstance(label, str) and label.startswith("Subtotal: "):
            category = next(k for k, v in CATEGORY_LABELS.items() if v == label.removeprefix("Subtotal: "))
            expected = sum(li.horizon_amount for li in approach.lines if li.category == category)
            assert evaluate(sheet, row[horizon - 1].value) == pytest.approx(expected, rel=1e-9), label
        elif isinstance(label, str) and label.startswith("Total: "):
            approach = next(approach_rows, None)


def test_each_approach_has_a_month_by_month_sheet_adding_up_to_its_horizon_cost(pack):
    result, workbook = pack
    for name, approach in result.approaches.items():
        sheet = workbook[MONTHLY_SHEETS[name]]
        header = [c.value for c in sheet[2]]
        assert header[2] == "One-time" and header[-1] == "Total"
        assert header[3:-1] == [f"Month {m}" for m in range(1, result.horizon_months + 1)]
        total_row = sheet[sheet.max_row]
        assert total_row[1].value == "Total"
        values = [evaluate(sheet, cell.value) for cell in total_row[2:]]
        assert values[0] == pytest.approx(approach.one_time_cost, rel=1e-9)
        assert values[1:-1] == pytest.approx(list(approach.monthly_costs), rel=1e-9)
        assert values[-1] == pytest.approx(approach.horizon_cost, rel=1e-9)


def test_summary_holds_numbers_with_currency_formats_and_words(pack):
    result, workbook = pack
    sheet = workbook["Summary"]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    costs = rows[f"{result.horizon_months}-month cost ({result.currency})"]
    assert [c.value for c in costs[1:5]] == pytest.approx([a.horizon_cost for a in result.approaches.values()])
    assert all(c.number_format.endswith("#,##0.00") or "#,##0.00" in c.number_format for c in costs[1:5])
    weeks = rows["Weeks to production"]
    assert all(isinstance(c.value, float) for c in weeks[1:5])


def test_no_internal_ids_where_people_read_labels(pack):
    _, workbook = pack
    for name in ["Summary", "Line items", *MONTHLY_SHEETS.values()]:
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
