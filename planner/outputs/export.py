"""An estimate as CSV line items, as JSON, and as a side-by-side text table."""

from __future__ import annotations

import csv
import datetime
import io
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from planner.analysis.budget_calendar import STAGE_LABELS, go_live, stage
from planner.analysis.comparison import cheapest, fastest, per_thousand_requests
from planner.costs.budget_lines import tax_within
from planner.costs.estimator import ApproachEstimate, Estimate
from planner.costs.gpu_choice import Candidate, GpuChoice, busy
from planner.costs.lines import CATEGORY_LABELS, LineItem, horizon_total, in_words
from planner.costs.self_hosted import SelfHostedSizing
from planner.inputs.pricebook import describe_key
from planner.inputs.scenario import APPROACH_LABELS, scenario_input
from planner.outputs.rounding import cents_text, largest_remainder, to_cents

CENTS = 2  # money is rounded to cents in the CSV (and formatted to cents in the workbook)
NUMBER_DECIMALS = 6  # quantities and unit prices keep fractions of a cent (per-token lines)


AmountKind = Literal["one_time", "first_month", "horizon"]


@dataclass(frozen=True)
class Column:
    """One column of the line-item table: its heading (with units), its value, and its kind."""

    heading: str
    value: Callable[[LineItem], Any]
    kind: Literal["text", "money", "number", "date"]
    amount: AmountKind | None = None  # an amount column: which of the option's totals it sums to
    key: Literal["", "quantity", "unit_price"] = ""  # the quantity and unit price (a pack's formulas use them)


def line_item_columns(estimate: Estimate) -> list[Column]:
    """The line-item table, shared by the CSV, the budget pack and the app.

    One-time and first-month amounts are separate columns (0 where a line is not of that timing),
    so each amount column sums to the approach's total of that kind. "Build or run" tags each line: one-time
    lines are the build (paid before go-live), monthly lines the running cost. A scenario with options has an
    "Option" column (its name) before the approach (its kind, in words).
    """
    currency, horizon_months, options = estimate.currency, estimate.horizon_months, estimate.approaches

    def amount_if(timing: str) -> Callable[[LineItem], float]:
        return lambda line: line.amount if line.timing == timing else 0.0

    which = ([Column("Option", lambda line: options[line.approach].label, "text"),
              Column("Approach", lambda line: APPROACH_LABELS[options[line.approach].kind], "text")]
             if estimate.scenario.options else
             [Column("Approach", lambda line: options[line.approach].label, "text")])
    return [
        *which,
        Column("Category", lambda line: CATEGORY_LABELS[line.category], "text"),
        Column("Item", lambda line: line.item, "text"),
        Column("Build or run", lambda line: STAGE_LABELS[stage(line)], "text"),
        Column("Quantity (first month if monthly)", lambda line: line.quantity, "number", key="quantity"),
        Column("Unit", lambda line: line.unit, "text"),
        Column(f"Unit price ({currency} per unit)", lambda line: line.unit_price, "number", key="unit_price"),
        Column(f"One-time amount ({currency})", amount_if("one_time"), "money", "one_time"),
        Column(f"First-month amount ({currency})", amount_if("monthly"), "money", "first_month"),
        Column(f"{horizon_months}-month amount incl. one-time ({currency})", lambda line: line.horizon_amount,
               "money", "horizon"),
        Column("Price or assumption", lambda line: describe_key(line.price_key), "text"),
        Column("Price key", lambda line: line.price_key, "text"),
        Column("Source", lambda line: line.source, "text"),
        Column("As of", lambda line: line.as_of, "date"),
        Column("How the quantity was worked out", lambda line: in_words(line.quantity_basis), "text"),
        Column("Currency conversion", lambda line: line.note, "text"),
        Column("Caveats", lambda line: "; ".join(line.caveats), "text"),
        Column("Why it cannot be bought for the plan", lambda line: line.not_buyable, "text"),
    ]


