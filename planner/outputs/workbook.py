"""The budget pack: an Excel workbook a finance partner can sign, recalculate and print.

Sheets:
- **Summary** (one printed page): each option's go-live date; its build (one-time) cost, first-month and
  running cost and its horizon total (which includes the build), as formulas into the line items; its cost in
  each financial year, as formulas into its month-by-month sheet; and a sign-off block.
- **Line items**: every line, grouped by option and category, each tagged build or run; category subtotals,
  option totals and build and run totals as formulas. The workings (how each quantity was worked out, the
  price's source, caveats) follow in columns outside the print area.
- **Monthly - <option>**: each line in the calendar months it is paid (``planner.analysis.budget_calendar``),
  a total per line, per month and per financial year, and quarter totals, all formulas.
- **Ranges** (when the scenario has ranges), **Assumptions** and **Prices**: only those the lines use, the
  prices with their age; **Notes**: measured inputs, retirements, offering notes, price problems.

Every formula is stored with its result (XlsxWriter writes both), so a reader that does not recalculate
(a preview, a parser) shows the same numbers as one that does, and editing a line item flows into the totals
and the summary. Numbers are numbers, formatted to the currency's cents; labels are words; every text is
written as text (a name starting with "=" never becomes a formula). Each sheet prints landscape, one page
wide, with its header rows repeated and page numbers. The workbook is returned as bytes.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from planner.analysis.budget_calendar import STAGE_LABELS, BudgetCalendar, budget_calendar, month_label, stage
from planner.analysis.ranges import METRIC_LABELS, METRICS, Percentiles
from planner.analysis.staleness import DEFAULT_MAX_AGE_DAYS
from planner.costs.budget_lines import tax_within, taxable
from planner.costs.estimator import ApproachEstimate, Estimate
from planner.costs.lines import CATEGORY_LABELS, LineItem, in_words, months
from planner.inputs.pricebook import PriceBook, describe_key
from planner.outputs.export import (
    budget_terms,
    grouped_lines,
    line_item_columns,
    measured_notes,
    model_retirement_notes,
    percent,
    summary_figures,
)

CURRENCY_FORMATS = {"USD": '"$"#,##0.00', "GBP": '"£"#,##0.00', "EUR": '"€"#,##0.00', "CAD": '"CA$"#,##0.00',
                    "AUD": '"A$"#,##0.00'}
NUMBER_FORMAT = "#,##0.00####"  # quantities and unit prices: cents, and fractions of a cent where there are any
WHOLE_FORMAT = "#,##0"
WEEKS_FORMAT = "#,##0.0"
DATE_FORMAT = "d mmm yyyy"
COLUMN_WIDTH_MAX = 60
TEXT_WIDTH = 40  # a wrapped text column of the workings
MAX_CELL_TEXT = 32_767  # Excel's limit on a cell's text
# Sheet names hold at most 31 characters, none of []:*?/\\, and differ in more than case.
MAX_SHEET_NAME = 31
MONTHLY_PREFIX = "Monthly - "
MONTHLY_SHEETS = {"prompt": "Monthly - Prompt", "rag": "Monthly - RAG", "fine_tune": "Monthly - Fine-tuning",
                  "hybrid": "Monthly - Hybrid"}
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")  # a sheet name holds none (nor can the file's XML)
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # a cell's text: tabs and line ends are kept
_SHEET_NAME_END = " '"  # a sheet name may not end with an apostrophe (nor begin with one; ours begin "Monthly")
SIGN_OFF = ("Prepared by", "Reviewed by", "Approved by", "Date approved")
FOOTER = "&LPage &P of &N&R&A"  # page numbers, and the sheet's name
MONTHLY_FIRST_ROW = 2  # a month-by-month sheet: a title row, the header, then one row per line (0-based rows)
MONTHLY_FIRST_MONTH = 3  # ... and its columns: category, item, build or run, then the months
MONTHLY_ITEM_WIDTH = 44  # characters; a longer item wraps
ITEM_WIDTH, LABEL_WIDTH, MIN_WIDTH = 44, 22, 8  # the line items' columns (characters); longer text wraps
HEADER_HEIGHT = 36  # points: a header row of three wrapped lines
PERIODS_SHEET = "Quarters and years"
SUMMARY_COLUMN_MAX = 30  # characters: an option's column on the summary (longer text wraps)
LINE_HEIGHT = 12  # points: a line of 9-point text
# A column's width counts the widest digit ("0"); a line of words holds about a tenth more characters.
CHARACTERS_PER_WIDTH = 1.1
MONTHS_PER_PAGE = 16  # a month-by-month sheet's months on one printed page, across
STAGE_WORDS = {"build": "Build", "run": "Run"}  # a month-by-month sheet's short words for a line's stage
FONT_SIZE = 9  # points: the workbook's text, as finance sheets are set; a year of months then prints legibly


def money_format(currency: str) -> str:
    """The cell format of an amount in ``currency``, to the cent."""
    return CURRENCY_FORMATS.get(currency, f'#,##0.00 "{currency}"')


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


def _quoted(sheet: str) -> str:
    """A sheet's name as a formula refers to it: 'Monthly - O''Brien'."""
    return "'" + sheet.replace("'", "''") + "'"


