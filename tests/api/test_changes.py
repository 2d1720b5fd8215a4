"""GET /v1/changes on a real `hakb serve`, over three invented versions of one page.

tests/fixtures/changes/ holds "HA Links and Ports" for PAN-OS 10.1 and 11.1 (URLs
`pan-os/10-1/...`, `pan-os/11-1/...`) and in the current documentation (`ngfw/...`). From
10.1 to 11.1 exactly three things change: the HA2 UDP port (29281 -> 29282), a model added to
a list (PA-5400 Series may use the HSCI port for HA3) and a sentence removed (no backup link
for HA3). Everything else is the same sentence, or the same value in other units (hello
interval "8,000 ms" -> "8 seconds"), and is no change. The current page adds the HA2
keep-alive threshold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hakb.ingest.embedder import OnnxEmbedder
from tests.conftest import hakb_server, ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"
KEY = "changes-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def changes_server(tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("changes-data")
    result = ingest(data_dir, [FIXTURES], onnx_embedder, replace=True)
    assert result.ok and result.build_id, result.error
    with hakb_server(data_dir, data_dir / "server.log", {"HAKB_API_KEYS": KEY}) as server:
        yield server.url


def get(url: str, **params: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/changes", params=params, headers=AUTH, timeout=30)


def summary(change: dict[str, Any]) -> tuple[object, ...]:
    """(kind, subject, attribute, platforms, value before, value after)."""
    before, after = change["before"], change["after"]
    return (
        change["kind"],
        change["subject"],
        change["attribute"],
        tuple(change["platforms"]),
        before and before["value"],
        after and after["value"],
    )


EXPECTED_10_1_TO_11_1 = {
    ("changed", "HA2", "port", (), "29281", "29282"),
    ("added", "HA3", "can-use", ("PA-5400 Series",), None, "the HSCI port"),
    ("removed", "HA3", "not-supported", (), "a backup link", None),
}


def test_exactly_the_three_changes_each_side_cited(changes_server: str) -> None:
    r = get(changes_server, **{"from": "10.1", "to": "11.1"})
    assert r.status_code == 200, r.text
    body = r.json()
    found = {summary(c) for c in body["changed"] + body["added"] + body["removed"]}
    assert found == EXPECTED_10_1_TO_11_1
    assert body["count"] == 3 and (len(body["changed"]), len(body["added"]), len(body["removed"])) == (1, 1, 1)
    assert [p["title"] for p in body["compared"]] == ["HA Links and Ports"]
    assert body["only_from"] == body["only_to"] == [] and body["notes"] == []

    port = body["changed"][0]
    old, new = port["before"]["citation"], port["after"]["citation"]
    assert old["quote"] == "HA2 with UDP transport uses port 29281."
    assert new["quote"] == "HA2 with UDP transport uses port 29282."
    assert "/pan-os/10-1/" in old["url"] and "/pan-os/11-1/" in new["url"]
    assert "PAN-OS 10.1" in old["scope_label"] and "PAN-OS 11.1" in new["scope_label"]
    assert old["title"] == new["title"] == "HA Links and Ports"
    assert port["before"]["protocol"] == port["after"]["protocol"] == "UDP"

    model = body["added"][0]
    assert model["before"] is None
    assert "PA-5400 Series" in model["after"]["citation"]["quote"]
    assert "PAN-OS 11.1" in model["after"]["citation"]["scope_label"]

    gone = body["removed"][0]
    assert gone["after"] is None
    assert gone["before"]["citation"]["quote"] == "You cannot configure a backup link for the HA3 link."
    assert "PAN-OS 10.1" in gone["before"]["citation"]["scope_label"]


def test_a_subject_a_model_and_the_way_back(changes_server: str) -> None:
    ha3 = get(changes_server, subject="ha3", **{"from": "PAN-OS 10.1", "to": "11.1.4"}).json()
    assert ha3["subject"] == "HA3" and (ha3["from_version"], ha3["to_version"]) == ("10.1", "11.1")
    assert {summary(c) for c in ha3["added"] + ha3["removed"]} == {s for s in EXPECTED_10_1_TO_11_1 if s[1] == "HA3"}
    assert ha3["changed"] == []

    # A model: what the documents say for it or its family.
    pa5450 = get(changes_server, subject="PA-5450", **{"from": "10.1", "to": "11.1"}).json()
    assert [summary(c) for c in pa5450["added"]] == [
        ("added", "HA3", "can-use", ("PA-5400 Series",), None, "the HSCI port")
    ]
    assert pa5450["removed"] == pa5450["changed"] == []

    back = get(changes_server, **{"from": "11.1", "to": "10.1"}).json()
    assert {summary(c) for c in back["added"]} == {("added", "HA3", "not-supported", (), None, "a backup link")}
    assert {summary(c) for c in back["removed"]} == {
        ("removed", "HA3", "can-use", ("PA-5400 Series",), "the HSCI port", None)
    }
    assert {summary(c) for c in back["changed"]} == {("changed", "HA2", "port", (), "29282", "29281")}


def test_the_current_docs_stand_in_for_a_newer_version_no_page_names(changes_server: str) -> None:
    body = get(changes_server, **{"from": "11.1", "to": "12.1"}).json()
    assert {summary(c) for c in body["added"]} == {
        ("added", "HA2 Keep-alive Threshold", "range", (), None, "5,000 to 60,000 ms"),
        ("added", "HA2 Keep-alive Threshold", "default", (), None, "10,000 ms"),
    }
    assert body["removed"] == body["changed"] == []
    assert body["compared"][0]["stand_in"] is True
    assert body["added"][0]["after"]["citation"]["scope_label"].startswith("Next-Generation Firewall · current docs")
    assert "names PAN-OS 12.1" in body["notes"][0] and "current documentation" in body["notes"][0]

    # 10.1 -> 12.1 compares 10.1 with the current page: the three changes and the threshold.
    far = get(changes_server, **{"from": "10.1", "to": "12.1"}).json()
    assert far["count"] == 5

    # The current page is not 10.2: it stands in only for a version newer than every named one.
    r = get(changes_server, **{"from": "10.1", "to": "10.2"})
    assert r.status_code == 422
    assert r.json()["error"] == "unknown_version"
    assert "10.2" in r.json()["message"] and "10.1, 11.1, current" in r.json()["message"]


@pytest.mark.parametrize(
    ("params", "status", "error", "says"),
    [
        ({"from": "ten", "to": "11.1"}, 422, "bad_version", "'ten' is not a PAN-OS version"),
        ({"from": "10.1", "to": "11"}, 422, "bad_version", "to: '11' is not a PAN-OS version"),
        ({"from": "10.1", "to": "10.1.3"}, 422, "same_version", "same PAN-OS version (10.1)"),
        ({"from": "9.0", "to": "11.1"}, 422, "unknown_version", "no document holds for PAN-OS 9.0"),
        ({"to": "11.1"}, 422, "invalid_request", "from: Field required"),
        ({"from": "10.1", "to": "11.1", "subject": "HA9"}, 404, "unknown_subject", "say nothing about 'HA9'"),
        ({"from": "10.1", "to": "11.1", "product": "panorama"}, 422, "unknown_product", "the product 'panorama'"),
        ({"from": "10.1" * 20, "to": "11.1"}, 422, "invalid_request", "from: String should have at most 40"),
    ],
)
def test_bad_input_is_a_json_error_that_says_what_is_wrong(
    changes_server: str, params: dict[str, str], status: int, error: str, says: str
) -> None:
    r = get(changes_server, **params)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error
    assert says in body["message"], body["message"]


def test_behind_the_api_keys(changes_server: str) -> None:
    r = httpx.get(f"{changes_server}/v1/changes", params={"from": "10.1", "to": "11.1"}, timeout=30)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    schema = httpx.get(f"{changes_server}/openapi.json", timeout=30).json()
    assert "/v1/changes" in schema["paths"]
