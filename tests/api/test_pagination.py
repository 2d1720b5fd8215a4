"""Lists a page at a time (issue 15): `limit`, an opaque `cursor`, `next_cursor` in the
body and a `Link: <...>; rel="next"` header, over the real server on the corpus build."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def _get(base: str, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{base}{path}", params=params, timeout=30)


def _walk(base: str, path: str, key: str, **params: Any) -> tuple[list[dict[str, Any]], int, int]:
    """Every row of a list, following next_cursor; (rows, count, pages)."""
    rows: list[dict[str, Any]] = []
    pages = 0
    cursor = None
    while True:
        response = _get(base, path, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body[key]
        pages += 1
        cursor = body["next_cursor"]
        link = response.headers.get("link")
        if cursor is None:
            assert link is None  # the last page points nowhere
            return rows, body["count"], pages
        # The Link header is the same next page, as a URL to follow.
        assert link is not None and link.endswith('>; rel="next"'), link
        follow = httpx.get(link[1 : link.index(">")], timeout=30).json()
        assert follow == _get(base, path, **params, cursor=cursor).json()


def _key(fact: dict[str, Any]) -> tuple[str, ...]:
    return (fact["subject"], fact["attribute"], fact["value"], fact["doc_id"], fact["section"], fact["quote"])


def test_facts_come_a_page_at_a_time_and_the_pages_hold_every_fact_once(live_server: str) -> None:
    first = _get(live_server, "/v1/facts").json()
    # No limit: a sensible default page, not the whole table (the issue: 1,103 rows at once).
    assert first["count"] > 100 and len(first["facts"]) == 100 and first["next_cursor"]
    small, count, pages = _walk(live_server, "/v1/facts", "facts", limit=300)
    big, _, _ = _walk(live_server, "/v1/facts", "facts", limit=1000)
    assert len(small) == count == first["count"] and pages == -(-count // 300)
    assert [_key(f) for f in small] == [_key(f) for f in big]  # same order, whatever the page size
    assert small[:100] == first["facts"]


def test_filters_hold_across_pages(live_server: str) -> None:
    rows, count, pages = _walk(live_server, "/v1/facts", "facts", subject="HA1", limit=5)
    assert pages > 1 and len(rows) == count
    assert {f["subject"] for f in rows} == {"HA1"}
    assert len({_key(f) for f in rows}) == len(rows)


def test_a_cursor_of_other_filters_is_a_409_that_says_start_again(live_server: str) -> None:
    cursor = _get(live_server, "/v1/facts", subject="HA1", limit=2).json()["next_cursor"]
    response = _get(live_server, "/v1/facts", subject="HA2", limit=2, cursor=cursor)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["error"] == "stale_cursor" and "start again" in body["message"]
    # A cursor of one list is not one of another.
    other = _get(live_server, "/v1/ports", cursor=cursor)
    assert other.status_code == 409


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"cursor": "page-2"}, "cursor"),
        ({"cursor": "' OR 1=1 --"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_a_422_naming_it(live_server: str, params: dict[str, Any], named: str) -> None:
    for path in ("/v1/facts", "/v1/ports", "/v1/documents"):
        response = _get(live_server, path, **params)
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert named in body["message"] and body["status"] == 422
        assert "Traceback" not in response.text


def test_ports_default_page_holds_every_port_the_chat_page_lists(live_server: str) -> None:
    body = _get(live_server, "/v1/ports").json()
    assert body["count"] == len(body["ports"]) > 10 and body["next_cursor"] is None
    rows, count, pages = _walk(live_server, "/v1/ports", "ports", limit=7)
    assert pages > 1 and rows == body["ports"] and count == body["count"]


def test_documents_list_each_document_with_its_facts_and_chunks(live_server: str) -> None:
    ready = _get(live_server, "/readyz").json()
    docs, count, pages = _walk(live_server, "/v1/documents", "documents", limit=10)
    assert count == len(docs) == ready["documents"] and pages > 1
    # What each document gave adds up to what the build holds.
    assert sum(d["facts"] for d in docs) == ready["facts"]
    assert sum(d["chunks"] for d in docs) == ready["chunks"]
    assert {d["build_id"] for d in docs} == {ready["build_id"]}
    seed = next(d for d in docs if d["title"] == "HA Links and Backup Links")
    assert seed["url"].startswith("https://")
    assert seed["facts"] > 0 and seed["chunks"] > 0
    assert seed["scope"]["product"] == "ngfw" and "PAN-OS 11.1 & later" in seed["scope_label"]
