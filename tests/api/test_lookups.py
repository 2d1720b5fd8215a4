"""The deterministic endpoints: facts, ports, platforms, health and readiness."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from hakb.ingest import builds


def get(base: str, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{base}{path}", params=params, timeout=30)


def test_healthz(live_server: str) -> None:
    response = get(live_server, "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_counts_what_the_build_holds(live_server: str, corpus_data_dir: Path) -> None:
    index = corpus_data_dir / "index"
    manifest = builds.read_manifest(builds.build_path(index, builds.current_build_id(index) or ""))
    body = get(live_server, "/readyz").json()
    assert body["status"] == "ready"
    assert body["build_id"] == manifest.build_id
    assert body["documents"] == len(manifest.documents) > 1
    assert body["facts"] == manifest.counts["facts"] > 0
    assert body["chunks"] == manifest.counts["chunks"] > 0
    assert body["passages"] == "ok"


def test_facts_filter_by_subject_and_attribute(live_server: str) -> None:
    body = get(live_server, "/v1/facts", subject="ha2", attribute="ethertype").json()
    assert body["count"] == len(body["facts"]) >= 2
    assert {f["subject"] for f in body["facts"]} == {"HA2"}
    assert {"0x7261", "0x7262"} <= {f["value"] for f in body["facts"]}
    assert all(f["conflict"] for f in body["facts"] if f["value"] in ("0x7261", "0x7262"))
    for f in body["facts"]:
        assert f["value"] in f["quote"] and f["doc_id"] and f["section"]


def test_facts_for_a_model_include_its_family(live_server: str) -> None:
    body = get(live_server, "/v1/facts", platform="PA-3260").json()
    assert body["count"] > 0
    assert any(f["subject"] == "HA3" and "aggregate" in f["value"] for f in body["facts"])
    # "PA-7000, PA-5400, PA-5200, PA-3200 Series ... firewalls": the bare family number is
    # the family's name too.
    assert all(
        {"PA-3200 Series", "PA-3200"} & set(f["platforms"]) or f["subject"].startswith("PA-32") for f in body["facts"]
    )


def test_facts_with_no_match_is_an_empty_list(live_server: str) -> None:
    body = get(live_server, "/v1/facts", subject="HA1", attribute="no-such-attribute").json()
    assert body == {"count": 0, "facts": [], "next_cursor": None}


def _rows(live_server: str) -> list[dict[str, Any]]:
    body = get(live_server, "/v1/ports").json()
    assert body["count"] == len(body["ports"])
    return body["ports"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("port", "link", "protocol"),
    [
        ("28769", "HA1", "TCP"),
        ("28260", "HA1", "TCP"),
        ("28771", "heartbeat-backup", None),
        ("29281", "HA2", "UDP"),
        ("99", "HA2", "IP"),
    ],
)
def test_ports_lists_what_to_allow_between_peers(live_server: str, port: str, link: str, protocol: str | None) -> None:
    rows = [r for r in _rows(live_server) if r["port"] == port and r["link"] == link]
    assert rows, f"{port} for {link} missing from /v1/ports"
    for row in rows:
        if protocol:
            assert row["protocol"] == protocol
        assert port in row["purpose"]  # the sentence that documents it
        assert row["source"]["title"] and row["source"]["url"].startswith("https://")
        assert port in row["source"]["quote"]


def test_ports_are_sorted_by_link_and_number(live_server: str) -> None:
    rows = _rows(live_server)
    # A range ("5404–5406", as the docs write it) sorts by its first port.
    keys = [(r["link"], int(re.match(r"\d+", r["port"]).group(0))) for r in rows]  # type: ignore[union-attr]
    assert keys == sorted(keys)  # what a firewall admin reads top to bottom, link by link


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("PA-3260", "PA-3200 Series"),
        ("PA-440", "PA-400 Series"),
        ("PA-7050", "PA-7000 Series"),
        ("PA-220R", "PA-220"),
        ("pa5450", "PA-5400 Series"),
    ],
)
def test_platform_resolves_to_family_with_its_facts(live_server: str, model: str, family: str) -> None:
    response = get(live_server, f"/v1/platforms/{model}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert family in body["documented_as"]
    assert body["count"] == len(body["facts"]) > 0
    assert all(
        f["subject"] in body["documented_as"] or set(f["platforms"]) & set(body["documented_as"]) for f in body["facts"]
    )


@pytest.mark.parametrize("model", ["PA-9999", "banana"])
def test_unknown_platform_is_404_naming_the_known_families(live_server: str, model: str) -> None:
    response = get(live_server, f"/v1/platforms/{model}")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "unknown_model"
    assert model in body["message"]
    assert "PA-3200 Series" in body["known"] and "PA-400 Series" in body["known"]


def test_openapi_documents_the_endpoints(live_server: str) -> None:
    paths = get(live_server, "/openapi.json").json()["paths"]
    assert {"/v1/ask", "/v1/facts", "/v1/ports", "/v1/platforms/{model}", "/healthz", "/readyz"} <= set(paths)
    assert get(live_server, "/docs").status_code == 200
