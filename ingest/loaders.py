"""From a path or an http(s) URL to checked, decoded text: `RawDocument`.

`load` reads a file or fetches a URL, refuses what is not a UTF-8 text document
(unreadable, empty, binary, another encoding) with an `IngestError`, and decides
which reader applies: `text` (a plain-text scrape), `markdown` (a scraped page
with YAML front matter) or `html`. `iter_sources` expands directories.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from hakb.ingest.errors import (
    BinaryDocument,
    EmptyDocument,
    EncodingError,
    FetchError,
    UnreadableDocument,
)
from hakb.ingest.models import DocKind

log = logging.getLogger(__name__)

SUFFIXES: dict[str, DocKind] = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html"}
MANIFEST_NAME = "manifest.json"
MAX_BYTES = 20 * 1024 * 1024  # a documentation page is far smaller; refuse rather than choke

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:[ \t]*\r?\n)*url:", re.IGNORECASE)
_HTML_SNIFF = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_OK = {9, 10, 12, 13}  # tab, newline, form feed, carriage return


@dataclass(frozen=True)
class RawDocument:
    """A document's bytes and decoded text, with where it came from and its kind."""

    source: str  # the path or URL as given
    data: bytes  # raw bytes: what the content hash is taken of
    text: str  # decoded, BOM removed
    kind: DocKind
    url: str | None = None  # final URL after redirects, for fetched documents
    content_type: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def name(self) -> str:
        """The last path component (file name, or last URL path segment)."""
        if self.url is not None or is_url(self.source):
            path = urlsplit(self.url or self.source).path.rstrip("/")
            return path.rsplit("/", 1)[-1] or urlsplit(self.url or self.source).netloc
        return Path(self.source).name


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def load(source: str | Path, *, timeout: float = 10.0) -> RawDocument:
    """Read a file path or fetch an http(s) URL; raise an `IngestError` if it is no text document."""
    if is_url(source):
        return _fetch(str(source), timeout)
    return _read_file(Path(source))


def load_bytes(
    data: bytes,
    source: str,
    *,
    suffix: str = "",
    content_type: str | None = None,
    url: str | None = None,
) -> RawDocument:
    """Check and decode bytes from anywhere; decide the reader from suffix, content type and content."""
    text = decode(data, source)
    kind = detect_kind(text, suffix=suffix, content_type=content_type)
    return RawDocument(source=source, data=data, text=text, kind=kind, url=url, content_type=content_type)


def decode(data: bytes, source: str) -> str:
    """Strict UTF-8 (BOM allowed) with the checks a user needs to hear about."""
    if not data.strip():
        raise EmptyDocument(source, "the document is empty" if not data else "the document holds only whitespace")
    if data.startswith(_UTF16_BOMS):
        raise EncodingError(source, "the document is UTF-16, not UTF-8")
    head = data[:8192]
    if b"\x00" in head:
        raise BinaryDocument(source, "the document is binary (it contains NUL bytes), not text")
    controls = sum(1 for b in head if b < 32 and b not in _CONTROL_OK)
    if controls > max(4, len(head) // 20):
        raise BinaryDocument(source, f"the document is binary ({controls} control bytes in the first {len(head)})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            source, f"the document is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise BinaryDocument(source, "the document is binary (it contains NUL bytes), not text")
    if not text.strip():
        raise EmptyDocument(source, "the document holds only whitespace")
    return text


def detect_kind(text: str, *, suffix: str = "", content_type: str | None = None) -> DocKind:
    """`.md` or front matter -> markdown; `.html`/HTML content type/`<html` -> html; else text."""
    suffix = suffix.lower()
    ctype = (content_type or "").split(";")[0].strip().lower()
    if suffix in (".html", ".htm") or ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if suffix == ".md" or ctype in ("text/markdown", "text/x-markdown") or _FRONT_MATTER.match(text):
        return "markdown"
    if _HTML_SNIFF.match(text[:4096]):
        return "html"
    return "text"


def iter_sources(paths: list[str] | list[Path] | list[str | Path]) -> list[str]:
    """Expand directories to their document files (sorted); keep files and URLs as given.

    A missing path is kept: `load` will report it, so it shows up in the build report.
    """
    out: list[str] = []
    for item in paths:
        if is_url(item):
            out.append(str(item))
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in SUFFIXES
                and p.name != MANIFEST_NAME
                and not p.name.startswith(".")
                and p.is_file()
            )
            out.extend(str(p) for p in found)
        else:
            out.append(str(path))
    return list(dict.fromkeys(out))


def _read_file(path: Path) -> RawDocument:
    source = str(path)
    try:
        if path.is_dir():
            raise UnreadableDocument(source, "is a directory, not a document")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableDocument(source, f"is too large ({size} bytes; the limit is {MAX_BYTES})")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableDocument(source, "no such file") from None
    except PermissionError:
        raise UnreadableDocument(source, "permission denied") from None
    except IsADirectoryError:
        raise UnreadableDocument(source, "is a directory, not a document") from None
    except OSError as exc:
        raise UnreadableDocument(source, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    return load_bytes(data, source, suffix=path.suffix)


def _fetch(url: str, timeout: float) -> RawDocument:
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout) as client:
            response = client.get(url, headers={"Accept": "text/html, text/markdown;q=0.9, text/plain;q=0.8"})
    except httpx.TimeoutException:
        raise FetchError(url, f"timed out after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        reason = str(exc) or exc.__class__.__name__
        raise FetchError(url, f"cannot be fetched ({reason})") from None
    if response.status_code >= 400:
        raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
    if len(response.content) > MAX_BYTES:
        raise UnreadableDocument(url, f"is too large ({len(response.content)} bytes; the limit is {MAX_BYTES})")
    final = str(response.url)
    suffix = Path(urlsplit(final).path).suffix
    log.debug("fetched %s (%s, %d bytes)", final, response.headers.get("content-type"), len(response.content))
    return load_bytes(
        response.content,
        url,
        suffix=suffix if suffix.lower() in SUFFIXES else "",
        content_type=response.headers.get("content-type"),
        url=final,
    )
