"""Identify and validate an uploaded file from its content, before anything is stored.

A file is accepted only if its bytes are one of the :class:`RecordKind` formats and parse as such; a ZIP is
accepted only if every entry is, within limits on entry count, total size, compression ratio and nesting,
and with no entry name that could escape an extraction directory. Rejections name the file (and the ZIP
entry) and the reason; they never quote the file's content.
"""

from __future__ import annotations

import json
import posixpath
import re
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from records.kinds import RecordKind

HEAD_BYTES = 8192
_ZIP_COPY_CHUNK = 1024 * 1024
# Files that archivers add on their own; skipped rather than rejected.
_ARCHIVER_NOISE = ("__MACOSX/", ".DS_Store", "Thumbs.db")
_IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")

# JSON starts with an object or array whose first value is JSON; a note starting "[doctor] hi" or
# "{Dictated}" is text.
_JSON_START = re.compile(r'^[\[{]\s*(?:["{\[\]}\-0-9]|true\b|false\b|null\b|$)')


class RejectionKind(StrEnum):
    """Why a file was refused; the API maps each to an HTTP status."""

    EMPTY = "empty"
    CORRUPT = "corrupt"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    UNSAFE_ARCHIVE = "unsafe_archive"


class RecordRejected(Exception):
    """A file that cannot be accepted: which file (and ZIP entry), what kind of failure, and why."""

    def __init__(self, filename: str, kind: RejectionKind, reason: str, entry: str | None = None) -> None:
        where = f"{filename} (entry {entry})" if entry else filename
        super().__init__(f"{where}: {reason}")
        self.filename = filename
        self.kind = kind
        self.reason = reason
        self.entry = entry


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds that keep a ZIP from exhausting disk, memory or time."""

    max_entries: int = 2000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: int = 100
    max_depth: int = 2


@dataclass(frozen=True)
class ArchiveMember:
    """A file inside a ZIP, extracted to ``path``, or the error that kept it from being extracted."""

    name: str
    path: Path | None
    error: RecordRejected | None


# pydicom reports damaged files through many exception types, some only when an element is first read.
DICOM_READ_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    ValueError,
    OSError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    struct.error,
)


def read_dicom_header(path: Path) -> Any:
    """A DICOM dataset without pixel data, fully parsed (so damage shows here, as one of
    :data:`DICOM_READ_ERRORS`, and not later)."""
    from pydicom import dcmread

    dataset = dcmread(path, stop_before_pixels=True, force=True)
    for _element in dataset.iterall():  # touch every element: pydicom parses lazily
        pass
    return dataset


class BinaryContent(ValueError):
    """Bytes that are not text in any encoding we read."""


def decode_text(raw: bytes) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with BOM, or legacy Windows-1252.

    Raises :class:`BinaryContent` for bytes with NULs (outside UTF-16) or many control characters.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        if b"\x00" in raw:
            raise BinaryContent("NUL bytes")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # legacy lab and dictation systems
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\x0b\x0c\x1c")
    if control > max(8, len(text) // 100):
        raise BinaryContent("control characters")
    return text


def identify(path: Path, filename: str, limits: ArchiveLimits | None = None) -> RecordKind:
    """The format of the file at ``path``, after validating that it parses; raise :class:`RecordRejected`."""
    return _Inspector(filename, limits or ArchiveLimits()).identify(path, depth=0, entry=None)


def identify_entry(
    path: Path, filename: str, entry: str | None, depth: int, limits: ArchiveLimits
) -> RecordKind:
    """Like :func:`identify`, for a file found ``depth`` archives deep under ``entry``."""
    return _Inspector(filename, limits).identify(path, depth=depth, entry=entry)


def archive_members(
    path: Path, filename: str, limits: ArchiveLimits, entry: str | None = None
) -> Iterator[ArchiveMember]:
    """The members of the ZIP at ``path`` (already identified as :attr:`RecordKind.ZIP`), one at a time."""
    with zipfile.ZipFile(path) as archive:
        yield from _Inspector(filename, limits).members(archive, entry)


class _Inspector:
    def __init__(self, filename: str, limits: ArchiveLimits) -> None:
        self.filename = filename
        self.limits = limits

    def reject(self, kind: RejectionKind, reason: str, entry: str | None) -> RecordRejected:
        return RecordRejected(self.filename, kind, reason, entry)

    def identify(self, path: Path, depth: int, entry: str | None) -> RecordKind:
        with path.open("rb") as source:
            head = source.read(HEAD_BYTES)
        if not head:
            raise self.reject(RejectionKind.EMPTY, "the file is empty", entry)
        if b"%PDF-" in head[:1024]:
            self._check_pdf(path, entry)
            return RecordKind.PDF
        if head[128:132] == b"DICM":
            self._check_dicom(path, entry)
            return RecordKind.DICOM
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            return self._identify_zip(path, depth, entry)
        if head.startswith(_IMAGE_SIGNATURES):
            raise self.reject(
                RejectionKind.UNSUPPORTED, "plain images are not accepted; send imaging as DICOM", entry
            )
        return self._identify_text(path, entry)

    # --- binary formats -------------------------------------------------------------------------------

    def _check_pdf(self, path: Path, entry: str | None) -> None:
        import pikepdf

        try:
            with pikepdf.open(path) as pdf:
                if len(pdf.pages) == 0:
                    raise self.reject(RejectionKind.CORRUPT, "the PDF has no pages", entry)
        except pikepdf.PasswordError as error:
            raise self.reject(RejectionKind.UNSUPPORTED, "the PDF is password-protected", entry) from error
        except pikepdf.PdfError as error:
            raise self.reject(
                RejectionKind.CORRUPT, "the PDF is damaged and cannot be read", entry
            ) from error

    def _check_dicom(self, path: Path, entry: str | None) -> None:
        try:
            dataset = read_dicom_header(path)
        except DICOM_READ_ERRORS as error:
            raise self.reject(RejectionKind.CORRUPT, "the DICOM file is malformed", entry) from error
        if "SOPClassUID" not in dataset and "SOPClassUID" not in dataset.file_meta:
            raise self.reject(RejectionKind.CORRUPT, "the DICOM file has no SOP Class UID", entry)

    def _identify_zip(self, path: Path, depth: int, entry: str | None) -> RecordKind:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise self.reject(RejectionKind.CORRUPT, "the ZIP archive is damaged", entry) from error
        with archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                self._check_docx(archive, entry)
                return RecordKind.DOCX
            if depth >= self.limits.max_depth:
                raise self.reject(
                    RejectionKind.UNSAFE_ARCHIVE,
                    f"ZIP archives nest deeper than {self.limits.max_depth}",
                    entry,
                )
            self._check_archive(archive, depth, entry)
        return RecordKind.ZIP

    def _check_docx(self, archive: zipfile.ZipFile, entry: str | None) -> None:
        from lxml import etree

        info = archive.getinfo("word/document.xml")
        self._check_ratio(info, entry)
        try:
            etree.fromstring(archive.read(info), parser=safe_xml_parser())
        except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError) as error:
            raise self.reject(RejectionKind.CORRUPT, "the DOCX document is damaged", entry) from error

    def _check_archive(self, archive: zipfile.ZipFile, depth: int, entry: str | None) -> None:
        for member in self.members(archive, entry):
            if member.error is not None:
                raise member.error
            assert member.path is not None
            self.identify(member.path, depth + 1, member.name)

    def members(self, archive: zipfile.ZipFile, entry: str | None) -> Iterator[ArchiveMember]:
        """Check the archive as a whole, then extract each member in turn to a scratch file.

        Archive-level problems (too many entries, too large, unsafe names, a bomb) raise before anything
        is extracted; a member that fails to decompress is yielded with its error so callers may go on.
        Each scratch file is deleted once the caller asks for the next member.
        """
        listed = [info for info in archive.infolist() if not info.is_dir() and not _is_noise(info.filename)]
        self._check_listing(listed, entry)
        with tempfile.TemporaryDirectory(prefix="reconsult-zip-") as scratch:
            for index, info in enumerate(listed):
                name = _join_entry(entry, info.filename)
                extracted = Path(scratch) / f"entry-{index}"
                try:
                    self._extract_bounded(archive, info, extracted, name)
                except RecordRejected as error:
                    yield ArchiveMember(name=name, path=None, error=error)
                    continue
                yield ArchiveMember(name=name, path=extracted, error=None)
                extracted.unlink(missing_ok=True)

    def _check_listing(self, members: list[zipfile.ZipInfo], entry: str | None) -> None:
        if not members:
            raise self.reject(RejectionKind.EMPTY, "the ZIP archive holds no files", entry)
        if len(members) > self.limits.max_entries:
            raise self.reject(
                RejectionKind.UNSAFE_ARCHIVE,
                f"the ZIP archive holds {len(members)} files; the limit is {self.limits.max_entries}",
                entry,
            )
        if sum(info.file_size for info in members) > self.limits.max_total_bytes:
            raise self.reject(
                RejectionKind.UNSAFE_ARCHIVE, "the ZIP archive expands beyond the size limit", entry
            )
        for info in members:
            self._check_member_name(info, entry)
            self._check_ratio(info, entry)

    def _check_member_name(self, info: zipfile.ZipInfo, entry: str | None) -> None:
        name = info.filename
        normalized = posixpath.normpath(name.replace("\\", "/"))
        escapes = normalized.startswith(("/", "../")) or normalized == ".." or ":" in normalized.split("/")[0]
        if escapes or "\x00" in name:
            raise self.reject(
                RejectionKind.UNSAFE_ARCHIVE,
                "an entry's path points outside the archive (path traversal)",
                _join_entry(entry, name),
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise self.reject(
                RejectionKind.UNSAFE_ARCHIVE, "symbolic links are not accepted", _join_entry(entry, name)
            )

    def _check_ratio(self, info: zipfile.ZipInfo, entry: str | None) -> None:
        if info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
            raise self.reject(
                RejectionKind.UNSAFE_ARCHIVE,
                f"an entry expands more than {self.limits.max_ratio}:1 (a possible ZIP bomb)",
                _join_entry(entry, info.filename),
            )

    def _extract_bounded(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, name: str
    ) -> None:
        """Copy one entry out, trusting the bytes actually inflated rather than the declared sizes."""
        allowed = min(info.file_size, self.limits.max_total_bytes)
        written = 0
        try:
            with archive.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(_ZIP_COPY_CHUNK):
                    written += len(chunk)
                    if written > allowed:
                        raise self.reject(
                            RejectionKind.UNSAFE_ARCHIVE, "an entry is larger than its header declares", name
                        )
                    sink.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
            raise self.reject(RejectionKind.CORRUPT, "the entry cannot be decompressed", name) from error
        except RuntimeError as error:  # zipfile raises this for encrypted entries
            raise self.reject(
                RejectionKind.UNSUPPORTED, "encrypted ZIP entries are not accepted", name
            ) from error

    # --- text formats ---------------------------------------------------------------------------------

    def _identify_text(self, path: Path, entry: str | None) -> RecordKind:
        text = self._decode(path, entry)
        stripped = text.lstrip("\ufeff \t\r\n\x0b")
        if not stripped.strip():
            raise self.reject(RejectionKind.EMPTY, "the file holds only white space", entry)
        if stripped.startswith("MSH"):
            self._check_hl7(stripped, entry)
            return RecordKind.HL7V2
        if _JSON_START.match(stripped):
            return self._identify_json(stripped, entry)
        if stripped.startswith("<"):
            return self._identify_markup(stripped, entry)
        return RecordKind.TEXT

    def _decode(self, path: Path, entry: str | None) -> str:
        try:
            return decode_text(path.read_bytes())
        except BinaryContent as error:
            raise self.reject(
                RejectionKind.UNSUPPORTED, "the file is binary in an unrecognised format", entry
            ) from error

    def _check_hl7(self, text: str, entry: str | None) -> None:
        segments = [
            segment for segment in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if segment
        ]
        segments = [segment.strip("\x0b\x1c") for segment in segments if segment.strip("\x0b\x1c")]
        header = segments[0]
        if len(header) < 8 or header[3] != "|" or len(header.split("|")) < 9:
            raise self.reject(RejectionKind.CORRUPT, "the HL7 v2 message has a malformed MSH segment", entry)
        separator = header[3]
        for number, segment in enumerate(segments, start=1):
            segment_id = segment.split(separator, 1)[0]
            if len(segment_id) != 3 or not segment_id.isalnum() or not segment_id.isupper():
                raise self.reject(
                    RejectionKind.CORRUPT, f"HL7 v2 segment {number} has no valid segment id", entry
                )

    def _identify_json(self, text: str, entry: str | None) -> RecordKind:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            if error.msg == "Extra data" and text.startswith("{"):
                self._check_ndjson(text, entry)
                return RecordKind.FHIR_NDJSON
            raise self.reject(
                RejectionKind.CORRUPT, f"invalid JSON at line {error.lineno}, column {error.colno}", entry
            ) from error
        if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
            raise self.reject(
                RejectionKind.UNSUPPORTED, "JSON that is not a FHIR resource (no resourceType)", entry
            )
        return RecordKind.FHIR_JSON

    def _check_ndjson(self, text: str, entry: str | None) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                resource = json.loads(line)
            except json.JSONDecodeError as error:
                raise self.reject(RejectionKind.CORRUPT, f"invalid NDJSON on line {number}", entry) from error
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise self.reject(
                    RejectionKind.UNSUPPORTED,
                    f"NDJSON line {number} is not a FHIR resource (no resourceType)",
                    entry,
                )

    def _identify_markup(self, text: str, entry: str | None) -> RecordKind:
        from lxml import etree

        opening = text[:2048].lower()
        if "<clinicaldocument" in opening:
            try:
                root = etree.fromstring(text.encode(), parser=safe_xml_parser())
            except (etree.XMLSyntaxError, ValueError) as error:
                raise self.reject(
                    RejectionKind.CORRUPT, "the C-CDA document is not well-formed XML", entry
                ) from error
            if etree.QName(root).localname != "ClinicalDocument":
                raise self.reject(
                    RejectionKind.UNSUPPORTED, "XML whose root is not a ClinicalDocument", entry
                )
            return RecordKind.CCDA
        if any(
            tag in opening for tag in ("<!doctype html", "<html", "<body", "<div", "<p>", "<table", "<h1")
        ):
            return RecordKind.HTML
        raise self.reject(RejectionKind.UNSUPPORTED, "XML that is not a C-CDA ClinicalDocument", entry)


def safe_xml_parser() -> object:
    """An XML parser that never resolves entities or reaches the network (XXE and billion-laughs safe)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _is_noise(name: str) -> bool:
    return name.startswith(_ARCHIVER_NOISE[0]) or posixpath.basename(name) in _ARCHIVER_NOISE[1:]


def _join_entry(parent: str | None, name: str) -> str:
    return f"{parent}/{name}" if parent else name
