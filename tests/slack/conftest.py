"""One real hakb server with Slack configured, a recording stand-in for Slack's Web
API, and a client that sends what Slack sends, signed the way Slack signs it.

All three are made once per session: a seed-only build via `hakb ingest` (about
3 s), the recorder, and the uvicorn server pointed at it with SLACK_API_URL.
Each test uses its own channel ids, so recordings never mix between tests.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from hakb.devserver import HakbServer
from tests.conftest import copy_data_dir, hakb_server
from tests.slack.recorder import BOT_USER_ID, TEAM_ID, SlackRecorder, running_recorder

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # a test secret, not a real one
BOT_TOKEN = "xoxb-0000-test"
_ids = itertools.count(1)


def sign(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 scheme, written out here (not taken from slack_sdk) so the test
    checks the server against the documented scheme, not against itself."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):05d}{int(time.time() * 1000) % 100000:05d}"


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


@dataclass
class FakeSlack:
    """Sends requests to the server as Slack would, and reads what the bot sent back."""

    base_url: str
    recorder: SlackRecorder

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: str | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = timestamp or str(int(time.time()))
        sent = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sign(body, ts, secret),
            **(headers or {}),
        }
        return httpx.post(f"{self.base_url}/slack/events", content=body.encode(), headers=sent, timeout=30)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.post(json.dumps(self.envelope(event, event_id)), "application/json", **kwargs)

    @staticmethod
    def envelope(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0HAKB",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or unique("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }

    def command(self, text: str, *, channel: str, user: str = "U0ASKER", response_url: str = "") -> httpx.Response:
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "user_name": "asker",
            "command": "/hakb",
            "text": text,
            "api_app_id": "A0HAKB",
            "response_url": response_url,
            "trigger_id": unique("trig"),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, channel: str, user: str, response_url: str) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0HAKB",
            "token": "legacy-verification-token",
            "trigger_id": unique("trig"),
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "message_ts": new_ts()},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "hakb_feedback",
                    "value": value,
                    "action_ts": new_ts(),
                }
            ],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def posts(self, channel: str) -> list[Any]:
        """Every chat.postMessage the bot made in `channel` (failed attempts included)."""
        return self.recorder.find("chat.postMessage", channel=channel)


@pytest.fixture(scope="session")
def slack_recorder() -> Iterator[SlackRecorder]:
    with running_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="session")
def slack_data_dir(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed build. The server writes its feedback database here, so this
    dir is the Slack tests' own."""
    return copy_data_dir(seed_data_dir, tmp_path_factory.mktemp("slack") / "data")


@pytest.fixture(scope="session")
def slack_server(
    slack_data_dir: Path, slack_recorder: SlackRecorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HakbServer]:
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_recorder.api_url,
    }
    with hakb_server(slack_data_dir, tmp_path_factory.mktemp("slack-server") / "server.log", env) as server:
        yield server


@pytest.fixture
def slack(slack_server: HakbServer, slack_recorder: SlackRecorder) -> FakeSlack:
    return FakeSlack(slack_server.url, slack_recorder)
