"""Time the measurement of a 100 MB training file (JSONL) and its peak memory.

Run: ``python bench/bench_training_file.py``. Writes a synthetic chat file of about 100 MB (varied
questions and answers of a few hundred tokens) in a temporary directory, measures it as
``python -m planner data`` does (line by line from the file), and prints the time, the rate and the
process's peak memory. Target: under 2 minutes and under 1 GB on the project machine (2 cores).
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planner.measure.training_file import measure_training_file  # noqa: E402

TARGET_BYTES = 100_000_000
TARGET_S = 120.0
TARGET_PEAK_MB = 1000
WORDS = ["order", "delivery", "refund", "account", "invoice", "password", "screen", "error", "network", "plan",
         "upgrade", "cancel", "billing", "address", "parcel", "warranty", "device", "battery", "signal", "update"]


def write_file(path: Path) -> int:
    """A chat JSONL file of about ``TARGET_BYTES``; returns the examples written."""
    rng = random.Random(7)
    written = examples = 0
    with path.open("w", encoding="utf-8") as handle:
        while written < TARGET_BYTES:
            question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 60)))
            answer = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 400)))
            line = json.dumps({"messages": [{"role": "system", "content": "You are a support agent."},
                                            {"role": "user", "content": question + "?"},
                                            {"role": "assistant", "content": answer + "."}]}) + "\n"
            handle.write(line)
            written += len(line.encode())
            examples += 1
    return examples


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.jsonl"
        written = write_file(path)
        size = path.stat().st_size
        start = time.perf_counter()
        with path.open("rb") as handle:
            report = measure_training_file(handle, path.name, size)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size / 1e6:,.0f} MB, {report.examples:,} examples ({written:,} written), "
          f"{sum(report.example_tokens):,} tokens: {seconds:,.1f} s ({size / 1e6 / seconds:,.1f} MB/s), "
          f"peak memory {peak_mb:,.0f} MB")
    ok = seconds < TARGET_S and peak_mb < TARGET_PEAK_MB
    print("meets" if ok else "misses", f"the targets of {TARGET_S:,.0f} s and {TARGET_PEAK_MB:,} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
