"""Measuring a team's training file (JSONL), the way OpenAI's fine-tuning data-preparation recipe
does, and more: examples, tokens per example, billed training tokens, every format problem with its
line number, duplicates, inconsistent system prompts, and a held-out split.

Formats, one JSON object a line:

- chat: ``{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}``, with at
  least one assistant message (its answer is what is trained on);
- prompt/completion: ``{"prompt": "...", "completion": "..."}``;
- preference pairs (DPO): OpenAI's ``{"input": {"messages": [...]}, "preferred_output": [...],
  "non_preferred_output": [...]}``, or ``{"prompt": ..., "chosen": ..., "rejected": ...}``.

Tokens per chat example follow OpenAI's cookbook: 3 tokens per message plus its content (1 more for
a ``name``), plus 3 to prime the reply. Billed tokens follow its epoch rules (``OPENAI_RULES``).
The file is read line by line, so a large file is measured in bounded memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from planner.measure.plan import set_measured
from planner.measure.tokens import ACCURACY, DEFAULT_ENCODING, count, encoding

MAX_TRAINING_FILE_BYTES = 200_000_000  # an upload or a file larger than this is refused unread
MAX_LINE_BYTES = 5_000_000  # one example; a longer line is reported, not parsed
MAX_PROBLEMS_KEPT = 200  # problems listed in full; the rest are counted
ROLES = ("system", "user", "assistant", "tool", "developer")
TOKENS_PER_MESSAGE = 3  # OpenAI cookbook, "How to count tokens with tiktoken"
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3
HELD_OUT_SHARE = 0.1  # the field's guides hold out 10-20% of the examples for evaluation
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class EpochRules:
    """How a provider picks epochs and caps examples when billing a fine-tuning job."""

    target_epochs: int
    min_target_examples: int
    max_target_examples: int
    min_epochs: int
    max_epochs: int
    max_tokens_per_example: int
    min_examples: int
    source: str

    def epochs(self, examples: int) -> int:
        """The default epochs for ``examples`` examples.

        >>> OPENAI_RULES.epochs(20), OPENAI_RULES.epochs(1_000), OPENAI_RULES.epochs(20_000)
        (5, 3, 1)
        """
        if examples <= 0:
            return self.target_epochs
        if examples * self.target_epochs < self.min_target_examples:
            return min(self.max_epochs, self.min_target_examples // examples)
        if examples * self.target_epochs > self.max_target_examples:
            return max(self.min_epochs, self.max_target_examples // examples)
        return self.target_epochs


OPENAI_RULES = EpochRules(
    target_epochs=3, min_target_examples=100, max_target_examples=25_000, min_epochs=1, max_epochs=25,
    max_tokens_per_example=16_385, min_examples=10,
    source="OpenAI cookbook, Data preparation and analysis for chat model fine-tuning (TARGET_EPOCHS 3, "
           "MIN_TARGET_EXAMPLES 100, MAX_TARGET_EXAMPLES 25,000, MIN/MAX_DEFAULT_EPOCHS 1/25, "
           "MAX_TOKENS_PER_EXAMPLE 16,385); at least 10 examples (OpenAI fine-tuning guide)",
)


@dataclass(frozen=True)
class Problem:
    """Something wrong with one line of the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class TrainingFileReport:
    """What a training file holds, measured."""

    name: str
    digest: str  # SHA-256 of the bytes read
    encoding: str
    lines: int = 0
    examples: int = 0  # supervised examples (chat or prompt/completion)
    preference_pairs: int = 0
    example_tokens: list[int] = field(default_factory=list)
    pair_tokens: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    system_prompts: Counter[str] = field(default_factory=Counter)
    truncated: int = 0
    rules: EpochRules = OPENAI_RULES

    def add_problem(self, line: int, message: str) -> None:
        """Record a problem (the first ``MAX_PROBLEMS_KEPT`` in full, the rest counted)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(Problem(line, message))

    @property
    def tokens_per_example(self) -> dict[str, int]:
        """Mean, median (P50), P95 and maximum tokens of the supervised examples (0s when none)."""
        return _spread(self.example_tokens)

    @property
    def tokens_per_pair(self) -> dict[str, int]:
        """The same for the preference pairs."""
        return _spread(self.pair_tokens)

    @property
    def epochs(self) -> int:
        """The provider's default epochs for this many examples."""
        return self.rules.epochs(self.examples)

    @property
    def billed_tokens_per_epoch(self) -> int:
        """Tokens billed for one pass: each example capped at the provider's maximum."""
        cap = self.rules.max_tokens_per_example
        return sum(min(cap, tokens) for tokens in self.example_tokens)

    @property
    def billed_training_tokens(self) -> int:
        """Tokens a job on this file is billed for at the default epochs."""
        return self.billed_tokens_per_epoch * self.epochs

    @property
    def held_out(self) -> int:
        """Examples to hold out for evaluation (``HELD_OUT_SHARE``, at least 1 when there are 10 or more)."""
        return max(1, round(self.examples * HELD_OUT_SHARE)) if self.examples >= self.rules.min_examples else 0

    def warnings(self) -> list[str]:
        """What a team should know before using the file, in words."""
        found = []
        if self.examples < self.rules.min_examples:
            found.append(f"{self.examples} supervised examples: a fine-tuning job needs at least "
                         f"{self.rules.min_examples}")
        if self.truncated:
            found.append(f"{self.truncated} examples are longer than {self.rules.max_tokens_per_example:,} tokens and "
                         "would be cut to that length")
        if self.exact_duplicates:
            found.append(f"{self.exact_duplicates} examples repeat an earlier one exactly")
        if self.near_duplicates:
            found.append(f"{self.near_duplicates} more differ from an earlier one only in case, spacing or "
                         "punctuation")
        if len(self.system_prompts) > 1:
            found.append(f"{len(self.system_prompts)} different system prompts: a fine-tune learns best from one "
                         "consistent prompt (the most used is in "
                         f"{self.system_prompts.most_common(1)[0][1]:,} examples)")
        return found

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (the JSON format)."""
        return {
            "file": self.name, "sha256": self.digest, "encoding": self.encoding,
            "token_counts": ACCURACY[self.encoding], "lines": self.lines,
            "examples": self.examples, "preference_pairs": self.preference_pairs,
            "tokens_per_example": self.tokens_per_example, "tokens_per_pair": self.tokens_per_pair,
            "default_epochs": self.epochs, "billed_tokens_per_epoch": self.billed_tokens_per_epoch,
            "billed_training_tokens": self.billed_training_tokens, "truncated_examples": self.truncated,
            "exact_duplicates": self.exact_duplicates, "near_duplicates": self.near_duplicates,
            "system_prompts": len(self.system_prompts), "held_out_examples": self.held_out,
            "problems": [str(p) for p in self.problems], "problem_count": self.problem_count,
            "warnings": self.warnings(), "rules": self.rules.source,
        }


def _spread(values: list[int]) -> dict[str, int]:
    if not values:
        return {"mean": 0, "p50": 0, "p95": 0, "max": 0}
    ordered = sorted(values)
    return {"mean": round(sum(ordered) / len(ordered)), "p50": _percentile(ordered, 0.5),
            "p95": _percentile(ordered, 0.95), "max": ordered[-1]}


def _percentile(ordered: list[int], q: float) -> int:
    """The nearest-rank percentile of sorted values.

    >>> _percentile([1, 2, 3, 4], 0.5), _percentile(list(range(1, 101)), 0.95)
    (2, 95)
    """
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class NotTrainingFile(ValueError):
    """The file is not a JSONL training file at all (binary, too large): nothing else is said about it."""


# A file object is read in pieces of this size (and never further than its limit + 1 byte), so that
# neither a line without an end nor an endless device is read into memory whole.
READ_CHUNK_BYTES = 1 << 20
UTF8_BOM = b"\xef\xbb\xbf"  # Notepad and Excel start a UTF-8 file with it: not part of the first line
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class _Line:
    """One line of the file without its end: its first ``MAX_LINE_BYTES + 1`` bytes, and its length."""

    data: bytes
    length: int


def _pieces(source: Iterable[bytes], limit: int) -> Iterator[bytes]:
    r"""The bytes of ``source`` in pieces: a file object (anything with ``read``) read
    ``READ_CHUNK_BYTES`` at a time and never past ``limit + 1`` bytes; any other iterable of bytes as
    it comes (iterating a file would read up to the next ``\n``, however far that is)."""
    read = getattr(source, "read", None)
    if read is None:
        yield from source
        return
    done = 0
    while done <= limit:
        piece = read(min(READ_CHUNK_BYTES, limit + 1 - done))
        if not piece:
            return
        done += len(piece)
        yield piece


def split_lines(pieces: Iterable[bytes], keep: int = MAX_LINE_BYTES + 1) -> Iterator[_Line]:
    r"""The lines of the bytes ``pieces`` make together, ended by ``\n``, ``\r\n`` or ``\r`` (an
    old Mac's), each with at most its first ``keep`` bytes kept, so that memory stays bounded
    whatever a line's length. A ``\r\n`` split between two pieces ends one line, not two.

    >>> [(line.data, line.length) for line in split_lines([b"a\r", b"\nbb\rccc", b"c\n\n", b"dd"], keep=2)]
    [(b'a', 1), (b'bb', 2), (b'cc', 4), (b'', 0), (b'dd', 2)]
    """
    kept, length = bytearray(), 0
    after_cr = False  # the last piece ended with \r: a \n starting the next belongs to that end
    for piece in pieces:
        if after_cr and piece[:1] == b"\n":
            piece = piece[1:]
        after_cr = False
        if not piece:
            continue
        ends_with_cr = piece[-1:] == b"\r"
        body = piece[:-1] if ends_with_cr else piece
        parts = _LINE_END.split(body) if b"\r" in body else body.split(b"\n")  # the split in C when it can
        if ends_with_cr:
            parts.append(b"")  # the \r ended the last part: what follows starts a new line
            after_cr = True
        for index, part in enumerate(parts):
            if index:  # a line end came before this part: the line so far is complete
                yield _Line(bytes(kept), length)
                kept, length = bytearray(), 0
            if len(kept) < keep:
                kept += part[:keep - len(kept)]
            length += len(part)
    if length:  # the last line, when the file does not end with a line end
        yield _Line(bytes(kept), length)


def measure_training_file(lines: Iterable[bytes], name: str, size: int | None = None,
                          encoding_name: str = DEFAULT_ENCODING,
                          progress: Callable[[int], None] | None = None) -> TrainingFileReport:
    r"""Measure a training file given as a binary file object, or as its bytes in pieces (its lines,
    ``data.splitlines(True)``, or any other split: the pieces are joined and split again).

    Lines end with ``\n``, ``\r\n`` or ``\r``; a UTF-8 byte-order mark at the start of the file is
    dropped. A file object is read a megabyte at a time and never more than
    ``MAX_TRAINING_FILE_BYTES + 1`` bytes; a line keeps at most ``MAX_LINE_BYTES + 1`` bytes in memory.
    ``size`` (bytes), when known, is checked against ``MAX_TRAINING_FILE_BYTES`` before anything is
    read; ``progress`` is told the bytes read so far every few thousand lines. Raises
    ``NotTrainingFile`` when the file is too large or is not text.
    """
    if size is not None and size > MAX_TRAINING_FILE_BYTES:
        raise NotTrainingFile(f"{name}: {size:,} bytes; at most {MAX_TRAINING_FILE_BYTES:,} are measured")
    enc = encoding(encoding_name)
    digest = hashlib.sha256()
    report = TrainingFileReport(name, "", encoding_name)
    seen_exact: set[bytes] = set()
    seen_near: set[bytes] = set()
    read = 0

    def counted(pieces: Iterator[bytes]) -> Iterator[bytes]:
        nonlocal read
        for piece in pieces:
            read += len(piece)
            digest.update(piece)  # the SHA-256 of the file as it is, byte-order mark and all
            if read > MAX_TRAINING_FILE_BYTES:
                raise NotTrainingFile(f"{name}: more than {MAX_TRAINING_FILE_BYTES:,} bytes; the rest is not measured")
            yield piece

    for number, line in enumerate(split_lines(counted(_pieces(lines, MAX_TRAINING_FILE_BYTES))), start=1):
        bom = len(UTF8_BOM) if number == 1 and line.data.startswith(UTF8_BOM) else 0
        raw, length = line.data[bom:], line.length - bom
        report.lines = number
        if progress is not None and number % 5000 == 0:
            progress(read)
        if b"\x00" in raw:
            if number <= 5:
                raise NotTrainingFile(f"{name}: binary data on line {number}; expected JSON Lines text")
            report.add_problem(number, "binary data (NUL bytes); expected JSON text")
            continue
        if length > MAX_LINE_BYTES:
            report.add_problem(number, f"{length:,} bytes on one line; at most {MAX_LINE_BYTES:,} are read")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if number <= 5:
                raise NotTrainingFile(f"{name}: not UTF-8 text (line {number}: {exc.reason})") from None
            report.add_problem(number, f"not UTF-8 text ({exc.reason})")
            continue
        if not text.strip():
            continue
        _measure_line(report, number, text, enc, seen_exact, seen_near)
    report.digest = digest.hexdigest()
    if progress is not None:
        progress(read)
    return report


def _measure_line(report: TrainingFileReport, number: int, text: str, enc: Any, seen_exact: set[bytes],
                  seen_near: set[bytes]) -> None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        report.add_problem(number, f"not JSON ({str(exc)[:80]})")
        return
    if not isinstance(data, dict):
        report.add_problem(number, f"expected a JSON object, got {type(data).__name__}")
        return
    if "messages" in data:
        messages = _messages(report, number, data["messages"], "messages")
        if messages is None:
            return
        if not any(m["role"] == "assistant" for m in messages):
            report.add_problem(number, "no assistant message: there is nothing to train on")
            return
        tokens = _chat_tokens(messages, enc)
        systems = [m["content"] for m in messages if m["role"] == "system"]
        report.system_prompts[systems[0][:2000] if systems else ""] += 1
        _count_example(report, tokens, messages, seen_exact, seen_near)
    elif "prompt" in data and "completion" in data:
        if not all(isinstance(data[k], str) and data[k].strip() for k in ("prompt", "completion")):
            report.add_problem(number, "prompt and completion must be non-empty strings")
            return
        tokens = count(data["prompt"], enc) + count(data["completion"], enc)
        _count_example(report, tokens, [data["prompt"], data["completion"]], seen_exact, seen_near)
    elif "preferred_output" in data or "chosen" in data:
        _preference(report, number, data, enc)
    else:
        report.add_problem(number, "unknown format: expected messages, prompt and completion, or a preference "
                                   f"pair (keys found: {', '.join(sorted(map(str, data))[:6]) or 'none'})")


def _messages(report: TrainingFileReport, number: int, value: Any, key: str) -> list[dict[str, str]] | None:
    if not isinstance(value, list) or not value:
        report.add_problem(number, f"{key} must be a non-empty list of messages")
        return None
    for index, message in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(message, dict):
            report.add_problem(number, f"{where}: expected an object with role and content")
            return None
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            report.add_problem(number, f"{where}: unknown role {str(role)[:40]!r} (expected one of {', '.join(ROLES)})")
            return None
        if not isinstance(content, str):
            report.add_problem(number, f"{where}: content must be a string, got {type(content).__name__}")
            return None
        if not content.strip():
            report.add_problem(number, f"{where}: empty content")
            return None
        if "name" in message and not isinstance(message["name"], str):
            report.add_problem(number, f"{where}: name must be a string")
            return None
    return value


def _chat_tokens(messages: list[dict[str, str]], enc: Any) -> int:
    tokens = TOKENS_REPLY_PRIMING
    for message in messages:
        tokens += TOKENS_PER_MESSAGE + count(message["content"], enc)
        if "name" in message:
            tokens += TOKENS_PER_NAME + count(message["name"], enc)
    return tokens


def _count_example(report: TrainingFileReport, tokens: int, parts: list[Any], seen_exact: set[bytes],
                   seen_near: set[bytes]) -> None:
    report.examples += 1
    report.example_tokens.append(tokens)
    if tokens > report.rules.max_tokens_per_example:
        report.truncated += 1
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    exact = hashlib.blake2b(canonical.encode(), digest_size=16).digest()
    near = hashlib.blake2b(_SPACE.sub(" ", _PUNCTUATION.sub("", canonical.lower())).strip().encode(),
                           digest_size=16).digest()
    if exact in seen_exact:
        report.exact_duplicates += 1
    elif near in seen_near:
        report.near_duplicates += 1
    seen_exact.add(exact)
    seen_near.add(near)


def _preference(report: TrainingFileReport, number: int, data: dict[str, Any], enc: Any) -> None:
    if "preferred_output" in data:
        prompt = _messages(report, number, (data.get("input") or {}).get("messages") if isinstance(
            data.get("input"), dict) else None, "input.messages")
        preferred = _messages(report, number, data.get("preferred_output"), "preferred_output") if prompt else None
        rejected = _messages(report, number, data.get("non_preferred_output"), "non_preferred_output") \
            if preferred else None
        if prompt is None or preferred is None or rejected is None:  # each needs the one before it
            return
        tokens = _chat_tokens(prompt, enc) + sum(count(m["content"], enc) for m in preferred + rejected)
    else:
        parts = [data.get(k) for k in ("prompt", "chosen", "rejected")]
        texts = [p for p in parts if isinstance(p, str) and p.strip()]
        if len(texts) < len(parts):
            report.add_problem(number, "prompt, chosen and rejected must be non-empty strings")
            return
        tokens = sum(count(p, enc) for p in texts)
    report.preference_pairs += 1
    report.pair_tokens.append(tokens)


def apply_to_scenario(data: dict[str, Any], report: TrainingFileReport, today: str) -> dict[str, Any]:
    """``data`` (a scenario as plain data) with its fine-tune's examples, tokens per example and epochs
    (and preference pairs, when the file has them) set from ``report``, each recorded in ``measured``
    with the file's name and SHA-256; a range the scenario gave one of them is dropped, since the
    measurement replaces the guess. Raises ``ValueError`` when the file has no examples."""
    if not report.examples and not report.preference_pairs:
        raise ValueError(f"{report.name} has no usable examples or preference pairs to plan from")
    source = f"{report.name} (SHA-256 {report.digest[:16]}), measured {today}"
    values: dict[str, Any] = {}
    if report.examples:
        values.update({
            "examples": report.examples, "tokens_per_example": max(1, report.tokens_per_example["mean"]),
            "epochs": report.epochs,
        })
    if report.preference_pairs:
        values.update({"preference_pairs": report.preference_pairs,
                       "tokens_per_pair": max(1, report.tokens_per_pair["mean"])})
    how = {"examples": "supervised examples in the file", "tokens_per_example": "mean tokens per example "
           f"({report.encoding})", "epochs": "the provider's default epochs for that many examples",
           "preference_pairs": "preference pairs in the file", "tokens_per_pair": "mean tokens per pair"}
    return set_measured(data, "fine_tune", values, {key: f"{source}: {how[key]}" for key in values})
