"""Chroma server mode (CHROMA_HOST/CHROMA_PORT) against a real `chroma run` on 127.0.0.1.

Ingest writes the vectors to the server; the API answers from it. When the server
goes away, fact answers keep working, passage questions get a JSON 503 and /readyz
says passages are unavailable; when it comes back, passages recover by themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import httpx
import pytest

from hakb.devserver import ChromaServer, HakbServer, start_chroma
from hakb.ingest import builds
from tests.conftest import hakb_server, make_data_dir, run_hakb, wait_until

FACT_Q = "what port does ha1 use?"
PASSAGE_Q = "where can I view the status of the HA4 links?"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A Chroma server on a fixed port: a test may stop it and start it again in place."""
    root = tmp_path_factory.mktemp("chroma")
    with start_chroma(root / "store", root / "chroma.log") as server:
        yield server


@pytest.fixture(scope="module")
def served(chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HakbServer, Path]]:
    """The seed ingested into the Chroma server with `hakb ingest`, and an API on it."""
    root = tmp_path_factory.mktemp("chroma-mode")
    data_dir = make_data_dir(root / "data")
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port)}
    done = run_hakb("ingest", data_dir=data_dir, env=env)
    assert done.returncode == 0, done.stderr
    with hakb_server(data_dir, root / "server.log", env) as server:
        yield server, data_dir


def _ask(base: str, question: str) -> httpx.Response:
    return httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=60)


def _passages(base: str) -> str:
    return str(httpx.get(f"{base}/readyz", timeout=10).json()["passages"])


def test_ingest_writes_vectors_to_the_server_not_the_build_folder(
    served: tuple[HakbServer, Path], chroma: ChromaServer
) -> None:
    _, data_dir = served
    build_id = builds.current_build_id(data_dir / "index") or ""
    assert not (builds.build_path(data_dir / "index", build_id) / "chroma").exists()
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma.port)
    collection = client.get_collection(builds.collection_name(build_id))
    manifest = builds.read_manifest(builds.build_path(data_dir / "index", build_id))
    assert collection.count() == manifest.counts["chunks"] > 0


def test_answers_facts_and_passages_through_the_server(served: tuple[HakbServer, Path]) -> None:
    server, _ = served
    assert _passages(server.url) == "ok"
    fact = _ask(server.url, FACT_Q).json()
    assert fact["kind"] == "fact" and "28769" in fact["answer"]
    passage = _ask(server.url, PASSAGE_Q).json()
    assert passage["kind"] == "passage"
    assert "dashboard" in passage["answer"] and passage["citations"]


def test_chroma_outage_and_recovery(served: tuple[HakbServer, Path], chroma: ChromaServer) -> None:
    server, _ = served
    chroma.stop()
    try:
        # A passage question cannot be answered: a JSON 503 that says why, not a 500.
        response = _ask(server.url, PASSAGE_Q)
        assert response.status_code == 503, response.text
        body: dict[str, Any] = response.json()
        assert body["error"] == "unavailable" and "passage" in body["message"]
        assert response.headers.get("retry-after")
        # Fact answers come from the facts table and keep working.
        fact = _ask(server.url, FACT_Q)
        assert fact.status_code == 200 and "28769" in fact.json()["answer"]
        # Readiness tells an operator, without anyone asking a question first.
        wait_until(lambda: _passages(server.url) != "ok", 30, "/readyz to report passages unavailable", poll_s=0.2)
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200  # facts still serve: the instance stays in rotation
        assert ready.json()["status"] == "degraded"
        assert "unreachable" in ready.json()["passages"] and str(chroma.port) in ready.json()["passages"]
        assert "hakb_passages_available 0.0" in httpx.get(f"{server.url}/metrics", timeout=10).text
    finally:
        chroma.start()
    # Back by itself: no restart of the API.
    wait_until(lambda: _passages(server.url) == "ok", 30, "passages to recover", poll_s=0.2)
    assert httpx.get(f"{server.url}/readyz", timeout=10).json()["status"] == "ready"
    assert "hakb_passages_available 1.0" in httpx.get(f"{server.url}/metrics", timeout=10).text
    passage = _ask(server.url, PASSAGE_Q)
    assert passage.status_code == 200 and passage.json()["kind"] == "passage"
