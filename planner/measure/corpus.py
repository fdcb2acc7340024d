"""Measuring a knowledge corpus: documents, tokens, chunks, embedding tokens, vectors and storage,
and the files that could not be read and why.

Text comes out of plain text, Markdown, CSV, JSON Lines and JSON as it is; out of HTML without its
tags, scripts and styles (Python's ``html.parser``); out of PDF with **pypdf** and out of Word
documents with **python-docx**. Files arrive as (name, bytes) pairs, from a folder or a zip archive
(``zip_members``), which is read in memory within limits: nothing is written anywhere, an entry whose
path would leave the archive is refused, and so is an archive that would inflate past its limits
(a zip bomb).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import posixpath
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from planner.measure.plan import set_measured
from planner.measure.tokens import ACCURACY, DEFAULT_ENCODING, count, encoding

MAX_CORPUS_BYTES = 200_000_000  # bytes read in all (an upload, a folder, an archive's inflated members)
MAX_FILE_BYTES = 50_000_000  # one document
MAX_FILES = 10_000
MAX_PDF_PAGES = 5_000
MAX_INFLATION = 200  # an archive member inflating more than this many times its packed size is refused
TEXT_TYPES = {".txt", ".md", ".markdown", ".csv", ".jsonl", ".json", ".rst", ".tsv"}
SUPPORTED = TEXT_TYPES | {".html", ".htm", ".pdf", ".docx"}
BYTES_PER_FLOAT = 4  # vectors are stored as 32-bit floats


class NotCorpus(ValueError):
    """The upload or archive cannot be measured at all (too large, an unsafe archive): nothing else is said."""


@dataclass(frozen=True)
class Document:
    """One document read: its tokens and the chunks it makes."""

    name: str
    tokens: int
    chunks: int
    embedded_tokens: int


@dataclass
class CorpusReport:
    """A corpus measured at a chunk size and overlap."""

    name: str
    encoding: str
    chunk_tokens: int
    overlap_tokens: int
    digest: str = ""
    documents: list[Document] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        """Tokens in every document read."""
        return sum(d.tokens for d in self.documents)

    @property
    def chunks(self) -> int:
        """Chunks, and so vectors: one per chunk."""
        return sum(d.chunks for d in self.documents)

    @property
    def embedded_tokens(self) -> int:
        """Tokens sent to the embedding model: each chunk's, the overlaps counted twice."""
        return sum(d.embedded_tokens for d in self.documents)

    def storage_bytes(self, dimensions: int, metadata_bytes: float) -> float:
        """Bytes a vector database stores: each vector's floats plus its metadata (the chunk's text, ids)."""
        return self.chunks * (dimensions * BYTES_PER_FLOAT + metadata_bytes)

    def as_dict(self, dimensions: int, metadata_bytes: float) -> dict[str, Any]:
        """The report as plain data (the JSON format)."""
        return {
            "corpus": self.name, "sha256": self.digest, "encoding": self.encoding,
            "token_counts": ACCURACY[self.encoding], "documents": len(self.documents),
            "tokens": self.tokens, "chunk_tokens": self.chunk_tokens, "overlap_tokens": self.overlap_tokens,
            "chunks": self.chunks, "vectors": self.chunks, "embedded_tokens": self.embedded_tokens,
            "dimensions": dimensions, "storage_bytes": self.storage_bytes(dimensions, metadata_bytes),
            "unreadable": [{"file": name, "why": why} for name, why in self.unreadable],
            "files": [{"file": d.name, "tokens": d.tokens, "chunks": d.chunks} for d in self.documents],
        }


def chunk_count(tokens: int, size: int, overlap: int) -> tuple[int, int]:
    """(chunks, tokens embedded) for a document of ``tokens`` cut into chunks of ``size`` that overlap by
    ``overlap``.

    >>> chunk_count(1200, 500, 100)  # 0-500, 400-900, 800-1200
    (3, 1400)
    >>> chunk_count(0, 500, 100), chunk_count(500, 500, 100)
    ((0, 0), (1, 500))
    """
    if tokens <= 0:
        return 0, 0
    if tokens <= size:
        return 1, tokens
    chunks = math.ceil((tokens - overlap) / (size - overlap))
    return chunks, tokens + (chunks - 1) * overlap


def measure_corpus(files: Iterable[tuple[str, bytes | Skipped]], name: str, chunk_tokens: int = 500,
                   overlap_tokens: int = 0, encoding_name: str = DEFAULT_ENCODING,
                   progress: Callable[[int], None] | None = None) -> CorpusReport:
    """Measure the documents in ``files`` ((name, content) pairs). Raises ``NotCorpus`` past the limits,
    ``ValueError`` for a chunk size the overlap does not leave room in."""
    if chunk_tokens < 1 or not 0 <= overlap_tokens < chunk_tokens:
        raise ValueError(f"chunks of {chunk_tokens} tokens need an overlap from 0 to {chunk_tokens - 1}, "
                         f"got {overlap_tokens}")
    enc = encoding(encoding_name)
    report = CorpusReport(name, encoding_name, chunk_tokens, overlap_tokens)
    digest = hashlib.sha256()
    read = 0
    for index, (file_name, content) in enumerate(files, start=1):
        if index > MAX_FILES:
            raise NotCorpus(f"{name}: more than {MAX_FILES:,} files; at most {MAX_FILES:,} are measured")
        if isinstance(content, Skipped):
            report.unreadable.append((file_name, content.reason))
            continue
        read += len(content)
        if read > MAX_CORPUS_BYTES:
            raise NotCorpus(f"{name}: more than {MAX_CORPUS_BYTES:,} bytes; at most {MAX_CORPUS_BYTES:,} are measured")
        digest.update(file_name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(content).digest())
        try:
            text = extract_text(file_name, content)
        except UnreadableFile as exc:
            report.unreadable.append((file_name, str(exc)))
            continue
        tokens = count(text, enc)
        chunks, embedded = chunk_count(tokens, chunk_tokens, overlap_tokens)
        report.documents.append(Document(file_name, tokens, chunks, embedded))
        if progress is not None:
            progress(index)
    report.digest = digest.hexdigest()
    return report


