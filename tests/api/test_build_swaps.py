"""A running server follows the CURRENT pointer by itself, and never serves a damaged build.

Nothing in the answer path names a port: a build from an edited document changes
the answer the live server gives, with no restart.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from tests.conftest import SEED_DOC, copy_data_dir, ingest, wait_until

SWITCH_TIMEOUT_S = 30.0


def _ask(base: str, question: str) -> dict[str, Any]:
    response = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _ready(base: str) -> httpx.Response:
    return httpx.get(f"{base}/readyz", timeout=10)


def test_server_moves_to_a_build_from_an_edited_document(
    seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder, start_server: Callable[..., Any]
) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    server = start_server(data_dir)
    before = _ask(server.url, "what port does ha1 use?")
    assert "28769" in before["answer"] and "28799" not in before["answer"]
    old_build = before["build_id"]

    doc = data_dir / "docs" / SEED_DOC.name
    doc.write_text(doc.read_text(encoding="utf-8").replace("28769", "28799"), encoding="utf-8")
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok and result.changed

    wait_until(
        lambda: _ready(server.url).json().get("build_id") == result.build_id,
        SWITCH_TIMEOUT_S,
        "the server to load the new build",
    )
    after = _ask(server.url, "what port does ha1 use?")
    assert after["build_id"] == result.build_id != old_build
    assert "28799" in after["answer"] and "28769" not in after["answer"]
    assert any("28799" in c["quote"] for c in after["citations"])
    ports = httpx.get(f"{server.url}/v1/ports", timeout=10).json()["ports"]
    assert {"28799"} <= {p["port"] for p in ports if p["link"] == "HA1"}
    assert "28769" not in {p["port"] for p in ports}


def test_damaged_builds_are_never_served(
    seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder, start_server: Callable[..., Any]
) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    index = data_dir / "index"
    damaged = builds.current_build_id(index) or ""
    (builds.build_path(index, damaged) / "manifest.json").unlink()

    # Nothing good to serve: not ready, saying why; questions get a JSON 503.
    server = start_server(data_dir, wait_ready=False)
    response = _ready(server.url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert damaged in body["reason"] and "manifest.json is missing" in body["reason"]
    ask = httpx.post(f"{server.url}/v1/ask", json={"question": "what port does ha1 use?"}, timeout=10)
    assert ask.status_code == 503 and ask.json()["error"] == "not_ready"
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200  # alive, just not ready

    # A good build appears: the server picks it up by itself.
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok and result.changed
    good = result.build_id
    wait_until(lambda: _ready(server.url).status_code == 200, SWITCH_TIMEOUT_S, "the server to become ready")
    assert _ready(server.url).json()["build_id"] == good
    assert "28769" in _ask(server.url, "what port does ha1 use?")["answer"]

    # A damaged build made current later is refused; the good one keeps serving.
    bad = builds.new_build_id()
    shutil.copytree(builds.build_path(index, good or ""), builds.build_path(index, bad))
    facts = builds.build_path(index, bad) / "facts.jsonl"
    facts.write_bytes(facts.read_bytes()[:100])
    builds.set_current(index, bad)
    time.sleep(2.0)  # ten watch intervals: time enough to (wrongly) switch
    ready = _ready(server.url)
    assert ready.status_code == 200 and ready.json()["build_id"] == good
    assert "28769" in _ask(server.url, "what port does ha1 use?")["answer"]
    assert "refusing build" in server.log() and bad in server.log()
