"""The planner's only module that touches the file system: reading YAML (and text), listing files,
and writing atomically under a lock. Everything else in ``planner`` computes.

YAML is parsed with the line of every field: pydantic's errors name a field path, and the line map
kept here turns that path into ``file:line`` so a user can go straight to the mistake.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, AnyStr, BinaryIO

import filelock
import yaml
from yaml.constructor import SafeConstructor

from planner.core import limits
from planner.core.errors import PlannerError, Problem

# libyaml's parser is about 20x faster than the pure-Python one; both build the same nodes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML: the data, where it came from, and the 1-based line of each field path."""

    data: Any
    file: str
    lines: dict[FieldPath, int]

    def line_of(self, path: FieldPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that exists in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


# The largest text file any caller reads whole: LiteLLM's price map. YAML (scenarios, price tables)
# is read within the smaller ``limits.MAX_YAML_BYTES``.
MAX_TEXT_FILE_BYTES = limits.MAX_PRICE_MAP_BYTES
BOM = "\ufeff"  # the byte-order mark Notepad and Excel write at the start of a UTF-8 file
_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
               (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket"))


def open_regular(path: str | Path, error: type[PlannerError], max_bytes: int, name: str | None = None) -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file of at most ``max_bytes``.

    A folder, a device (``/dev/zero``), a pipe or a socket, and a file larger than ``max_bytes``, raise
    ``error`` before a byte is read: a device or a pipe has no end to read to. The file is opened
    without waiting (``O_NONBLOCK``, where the system has it), so that a pipe with no writer is refused
    rather than waited on. ``name`` names the file in messages (default: ``path``). The caller reads
    no more than ``max_bytes + 1`` bytes, in case the file grows after this check.

    >>> import tempfile
    >>> open_regular(tempfile.gettempdir(), PlannerError, 10, "tmp")
    Traceback (most recent call last):
    ...
    planner.core.errors.PlannerError: tmp: is a folder, not a file; nothing was read
    """
    label = str(path) if name is None else name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise error(Problem(label, None, "", f"cannot read file: {exc.strerror or exc}")) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = next((what for test, what in _FILE_KINDS if test(info.st_mode)), None)
            raise error(Problem(label, None, "", (
                f"is {kind}, not a file; nothing was read" if kind else "is not a regular file; nothing was read")))
        if info.st_size > max_bytes:
            raise error(Problem(label, None, "", f"the file is {info.st_size:,} bytes; at most {max_bytes:,} are read"))
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_text(path: str | Path, error: type[PlannerError], name: str | None = None,
              max_bytes: int = MAX_TEXT_FILE_BYTES) -> str:
    """A UTF-8 text file's content, with a byte-order mark at its start dropped and its line ends read
    as newlines (as Python's text mode reads them).

    A file that is not a regular file, is larger than ``max_bytes``, cannot be read or is not UTF-8
    raises ``error``; ``name`` names the file in messages (default: ``path``). At most
    ``max_bytes + 1`` bytes are read, whatever the file's size said.
    """
    label = str(path) if name is None else name
    try:
        with open_regular(path, error, max_bytes, label) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(Problem(label, None, "", f"cannot read file: {exc.strerror or exc}")) from None
    if len(data) > max_bytes:
        raise error(Problem(label, None, "", f"the file is over {max_bytes:,} bytes; at most {max_bytes:,} are read"))
    try:
        text = data.decode("utf-8-sig")  # "-sig": a byte-order mark at the very start is not text
    except UnicodeDecodeError:
        raise error(Problem(label, None, "", "is not UTF-8 text")) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_yaml(path: str | Path, error: type[PlannerError], name: str | None = None) -> YamlDocument:
    """Read a YAML file into a mapping; any unreadable, malformed or empty file raises ``error``
    (``name`` names it in messages; default: ``path``). At most ``limits.MAX_YAML_BYTES`` are read."""
    label = str(path) if name is None else name
    return parse_yaml(read_text(path, error, label, limits.MAX_YAML_BYTES), label, error)


def parse_yaml(text: str, file: str, error: type[PlannerError]) -> YamlDocument:
    """Parse YAML text (named ``file`` in messages) into a mapping with its line map.

    The text is read within ``planner.core.limits``: its size, nesting depth, the length of each value
    and the nodes its aliases expand to. Anything beyond them, or anything PyYAML cannot read,
    raises ``error`` naming the file and line.
    """
    text = text.removeprefix(BOM)  # as an editor shows the file, and as a file read from disk arrives
    size = len(text.encode("utf-8", errors="replace"))
    if size > limits.MAX_YAML_BYTES:
        raise error(Problem(file, None, "", (
            f"the file is {size:,} bytes; at most {limits.MAX_YAML_BYTES:,} are read")))
    try:
        _check_events(text, file, error)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise error(Problem(file, _line(exc), "", f"malformed YAML: {_problem_text(exc)}")) from None
    if node is None:
        raise error(Problem(file, None, "", "file is empty; expected a YAML mapping"))
    if not isinstance(node, yaml.MappingNode):
        raise error(
            Problem(file, node.start_mark.line + 1, "", "expected a YAML mapping (key: value) at the top")
        )
    lines = _index_lines(node, file, error)
    try:
        data = SafeConstructor().construct_document(node)
    except yaml.YAMLError as exc:  # e.g. a tag the safe constructor refuses
        raise error(Problem(file, _line(exc), "", f"malformed YAML: {_problem_text(exc)}")) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-45
        raise error(Problem(file, None, "", f"malformed YAML: a value cannot be read ({exc})")) from None
    return YamlDocument(data=data, file=file, lines=lines)


def _line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


def _problem_text(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc)


_NUMBER = re.compile(r"^[-+]?(\.?[0-9])")


def _check_events(text: str, file: str, error: type[PlannerError]) -> None:
    """Refuse, from the event stream (which needs no recursion), nesting deeper than
    ``MAX_DEPTH`` and values longer than the limits, before a parser builds a tree of them."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limits.MAX_DEPTH:
                raise error(Problem(file, event.start_mark.line + 1, "", (
                    f"nested more than {limits.MAX_DEPTH} levels deep; a scenario or price table needs a few")))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            value = event.value
            if len(value) > limits.MAX_TEXT_CHARS:
                raise error(Problem(file, event.start_mark.line + 1, "", (
                    f"a value of {len(value):,} characters; at most {limits.MAX_TEXT_CHARS:,} are read")))
            if event.implicit[0] and _NUMBER.match(value) and len(value) > limits.MAX_NUMBER_CHARS:
                raise error(Problem(file, event.start_mark.line + 1, "", (
                    f"a number written with {len(value):,} characters; at most {limits.MAX_NUMBER_CHARS} are read")))


def _index_lines(root: yaml.Node, file: str, error: type[PlannerError]) -> dict[FieldPath, int]:
    """The line of every mapping key and list item, walking the tree without recursion.

    Refuses duplicate keys (PyYAML silently keeps the last of two equal keys; in a price table that
    hides a mistake), keys that are not plain values, and documents whose aliases expand to more
    than ``MAX_NODES`` nodes.
    """
    lines: dict[FieldPath, int] = {}
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > limits.MAX_NODES:
            raise error(Problem(file, node.start_mark.line + 1, "", (
                f"the document expands to more than {limits.MAX_NODES:,} values (through YAML aliases?); "
                "refused")))
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[Hashable] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise error(Problem(file, key_node.start_mark.line + 1, _dotted(path), (
                        "a key must be a plain name, not a list or mapping")))
                key = key_node.value
                if key in seen:
                    raise error(
                        Problem(file, key_node.start_mark.line + 1, _dotted((*path, key)), "duplicate key")
                    )
                seen.add(key)
                lines[(*path, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return lines


def _dotted(path: FieldPath) -> str:
    return ".".join(str(part) for part in path)


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice out twice: PyYAML would write an anchor (``&id001``) and aliases
    (``*id001``), so that editing one date in a saved table would silently change all of them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    """YAML text for plain data, keys in the order given, no anchors (readable, diffable output).

    >>> shared = [1, 2]
    >>> print(dump_yaml({"a": shared, "b": shared}), end="")
    a:
    - 1
    - 2
    b:
    - 1
    - 2
    """
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def files_signature(directory: str | Path, pattern: str = "*.yaml") -> tuple[tuple[str, int, int], ...]:
    """(name, modification time in ns, size in bytes) of each matching file: changes when any file does.

    Lets a caller cache what it loaded from ``directory`` and reload only after an edit.
    """
    directory = Path(directory)
    return tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path in sorted(directory.glob(pattern))
        for stat in (path.stat(),)
    )


def list_files(directory: str | Path, pattern: str = "*.yaml") -> list[Path]:
    """Files in ``directory`` matching ``pattern``, sorted by name (none if the directory is missing)."""
    directory = Path(directory)
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def file_mode(path: Path) -> int | None:
    """The permission bits of ``path`` (e.g. 0o644), or None if it does not exist."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def _default_mode() -> int:
    """The mode a newly created file gets from the process's umask (0o644 under the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


TEMPORARY_SUFFIX = ".tmp"  # a file being written: ``.<name>.<random>.tmp`` beside the file it replaces


def write_atomically(path: Path, text: str | bytes, mode: int | None = None) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, rename it over ``path``, and flush
    the folder, so that the rename itself survives a power cut.

    The rename is atomic on POSIX file systems and on Windows (``os.replace``): a reader, or a
    crash, sees the old file or the new one, never half of either. A failed write removes its
    temporary file (a killed process cannot: see ``remove_leftovers``). The new file gets ``mode`` if
    given, else the mode of the file it replaces, else the umask's default: a temporary file is
    created private (0600), and a table that was 0644 must stay readable by the others who read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = file_mode(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary_out:
                _write_to_disk(binary_out, text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8") as text_out:
                _write_to_disk(text_out, text)
        os.chmod(temporary, _default_mode() if mode is None else mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    sync_folder(path.parent)


def _write_to_disk(out: IO[AnyStr], text: AnyStr) -> None:
    """Write ``text`` to ``out`` and flush it through to the disk."""
    out.write(text)
    out.flush()
    os.fsync(out.fileno())


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename, a new file) to disk: POSIX keeps a rename in memory until
    the folder itself is flushed. Where a folder cannot be opened (Windows, whose file system journals
    the rename itself) or flushed (some network file systems), this does nothing."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def remove_leftovers(folder: Path, name: str | None) -> list[Path]:
    """Remove the temporary files killed ``write_atomically`` calls left in ``folder``
    (``.<name>.<random>.tmp``): those of the file called ``name``, or of any file when ``name`` is
    None. Return those removed.

    Call it only while holding the lock every writer of those files takes: the temporary file of a
    write in progress looks the same as a leftover.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as name:
    ...     folder = Path(name)
    ...     _ = (folder / ".acme.yaml.k2j4h1x9.tmp").write_text("half a table")
    ...     _ = (folder / ".other.yaml.k2j4h1x9.tmp").write_text("another file's")
    ...     removed = [p.name for p in remove_leftovers(folder, "acme.yaml")]
    ...     kept = [p.name for p in folder.iterdir()]
    >>> removed, kept
    (['.acme.yaml.k2j4h1x9.tmp'], ['.other.yaml.k2j4h1x9.tmp'])
    """
    pattern = f".{'*' if name is None else glob.escape(name)}.*{TEMPORARY_SUFFIX}"
    removed = []
    for leftover in sorted(Path(folder).glob(pattern)):
        if leftover.is_file() and not leftover.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
                removed.append(leftover)
    return removed


# How long a save waits for another session's save of the same price directory before giving up.
LOCK_TIMEOUT_SECONDS = 30.0


@contextlib.contextmanager
def locked(directory: Path, error: type[PlannerError], lock_name: str = ".lock",
           name: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (a lock file in it) for the ``with`` block.

    ``filelock`` picks the operating system's own locking (``fcntl`` on Linux and macOS,
    ``msvcrt`` on Windows), so the planner imports and saves on all three. Waiting longer than
    ``LOCK_TIMEOUT_SECONDS`` raises ``error`` naming ``name`` (the file being saved; default: the
    lock file's path): nothing was written.
    """
    path = Path(directory) / lock_name
    try:
        lock = filelock.FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS)
        lock.acquire()
    except filelock.Timeout as exc:
        raise error(Problem(str(path) if name is None else name, None, "", (
            f"not saved: another save of this price directory held its lock for over {LOCK_TIMEOUT_SECONDS:g} s; "
            "try again"))) from exc
    try:
        yield
    finally:
        lock.release()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def digest(text: str) -> str:
    """A text's SHA-256, in hex: the version token of a price table, and how a saved budget refers to one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_label(text: str, max_chars: int) -> str:
    """``text`` on one line: control characters (a newline, an escape) become a space, the ends are
    trimmed, and it is cut to ``max_chars``.

    >>> clean_label("  Ada\\nLovelace\\x1b[31m ", 200)
    'Ada Lovelace [31m'
    >>> clean_label("x" * 10, 4)
    'xxxx'
    """
    return _CONTROL.sub(" ", text).strip()[:max_chars]