class UnreadableFile(ValueError):
    """A file whose text cannot be had (the message says why); the rest of the corpus is measured."""


def extract_text(file_name: str, content: bytes) -> str:
    """The text of one document, by its file type; raises ``UnreadableFile`` saying why not."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'} (read: {', '.join(sorted(SUPPORTED))})")
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(f"{len(content):,} bytes; at most {MAX_FILE_BYTES:,} a file")
    if suffix == ".pdf":
        return _pdf_text(content)
    if suffix == ".docx":
        return _docx_text(content)
    if b"\x00" in content[:65536]:
        raise UnreadableFile("binary data in a text file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text ({exc.reason} at byte {exc.start:,})") from None
    if suffix in (".html", ".htm"):
        return _html_text(text)
    if suffix == ".json":
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise UnreadableFile(f"not JSON ({str(exc)[:80]})") from None
    return text


class _TextOfHtml(HTMLParser):
    SKIPPED: ClassVar[frozenset[str]] = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_text(text: str) -> str:
    parser = _TextOfHtml()
    parser.feed(text)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise UnreadableFile("an encrypted PDF")
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise UnreadableFile(f"{len(pages):,} pages; at most {MAX_PDF_PAGES:,} a PDF")
        text = "\n".join(page.extract_text() or "" for page in pages)
    except UnreadableFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise UnreadableFile(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise UnreadableFile(f"not a readable PDF ({type(exc).__name__})") from None
    if not text.strip():
        raise UnreadableFile("a PDF without text (scanned pages need OCR, which the planner does not do)")
    return text


def _docx_text(content: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(content))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # lxml and python-docx raise many kinds of error on a damaged file
        raise UnreadableFile(f"not a readable Word document ({type(exc).__name__})") from None
    return "\n".join(parts)


def zip_members(data: bytes, name: str) -> Iterator[tuple[str, bytes | Skipped]]:
    """The files of a zip archive, read in memory. Raises ``NotCorpus`` for a damaged archive or one that
    would inflate past ``MAX_CORPUS_BYTES``; an entry that would leave the archive (``../x``, ``/etc/x``)
    or inflates suspiciously is yielded as ``Skipped``, and reported unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotCorpus(f"{name}: not a zip archive ({exc})") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        declared = sum(i.file_size for i in infos)
        if declared > MAX_CORPUS_BYTES:
            raise NotCorpus(f"{name}: would inflate to {declared:,} bytes; at most {MAX_CORPUS_BYTES:,} are read")
        if len(infos) > MAX_FILES:
            raise NotCorpus(f"{name}: {len(infos):,} files; at most {MAX_FILES:,} are measured")
        inflated = 0
        for info in infos:
            member = info.filename
            normal = posixpath.normpath(member.replace("\\", "/"))
            if member.startswith(("/", "\\")) or normal.startswith("..") or ":" in member.split("/")[0]:
                yield member, _REFUSED_PATH
                continue
            if info.file_size > MAX_FILE_BYTES or (
                    info.compress_size and info.file_size / info.compress_size > MAX_INFLATION
                    and info.file_size > 1_000_000):
                yield member, _REFUSED_BOMB
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the header says
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as exc:
                yield member, _damaged(str(exc))
                continue
            inflated += len(content)
            if len(content) > MAX_FILE_BYTES or inflated > MAX_CORPUS_BYTES:
                raise NotCorpus(f"{name}: inflates past its limits; at most {MAX_CORPUS_BYTES:,} bytes are read")
            yield member, content


@dataclass(frozen=True)
class Skipped:
    """A file that was not read (an unsafe archive path, a bomb, too large), with the reason."""

    reason: str


_REFUSED_PATH = Skipped("an unsafe path that would leave the archive: not read")
_REFUSED_BOMB = Skipped(f"inflates more than {MAX_INFLATION}x or past {MAX_FILE_BYTES:,} bytes: not read")


def _damaged(reason: str) -> Skipped:
    return Skipped(f"a damaged or encrypted archive entry ({reason[:80]})")


def folder_files(folder: Path) -> Iterator[tuple[str, bytes | Skipped]]:
    """The files under ``folder`` (links not followed), as (path relative to it, content)."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield str(path.relative_to(folder)), Skipped(f"{size:,} bytes; at most {MAX_FILE_BYTES:,} a file")
            continue
        yield str(path.relative_to(folder)), path.read_bytes()


def apply_to_scenario(data: dict[str, Any], report: CorpusReport, today: str) -> dict[str, Any]:
    """``data`` (a scenario as plain data) with the RAG block's ``corpus_tokens`` set to the tokens the
    corpus sends to the embedding model (overlaps included), recorded in ``measured`` with the corpus's
    name and SHA-256; a range the scenario gave it is dropped. Raises ``ValueError`` with no documents."""
    if not report.documents:
        raise ValueError(f"{report.name} has no readable documents to plan from")
    source = (f"{report.name} (SHA-256 {report.digest[:16]}), measured {today}: {len(report.documents):,} documents, "
              f"{report.tokens:,} tokens in chunks of {report.chunk_tokens} overlapping by {report.overlap_tokens} "
              f"({report.encoding})")
    return set_measured(data, "rag", {"corpus_tokens": report.embedded_tokens}, {"corpus_tokens": source})
