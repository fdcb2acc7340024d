"""Check the planner's token counts (tiktoken, with the encodings shipped in planner/measure/encodings)
against a second, independent implementation, bpe-openai (GitHub's Rust BPE crate with the same
encodings), on a sample of text: this repository's README and price tables, line by line.

    python -m pip install bpe-openai && python scripts/verify_tokenizer.py

Not part of the test suite (bpe-openai is a 78 MB wheel the planner does not need); run it when
tiktoken or the shipped encodings change. The tests pin a few counts it produced.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.measure.tokens import ENCODINGS, count, encoding  # noqa: E402


def main() -> int:
    import bpe_openai

    texts = [line for path in [REPO / "README.md", *sorted((REPO / "pricing").glob("*.yaml"))]
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    failed = 0
    for name in ENCODINGS:
        ours, theirs = encoding(name), bpe_openai.get_encoding(name)
        differ = [t for t in texts if count(t, ours) != len(theirs.encode(t))]
        total = sum(count(t, ours) for t in texts)
        print(f"{name}: {len(texts):,} lines, {total:,} tokens; {len(differ)} lines counted differently")
        failed += len(differ)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
