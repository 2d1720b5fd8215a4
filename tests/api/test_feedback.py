"""Votes against a real `hakb serve` with API keys and an admin key (issue 14, item 2).

A caller with an API key can send votes, but cannot grow the database without
bound, cannot pass as the Slack bot or another user, and cannot read anyone's
votes: that needs one of HAKB_ADMIN_KEYS, and reads come a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hakb.devserver import HakbServer
from hakb.service.api.deps import key_id
from hakb.service.feedback import ANSWER_MAX, QUESTION_MAX
from tests.conftest import copy_data_dir, hakb_server

API_KEY = "feedback-api-key-1"
ADMIN_KEY = "feedback-admin-key-1"
MAX_ROWS = 300


@pytest.fixture(scope="module")
def server(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HakbServer]:
    root = tmp_path_factory.mktemp("feedback")
    data_dir = copy_data_dir(seed_data_dir, root / "data")
    env = {"HAKB_API_KEYS": API_KEY, "HAKB_ADMIN_KEYS": ADMIN_KEY, "HAKB_FEEDBACK_MAX_ROWS": str(MAX_ROWS)}
    with hakb_server(data_dir, root / "server.log", env) as running:
        yield running


def _client(server: HakbServer, key: str | None) -> httpx.Client:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def _biggest_vote(i: int) -> dict[str, object]:
    """A vote with every field at the most the API accepts."""
    return {
        "vote": "wrong",
        "question": f"{i} " + "q" * 3990,
        "answer": "a" * 20000,
        "source": "page",
        "build_id": "b" * 100,
        "comment": "c" * 1000,
    }


def test_votes_never_grow_the_database_past_the_row_cap(server: HakbServer) -> None:
    db = server.data_dir / "feedback.sqlite3"
    with _client(server, API_KEY) as client:
        for i in range(MAX_ROWS * 2):
            r = client.post("/v1/feedback", json=_biggest_vote(i))
            assert r.status_code == 201, r.text
        stored = r.json()
    # What is kept of each text: the API accepted more, the store keeps the first part.
    assert len(stored["question"]) == QUESTION_MAX and len(stored["answer"]) == ANSWER_MAX
    with _client(server, ADMIN_KEY) as admin:
        first = admin.get("/v1/feedback", params={"limit": 100}).json()
    assert first["votes"][0]["id"] == stored["id"]  # newest first
    ids = []
    page = first
    with _client(server, ADMIN_KEY) as admin:
        while True:
            ids += [v["id"] for v in page["votes"]]
            if page["next_before"] is None:
                break
            page = admin.get("/v1/feedback", params={"limit": 100, "before": page["next_before"]}).json()
    assert len(ids) == MAX_ROWS, "the oldest votes went once the cap was reached"
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    # 600 maximum-size votes: at most MAX_ROWS rows of at most ~5 KB each (WAL included).
    size = db.stat().st_size + (
        db.with_name(db.name + "-wal").stat().st_size if db.with_name(db.name + "-wal").exists() else 0
    )
    assert size < MAX_ROWS * 8_000 + 4_000_000, size


def test_reads_come_a_page_at_a_time(server: HakbServer) -> None:
    with _client(server, ADMIN_KEY) as admin:
        r = admin.get("/v1/feedback", params={"limit": 1000})
        assert r.status_code == 422
        assert "limit" in r.json()["message"]
        r = admin.get("/v1/feedback")
        assert r.status_code == 200
        assert len(r.json()["votes"]) <= 50
        assert len(r.content) < 1_000_000


def test_source_and_user_come_from_the_channel_not_the_caller(server: HakbServer) -> None:
    with _client(server, API_KEY) as client:
        forged = {"vote": "helpful", "question": "what port does ha1 use?", "source": "slack", "user": "U0ADMIN"}
        r = client.post("/v1/feedback", json=forged)
        assert r.status_code == 422
        assert "user is set by the server" in r.json()["message"]
        r = client.post("/v1/feedback", json={**forged, "user": None})
        assert r.status_code == 422
        r = client.post("/v1/feedback", json={k: v for k, v in forged.items() if k != "user"})
        assert r.status_code == 422
        assert "source 'slack' is set by the Slack bot only" in r.json()["message"]
        r = client.post("/v1/feedback", json={"vote": "helpful", "question": "what port does ha1 use?"})
        assert r.status_code == 201
        stored = r.json()
    assert stored["source"] == "api"
    assert stored["user"] == key_id(API_KEY)
    assert API_KEY not in r.text


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 401), ("not-a-key", 401), (API_KEY, 403), (ADMIN_KEY, 200)],
    ids=["no-key", "wrong-key", "api-key", "admin-key"],
)
def test_reading_votes_needs_an_admin_key(server: HakbServer, key: str | None, status: int) -> None:
    with _client(server, key) as client:
        r = client.get("/v1/feedback")
    assert r.status_code == status, r.text
    if status != 200:
        assert "question" not in r.text
        assert r.json()["error"] in ("unauthorized", "forbidden")


def test_an_admin_key_may_also_ask(server: HakbServer) -> None:
    with _client(server, ADMIN_KEY) as admin:
        assert admin.post("/v1/ask", json={"question": "what port does ha1 use?"}).status_code == 200


def test_without_admin_keys_nobody_reads_votes(live_server: str) -> None:
    # The shared server: no HAKB_API_KEYS (the API is open), no HAKB_ADMIN_KEYS.
    r = httpx.get(f"{live_server}/v1/feedback", timeout=30)
    assert r.status_code == 403
    assert "HAKB_ADMIN_KEYS" in r.json()["message"]
