"""The API's contract for client generators and caches (issue 15): stable operationIds,
described tags and an example per route in the schema; RFC 9457 problems; ETag and
If-None-Match keyed by the build; cursors that do not outlive their build; the
feedback list's cursor beside its older `before`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hakb.devserver import HakbServer
from tests.conftest import copy_data_dir, hakb_server, run_hakb, wait_until

ADMIN_KEY = "contract-admin-key"
# The routes of issue 15's API work, each with an example body in the schema.
WITH_EXAMPLES = {
    "GET /healthz",
    "GET /readyz",
    "POST /v1/ask",
    "GET /v1/search",
    "GET /v1/facts",
    "GET /v1/ports",
    "GET /v1/platforms/{model}",
    "GET /v1/documents",
    "GET /v1/scopes",
    "GET /v1/changes",
    "POST /v1/feedback",
    "GET /v1/feedback",
    "GET /v1/checklist",
    "POST /v1/check",
    "GET /metrics",
}
# What FastAPI generates when a route names none: function, path and method glued together.
GENERATED_ID = re.compile(r"_(get|post|put|delete|patch)$")


@pytest.fixture(scope="module")
def schema(live_server: str) -> dict[str, Any]:
    return httpx.get(f"{live_server}/openapi.json", timeout=30).json()  # type: ignore[no-any-return]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_every_operation_has_a_stable_id_a_described_tag_and_an_example(schema: dict[str, Any]) -> None:
    ids = {label: op["operationId"] for label, op in _operations(schema)}
    assert ids["POST /v1/ask"] == "ask" and ids["GET /v1/facts"] == "listFacts"
    assert ids["GET /v1/search"] == "searchPassages" and ids["GET /v1/documents"] == "listDocuments"
    assert WITH_EXAMPLES <= set(ids)
    assert not [i for i in ids.values() if GENERATED_ID.search(i)], ids
    assert len(set(ids.values())) == len(ids)
    described = {t["name"] for t in schema["tags"] if t.get("description")}
    for label, op in _operations(schema):
        assert op.get("tags") and set(op["tags"]) <= described, label
        # The builds a replica fetches are no documents: a tag of their own in generated clients.
        assert (op["tags"] == ["builds"]) == label.split()[1].startswith("/v1/builds/"), label
        if label not in WITH_EXAMPLES:
            continue
        success = next(r for s, r in op["responses"].items() if s.startswith("2"))
        bodies = [*success.get("content", {}).values(), *op.get("requestBody", {}).get("content", {}).values()]
        assert any("example" in b or "examples" in b for b in bodies), f"{label} has no example"


def test_errors_are_documented_as_problems_and_body_routes_document_400(schema: dict[str, Any]) -> None:
    for label, op in _operations(schema):
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if status.startswith("4"):
                assert "application/json" not in content, (label, status)
        if "requestBody" in op:
            assert "400" in op["responses"], label
    problem = schema["components"]["schemas"]["ErrorResponse"]
    assert {"type", "title", "status", "detail", "error", "message"} <= set(problem["required"])
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_wrong_method_and_unknown_path_are_problems_too(live_server: str) -> None:
    response = httpx.get(f"{live_server}/v1/nothing-here", timeout=30)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["instance"] == "/v1/nothing-here" and body["error"] == "not_found"


@pytest.mark.parametrize("path", ["/v1/facts?subject=HA2", "/v1/ports", "/v1/platforms/PA-3260", "/v1/scopes"])
def test_lookups_answer_304_to_their_own_etag(live_server: str, path: str) -> None:
    first = httpx.get(f"{live_server}{path}", timeout=30)
    assert first.status_code == 200
    etag = first.headers["etag"]
    again = httpx.get(f"{live_server}{path}", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert httpx.get(f"{live_server}{path}", headers={"If-None-Match": '"other"'}, timeout=30).status_code == 200
    assert httpx.get(f"{live_server}{path}", headers={"If-None-Match": f"W/{etag}"}, timeout=30).status_code == 304


_STALE = "2.000000000000"  # a cursor of the right shape made for no list of this build


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/search?q=ha2+port&version=ten", 422, "bad_scope"),
        ("/v1/search?q=ha2+port&platform=PA-3410&product=x%21", 422, "bad_scope"),
        ("/v1/changes?from=ten&to=10.2", 422, None),
        ("/v1/changes?from=10.2&to=10.2", 422, None),
        ("/v1/changes?from=10.1&to=10.2&subject=HA9", 404, None),
        (f"/v1/facts?subject=HA2&cursor={_STALE}", 409, "stale_cursor"),
        (f"/v1/ports?cursor={_STALE}", 409, "stale_cursor"),
        (f"/v1/documents?cursor={_STALE}", 409, "stale_cursor"),
        ("/v1/platforms/PA-9999", 404, None),
    ],
)
def test_a_bad_request_with_the_current_etag_is_told_what_is_wrong_not_304(
    scoped_server: str, path: str, status: int, error: str | None
) -> None:
    # Review finding: the ETag was compared before the input was read, so a client
    # revalidating a bad URL heard "not modified" instead of its 4xx.
    etag = httpx.get(f"{scoped_server}/v1/ports", timeout=30).headers["etag"]
    response = httpx.get(f"{scoped_server}{path}", headers={"If-None-Match": etag}, timeout=30)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if error:
        assert response.json()["error"] == error


@pytest.mark.parametrize(
    "path", ["/v1/search?q=ha2+port&platform=PA-3410", "/v1/changes?from=10.1&to=10.2&subject=HA1"]
)
def test_a_good_search_or_comparison_with_the_current_etag_is_304(scoped_server: str, path: str) -> None:
    first = httpx.get(f"{scoped_server}{path}", timeout=30)
    assert first.status_code == 200, first.text
    again = httpx.get(f"{scoped_server}{path}", headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""


# -- a build of its own: the ETag and cursors follow the build -----------------


@pytest.fixture(scope="module")
def server(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HakbServer]:
    root = tmp_path_factory.mktemp("contract")
    data_dir = copy_data_dir(seed_data_dir, root / "data")
    with hakb_server(data_dir, root / "server.log", {"HAKB_ADMIN_KEYS": ADMIN_KEY}) as running:
        yield running


def _wait_for_build(server: HakbServer, build_id: str) -> None:
    wait_until(
        lambda: httpx.get(f"{server.url}/readyz", timeout=10).json().get("build_id") == build_id,
        20,
        f"the server to move to {build_id}",
    )


def test_a_new_build_changes_the_etag_and_ends_old_cursors(server: HakbServer, tmp_path: Path) -> None:
    before = httpx.get(f"{server.url}/v1/facts", params={"limit": 2}, timeout=30)
    etag, cursor = before.headers["etag"], before.json()["next_cursor"]
    assert httpx.get(f"{server.url}/v1/facts", params={"limit": 2}, headers={"If-None-Match": etag}).status_code == 304

    page = tmp_path / "ha4-note.txt"
    page.write_text(
        "HA4 Note\n\nThe HA4 link uses port 31337 between cluster members in this test document.\n", encoding="utf-8"
    )
    done = run_hakb("ingest", str(page), "--json", data_dir=server.data_dir)
    assert done.returncode == 0, done.stderr
    build_id = json.loads(done.stdout)["build_id"]
    _wait_for_build(server, build_id)

    after = httpx.get(f"{server.url}/v1/facts", params={"limit": 2}, headers={"If-None-Match": etag}, timeout=30)
    assert after.status_code == 200 and after.headers["etag"] != etag  # the new build's answer, in full
    assert build_id in after.headers["etag"]
    stale = httpx.get(f"{server.url}/v1/facts", params={"limit": 2, "cursor": cursor}, timeout=30)
    assert stale.status_code == 409 and stale.json()["error"] == "stale_cursor"
    # The document is listed, with what it gave.
    docs = httpx.get(f"{server.url}/v1/documents", timeout=30).json()["documents"]
    assert "ha4-note" in {d["doc_id"] for d in docs}


def test_votes_page_by_cursor_as_by_before(server: HakbServer) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for i in range(5):
        vote = {"vote": "helpful", "question": f"question {i}?", "answer": "a"}
        assert httpx.post(f"{server.url}/v1/feedback", json=vote, headers=admin, timeout=30).status_code == 201
    by_cursor: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = httpx.get(f"{server.url}/v1/feedback", params=params, headers=admin, timeout=30)
        body = response.json()
        by_cursor += [v["id"] for v in body["votes"]]
        cursor = body["next_cursor"]
        assert (cursor is None) == (body["next_before"] is None) == ("link" not in response.headers)
        if cursor is None:
            break
    by_before: list[int] = []
    before = None
    while True:
        params = {"limit": 2, **({"before": before} if before else {})}
        body = httpx.get(f"{server.url}/v1/feedback", params=params, headers=admin, timeout=30).json()
        by_before += [v["id"] for v in body["votes"]]
        before = body["next_before"]
        if before is None:
            break
    assert by_cursor == by_before and len(by_cursor) >= 5
    assert by_cursor == sorted(by_cursor, reverse=True)


@pytest.mark.parametrize(
    ("path", "body"),
    [("/v1/ask", b'{"question": "ha1 port?"'), ("/v1/ask", b"\xff\xfe ha1"), ("/v1/feedback", b"vote=helpful")],
    ids=["cut-short", "not-utf8", "form-encoded"],
)
def test_a_body_that_is_not_json_is_a_400(live_server: str, path: str, body: bytes) -> None:
    response = httpx.post(
        f"{live_server}{path}", content=body, headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["error"] == "malformed_json" and problem["status"] == 400 and problem["instance"] == path
    assert "JSON" in problem["message"] or "UTF-8" in problem["message"]
