"""`hakb ingest` against sources an attacker controls (issue 14, items 5 and 6).

URLs are served by a real local HTTP server that records what it was asked and
how much it sent: a 100 MB body, a server that trickles a byte at a time, and
redirects into loopback, link-local and private addresses. Files: a link in the
docs folder that points outside it, and text that is no document (/etc/passwd).
Every ingest is the command a user runs.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import copy_data_dir, run_hakb

PAGE = b"""<!DOCTYPE html><html><head><title>Zebra Relay Notes</title></head><body>
<h1>Zebra Relay Notes</h1><p>The zebra relay of an HA pair forwards hello messages between the peers
when the control link is down, so the passive firewall keeps its view of the active one.</p></body></html>
"""
BIG_BYTES = 100 * 1024 * 1024
CHUNK = b"<p>" + b"x" * 65_530 + b"</p>"


@dataclass
class Recorded:
    paths: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)  # bytes of body written before the client left
    open_s: dict[str, float] = field(default_factory=dict)  # seconds from request to the client leaving


def _handler(recorded: Recorded) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            started = time.monotonic()
            recorded.paths.append(self.path)
            recorded.hosts.append(self.headers.get("host", ""))
            port = self.server.server_address[1]
            redirects = {
                "/moved": "/page.html",
                "/to-localhost": f"http://localhost:{port}/page.html",
                "/to-metadata": "http://169.254.169.254/latest/meta-data/",
                "/to-private": "http://10.255.255.1/page.html",
                "/to-ipv6-loopback": f"http://[::1]:{port}/page.html",
            }
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/page.html":
                self._send(PAGE)
                return
            sent = 0
            try:
                if self.path in ("/big", "/big-declared"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    if self.path == "/big-declared":
                        self.send_header("Content-Length", str(BIG_BYTES))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    while sent < BIG_BYTES:
                        self.wfile.write(CHUNK)
                        sent += len(CHUNK)
                elif self.path == "/trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.flush()
                    for byte in PAGE * 10:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        sent += 1
                        time.sleep(0.2)
                else:
                    self.send_error(404)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                recorded.sent[self.path] = sent
                recorded.open_s[self.path] = time.monotonic() - started

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, Recorded]]:
    recorded = Recorded()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorded))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorded
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def data_dir(seed_data_dir: Path, tmp_path: Path) -> Path:
    return copy_data_dir(seed_data_dir, tmp_path / "data")


def _ingest(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, float]:  # type: ignore[type-arg]
    started = time.monotonic()
    done = run_hakb("ingest", "--json", *args, data_dir=data_dir, env=env, timeout=180)
    return done.returncode, json.loads(done.stdout), time.monotonic() - started


def _errors(report: dict) -> str:  # type: ignore[type-arg]
    return " | ".join(str(d["error"]) for d in report["documents"] if d["error"])


# -- item 5: URLs ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_a_100_mb_body_is_refused_after_at_most_the_limit(
    site: tuple[str, Recorded], data_dir: Path, path: str
) -> None:
    base, recorded = site
    code, report, _ = _ingest(data_dir, base + path)
    assert code != 0
    assert "is too large" in _errors(report)
    assert report["build_id"]  # the current build is still there, unchanged
    assert not report["changed"]
    for _ in range(50):  # the server notices the closed connection on its next write
        if path in recorded.sent:
            break
        time.sleep(0.1)
    # Reading stopped at the 20 MB limit (plus what sat in socket buffers), not at 100 MB;
    # a declared length over it is refused before the body is read.
    limit = 20 * 1024 * 1024
    assert recorded.sent[path] < (limit + 16 * 1024 * 1024 if path == "/big" else 16 * 1024 * 1024), recorded.sent


def test_a_trickling_server_is_cut_off_at_the_deadline(site: tuple[str, Recorded], data_dir: Path) -> None:
    base, recorded = site
    code, report, _ = _ingest(data_dir, base + "/trickle", env={"HAKB_FETCH_DEADLINE": "2"})
    assert code != 0
    assert "took longer than 2 s (HAKB_FETCH_DEADLINE)" in _errors(report)
    for _ in range(50):
        if "/trickle" in recorded.open_s:
            break
        time.sleep(0.1)
    # A byte every 0.2 s never trips a per-read timeout; the deadline is for the whole fetch.
    assert recorded.open_s["/trickle"] < 6, recorded.open_s  # without the deadline: 6 minutes
    assert recorded.sent["/trickle"] < 20


@pytest.mark.parametrize("path", ["/to-localhost", "/to-ipv6-loopback", "/to-metadata", "/to-private"])
def test_redirects_into_private_addresses_are_not_followed(
    site: tuple[str, Recorded], data_dir: Path, path: str
) -> None:
    base, recorded = site
    before = len(recorded.paths)
    code, report, seconds = _ingest(data_dir, base + path)
    assert code != 0
    error = _errors(report)
    assert "loopback, private or link-local address" in error and "--allow-private" in error
    assert recorded.paths[before:] == [path], "the redirect target was never requested"
    assert seconds < 30  # refused before any connection, not after a connect timeout


def test_allow_private_follows_them_and_a_same_host_redirect_is_followed_anyway(
    site: tuple[str, Recorded], data_dir: Path
) -> None:
    base, recorded = site
    code, report, _ = _ingest(data_dir, base + "/moved")
    assert code == 0, report
    before = len(recorded.paths)
    code, report, _ = _ingest(data_dir, "--allow-private", base + "/to-localhost")
    assert code == 0, report
    assert recorded.paths[before:] == ["/to-localhost", "/page.html"]
    assert recorded.hosts[-1].startswith("localhost:")


# -- item 6: files -----------------------------------------------------------------


def test_a_link_out_of_the_docs_folder_is_refused_and_never_answered(data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret-notes.txt"
    secret.parent.mkdir()
    secret.write_text(
        "HA Links\n\nThe HA1 link of the vault pair uses TCP port 31337 for its private heartbeat.\n", encoding="utf-8"
    )
    docs = data_dir / "docs"
    os.symlink(secret, docs / "vault.txt")
    inside = docs / "zebra.txt"
    inside.write_text(
        "Zebra relay\n\nThe zebra relay forwards hello messages between HA peers when the control link is down.\n",
        encoding="utf-8",
    )
    os.symlink(inside, docs / "zebra-alias.txt")  # a link that stays inside is fine
    code, report, _ = _ingest(data_dir)
    assert code == 1
    by_name = {Path(d["source"]).name: d for d in report["documents"]}
    assert not by_name["vault.txt"]["ok"]
    assert "outside its folder" in by_name["vault.txt"]["error"]
    assert by_name["zebra-alias.txt"]["ok"] and by_name["zebra.txt"]["ok"]
    asked = run_hakb("ask", "--json", "what port does the vault pair ha1 link use?", data_dir=data_dir)
    assert "31337" not in asked.stdout
    # Named on the command line, it is refused the same way.
    code, report, _ = _ingest(data_dir, str(docs / "vault.txt"))
    assert code != 0 and "outside its folder" in _errors(report)


@pytest.mark.parametrize("name", ["passwd", "passwd.txt", "users.md", "accounts.html"])
def test_text_that_is_no_document_is_refused_whatever_its_name(data_dir: Path, tmp_path: Path, name: str) -> None:
    records = (
        "\n".join(f"user{i}:x:{1000 + i}:{1000 + i}:User {i}:/home/user{i}:/bin/bash" for i in range(40))
        + "\nroot:x:0:0:root:/root:/bin/bash\n"
    )
    path = tmp_path / name
    path.write_text(records, encoding="utf-8")
    code, report, _ = _ingest(data_dir, str(path))
    assert code != 0
    assert "does not read as a document" in _errors(report)


def test_etc_passwd_is_refused(data_dir: Path) -> None:
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    code, report, _ = _ingest(data_dir, "/etc/passwd")
    assert code != 0
    assert "does not read as a document" in _errors(report)
