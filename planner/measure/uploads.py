"""Measuring uploads safely: each upload is measured in a worker process of its own, with a memory
cap and a time limit, so a hostile file (one that overruns a parser within every limit of
``planner.measure.corpus``, or takes forever) ends only its worker, with our error, and the app
that sent it carries on; and a cap on the bytes of uploads one session may hold.

The worker is a fresh Python started with ``python -c`` (never a fork: the Streamlit server is
multithreaded, and a fork would copy its memory and its locks). It caps its own address space
(``RLIMIT_AS``) and CPU time before it reads a byte, then reads the job from its standard input
(a line of JSON, then the upload's bytes, which the caller writes as the worker reads them, so a
200 MB training file is never held twice) and answers on its standard output in frames: a tag byte,
an 8-byte length, the body. Progress frames carry the bytes (or documents) measured so far; the last
frame is the report (a pickle, which the caller unpickles admitting only the report's own classes),
or our error. The caller kills the worker when the time is up, and always waits for it.

The command line (``python -m planner data`` and ``corpus``) measures in its own process: the files
there are the user's own, and a runaway ends only that command.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import pickle
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO

from planner.measure.corpus import (
    MAX_CORPUS_BYTES,
    CorpusReport,
    NotCorpus,
    Skipped,
    measure_corpus,
    zip_members,
)
from planner.measure.tokens import DEFAULT_ENCODING
from planner.measure.training_file import (
    MAX_TRAINING_FILE_BYTES,
    NotTrainingFile,
    TrainingFileReport,
    measure_training_file,
)

# A worker's address space (RLIMIT_AS). On the project machine a worker with the tokeniser and both
# document readers loaded maps 140 MB; measuring a 200 MB training file peaks at 150 MB, a 196 MB zip
# of text at 320 MB, a 25 MB PDF of 3,000 pages at 280 MB. The largest upload that passes every limit,
# a 200 MB zip holding a 50 MB PDF, would need some 700 MB: 1 GB leaves room, and stops a runaway
# before it troubles the server.
MEMORY_LIMIT_BYTES = 1_000_000_000
# Wall time a worker may take. On the project machine under load, a 200 MB training file took 54 s and
# a 25 MB PDF of 3,000 pages 28 s, so a 200 MB zip of such PDFs, the largest corpus upload, needs
# about 4 minutes; past 5, the worker is stopped.
TIME_LIMIT_SECONDS = 300
# Workers measuring at once in one server process, whatever the number of sessions: each may take up
# to MEMORY_LIMIT_BYTES, so many sessions uploading together cannot take the server's memory (two of
# 1 GB on the project machine's 24 GiB; two cores). A further upload waits for a place, up to
# TIME_LIMIT_SECONDS, then is refused with our error.
MAX_WORKERS_AT_ONCE = 2
_PLACES = threading.BoundedSemaphore(MAX_WORKERS_AT_ONCE)
# The uploads one session may hold at once: one training file and one corpus, each at its limit.
MAX_SESSION_UPLOAD_BYTES = MAX_TRAINING_FILE_BYTES + MAX_CORPUS_BYTES
MAX_REPORT_BYTES = MAX_TRAINING_FILE_BYTES  # a report is smaller than the file it describes
MAX_JOB_LINE_BYTES = 1_000_000  # the job's line of JSON (names, sizes, options)
PIPE_BYTES = 65_536  # written to, or read from, a worker's pipe at a time (a Linux pipe's capacity)
ERROR_OUTPUT_KEPT_BYTES = 4_096  # the end of a worker's error output, kept for the log of a failure
_FRAME_HEAD_BYTES = 9  # a frame's tag byte and 8-byte length
# What a report may be rebuilt from: the report classes and the containers in them, nothing else.
_REPORT_CLASSES = {
    ("planner.measure.corpus", "CorpusReport"), ("planner.measure.corpus", "Document"),
    ("planner.measure.training_file", "TrainingFileReport"), ("planner.measure.training_file", "Problem"),
    ("planner.measure.training_file", "EpochRules"), ("collections", "Counter"),
}
_ERRORS: dict[str, type[ValueError]] = {"NotTrainingFile": NotTrainingFile, "NotCorpus": NotCorpus,
                                        "ValueError": ValueError}
_OUT_OF_MEMORY_SIGNS = (b"MemoryError", b"memory allocation of", b"Cannot allocate memory", b"std::bad_alloc")
# The worker's program. It imports planner.measure without the planner package's __init__, which loads
# the cost model (numpy, pydantic: 0.6 s and 40 MB that measuring never uses); planner.measure needs
# nothing of the package's other layers (the import contracts in pyproject.toml keep it so).
# Workers need POSIX: resource limits (RLIMIT_AS, RLIMIT_CPU) and pipes that select() can watch. On
# Windows an upload is measured in the caller's process, as before there were workers (README, Known gaps).
ISOLATED = os.name == "posix"
_WORKER = ("import importlib.util, sys, types; package = types.ModuleType('planner'); "
           "package.__path__ = list(importlib.util.find_spec('planner').submodule_search_locations); "
           "sys.modules['planner'] = package; from planner.measure.uploads import _work; _work()")


class MeasureFailed(ValueError):
    """Measuring an upload was stopped (its worker needed too much memory or time, or died); the
    message says which. ``worker_output`` keeps the end of the worker's error output, for a log."""

    def __init__(self, message: str, worker_output: str = "") -> None:
        super().__init__(message)
        self.worker_output = worker_output


