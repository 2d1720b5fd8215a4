"""Issue 14 against a real `hakb serve` with Slack and API keys on: what an attacker
who can reach /slack/events (signed or not) can make the bot do.

- a 400-digit timestamp, a signed body that is not what Slack sends, JSON nested
  past Python's recursion limit: a 4xx and one log line each, never a 500 or a
  traceback (item 3);
- a document holding Slack's control sequences (`<!channel>`, `<@U..>`,
  `<http://x|label>`): escaped in the message's plain text as in its blocks (item 4);
- a signed vote sent again (a replay within Slack's 5 minutes): one row (item 2).

Slack's Web API is the recording stand-in of tests/slack; requests are signed the
way Slack signs them.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from hakb.devserver import HakbServer
from tests.conftest import copy_data_dir, hakb_server, run_hakb
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, FakeSlack, sign, unique
from tests.slack.recorder import BOT_USER_ID, SlackRecorder, running_recorder

API_KEY = "reliability-api-key"
ADMIN_KEY = "reliability-admin-key"
HOSTILE_LINE = (
    "The heartbeat relay of an HA pair forwards hello messages between peers "
    "<!channel> <!here> <@U0ADMIN> see <http://evil.example|click here> & more."
)
HOSTILE_DOC = f"HA Links and Backup Links\n\nHeartbeat relay\n\n{HOSTILE_LINE}\n"


@pytest.fixture(scope="module")
def recorder() -> Iterator[SlackRecorder]:
    with running_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def server(
    seed_data_dir: Path, recorder: SlackRecorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HakbServer]:
    root = tmp_path_factory.mktemp("hostile-slack")
    data_dir = copy_data_dir(seed_data_dir, root / "data")
    doc = root / "heartbeat-relay.txt"
    doc.write_text(HOSTILE_DOC, encoding="utf-8")
    ingested = run_hakb("ingest", str(doc), data_dir=data_dir)
    assert ingested.returncode == 0, ingested.stderr
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": recorder.api_url,
        "HAKB_API_KEYS": API_KEY,
        "HAKB_ADMIN_KEYS": ADMIN_KEY,
    }
    with hakb_server(data_dir, root / "server.log", env) as running:
        yield running
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def slack(server: HakbServer, recorder: SlackRecorder) -> FakeSlack:
    return FakeSlack(server.url, recorder)


def _log_after(server: HakbServer, mark: int) -> str:
    return server.log()[mark:]


def _signed(server: HakbServer, body: str, content_type: str, timestamp: str | None = None) -> httpx.Response:
    ts = timestamp or str(int(time.time()))
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": sign(body, ts),
    }
    return httpx.post(f"{server.url}/slack/events", content=body.encode(), headers=headers, timeout=30)


# -- item 3: unauthenticated and malformed requests ----------------------------------


def test_a_400_digit_slack_timestamp_is_a_401_with_one_log_line(server: HakbServer) -> None:
    mark = len(server.log())
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})
    for digits in (400, 4400):  # past float's range; past Python's int-from-text limit
        r = _signed(server, body, "application/json", timestamp="9" * digits)
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "unauthorized"
    time.sleep(0.2)
    log = _log_after(server, mark)
    assert "Traceback" not in log and "OverflowError" not in log
    assert log.count("slack request refused") == 2
    assert len(log) < 2000, "each refusal is one short line, not kilobytes of traceback"


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "list, not a JSON object"),
        ("null", "application/json", "null, not a JSON object"),
        ('"text"', "application/json", "not a JSON object"),
        ('{"type": "event_callback", "event": "x"}', "application/json", "event is not a JSON object"),
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded", "payload is not valid JSON"),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded", "payload is list"),
        (
            "payload=" + json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": "x"}),
            "application/x-www-form-urlencoded",
            "actions is not a list of objects",
        ),
    ],
)
def test_a_signed_body_slack_would_never_send_is_a_422_not_a_500(
    server: HakbServer, body: str, content_type: str, says: str
) -> None:
    mark = len(server.log())
    r = _signed(server, body, content_type)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request"
    assert says in r.json()["message"]
    time.sleep(0.2)
    log = _log_after(server, mark)
    assert "Traceback" not in log
    assert log.count("slack request refused") == 1


def test_json_nested_past_the_recursion_limit_is_a_422_on_any_path(server: HakbServer) -> None:
    mark = len(server.log())
    deep = "[" * 5000 + "]" * 5000
    bodies = [
        '{"question": "\\u0068a1 port?", "context": ' + deep + "}",  # with a \u escape (the JSON text guard)
        '{"question": "ha1 port?", "context": ' + deep + "}",
    ]
    auth = {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
    for body in bodies:
        for path in ("/v1/ask", "/v1/feedback"):
            r = httpx.post(f"{server.url}{path}", content=body.encode(), headers=auth, timeout=30)
            assert r.status_code == 422, (path, r.text)
            assert "deeper than" in r.json()["message"]
    # Slack's own route, signed, as JSON and as a form payload.
    r = _signed(server, '{"type": "event_callback", "event": ' + deep + "}", "application/json")
    assert r.status_code == 422, r.text
    r = _signed(
        server,
        urlencode({"payload": '{"type": "block_actions", "x": ' + deep + "}"}),
        "application/x-www-form-urlencoded",
    )
    assert r.status_code == 422, r.text
    time.sleep(0.2)
    log = _log_after(server, mark)
    assert "RecursionError" not in log and "Traceback" not in log


# -- item 4: the plain-text fallback ------------------------------------------------


def test_slack_control_sequences_from_a_document_are_escaped_in_the_fallback_text(slack: FakeSlack) -> None:
    channel = unique("C")
    event = {
        "type": "app_mention",
        "user": "U0ASKER",
        "text": f"<@{BOT_USER_ID}> what does the heartbeat relay forward?",
        "ts": f"{int(time.time())}.000100",
        "channel": channel,
    }
    r = slack.event(event)
    assert r.status_code == 200, r.text
    [post] = slack.posts(channel)
    text = post.args["text"]
    assert "hello messages" in text, text
    for raw in ("<!channel>", "<!here>", "<@U0ADMIN>", "<http://evil.example|click here>"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U0ADMIN&gt;" in text and "&amp; more" in text
    # The blocks were already escaped; both say the same thing.
    assert "&lt;!channel&gt;" in json.dumps(post.args["blocks"])


# -- item 2: a replayed signed vote --------------------------------------------------


def test_a_replayed_signed_vote_is_stored_once(slack: FakeSlack, server: HakbServer) -> None:
    channel, voter, hook = unique("C"), unique("U"), unique("vote")
    payload = {
        "type": "block_actions",
        "team": {"id": "T0HAKB"},
        "user": {"id": voter},
        "api_app_id": "A0HAKB",
        "trigger_id": unique("trig"),
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000100"},
        "response_url": slack.recorder.hook_url(hook),
        "actions": [
            {
                "type": "button",
                "action_id": "hakb_vote_wrong",
                "block_id": "hakb_feedback",
                "value": json.dumps({"q": "what port does ha1 use?", "a": "HA1 port: TCP 28769", "b": None}),
                "action_ts": "1700000001.000200",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    for _ in range(3):  # the same signed bytes, as an attacker who captured them would send
        r = _signed(server, body, "application/x-www-form-urlencoded", timestamp=ts)
        assert r.status_code == 200, r.text
    votes = httpx.get(
        f"{server.url}/v1/feedback", headers={"authorization": f"Bearer {ADMIN_KEY}"}, params={"limit": 100}, timeout=30
    ).json()["votes"]
    mine = [v for v in votes if v["user"] == voter]
    assert len(mine) == 1
    assert mine[0]["source"] == "slack" and mine[0]["vote"] == "wrong"
    assert len(slack.recorder.hooks(hook)) == 1, "thanked once"
    # A second click (new trigger, new action time) is a new vote.
    payload["trigger_id"] = unique("trig")
    payload["actions"][0]["action_ts"] = "1700000002.000300"  # type: ignore[index]
    r = _signed(server, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert r.status_code == 200
    votes = httpx.get(
        f"{server.url}/v1/feedback", headers={"authorization": f"Bearer {ADMIN_KEY}"}, params={"limit": 100}, timeout=30
    ).json()["votes"]
    assert len([v for v in votes if v["user"] == voter]) == 2
