"""The budget pack: an Excel workbook a finance partner can use as it is.

Sheets: the summary; every line item grouped by approach and category, with category subtotals
and approach totals as spreadsheet formulas; one month-by-month sheet per approach with formula
totals; the ranges; the assumptions; the prices. Numbers are numbers, formatted to the currency's
cents; labels are words. The workbook is returned as bytes; writing it to a file is the caller's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.analysis.ranges import METRIC_LABELS, METRICS, Percentiles
from planner.costs.estimator import ApproachEstimate, Estimate
from planner.costs.lines import CATEGORY_LABELS, months
from planner.inputs.pricebook import PriceBook, all_offerings
from planner.outputs.export import (
    grouped_lines,
    line_item_columns,
    measured_notes,
    model_retirement_notes,
    summary_figures,
)

CURRENCY_FORMATS = {"USD": '"$"#,##0.00', "GBP": '"£"#,##0.00', "EUR": '"€"#,##0.00', "CAD": '"CA$"#,##0.00',
                    "AUD": '"A$"#,##0.00'}
NUMBER_FORMAT = "#,##0.00####"  # quantities and unit prices: cents, and fractions of a cent where there are any
WHOLE_FORMAT = "#,##0"
WEEKS_FORMAT = "#,##0.0"
COLUMN_WIDTH_MAX = 60
BOLD = Font(bold=True)
# Sheet names hold at most 31 characters, none of []:*?/\\, and differ in more than case.
MAX_SHEET_NAME = 31
MONTHLY_PREFIX = "Monthly - "
MONTHLY_SHEETS = {"prompt": "Monthly - Prompt", "rag": "Monthly - RAG", "fine_tune": "Monthly - Fine-tuning",
                  "hybrid": "Monthly - Hybrid"}
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")  # a sheet name holds none (nor can the file's XML)
_SHEET_NAME_END = " '"  # a sheet name may not end with an apostrophe (nor begin with one; ours begin "Monthly")


def money_format(currency: str) -> str:
    """The cell format of an amount in ``currency``, to the cent."""
    return CURRENCY_FORMATS.get(currency, f'#,##0.00 "{currency}"')


def budget_pack(estimate: Estimate, book: PriceBook,
                ranges: dict[str, dict[str, Percentiles]] | None = None) -> bytes:
    """The workbook as .xlsx bytes."""
    money = money_format(estimate.currency)
    workbook = Workbook()
    _summary(workbook.active, estimate, money)
    _line_items(workbook.create_sheet("Line items"), estimate, money)
    names = monthly_sheet_names(estimate)
    for name, result in estimate.approaches.items():
        _monthly(workbook.create_sheet(names[name]), result, estimate, money)
    if ranges:
        _ranges(workbook.create_sheet("Ranges"), estimate, ranges, money)
    _assumptions(workbook.create_sheet("Assumptions"), estimate)
    _prices(workbook.create_sheet("Prices"), book)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def monthly_sheet_names(estimate: Estimate) -> dict[str, str]:
    """The month-by-month sheet of each option: "Monthly - " and its name, cut to Excel's 31 characters,
    without the characters Excel refuses (control characters become spaces) and any apostrophe at its end, and
    numbered where two would read alike (Excel ignores case).
    A scenario without options keeps the four approaches' sheet names.

    Two options called "Llama 3.1 8B LoRA on Together AI" and "Llama 3.1 8B LoRA on Together, spot" both
    cut to "Monthly - Llama 3.1 8B LoRA on T"; the second becomes "Monthly - Llama 3.1 8B LoRA o (2)".
    """
    if not estimate.scenario.options:
        return {name: MONTHLY_SHEETS[name] for name in estimate.approaches}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for option, result in estimate.approaches.items():
        label = _CONTROL_CHARACTERS.sub(" ", _NOT_IN_SHEET_NAMES.sub("-", result.label))
        base = (MONTHLY_PREFIX + label).strip()
        name, number = base[:MAX_SHEET_NAME].rstrip(_SHEET_NAME_END), 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[:MAX_SHEET_NAME - len(suffix)].rstrip(_SHEET_NAME_END) + suffix
        taken.add(name.casefold())
        names[option] = name
    return names


def _summary(sheet: Worksheet, estimate: Estimate, money: str) -> None:
    sheet.title = "Summary"
    cur, results = estimate.currency, list(estimate.approaches.values())
    _append(sheet, [f"Scenario: {estimate.scenario.name}"], bold=True)
    _append(sheet, [f"Amounts in {cur}; horizon {months(estimate.horizon_months)}; line items, month-by-month "
                    "sheets and totals as formulas on the following sheets"])
    _append(sheet, [])
    _append(sheet, ["Figure", *(r.label for r in results)], bold=True)
    cell_formats = {"money": money, "rate": money, "weeks": WEEKS_FORMAT, "whole": WHOLE_FORMAT}
    for figure in summary_figures(estimate):
        number_format = cell_formats.get(figure.kind)
        _append(sheet, [figure.label, *figure.values],
                formats={i: number_format for i in range(2, len(figure.values) + 2)} if number_format else None)
    if estimate.scenario.measured:
        _append(sheet, [])
        _append(sheet, ["Inputs measured from the team's files"], bold=True)
        for note in measured_notes(estimate):
            _append(sheet, [note.strip().removeprefix("- ")])
    retiring = model_retirement_notes(estimate)
    if retiring:
        _append(sheet, [])
        _append(sheet, [f"Model retirements (planned on {estimate.planned_on.isoformat()})"], bold=True)
        for note in retiring:
            _append(sheet, [note])
    notes = sorted({note for r in results for note in r.notes})
    if notes:
        _append(sheet, [])
        _append(sheet, ["Notes on the offerings used"], bold=True)
        for note in notes:
            _append(sheet, [note])
    _widths(sheet)


def _line_items(sheet: Worksheet, estimate: Estimate, money: str) -> None:
    """Lines grouped by approach and category; a subtotal row after each category and a total row
    after each approach, as SUBTOTAL(9, ...) formulas (which leave nested subtotals out of a total)."""
    columns = line_item_columns(estimate)
    amount_columns = [i for i, c in enumerate(columns, start=1) if c.kind == "money"]
    item_column = next(i for i, c in enumerate(columns, start=1) if c.heading == "Item")
    _append(sheet, [c.heading for c in columns], bold=True)
    formats = {i: money if c.kind == "money" else NUMBER_FORMAT
               for i, c in enumerate(columns, start=1) if c.kind in ("money", "number")}
    for result in estimate.approaches.values():
        approach_start = sheet.max_row + 1
        lines = grouped_lines(result)
        for category in dict.fromkeys(li.category for li in lines):
            start = sheet.max_row + 1
            for line in (li for li in lines if li.category == category):
                _append(sheet, [c.value(line) for c in columns], formats=formats)
            _formula_row(sheet, item_column, f"Subtotal: {CATEGORY_LABELS[category]}", amount_columns,
                         start, sheet.max_row, money)
        _formula_row(sheet, item_column, f"Total: {result.label}", amount_columns, approach_start, sheet.max_row,
                     money)
        _append(sheet, [])
    sheet.freeze_panes = "A2"
    _widths(sheet)


def _formula_row(sheet: Worksheet, label_column: int, label: str, columns: list[int], first: int, last: int,
                 money: str) -> None:
    row = sheet.max_row + 1
    # The label holds an option's name: without the control characters a workbook cannot hold, as in _append.
    cell = sheet.cell(row=row, column=label_column, value=ILLEGAL_CHARACTERS_RE.sub("", label))
    cell.font = BOLD
    for column in columns:
        letter = get_column_letter(column)
        cell = sheet.cell(row=row, column=column, value=f"=SUBTOTAL(9,{letter}{first}:{letter}{last})")
        cell.number_format, cell.font = money, BOLD


def _monthly(sheet: Worksheet, result: ApproachEstimate, estimate: Estimate, money: str) -> None:
    """One row per line: its one-time amount, its amount in each month, and its total (formulas)."""
    months = estimate.horizon_months
    _append(sheet, [f"{result.label}: cost month by month ({estimate.currency})"], bold=True)
    header = ["Category", "Item", "One-time", *(f"Month {m}" for m in range(1, months + 1)), "Total"]
    _append(sheet, header, bold=True)
    first = sheet.max_row + 1
    for line in grouped_lines(result):
        monthly = list(line.monthly_amounts) if line.timing == "monthly" else [0.0] * months
        one_time = line.amount if line.timing == "one_time" else 0.0
        _append(sheet, [CATEGORY_LABELS[line.category], line.item, one_time, *monthly],
                formats={i: money for i in range(3, months + 4)})
        row = sheet.max_row
        total = sheet.cell(row=row, column=months + 4,
                           value=f"=SUM(C{row}:{get_column_letter(months + 3)}{row})")
        total.number_format = money
    last = sheet.max_row
    row = last + 1
    sheet.cell(row=row, column=2, value="Total").font = BOLD
    for column in range(3, months + 5):
        letter = get_column_letter(column)
        cell = sheet.cell(row=row, column=column, value=f"=SUM({letter}{first}:{letter}{last})")
        cell.number_format, cell.font = money, BOLD
    sheet.freeze_panes = "C3"
    _widths(sheet, header_row=2)


def _ranges(sheet: Worksheet, estimate: Estimate, ranges: dict[str, dict[str, Percentiles]], money: str) -> None:
    cur = estimate.currency
    _append(sheet, ["Option" if estimate.scenario.options else "Approach", "Figure", "P10", "P50", "P90",
                    "Draws left out (cannot be costed)"], bold=True)
    for name, metrics in ranges.items():
        for metric, p in metrics.items():
            if metric not in METRICS:
                continue
            unit = "weeks" if metric == "weeks_to_production" else cur
            number_format = WEEKS_FORMAT if metric == "weeks_to_production" else money
            _append(sheet, [estimate.label(name), f"{METRIC_LABELS[metric]} ({unit})", p.p10, p.p50, p.p90,
                            p.excluded_share], formats={3: number_format, 4: number_format, 5: number_format,
                                                        6: "0%"})
    _append(sheet, [])
    _append(sheet, ["Ranged input", "Low", "Likely", "High"], bold=True)
    for path, spec in estimate.scenario.ranges.items():
        _append(sheet, [path, spec.low, spec.likely, spec.high])
    _widths(sheet)


def _assumptions(sheet: Worksheet, estimate: Estimate) -> None:
    table = estimate.assumption_table
    fields = type(table).model_fields
    _append(sheet, ["Assumption", "What it means", "Value", "Unit", "Basis", "Source"], bold=True)
    for name, field in fields.items():
        item = getattr(table, name)
        _append(sheet, [name.replace("_", " ").capitalize(), field.description, item.value, item.unit,
                        item.basis.replace("_", " "), item.source], formats={3: NUMBER_FORMAT})
    _widths(sheet)


def _prices(sheet: Worksheet, book: PriceBook) -> None:
    _append(sheet, ["Offering", "Section", "Price", "Value", "Currency", "Source", "As of", "Status"], bold=True)
    for ref, section, offering in all_offerings(book):
        currency = book.tables[ref.split("/")[0]].currency
        for field, value in offering.model_dump(exclude={"fine_tuning"}).items():
            if isinstance(value, float):
                _append(sheet, [ref, section.replace("_", " "), field.replace("_", " "), value, currency,
                                offering.source, offering.as_of, offering.status or ""], formats={4: NUMBER_FORMAT})
    _widths(sheet)


def _append(sheet: Worksheet, row: Iterable[Any], bold: bool = False, formats: dict[int, str] | None = None) -> None:
    """Append a row: text without the control characters a workbook cannot hold (any a user typed
    into a name or a source), and the given number formats by column (from 1).

    Every text stays text: openpyxl writes a string that starts with "=" as a formula, so a scenario
    named "=HYPERLINK(...)" would become a live link in the finance team's workbook. The formulas we
    write ourselves (totals) go through ``sheet.cell``, not here."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    row_index = sheet.max_row
    for cell in sheet[row_index]:
        if cell.data_type == "f":
            cell.data_type = "s"
        if bold:
            cell.font = BOLD
    for column, number_format in (formats or {}).items():
        sheet.cell(row=row_index, column=column).number_format = number_format


def _widths(sheet: Worksheet, header_row: int = 1) -> None:
    """Columns wide enough for their heading and first 200 values, up to ``COLUMN_WIDTH_MAX``."""
    for column in sheet.iter_cols(min_row=header_row, max_row=min(sheet.max_row, header_row + 200)):
        width = max((len(str(c.value)) for c in column if c.value is not None and not str(c.value).startswith("=")),
                    default=8)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = min(width + 2, COLUMN_WIDTH_MAX)
