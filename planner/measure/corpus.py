"""Measuring a knowledge corpus: documents, tokens, chunks, embedding tokens, vectors and storage,
and the files that could not be read and why.

Text comes out of plain text, Markdown, CSV, JSON Lines and JSON as it is; out of HTML without its
tags, scripts and styles (Python's ``html.parser``); out of PDF with **pypdf** and out of Word
documents with **python-docx**. Files arrive as (name, bytes) pairs, from a folder or a zip archive
(``zip_members``), which is read in memory within limits: nothing is written anywhere, an entry whose
path would leave the archive is refused, and so is an archive that would inflate past its limits
(a zip bomb), or an archive inside it (nested archives are not read).

Every archive opened is checked against ``ArchiveLimits`` before a byte of it is inflated: the
upload's zip (``UPLOAD_ARCHIVE``) and the zip that every Word document is (``WORD_DOCUMENT``), whose
parts python-docx would otherwise inflate and parse without bound. A PDF is read under pypdf's
stream limits set to ``MAX_PDF_STREAM_BYTES``. What these limits cannot see (many streams inflating
within their limits, a parser's own appetite) is bounded by the worker process that measures an
upload (``planner.measure.uploads``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import posixpath
import struct
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
MAX_FILES = 10_000  # documents in a corpus, and members in one archive
MAX_PDF_PAGES = 5_000
MAX_INFLATION = 200  # an archive member inflating more than this many times its packed size is refused
# Smaller members may inflate as they like: a megabyte costs nothing, and a page of blanks packs 1,000x.
INFLATION_CHECKED_FROM_BYTES = 1_000_000
# A Word document is a zip of XML parts. python-docx parses document.xml whole with lxml, at about 12x
# its size in memory and 0.7 s a megabyte on the project machine (a 10 MB part of short paragraphs:
# 190 MB, 7.5 s), so an XML part is held to 10 MB, some 1,500 pages; other parts (images) to the file limit.
MAX_DOCX_PARTS = 1_000  # a Word document has 10-30 parts, and one more for each image or embedded file
MAX_DOCX_XML_BYTES = 10_000_000
MAX_DOCX_BYTES = 2 * MAX_FILE_BYTES  # all parts of one Word document, inflated
# One stream of a PDF, inflated. A page's text takes tens of KB and a dense drawing a few MB; text
# extraction decodes pages, forms and small font programs, never images: 10 MB leaves room, refuses a bomb.
MAX_PDF_STREAM_BYTES = 10_000_000
MAX_PDF_TEXT_CHARS = MAX_FILE_BYTES  # text of one PDF (about 12 million tokens); more is a bomb of many streams
TEXT_TYPES = {".txt", ".md", ".markdown", ".csv", ".jsonl", ".json", ".rst", ".tsv"}
ZIP_DOCUMENTS = {".docx"}  # document types that are zip archives: read as documents, under WORD_DOCUMENT
SUPPORTED = TEXT_TYPES | {".html", ".htm", ".pdf"} | ZIP_DOCUMENTS
# An archive inside an uploaded archive is not read (nested archives are how a small bomb grows):
# these suffixes, and any member whose first bytes are an archive's signature, are refused.
ARCHIVE_TYPES = {".zip", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".7z", ".rar", ".lz",
                 ".lzma", ".z", ".cab", ".jar", ".war", ".apk", ".iso"}
ARCHIVE_SIGNATURES = {  # first bytes of each archive format (their published magic numbers)
    b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"PK\x07\x08": "zip", b"\x1f\x8b": "gzip",
    b"7z\xbc\xaf\x27\x1c": "7z", b"Rar!\x1a\x07": "rar", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd",
}
TAR_SIGNATURE_AT = 257  # a tar archive says "ustar" and a NUL (POSIX) or two spaces and a NUL (GNU) here
TAR_SIGNATURES = (b"ustar\x00", b"ustar  \x00")
# Compression methods read. Deflate is inflated a piece at a time; Python's bzip2 and LZMA readers
# inflate a whole packed piece at once, so a bomb in those would grow before any limit saw it.
READ_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
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


def _pdf_limits() -> dict[str, Any]:
    """pypdf's limits as the planner sets them: every decoded stream at most ``MAX_PDF_STREAM_BYTES``,
    a declared ``/Length`` at most the file limit (a stream cannot be longer than its file), and no
    outside program run (pypdf would call ``jbig2dec`` for a JBIG2 image). pypdf's other limits
    (objects in an array, work parsing a page, depth of the page tree) stay as pypdf sets them."""
    return {"maximum_declared_stream_length": MAX_FILE_BYTES, "jbig2dec_binary": None,
            **dict.fromkeys(("zlib_maximum_output_length", "lzw_maximum_output_length",
                             "run_length_maximum_output_length", "brotli_maximum_output_length",
                             "jbig2_maximum_output_length", "array_based_stream_maximum_output_length",
                             "image_maximum_buffer_size"), MAX_PDF_STREAM_BYTES)}


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    parts: list[str] = []
    length = 0
    try:
        # pypdf keeps its limits in a context variable: set here, they hold for this call (and thread) only.
        with apply_configuration(**_pdf_limits()):
            reader = PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                raise UnreadableFile("an encrypted PDF")
            pages = reader.pages
            if len(pages) > MAX_PDF_PAGES:
                raise UnreadableFile(f"{len(pages):,} pages; at most {MAX_PDF_PAGES:,} a PDF")
            for page in pages:
                parts.append(page.extract_text() or "")
                length += len(parts[-1])
                if length > MAX_PDF_TEXT_CHARS:
                    raise UnreadableFile(f"more than {MAX_PDF_TEXT_CHARS:,} characters of text; at most "
                                         f"{MAX_PDF_TEXT_CHARS:,} are read from a PDF")
    except UnreadableFile:
        raise
    except LimitReachedError as exc:
        raise UnreadableFile(f"past the limits for a PDF: a stream inflates to at most {MAX_PDF_STREAM_BYTES:,} "
                             f"bytes (pypdf: {str(exc)[:80]})") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise UnreadableFile(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise UnreadableFile(f"not a readable PDF ({type(exc).__name__})") from None
    text = "\n".join(parts)
    if not text.strip():
        raise UnreadableFile("a PDF without text (scanned pages need OCR, which the planner does not do)")
    return text


def _docx_text(content: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_word_document(content)
    try:
        document = docx.Document(io.BytesIO(content))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # lxml and python-docx raise many kinds of error on a damaged file
        raise UnreadableFile(f"not a readable Word document ({type(exc).__name__})") from None
    return "\n".join(parts)


def _check_word_document(content: bytes) -> None:
    """Refuse a Word document whose zip breaks ``WORD_DOCUMENT``'s limits, before python-docx inflates
    any of it. What passes is safe to hand on: Python's zipfile, which python-docx reads with, inflates a
    part no further than its declared size (a header that lies makes the part fail its checksum)."""
    problem = WORD_DOCUMENT.directory_problem(content)
    if problem is not None:
        raise UnreadableFile(problem)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFile(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:80]})") from None
    for info in infos:  # the part that breaks a limit is named first: it is what the team can look at
        problem = WORD_DOCUMENT.member_problem(info)
        if problem is not None:
            raise UnreadableFile(f"{info.filename} {problem}")
    problem = WORD_DOCUMENT.archive_problem(infos)
    if problem is not None:
        raise UnreadableFile(problem)


@dataclass(frozen=True)
class ArchiveLimits:
    """What one zip archive may hold, checked from its central directory before anything is inflated:
    ``members`` files, each inflating to at most ``member_bytes`` (``xml_bytes`` for XML parts) and no
    more than ``inflation`` times its packed size (from ``INFLATION_CHECKED_FROM_BYTES``), and
    ``total_bytes`` in all. ``what`` and ``member`` name the archive and a member in messages."""

    what: str
    member: str
    members: int
    member_bytes: int
    total_bytes: int
    xml_bytes: int | None = None
    inflation: int = MAX_INFLATION

    def directory_problem(self, data: bytes) -> str | None:
        """Why the archive ``data`` is not opened at all: more than ``members`` records in its central
        directory, counted from its raw bytes before zipfile builds an object for each (a 26 MB
        directory of 300,000 empty members costs zipfile 10 s and 170 MB); or ``None``.

        >>> buffer = io.BytesIO()
        >>> with zipfile.ZipFile(buffer, "w") as archive:
        ...     for number in range(1_001):
        ...         archive.writestr(f"{number}.xml", b"")
        >>> WORD_DOCUMENT.directory_problem(buffer.getvalue())
        'more than 1,000 parts; at most 1,000 are read from a Word document'
        >>> UPLOAD_ARCHIVE.directory_problem(buffer.getvalue()) is None
        True
        """
        if _directory_records(data, self.members) > self.members:
            return f"more than {self.members:,} {self.member}s; at most {self.members:,} are read from {self.what}"
        return None

    def archive_problem(self, infos: list[zipfile.ZipInfo]) -> str | None:
        """Why the archive is not read at all (too many members, too many bytes declared), or ``None``.

        >>> big = zipfile.ZipInfo("a.txt"); big.file_size = 150_000_000
        >>> UPLOAD_ARCHIVE.archive_problem([big, big])
        'would inflate to 300,000,000 bytes; at most 200,000,000 are read from an archive'
        >>> UPLOAD_ARCHIVE.archive_problem([big]) is None
        True
        """
        if len(infos) > self.members:
            return f"{len(infos):,} {self.member}s; at most {self.members:,} are read from {self.what}"
        declared = sum(i.file_size for i in infos)
        if declared > self.total_bytes:
            return f"would inflate to {declared:,} bytes; at most {self.total_bytes:,} are read from {self.what}"
        return None

    def member_problem(self, info: zipfile.ZipInfo) -> str | None:
        """Why one member is not read (its declared size, its inflation, its compression), or ``None``.

        A Word document's document.xml declaring 300 MB packed into 900 KB (333x):

        >>> bomb = zipfile.ZipInfo("word/document.xml")
        >>> bomb.file_size, bomb.compress_size, bomb.compress_type = 300_000_000, 900_000, zipfile.ZIP_DEFLATED
        >>> WORD_DOCUMENT.member_problem(bomb)
        'inflates to 300,000,000 bytes; at most 10,000,000 an XML part are read'
        >>> bomb.file_size, bomb.compress_size = 9_000_000, 30_000  # within the size limit, but 300x
        >>> WORD_DOCUMENT.member_problem(bomb)
        'inflates more than 200x (9,000,000 bytes from 30,000): not read'
        >>> bomb.compress_size = 900_000  # 10x: a Word document's XML packs about this well
        >>> WORD_DOCUMENT.member_problem(bomb) is None
        True
        """
        limit = self.member_bytes
        if self.xml_bytes is not None and info.filename.lower().endswith((".xml", ".rels")):
            limit, kind = self.xml_bytes, f"an XML {self.member}"
        else:
            kind = f"a {self.member}"
        if info.file_size > limit:
            return f"inflates to {info.file_size:,} bytes; at most {limit:,} {kind} are read"
        if (info.file_size > INFLATION_CHECKED_FROM_BYTES
                and info.file_size > self.inflation * max(info.compress_size, 1)):
            return (f"inflates more than {self.inflation}x ({info.file_size:,} bytes from {info.compress_size:,}): "
                    "not read")
        if info.compress_type not in READ_COMPRESSION:
            return (f"compressed with zip method {info.compress_type} (read: "
                    f"{', '.join(READ_COMPRESSION.values())}): not read")
        return None


UPLOAD_ARCHIVE = ArchiveLimits("an archive", "file", MAX_FILES, MAX_FILE_BYTES, MAX_CORPUS_BYTES)
WORD_DOCUMENT = ArchiveLimits("a Word document", "part", MAX_DOCX_PARTS, MAX_FILE_BYTES, MAX_DOCX_BYTES,
                              xml_bytes=MAX_DOCX_XML_BYTES)


# Records of the zip format (PKWARE's APPNOTE.TXT, sections 4.3.12 to 4.3.16), read to count an
# archive's members before zipfile parses them.
_END_RECORD = struct.Struct("<4s4H2LH")  # the end of central directory record; field 5: the directory's size
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")  # field 8: the directory's size
_DIRECTORY_RECORD_BYTES = 46  # a central directory record before its name, extra field and comment
_DIRECTORY_LENGTHS = struct.Struct("<3H")  # the lengths of those three, at byte 28 of the record
_DIRECTORY_LENGTHS_AT = 28
_MAX_COMMENT_BYTES = 0xFFFF  # an archive's comment follows its end record


def _directory_records(data: bytes, limit: int) -> int:
    """The records in the central directory of the zip archive ``data``, counted no further than
    ``limit + 1``, found as zipfile finds them (the directory ends where the end record, or the zip64
    end record, begins); 0 when there is no end record (zipfile then says what is wrong)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_RECORD.size - _MAX_COMMENT_BYTES))
    if end < 0 or len(data) < end + _END_RECORD.size:
        return 0
    directory_bytes = _END_RECORD.unpack_from(data, end)[5]
    locator = end - _ZIP64_LOCATOR.size
    if locator >= 0 and data.startswith(b"PK\x06\x07", locator):
        end = locator - _ZIP64_END_RECORD.size
        if end < 0 or not data.startswith(b"PK\x06\x06", end):
            return 0
        directory_bytes = _ZIP64_END_RECORD.unpack_from(data, end)[8]
    position, records = max(0, end - directory_bytes), 0
    while records <= limit and position + _DIRECTORY_RECORD_BYTES <= end and data.startswith(b"PK\x01\x02", position):
        names, extra, comment = _DIRECTORY_LENGTHS.unpack_from(data, position + _DIRECTORY_LENGTHS_AT)
        position += _DIRECTORY_RECORD_BYTES + names + extra + comment
        records += 1
    return records


