"""The command line: three output formats, the output file, and errors as messages with exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_PRICES, REPO, WORKED

from planner.cli import main
from planner.inputs.files import dump_yaml


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "worked.yaml"
    path.write_text(dump_yaml(WORKED))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_has_all_four_approaches_with_lines_summing_to_totals(capsys, scenario_file):
    code, out, _ = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["currency"] == "USD"
    assert list(data["approaches"]) == ["prompt", "rag", "fine_tune", "hybrid"]
    for result in data["approaches"].values():
        one_time = sum(li["amount"] for li in result["lines"] if li["timing"] == "one_time")
        monthly = sum(li["amount"] for li in result["lines"] if li["timing"] == "monthly")
        assert result["one_time_cost"] == pytest.approx(one_time)
        assert result["monthly_cost"] == pytest.approx(monthly)
        assert result["horizon_cost"] == pytest.approx(sum(li["horizon_amount"] for li in result["lines"]))
        assert {"weeks_to_production", "effort_hours", "phases"} <= set(result)
    assert data["approaches"]["prompt"]["one_time_cost"] == pytest.approx(2_500.84)  # see test_cost_model


def test_csv_is_the_line_items(capsys, scenario_file):
    code, out, _ = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    prompt = [row for row in rows if row["Approach"] == "Prompt engineering"]
    assert len(prompt) == 7 + 5  # test_cost_model's 7, and 5 operating lines (zero here: test_operations)
    design = next(row for row in prompt if row["Item"] == "Prompt design")
    assert design == design | {
        "Category": "Engineering", "Build or run": "Build (one-time)", "Quantity (first month if monthly)": "10.0",
        "Unit": "person-hours", "Unit price (USD per unit)": "100.0", "One-time amount (USD)": "1000.00",
        "First-month amount (USD)": "0.00", "3-month amount incl. one-time (USD)": "1000.00",
        "Price or assumption": "ml engineer per hour (us rate card)",
        "Price key": "people.rate_cards.us.roles.ml_engineer.per_hour", "Source": "test fixture",
        "As of": "2026-01-01", "How the quantity was worked out": "prompt design hours",
    }
    # Each amount column sums to its total (one-time 2,500.84, first month 13.00; see test_cost_model).
    assert sum(float(row["One-time amount (USD)"]) for row in prompt) == pytest.approx(2_500.84)
    assert sum(float(row["First-month amount (USD)"]) for row in prompt) == pytest.approx(13.00)
    assert sum(float(row["3-month amount incl. one-time (USD)"]) for row in prompt) == pytest.approx(
        2_500.84 + 3 * 13.00)
    amounts = [row[h] for row in rows for h in row if "amount" in h]
    assert all(len(a.split(".")[1]) == 2 for a in amounts)  # to the cent


def test_table_compares_side_by_side(capsys, scenario_file):
    code, out, _ = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES))
    assert code == 0
    assert "Prompt engineering" in out and "Hybrid (fine-tune + RAG)" in out
    one_time = next(line for line in out.splitlines() if line.startswith("One-time build cost (USD)"))
    assert one_time.split()[4:] == ["2,501", "3,501", "11,353", "13,353"]  # test_cost_model: 11,352.84 and 13,352.94
    assert "acme/chat fine-tuning: Closed to new customers" in out


def test_output_file(capsys, scenario_file, tmp_path):
    target = tmp_path / "lines.csv"
    code, out, _ = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES),
                       "--format", "csv", "--output", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("Approach,Category,Item,Build or run,")


def test_bad_scenario_is_a_message_and_exit_code_2(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("workload:\n  requests_per_month: -1\n")
    code, out, err = run(capsys, "estimate", str(path), "--prices", str(FIXTURE_PRICES))
    assert code == 2 and out == ""
    assert err == (f"error: {path}:2: workload.requests_per_month: input should be greater than or equal to 0, "
                   "got -1\n")


def test_broken_unrelated_table_is_a_warning(capsys, scenario_file, tmp_path):
    prices = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, prices)
    (prices / "other.yaml").write_text("provider: other\n")
    code, _, err = run(capsys, "estimate", str(scenario_file), "--prices", str(prices), "--format", "json")
    assert code == 0
    assert "warning: price table left out:" in err and "other.yaml" in err and "display_name" in err


def test_prices_validate(capsys, tmp_path):
    code, out, _ = run(capsys, "prices", "validate", str(FIXTURE_PRICES), "--today", "2026-03-01")
    assert (code, out) == (0, f"7 tables loaded, 0 problems in {FIXTURE_PRICES}\n")
    prices = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, prices)
    (prices / "people.yaml").write_text("rate_cards: {}\n")
    code, out, _ = run(capsys, "prices", "validate", str(prices), "--today", "2026-03-01")
    assert code == 1
    assert out.splitlines() == [
        f"{prices}/people.yaml:1: rate_cards: dictionary should have at least 1 item after validation, not 0",
        f"6 tables loaded, 1 problem in {prices}",
    ]


@pytest.mark.parametrize(("today", "within", "expected"), [
    # acme/writer retires on 2027-06-30 (tests/fixtures/prices/acme.yaml).
    ("2027-05-30", "30", []),  # 31 days before: outside a 30-day window
    ("2027-05-31", "30", ["retiring: acme/writer retires on 2027-06-30"]),  # 30 days: inside
    ("2027-06-30", "0", ["retired: acme/writer retired on 2027-06-30"]),  # the day itself: no longer served
])
def test_prices_validate_lists_retiring_models(capsys, today, within, expected):
    code, out, _ = run(capsys, "prices", "validate", str(FIXTURE_PRICES), "--today", today,
                       "--retiring-within-days", within, "--max-age-days", "10000")
    assert code == 0  # a retirement is a warning, not a problem in the tables
    assert out.splitlines()[:-1] == expected


def test_a_bad_planning_day_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        main(["prices", "validate", "--today", "2026-13-01"])
    assert "expected a date as YYYY-MM-DD, got '2026-13-01'" in capsys.readouterr().err


def test_module_entry_point_runs():
    done = subprocess.run(
        [sys.executable, "-m", "planner", "prices", "validate"], cwd=REPO, capture_output=True, text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout


def test_self_hosted_estimate_reports_its_sizing(capsys):
    path = REPO / "examples" / "brand_voice_self_hosted.yaml"
    code, out, _ = run(capsys, "estimate", str(path), "--format", "json")
    assert code == 0
    sizing = json.loads(out)["approaches"]["fine_tune"]["sizing"]
    assert sizing["model"] == "llama-3.1-8b"
    memory = sizing["training"]["memory_gib"]
    assert memory["total"] == pytest.approx(sum(v for k, v in memory.items() if k != "total"))
    assert sizing["serving"]["replicas"][0] >= 1
    code, out, _ = run(capsys, "estimate", str(path))
    assert "Fine-tuning: sizing used" in out and "GiB per GPU" in out


def test_breakeven_cli(capsys, scenario_file):
    code, out, err = run(capsys, "breakeven", str(scenario_file), "--prices", str(FIXTURE_PRICES))
    assert code == 0
    # 5,901,333 requests a month: worked by hand in test_ranges
    assert "above 5,901,333 requests a month, Fine-tuning costs less than Prompt engineering" in out
    assert "Fine-tuning never becomes cheaper to date than Prompt engineering within the 3-month horizon" in out
    assert "searching first-month volumes" in err  # progress goes to standard error


def test_xlsx_needs_an_output_file_and_writes_one(capsys, scenario_file, tmp_path):
    code, _, err = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES), "--format", "xlsx")
    assert code == 2 and "give --output FILE.xlsx" in err
    target = tmp_path / "pack.xlsx"
    code, _, _ = run(capsys, "estimate", str(scenario_file), "--prices", str(FIXTURE_PRICES), "--format", "xlsx",
                     "--output", str(target))
    assert code == 0 and target.read_bytes()[:2] == b"PK"  # a zip: the .xlsx container


def test_ranges_in_json_and_table(capsys, tmp_path):
    data = dict(WORKED, ranges={"workload.requests_per_month": {"low": 1000, "high": 50000}})
    path = tmp_path / "ranged.yaml"
    path.write_text(dump_yaml(data))
    code, out, _ = run(capsys, "estimate", str(path), "--prices", str(FIXTURE_PRICES), "--format", "json")
    assert code == 0
    spread = json.loads(out)["ranges"]["prompt"]["monthly_cost"]
    assert spread["p10"] <= spread["p50"] <= spread["p90"]
    code, out, _ = run(capsys, "estimate", str(path), "--prices", str(FIXTURE_PRICES))
    assert "Ranges (P10 / P50 / P90):" in out


def test_routes_compares_the_fine_tune_by_hosting_route(capsys):
    code, out, _ = run(capsys, "routes", str(REPO / "examples" / "brand_voice_self_hosted.yaml"), "--today",
                       "2026-12-02")
    assert code == 0
    assert "As in the scenario (llama-3.1-8b (lora) on aws/g5.xlarge)" in out  # the cheapest that serves it
    assert "llama-3.1-8b on own GPUs, business hours only" in out
    assert "llama-3.1-8b LoRA by Together AI, dedicated endpoint" in out
    assert "Amazon Web Services: nova-micro fine-tuned" in out
    # each route's bill, line by line: a month's serving hours, a run's training
    assert "Serving instances (on demand) (month 1): 730 instance-hours" in out and "per 1,000 requests" in out
    assert "Dedicated endpoint (on demand) (month 1): 730 instance-hours x 3.142" in out  # $3.99 / 1.27 USD a GBP
    # OpenAI's fine-tune is listed, and says why it cannot be bought for the plan
    assert "OpenAI: gpt-4.1-mini fine-tuned" in out and "NOT BUYABLE for its plan: openai/gpt-4.1-mini" in out