def grouped_lines(result: ApproachEstimate) -> list[LineItem]:
    """The approach's lines grouped by category, categories in the order they first appear."""
    order = {category: index for index, category in enumerate(dict.fromkeys(li.category for li in result.lines))}
    return sorted(result.lines, key=lambda li: order[li.category])


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "money":
        return f"{value:.{CENTS}f}"
    if kind == "number":
        return round(value, NUMBER_DECIMALS)
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, float):
        return round(value, NUMBER_DECIMALS)
    return "" if value is None else value


def to_csv(estimate: Estimate) -> str:
    """Every line item of every approach, one row each, with a header row (``\\n`` line ends).

    Amounts are in cents, rounded by largest remainder (``planner.outputs.rounding``) so that an option's
    lines in each amount column (one-time, first-month, horizon) sum exactly to its total as the summary shows
    it; the one-time, first-month and horizon amounts are separate columns, so summing a column gives that total.
    """
    columns = line_item_columns(estimate)
    money = {column.amount: index for index, column in enumerate(columns) if column.amount}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.heading for column in columns])
    for result in estimate.approaches.values():
        lines = grouped_lines(result)
        rows = [[_csv_cell(column.value(line), column.kind) for column in columns] for line in lines]
        for kind, cents in line_cents(result, lines).items():
            for row, amount in zip(rows, cents, strict=True):
                row[money[kind]] = cents_text(amount)
        writer.writerows(rows)
    return buffer.getvalue()


def line_cents(result: ApproachEstimate, lines: list[LineItem]) -> dict[AmountKind, list[int]]:
    """Each line's one-time, first-month and horizon amount in whole cents (``lines``: the option's, in order).

    Each column sums exactly to the option's total as the summary rounds it, by largest remainder; a one-time
    line's horizon amount is its one-time amount to the cent, and the monthly lines' horizon amounts make up
    the rest (the rounded horizon total less the rounded one-time total), so a line reads the same in both
    columns and build plus running is the total.
    """
    build = [line.timing == "one_time" for line in lines]
    one_time = largest_remainder([float(li.amount) if b else 0.0 for li, b in zip(lines, build, strict=True)],
                                 result.one_time_cost)
    first_month = largest_remainder([0.0 if b else float(li.amount) for li, b in zip(lines, build, strict=True)],
                                    result.monthly_cost)
    running = largest_remainder([0.0 if b else float(li.horizon_amount) for li, b in zip(lines, build, strict=True)],
                                total_cents=to_cents(result.horizon_cost) - to_cents(result.one_time_cost))
    horizon = [o if b else r for o, r, b in zip(one_time, running, build, strict=True)]
    return {"one_time": one_time, "first_month": first_month, "horizon": horizon}


def _line_dict(line: LineItem) -> dict[str, Any]:
    data = line._asdict()
    data["as_of"] = line.as_of.isoformat() if line.as_of else None
    data["retires"] = line.retires.isoformat() if line.retires else None
    data["monthly_amounts"] = list(line.monthly_amounts)
    data["caveats"] = list(line.caveats)
    sale = line.sale
    data["sale"] = None if sale is None else {
        "offering": sale.offering, "region": sale.region,
        "closed_to_new_customers_since": sale.closed_since.isoformat() if sale.closed_since else None,
        "no_new_training_after": sale.training_until.isoformat() if sale.training_until else None,
        "dates_source": sale.dates_source}
    return data


def _approach_dict(result: ApproachEstimate, starts_on: datetime.date, option: bool = False) -> dict[str, Any]:
    which = ({"id": result.approach, "name": result.label, "approach": result.kind} if option
             else {"label": result.label})
    return {
        **which,
        "serves_with": result.serves_with,
        "go_live": day.isoformat() if (day := go_live(starts_on, result)) else None,
        "one_time_cost": result.one_time_cost,
        "monthly_cost": result.monthly_cost,
        "running_cost": result.horizon_cost - result.one_time_cost,
        "horizon_cost": result.horizon_cost,
        "monthly_costs": list(result.monthly_costs),
        "weeks_to_production": result.weeks_to_production,
        "effort_hours": result.effort_hours,
        "iterations": result.iterations,
        "added_latency_ms": result.added_latency_ms,
        "input_tokens_per_request": result.input_tokens_per_request,
        "reasoning_tokens_per_request": result.reasoning_tokens_per_request,
        "notes": list(result.notes),
        "buyable": result.buyable,
        "not_buyable": list(result.blockers),
        "phases": [
            {"name": p.name, "start_week": p.start_week, "end_week": p.end_week, "basis": p.basis}
            for p in result.phases
        ],
        "lines": [_line_dict(line) for line in result.lines],
        "sizing": _sizing_dict(result.sizing) if result.sizing is not None else None,
    }


