"""Command line: ``python -m planner estimate SCENARIO.yaml`` and ``python -m planner prices validate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner.errors import PlannerError
from planner.estimator import estimate
from planner.export import to_csv, to_json, to_table
from planner.pricebook import DEFAULT_PRICES_DIR, load_price_book
from planner.scenario import load_scenario

FORMATTERS = {"table": to_table, "json": to_json, "csv": to_csv}
EXIT_BAD_INPUT = 2
EXIT_PROBLEMS_FOUND = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m planner", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("estimate", help="estimate the four approaches for a scenario")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--prices", type=Path, default=DEFAULT_PRICES_DIR, help="price table directory")
    run.add_argument("--format", choices=sorted(FORMATTERS), default="table", help="output format")
    run.add_argument("--output", type=Path, help="write to this file instead of standard output")

    prices = commands.add_parser("prices", help="work with the price tables")
    price_commands = prices.add_subparsers(dest="prices_command", required=True)
    check = price_commands.add_parser("validate", help="check every table and print each problem")
    check.add_argument("directory", type=Path, nargs="?", default=DEFAULT_PRICES_DIR)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "estimate":
            return _estimate(args)
        return _validate(args.directory)
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _estimate(args: argparse.Namespace) -> int:
    book = load_price_book(args.prices)
    for problem in book.problems:
        print(f"warning: price table left out: {problem}", file=sys.stderr)
    result = estimate(load_scenario(args.scenario), book)
    text = FORMATTERS[args.format](result)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return 0


def _validate(directory: Path) -> int:
    book = load_price_book(directory)
    for problem in book.problems:
        print(problem)
    loaded = len(book.tables) + sum(
        table is not None for table in (book.assumptions, book.people, book.hardware, book.fx)
    )
    count = len(book.problems)
    print(f"{loaded} tables loaded, {count} problem{'' if count == 1 else 's'} in {directory}")
    return EXIT_PROBLEMS_FOUND if book.problems else 0
