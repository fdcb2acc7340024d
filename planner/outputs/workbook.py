"""The budget pack: an Excel workbook of the summary, line items, ranges, assumptions and prices.

Numbers are written as numbers with currency formats, so the workbook adds up in a spreadsheet.
The workbook is returned as bytes; writing it to a file is the caller's (``planner.inputs.files``).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planner.analysis.ranges import METRICS, Percentiles
from planner.costs.estimator import Estimate
from planner.costs.lines import APPROACH_LABELS
from planner.inputs.pricebook import PriceBook, all_offerings
from planner.outputs.export import CSV_COLUMNS, summary_rows

CURRENCY_FORMATS = {"USD": '"$"#,##0.00', "GBP": '"£"#,##0.00', "EUR": '"€"#,##0.00', "CAD": '"CA$"#,##0.00',
                    "AUD": '"A$"#,##0.00'}
MONEY_COLUMNS = {"unit_price", "amount", "horizon_amount"}
COLUMN_WIDTH_MAX = 60


def budget_pack(estimate: Estimate, book: PriceBook,
                ranges: dict[str, dict[str, Percentiles]] | None = None) -> bytes:
    """The workbook as .xlsx bytes."""
    money = CURRENCY_FORMATS.get(estimate.currency, f'#,##0.00 "{estimate.currency}"')
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    _rows(summary, ["approach", "label", f"one-time cost ({estimate.currency})",
                    f"first-month cost ({estimate.currency})", f"{estimate.horizon_months}-month cost "
                    f"({estimate.currency})", "weeks to production", "people-hours", "added latency (ms)"],
          [[name, r.label, r.one_time_cost, r.monthly_cost, r.horizon_cost, r.weeks_to_production, r.effort_hours,
            r.added_latency_ms] for name, r in estimate.approaches.items()], {2: money, 3: money, 4: money})
    summary.append([])
    _append(summary, [f"Scenario: {estimate.scenario.name}"])
    for label, values in summary_rows(estimate):
        _append(summary, [label, *values])

    lines = workbook.create_sheet("Line items")
    money_at = {i: money for i, name in enumerate(CSV_COLUMNS) if name in MONEY_COLUMNS}
    _rows(lines, CSV_COLUMNS, [[_cell(getattr(line, name)) for name in CSV_COLUMNS]
                               for r in estimate.approaches.values() for line in r.lines], money_at)

    if ranges:
        sheet = workbook.create_sheet("Ranges")
        rows = [[APPROACH_LABELS[name], metric.replace("_", " "), p.p10, p.p50, p.p90]
                for name, metrics in ranges.items() for metric, p in metrics.items() if metric in METRICS]
        _rows(sheet, ["approach", "figure", "P10", "P50", "P90"], rows, {})
        for row in sheet.iter_rows(min_row=2):
            if row[1].value != "weeks to production":
                for cell in row[2:]:
                    cell.number_format = money
        sheet.append([])
        for path, spec in estimate.scenario.ranges.items():
            _append(sheet, [path, "low", spec.low, "high", spec.high])

    assumptions = workbook.create_sheet("Assumptions")
    _rows(assumptions, ["assumption", "value", "unit", "source"],
          [[a.key, a.value, a.unit, a.source] for a in estimate.assumptions], {})

    prices = workbook.create_sheet("Prices")
    price_rows = []
    for ref, section, offering in all_offerings(book):
        data = offering.model_dump(exclude={"fine_tuning"})
        for field, value in data.items():
            if isinstance(value, float):
                price_rows.append([ref, section, field, value, book.tables[ref.split("/")[0]].currency,
                                   offering.source, offering.as_of, offering.status or ""])
    _rows(prices, ["offering", "section", "price", "value", "currency", "source", "as of", "status"], price_rows, {})

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return "; ".join(value) if isinstance(value, tuple) else value


def _append(sheet: Any, row: list[Any]) -> None:
    """Append a row, with the control characters a workbook cannot hold (any a user typed into a
    name or a source) removed from its text."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])


def _rows(sheet: Any, header: list[str], rows: list[list[Any]], formats: dict[int, str]) -> None:
    _append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        _append(sheet, row)
        for index, number_format in formats.items():
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = number_format
    for index, name in enumerate(header, start=1):
        width = max([len(str(name)), *(len(str(r[index - 1])) for r in rows[:200] if index - 1 < len(r))])
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, COLUMN_WIDTH_MAX)
    sheet.freeze_panes = "A2"
