"""Setting the bot up: the route exists only with Slack configured, a half
configuration is refused, and the manifest and docs match what the code does."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi.testclient import TestClient

from hakb.service.api.app import create_app
from hakb.service.slack.app import SlackConfigError, SlackDeps, api_base_url, create_bolt_app
from hakb.service.state import open_state
from hakb.settings import Settings

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "slack" / "manifest.yml"
DOCS = REPO / "docs" / "slack.md"


def _settings(tmp_path: Path, **slack: str) -> Settings:
    return Settings(HAKB_DATA_DIR=tmp_path, **slack)  # type: ignore[arg-type]


def test_without_a_signing_secret_there_is_no_slack_route(tmp_path: Path) -> None:
    # No lifespan needed: routing alone decides (and no engine is loaded).
    client = TestClient(create_app(_settings(tmp_path)))
    assert client.post("/slack/events", content=b"{}").status_code == 404
    assert "/slack/events" not in client.get("/openapi.json").json()["paths"]


def test_with_a_signing_secret_the_route_checks_signatures(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1"))
    client = TestClient(app)
    assert client.post("/slack/events", content=b"{}").status_code == 401
    assert "/slack/events" in client.get("/openapi.json").json()["paths"]


def test_a_secret_without_a_bot_token_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(SlackConfigError, match="SLACK_BOT_TOKEN"):
        create_app(_settings(tmp_path, SLACK_SIGNING_SECRET="s"))


def test_the_api_url_gets_the_trailing_slash_slack_sdk_needs(tmp_path: Path) -> None:
    assert api_base_url(_settings(tmp_path)) == "https://slack.com/api/"
    assert api_base_url(_settings(tmp_path, SLACK_API_URL="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"


def test_building_the_bolt_app_makes_no_network_call(tmp_path: Path) -> None:
    # Pointed at a closed port: any call at build time would fail loudly.
    settings = _settings(
        tmp_path, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL="http://127.0.0.1:9/api/"
    )
    deps = SlackDeps(engine=lambda: None, feedback=lambda: None, state=open_state(settings))  # type: ignore[arg-type,return-value]
    app = create_bolt_app(settings, deps)
    assert app.client.base_url == "http://127.0.0.1:9/api/"


def test_the_manifest_asks_for_what_the_bot_handles_and_points_at_its_route(tmp_path: Path) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.im", "message.channels", "message.groups"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "chat:write", "commands", "im:history", "channels:history", "groups:history"}
    assert needed <= scopes, needed - scopes
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/hakb"
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # DMs allowed

    urls = {settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"], command["url"]}
    paths = {urlsplit(u).path for u in urls}
    assert all(urlsplit(u).scheme == "https" for u in urls)  # Slack only calls HTTPS URLs
    app = create_app(_settings(tmp_path, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1"))
    assert paths <= set(TestClient(app).get("/openapi.json").json()["paths"])


def test_the_set_up_docs_name_every_slack_setting_and_the_manifest() -> None:
    text = DOCS.read_text()
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_API_URL", "slack/manifest.yml", "/slack/events"):
        assert name in text, name