class UploadsTooLarge(ValueError):
    """The uploads a session holds come to more than ``MAX_SESSION_UPLOAD_BYTES``."""


def check_session_uploads(sizes: Iterable[int]) -> None:
    """Raise ``UploadsTooLarge`` when uploads of these ``sizes`` (bytes) come to more than one session
    may hold, ``MAX_SESSION_UPLOAD_BYTES`` (a training file and a corpus, each at its limit: 400 MB).

    >>> check_session_uploads([150_000_000, 200_000_000])  # a training file and a corpus: 350 MB
    >>> try:
    ...     check_session_uploads([200_000_000, 150_000_000, 60_000_000])  # 410 MB
    ... except UploadsTooLarge as exc:
    ...     print(exc)
    uploads of 410,000,000 bytes; a session holds at most 400,000,000: remove a file first
    """
    total = sum(sizes)
    if total > MAX_SESSION_UPLOAD_BYTES:
        raise UploadsTooLarge(f"uploads of {total:,} bytes; a session holds at most {MAX_SESSION_UPLOAD_BYTES:,}: "
                              "remove a file first")


def measure_training_upload(data: bytes, name: str, encoding_name: str = DEFAULT_ENCODING,
                            progress: Callable[[int], None] | None = None, *,
                            memory_bytes: int = MEMORY_LIMIT_BYTES,
                            seconds: float = TIME_LIMIT_SECONDS) -> TrainingFileReport:
    """``measure_training_file`` on an uploaded training file's bytes, in a worker process.

    ``progress`` is told the bytes measured so far, as ``measure_training_file`` tells it. Raises
    ``NotTrainingFile`` as that function does, and ``MeasureFailed`` when the worker is stopped.
    """
    return run_in_worker(f"{__name__}:_training_job", {"name": name, "size": len(data), "encoding": encoding_name},
                         [data], name, progress, memory_bytes=memory_bytes, seconds=seconds)


