"""Time ``estimate()`` (all four approaches) for every example scenario.

Run: ``python bench/bench_estimate.py``. Target: under 1 ms per scenario on the project machine
(2 cores). Price tables and scenarios are loaded once, outside the timing: the figure is the
estimate alone, which is what the app recomputes on every input change.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planner import estimate, load_price_book, load_scenario  # noqa: E402

TARGET_MS = 1.0
REPEATS = 7


def main() -> int:
    book = load_price_book()
    worst = 0.0
    for path in sorted((REPO / "examples").glob("*.yaml")):
        scenario = load_scenario(path)
        timer = timeit.Timer(lambda s=scenario: estimate(s, book))
        calls, _ = timer.autorange()
        per_call_ms = [t / calls * 1000 for t in timer.repeat(REPEATS, calls)]
        median = statistics.median(per_call_ms)
        worst = max(worst, median)
        print(f"{path.name:36s} median {median:7.3f} ms  min {min(per_call_ms):7.3f} ms  ({calls} calls x {REPEATS})")
    verdict = "meets" if worst < TARGET_MS else "misses"
    print(f"slowest median {worst:.3f} ms per scenario: {verdict} the {TARGET_MS:g} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
