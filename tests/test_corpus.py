"""Measuring a knowledge corpus made in the tests: each file type, unreadable files, a zip bomb and a
path that would leave the archive. "tiktoken is great!" is 6 tokens by bpe-openai (see test_training_file);
" word" is one token in o200k_base."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from conftest import REPO

from planner import load_scenario
from planner.cli import main
from planner.inputs.files import dump_yaml
from planner.measure.corpus import (
    MAX_CORPUS_BYTES,
    NotCorpus,
    apply_to_scenario,
    chunk_count,
    extract_text,
    measure_corpus,
    zip_members,
)

GREAT = "tiktoken is great!"  # 6 tokens in o200k_base (bpe-openai)


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=1)
    table.rows[0].cells[0].text = "cell text"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(text: str) -> bytes:
    """A one-page PDF whose page shows ``text`` (a Helvetica text object)."""
    return pdf_with_stream(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())


def pdf_with_stream(stream: bytes, filters: bytes = b"") -> bytes:
    """A one-page PDF 1.4 whose page's content is ``stream`` (encoded as ``filters`` say), written by hand:
    catalog, page tree, page, content stream, font; then the cross-reference table and trailer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d %s>>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.txt", GREAT.encode(), GREAT),
    ("a.md", f"# {GREAT}".encode(), f"# {GREAT}"),
    ("a.html", f"<html><style>p{{}}</style><script>x()</script><p>{GREAT}</p></html>".encode(), GREAT),
    ("a.csv", b"question,answer\nq,a\n", "question,answer\nq,a\n"),
    ("a.jsonl", b'{"a": 1}\n', '{"a": 1}\n'),
])
def test_text_comes_out_of_each_text_type(name, content, expected):
    assert extract_text(name, content) == expected


def test_text_comes_out_of_pdf_and_word_documents():
    assert extract_text("a.pdf", _pdf(GREAT)).strip() == GREAT
    assert extract_text("a.docx", _docx(GREAT)) == f"{GREAT}\ncell text"


@pytest.mark.parametrize(("name", "content", "why"), [
    ("a.exe", b"MZ", "unsupported file type .exe"),
    ("a.txt", b"\x00\x01\x02", "binary data in a text file"),
    ("a.txt", b"caf\xe9", "not UTF-8 text"),
    ("a.json", b"{not json", "not JSON"),
    ("a.pdf", b"%PDF-1.4 not really", "not a readable PDF"),
    ("a.docx", b"PK not a docx", "not a readable Word document"),
])
def test_a_file_that_cannot_be_read_says_why_and_the_rest_is_measured(name, content, why):
    report = measure_corpus([(name, content), ("ok.txt", GREAT.encode())], "mixed")
    assert [d.name for d in report.documents] == ["ok.txt"]
    assert report.unreadable[0][0] == name and why in report.unreadable[0][1]


def test_chunks_vectors_embedding_tokens_and_storage_by_hand():
    # chunks of 500 tokens overlapping by 100: 1,200 tokens -> 0-500, 400-900, 800-1,200: 3 chunks, 1,400 embedded
    assert chunk_count(1200, 500, 100) == (3, 1400)
    text = " word" * 1200  # 1,200 tokens in o200k_base (" word" is one token)
    report = measure_corpus([("long.txt", text.encode()), ("short.txt", GREAT.encode())], "docs", 500, 100)
    assert report.tokens == 1206 and report.chunks == 4 and report.embedded_tokens == 1406
    # 4 vectors x (1,536 floats x 4 bytes + 2,000 bytes of text and ids)
    assert report.storage_bytes(1536, 2000) == 4 * (1536 * 4 + 2000)


def test_an_overlap_as_large_as_the_chunk_is_refused():
    with pytest.raises(ValueError, match="need an overlap from 0 to 99"):
        measure_corpus([], "x", 100, 100)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_is_read_in_memory_and_unsafe_entries_are_refused():
    data = _zip({"docs/a.txt": GREAT.encode(), "../escape.txt": b"x", "/etc/passwd.txt": b"x",
                 "bomb.txt": b"0" * 20_000_000, "docs/b.docx": _docx(GREAT)})
    report = measure_corpus(zip_members(data, "docs.zip"), "docs.zip")
    assert sorted(d.name for d in report.documents) == ["docs/a.txt", "docs/b.docx"]
    reasons = dict(report.unreadable)
    assert "unsafe path" in reasons["../escape.txt"] and "unsafe path" in reasons["/etc/passwd.txt"]
    assert "inflates more than 200x" in reasons["bomb.txt"]  # 20 MB of zeros packs to about 20 KB


def test_an_archive_declaring_more_than_the_limit_is_refused_unread():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("huge.txt")
        archive.writestr(info, b"x")
    data = bytearray(buffer.getvalue())
    # make the central directory claim 300 MB for the one member (the bytes of a bomb's header)
    position = data.rfind(b"PK\x01\x02")
    data[position + 24:position + 28] = (300_000_000).to_bytes(4, "little")
    with pytest.raises(NotCorpus, match=f"at most {MAX_CORPUS_BYTES:,} are read"):
        list(zip_members(bytes(data), "bomb.zip"))


def test_not_a_zip_is_refused():
    with pytest.raises(NotCorpus, match="not a zip archive"):
        list(zip_members(b"plain text", "x.zip"))


def test_the_corpus_goes_into_the_plan_with_its_source(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(" word" * 1200)
    (folder / "b.html").write_text(f"<p>{GREAT}</p>")
    (folder / "c.bin").write_bytes(b"\x00")
    scenario = tmp_path / "plan.yaml"
    scenario.write_text(dump_yaml(load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(
        mode="json", exclude_none=True)))
    assert main(["corpus", str(folder), "--format", "json", "--chunk-tokens", "500", "--overlap", "100"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["documents"], data["tokens"], data["embedded_tokens"]) == (2, 1206, 1406)
    assert data["unreadable"][0]["file"] == "c.bin"
    assert main(["corpus", str(folder), "--overlap", "100", "--apply-to", str(scenario)]) == 0
    planned = load_scenario(scenario)
    assert planned.approaches.rag.corpus_tokens == 1406
    assert "docs (SHA-256" in planned.measured["approaches.rag.corpus_tokens"]
    # the same corpus zipped gives the same numbers
    zipped = tmp_path / "docs.zip"
    zipped.write_bytes(_zip({p.name: p.read_bytes() for p in folder.iterdir()}))
    capsys.readouterr()
    assert main(["corpus", str(zipped), "--format", "json", "--overlap", "100"]) == 1
    assert json.loads(capsys.readouterr().out)["embedded_tokens"] == 1406


def test_applying_a_corpus_replaces_a_guessed_range_and_needs_documents():
    report = measure_corpus([("a.txt", GREAT.encode())], "one.zip")
    data = {"ranges": {"approaches.rag.corpus_tokens": {"low": 1, "high": 10}}}
    updated = apply_to_scenario(data, report, "2026-11-23")
    assert updated["approaches"]["rag"]["corpus_tokens"] == 6
    assert updated["ranges"] == {}  # the measurement replaces the guess
    with pytest.raises(ValueError, match="no readable documents"):
        apply_to_scenario({}, measure_corpus([("a.exe", b"MZ")], "junk.zip"), "2026-11-23")