def nested_archive(member: str, content: bytes | None = None) -> str | None:
    """The kind of archive ``member`` of an uploaded archive is, by its suffix or (given its ``content``)
    its first bytes, or ``None``. A Word document is a zip but is read as a document.

    >>> nested_archive("docs/old.zip"), nested_archive("notes.txt", b"PK\\x03\\x04..."), nested_archive("a.docx")
    ('.zip', 'zip', None)
    >>> nested_archive("notes.txt", b"plain text"), nested_archive("menu.txt", b" " * 257 + b"ustard and custard")
    (None, None)
    """
    suffix = posixpath.splitext(member.lower())[1]
    if suffix in ZIP_DOCUMENTS:
        return None
    if suffix in ARCHIVE_TYPES:
        return suffix
    if content is None:
        return None
    for signature, kind in ARCHIVE_SIGNATURES.items():
        if content.startswith(signature):
            return kind
    return "tar" if content.startswith(TAR_SIGNATURES, TAR_SIGNATURE_AT) else None


def zip_members(data: bytes, name: str) -> Iterator[tuple[str, bytes | Skipped]]:
    """The files of a zip archive, read in memory. Raises ``NotCorpus`` for a damaged archive or one that
    would inflate past ``UPLOAD_ARCHIVE``'s limits; an entry that would leave the archive (``../x``,
    ``/etc/x``), inflates suspiciously or is itself an archive is yielded as ``Skipped``, and reported
    unreadable."""
    problem = UPLOAD_ARCHIVE.directory_problem(data)
    if problem is not None:
        raise NotCorpus(f"{name}: {problem}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise NotCorpus(f"{name}: not a zip archive ({exc})") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        problem = UPLOAD_ARCHIVE.archive_problem(infos)
        if problem is not None:
            raise NotCorpus(f"{name}: {problem}")
        inflated = 0
        for info in infos:
            member = info.filename
            normal = posixpath.normpath(member.replace("\\", "/"))
            if member.startswith(("/", "\\")) or normal.startswith("..") or ":" in member.split("/")[0]:
                yield member, _REFUSED_PATH
                continue
            kind = nested_archive(member)
            problem = _nested(kind) if kind is not None else UPLOAD_ARCHIVE.member_problem(info)
            if problem is not None:
                yield member, Skipped(problem)
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the header says
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError, EOFError) as exc:
                yield member, _damaged(str(exc))
                continue
            inflated += len(content)
            if len(content) > MAX_FILE_BYTES or inflated > MAX_CORPUS_BYTES:
                raise NotCorpus(f"{name}: inflates past its limits; at most {MAX_CORPUS_BYTES:,} bytes are read")
            kind = nested_archive(member, content)  # an archive by its first bytes, whatever its name says
            yield member, (Skipped(_nested(kind)) if kind is not None else content)


@dataclass(frozen=True)
class Skipped:
    """A file that was not read (an unsafe archive path, a bomb, a nested archive, too large), with the reason."""

    reason: str


_REFUSED_PATH = Skipped("an unsafe path that would leave the archive: not read")


def _nested(kind: str) -> str:
    return f"a nested archive ({kind}): archives inside an archive are not read"


def _damaged(reason: str) -> Skipped:
    return Skipped(f"a damaged or encrypted archive entry ({reason[:80]})")


def folder_files(folder: Path) -> Iterator[tuple[str, bytes | Skipped]]:
    """The files under ``folder`` (links not followed), as (path relative to it, content)."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        name = str(path.relative_to(folder))
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            with path.open("rb") as handle:
                content = handle.read(MAX_FILE_BYTES + 1)  # never more, even if the file grew since
            size = max(size, len(content))
        if size > MAX_FILE_BYTES:
            yield name, Skipped(f"{size:,} bytes; at most {MAX_FILE_BYTES:,} a file")
            continue
        yield name, content


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