def _rate(per_second: float) -> str:
    """A request rate for people: three decimals below one a second, one above (0.023, 158.7).

    >>> _rate(0.02283), _rate(158.73)
    ('0.023', '158.7')
    """
    return f"{per_second:.3f}" if per_second < 1 else f"{per_second:,.1f}"


def sizing_lines(sizing: SelfHostedSizing) -> list[str]:
    """The sizing of a self-hosted approach in a few lines of text, with units."""
    training, serving = sizing.training, sizing.serving
    memory, replica = training.memory, serving.replica
    return [
        f"model: {sizing.model}, {sizing.params / 1e9:.2f}B parameters",
        f"training: {memory.total:.1f} GiB per GPU ({memory.reason}); {training.time.gpus} GPU(s) on "
        f"{training.instances} instance(s); {training.time.hours:.2f} h compute + {training.overhead_hours:g} h "
        f"overhead per run",
        f"serving: {replica.total_gib:.1f} GiB per GPU, {replica.tensor_parallel} GPU(s) a replica, "
        f"{replica.requests_per_second:.2f} requests/s a replica (batch {replica.batch}); month 1: peak "
        f"{_rate(serving.peak_requests_per_second[0])} requests/s -> {serving.replicas[0]} replica(s), "
        f"{serving.instances[0]} instance(s)" + (
            f"; average traffic uses {busy(used)} of their capacity"
            if (used := sizing.serving_utilisation()) is not None else ""),
        *([f"concurrency: {replica.batch_reason}"] if replica.batch_reason else []),
        *(line for choice in (sizing.training_choice, sizing.serving_choice) if choice is not None
          for line in choice.lines()),
    ]


def _sizing_dict(sizing: SelfHostedSizing) -> dict[str, Any]:
    training, serving = sizing.training, sizing.serving
    memory, replica = training.memory, serving.replica
    return {
        "model": sizing.model,
        "params": sizing.params,
        "training": {
            "memory_gib": memory.memory_gib(),
            "gpus_needed": memory.gpus_needed,
            "reason": memory.reason,
            "instances": training.instances,
            "gpus_used": training.time.gpus,
            "compute_hours": training.time.hours,
            "overhead_hours": training.overhead_hours,
            "instance_hours_per_run": training.instance_hours,
        },
        "serving": {
            "memory_gib": replica.memory_gib(),
            "gpus_per_replica": replica.tensor_parallel,
            "batch": replica.batch,
            "prefill_ms": replica.prefill_ms,
            "decode_ms_per_token": replica.decode_ms_per_token,
            "requests_per_second_per_replica": replica.requests_per_second,
            "peak_requests_per_second": list(serving.peak_requests_per_second),
            "replicas": list(serving.replicas),
            "instances": list(serving.instances),
            "cost_share": serving.share,
        },
        "choices": [_choice_dict(choice) for choice in (sizing.training_choice, sizing.serving_choice)
                    if choice is not None],
        "cautions": list(sizing.cautions),
    }


def _choice_dict(choice: GpuChoice) -> dict[str, Any]:
    def candidate(found: Candidate | None) -> dict[str, Any] | None:
        if found is None:
            return None
        # the scenario's own instance, where the search did not price it, has no cost here but why
        return {"instance": found.ref, "purchase": found.purchase, "cost": found.cost if found.priced else None,
                "cost_basis": "a run" if choice.kind == "training" else "horizon",
                "unpriced_because": found.why or None}

    return {"kind": choice.kind, "automatic": choice.automatic, "chosen": candidate(choice.chosen),
            "runner_up": candidate(choice.runner_up), "bound": choice.bound, "currency": choice.currency}


