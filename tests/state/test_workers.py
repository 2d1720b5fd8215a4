"""Several workers and replicas agree: one Slack reply to a storm of deliveries, one rate
limit, one thread memory. Real `hakb serve` processes, real signed Slack requests, a real
redis-server; replies are read from the recording stand-in for Slack's Web API.

Two hosts here: two `hakb serve` over separate data dirs sharing one Redis, each delivery
sent to the other replica in turn (as a load balancer would spread them). One host,
`hakb serve --workers 2` sharing `state.sqlite3` in its data dir, is tested on the server
of tests/api/test_observability.py (a storm, the rate limit), which the metrics need anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from hakb.devserver import HakbServer, RedisServer
from tests.conftest import SERVER_ENV, copy_data_dir
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, FakeSlack, new_ts, unique
from tests.slack.recorder import TEAM_ID, SlackRecorder, running_recorder
from tests.slack.test_bot import mention, message

ADMIN_KEY = "admin-key-for-the-votes"
RATE_LIMIT = 6  # a minute: one token back every 10 s, far longer than the test's requests take
ASK = {"question": "what port does ha1 use?"}


@pytest.fixture(scope="module")
def recorder() -> Iterator[SlackRecorder]:
    with running_recorder() as recorder:
        yield recorder


def _env(recorder: SlackRecorder, **extra: str) -> dict[str, str]:
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": recorder.api_url,
        "HAKB_RATE_LIMIT": str(RATE_LIMIT),
        **extra,
    }


@pytest.fixture(scope="module")
def two_replicas(
    seed_data_dir: Path,
    recorder: SlackRecorder,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[FakeSlack]]:
    root = tmp_path_factory.mktemp("two-replicas")
    env = {**SERVER_ENV, **_env(recorder, HAKB_REDIS_URL=redis_server.redis_url, HAKB_ADMIN_KEYS=ADMIN_KEY)}
    servers = [HakbServer(copy_data_dir(seed_data_dir, root / n), root / f"{n}.log", env=env) for n in ("a", "b")]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:  # started side by side: half the wait
            list(pool.map(lambda server: server.start(), servers))
        yield [FakeSlack(server.url, recorder) for server in servers]
    finally:
        for server in servers:
            server.stop()


def _storm(targets: list[FakeSlack], channel: str) -> list[httpx.Response]:
    """One question as Slack may deliver it: an app_mention, its retries (same event id,
    X-Slack-Retry-Num 1-3, twice each) and the same message as a `message` event, all at once."""
    asked = mention(channel, "what port does ha1 use?")
    as_message = message(channel, asked["text"], channel_type="channel", ts=asked["ts"])
    event_id = unique("Ev")
    deliveries: list[tuple[dict[str, Any], str, dict[str, str]]] = [(asked, event_id, {})]
    deliveries += [
        (asked, event_id, {"x-slack-retry-num": str(n), "x-slack-retry-reason": "http_timeout"}) for n in (1, 2, 3) * 2
    ]
    deliveries += [(as_message, unique("Ev"), {})] * 2

    def send(i: int) -> httpx.Response:
        event, eid, headers = deliveries[i]
        target = targets[i % len(targets)]
        return target.post(json.dumps(target.envelope(event, eid)), "application/json", headers=headers)

    with ThreadPoolExecutor(len(deliveries)) as pool:
        return list(pool.map(send, range(len(deliveries))))


def test_a_storm_of_deliveries_gets_exactly_one_reply(two_replicas: list[FakeSlack]) -> None:
    channel = unique("C")
    responses = _storm(two_replicas, channel)
    assert [r.status_code for r in responses] == [200] * len(responses)  # every delivery acknowledged
    # Each request posts before it answers (process_before_response): every reply is recorded by now.
    posts = two_replicas[0].posts(channel)
    assert len(posts) == 1, [p.args.get("text") for p in posts]
    assert "28769" in posts[0].args["text"]


def test_a_follow_up_reaching_another_replica_knows_the_thread(two_replicas: list[FakeSlack]) -> None:
    a, b = two_replicas
    channel = unique("C")
    first = mention(channel, "what port does ha1 use?")
    assert a.event(first).status_code == 200
    # No mention: only a thread the bot answered gets a reply, and only replica A answered it.
    follow_up = message(channel, "and ha2?", channel_type="channel", thread_ts=first["ts"])
    assert b.event(follow_up).status_code == 200
    posts = a.posts(channel)
    assert len(posts) == 2
    assert posts[1].args["thread_ts"] == first["ts"]
    assert "29281" in posts[1].args["text"]  # HA2's port: the thread's first question asked about ports
    assert not a.recorder.find("conversations.replies", channel=channel)  # known from Redis, not asked of Slack


def test_the_rate_limit_is_one_budget_across_workers_and_replicas(two_replicas: list[FakeSlack]) -> None:
    # A new connection per request: the kernel spreads them over the workers; the replicas alternate.
    statuses = [
        httpx.post(f"{two_replicas[i % len(two_replicas)].base_url}/v1/ask", json=ASK, timeout=30).status_code
        for i in range(RATE_LIMIT + 4)
    ]
    assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT
    assert statuses[RATE_LIMIT:] == [429] * 4
    for target in two_replicas:
        assert httpx.get(f"{target.base_url}/readyz", timeout=10).status_code == 200  # probes are never limited


def test_votes_sent_to_either_replica_are_read_from_both(two_replicas: list[FakeSlack]) -> None:
    a, b = two_replicas
    channel, voter = unique("C"), unique("U")
    assert a.event(mention(channel, "what is the ethertype of ha2?")).status_code == 200
    [post] = a.posts(channel)
    buttons = [e for block in post.args["blocks"] if block["type"] == "actions" for e in block["elements"]]
    wrong = next(e for e in buttons if e["action_id"] == "hakb_vote_wrong")
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": voter},
        "channel": {"id": channel},
        "response_url": a.recorder.hook_url(unique("vote")),
        "actions": [{"type": "button", "action_id": "hakb_vote_wrong", "value": wrong["value"], "action_ts": new_ts()}],
    }
    click = urlencode({"payload": json.dumps(payload)})
    for target in (a, b, a):  # the click, and replays of the same signed bytes on both replicas
        assert target.post(click, "application/x-www-form-urlencoded").status_code == 200
    # From a loopback address of its own: the rate-limit test spent 127.0.0.1's budget.
    client = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.7"), timeout=30)
    api_vote = {"vote": "helpful", "question": "what port does ha1 use?", "answer": "HA1 port: TCP 28769"}
    assert client.post(f"{b.base_url}/v1/feedback", json=api_vote).status_code in (200, 201)
    for target in (a, b):
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        page = client.get(f"{target.base_url}/v1/feedback", headers=admin).json()
        latest = [(v["source"], v["vote"], v["question"]) for v in page["votes"][:2]]
        assert latest == [
            ("api", "helpful", "what port does ha1 use?"),
            ("slack", "wrong", "what is the ethertype of ha2?"),
        ]
        assert sum(v["user"] == voter for v in page["votes"]) == 1  # the replays stored nothing


def test_with_redis_down_a_delivery_is_left_to_slacks_retry_and_the_api_still_answers(
    two_replicas: list[FakeSlack], redis_server: RedisServer
) -> None:
    """Last in this module: it stops the session's Redis (and starts it again, empty)."""
    a, b = two_replicas
    channel, event_id = unique("C"), unique("Ev")
    body = json.dumps(a.envelope(mention(channel, "what port does ha1 use?"), event_id))
    redis_server.stop()
    try:
        # No claim can be made: no reply (it could be a second one), and an error so Slack tries again.
        refused = a.post(body, "application/json")
        assert refused.status_code >= 500 and not a.posts(channel)
        # Answers need no shared state; the rate limit lets requests through rather than fail them.
        assert [httpx.get(f"{b.base_url}/v1/ports", timeout=30).status_code for _ in range(RATE_LIMIT + 2)] == [200] * (
            RATE_LIMIT + 2
        )
        ready = httpx.get(f"{a.base_url}/readyz", timeout=10)
        assert ready.status_code == 200
        assert 'hakb_shared_state_up{backend="redis"} 0.0' in httpx.get(f"{a.base_url}/metrics", timeout=30).text
    finally:
        redis_server.start()
    # Slack's retry, on the other replica, once Redis is back: answered, once.
    assert b.post(body, "application/json", headers={"x-slack-retry-num": "1"}).status_code == 200
    assert a.post(body, "application/json", headers={"x-slack-retry-num": "2"}).status_code == 200
    posts = a.posts(channel)
    assert len(posts) == 1 and "28769" in posts[0].args["text"]