def _text(value: str) -> str:
    """Text a cell can hold: without the control characters the file's XML cannot, within Excel's length."""
    return _NOT_IN_XML.sub("", value)[:MAX_CELL_TEXT]


def _header_text(value: str) -> str:
    """Text for a printed page header: "&" starts a header code, so it is doubled."""
    return _text(value).replace("&", "&&")[:200]


@dataclass
class _Book:
    """The workbook being written, with its formats."""

    workbook: xlsxwriter.Workbook
    money: Format
    money_bold: Format
    number: Format
    whole: Format
    weeks: Format
    date: Format
    share: Format
    bold: Format
    title: Format
    header: Format
    wrap: Format
    signature: Format

    def cell(self, sheet: Worksheet, row: int, column: int, value: Any, style: Format | None = None) -> None:
        """Write ``value`` as what it is: text stays text (never a formula), numbers and dates are numbers."""
        if value is None or value == "":
            sheet.write_blank(row, column, None, style)
        elif isinstance(value, str):
            sheet.write_string(row, column, _text(value), style)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, style)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row, column, datetime.datetime.combine(value, datetime.time()), style or self.date)
        else:
            sheet.write_number(row, column, float(value), style)

    def formula(self, sheet: Worksheet, row: int, column: int, formula: str, value: float,
                style: Format | None = None) -> None:
        """A formula of ours, stored with its result."""
        sheet.write_formula(row, column, formula, style or self.money, value)


def _open(buffer: io.BytesIO, currency: str) -> _Book:
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False,
                                            "default_format_properties": {"font_size": FONT_SIZE, "valign": "top"}})
    money = money_format(currency)
    add = workbook.add_format
    return _Book(workbook, add({"num_format": money}), add({"num_format": money, "bold": True}),
                 add({"num_format": NUMBER_FORMAT}), add({"num_format": WHOLE_FORMAT}),
                 add({"num_format": WEEKS_FORMAT}), add({"num_format": DATE_FORMAT, "align": "left"}),
                 add({"num_format": "0%"}), add({"bold": True}), add({"bold": True, "font_size": FONT_SIZE + 3}),
                 add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"}),
                 add({"text_wrap": True, "valign": "top"}), add({"bottom": 1}))


def _print_setup(sheet: Worksheet, title: str, header_rows: tuple[int, int] | None = None,
                 columns: tuple[int, int] | None = None, rows: int | None = None, one_page: bool = False) -> None:
    """Landscape, one page wide (one page in all with ``one_page``), header rows repeated, page numbers."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4; US Letter readers' printers scale it
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.fit_to_pages(1, 1 if one_page else 0)
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    if columns is not None and rows is not None:
        sheet.print_area(0, columns[0], max(rows - 1, 0), columns[1])
    sheet.set_header(f"&L&B{_header_text(title)}")
    sheet.set_footer(FOOTER)


def _widths(sheet: Worksheet, rows: Sequence[Sequence[Any]], first: int = 0, wrap_from: int | None = None,
            book: _Book | None = None) -> None:
    """Columns wide enough for their first 200 values, up to ``COLUMN_WIDTH_MAX``; from ``wrap_from`` on, a
    fixed width with wrapped text."""
    count = max((len(r) for r in rows), default=0)
    for column in range(count):
        if wrap_from is not None and column >= wrap_from:
            sheet.set_column(first + column, first + column, TEXT_WIDTH, book.wrap if book else None)
            continue
        width = max((_shown_length(r[column]) for r in rows[:200] if column < len(r)), default=8)
        sheet.set_column(first + column, first + column, min(width + 2, COLUMN_WIDTH_MAX))


def _fit_row(sheet: Worksheet, row: int, values: Sequence[Any], widths: Sequence[float]) -> None:
    """Make ``row`` tall enough for its wrapped text: the most lines any of its cells needs at its column's width."""
    lines = max((-(-len(str(value)) // max(int(width * CHARACTERS_PER_WIDTH) - 1, 1))
                 for value, width in zip(values, widths, strict=False) if isinstance(value, str)), default=1)
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * lines + 2)


def _shown_length(value: Any) -> int:
    """How many characters a value takes on screen: an amount with its separators and currency sign, a quantity
    or unit price with the fractions of a cent its format shows (up to six decimals)."""
    if value is None:
        return 0
    if isinstance(value, float):
        fraction = f"{value:,.6f}".rstrip("0")
        return max(len(f"{value:,.2f}"), len(fraction)) + 2
    if isinstance(value, datetime.date):
        return 11
    return len(str(value))


