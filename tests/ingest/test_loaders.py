"""Loading documents: what a user pointing `hakb ingest` at files or URLs will see."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hakb.ingest.docs_manifest import hint_for, load_manifest
from hakb.ingest.errors import (
    BinaryDocument,
    EmptyDocument,
    EncodingError,
    FetchError,
    IngestError,
    ManifestError,
    UnreadableDocument,
)
from hakb.ingest.loaders import iter_sources, load
from hakb.ingest.parse import doc_id_for, parse_document, read_document

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "html"
SEED = REPO / "data" / "docs" / "ha-links-and-backup-links.txt"


# --------------------------------------------------------------------------- kinds


def test_seed_is_read_as_a_text_scrape_with_its_manifest_metadata() -> None:
    meta, sections = read_document(SEED)
    assert meta.kind == "text"
    assert meta.doc_id == "ha-links-and-backup-links"
    assert meta.title == "HA Links and Backup Links"
    assert (
        meta.url == "https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-links-and-backup-links"
    )
    assert meta.version == "PAN-OS 11.1 & Later"
    assert len(meta.sha256) == 64
    assert sections


def test_bundled_manifest_describes_the_seed() -> None:
    manifest = load_manifest(SEED.parent)
    assert manifest["ha-links-and-backup-links.txt"]["title"] == "HA Links and Backup Links"
    assert hint_for(SEED) == manifest["ha-links-and-backup-links.txt"]


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("page.txt", "Title\nSome text here.\n", "text"),
        ("page.md", "# Title\n\nSome text.\n", "markdown"),
        ("page.txt", "---\nurl: https://example.test/a\n---\n# T\n\nBody text here.\n", "markdown"),
        ("page.html", "<p>hello</p>", "html"),
        ("page.htm", "<p>hello</p>", "html"),
        ("page.txt", "<!DOCTYPE html><html><body><p>hi</p></body></html>", "html"),
        ("noext", "<html><body><p>hi</p></body></html>", "html"),
    ],
)
def test_kind_follows_extension_front_matter_and_content(tmp_path: Path, name: str, content: str, kind: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert load(path).kind == kind


def test_utf8_bom_is_accepted_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfTitle\nThe body says something.\n")
    raw = load(path)
    assert raw.text.startswith("Title")
    assert raw.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", EmptyDocument, "empty"),
        (b"  \n\t\n  ", EmptyDocument, "whitespace"),
        (b"\xef\xbb\xbf \n", EmptyDocument, "whitespace"),
        (b"PK\x03\x04\x00\x00binary", BinaryDocument, "binary"),
        (bytes(range(1, 32)) * 20, BinaryDocument, "binary"),
        (b"caf\xe9 au lait is not UTF-8", EncodingError, "UTF-8"),
        (b"\xff\xfeT\x00i\x00t\x00", EncodingError, "UTF-16"),
    ],
)
def test_bad_bytes_are_refused_with_a_one_line_reason(tmp_path: Path, data: bytes, error: type, words: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    with pytest.raises(error) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and words in message
    assert "\n" not in message
    assert isinstance(info.value, IngestError)


def test_missing_file_and_directory_are_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="no such file"):
        load(tmp_path / "nope.txt")
    with pytest.raises(UnreadableDocument, match="directory"):
        load(tmp_path)


def test_permission_denied_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Title\nBody text.\n")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(UnreadableDocument, match="permission denied"):
        load(path)


def test_malformed_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(["a", "b"]))
    with pytest.raises(ManifestError, match="JSON object"):
        load_manifest(tmp_path)


def test_manifest_overrides_what_the_document_says(tmp_path: Path) -> None:
    doc = tmp_path / "links.md"
    doc.write_text(
        "---\nurl: https://example.test/from-front-matter\n---\n# Own Title Clear\n\nBody sentence for the page.\n"
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps({"links.md": {"title": "Manifest Title", "url": "https://example.test/m", "version": "PAN-OS 11.1"}})
    )
    meta, _ = read_document(doc)
    assert (meta.title, meta.url, meta.version) == ("Manifest Title", "https://example.test/m", "PAN-OS 11.1")
    (tmp_path / "manifest.json").unlink()
    meta, _ = read_document(doc)
    assert (meta.title, meta.url, meta.version) == ("Own Title", "https://example.test/from-front-matter", None)


# --------------------------------------------------------------------------- sources


def test_iter_sources_expands_directories_sorted_and_skips_the_manifest(tmp_path: Path) -> None:
    for name in ["b.md", "a.txt", "c.html", "d.htm", "manifest.json", "notes.pdf", ".hidden.txt"]:
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    explicit = tmp_path / "sub" / "odd.rst"
    explicit.write_text("x")
    sources = iter_sources([tmp_path, str(explicit), "https://example.test/page"])
    names = [Path(s).name for s in sources[:4]]
    assert names == ["a.txt", "b.md", "c.html", "d.htm"]
    assert sources[4:] == [str(explicit), "https://example.test/page"]


def test_doc_ids_are_stable_slugs() -> None:
    assert doc_id_for("data/docs/ha-links-and-backup-links.txt") == "ha-links-and-backup-links"
    assert doc_id_for("x/ngfw__administration__high-availability__ha-timers.md") == (
        "ngfw__administration__high-availability__ha-timers"
    )
    assert doc_id_for("https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-timers") == (
        "ngfw__administration__high-availability__ha-timers"
    )
    assert doc_id_for("/tmp/My Notes (v2).txt") == "my-notes-v2"


# --------------------------------------------------------------------------- URLs


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, directory=str(FIXTURES), **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ha-links.html")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_is_fetched_parsed_and_cited_by_its_canonical_url(server: str) -> None:
    raw = load(f"{server}/ha-links.html")
    assert raw.kind == "html"
    meta, sections = parse_document(raw)
    assert meta.title == "Peer Links and Their Backups"
    assert meta.url == "https://docs.example.test/fw/admin/ha/peer-links"  # <link rel=canonical>
    assert meta.doc_id == "ha-links"
    assert any(s.label == "Control Link" for s in sections)


def test_redirects_are_followed_and_the_final_url_kept(server: str) -> None:
    raw = load(f"{server}/moved")
    assert raw.url == f"{server}/ha-links.html"
    assert raw.kind == "html"


def test_missing_page_is_a_fetch_error_naming_the_status(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        load(f"{server}/no-such-page.html")


def test_refused_connection_is_a_fetch_error() -> None:
    with socket.socket() as s:  # a port nobody listens on: bind, then close
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as info:
        load(f"http://127.0.0.1:{port}/page.html", timeout=2.0)
    assert f"127.0.0.1:{port}" in str(info.value)
