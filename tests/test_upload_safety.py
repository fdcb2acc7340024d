"""Uploads measured safely: every archive bounded (the upload's zip, the zip a Word document is, a
PDF's streams), nested archives refused, each upload measured in a worker process with a memory cap
and a time limit, and a cap on a session's uploads. Every hostile file is made here, in the test.

The acceptance bounds (the only timings asserted): a hostile file is refused in under 5 s, by a
worker that stays under 500 MB resident, and the caller does not grow by hundreds of MB.

This module is also imported by the workers of the runaway tests (``_allocate_forever`` and the
other jobs below), so it imports nothing from the tests' conftest.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from planner.measure.corpus import (
    MAX_DOCX_XML_BYTES,
    MAX_PDF_STREAM_BYTES,
    NotCorpus,
    UnreadableFile,
    extract_text,
    measure_corpus,
    zip_members,
)
from planner.measure.training_file import NotTrainingFile, measure_training_file
from planner.measure.uploads import (
    MAX_SESSION_UPLOAD_BYTES,
    MeasureFailed,
    UploadsTooLarge,
    check_session_uploads,
    measure_corpus_uploads,
    measure_training_upload,
    run_in_worker,
)

REPO = Path(__file__).resolve().parent.parent
GREAT = b"tiktoken is great!"  # 6 tokens in o200k_base (see test_corpus)
REFUSED_WITHIN_S = 5.0  # acceptance bound: a hostile file is refused this fast
WORKER_PEAK_MB = 500  # acceptance bound: the worker that refuses it stays this small
CALLER_GROWTH_MB = 100  # the caller holds the upload (under 1 MB) and the report, nothing inflated
BOMB_XML_BYTES = 300_000_000  # what the Word bomb's document.xml inflates to
BOMB_STREAM_BYTES = 300_000_000  # what the PDF bomb's page stream inflates to
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PARAGRAPH = f'<w:p><w:r><w:t>{GREAT.decode()}</w:t></w:r></w:p>'.encode() * 1_000  # 48 KB of XML


# Files made here.

def _word_zip(document_xml_bytes: int, *, zip64: bool = True) -> tuple[bytes, int]:
    """A Word document's zip (content types, relationships, document.xml) whose document.xml is
    ``document_xml_bytes`` or a little more of repeated paragraphs, written in pieces so that neither
    this test nor anything else holds it inflated; and the exact size of document.xml."""
    buffer = io.BytesIO()
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{WORD_NS}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>'))
        written = len(head) + len(tail)
        with archive.open("word/document.xml", "w", force_zip64=zip64) as part:
            part.write(head)
            while written < document_xml_bytes:
                part.write(PARAGRAPH)
                written += len(PARAGRAPH)
            part.write(tail)
    return buffer.getvalue(), written


def pdf_with_stream(stream: bytes, filters: bytes = b"") -> bytes:
    """test_corpus's hand-written one-page PDF, imported when used: workers import this module for its
    jobs, and test_corpus needs the test directory's conftest, which a worker does not have."""
    from test_corpus import pdf_with_stream as write

    return write(stream, filters)


