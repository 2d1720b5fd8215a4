"""A replica follows its primary (issue 13): real `hakb serve` processes, a primary over a
copy of the seed and a replica started on an empty data dir with HAKB_PRIMARY_URL. The
replica fetches the primary's build, serves it, follows an ingest of a changed document,
and keeps serving when the primary goes away. The routes it uses are protected as
reading votes is: an admin key when HAKB_ADMIN_KEYS is set."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import chromadb
import httpx
import pytest

from hakb.devserver import free_port, start_chroma
from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.replica import ReplicaFollower
from hakb.settings import Settings
from tests.conftest import SEED_DOCS, StartServer, copy_data_dir, ingest, run_hakb, wait_until

ADMIN_KEY = "replica-admin-key"
API_KEY = "replica-user-key"
SEED_DOC = "ha-links-and-backup-links.txt"
QUESTION = {"question": "what port does ha1 use?"}
PAGE = Path(__file__).parent / "fixtures" / "html" / "ports.html"


def _answer(url: str) -> str:
    response = httpx.post(f"{url}/v1/ask", json=QUESTION, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["answer"])


def test_a_replica_serves_the_primarys_builds_and_survives_its_absence(
    seed_data_dir: Path, tmp_path: Path, start_server: StartServer
) -> None:
    primary_dir = copy_data_dir(seed_data_dir, tmp_path / "primary")
    primary = start_server(primary_dir, {"HAKB_ADMIN_KEYS": ADMIN_KEY, "HAKB_API_KEYS": API_KEY})
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}

    # The routes a replica uses: an admin key, not a user's key, not none.
    current = f"{primary.url}/v1/builds/current"
    assert httpx.get(current, timeout=30).status_code == 401
    refused = httpx.get(current, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    assert refused.status_code == 403 and "HAKB_ADMIN_KEYS" in refused.json()["detail"]
    info = httpx.get(current, headers=admin, timeout=30).json()
    first = info["build_id"]
    assert info["export"] == f"/v1/builds/{first}/export" and info["facts"] > 0
    export = httpx.get(f"{primary.url}{info['export']}", headers=admin, timeout=30)
    assert export.status_code == 200 and export.headers["x-hakb-build-id"] == first
    with tarfile.open(fileobj=io.BytesIO(export.content)) as tar:
        assert tar.getnames()[0] == f"{first}/checksums.json"
    missing = httpx.get(f"{primary.url}/v1/builds/b2020/export", headers=admin, timeout=30)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")

    # A replica with nothing of its own is ready once it has the primary's build.
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    follow = {"HAKB_PRIMARY_URL": primary.url, "HAKB_PRIMARY_KEY": ADMIN_KEY, "HAKB_PRIMARY_POLL": "0.5"}
    replica = start_server(replica_dir, follow)
    assert httpx.get(f"{replica.url}/readyz", timeout=30).json()["build_id"] == first
    assert "28769" in _answer(replica.url)

    # An ingest of a changed document on the primary reaches the replica.
    doc = primary_dir / "docs" / SEED_DOC
    doc.write_text(doc.read_text(encoding="utf-8").replace("28769", "28770"), encoding="utf-8")
    done = run_hakb("ingest", data_dir=primary_dir)
    assert done.returncode == 0, done.stderr
    wait_until(lambda: "28770" in _answer(replica.url), 10.0, "the replica to answer from the primary's new build")
    assert "28769" not in _answer(replica.url)
    assert "replica: build" in replica.log() and "is current" in replica.log()

    # The primary goes away: the replica says so in its log and keeps answering.
    primary.stop()
    wait_until(lambda: "cannot reach the primary" in replica.log(), 10.0, "the replica to log the primary's absence")
    assert "28770" in _answer(replica.url)
    assert httpx.get(f"{replica.url}/readyz", timeout=30).status_code == 200
    assert "Traceback" not in replica.log()


class _FakePrimary(BaseHTTPRequestHandler):
    """A primary whose export was altered on the way: what a replica must refuse."""

    build_id = ""
    export = b""

    def do_GET(self) -> None:  # noqa: N802  # http.server's name
        if self.path == "/v1/builds/current":
            body = json.dumps({"build_id": self.build_id, "export": f"/v1/builds/{self.build_id}/export"}).encode()
            kind = "application/json"
        else:
            body, kind = self.export, "application/x-tar"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_replica_refuses_an_altered_build_and_keeps_its_own(
    seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    primary_dir = copy_data_dir(seed_data_dir, tmp_path / "primary")
    result = ingest(primary_dir, [PAGE], onnx_embedder)
    assert result.ok and result.build_id
    export = io.BytesIO()
    builds.export_build(primary_dir / "index", result.build_id, export)
    _FakePrimary.build_id = result.build_id
    _FakePrimary.export = export.getvalue().replace(b'"28922"', b'"28999"')  # a value, wherever it is

    replica_dir = copy_data_dir(seed_data_dir, tmp_path / "replica")
    before = builds.current_build_id(replica_dir / "index")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePrimary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        follower = ReplicaFollower(Settings(HAKB_DATA_DIR=replica_dir, HAKB_PRIMARY_URL=url))
        with pytest.raises(builds.ImportRefused, match="does not match its checksum"):
            follower.poll_once()
    finally:
        server.shutdown()
    assert builds.current_build_id(replica_dir / "index") == before
    assert result.build_id not in builds.finished_builds(replica_dir / "index")


def test_a_replica_without_a_build_says_it_waits_for_its_primary(tmp_path: Path, start_server: StartServer) -> None:
    # A primary that is not there yet; its URL carries a password, which no client sees.
    port = free_port()
    url = f"http://ops:url-secret@127.0.0.1:{port}/"
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    follow = {"HAKB_PRIMARY_URL": url, "HAKB_PRIMARY_KEY": ADMIN_KEY, "HAKB_PRIMARY_POLL": "0.5"}
    replica = start_server(replica_dir, follow, wait_ready=False)

    ready = httpx.get(f"{replica.url}/readyz", timeout=30)
    asked = httpx.post(f"{replica.url}/v1/ask", json=QUESTION, timeout=30)
    assert ready.status_code == 503 and asked.status_code == 503
    for said in (ready.json()["reason"], asked.json()["detail"]):
        assert f"waiting for the first build from the primary http://127.0.0.1:{port}" in said, said
        assert "hakb ingest" not in said
    wait_until(lambda: "cannot reach the primary" in replica.log(), 10.0, "the replica to log the primary's absence")
    for text in (ready.text, asked.text, replica.log()):
        assert "url-secret" not in text and ADMIN_KEY not in text


def test_a_replicas_polls_leave_the_rate_limit_to_users(
    seed_data_dir: Path, tmp_path: Path, start_server: StartServer
) -> None:
    # Two requests a minute per address: a replica polling five times a second from the
    # same address would have drained that long before a user's first question.
    primary_dir = copy_data_dir(seed_data_dir, tmp_path / "primary")
    keys = {"HAKB_ADMIN_KEYS": ADMIN_KEY, "HAKB_API_KEYS": API_KEY, "HAKB_RATE_LIMIT": "2"}
    primary = start_server(primary_dir, keys)
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    follow = {"HAKB_PRIMARY_URL": primary.url, "HAKB_PRIMARY_KEY": ADMIN_KEY, "HAKB_PRIMARY_POLL": "0.2"}
    replica = start_server(replica_dir, follow)  # ready: it fetched the build (two requests)
    polled = '"GET /v1/builds/current" 200'
    wait_until(lambda: primary.log().count(polled) >= 6, 10.0, "the replica to poll the primary six times")
    assert httpx.get(f"{replica.url}/readyz", timeout=30).status_code == 200

    user = {"Authorization": f"Bearer {API_KEY}"}
    docs = f"{primary.url}/v1/documents"
    assert [httpx.get(docs, headers=user, timeout=30).status_code for _ in range(3)] == [200, 200, 429]
    # Only an admin key reads builds unlimited: a user's key on the same route is counted.
    current = f"{primary.url}/v1/builds/current"
    assert httpx.get(current, headers=user, timeout=30).status_code == 429
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert httpx.get(current, headers=admin, timeout=30).status_code == 200
    assert "answered 429" not in replica.log()  # the replica was never refused either


def _changed_seed(root: Path, port: str) -> Path:
    """The seed page with the ha1 port set to `port`: one changed document, a new build."""
    docs = root / f"docs-{port}"
    docs.mkdir(parents=True)
    for name in ("manifest.json", SEED_DOC):
        (docs / name).write_bytes((SEED_DOCS / name).read_bytes())
    page = docs / SEED_DOC
    page.write_text(page.read_text(encoding="utf-8").replace("28769", port), encoding="utf-8")
    return page


def test_a_replica_drops_the_vectors_of_builds_it_no_longer_keeps(
    seed_data_dir: Path, tmp_path: Path, start_server: StartServer, onnx_embedder: OnnxEmbedder
) -> None:
    # The primary keeps its vectors in its build folders; one replica keeps them on its own
    # Chroma server, another in its build folders. Each follows one build more than it keeps.
    primary_dir = copy_data_dir(seed_data_dir, tmp_path / "primary")
    primary = start_server(primary_dir, {"HAKB_ADMIN_KEYS": ADMIN_KEY})
    with start_chroma(tmp_path / "chroma-store", tmp_path / "chroma.log") as chroma:
        on_server = ReplicaFollower(
            Settings(
                HAKB_DATA_DIR=tmp_path / "on-server",
                CHROMA_HOST=chroma.host,
                CHROMA_PORT=chroma.port,
                HAKB_PRIMARY_URL=primary.url,
                HAKB_PRIMARY_KEY=ADMIN_KEY,
            )
        )
        embedded = ReplicaFollower(
            Settings(HAKB_DATA_DIR=tmp_path / "embedded", HAKB_PRIMARY_URL=primary.url, HAKB_PRIMARY_KEY=ADMIN_KEY)
        )
        first = on_server.poll_once()
        assert first and embedded.poll_once() == first
        fetched = [first]
        for k in range(builds.KEEP_BUILDS):
            result = ingest(primary_dir, [_changed_seed(tmp_path, f"2878{k}")], onnx_embedder)
            assert result.ok and result.changed and result.build_id, result.error
            wait_until(on_server.poll_once, 10.0, f"the replica to fetch build {result.build_id}")
            assert embedded.poll_once() == result.build_id
            fetched.append(result.build_id)

        kept = fetched[-builds.KEEP_BUILDS :]
        client = chromadb.HttpClient(host=chroma.host, port=chroma.port)
        on_chroma = sorted(str(getattr(c, "name", c)) for c in client.list_collections())
        assert on_chroma == sorted(builds.collection_name(b) for b in kept)
    for replica in (on_server, embedded):
        assert builds.finished_builds(replica.index_dir) == kept
        assert not builds.build_path(replica.index_dir, fetched[0]).exists()  # an embedded store with it