def measure_corpus_uploads(uploads: Sequence[tuple[str, bytes]], name: str, chunk_tokens: int = 500,
                           overlap_tokens: int = 0, encoding_name: str = DEFAULT_ENCODING,
                           progress: Callable[[int], None] | None = None, *,
                           memory_bytes: int = MEMORY_LIMIT_BYTES,
                           seconds: float = TIME_LIMIT_SECONDS) -> CorpusReport:
    """``measure_corpus`` on uploaded documents ((name, bytes) pairs; a ``.zip`` is opened with
    ``zip_members``), in a worker process.

    ``progress`` is told the documents measured so far. Raises ``NotCorpus`` when the uploads come to
    more than ``MAX_CORPUS_BYTES`` (before a worker starts) or break an archive's limits,
    ``ValueError`` for an overlap the chunks leave no room for, and ``MeasureFailed`` when the worker
    is stopped.
    """
    total = sum(len(content) for _, content in uploads)
    if total > MAX_CORPUS_BYTES:
        raise NotCorpus(f"{name}: {total:,} bytes uploaded; at most {MAX_CORPUS_BYTES:,} are measured")
    options = {"name": name, "uploads": [[upload, len(content)] for upload, content in uploads],
               "chunk_tokens": chunk_tokens, "overlap_tokens": overlap_tokens, "encoding": encoding_name}
    return run_in_worker(f"{__name__}:_corpus_job", options, [content for _, content in uploads], name, progress,
                         memory_bytes=memory_bytes, seconds=seconds)


def run_in_worker(job: str, options: dict[str, Any], payload: Sequence[bytes], name: str,
                  progress: Callable[[int], None] | None = None, *, memory_bytes: int = MEMORY_LIMIT_BYTES,
                  seconds: float = TIME_LIMIT_SECONDS) -> Any:
    """Run ``job`` ("module:function") in a worker process capped at ``memory_bytes`` of address space
    and ``seconds`` of wall time, and return what it returns (a report). The function is called as
    ``function(options, source, progress)``: ``options`` as given (plain JSON data), ``source`` the
    ``payload`` pieces one after another as a binary stream, ``progress`` a callable it may tell a count.
    ``name`` names the upload in messages. Raises ``MeasureFailed`` when the worker is stopped or dies,
    and our errors (``NotTrainingFile``, ``NotCorpus``, ``ValueError``) as the job raised them.
    """
    if not ISOLATED:
        return _run_here(job, options, payload, progress)
    if not _PLACES.acquire(timeout=seconds):
        raise MeasureFailed(f"measuring {name} was not started: the server is measuring other uploads; "
                            "try again in a few minutes")
    try:
        return _run_worker(job, options, payload, name, progress, memory_bytes, seconds)
    finally:
        _PLACES.release()


def _run_worker(job: str, options: dict[str, Any], payload: Sequence[bytes], name: str,
                progress: Callable[[int], None] | None, memory_bytes: int, seconds: float) -> Any:
    """``run_in_worker`` once a place is free: start the worker, feed it, read its answer, end it."""
    head = json.dumps({"job": job, "options": options}).encode() + b"\n"
    if len(head) > MAX_JOB_LINE_BYTES:
        raise MeasureFailed(f"measuring {name} was not started: its names and options take {len(head):,} bytes; "
                            f"at most {MAX_JOB_LINE_BYTES:,} (fewer files, or shorter names)")
    pieces = deque(memoryview(piece) for piece in (head, *payload) if len(piece))
    command = [sys.executable, "-c", _WORKER, str(memory_bytes), str(math.ceil(seconds))]
    inbox = _Inbox(name, progress)
    deadline = time.monotonic() + seconds
    try:
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  bufsize=0, env=_worker_environment())
    except OSError as exc:  # no process to be had (the system's limit on processes, or on memory)
        raise MeasureFailed(f"measuring {name} was not started: no worker process ({exc.strerror or exc})") from None
    with worker:
        try:
            _exchange(worker, pieces, inbox, deadline)
            if not (inbox.timed_out or inbox.garbled):
                worker.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            inbox.timed_out = True
        finally:  # whatever happened, even a progress callback raising: the worker ends here
            if worker.returncode is None:
                worker.kill()
                worker.wait()
    return inbox.outcome(worker.returncode, memory_bytes, seconds)


def _run_here(job: str, options: dict[str, Any], payload: Sequence[bytes],
              progress: Callable[[int], None] | None) -> Any:
    """Run ``job`` in this process, without a worker's caps (where workers cannot run)."""
    module, function = job.split(":")
    source = io.BytesIO(payload[0] if len(payload) == 1 else b"".join(payload))  # one piece is not copied
    return getattr(importlib.import_module(module), function)(options, source, progress or (lambda done: None))


