"""hakb.client against the real server on the corpus build (issue 15): typed results,
the same answers as the HTTP API, problems raised as hakb errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hakb.client import HakbClient
from hakb.errors import BadInput, NotFound, Unavailable
from hakb.service.models import Answer
from tests.conftest import free_port


@pytest.fixture
def hakb(live_server: str) -> Iterator[HakbClient]:
    with HakbClient(live_server) as client:
        yield client


def test_ask_returns_the_servers_answer_typed(hakb: HakbClient, live_server: str) -> None:
    answer = hakb.ask("what port does ha1 use?")
    assert isinstance(answer, Answer) and answer.kind == "fact"
    raw = httpx.post(f"{live_server}/v1/ask", json={"question": "what port does ha1 use?"}, timeout=30).json()
    assert answer.answer == raw["answer"] and "28769" in answer.answer
    assert any("28769" in c.quote for c in answer.citations)


def test_ask_sends_the_scope(hakb: HakbClient) -> None:
    answer = hakb.ask("what port does ha1 use?", scope={"version": "9.1"})
    assert answer.kind == "abstain"  # no document holds for PAN-OS 9.1: it says what they cover


def test_lookups_are_typed_and_iter_facts_follows_the_pages(hakb: HakbClient) -> None:
    page = hakb.facts(subject="HA2", limit=3)
    assert len(page.facts) == 3 and page.count > 3 and page.next_cursor
    every = list(hakb.iter_facts(subject="HA2"))
    assert len(every) == page.count and {f.subject for f in every} == {"HA2"}
    ports = hakb.ports()
    assert ports.count == len(ports.ports) and any(p.port == "28769" and p.link == "HA1" for p in ports.ports)
    platform = hakb.platform("PA-3260")
    assert "PA-3200 Series" in platform.documented_as and platform.count == len(platform.facts) > 0
    found = hakb.search("heartbeat backup", limit=3)
    assert len(found.passages) == 3 and found.passages[0].rank == 1
    nowhere = hakb.search("heartbeat backup", scope={"version": "9.1"})
    assert nowhere.passages == [] and nowhere.uncovered == ["PAN-OS 9.1"]
    docs = hakb.documents(limit=5)
    assert len(docs.documents) == 5 and docs.count > 5 and docs.next_cursor
    scopes = hakb.scopes()
    assert scopes.build_id == docs.build_id and scopes.products


def test_problems_are_raised_as_hakb_errors_with_their_fields(hakb: HakbClient) -> None:
    with pytest.raises(NotFound) as unknown:
        hakb.platform("PA-9999")
    assert unknown.value.code == "unknown_model" and "PA-3200 Series" in unknown.value.extra["known"]
    with pytest.raises(BadInput, match="empty"):
        hakb.ask("   ")
    with pytest.raises(BadInput, match="limit"):
        hakb.facts(limit=0)


def test_a_server_out_of_reach_is_unavailable() -> None:
    with (
        HakbClient(f"http://127.0.0.1:{free_port()}", timeout=5) as client,
        pytest.raises(Unavailable, match="cannot reach"),
    ):
        client.ask("what port does ha1 use?")