def to_dict(estimate: Estimate) -> dict[str, Any]:
    """The estimate as plain data (the JSON format). A scenario with options gives ``options``, a list of
    each option's id, name, kind of approach and figures; one without gives ``approaches`` by kind."""
    return {
        "scenario": estimate.scenario.name,
        "currency": estimate.currency,
        "horizon_months": estimate.horizon_months,
        "planned_on": estimate.planned_on.isoformat(),
        "starts_on": estimate.starts_on.isoformat(),
        "measured": dict(estimate.scenario.measured),
        **({"options": [_approach_dict(result, estimate.starts_on, option=True)
                        for result in estimate.approaches.values()]}
           if estimate.scenario.options else
           {"approaches": {name: _approach_dict(result, estimate.starts_on)
                           for name, result in estimate.approaches.items()}}),
        "model_retirements": [
            {"approach": r.approach, "model": r.label, "key": r.key, "retires_on": r.retires_on.isoformat(),
             "retired": r.retired, "launches": r.launches.isoformat(), "plan_ends": r.plan_ends.isoformat(),
             "warning": str(r)}
            for r in estimate.retirements
        ],
        "assumptions": [
            {"key": a.key, "value": a.value, "unit": a.unit, "source": a.source} for a in estimate.assumptions
        ],
        "price_problems": [str(p) for p in estimate.price_problems],
    }


def to_json(estimate: Estimate) -> str:
    """The estimate as indented JSON."""
    return json.dumps(to_dict(estimate), indent=2) + "\n"


@dataclass(frozen=True)
class Figure:
    """One row of the comparison: its label with unit, each approach's value, and what kind it is."""

    label: str
    values: list[Any]  # one per approach; None where there is none (cost per request with no requests)
    kind: Literal["text", "date", "money", "rate", "weeks", "whole"]
    short: str = ""  # a column heading where options are rows (its unit said once, above the table)
    optional: bool = False  # a column a narrow table leaves out when every value is 0 (no option reasons)
    wide: bool = False  # a column only a wide table shows (the app, the files; not the command line's table)
    key: str = ""  # which total it is, for the budget pack's formulas: "one_time", "first_month", "running", ...


# How each kind of figure reads as text: money to the whole unit, a rate to the cent, a day as "15 Feb 2027".
FIGURE_FORMATS = {"money": ",.0f", "rate": ",.2f", "weeks": ".1f", "whole": ",.0f", "date": "%d %b %Y"}


def summary_figures(estimate: Estimate) -> list[Figure]:
    """The comparison's figures, one per row, shared by the app, the table, the summary CSV and the
    budget pack (each shows them in its own way)."""
    cur = estimate.currency
    results = list(estimate.approaches.values())
    requests = estimate.scenario.workload.requests_per_month
    months = estimate.horizon_months
    return [
        Figure("Runs on", [r.serves_with for r in results], "text", "Runs on"),
        Figure("Goes live on", [go_live(estimate.starts_on, r) for r in results], "date", "Live", wide=True),
        Figure(f"One-time build cost ({cur})", [r.one_time_cost for r in results], "money", "Build",
               key="one_time"),
        Figure(f"First-month running cost ({cur})", [r.monthly_cost for r in results], "money", "Month 1",
               key="first_month"),
        Figure(f"Running cost over {months} months ({cur})", [r.horizon_cost - r.one_time_cost for r in results],
               "money", f"Run {months}m", wide=True, key="running"),
        Figure(f"{horizon_total(months)} ({cur})", [r.horizon_cost for r in results], "money", f"Build+{months}m",
               key="horizon"),
        Figure(f"Cost per 1,000 requests, month 1 ({cur})",
               [per_thousand_requests(r.monthly_cost, requests) for r in results], "rate", "Per 1k req.",
               key="per_thousand"),
        Figure("Weeks to production", [r.weeks_to_production for r in results], "weeks", "Weeks"),
        Figure("People-hours before launch", [r.effort_hours for r in results], "whole", "People-h"),
        Figure("Iterations", [r.iterations for r in results], "whole", "Iter."),
        Figure("Added latency (ms per request)", [r.added_latency_ms for r in results], "whole", "+ms"),
        Figure("Input tokens per request", [r.input_tokens_per_request for r in results], "whole", "Tokens in"),
        Figure("Reasoning tokens per request", [r.reasoning_tokens_per_request for r in results], "whole",
               "Reasoning", optional=True),
    ]