def budget_pack(estimate: Estimate, book: PriceBook, ranges: dict[str, dict[str, Percentiles]] | None = None,
                ranges_note: str = "", prepared_by: str = "") -> bytes:
    """The workbook as .xlsx bytes. ``ranges``: the simulated figures (a Ranges sheet); without them,
    ``ranges_note`` says why there are none (the Notes sheet says so either way). ``prepared_by`` fills the
    sign-off block's first line."""
    buffer = io.BytesIO()
    wb = _open(buffer, estimate.currency)
    calendar = budget_calendar(estimate)
    summary = wb.workbook.add_worksheet("Summary")
    items = wb.workbook.add_worksheet("Line items")
    names = monthly_sheet_names(estimate)
    totals, item_rows = _line_items(wb, items, estimate, calendar, names)
    monthly: dict[str, tuple[str, int]] = {}
    for name in estimate.approaches:
        sheet = wb.workbook.add_worksheet(names[name])
        monthly[name] = (_quoted(names[name]),
                         _monthly(wb, sheet, names[name], estimate, calendar, name, item_rows[name]))
    years = _periods(wb, wb.workbook.add_worksheet(PERIODS_SHEET), estimate, calendar, monthly)
    _summary(wb, summary, estimate, calendar, totals, years, prepared_by)
    if ranges:
        _ranges(wb, wb.workbook.add_worksheet("Ranges"), estimate, ranges)
    _assumptions(wb, wb.workbook.add_worksheet("Assumptions"), estimate)
    _prices(wb, wb.workbook.add_worksheet("Prices"), estimate, book)
    _notes(wb, wb.workbook.add_worksheet("Notes"), estimate, ranges, ranges_note)
    summary.activate()
    wb.workbook.close()
    return buffer.getvalue()


def _figure_style(wb: _Book, kind: str) -> Format | None:
    return {"money": wb.money, "rate": wb.money, "weeks": wb.weeks, "whole": wb.whole, "date": wb.date}.get(kind)


