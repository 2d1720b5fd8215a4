"""From a path or an http(s) URL to checked, decoded text: `RawDocument`.

`load` reads a file or fetches a URL, refuses what is not a UTF-8 text document
(unreadable, empty, binary, another encoding, machine records rather than prose)
with an `IngestError`, and decides which reader applies: `text` (a plain-text
scrape), `markdown` (a scraped page with YAML front matter) or `html`.
`iter_sources` expands directories.

Files: a symbolic link whose target lies outside the folder that holds it is
refused (a docs folder must not publish /etc/passwd through a link), and so is a
file whose words are too few to be a page (`/etc/passwd`, a key, a CSV dump), by
content, whatever its name.

URLs (`FetchPolicy`, set around a whole ingest with `fetch_policy`): the body is
streamed and reading stops past `max_bytes`; the whole fetch, redirects included,
must end within `deadline_s` (HAKB_FETCH_DEADLINE), however slowly the server
trickles; a redirect to another host is followed only when every address that
host resolves to is public (not loopback, private, link-local, reserved or
multicast) unless `allow_private` (`hakb ingest --allow-private`). The URL as
given is fetched whatever its address: naming an intranet page is the user's
choice, a redirect is the server's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from hakb.ingest.errors import (
    BinaryDocument,
    EmptyDocument,
    EncodingError,
    FetchError,
    NotADocument,
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
MAX_REDIRECTS = 5
DEFAULT_DEADLINE_S = 30.0
# A page's text is mostly words: every page of the corpus scores 0.84 or more;
# /etc/passwd 0.02, a certificate 0.00, a requirements file 0.04, Python source 0.38.
MIN_WORD_SHARE = 0.6
# A word, an acronym, or a short technical term (28769, HA1, PA-3200, 0x7261, 10.1),
# with the punctuation prose puts around it.
_WORD = re.compile(
    r"[(\[\"'“*_`]*(?:[A-Za-z][a-z'’\-]+|[A-Z]{2,6}s?|[a-z]|[A-Za-z0-9][\w.\-/–]{0,11})[)\]\"'”*_`.,;:!?]*"
)
_COUNTED = re.compile(r"\w")
_LINK = re.compile(r"[(<\[]*(?:https?|ftp|mailto):", re.I)
# A tag: no "<" inside, so a run of "<" is scanned once, not once per "<".
_MARKUP = re.compile(r"<[^<>]*>")
_HTML_TAG = re.compile(r"<[A-Za-z][\w:-]*[\s/>]")


@dataclass(frozen=True)
class FetchPolicy:
    """How far a URL fetch may go (see the module docstring)."""

    allow_private: bool = False
    deadline_s: float = DEFAULT_DEADLINE_S
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS


_policy: ContextVar[FetchPolicy | None] = ContextVar("hakb_fetch_policy", default=None)


@contextmanager
def fetch_policy(policy: FetchPolicy) -> Iterator[None]:
    """Every fetch inside the block follows `policy` (the CLI sets it around an ingest)."""
    token = _policy.set(policy)
    try:
        yield
    finally:
        _policy.reset(token)


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
    if kind != "html" or not _HTML_TAG.search(text):
        # Markup is the HTML reader's to judge (it refuses a page with no body); a file
        # named .html that holds no tag at all is text like any other.
        check_prose(text, source)
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


def check_prose(text: str, source: str) -> None:
    """Refuse text that is not a page for people to read: most of it must be words.

    Measured on the characters of whitespace-separated tokens, with tags, links
    and bare punctuation (`#`, `---`, `|`) left out: `root:x:0:0:root:/root:/bin/bash`
    is one token and no word."""
    tokens = [t for t in _MARKUP.sub(" ", text).split() if _COUNTED.search(t) and not _LINK.match(t)]
    total = sum(len(t) for t in tokens)
    if not total:
        return  # markup only: the reader will say there is no body
    share = sum(len(t) for t in tokens if _WORD.fullmatch(t)) / total
    if share < MIN_WORD_SHARE:
        raise NotADocument(
            source,
            f"does not read as a document: {share:.0%} of its text is words (a page has over"
            f" {MIN_WORD_SHARE:.0%}); it looks like records, code or keys",
        )


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
        _refuse_escaping_link(path)
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


def _refuse_escaping_link(path: Path) -> None:
    """A link (or a path through a linked folder) may point anywhere inside the folder
    holding it, never out of it."""
    if not path.is_symlink():
        return
    folder = path.absolute().parent.resolve()
    target = path.resolve()
    if not target.is_relative_to(folder):
        raise UnreadableDocument(
            str(path), f"is a link to {target.name!r} outside its folder; links may not leave the docs folder"
        )


def _fetch(url: str, timeout: float) -> RawDocument:
    policy = _policy.get() or FetchPolicy()
    deadline = time.monotonic() + policy.deadline_s
    try:
        with httpx.Client(follow_redirects=False) as client:
            data, final, content_type = _fetch_following(client, url, timeout, policy, deadline)
    except httpx.TimeoutException:
        if time.monotonic() >= deadline:
            raise FetchError(url, _past_deadline(policy)) from None
        raise FetchError(url, f"timed out after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        reason = str(exc) or exc.__class__.__name__
        raise FetchError(url, f"cannot be fetched ({reason})") from None
    suffix = Path(urlsplit(final).path).suffix
    log.debug("fetched %s (%s, %d bytes)", final, content_type, len(data))
    return load_bytes(
        data,
        url,
        suffix=suffix if suffix.lower() in SUFFIXES else "",
        content_type=content_type,
        url=final,
    )


def _past_deadline(policy: FetchPolicy) -> str:
    return f"took longer than {policy.deadline_s:g} s (HAKB_FETCH_DEADLINE); stopped"


def _fetch_following(
    client: httpx.Client, url: str, timeout: float, policy: FetchPolicy, deadline: float
) -> tuple[bytes, str, str | None]:
    """(body, final URL, content type), following redirects by hand so each is checked."""
    current = url
    origin = (urlsplit(url).hostname or "").lower()
    headers = {"Accept": "text/html, text/markdown;q=0.9, text/plain;q=0.8"}
    for _ in range(policy.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, _past_deadline(policy))
        # No single wait may outlast the deadline.
        limit = httpx.Timeout(min(timeout, remaining))
        with client.stream("GET", current, headers=headers, timeout=limit) as response:
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers.get("location", ""))
                _check_redirect(url, target, origin, policy)
                current = target
                continue
            if response.status_code >= 400:
                raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            return _read_body(url, response, policy, deadline), str(response.url), response.headers.get("content-type")
    raise FetchError(url, f"more than {policy.max_redirects} redirects")


def _read_body(url: str, response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise UnreadableDocument(url, f"is too large ({declared} bytes; the limit is {policy.max_bytes})")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded: a compressed bomb counts at its full size
        size += len(chunk)
        if size > policy.max_bytes:
            raise UnreadableDocument(url, f"is too large (over {policy.max_bytes} bytes; stopped reading)")
        if time.monotonic() > deadline:
            raise FetchError(url, f"{_past_deadline(policy)} after {size} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_redirect(url: str, target: str, origin: str, policy: FetchPolicy) -> None:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, f"redirected to {target[:200]!r}, which is not an http(s) URL")
    host = parts.hostname.lower()
    if policy.allow_private or host == origin:
        return  # the host the user named, or the user allowed private addresses
    for address in _addresses(url, host, parts.port or (443 if parts.scheme == "https" else 80)):
        if not _is_public(address):
            raise FetchError(
                url,
                f"redirected to {host} ({address}), a loopback, private or link-local address;"
                " not followed (hakb ingest --allow-private follows it)",
            )


def _addresses(url: str, host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"redirected to {host}, which does not resolve ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is no part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
    )
