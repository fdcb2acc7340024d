"""Command line: ``estimate`` a scenario, ``size`` GPUs for a model, compare hosting ``routes``,
``prices validate`` the tables, and keep ``budgets``: ``save`` a scenario's costs with the price tables
they came from, ``list``, ``show`` and ``export`` them as approved, ``diff`` one against today's tables,
``compare`` two side by side, ``duplicate``, ``approve`` and ``delete``."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.analysis.ranges import (
    DEFAULT_DRAWS,
    MAX_VOLUME,
    METRIC_LABELS,
    breakeven_months,
    breakeven_volumes,
    describe_month,
    describe_volume,
    simulate,
)
from planner.analysis.staleness import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_RETIRING_WITHIN_DAYS,
    retired_in_tables,
    stale_in_estimate,
    stale_prices,
)
from planner.budgets import DB_ENV, LOCAL_PERSON
from planner.core.errors import PlannerError, PricingError, Problem
from planner.costs.estimator import estimate
from planner.costs.lines import horizon_total
from planner.inputs.files import open_regular, write_atomically
from planner.inputs.pricebook import DEFAULT_PRICES_DIR, PriceBook, load_price_book
from planner.inputs.scenario import load_scenario
from planner.inputs.validation import validate_data
from planner.outputs.export import model_retirement_notes, to_csv, to_dict, to_json, to_table
from planner.sizing.memory import Optimizer

# The modules only some commands need (the Excel writer, sizing reports, the simulation, the price
# store and the LiteLLM import) are imported inside those commands, so that a plain `estimate`
# starts without loading them.
if TYPE_CHECKING:
    from planner.budgets.snapshot import Reopened
    from planner.budgets.store import Actor, BudgetStore, BudgetSummary, BudgetTotals, SavedBudget
    from planner.inputs.architecture import Architecture
    from planner.inputs.price_tables import GpuSpec
    from planner.inputs.pricebook import Resolved
    from planner.sizing.compute import Precision
    from planner.sizing.serving import ServingPrecision

FORMATTERS = {"table": to_table, "json": to_json, "csv": to_csv}
FORMAT_CHOICES = [*FORMATTERS, "xlsx"]
EXIT_BAD_INPUT = 2
EXIT_PROBLEMS_FOUND = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m planner", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("estimate", help="estimate the scenario's options (or its four approaches)")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR, help="price table directory")
    run.add_argument("--format", choices=FORMAT_CHOICES, default="table",
                     help="output format; xlsx (the budget pack) needs --output")
    run.add_argument("--output", type=Path, help="write to this file instead of standard output")
    run.add_argument("--max-age-days", type=int, default=DEFAULT_MAX_AGE_DAYS,
                     help="table format: list the prices used that are older than this")
    run.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                     help="the planning day, from which price ages and model retirements count (default: today)")

    size = commands.add_parser("size", help="GPU memory, GPU count, training hours or serving capacity")
    size.add_argument("--serve", action="store_true", help="size serving instead of training")
    size.add_argument("--model", help="open model id in pricing/open_models.yaml (or give the architecture)")
    for flag, kind, text in (
        ("--params", float, "parameters, in billions"), ("--layers", int, "transformer layers"),
        ("--hidden", int, "hidden size"), ("--heads", int, "attention heads"),
        ("--kv-heads", int, "key/value heads (default: heads)"), ("--intermediate", int, "MLP intermediate size"),
        ("--vocab", int, "vocabulary size"),
    ):
        size.add_argument(flag, type=kind, help=f"architecture: {text}")
    size.add_argument("--gpu", required=True,
                      help="GPU id in hardware.yaml (h100-sxm) or GPU instance (runpod/h100-sxm-secure)")
    size.add_argument("--method", choices=["full", "lora", "qlora"], default="lora")
    size.add_argument("--seq-len", type=int, default=2048, help="training sequence length, tokens")
    size.add_argument("--micro-batch", type=int, default=1, help="sequences per GPU per step")
    size.add_argument("--gradient-checkpointing", action="store_true")
    size.add_argument("--lora-rank", type=int, default=16)
    size.add_argument("--optimizer", choices=typing.get_args(Optimizer), default="adamw",
                      help="optimizer states: 32-bit AdamW, 8-bit, or 8-bit paged to host memory")
    size.add_argument("--optimizer-in-backward", action="store_true",
                      help="update each parameter as its gradient is ready (one matrix's gradient held at a time)")
    size.add_argument("--cpu-offload", action="store_true",
                      help="master copy, moments and gradients in host memory")
    size.add_argument("--train-tokens", type=int, help="tokens in one run (examples x tokens x epochs)")
    size.add_argument("--precision", help="training: bf16|fp8; serving: bf16|fp8|int4 (default bf16)")
    size.add_argument("--batch", type=int, default=1, help="serving: concurrent requests")
    size.add_argument("--prompt-tokens", type=int, default=512, help="serving: tokens in each prompt")
    size.add_argument("--output-tokens", type=int, default=256, help="serving: tokens generated per request")
    size.add_argument("--requests-per-second", type=float, help="serving: peak request rate to size replicas for")
    size.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR, help="price table directory")
    size.add_argument("--format", choices=["table", "json"], default="table")

    breakeven = commands.add_parser("breakeven", help="volumes and months at which approaches overtake each other")
    breakeven.add_argument("scenario", type=Path, help="scenario YAML file")
    breakeven.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR, help="price table directory")
    breakeven.add_argument("--max-requests", type=float, default=MAX_VOLUME,
                           help="highest first-month volume searched (requests a month)")
    breakeven.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                           help="the planning day, from which model retirements count (default: today)")

    routes = commands.add_parser("routes", help="every route the fine-tune could take, each billed as its seller bills")
    routes.add_argument("scenario", type=Path, help="scenario YAML file")
    routes.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR, help="price table directory")
    routes.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="the planning day, from which selling days and retirements count (default: today)")
    routes.add_argument("--format", choices=["table", "json"], default="table")

    data = commands.add_parser("data", help="measure a training file (JSONL): examples, tokens, problems")
    data.add_argument("file", type=Path, help="JSON Lines: chat messages, prompt/completion or preference pairs")
    data.add_argument("--format", choices=["table", "json"], default="table")
    data.add_argument("--encoding", choices=["o200k_base", "cl100k_base"], default="o200k_base",
                      help="tokeniser: o200k_base (GPT-4o and later) or cl100k_base (GPT-4, GPT-3.5)")
    data.add_argument("--apply-to", type=Path, metavar="SCENARIO",
                      help="write the measured examples, tokens per example and epochs into this scenario file")

    corpus = commands.add_parser("corpus", help="measure a knowledge corpus (a folder or a zip): tokens, chunks")
    corpus.add_argument("source", type=Path, help="a folder of documents, or a .zip of them")
    corpus.add_argument("--chunk-tokens", type=int, default=500, help="tokens per chunk (one vector each)")
    corpus.add_argument("--overlap", type=int, default=0, help="tokens each chunk repeats from the one before")
    corpus.add_argument("--dimensions", type=int, default=1536, help="embedding size, for the storage figure")
    corpus.add_argument("--encoding", choices=["o200k_base", "cl100k_base"], default="o200k_base")
    corpus.add_argument("--format", choices=["table", "json"], default="table")
    corpus.add_argument("--apply-to", type=Path, metavar="SCENARIO",
                        help="write the measured corpus tokens into this scenario file")

    prices = commands.add_parser("prices", help="work with the price tables")
    price_commands = prices.add_subparsers(dest="prices_command", required=True)
    check = price_commands.add_parser("validate", help="check every table; print each problem and stale price")
    check.add_argument("directory", type=Path, nargs="?", default=DEFAULT_PRICES_DIR)
    check.add_argument("--max-age-days", type=int, default=DEFAULT_MAX_AGE_DAYS, help="flag prices older than this")
    check.add_argument("--retiring-within-days", type=int, default=DEFAULT_RETIRING_WITHIN_DAYS,
                       help="flag models retired or retiring within this many days")
    check.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="count price ages and model retirements from this day (default: today)")
    litellm = price_commands.add_parser("import-litellm", help="update prices from LiteLLM's model price map")
    litellm.add_argument("file", type=Path, help="model_prices_and_context_window.json, or a litellm wheel (.whl) "
                                                 "to read the map and its version from")
    litellm.add_argument("--map-version", help="the litellm version the JSON file came from, recorded in each "
                                               "imported source (read from the wheel itself)")
    litellm.add_argument("--add", action="append", default=[], metavar="ID",
                         help="also add this chat or embedding model (our id, e.g. claude-sonnet-4.6) from the "
                              "map; repeat for more; needs --provider")
    litellm.add_argument("--provider", help="only this provider's table (default: every table that names its "
                                            "LiteLLM provider)")
    litellm.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR)
    litellm.add_argument("--apply", action="store_true", help="save the changes (keeping the old tables in history)")
    _author_flag(litellm)
    for name, text in (("history", "list the kept versions of a table, and who saved each"),
                       ("restore", "restore a kept version"), ("reset", "restore the bundled version of a table")):
        command = price_commands.add_parser(name, help=text)
        command.add_argument("provider")
        if name == "restore":
            command.add_argument("version", help="a version name from 'prices history'")
        command.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR)
        if name != "history":
            _author_flag(command)

    _budget_parsers(commands)
    return parser




def _budget_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    budgets = commands.add_parser(
        "budgets", help="saved budgets: a scenario's costs kept with the exact price tables they came from",
        description="Saved budgets, kept in one database with the exact price tables each was costed on. The "
                    "command line acts with a price admin's and an approver's rights: whoever can run it on the "
                    "server can write the database file anyway.")
    budget_commands = budgets.add_subparsers(dest="budgets_command", required=True)
    save = budget_commands.add_parser("save", help="cost a scenario on the tables in --prices and save it")
    save.add_argument("scenario", type=Path, help="scenario YAML file")
    save.add_argument("--name", required=True, help="the budget's name")
    save.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                      help="the planning day, kept with the budget (default: today)")
    save.add_argument("--over", type=int, metavar="VERSION",
                      help="save over the budget of this name, as it was at VERSION ('budgets show' says which); "
                           "refused if it has changed since. Without it, a name already saved is refused")
    listing = budget_commands.add_parser("list", help="the saved budgets, the most recently changed first")
    listing.add_argument("--search", default="", metavar="TEXT", help="only names holding TEXT (any case)")
    listing.add_argument("--owner", metavar="NAME", help="only this owner's budgets")
    listing.add_argument("--status", choices=["draft", "approved"], help="only drafts, or only approved budgets")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    show = budget_commands.add_parser("show", help="a budget's saved figures, status and price tables")
    show.add_argument("name")
    show.add_argument("--format", choices=["table", "json"], default="table")
    diff = budget_commands.add_parser(
        "diff", help="what changed since a budget was saved: costed again on the tables in --prices, same day")
    diff.add_argument("name")
    export = budget_commands.add_parser("export", help="a budget's estimate on the tables it was saved with")
    export.add_argument("name")
    export.add_argument("--format", choices=FORMAT_CHOICES, default="table",
                        help="output format; xlsx (the budget pack) needs --output")
    export.add_argument("--output", type=Path, help="write to this file instead of standard output")
    compare = budget_commands.add_parser("compare", help="two saved budgets' figures side by side, option by option")
    compare.add_argument("name")
    compare.add_argument("other")
    duplicate = budget_commands.add_parser("duplicate", help="a draft copy of a budget, on the same tables")
    duplicate.add_argument("name")
    duplicate.add_argument("new_name")
    approve = budget_commands.add_parser("approve", help="approve a budget, as it is at --version")
    approve.add_argument("name")
    approve.add_argument("--version", type=int, required=True,
                         help="the version you have seen ('budgets show'); refused if it has changed since")
    delete = budget_commands.add_parser("delete", help="delete a budget")
    delete.add_argument("name")
    delete.add_argument("--version", type=int, help="only if it is still at this version")
    for command in (save, listing, show, diff, export, compare, duplicate, approve, delete):
        command.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR,
                             help="price table directory (and the default place of the budgets database)")
        command.add_argument("--db", metavar="URL",
                             help="the budgets database: an SQLite file's path, sqlite:///PATH or "
                                  f"postgresql://USER@HOST/DATABASE (default: ${DB_ENV}, else "
                                  "budgets.sqlite in the price directory)")
        command.add_argument("--as", dest="person", default=LOCAL_PERSON, metavar="NAME",
                             help=f"the name recorded as owner or approver (default: {LOCAL_PERSON}). The "
                                  "command line acts with a price admin's and an approver's rights, whatever the name: "
                                  "whoever can run it on the server can write the database file anyway")


def _author_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument("--author", help="who is saving, as the table's history records it "
                                          "(default: your user name on this computer)")


def _date(text: str) -> datetime.date:
    """A date given on the command line, as YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "size":
            return _size(args)
        if args.command == "breakeven":
            return _breakeven(args)
        if args.command == "routes":
            return _routes(args)
        if args.command == "data":
            return _data(args)
        if args.command == "corpus":
            return _corpus(args)
        if args.command == "budgets":
            return BUDGET_COMMANDS[args.budgets_command](args)
        return PRICE_COMMANDS[args.prices_command](args)
    except PricingError as exc:
        # The planner names a table relative to its price directory; here the user gave the directory.
        directory = getattr(args, "prices", None) or getattr(args, "directory", None)
        print(f"error: {_in_directory(exc, directory) if directory is not None else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _in_directory(source: PlannerError | Problem, directory: Path) -> PlannerError | Problem:
    """A problem (or each of an error's) in a price table, with the table named in ``directory``:
    ``openai.yaml`` becomes ``pricing/openai.yaml``. A problem elsewhere (a LiteLLM map, the command
    line) is left as it is."""
    if isinstance(source, PlannerError):
        return type(source)([_in_problem_directory(problem, directory) for problem in source.problems])
    return _in_problem_directory(source, directory)


def _in_problem_directory(source: Problem, directory: Path) -> Problem:
    in_table_folder = source.file.endswith((".yaml", ".jsonl")) or source.file.startswith(".history")
    if in_table_folder and not Path(source.file).is_absolute():
        return dataclasses.replace(source, file=str(Path(directory) / source.file))
    return source


def _ranges(scenario: Any, book: PriceBook, today: datetime.date) -> Any:
    """The scenario's ranges simulated (P10/P50/P90 per option and metric), or None if it gives none."""
    if not scenario.ranges:
        return None
    print(f"simulating {DEFAULT_DRAWS:,} draws over {len(scenario.ranges)} ranged inputs...", file=sys.stderr)
    return simulate(scenario, book, today=today)


def _with_ranges(data: dict[str, Any], spread: Any) -> dict[str, Any]:
    if spread is not None:
        data["ranges"] = {name: {metric: dataclasses.asdict(p) for metric, p in metrics.items()}
                          for name, metrics in spread.items()}
    return data


def _ranges_text(result: Any, spread: Any) -> str:
    if spread is None:
        return ""
    return "\nRanges (P10 / P50 / P90):\n" + "".join(
        f"  {result.label(name)}: {METRIC_LABELS[metric].lower()} {p.p10:,.1f} / {p.p50:,.1f} / {p.p90:,.1f}\n"
        for name, metrics in spread.items() for metric, p in metrics.items() if metric in METRIC_LABELS)


def _estimate(args: argparse.Namespace) -> int:
    book = load_price_book(args.prices)
    for problem in book.problems:
        print(f"warning: price table left out: {_in_directory(problem, args.prices)}", file=sys.stderr)
    scenario = load_scenario(args.scenario)
    today = args.today or datetime.date.today()
    result = estimate(scenario, book, today)
    for note in model_retirement_notes(result):
        print(f"warning: {note}", file=sys.stderr)
    spread = _ranges(scenario, book, today)
    if args.format == "xlsx":
        if args.output is None:
            raise _usage("--format xlsx writes a workbook: give --output FILE.xlsx")
        from planner.outputs.workbook import budget_pack
        return _write(args.output, budget_pack(result, book, spread))
    if args.format == "json":
        text = json.dumps(_with_ranges(to_dict(result), spread), indent=2) + "\n"
    else:
        text = FORMATTERS[args.format](result)
    if args.format == "table":
        text += _ranges_text(result, spread)
        stale = stale_in_estimate(result, today, args.max_age_days)
        if stale:
            text += f"\nPrices older than {args.max_age_days} days:\n" + "".join(f"  - {s}\n" for s in stale)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    return _write(args.output, text)


def _write(path: Path, content: str | bytes) -> int:
    try:
        write_atomically(path, content)
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _breakeven(args: argparse.Namespace) -> int:
    book = load_price_book(args.prices)
    scenario = load_scenario(args.scenario)
    result = estimate(scenario, book, args.today)
    cur = result.currency
    print(f"searching first-month volumes from 0 to {args.max_requests:,.0f} requests a month...", file=sys.stderr)
    volumes, _ = breakeven_volumes(scenario, book, args.max_requests, today=args.today)
    print(f"{scenario.name}: break-even volumes ({horizon_total(result.horizon_months)}, {cur})")
    labels = {name: option.label for name, option in result.approaches.items()}
    for volume in volumes:
        print(f"  {describe_volume(volume, labels, cur)}")
    if not volumes:
        print(f"  none: the order of the approaches does not change up to {args.max_requests:,.0f} requests a month")
    print(f"break-even months at {scenario.workload.requests_per_month:,} requests a month")
    for item in breakeven_months(result):
        print(f"  {describe_month(item, result.horizon_months)}")
    return 0


def _routes(args: argparse.Namespace) -> int:
    from planner.analysis.routes import route_dict, route_options

    book = load_price_book(args.prices)
    scenario = load_scenario(args.scenario)
    cur = scenario.currency
    requests = scenario.workload.requests_per_month
    options = route_options(scenario, book, args.today)
    if args.format == "json":
        print(json.dumps({
            "scenario": scenario.name, "currency": cur, "horizon_months": scenario.horizon_months,
            "requests_per_month": requests, "planned_on": (args.today or datetime.date.today()).isoformat(),
            "routes": [route_dict(option, requests) for option in options]}, indent=2))
        return 0
    print(f"{scenario.name}: the fine-tune by route ({cur}, {scenario.horizon_months}-month horizon, "
          f"{requests:,} requests in month 1); what each seller bills, first month or per run")
    for option in options:
        result = option.result
        if result is None:
            print(f"\n{option.label}: cannot be costed: {option.problem}")
            continue
        per_thousand = option.per_thousand_requests(requests)
        rate = f"{per_thousand:,.2f} {cur} per 1,000 requests" if per_thousand is not None else "no requests"
        print(f"\n{option.label} ({result.serves_with}): one-time {result.one_time_cost:,.0f}, month 1 "
              f"{result.monthly_cost:,.0f} ({rate}), {horizon_total(scenario.horizon_months)} "
              f"{result.horizon_cost:,.0f}")
        for why in result.blockers:
            print(f"  NOT BUYABLE for its plan: {why}")
        for line in option.billed_lines():
            when = "month 1" if line.timing == "monthly" else "one-time"
            print(f"  {line.item} ({when}): {line.quantity:,.4g} {line.unit} x {line.unit_price:,.4g} = "
                  f"{line.amount:,.2f}")
    return 0


def _data(args: argparse.Namespace) -> int:
    from planner.measure.tokens import ACCURACY
    from planner.measure.training_file import (
        MAX_TRAINING_FILE_BYTES,
        NotTrainingFile,
        apply_to_scenario,
        measure_training_file,
    )

    path: Path = args.file
    try:
        # Only a regular file, no larger than the limit: a device (/dev/zero) or a pipe has no end.
        with open_regular(path, PlannerError, MAX_TRAINING_FILE_BYTES) as handle:
            size = os.fstat(handle.fileno()).st_size

            def progress(done: int) -> None:
                print(f"\rmeasured {done / 1e6:,.0f} of {size / 1e6:,.0f} MB", end="", file=sys.stderr)
            report = measure_training_file(handle, path.name, size, args.encoding,
                                           progress if size > 10_000_000 else None)
    except NotTrainingFile as exc:
        raise _usage(str(exc)) from None
    except OSError as exc:
        raise _usage(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > 10_000_000:
        print(file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        spread, pairs = report.tokens_per_example, report.tokens_per_pair
        print(f"{report.name} (SHA-256 {report.digest[:16]}): {report.lines:,} lines, {report.examples:,} examples, "
              f"{report.preference_pairs:,} preference pairs ({report.encoding})")
        print(f"  tokens per example: mean {spread['mean']:,}, P50 {spread['p50']:,}, P95 {spread['p95']:,}, "
              f"max {spread['max']:,}")
        if report.preference_pairs:
            print(f"  tokens per pair: mean {pairs['mean']:,}, P50 {pairs['p50']:,}, P95 {pairs['p95']:,}, "
                  f"max {pairs['max']:,}")
        print(f"  token counts: {ACCURACY[report.encoding]}")
        print(f"  billed training tokens: {report.billed_tokens_per_epoch:,} a pass x {report.epochs} default epochs "
              f"= {report.billed_training_tokens:,}")
        print(f"  hold out {report.held_out:,} example{'' if report.held_out == 1 else 's'} for evaluation (10%)")
        for warning in report.warnings():
            print(f"  warning: {warning}")
        for problem in report.problems:
            print(f"  problem: {problem}")
        if report.problem_count > len(report.problems):
            print(f"  ... and {report.problem_count - len(report.problems):,} more problems")
    if args.apply_to is not None:
        return _apply_measurement(args.apply_to, apply_to_scenario, report, "the measured inputs")
    return EXIT_PROBLEMS_FOUND if report.problem_count else 0


def _corpus(args: argparse.Namespace) -> int:
    from planner.measure import corpus as measure

    source: Path = args.source
    try:
        if source.is_dir():
            files = measure.folder_files(source)
        elif source.suffix.lower() == ".zip":
            with open_regular(source, PlannerError, measure.MAX_CORPUS_BYTES) as handle:
                data = handle.read(measure.MAX_CORPUS_BYTES + 1)  # never more, even if it grew since
            if len(data) > measure.MAX_CORPUS_BYTES:
                raise _usage(f"{source}: over {measure.MAX_CORPUS_BYTES:,} bytes; at most "
                             f"{measure.MAX_CORPUS_BYTES:,} are read")
            files = measure.zip_members(data, source.name)
        else:
            raise _usage(f"{source}: expected a folder or a .zip archive of documents")
        report = measure.measure_corpus(files, source.name, args.chunk_tokens, args.overlap, args.encoding)
    except (measure.NotCorpus, ValueError) as exc:
        raise _usage(str(exc)) from None
    except OSError as exc:
        raise _usage(f"cannot read {source}: {exc.strerror or exc}") from None
    metadata = 0.0
    book = load_price_book(DEFAULT_PRICES_DIR)
    if book.assumptions is not None:
        metadata = book.assumptions.vector_metadata_bytes.value
    if args.format == "json":
        sys.stdout.write(json.dumps(report.as_dict(args.dimensions, metadata), indent=2) + "\n")
    else:
        print(f"{report.name} (SHA-256 {report.digest[:16]}): {len(report.documents):,} documents, "
              f"{report.tokens:,} tokens ({report.encoding})")
        print(f"  chunks of {report.chunk_tokens} tokens overlapping by {report.overlap_tokens}: {report.chunks:,} "
              f"chunks and vectors, {report.embedded_tokens:,} tokens to embed")
        print(f"  token counts: {measure.ACCURACY[report.encoding]}")
        storage = report.storage_bytes(args.dimensions, metadata)
        print(f"  storage at {args.dimensions:,} dimensions: {storage / 1e9:,.3f} GB (vectors and their text)")
        for file_name, why in report.unreadable:
            print(f"  not read: {file_name}: {why}")
    if args.apply_to is not None:
        return _apply_measurement(args.apply_to, measure.apply_to_scenario, report, "the measured corpus tokens")
    return EXIT_PROBLEMS_FOUND if report.unreadable else 0


def _apply_measurement(path: Path, apply: Callable[[dict[str, Any], Any, str], dict[str, Any]], report: Any,
                       what: str) -> int:
    """Write ``report`` into the scenario file at ``path`` with ``apply`` (a measure module's
    apply_to_scenario), checked as a scenario before the file is replaced."""
    from planner.inputs.files import read_yaml
    from planner.inputs.scenario import scenario_from_dict, scenario_yaml

    document = read_yaml(path, PlannerError)
    data = document.data if isinstance(document.data, dict) else {}
    try:
        updated = apply(data, report, datetime.date.today().isoformat())
    except ValueError as exc:
        raise _usage(str(exc)) from None
    code = _write(path, scenario_yaml(scenario_from_dict(updated, str(path))))
    if code == 0:
        print(f"wrote {what} into {path}", file=sys.stderr)
    return code


def _validate(args: argparse.Namespace) -> int:
    directory = args.directory
    book = load_price_book(directory)
    for problem in book.problems:
        print(_in_directory(problem, directory))
    today = args.today or datetime.date.today()
    for stale in stale_prices(book, today, args.max_age_days):
        print(f"stale (older than {args.max_age_days} days): {stale}")
    for model, day in retired_in_tables(book, today, args.retiring_within_days):
        state = "retired on" if day <= today else "retires on"
        print(f"{'retired' if day <= today else 'retiring'}: {model} {state} {day.isoformat()}")
    loaded = len(book.tables) + sum(
        table is not None for table in (book.assumptions, book.people, book.hardware, book.fx, book.open_models)
    )
    count = len(book.problems)
    print(f"{loaded} tables loaded, {count} problem{'' if count == 1 else 's'} in {directory}")
    return EXIT_PROBLEMS_FOUND if book.problems else 0


ARCHITECTURE_FLAGS = {"layers": "layers", "hidden": "hidden", "heads": "heads", "kv_heads": "kv_heads",
                      "intermediate": "intermediate", "vocab": "vocab"}


def _architecture(args: argparse.Namespace, book: PriceBook) -> tuple[str, Architecture]:
    from planner.inputs.architecture import Architecture
    given = {name: getattr(args, flag) for flag, name in ARCHITECTURE_FLAGS.items() if getattr(args, flag) is not None}
    if args.model is not None:
        if given:
            raise _usage("give --model or the architecture flags, not both")
        try:
            model = book.open_model(args.model)
        except LookupError as exc:
            raise _usage(str(exc)) from None
        arch: Architecture = model
        if args.params is not None:  # validated as the model's own field would be (> 0, finite)
            arch = _validated_flags(type(model), {**model.model_dump(), "params_billion": args.params})
        return model.display_name, arch
    missing = [f"--{flag.replace('_', '-')}" for flag in ARCHITECTURE_FLAGS if flag != "kv_heads" and flag not in given]
    if missing:
        raise _usage(f"without --model, give the architecture: missing {' '.join(missing)}")
    given.setdefault("kv_heads", given["heads"])
    if args.params is not None:
        given["params_billion"] = args.params
    return "custom architecture", _validated_flags(Architecture, given)


def _validated_flags(model: type[Architecture], data: dict[str, Any]) -> Architecture:
    """``data`` validated as ``model``; a problem names the flag that gave the field (``--heads``)."""
    try:
        return validate_data(model, data, "command line", PlannerError)
    except PlannerError as exc:
        flags = {"params_billion": "--params", **{name: f"--{flag.replace('_', '-')}"
                                                   for flag, name in ARCHITECTURE_FLAGS.items()}}
        raise PlannerError([dataclasses.replace(p, field=flags.get(p.field, p.field)) for p in exc.problems]) from None


def _gpu(args: argparse.Namespace, book: PriceBook) -> tuple[GpuSpec, Resolved | None]:
    try:
        if "/" in args.gpu:
            instance = book.gpu_instance(args.gpu)
            return book.gpu_spec(instance.offering.gpu), instance
        return book.gpu_spec(args.gpu), None
    except LookupError as exc:
        known = ", ".join(book.hardware.gpus) if book.hardware else "none"
        raise _usage(f"{exc} (GPU ids: {known})") from None


def _usage(message: str) -> PlannerError:
    return PlannerError(Problem("command line", None, "", message))


# The least each of the size command's numbers may be. A sequence, micro-batch, adapter rank or
# serving batch of 0 would size nothing (and the serving batch is divided by); tokens and a request
# rate may be 0. Every number is at most planner.core.limits.MAX_MAGNITUDE, as in a scenario.
SIZE_FLAG_MINIMUMS: dict[str, float] = {
    "seq_len": 1, "micro_batch": 1, "lora_rank": 1, "batch": 1, "prompt_tokens": 0, "output_tokens": 0,
    "train_tokens": 0, "requests_per_second": 0,
}


def _check_size_numbers(args: argparse.Namespace) -> None:
    """Refuse a size flag outside its range, naming the flag: ``--batch must be >= 1, got 0``."""
    from planner.core.limits import MAX_MAGNITUDE, quote

    for name, least in SIZE_FLAG_MINIMUMS.items():
        value = getattr(args, name)
        if value is None:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            why = "a finite number"
        elif value < least:
            why = f">= {least:g}"
        elif value > MAX_MAGNITUDE:
            why = f"<= {MAX_MAGNITUDE:g}"
        else:
            continue
        raise _usage(f"--{name.replace('_', '-')} must be {why}, got {quote(value)}")


def _size(args: argparse.Namespace) -> int:
    from planner.outputs.sizing_report import architecture_note, report_table, serving_report, training_report
    from planner.sizing.compute import Precision as PrecisionType
    from planner.sizing.memory import TrainingSetup
    from planner.sizing.serving import ServingPrecision as ServingPrecisionType

    _check_size_numbers(args)
    book = load_price_book(args.prices)
    label, arch = _architecture(args, book)
    gpu, instance = _gpu(args, book)
    precision = args.precision or "bf16"
    if args.serve:
        if precision not in typing.get_args(ServingPrecisionType):
            choices = ", ".join(typing.get_args(ServingPrecisionType))
            raise _usage(f"--precision for serving must be one of {choices}, got {precision!r}")
        report = serving_report(book, label, arch, gpu, args.gpu, args.batch, args.prompt_tokens,
                                args.output_tokens, typing.cast("ServingPrecision", precision),
                                args.requests_per_second)
    else:
        if precision not in typing.get_args(PrecisionType):
            choices = ", ".join(typing.get_args(PrecisionType))
            raise _usage(f"--precision for training must be one of {choices}, got {precision!r}")
        precision = typing.cast("Precision", precision)
        if precision == "fp8" and gpu.fp8_tflops is None:
            raise _usage(f"{gpu.display_name} has no FP8 tensor throughput; use --precision bf16")
        setup = TrainingSetup(args.method, args.seq_len, args.micro_batch, args.gradient_checkpointing,
                              args.lora_rank, optimizer=args.optimizer,
                              optimizer_in_backward=args.optimizer_in_backward, cpu_offload=args.cpu_offload)
        report = training_report(book, label, arch, setup, gpu, args.gpu, args.train_tokens, precision, instance)
    report["architecture"] = architecture_note(arch)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(f"{report['architecture']}\n{report_table(report)}")
    return 0 if report["fits"] else EXIT_PROBLEMS_FOUND


def _import_litellm(args: argparse.Namespace) -> int:
    from planner.price_admin.editing import header_comment, table_to_yaml
    from planner.price_admin.litellm_import import import_prices, load_price_map
    from planner.price_admin.store import read_table, save_table, table_path

    book = load_price_book(args.prices)
    price_map = load_price_map(args.file, args.map_version)
    if args.add and args.provider is None:
        raise _usage("--add names models of one provider: give --provider too")
    if args.provider is not None:
        if args.provider not in book.tables:
            raise _usage(f"no provider {args.provider!r} in {args.prices}")
        providers = [args.provider]
    else:
        providers = [name for name, table in book.tables.items() if table.litellm_provider]
    today = datetime.date.today()
    for provider in providers:
        table = book.tables[provider]
        new, changes, missing = import_prices(table, price_map, today, tuple(args.add))
        print(f"{provider}: {len(changes)} change{'' if len(changes) == 1 else 's'} from {price_map.name}")
        for change in changes:
            print(f"  {change}")
        for ref in missing:
            print(f"  not in the map (left as it is): {ref}")
        if args.apply and changes:
            text, version = read_table(args.prices, provider)
            save_table(args.prices, provider, table_to_yaml(new, header_comment(text)), version,
                       author=args.author, action=f"LiteLLM import ({price_map.name})")
            print(f"  saved {table_path(args.prices, provider)}; the previous version is in history")
    if not args.apply:
        print("nothing saved; run again with --apply to save these changes")
    return 0


def _history(args: argparse.Namespace) -> int:
    from planner.price_admin.store import current_table_save, history

    current = current_table_save(args.prices, args.provider)
    if current is None:
        print(f"{args.provider}: the current table was not saved here (it is as it came, or was changed by hand)")
    else:
        print(f"{args.provider}: the current table was saved {current.saved_at:%Y-%m-%d %H:%M:%S} UTC by "
              f"{current.author} ({current.action})")
    versions = history(args.prices, args.provider)
    if not versions:
        print(f"{args.provider}: no versions kept yet (the table has not been saved here)")
    for version in versions:
        if version.bundled:
            written = "bundled: as it was before the first save here"
        elif version.save is None:
            written = "saved by: not recorded"
        else:
            written = (f"saved {version.save.saved_at:%Y-%m-%d %H:%M:%S} UTC by {version.save.author} "
                       f"({version.save.action})")
        print(f"{version.name}  replaced {version.saved_at:%Y-%m-%d %H:%M:%S} UTC; {written}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from planner.price_admin.store import read_table, restore, table_path

    _, current = read_table(args.prices, args.provider)
    restore(args.prices, args.provider, args.version, current, author=args.author)
    print(f"restored {args.version} as {table_path(args.prices, args.provider)}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from planner.price_admin.store import read_table, reset_to_bundled, table_path

    _, current = read_table(args.prices, args.provider)
    reset_to_bundled(args.prices, args.provider, current, author=args.author)
    print(f"reset {table_path(args.prices, args.provider)} to its bundled version")
    return 0


PRICE_COMMANDS = {"validate": _validate, "import-litellm": _import_litellm, "history": _history,
                  "restore": _restore, "reset": _reset}


# -- saved budgets -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _budget_store(args: argparse.Namespace) -> Iterator[BudgetStore]:
    """The store that ``--db`` (else LLM_PLANNER_DB, else budgets.sqlite in ``--prices``) names, open for one
    command and closed after it. A problem in the database names an SQLite file by its whole path, since
    the user gave it here (the app names only the file)."""
    from planner.budgets.store import database_url, describe_database, open_store

    url = database_url(args.db, args.prices)
    short, full = describe_database(url), describe_database(url, full_path=True)
    try:
        store = open_store(url)
        try:
            yield store
        finally:
            store.dispose()
    except PlannerError as exc:
        if all(problem.file != short for problem in exc.problems):
            raise
        raise type(exc)([dataclasses.replace(problem, file=full) if problem.file == short else problem
                         for problem in exc.problems]) from None


def _database(args: argparse.Namespace) -> str:
    """The budgets database in words, an SQLite file by its whole path."""
    from planner.budgets.store import database_url, describe_database

    return describe_database(database_url(args.db, args.prices), full_path=True)


def _budget_actor(args: argparse.Namespace) -> Actor:
    from planner.budgets.store import Actor

    # A price admin and an approver: whoever can run this on the server can write the database file anyway.
    return Actor(args.person, price_admin=True, approver=True)


def _reopened(store: BudgetStore, budget: SavedBudget) -> Reopened:
    """``budget`` costed again on the tables it was saved with."""
    from planner.budgets.snapshot import reopen

    try:
        return reopen(budget, store.table_texts(budget))
    except PricingError as exc:
        # A saved table's problem names it as saved (openai.yaml), not the file of that name in --prices,
        # which main() would otherwise put in front of it.
        raise PlannerError([dataclasses.replace(problem, file=f"{problem.file} (as saved with {budget.name!r})")
                            for problem in exc.problems]) from None


def _columns(rows: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows of cells as aligned text, a rule under the header row; the columns in ``right`` (numbers) to the right.

    >>> print("\\n".join(_columns([["Name", "Total"], ["a", "1.00"], ["bb", "10.00"]], frozenset({1}))))
    Name  Total
    ----  -----
    a      1.00
    bb    10.00
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for index, row in enumerate(rows):
        out.append("  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                             for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _when(moment: datetime.datetime | None) -> str:
    """A stored time (UTC) to the minute.

    >>> _when(datetime.datetime(2027, 1, 4, 9, 30, 59, tzinfo=datetime.UTC)), _when(None)
    ('2027-01-04 09:30 UTC', 'n/a')
    """
    return "n/a" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _totals_table(totals: BudgetTotals) -> list[str]:
    """Each option's figures, one row each, money to the cent: what a budget approves."""
    months = totals.horizon_months
    rows = [["Option", "Build", "Month 1", f"Build+{months}m", "Weeks", "People-h", "Live"]]
    rows += [[o.label, f"{o.one_time:,.2f}", f"{o.first_month:,.2f}", f"{o.horizon:,.2f}",
              f"{o.weeks_to_production:.1f}", f"{o.people_hours:,.0f}",
              f"{o.goes_live:%d %b %Y}" if o.goes_live else "n/a"] for o in totals.options]
    return [f"Money in {totals.currency}. Build: the one-time build; Month 1: the first month's running cost;",
            f"Build+{months}m: {horizon_total(months)}; Weeks: to production; People-h: people-hours before launch;",
            "Live: the day it goes live", "",
            *_columns(rows, frozenset(range(1, 6)))]


def _summary_dict(budget: BudgetSummary) -> dict[str, Any]:
    """A saved budget's summary as JSON data: numbers as numbers, times in ISO 8601 (UTC)."""
    from planner.budgets.store import SavedBudget

    return {"name": budget.name, "owner": budget.owner, "status": budget.status,
            "status_in_words": budget.describe_status(), "version": budget.version,
            "created_at": budget.created_at.isoformat(), "updated_at": budget.updated_at.isoformat(),
            "approved_by": budget.approved_by,
            "approved_at": budget.approved_at.isoformat() if budget.approved_at else None,
            "planned_on": budget.planned_on.isoformat(), "currency": budget.currency,
            "horizon_months": budget.horizon_months, "option_count": budget.option_count,
            "lowest_total": budget.lowest_total,
            # The whole budget (show, export) has its totals; a listed one only the two figures above.
            **(budget.totals.to_dict() if isinstance(budget, SavedBudget) else {})}


def _budget_save(args: argparse.Namespace) -> int:
    from planner.budgets.changes import money
    from planner.budgets.snapshot import budget_draft
    from planner.budgets.store import BudgetConflict

    book = load_price_book(args.prices)
    for problem in book.problems:
        print(f"warning: price table left out: {_in_directory(problem, args.prices)}", file=sys.stderr)
    scenario = load_scenario(args.scenario)
    draft, result = budget_draft(args.name, scenario, book, args.today or datetime.date.today())
    for note in model_retirement_notes(result):
        print(f"warning: {note}", file=sys.stderr)
    with _budget_store(args) as store:
        try:
            saved = store.save(draft, _budget_actor(args), args.over)
        except BudgetConflict as exc:
            if args.over is not None or all(problem.field != "name" for problem in exc.problems):
                raise
            # The store's words are the app's ("open it"); here, saving over a budget is --over.
            raise BudgetConflict([dataclasses.replace(problem, message=(
                f"{problem.message} (on the command line: --over VERSION, the version 'budgets show' gives)"))
                for problem in exc.problems]) from None
    totals = saved.totals
    print(f"saved {saved.name!r}, version {saved.version} ({saved.describe_status()}, owner {saved.owner}) "
          f"in {_database(args)}")
    print(f"costed on the {len(saved.table_digests)} price tables in {args.prices}, planning day "
          f"{saved.planned_on:%d %b %Y}")
    print(f"{horizon_total(totals.horizon_months)}:")
    rows = [["", ""], *([o.label, money(o.horizon, totals.currency)] for o in totals.options)]
    for line in _columns(rows, frozenset({1}))[2:]:  # without the (empty) header and its rule
        print(f"  {line}")
    return 0


def _budget_list(args: argparse.Namespace) -> int:
    from planner.budgets.changes import money

    with _budget_store(args) as store:
        found = store.list(args.search, args.owner, args.status)
    if args.format == "json":
        sys.stdout.write(json.dumps([_summary_dict(b) for b in found], indent=2) + "\n")
        return 0
    if not found:
        filtered = args.search or args.owner or args.status
        print(f"no saved budgets{' match' if filtered else ''} in {_database(args)}")
        return 0
    rows = [["Name", "Owner", "Status", "Updated", "Options", "Lowest total incl. build"]]
    for budget in found:
        cheapest = ("n/a" if budget.lowest_total is None else
                    f"{money(budget.lowest_total, budget.currency)} over {budget.horizon_months} months")
        rows.append([budget.name, budget.owner, budget.describe_status(), _when(budget.updated_at),
                     str(budget.option_count), cheapest])
    sys.stdout.write("\n".join(_columns(rows, frozenset({4}))) + "\n")
    return 0


def _budget_show(args: argparse.Namespace) -> int:
    from planner.budgets.snapshot import totals_of

    with _budget_store(args) as store:
        budget = store.get(args.name)
        try:
            reopened: Reopened | None = _reopened(store, budget)
            problem = ""
        except PlannerError as exc:
            # The saved figures are still the approved ones: shown, with why they cannot be reproduced.
            reopened, problem = None, str(exc)
    again = totals_of(reopened.result) if reopened is not None else None
    note = reopened.describe() if reopened is not None else f"It cannot be costed again on its own tables: {problem}"
    if args.format == "json":
        data = {**_summary_dict(budget),
                "price_tables": [{"file": name, "sha256": d} for name, d in budget.table_digests.items()],
                "costed_again": {"same_as_saved": reopened.same_as_saved if reopened is not None else None,
                                 "note": note, **({"options": again.to_dict()["options"]} if again else {})},
                "scenario": budget.scenario_yaml}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    out = [f"{budget.name}: {budget.describe_status()} (version {budget.version})",
           f"Owner {budget.owner}; created {_when(budget.created_at)}, updated {_when(budget.updated_at)}",
           f"Planning day {budget.planned_on:%d %b %Y}; {budget.currency} over {budget.totals.horizon_months} months",
           "", "Figures as saved:", *_totals_table(budget.totals), "",
           "Price tables it was costed on (SHA-256, first 12 characters):",
           *(f"  {line}" for line in _columns([["File", "SHA-256"], *([name, d[:12]] for name, d in
                                                                     budget.table_digests.items())])[2:]),
           "", note]
    if reopened is not None and not reopened.same_as_saved and again is not None:
        out += ["", "Figures as this release costs them:", *_totals_table(again)]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _budget_diff(args: argparse.Namespace) -> int:
    from planner.budgets.changes import what_changed

    today = load_price_book(args.prices)
    for problem in today.problems:
        print(f"warning: price table left out: {_in_directory(problem, args.prices)}", file=sys.stderr)
    with _budget_store(args) as store:
        reopened = _reopened(store, store.get(args.name))
    changes = what_changed(reopened, today)
    sys.stdout.write("\n".join(changes.report()) + "\n")
    # As `prices validate` does: 1 when something was found that needs a person (it cannot be costed today).
    return EXIT_PROBLEMS_FOUND if changes.problem else 0


def _budget_export(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None:
        raise _usage("--format xlsx writes a workbook: give --output FILE.xlsx")
    with _budget_store(args) as store:
        budget = store.get(args.name)
        reopened = _reopened(store, budget)
    result = reopened.result
    if not reopened.same_as_saved:
        print(f"warning: {reopened.describe()}", file=sys.stderr)
    for note in model_retirement_notes(result):
        print(f"warning: {note}", file=sys.stderr)
    # Ranges as `estimate` gives them, drawn on the saved tables and planning day.
    spread = _ranges(result.scenario, reopened.book, budget.planned_on)
    if args.format == "xlsx":
        from planner.outputs.workbook import budget_pack
        return _write(args.output, budget_pack(result, reopened.book, spread))
    if args.format == "json":
        # The budget it came from, beside the estimate's own keys, as `estimate` puts its ranges there.
        text = json.dumps({**_with_ranges(to_dict(result), spread),
                           "budget": {**_summary_dict(budget), "note": reopened.describe()}}, indent=2) + "\n"
    elif args.format == "table":
        text = (f"Budget {budget.name!r}, version {budget.version}: {budget.describe_status()}\n"
                f"{reopened.describe()}\n\n{to_table(result)}{_ranges_text(result, spread)}")
    else:
        text = FORMATTERS[args.format](result)  # CSV: the line items alone, as a spreadsheet reads them
    if args.output is None:
        sys.stdout.write(text)
        return 0
    return _write(args.output, text)


def _budget_compare(args: argparse.Namespace) -> int:
    from planner.budgets.changes import side_by_side

    with _budget_store(args) as store:
        first, second = store.get(args.name), store.get(args.other)
    rows = [["Figure", "Option", first.name, second.name, "Difference"],
            *(list(row) for row in side_by_side(first, second))]
    sys.stdout.write("\n".join(_columns(rows, frozenset({2, 3, 4}))) + "\n")
    return 0


def _budget_duplicate(args: argparse.Namespace) -> int:
    with _budget_store(args) as store:
        copy = store.duplicate(args.name, args.new_name, _budget_actor(args))
    print(f"duplicated {args.name!r} as {copy.name!r}: a draft owned by {copy.owner}, version {copy.version}, "
          "on the same price tables")
    return 0


def _budget_approve(args: argparse.Namespace) -> int:
    with _budget_store(args) as store:
        approved = store.approve(args.name, _budget_actor(args), args.version)
    print(f"{approved.name!r}: {approved.describe_status()} (now version {approved.version})")
    return 0


def _budget_delete(args: argparse.Namespace) -> int:
    with _budget_store(args) as store:
        store.delete(args.name, _budget_actor(args), args.version)
    print(f"deleted {args.name!r} from {_database(args)}")
    return 0


BUDGET_COMMANDS = {"save": _budget_save, "list": _budget_list, "show": _budget_show, "diff": _budget_diff,
                   "export": _budget_export, "compare": _budget_compare, "duplicate": _budget_duplicate,
                   "approve": _budget_approve, "delete": _budget_delete}
