"""Time the measurement of a 1,000-document corpus in a zip (text, Markdown, HTML, CSV, Word, PDF).

Run: ``python bench/bench_corpus.py``. Builds the archive in memory (documents of 300 to 3,000
words; one in ten a Word document, one in twenty a PDF), measures it as ``python -m planner corpus``
does, and prints the time. Target: under 60 s on the project machine (2 cores).
"""

from __future__ import annotations

import io
import random
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from test_corpus import _docx, _pdf  # noqa: E402  # the tests' own document makers

from planner.measure.corpus import measure_corpus, zip_members  # noqa: E402

DOCUMENTS = 1000
TARGET_S = 60.0
WORDS = ["tariff", "roaming", "handset", "contract", "bill", "signal", "router", "fibre", "refund", "upgrade",
         "porting", "number", "coverage", "engineer", "appointment", "broadband", "speed", "outage", "credit", "sim"]


def build() -> bytes:
    rng = random.Random(5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(DOCUMENTS):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(300, 3000)))
            if index % 20 == 0:
                archive.writestr(f"docs/{index}.pdf", _pdf(text[:2000]))
            elif index % 10 == 0:
                archive.writestr(f"docs/{index}.docx", _docx(text))
            else:
                kind = (".txt", ".md", ".html", ".csv")[index % 4]
                body = f"<html><body><p>{text}</p></body></html>" if kind == ".html" else text
                archive.writestr(f"docs/{index}{kind}", body)
    return buffer.getvalue()


def main() -> int:
    data = build()
    start = time.perf_counter()
    report = measure_corpus(zip_members(data, "bench.zip"), "bench.zip", 500, 50)
    seconds = time.perf_counter() - start
    print(f"{len(report.documents):,} documents ({len(data) / 1e6:,.1f} MB zipped), {report.tokens:,} tokens, "
          f"{report.chunks:,} chunks, {len(report.unreadable)} not read: {seconds:,.1f} s")
    print("meets" if seconds < TARGET_S else "misses", f"the target of {TARGET_S:,.0f} s")
    return 0 if seconds < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