def _flate_pdf(inflated_bytes: int) -> bytes:
    """A PDF whose one FlateDecode content stream inflates to at least ``inflated_bytes``, packed a
    megabyte at a time."""
    block = b"BT /F1 12 Tf 72 720 Td (bomb) Tj ET\n" * 28_000  # about 1 MB
    packer = zlib.compressobj(9)
    packed = [packer.compress(block) for _ in range(-(-inflated_bytes // len(block)))]
    return pdf_with_stream(b"".join(packed) + packer.flush(), b"/Filter /FlateDecode ")


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def word_bomb() -> tuple[bytes, int]:
    return _word_zip(BOMB_XML_BYTES)


@pytest.fixture(scope="module")
def pdf_bomb() -> bytes:
    return _flate_pdf(BOMB_STREAM_BYTES)


# The worker's side of the runaway tests: jobs a worker runs as ``test_upload_safety:<name>``.

def _allocate_forever(options: dict[str, Any], source: Any, progress: Any) -> None:
    hoard = []
    while True:
        hoard.append(bytearray(10_000_000))


def _sleep_forever(options: dict[str, Any], source: Any, progress: Any) -> None:
    time.sleep(3_600)


def _crash(options: dict[str, Any], source: Any, progress: Any) -> None:
    os._exit(3)


def _fail(options: dict[str, Any], source: Any, progress: Any) -> None:
    raise KeyError("a bug")


def _return_a_path(options: dict[str, Any], source: Any, progress: Any) -> Any:
    return Path("/etc/passwd")  # not a report: the caller must not rebuild it


def _echo(options: dict[str, Any], source: Any, progress: Any) -> dict[str, Any]:
    data = source.read()
    progress(len(data))
    return {"options": options, "bytes": len(data)}


def _no_worker(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("no worker should have been started")


def _children() -> set[str]:
    """The processes this test process has started and not yet reaped."""
    return set(Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split())


# (a, b) The bombs: refused quickly, in a small worker, the caller untouched.

_HARNESS = """
import json, resource, sys, time
from planner.measure.uploads import measure_corpus_uploads

def resident_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 1e6

data = open(sys.argv[1], "rb").read()
before = resident_mb()
start = time.perf_counter()
report = measure_corpus_uploads([(sys.argv[2], data), ("ok.txt", b"tiktoken is great!")], "upload")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "unreadable": report.unreadable, "documents": [d.name for d in report.documents],
                  "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6,
                  "caller_growth_mb": resident_mb() - before}))
"""


def _measure_in_a_fresh_process(tmp_path: Path, name: str, data: bytes) -> dict[str, Any]:
    """Measure the upload ``name`` (and a small text file) as the app would, in a fresh Python whose
    only child is the worker, so the worker's peak memory is that process's children's peak."""
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _HARNESS, str(path), name], capture_output=True, timeout=120,
                          check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    return json.loads(done.stdout)


def test_a_word_document_inflating_to_300_mb_is_refused_quickly_by_a_small_worker(tmp_path, word_bomb):
    data, xml_bytes = word_bomb
    assert len(data) < 1_000_000 < BOMB_XML_BYTES <= xml_bytes  # packed under 1 MB, inflating past 300 MB
    measured = _measure_in_a_fresh_process(tmp_path, "bomb.docx", data)
    assert measured["unreadable"] == [
        ["bomb.docx", f"word/document.xml inflates to {xml_bytes:,} bytes; at most 10,000,000 an XML part are read"]]
    assert measured["documents"] == ["ok.txt"]  # the rest of the upload is still measured
    assert measured["seconds"] < REFUSED_WITHIN_S
    assert measured["worker_peak_mb"] < WORKER_PEAK_MB
    assert measured["caller_growth_mb"] < CALLER_GROWTH_MB


def test_a_pdf_stream_inflating_to_300_mb_is_refused_quickly_by_a_small_worker(tmp_path, pdf_bomb):
    assert len(pdf_bomb) < 1_000_000
    measured = _measure_in_a_fresh_process(tmp_path, "bomb.pdf", pdf_bomb)
    [[name, why]] = measured["unreadable"]
    assert name == "bomb.pdf"
    assert why.startswith("past the limits for a PDF: a stream inflates to at most 10,000,000 bytes (pypdf: ")
    assert measured["documents"] == ["ok.txt"]
    assert measured["seconds"] < REFUSED_WITHIN_S
    assert measured["worker_peak_mb"] < WORKER_PEAK_MB
    assert measured["caller_growth_mb"] < CALLER_GROWTH_MB


def test_the_pdf_limit_is_ours_and_holds_for_the_call_only():
    import pypdf

    default = pypdf.get_configuration().zlib_maximum_output_length
    # 12 MB inflated: past our 10 MB a stream, within pypdf's own default of 75 MB
    assert MAX_PDF_STREAM_BYTES == 10_000_000 < 12_000_000 < default
    with pytest.raises(UnreadableFile, match="past the limits for a PDF"):
        extract_text("twelve.pdf", _flate_pdf(12_000_000))
    assert pypdf.get_configuration().zlib_maximum_output_length == default  # nothing set for anyone else
    # a page's worth of text in a FlateDecode stream still reads
    page = b"BT /F1 12 Tf 72 720 Td (" + GREAT + b") Tj ET"
    packed = pdf_with_stream(zlib.compress(page), b"/Filter /FlateDecode ")
    assert extract_text("page.pdf", packed).strip() == GREAT.decode()


def test_a_word_document_is_checked_part_by_part_before_python_docx_reads_it():
    # 2 MB of document.xml from about 6 KB packed: 300x, past the 200x allowed
    data, xml_bytes = _word_zip(2_000_000)
    packed = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").compress_size
    assert xml_bytes > 200 * packed
    with pytest.raises(UnreadableFile, match=f"word/document.xml inflates more than 200x \\({xml_bytes:,} bytes"):
        extract_text("dense.docx", data)
    # more parts than a Word document has
    many = _zip({f"word/media/{n}.png": b"" for n in range(1_001)})
    with pytest.raises(UnreadableFile, match="more than 1,000 parts; at most 1,000 are read from a Word document"):
        extract_text("many.docx", many)
    assert MAX_DOCX_XML_BYTES == 10_000_000


def _declare_size(data: bytes, member: bytes, size: int) -> bytes:
    """``data`` with the zip's headers (local and central) claiming ``member`` inflates to ``size`` bytes."""
    patched = bytearray(data)
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := patched.find(signature, start)) >= 0:
            if patched[start + name_at:start + name_at + len(member)] == member:
                patched[start + size_at:start + size_at + 4] = size.to_bytes(4, "little")
            start += 1
    return bytes(patched)


def test_a_part_whose_header_understates_it_is_read_no_further_than_declared():
    # document.xml inflates to 20 MB but its headers say 1,000 bytes: zipfile stops at 1,000 and the
    # checksum fails, so the document is refused as damaged, quickly, never inflated
    data, _ = _word_zip(20_000_000, zip64=False)
    lying = _declare_size(data, b"word/document.xml", 1_000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 1_000
    start = time.perf_counter()
    with pytest.raises(UnreadableFile, match="not a readable Word document \\(BadZipFile: Bad CRC-32"):
        extract_text("lying.docx", lying)
    assert time.perf_counter() - start < REFUSED_WITHIN_S


# (c) Archives inside the upload's archive.

def test_archives_inside_an_uploaded_zip_are_refused_and_the_rest_is_measured():
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as bundle:
        info = tarfile.TarInfo("inside.txt")
        info.size = len(GREAT)
        bundle.addfile(info, io.BytesIO(GREAT))
    upload = _zip({
        "docs/inner.zip": _zip({"a.txt": GREAT}),  # a zip by its name
        "docs/old.tar.gz": b"\x1f\x8b\x08 whatever",  # by its name
        "docs/sneaky.txt": _zip({"a.txt": GREAT}),  # a zip by its first bytes, whatever its name says
        "docs/bundle.md": tar.getvalue(),  # a tar by its signature at byte 257
        "docs/a.txt": GREAT,
        "docs/b.docx": _docx(GREAT.decode()),  # a zip, but a Word document: read as one
    })
    report = measure_corpus_uploads([("docs.zip", upload)], "docs.zip")
    assert sorted(d.name for d in report.documents) == ["docs/a.txt", "docs/b.docx"]
    assert dict(report.unreadable) == {
        "docs/inner.zip": "a nested archive (.zip): archives inside an archive are not read",
        "docs/old.tar.gz": "a nested archive (.gz): archives inside an archive are not read",
        "docs/sneaky.txt": "a nested archive (zip): archives inside an archive are not read",
        "docs/bundle.md": "a nested archive (tar): archives inside an archive are not read",
    }
    assert report.tokens == 12  # "tiktoken is great!" twice, 6 tokens each


def test_an_uploaded_zip_is_bounded_before_it_is_parsed():
    # 10,001 members: refused from the central directory's records, before zipfile builds them
    many = _zip({f"{n}.txt": b"" for n in range(10_001)}, zipfile.ZIP_STORED)
    with pytest.raises(NotCorpus, match=r"many\.zip: more than 10,000 files; at most 10,000 are read from an archive"):
        list(zip_members(many, "many.zip"))
    # a member packed with bzip2 is not inflated (Python's bzip2 reader inflates a packed piece whole)
    report = measure_corpus(zip_members(_zip({"a.txt": GREAT}, zipfile.ZIP_BZIP2), "b.zip"), "b.zip")
    assert report.unreadable == [("a.txt", "compressed with zip method 12 (read: stored, deflated): not read")]


# (d) The worker's caps stop a runaway, and the caller carries on.

def test_the_memory_cap_stops_a_runaway_and_the_caller_carries_on():
    before = _children()
    with pytest.raises(MeasureFailed, match=r"^measuring hog stopped: it needed more than 300 MB of memory$"):
        run_in_worker("test_upload_safety:_allocate_forever", {}, [], "hog", memory_bytes=300_000_000)
    assert _children() <= before  # the worker is gone
    assert measure_corpus_uploads([("a.txt", GREAT)], "after").tokens == 6


def test_the_time_limit_stops_a_runaway_and_the_caller_carries_on():
    before = _children()
    start = time.perf_counter()
    with pytest.raises(MeasureFailed, match=r"^measuring sleeper stopped: it took longer than 2 s$"):
        run_in_worker("test_upload_safety:_sleep_forever", {}, [], "sleeper", seconds=2)
    assert time.perf_counter() - start < REFUSED_WITHIN_S
    assert _children() <= before
    assert measure_corpus_uploads([("a.txt", GREAT)], "after").tokens == 6


@pytest.mark.parametrize(("job", "message"), [
    ("_crash", "measuring x stopped unexpectedly (exit status 3)"),
    ("_fail", "measuring x stopped: it failed unexpectedly (KeyError)"),
    ("_return_a_path", "measuring x stopped: its report could not be read (pathlib.PosixPath is not part of a report)"),
])
def test_a_worker_that_dies_fails_or_answers_oddly_is_our_error(job, message):
    with pytest.raises(MeasureFailed) as caught:
        run_in_worker(f"test_upload_safety:{job}", {}, [], "x")
    assert str(caught.value) == message


def test_a_worker_reads_its_payload_as_a_stream_and_reports_progress():
    told: list[int] = []
    pieces = [b"a" * 100_000, b"", b"b" * 50_000]
    answer = run_in_worker("test_upload_safety:_echo", {"k": [1, "x"]}, pieces, "echo", told.append)
    assert answer == {"options": {"k": [1, "x"]}, "bytes": 150_000}
    assert told == [150_000]


# (e) Normal uploads measure as before.

def test_documents_measure_in_a_worker_as_they_do_in_process():
    page = pdf_with_stream(b"BT /F1 12 Tf 72 720 Td (" + GREAT + b") Tj ET")
    uploads = [("a.docx", _docx(GREAT.decode())), ("a.pdf", page),
               ("docs.zip", _zip({"b.txt": GREAT, "c.md": b"# " + GREAT}))]
    report = measure_corpus_uploads(uploads, "three uploads", 500, 100)
    expected = measure_corpus([uploads[0], uploads[1], *zip_members(uploads[2][1], "docs.zip")], "three uploads",
                              500, 100)
    assert report == expected
    assert [d.name for d in report.documents] == ["a.docx", "a.pdf", "b.txt", "c.md"] and not report.unreadable


def test_a_training_file_measures_in_a_worker_as_it_does_in_process_with_progress():
    line = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
    data = line * 12_000
    told: list[int] = []
    report = measure_training_upload(data, "chat.jsonl", progress=told.append)
    told_in_process: list[int] = []
    assert report == measure_training_file(io.BytesIO(data), "chat.jsonl", len(data), progress=told_in_process.append)
    assert report.examples == 12_000
    assert told == told_in_process and told[-1] == len(data)  # told the same, across the process boundary


def test_where_workers_cannot_run_uploads_measure_in_process_alike(monkeypatch):
    from planner.measure import uploads

    line = b'{"prompt": "hi", "completion": "hello"}\n'
    documents = [("a.txt", GREAT), ("docs.zip", _zip({"b.md": b"# " + GREAT}))]
    isolated = (measure_training_upload(line * 20, "t.jsonl"), measure_corpus_uploads(documents, "docs"))
    monkeypatch.setattr(uploads, "ISOLATED", False)  # as on Windows
    monkeypatch.setattr(subprocess, "Popen", _no_worker)
    assert (measure_training_upload(line * 20, "t.jsonl"), measure_corpus_uploads(documents, "docs")) == isolated


def test_our_errors_come_back_from_the_worker_as_our_errors():
    with pytest.raises(NotTrainingFile, match=r"bin\.jsonl: binary data on line 1"):
        measure_training_upload(b"\x00\x01\x02\n", "bin.jsonl")
    with pytest.raises(NotCorpus, match=r"bad\.zip: not a zip archive"):
        measure_corpus_uploads([("bad.zip", b"not a zip")], "bad.zip")
    with pytest.raises(ValueError, match="need an overlap from 0 to 99"):
        measure_corpus_uploads([("a.txt", GREAT)], "a", 100, 100)


# (f) The session's cap.

def test_a_session_holds_a_training_file_and_a_corpus_at_their_limits_and_no_more():
    assert MAX_SESSION_UPLOAD_BYTES == 400_000_000  # 200 MB of training file + 200 MB of documents
    check_session_uploads([200_000_000, 150_000_000, 50_000_000])  # exactly 400 MB
    check_session_uploads([])
    with pytest.raises(UploadsTooLarge, match=r"^uploads of 400,000,001 bytes; a session holds at most 400,000,000: "):
        check_session_uploads([200_000_000, 200_000_001])


def test_corpus_uploads_past_the_limit_are_refused_before_a_worker_starts(monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", _no_worker)
    with pytest.raises(NotCorpus, match="big: 200,000,001 bytes uploaded; at most 200,000,000 are measured"):
        measure_corpus_uploads([("a.txt", bytes(100_000_000)), ("b.txt", bytes(100_000_001))], "big")


def test_uploads_wait_for_a_place_among_the_workers_and_are_refused_when_none_frees():
    from planner.measure import uploads

    taken = [uploads._PLACES.acquire(timeout=5) for _ in range(uploads.MAX_WORKERS_AT_ONCE)]
    try:
        assert all(taken)
        with pytest.raises(uploads.MeasureFailed, match=r"measuring notes\.jsonl was not started: the server is "
                                                         r"measuring other uploads"):
            uploads.measure_training_upload(b'{"prompt": "a", "completion": "b"}\n', "notes.jsonl", seconds=0.2)
    finally:
        for _ in taken:
            uploads._PLACES.release()
    report = uploads.measure_training_upload(b'{"prompt": "a", "completion": "b"}\n', "notes.jsonl")
    assert report.examples == 1  # a place is free again
