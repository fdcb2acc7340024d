"""Time the Monte Carlo: 10,000 draws for all four approaches, for each example with ranges added.

Run: ``python bench/bench_ranges.py``. Target: under 100 ms per simulation on the project machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planner import load_price_book, load_scenario  # noqa: E402
from planner.analysis.ranges import DEFAULT_DRAWS, simulate  # noqa: E402
from planner.inputs.scenario import Range, Scenario  # noqa: E402

TARGET_MS = 100
REPEATS = 7


def with_ranges(scenario: Scenario) -> Scenario:
    """Four typical ranged guesses around the scenario's own values."""
    ft = scenario.approaches.fine_tune
    requests = scenario.workload.requests_per_month
    return scenario.model_copy(update={"ranges": {
        "workload.requests_per_month": Range(low=requests / 2, high=requests * 2),
        "approaches.fine_tune.examples": Range(low=ft.examples * 0.5, high=ft.examples * 1.5),
        "assumptions.records_review_share": Range(low=0.05, high=0.3),
        "workload.output_tokens": Range(low=scenario.workload.output_tokens * 0.5,
                                        high=scenario.workload.output_tokens * 1.5),
    }})


def main() -> int:
    book = load_price_book()
    worst = 0.0
    for path in sorted((REPO / "examples").glob("*.yaml")):
        scenario = with_ranges(load_scenario(path))
        simulate(scenario, book)  # warm up
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            simulate(scenario, book)
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{path.name:36s} {DEFAULT_DRAWS:,} draws, 4 ranged inputs: median {median:6.1f} ms, "
              f"min {min(times):6.1f} ms")
    print(f"slowest median {worst:.1f} ms: {'meets' if worst < TARGET_MS else 'misses'} the {TARGET_MS} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