def _summary(wb: _Book, sheet: Worksheet, estimate: Estimate, calendar: BudgetCalendar,
             totals: dict[str, int], years: dict[str, dict[str, tuple[str, float]]], prepared_by: str) -> None:
    """The one-page summary: figures as formulas into the line items, financial years into the monthly sheets."""
    cur, results = estimate.currency, list(estimate.approaches.values())
    items = _quoted("Line items")
    figures = summary_figures(estimate)
    label_width = max([len(f.label) for f in figures] + [len(p.label) for p in calendar.fiscal_years]) + 2
    option_width = min(max([len(r.label) for r in results]
                           + [len(str(v)) for f in figures for v in f.values if f.kind == "text"]) + 2,
                       SUMMARY_COLUMN_MAX)
    wb.cell(sheet, 0, 0, f"Budget: {estimate.scenario.name}", wb.title)
    sentences = [f"Amounts in {cur}. Planned on {estimate.planned_on:%d %b %Y} on the prices of that day; work starts "
                 f"on {estimate.starts_on:%d %b %Y}; each option's total is its build (one-time) cost plus "
                 f"{months(estimate.horizon_months)} of running from its go-live.", budget_terms(estimate)]
    across = label_width + option_width * len(results)
    for line, sentence in enumerate(sentences, start=1):
        # across the table's width, wrapped, on as many lines as it needs (a spreadsheet does not grow the row)
        sheet.merge_range(line, 0, line, max(len(results), 1), _text(sentence), wb.wrap)
        sheet.set_row(line, LINE_HEIGHT * -(-len(sentence) // max(across, 1)))
    row = 4
    header = ["Figure", *(r.label for r in results)]
    for column, value in enumerate(header):
        wb.cell(sheet, row, column, value, wb.header)
    _fit_row(sheet, row, header, [label_width, *([option_width] * len(results))])
    line_columns = _amount_columns(estimate)
    requests = estimate.scenario.workload.requests_per_month
    for figure in figures:
        row += 1
        wb.cell(sheet, row, 0, figure.label)
        for index, (name, value) in enumerate(zip(estimate.approaches, figure.values, strict=True), start=1):
            cell = {kind: f"{items}!{xl_rowcol_to_cell(totals[name], line_columns[kind])}"
                    for kind in ("one_time", "first_month", "horizon")}
            formula = {"one_time": f"={cell['one_time']}", "first_month": f"={cell['first_month']}",
                       "horizon": f"={cell['horizon']}", "running": f"={cell['horizon']}-{cell['one_time']}",
                       "per_thousand": f"={cell['first_month']}/{requests!r}*1000"}.get(figure.key)
            if formula is not None and value is not None:
                wb.formula(sheet, row, index, formula, value)
            else:
                style = wb.wrap if figure.kind == "text" else _figure_style(wb, figure.kind)
                wb.cell(sheet, row, index, "n/a" if value is None else value, style)
        if figure.kind == "text":
            _fit_row(sheet, row, figure.values, [option_width] * len(figure.values))
    project = estimate.scenario.project
    if project.tax_rate and project.prices_include_tax:
        row += 1
        wb.cell(sheet, row, 0, f"Of which tax at {percent(project.tax_rate)}, inside the prices ({cur})")
        for index, result in enumerate(results, start=1):
            wb.cell(sheet, row, index, tax_within(result.lines, project.tax_rate), wb.money)
    row += 2
    wb.cell(sheet, row, 0, "Cost by financial year (build and running, as paid)", wb.bold)
    for label in (period.label for period in calendar.fiscal_years):
        row += 1
        wb.cell(sheet, row, 0, label)
        for index, name in enumerate(estimate.approaches, start=1):
            formula, amount = years[label][name]
            wb.formula(sheet, row, index, formula, amount)
    row += 2
    wb.cell(sheet, row, 0, "Sign-off", wb.bold)
    row += 1
    wb.cell(sheet, row, 0, "Version")
    wb.cell(sheet, row, 1, f"{estimate.scenario.name}, planned on {estimate.planned_on.isoformat()}")
    for label in SIGN_OFF:
        row += 1
        wb.cell(sheet, row, 0, label)
        wb.cell(sheet, row, 1, prepared_by if label == "Prepared by" else "", wb.signature)
    row += 2
    wb.cell(sheet, row, 0, "Line items, the cost month by month, the assumptions and prices used, and notes on the "
                           "offerings follow on the next sheets.")
    sheet.set_column(0, 0, label_width)
    sheet.set_column(1, len(results), option_width)
    _print_setup(sheet, f"Budget summary: {estimate.scenario.name}", one_page=True)


def _amount_columns(estimate: Estimate) -> dict[str, int]:
    """The 0-based column of each amount on the line-item sheet: "one_time", "first_month", "horizon"."""
    return {column.amount: index for index, column in enumerate(line_item_columns(estimate)) if column.amount}


def _line_items(wb: _Book, sheet: Worksheet, estimate: Estimate, calendar: BudgetCalendar,
                monthly_names: dict[str, str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Lines grouped by option and category; a subtotal row after each category, then the option's total and
    its build and run totals, as formulas (SUBTOTAL(9, ...) leaves the nested subtotals out of a total).

    The amounts flow: a build line's one-time amount is the number to edit (its horizon amount is that cell, and
    its month-by-month sheet pays it out in shares of it); a running line's first-month and horizon amounts are
    its cells on the month-by-month sheet, where its months are the numbers to edit. Returns each option's total row
    and the row of each of its lines, in ``grouped_lines`` order."""
    columns = line_item_columns(estimate)
    money = [i for i, c in enumerate(columns) if c.kind == "money"]
    amounts = _amount_columns(estimate)
    places: dict[str, int] = {**amounts, **{c.key: i for i, c in enumerate(columns) if c.key}}
    last_amount = max(money)
    item_column = next(i for i, c in enumerate(columns) if c.heading == "Item")
    stage_column = next(i for i, c in enumerate(columns) if c.heading == "Build or run")
    for column, c in enumerate(columns):
        wb.cell(sheet, 0, column, c.heading, wb.header)
    styles = {"money": wb.money, "number": wb.number, "date": wb.date}
    row, shown = 0, [[c.heading for c in columns]]
    shown_rows: list[int] = [0]
    found: dict[str, int] = {}  # each option's total row
    rows_of: dict[str, list[int]] = {}
    for name, result in estimate.approaches.items():
        first_of_option = row + 1
        lines = grouped_lines(result)
        monthly = _quoted(monthly_names[name])
        live = MONTHLY_FIRST_MONTH + calendar.options[name].live_month
        total_column = MONTHLY_FIRST_MONTH + len(calendar.months)
        rows_of[name] = []
        for category in dict.fromkeys(li.category for li in lines):
            first = row + 1
            kept = [li for li in lines if li.category == category]
            for line in kept:
                row += 1
                monthly_row = MONTHLY_FIRST_ROW + len(rows_of[name])
                rows_of[name].append(row)
                values = [c.value(line) for c in columns]
                for column, (c, value) in enumerate(zip(columns, values, strict=True)):
                    wb.cell(sheet, row, column, value, styles.get(c.kind))
                if line.category in ("contingency", "tax"):
                    _share_of_lines(wb, sheet, row, line, lines[:len(rows_of[name]) - 1], rows_of[name], places)
                if line.timing == "one_time":
                    wb.formula(sheet, row, amounts["horizon"], f"={xl_rowcol_to_cell(row, amounts['one_time'])}",
                               line.horizon_amount)
                else:
                    wb.formula(sheet, row, amounts["first_month"], f"={monthly}!{xl_rowcol_to_cell(monthly_row, live)}",
                               line.amount)
                    wb.formula(sheet, row, amounts["horizon"],
                               f"={monthly}!{xl_rowcol_to_cell(monthly_row, total_column)}", line.horizon_amount)
                shown.append(values)
                shown_rows.append(row)
            row += 1
            _subtotal_row(wb, sheet, row, item_column, f"Subtotal: {CATEGORY_LABELS[category]}", money, first, row - 1,
                          [[columns[m].value(li) for li in kept] for m in money])
        row += 1
        _subtotal_row(wb, sheet, row, item_column, f"Total: {result.label}", money, first_of_option, row - 1,
                      [[columns[m].value(li) for li in lines] for m in money])
        found[name] = row
        for stage_name, label in STAGE_LABELS.items():
            row += 1
            wb.cell(sheet, row, item_column, f"{label}: {result.label}", wb.bold)
            for m in money:
                values = [columns[m].value(li) for li in lines if stage(li) == stage_name]
                criteria = '"' + label.replace('"', '""') + '"'
                stage_range = _range(first_of_option, row - 2, stage_column)
                wb.formula(sheet, row, m, f"=SUMIF({stage_range},{criteria},{_range(first_of_option, row - 2, m)})",
                           float(sum(values)), wb.money_bold)
        row += 1
    sheet.freeze_panes(1, 0)
    widths = []
    for column, c in enumerate(columns):
        if column > last_amount:  # the workings, beyond the print area
            sheet.set_column(column, column, TEXT_WIDTH, wb.wrap)
            continue
        width = max((_shown_length(r[column]) for r in shown[1:]), default=8) + 1
        cap = ITEM_WIDTH if c.heading == "Item" else LABEL_WIDTH if c.kind == "text" else width
        widths.append(max(min(width, cap), MIN_WIDTH))
        sheet.set_column(column, column, widths[-1], wb.wrap if c.kind == "text" else None)
    # A spreadsheet does not grow a row for wrapped text it did not lay out itself: each row is as tall as its
    # longest wrapped text (the header's headings too), so no text runs over the next row.
    for values, at in zip(shown, shown_rows, strict=True):
        _fit_row(sheet, at, values[:len(widths)], widths)
    _print_setup(sheet, f"Line items: {estimate.scenario.name} (the workings, sources and caveats follow the amounts, "
                        "beyond the print area)", header_rows=(0, 0), columns=(0, last_amount), rows=row + 1)
    return found, rows_of


def _share_of_lines(wb: _Book, sheet: Worksheet, row: int, line: LineItem, before: Sequence[LineItem],
                    rows: Sequence[int], places: dict[str, int]) -> None:
    """A contingency or tax line as formulas: its quantity the sum of the lines it is a share of (the build's other
    lines; the suppliers' bills of its timing), its amount that quantity times its share (the unit price cell),
    so that editing a line, or the share, moves it."""
    if line.category == "contingency":
        sources = [r for r, li in zip(rows, before, strict=False) if li.timing == "one_time"
                   and li.category not in ("contingency", "tax")]
    else:
        sources = [r for r, li in zip(rows, before, strict=False) if li.timing == line.timing and taxable(li)]
    amount_column = places["one_time"] if line.timing == "one_time" else places["first_month"]
    wb.formula(sheet, row, places["quantity"], f"={_sum_of(sources, amount_column)}", float(line.quantity), wb.number)
    if line.timing == "one_time":
        wb.formula(sheet, row, amount_column, f"={xl_rowcol_to_cell(row, places['quantity'])}*"
                                              f"{xl_rowcol_to_cell(row, places['unit_price'])}", float(line.amount))


def _sum_of(rows: Sequence[int], column: int) -> str:
    """SUM over the cells of ``rows`` in ``column``, runs of rows as ranges: "SUM(H3:H5,H9)"; 0 for none."""
    if not rows:
        return "0"
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    parts = [xl_rowcol_to_cell(run[0], column) if len(run) == 1 else _range(run[0], run[-1], column) for run in runs]
    return f"SUM({','.join(parts)})"


def _range(first: int, last: int, column: int) -> str:
    return f"{xl_rowcol_to_cell(first, column)}:{xl_rowcol_to_cell(last, column)}"


def _subtotal_row(wb: _Book, sheet: Worksheet, row: int, label_column: int, label: str, columns: list[int],
                  first: int, last: int, values: list[list[float]]) -> None:
    wb.cell(sheet, row, label_column, label, wb.bold)
    for column, amounts in zip(columns, values, strict=True):
        wb.formula(sheet, row, column, f"=SUBTOTAL(9,{_range(first, last, column)})", float(sum(amounts)),
                   wb.money_bold)


def _monthly(wb: _Book, sheet: Worksheet, sheet_name: str, estimate: Estimate, calendar: BudgetCalendar,
             option: str, item_rows: list[int]) -> int:
    """One row per line: its amount in each calendar month it is paid and its total (formulas); a total row, and
    build and run rows. Returns the total row (0-based; the months from column ``MONTHLY_FIRST_MONTH``)."""
    dated = calendar.options[option]
    result = estimate.approaches[option]
    count = len(calendar.months)
    first_month, total_column = MONTHLY_FIRST_MONTH, MONTHLY_FIRST_MONTH + count
    one_time = _amount_columns(estimate)["one_time"]
    unit_price = next(i for i, c in enumerate(line_item_columns(estimate)) if c.key == "unit_price")
    wb.cell(sheet, 0, 1, f"{result.label}: cost by the calendar month it is paid ({estimate.currency}); goes live on "
                         f"{dated.go_live:%d %b %Y}; build paid over its phases, running costs from go-live", wb.bold)
    header = ["Category", "Item", "Build or run", *(month_label(m) for m in calendar.months), "Total"]
    for column, value in enumerate(header):
        wb.cell(sheet, 1, column, value, wb.header)
    by_line = {id(d.line): d for d in dated.lines}
    rows = [by_line[id(line)] for line in grouped_lines(result)]  # the line items' order: row i is line i
    row = MONTHLY_FIRST_ROW - 1
    for position, (line, item_row) in enumerate(zip(rows, item_rows, strict=True)):
        row += 1
        # The tax on the monthly bills: its rate (the line item's unit price) times the month's taxable bills.
        taxed = ([MONTHLY_FIRST_ROW + j for j, d in enumerate(rows[:position]) if d.stage == "run" and taxable(d.line)]
                 if line.line.category == "tax" and line.stage == "run" else None)
        rate = f"{_quoted('Line items')}!{xl_rowcol_to_cell(item_row, unit_price)}"
        wb.cell(sheet, row, 0, CATEGORY_LABELS[line.line.category], wb.wrap)
        wb.cell(sheet, row, 1, line.line.item, wb.wrap)
        wb.cell(sheet, row, 2, STAGE_WORDS[line.stage])
        whole = float(line.line.amount)
        source = f"{_quoted('Line items')}!{xl_rowcol_to_cell(item_row, one_time)}"
        for index, amount in enumerate(line.amounts):
            if line.stage == "build" and amount and whole:
                # a share of the line item's one-time amount: editing that amount moves its months
                wb.formula(sheet, row, first_month + index, f"={source}*{amount / whole!r}", amount)
            elif taxed is not None:
                wb.formula(sheet, row, first_month + index, f"={rate}*{_sum_of(taxed, first_month + index)}", amount)
            else:
                wb.cell(sheet, row, first_month + index, amount, wb.money)
        wb.formula(sheet, row, total_column, f"=SUM({_span(row, first_month, total_column - 1)})",
                   sum(line.amounts))
    first, last = MONTHLY_FIRST_ROW, row
    row += 1
    wb.cell(sheet, row, 1, "Total", wb.bold)
    month_totals = dated.totals() or (0.0,) * count
    for offset, amount in enumerate([*month_totals, sum(month_totals)]):
        column = first_month + offset
        wb.formula(sheet, row, column, f"=SUM({_range(first, last, column)})", amount, wb.money_bold)
    total_row = row
    for stage_name, label in STAGE_WORDS.items():
        row += 1
        wb.cell(sheet, row, 1, STAGE_LABELS[stage_name], wb.bold)
        stage_totals = dated.totals(stage_name) or (0.0,) * count
        criteria = '"' + label.replace('"', '""') + '"'
        for offset, amount in enumerate([*stage_totals, sum(stage_totals)]):
            column = first_month + offset
            wb.formula(sheet, row, column, f"=SUMIF({_range(first, last, 2)},{criteria},{_range(first, last, column)})",
                       amount, wb.money_bold)
    sheet.freeze_panes(2, 3)
    # Narrow label columns (their text wraps) and month columns as wide as their amounts: a year of months fits a
    # landscape page at a size people read.
    widest = max((len(f"{a:,.2f}") for a in [*(a for d in rows for a in d.amounts), *month_totals]), default=8)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, min(max((len(d.line.item) for d in rows), default=10) + 1, MONTHLY_ITEM_WIDTH))
    sheet.set_column(2, 2, max(len(word) for word in STAGE_WORDS.values()) + 1)
    sheet.set_column(first_month, total_column - 1, widest + 1)
    sheet.set_column(total_column, total_column, len(f"{sum(month_totals):,.2f}") + 3)
    item_width = min(max((len(d.line.item) for d in rows), default=10) + 1, MONTHLY_ITEM_WIDTH)
    _fit_row(sheet, 1, header, [12, item_width, 6, *([widest + 1] * count)])
    for at, d in enumerate(rows, start=MONTHLY_FIRST_ROW):
        _fit_row(sheet, at, [d.line.item], [item_width])
    # Printed from the item on (the category is on the line items): the months get the width. A longer plan runs
    # over more pages across, the item and its stage repeated on each, rather than shrinking every month.
    _print_setup(sheet, f"{result.label}: month by month", header_rows=(1, 1), one_page=True,
                 columns=(1, total_column), rows=row + 1)
    across = -(-count // MONTHS_PER_PAGE)
    if across > 1:
        sheet.fit_to_pages(across, 1)
        sheet.repeat_columns(1, 2)
    return total_row


def _periods(wb: _Book, sheet: Worksheet, estimate: Estimate, calendar: BudgetCalendar,
             monthly: dict[str, tuple[str, int]]) -> dict[str, dict[str, tuple[str, float]]]:
    """Each option's cost by financial quarter and year, as sums of its month-by-month total row. Returns, for each
    financial year, each option's (cell for the summary, value)."""
    options = list(estimate.approaches)
    wb.cell(sheet, 0, 0, f"Cost by financial quarter and year, as paid ({estimate.currency}); the year starts in "
                         f"{calendar.months[0].replace(month=calendar.fiscal_year_start_month):%B}", wb.bold)
    for column, heading in enumerate(["Period", *(estimate.label(name) for name in options)]):
        wb.cell(sheet, 1, column, heading, wb.header)
    row, years = 1, {}  # type: tuple[int, dict[str, dict[str, tuple[str, float]]]]
    for title, periods, yearly in (("Quarters", calendar.quarters, False),
                                   ("Financial years", calendar.fiscal_years, True)):
        row += 1
        wb.cell(sheet, row, 0, title, wb.bold)
        for period in periods:
            row += 1
            wb.cell(sheet, row, 0, period.label)
            for column, name in enumerate(options, start=1):
                quoted, total_row = monthly[name]
                value = float(sum(calendar.options[name].totals()[i] for i in period.months))
                span = _span(total_row, MONTHLY_FIRST_MONTH + period.months[0], MONTHLY_FIRST_MONTH + period.months[-1])
                wb.formula(sheet, row, column, f"=SUM({quoted}!{span})", value)
                if yearly:
                    years.setdefault(period.label, {})[name] = (
                        f"={_quoted(PERIODS_SHEET)}!{xl_rowcol_to_cell(row, column)}", value)
    sheet.set_column(0, 0, max(len(p.label) for p in [*calendar.quarters, *calendar.fiscal_years]) + 2)
    sheet.set_column(1, len(options), 18, wb.money)
    sheet.set_row(1, HEADER_HEIGHT)
    _print_setup(sheet, f"Quarters and years: {estimate.scenario.name}", header_rows=(1, 1))
    return years


def _span(row: int, first_column: int, last_column: int) -> str:
    return f"{xl_rowcol_to_cell(row, first_column)}:{xl_rowcol_to_cell(row, last_column)}"


def _ranges(wb: _Book, sheet: Worksheet, estimate: Estimate, ranges: dict[str, dict[str, Percentiles]]) -> None:
    cur = estimate.currency
    header = ["Option" if estimate.scenario.options else "Approach", "Figure", "P10", "P50", "P90",
              "Draws left out (cannot be costed)"]
    for column, value in enumerate(header):
        wb.cell(sheet, 0, column, value, wb.header)
    row, rows = 0, [list(header)]
    for name, metrics in ranges.items():
        for metric, p in metrics.items():
            if metric not in METRICS:
                continue
            weeks = metric == "weeks_to_production"
            style = wb.weeks if weeks else wb.money
            values: list[Any] = [estimate.label(name), f"{METRIC_LABELS[metric]} ({'weeks' if weeks else cur})",
                                 p.p10, p.p50, p.p90, p.excluded_share]
            row += 1
            for column, value in enumerate(values):
                wb.cell(sheet, row, column, value, wb.share if column == 5 else style if column >= 2 else None)
            rows.append(values)
    row += 2
    for column, heading in enumerate(["Ranged input", "Low", "Likely", "High"]):
        wb.cell(sheet, row, column, heading, wb.header)
    for path, spec in estimate.scenario.ranges.items():
        row += 1
        ranged: list[Any] = [in_words(path), spec.low, spec.likely, spec.high]
        for column, cell in enumerate(ranged):
            wb.cell(sheet, row, column, cell, wb.number if column else None)
    _widths(sheet, rows)
    _print_setup(sheet, f"Ranges: {estimate.scenario.name}", header_rows=(0, 0))


_ASSUMPTION_NAME = re.compile(r"\bassumptions\.([a-z0-9_]+)")


def used_assumptions(estimate: Estimate) -> list[str]:
    """The assumptions the estimate's lines and phases name (their keys or their workings), in the table's order."""
    named: set[str] = set()
    for result in estimate.approaches.values():
        texts = [text for line in result.lines for text in (line.price_key, line.quantity_basis)]
        texts += [phase.basis for phase in result.phases]
        for text in texts:
            named.update(_ASSUMPTION_NAME.findall(text))
    return [name for name in type(estimate.assumption_table).model_fields if name in named]


def _assumptions(wb: _Book, sheet: Worksheet, estimate: Estimate) -> None:
    table = estimate.assumption_table
    fields = type(table).model_fields
    used = used_assumptions(estimate)
    header = ["Assumption", "What it means", "Value", "Unit", "Basis", "Source"]
    for column, value in enumerate(header):
        wb.cell(sheet, 0, column, value, wb.header)
    rows: list[list[Any]] = [header]
    for row, name in enumerate(used, start=1):
        item = getattr(table, name)
        values = [name.replace("_", " ").capitalize(), fields[name].description, item.value, item.unit,
                  item.basis.replace("_", " "), item.source]
        for column, value in enumerate(values):
            wb.cell(sheet, row, column, value, wb.number if column == 2 else None)
        rows.append(values)
    wb.cell(sheet, len(used) + 2, 0, f"The {len(used)} of the {len(fields)} assumptions in the table that the line "
                                     "items and the timeline name.")
    _widths(sheet, rows, wrap_from=1, book=wb)
    sheet.set_column(2, 4, 14)
    _print_setup(sheet, f"Assumptions used: {estimate.scenario.name}", header_rows=(0, 0))


def _source_currency(book: PriceBook, price_key: str) -> str | None:
    """The currency a price is published in (its table's, or its rate card's); None for assumptions and shares."""
    parts = price_key.split(".")
    if parts[0] == "people" and book.people is not None and len(parts) > 2 and parts[2] in book.people.rate_cards:
        return book.people.rate_cards[parts[2]].currency
    table = book.tables.get(parts[0])
    return table.currency if table is not None else None


def _prices(wb: _Book, sheet: Worksheet, estimate: Estimate, book: PriceBook) -> None:
    """Each price the lines use, once: its value in the report currency, its source and date, and its age; then
    the exchange rates that converted any of them (each currency's value in US dollars, as fx.yaml holds it)."""
    header = ["Price", f"Value ({estimate.currency})", "Per", "Source", "As of", "Age (days)", "Status"]
    for column, value in enumerate(header):
        wb.cell(sheet, 0, column, value, wb.header)
    seen: dict[str, LineItem] = {}
    for result in estimate.approaches.values():
        for line in result.lines:
            if line.as_of is not None:  # a price from a table (assumptions and shares have none)
                seen.setdefault(line.price_key, line)
    rows: list[list[Any]] = [header]
    for row, line in enumerate(sorted(seen.values(), key=lambda li: describe_key(li.price_key)), start=1):
        age = (estimate.planned_on - line.as_of).days if line.as_of else None
        status = "; ".join(line.caveats)
        if age is not None and age > DEFAULT_MAX_AGE_DAYS:
            status = f"older than {DEFAULT_MAX_AGE_DAYS} days: check the source" + (f"; {status}" if status else "")
        values: list[Any] = [describe_key(line.price_key), line.unit_price, line.unit, line.source, line.as_of, age,
                             status]
        for column, value in enumerate(values):
            wb.cell(sheet, row, column, value, wb.number if column == 1 else wb.whole if column == 5 else None)
        rows.append(values)
    converted = {code for line in seen.values() if line.note and (code := _source_currency(book, line.price_key))}
    # both ends of each conversion, through the US dollar: the table's currency and the report's
    codes = sorted({*converted, estimate.currency} - {"USD"}) if converted else []
    row = len(rows)
    for code in codes:
        if book.fx is None or code not in book.fx.rates:
            continue
        rate = book.fx.rates[code]
        age = (estimate.planned_on - rate.as_of).days
        row += 1
        values = [f"exchange rate {code}", rate.usd_per_unit, f"USD per {code}", rate.source, rate.as_of, age,
                  rate.status or ""]
        for column, value in enumerate(values):
            wb.cell(sheet, row, column, value, wb.number if column == 1 else wb.whole if column == 5 else None)
        rows.append(values)
    _widths(sheet, rows, book=wb)
    sheet.set_column(0, 0, ITEM_WIDTH, wb.wrap)
    sheet.set_column(2, 2, LABEL_WIDTH, wb.wrap)
    sheet.set_column(3, 3, TEXT_WIDTH + 10, wb.wrap)
    sheet.set_column(6, 6, TEXT_WIDTH - 10, wb.wrap)
    _print_setup(sheet, f"Prices used: {estimate.scenario.name}", header_rows=(0, 0))


def _notes(wb: _Book, sheet: Worksheet, estimate: Estimate, ranges: dict[str, dict[str, Percentiles]] | None,
           ranges_note: str) -> None:
    results: list[ApproachEstimate] = list(estimate.approaches.values())
    blocks: list[tuple[str, list[str]]] = []
    if ranges:
        blocks.append(("Ranges", ["P10, P50 and P90 of each option's figures from the scenario's ranges: sheet "
                                  "Ranges."]))
    elif estimate.scenario.ranges:
        why = ranges_note or "the ranges were not worked out for this pack"
        blocks.append(("Ranges", [f"No ranges sheet: {why}."]))
    else:
        blocks.append(("Ranges", ["No ranges sheet: the scenario gives no low and high guesses for its inputs."]))
    if estimate.scenario.measured:
        blocks.append(("Inputs measured from the team's files",
                       [note.strip().removeprefix("- ") for note in measured_notes(estimate)]))
    retiring = model_retirement_notes(estimate)
    if retiring:
        blocks.append((f"Model retirements (planned on {estimate.planned_on.isoformat()})", retiring))
    blockers = [f"{r.label} cannot be bought for its whole plan: {b}" for r in results for b in r.blockers]
    if blockers:
        blocks.append(("Not buyable for the plan", blockers))
    notes = sorted({note for r in results for note in r.notes})
    if notes:
        blocks.append(("Notes on the offerings used", notes))
    if estimate.price_problems:
        blocks.append(("Price tables left out", [str(p) for p in estimate.price_problems]))
    row = 0
    for title, lines in blocks:
        wb.cell(sheet, row, 0, title, wb.bold)
        for text in lines:
            row += 1
            wb.cell(sheet, row, 0, text, wb.wrap)
        row += 2
    sheet.set_column(0, 0, 150, wb.wrap)
    _print_setup(sheet, f"Notes: {estimate.scenario.name}")