def _figure_text(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    return value if kind == "text" else format(value, FIGURE_FORMATS[kind])


def percent(share: float) -> str:
    """A share as a percentage, as exact as it was given: 0.2 -> "20%", 0.125 -> "12.5%".

    >>> percent(0.2), percent(0.125), percent(0.075)
    ('20%', '12.5%', '7.5%')
    """
    return f"{round(share * 100, 6):g}%"


def budget_terms(estimate: Estimate) -> str:
    """What the totals include, in two sentences: the contingency, and the tax (the budget pack's summary, and
    the app under its comparison, say it)."""
    project = estimate.scenario.project
    share = (project.contingency_share if project.contingency_share is not None
             else estimate.assumption_table.contingency_share.value)
    contingency = (f"A contingency of {percent(share)} of each option's build is its own line." if share
                   else "No contingency is included.")
    if not project.tax_rate:
        tax = "Amounts are net of tax (as when VAT is reclaimed)."
    elif project.prices_include_tax:
        inside = "; ".join(f"{r.label}: {tax_within(r.lines, project.tax_rate):,.2f}"
                           for r in estimate.approaches.values())
        tax = (f"Prices include tax at {percent(project.tax_rate)}; of each total, this much is tax "
               f"({estimate.currency}): "
               f"{inside}.")
    else:
        tax = f"Tax at {percent(project.tax_rate)} on suppliers' bills is added on lines of its own."
    return f"{contingency} {tax}"


def summary_rows(estimate: Estimate) -> list[tuple[str, list[str]]]:
    """The comparison as (metric with unit, one formatted value per approach) rows; where an approach
    cannot be bought for its whole plan, its "Runs on" cell says so."""
    rows = [(f.label, [_figure_text(v, f.kind) for v in f.values]) for f in summary_figures(estimate)]
    label, runs_on = rows[0]
    marks = [" (not buyable for its plan)" if r.blockers else "" for r in estimate.approaches.values()]
    retiring = {r.approach for r in estimate.retirements}
    marks = [mark + (" (model retiring)" if name in retiring else "") for name, mark in zip(
        estimate.approaches, marks, strict=True)]
    rows[0] = (label, [text + mark for text, mark in zip(runs_on, marks, strict=True)])
    return rows


def measured_notes(estimate: Estimate) -> list[str]:
    """Each input set from the team's own files, with the file and what was measured, in words."""
    notes = []
    for path, source in estimate.scenario.measured.items():
        value = scenario_input(estimate.scenario, path)  # the scenario's checks made sure the path names an input
        shown = f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        notes.append(f"  - {in_words(path)} = {shown}: {source}")
    return notes


def model_retirement_notes(estimate: Estimate) -> list[str]:
    """Each approach's retiring models in words: "RAG: anthropic/claude-sonnet-4.5 retires on ..."."""
    return [f"{estimate.label(r.approach)}: {r}" for r in estimate.retirements]


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as aligned text: the first column to the left, the others to the right, a rule under
    the header row."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=False)]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


# The option column's width in the command line's table: with the nine figures' columns, 118 characters.
TABLE_NAME_WIDTH = 32


def _options_table(estimate: Estimate) -> list[str]:
    """The comparison with one row per option (readable at ten options), then what each runs on. An optional
    column (reasoning tokens) is left out when every option's value is 0; shown, it narrows the names."""
    figures = summary_figures(estimate)
    kept = [i for i, f in enumerate(figures) if i > 0 and not f.wide and not (f.optional and not any(f.values))]
    rows = summary_rows(estimate)
    header = ["Option", *(figures[i].short for i in kept)]
    name_width = TABLE_NAME_WIDTH - sum(len(f.short) + 2 for f in figures if f.optional and any(f.values))
    table = [header]
    for index, r in enumerate(estimate.approaches.values()):
        # A long name goes on over the next lines, so the table stays within a terminal's 120 columns.
        first, *more = textwrap.wrap(r.label, name_width, break_long_words=True) or [r.label]
        table.append([first, *(rows[i][1][index] for i in kept)])
        table += [[line, *([""] * (len(header) - 1))] for line in more]
    months = estimate.horizon_months
    return [f"Money in {estimate.currency}. Build: the one-time cost; Build+{months}m: the build and {months} months "
            "running; per 1k req.:",
            "first-month cost per 1,000 requests; weeks: to production; people-h: people-hours before launch;",
            "+ms: latency added per request; tokens in, reasoning: per request",
            "",
            *_aligned(table), "", "Runs on:",
            *(f"  {r.label}: {runs_on}" for r, runs_on in zip(estimate.approaches.values(), rows[0][1], strict=True))]


def to_table(estimate: Estimate) -> str:
    """The side-by-side comparison as aligned text, followed by status notes and price problems: the four
    approaches as columns, or options as rows."""
    out = [f"{estimate.scenario.name} ({estimate.currency}, {estimate.horizon_months}-month horizon)", ""]
    if estimate.scenario.options:
        out += _options_table(estimate)
    else:
        header = ["", *(r.label for r in estimate.approaches.values())]
        out += _aligned([header, *([label, *values] for label, values in summary_rows(estimate))])
    for r in estimate.approaches.values():
        if r.sizing is not None:
            out += ["", f"{r.label}: sizing used", *(f"  {line}" for line in sizing_lines(r.sizing))]
    if estimate.scenario.measured:
        out += ["", "Inputs measured from the team's files:", *measured_notes(estimate)]
    retirements = model_retirement_notes(estimate)
    if retirements:
        out += ["", f"Model retirements (planned on {estimate.planned_on.isoformat()}):",
                *(f"  - {note}" for note in retirements)]
    notes = {note for r in estimate.approaches.values() for note in r.notes}
    if notes:
        out += ["", "Notes:", *(f"  - {note}" for note in sorted(notes))]
    if estimate.price_problems:
        out += ["", "Price tables left out:", *(f"  - {p}" for p in estimate.price_problems)]
    return "\n".join(out) + "\n"


def summary_csv(estimate: Estimate) -> str:
    """One row per approach with the comparison's figures as numbers, units in the column names."""
    low, quick = cheapest(estimate), fastest(estimate)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    figures = summary_figures(estimate)
    writer.writerow([
        *(["Option"] if estimate.scenario.options else []), "Approach", *(f.label for f in figures),
        f"Lowest {horizon_total(estimate.horizon_months)} (or within the tie share)",
        "Fastest to production (or within the tie share)", "Why it cannot be bought for its plan",
    ])
    running = next(i for i, f in enumerate(figures) if f.key == "running")
    for index, r in enumerate(estimate.approaches.values()):
        cells = [_csv_cell(f.values[index], "money") if f.kind in ("money", "rate") else _cell(f.values[index])
                 for f in figures]
        # The running cost as the rounded total less the rounded build, so build + running = total to the cent.
        cells[running] = cents_text(to_cents(r.horizon_cost) - to_cents(r.one_time_cost))
        which = [r.label, APPROACH_LABELS[r.kind]] if estimate.scenario.options else [r.label]
        writer.writerow([*which, *cells, "yes" if r.approach in low else "no", "yes" if r.approach in quick else "no",
                         "; ".join(r.blockers)])
    return buffer.getvalue()
