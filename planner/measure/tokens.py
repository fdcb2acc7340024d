"""Counting tokens exactly, offline, with OpenAI's own tokeniser (``tiktoken``).

tiktoken normally downloads its encodings on first use; nothing may be downloaded here, so the two
encodings the planner needs ship in ``encodings/`` (named as tiktoken's cache names them, the SHA-1
of their download address; tiktoken checks each file's SHA-256 against the hash it expects before
using it). ``cl100k_base`` is GPT-4 and GPT-3.5's encoding, ``o200k_base`` GPT-4o's and later's. For
other models' tokenisers the count is an estimate from ``o200k_base``, and says so.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import tiktoken

ENCODINGS_DIR = Path(__file__).resolve().parent / "encodings"
DEFAULT_ENCODING = "o200k_base"
ENCODINGS = ("o200k_base", "cl100k_base")
# tiktoken reads the cache directory from the environment when an encoding is first loaded.
_LOADING = threading.Lock()
# What a count in each encoding means. Other providers' tokenisers (Anthropic, Google, Llama, Qwen)
# are not shipped: their counts differ, so a count for their models is an estimate, and says so.
ACCURACY = {
    "o200k_base": "exact for OpenAI's GPT-4o and later; an estimate for other providers' models, whose "
                  "tokenisers split text differently",
    "cl100k_base": "exact for OpenAI's GPT-4 and GPT-3.5; an estimate for other models",
}
CHUNK_CHARS = 1_000_000  # text is counted in pieces, so one huge value cannot hold the tokeniser for long


def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """One of ``ENCODINGS``, loaded from the files shipped with the planner (never downloaded)."""
    if name not in ENCODINGS:
        raise ValueError(f"no encoding {name!r} ships with the planner (known: {', '.join(ENCODINGS)})")
    with _LOADING:
        before = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(ENCODINGS_DIR)
        try:
            return tiktoken.get_encoding(name)
        finally:
            if before is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = before


def count(text: str, enc: tiktoken.Encoding) -> int:
    """Tokens in ``text``; special-token strings in it count as ordinary text, as in a training file."""
    return sum(len(enc.encode_ordinary(text[start:start + CHUNK_CHARS]))
               for start in range(0, len(text), CHUNK_CHARS))