def _worker_environment() -> dict[str, str]:
    """The caller's environment, with its import path, so the worker imports the modules the caller does."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}


def _exchange(worker: subprocess.Popen[bytes], pieces: deque[memoryview], inbox: _Inbox, deadline: float) -> None:
    """Write ``pieces`` to the worker as it reads them while reading its frames and error output, until
    it closes both, or the ``deadline`` (``time.monotonic()``) passes."""
    assert worker.stdin is not None and worker.stdout is not None and worker.stderr is not None
    os.set_blocking(worker.stdin.fileno(), False)
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdin, selectors.EVENT_WRITE)
        selector.register(worker.stdout, selectors.EVENT_READ)
        selector.register(worker.stderr, selectors.EVENT_READ)
        while len(selector.get_map()):
            left = deadline - time.monotonic()
            if left <= 0:
                inbox.timed_out = True
                return
            for key, _ in selector.select(left):
                if key.fileobj is worker.stdin:
                    try:
                        sent = os.write(key.fd, pieces[0][:PIPE_BYTES])
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:  # the worker stopped reading: it has its answer already
                        pieces.clear()
                    else:
                        pieces[0] = pieces[0][sent:]
                        if not len(pieces[0]):
                            pieces.popleft()
                    if not pieces:
                        selector.unregister(worker.stdin)
                        worker.stdin.close()
                    continue
                data = os.read(key.fd, PIPE_BYTES)
                if not data:
                    selector.unregister(key.fileobj)
                elif key.fileobj is worker.stdout:
                    inbox.receive(data)
                    if inbox.garbled:
                        return
                else:
                    inbox.note(data)


class _Inbox:
    """The worker's frames as they arrive: progress passed on, then the report or the error."""

    def __init__(self, name: str, progress: Callable[[int], None] | None) -> None:
        self.name = name
        self.progress = progress
        self.buffer = bytearray()
        self.report: bytes | None = None
        self.error: dict[str, str] | None = None
        self.out_of_memory = False
        self.timed_out = False
        self.garbled = ""
        self.error_output = b""

    def receive(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= _FRAME_HEAD_BYTES and not self.garbled:
            tag, size = bytes(self.buffer[:1]), int.from_bytes(self.buffer[1:_FRAME_HEAD_BYTES], "big")
            if size > MAX_REPORT_BYTES:
                self.garbled = f"its report was larger than {MAX_REPORT_BYTES:,} bytes"
                return
            if len(self.buffer) < _FRAME_HEAD_BYTES + size:
                return
            body = bytes(self.buffer[_FRAME_HEAD_BYTES:_FRAME_HEAD_BYTES + size])
            del self.buffer[:_FRAME_HEAD_BYTES + size]
            if tag == b"P" and body.isdigit() and self.progress is not None:
                self.progress(int(body))
            elif tag == b"R":
                self.report = body
            elif tag == b"E":
                try:
                    self.error = {key: str(value) for key, value in json.loads(body).items()}
                except (ValueError, AttributeError):
                    self.garbled = "its error could not be read"
            elif tag == b"M":
                self.out_of_memory = True
            elif tag != b"P":
                self.garbled = f"it answered with an unknown message ({tag!r})"

    def note(self, data: bytes) -> None:
        self.error_output = (self.error_output + data)[-ERROR_OUTPUT_KEPT_BYTES:]

    def outcome(self, returncode: int, memory_bytes: int, seconds: float) -> Any:
        """The report, or the error the worker's end calls for."""
        output = self.error_output.decode("utf-8", "replace")
        stopped = f"measuring {self.name} stopped"
        if self.timed_out or returncode == -signal.SIGXCPU:  # (workers run on POSIX only)
            raise MeasureFailed(f"{stopped}: it took longer than {seconds:,g} s", output)
        if self.garbled:
            raise MeasureFailed(f"{stopped}: {self.garbled}", output)
        if self.out_of_memory or (returncode != 0 and any(s in self.error_output for s in _OUT_OF_MEMORY_SIGNS)):
            raise MeasureFailed(f"{stopped}: it needed more than {memory_bytes / 1e6:,.0f} MB of memory", output)
        if self.error is not None:
            kind = _ERRORS.get(self.error.get("type", ""))
            if kind is None:
                raise MeasureFailed(f"{stopped}: {self.error.get('message', '')}", output)
            raise kind(self.error.get("message", ""))
        if self.report is not None and returncode == 0:
            try:
                return _ReportUnpickler(io.BytesIO(self.report)).load()
            except pickle.UnpicklingError as exc:
                raise MeasureFailed(f"{stopped}: its report could not be read ({exc})", output) from None
            except Exception as exc:  # a truncated or damaged pickle raises many kinds of error
                raise MeasureFailed(f"{stopped}: its report could not be read ({type(exc).__name__})", output) from None
        how = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
        raise MeasureFailed(f"{stopped} unexpectedly ({how})", output)


class _ReportUnpickler(pickle.Unpickler):
    """Rebuilds a report and nothing else: a worker that a hostile file had taken over could otherwise
    make its answer run code in the caller."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _REPORT_CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a report")
        return super().find_class(module, name)


# The worker's side.

def _work() -> None:
    """The worker process (``python -c``): cap itself, read the job, run it, answer in frames."""
    import resource  # POSIX only, as workers are

    memory_bytes, seconds = int(sys.argv[1]), int(sys.argv[2])
    _cap(resource.RLIMIT_AS, memory_bytes)
    # CPU time is never more than wall time here; the cap ends a worker whose caller died without killing it.
    _cap(resource.RLIMIT_CPU, seconds)
    _cap(resource.RLIMIT_CORE, 0)  # a worker that crashes writes no core file: nothing is written anywhere
    answer = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by a library may break the frames
    source = sys.stdin.buffer
    try:
        job = json.loads(source.readline(MAX_JOB_LINE_BYTES))
        options = job["options"]
        module, function = job["job"].split(":")
        result = getattr(importlib.import_module(module), function)(
            options, source, lambda done: _send(answer, b"P", str(done).encode()))
        report = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        _send(answer, b"M", b"")
        return
    except (NotTrainingFile, NotCorpus, ValueError) as exc:
        kind = type(exc).__name__ if type(exc).__name__ in _ERRORS else "ValueError"
        _send(answer, b"E", json.dumps({"type": kind, "message": str(exc)}).encode())
        return
    except Exception as exc:  # a bug, not the file: said in words; the traceback goes to the log
        traceback.print_exc()
        _send(answer, b"E", json.dumps({"type": "MeasureFailed",
                                         "message": f"it failed unexpectedly ({type(exc).__name__})"}).encode())
        return
    _send(answer, b"R", report)


def _cap(kind: int, value: int) -> None:
    """Lower the resource limit ``kind`` to ``value`` (no higher than the system already allows)."""
    import resource

    _, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value if kind != resource.RLIMIT_CPU else hard))


def _send(answer: BinaryIO, tag: bytes, body: bytes) -> None:
    answer.write(tag + len(body).to_bytes(_FRAME_HEAD_BYTES - 1, "big") + body)
    answer.flush()


def _training_job(options: dict[str, Any], source: BinaryIO, progress: Callable[[int], None]) -> TrainingFileReport:
    """Measure the training file that follows on ``source`` as it arrives (it is never held whole)."""
    return measure_training_file(source, options["name"], options["size"], options["encoding"], progress)


def _corpus_job(options: dict[str, Any], source: BinaryIO, progress: Callable[[int], None]) -> CorpusReport:
    """Measure the uploads that follow on ``source``, each read whole (a zip needs all its bytes) when
    its turn comes, so no more than one upload is held at a time."""

    def files() -> Iterator[tuple[str, bytes | Skipped]]:
        for upload, size in options["uploads"]:
            content = source.read(size)
            if upload.lower().endswith(".zip"):
                yield from zip_members(content, upload)
            else:
                yield upload, content
            del content

    return measure_corpus(files(), options["name"], options["chunk_tokens"], options["overlap_tokens"],
                          options["encoding"], progress)
