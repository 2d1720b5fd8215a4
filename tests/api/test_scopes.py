"""`POST /v1/ask` with a `scope`, and `GET /v1/scopes`, on a real server over the scoped
corpus (PAN-OS 10.1 and 10.2 admin pages, the 11.2-12.2 help, CN-Series on AWS, Panorama)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

BACKUP_LINKS = "can I set up HA1/HA2 backup links?"
HA1_PORT = "which port is used for HA1?"


def ask(base: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{base}/v1/ask", json=body, timeout=30)


def answered(base: str, **body: Any) -> dict[str, Any]:
    response = ask(base, **body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_scopes_lists_the_products_deployments_and_versions_of_the_build(scoped_server: str) -> None:
    body = httpx.get(f"{scoped_server}/v1/scopes", timeout=30).json()
    assert body["build_id"] == httpx.get(f"{scoped_server}/readyz", timeout=30).json()["build_id"]
    products = {o["value"]: o["label"] for o in body["products"]}
    assert products["cn-series"] == "CN-Series" and products["panorama"] == "Panorama" and "ngfw" in products
    assert {"value": "aws", "label": "AWS"} in body["deployments"]
    versions = [o["value"] for o in body["versions"]]
    assert {"10.1", "10.2", "12.2"} <= set(versions) and versions == sorted(versions, key=lambda v: v.split("."))
    assert {"value": "10.2", "label": "PAN-OS 10.2 & later"} in body["versions"]
    labels = [s["label"] for s in body["scopes"]]
    assert "CN-Series on AWS (PAN-OS 10.2 & later)" in labels


def test_every_value_the_picker_offers_is_accepted_back(scoped_server: str) -> None:
    listing = httpx.get(f"{scoped_server}/v1/scopes", timeout=30).json()
    for field, options in (("product", "products"), ("deployment", "deployments"), ("version", "versions")):
        for option in listing[options]:
            response = ask(scoped_server, question=HA1_PORT, scope={field: option["value"]})
            assert response.status_code == 200, (field, option, response.text)


def test_a_scoped_question_is_answered_from_that_scope(scoped_server: str) -> None:
    everywhere = answered(scoped_server, question=BACKUP_LINKS)
    assert everywhere["answer"].startswith("Yes")
    assert any(c["scope"]["product"] == "ngfw" for c in everywhere["citations"])

    scoped = answered(scoped_server, question=BACKUP_LINKS, scope={"product": "CN-Series", "deployment": "AWS"})
    assert scoped["answer"].startswith("No")
    assert scoped["citations"]
    for c in scoped["citations"]:
        assert (c["scope"]["product"], c["scope"]["deployment"]) == ("cn-series", "aws")
        assert c["scope_label"].startswith("CN-Series on AWS")


def test_a_version_scope_cites_that_version(scoped_server: str) -> None:
    body = answered(scoped_server, question=HA1_PORT, scope={"version": "PAN-OS 10.1"})
    assert body["kind"] == "fact" and body["citations"]
    assert all("10.1" in c["scope_label"] and "10.2" not in c["scope_label"] for c in body["citations"])


def test_the_version_field_still_works_and_the_scope_wins_over_it(scoped_server: str) -> None:
    old = answered(scoped_server, question=HA1_PORT, version="10.1")
    assert old["citations"] and all("10.1" in c["scope_label"] for c in old["citations"])
    both = answered(scoped_server, question=HA1_PORT, version="10.1", scope={"version": "9.1"})
    assert both["kind"] == "abstain" and "PAN-OS 9.1" in both["answer"]


@pytest.mark.parametrize(
    ("scope", "uncovered"),
    [
        ({"version": "9.1"}, "PAN-OS 9.1"),
        ({"product": "cn-series", "deployment": "oci"}, "OCI"),
        ({"product": "Toaster 3000"}, "Toaster 3000"),
        ({"deployment": "mars"}, "mars"),
    ],
)
def test_a_scope_no_document_covers_is_an_abstain_that_says_what_is_covered(
    scoped_server: str, scope: dict[str, str], uncovered: str
) -> None:
    body = answered(scoped_server, question=HA1_PORT, scope=scope)
    assert body["kind"] == "abstain" and not body["citations"]
    assert f"do not cover {uncovered}" in body["answer"]
    assert "they cover: " in body["answer"] and "CN-Series on AWS" in body["answer"]


@pytest.mark.parametrize(
    ("scope", "error", "says"),
    [
        ({"produkt": "vm-series"}, "invalid_request", "scope.produkt: Extra inputs are not permitted"),
        ({"product": "x" * 61}, "invalid_request", "scope.product: String should have at most 60 characters"),
        ({"version": "1" * 21}, "invalid_request", "scope.version: String should have at most 20 characters"),
        ("vm-series", "invalid_request", "scope: Input should be a valid dictionary"),
        ({"version": "nine"}, "bad_scope", "version 'nine' is not a PAN-OS version: write it like 10.2"),
        ({"product": "fire<wall>"}, "bad_scope", "product 'fire<wall>' may hold only letters, digits, spaces"),
        ({"deployment": "mars!"}, "bad_scope", "deployment 'mars!' may hold only letters, digits, spaces"),
        ({"platform": "toaster"}, "bad_scope", "platform 'toaster' is not a firewall model or family"),
    ],
)
def test_a_bad_scope_is_a_422_that_says_what_is_wrong(scoped_server: str, scope: Any, error: str, says: str) -> None:
    response = ask(scoped_server, question=HA1_PORT, scope=scope)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == error and says in body["message"], body
    if error == "bad_scope":
        # What could have been sent instead, as GET /v1/scopes lists it.
        assert "the documents name: " in body["message"] or "write it like" in body["message"]
        assert {"value": "cn-series", "label": "CN-Series"} in body["covered"]["products"]


def test_every_bad_value_is_named_at_once(scoped_server: str) -> None:
    response = ask(scoped_server, question=HA1_PORT, scope={"product": "z/z", "version": "x", "platform": "PA-3260"})
    message = response.json()["message"]
    assert response.status_code == 422 and "product 'z/z'" in message and "version 'x'" in message
    assert "platform" not in message


def test_the_schema_documents_scope_and_its_example(scoped_server: str) -> None:
    schema = httpx.get(f"{scoped_server}/openapi.json", timeout=30).json()
    assert "/v1/scopes" in schema["paths"]
    ask_schema = schema["paths"]["/v1/ask"]["post"]["requestBody"]["content"]["application/json"]
    assert ask_schema["examples"]["scoped"]["value"]["scope"] == {
        "product": "vm-series",
        "deployment": "aws",
        "version": "11.1",
    }
    scope_in = schema["components"]["schemas"]["ScopeIn"]
    assert set(scope_in["properties"]) == {"product", "deployment", "version", "platform"}
    assert scope_in["additionalProperties"] is False
