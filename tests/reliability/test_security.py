"""Security basics at the HTTP edge: CORS, rate limit, security headers, hostile JSON text.

In-process against `create_app(settings)` with its lifespan (a real build, a real engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hakb.service.api.app import create_app
from hakb.settings import Settings

ASK = {"question": "what port does ha1 use"}
OTHER_SITE = "https://evil.example"
OUR_SITE = "https://hakb.example.internal"


@pytest.fixture(scope="module")
def default_client(seed_data_dir: Path) -> Iterator[TestClient]:
    """As installed: no CORS origins, no rate limit."""
    with TestClient(create_app(Settings(HAKB_DATA_DIR=seed_data_dir))) as client:
        yield client


@pytest.fixture(scope="module")
def configured_app(seed_data_dir: Path):  # type: ignore[no-untyped-def]
    return create_app(Settings(HAKB_DATA_DIR=seed_data_dir, HAKB_CORS_ORIGINS=OUR_SITE, HAKB_RATE_LIMIT=5))


def test_cors_is_closed_by_default(default_client: TestClient) -> None:
    r = default_client.post("/v1/ask", json=ASK, headers={"Origin": OTHER_SITE})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    # A browser's preflight for a JSON POST from another site is not granted.
    r = default_client.options(
        "/v1/ask",
        headers={
            "Origin": OTHER_SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in r.headers
    assert r.status_code >= 400


def test_cors_allows_exactly_the_configured_origins(configured_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(configured_app, client=("10.0.0.1", 50000)) as client:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        }
        r = client.options("/v1/ask", headers={"Origin": OUR_SITE, **preflight})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == OUR_SITE
        assert "authorization" in r.headers["access-control-allow-headers"].lower()
        r = client.options("/v1/ask", headers={"Origin": OTHER_SITE, **preflight})
        assert r.headers.get("access-control-allow-origin") != OTHER_SITE
        r = client.get("/readyz", headers={"Origin": OTHER_SITE})
        assert "access-control-allow-origin" not in r.headers


def test_rate_limit_answers_429_with_retry_after_per_client(configured_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(configured_app, client=("10.0.0.2", 50000)) as client:
        statuses = [client.post("/v1/ask", json=ASK).status_code for _ in range(5)]
        assert statuses == [200] * 5
        r = client.post("/v1/ask", json=ASK)
        assert r.status_code == 429
        assert r.json()["error"] == "rate_limited"
        # 5 per minute refill one every 12 s: that is what the client is told to wait.
        assert 1 <= int(r.headers["retry-after"]) <= 12
        assert client.get("/v1/ports").status_code == 429  # every /v1 call counts
        assert client.get("/readyz").status_code == 200  # probes never do
        assert client.get("/healthz").status_code == 200
    with TestClient(configured_app, client=("10.0.0.3", 50000)) as other:
        assert other.post("/v1/ask", json=ASK).status_code == 200  # another client has its own budget


def test_rate_limit_is_off_by_default(default_client: TestClient) -> None:
    statuses = {default_client.get("/v1/facts", params={"subject": "HA1"}).status_code for _ in range(150)}
    assert statuses == {200}


def test_every_response_carries_security_headers(default_client: TestClient) -> None:
    for r in (
        default_client.post("/v1/ask", json=ASK),
        default_client.get("/v1/platforms/PA-0000"),  # 404
        default_client.post("/v1/ask", json={"question": ""}),  # 422
        default_client.get("/healthz"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_html_gets_a_policy_that_allows_only_its_own_scripts_and_styles(default_client: TestClient) -> None:
    r = default_client.get("/")
    if r.status_code == 404:
        pytest.skip("no chat page is mounted at /")
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp


def test_unpaired_surrogates_and_invalid_utf8_get_422_not_500(default_client: TestClient) -> None:
    for body in (
        b'{"question": "\\ud800 what port does ha1 use"}',
        b'{"question": "what port", "context": "\\udfff"}',
        b'{"question": "ha1 port \\udc00\\ud800"}',  # a low surrogate before a high one is no pair
    ):
        r = default_client.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, body
        assert r.json()["error"] == "invalid_request"
    # Bytes that are no UTF-8 are no JSON at all: a 400, as a syntax error is.
    r = default_client.post(
        "/v1/ask", content=b'{"question": "ha1 \xff\xfe port"}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"
    # The feedback store (SQLite) cannot hold a lone surrogate either.
    r = default_client.post(
        "/v1/feedback",
        content=b'{"vote": "wrong", "question": "\\ud83d"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    # A proper pair (an emoji written as JSON escapes) is ordinary text.
    r = default_client.post(
        "/v1/ask",
        content=b'{"question": "what port does ha1 use \\ud83d\\ude00"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200
    assert r.json()["question"].endswith("\U0001f600")
    # A literal backslash followed by "ud800" is text, not an escape.
    r = default_client.post(
        "/v1/ask",
        content=b'{"question": "what port does ha1 use \\\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200


def test_settings_never_show_keys_or_slack_secrets() -> None:
    # A Settings object that reaches a log line or a traceback must not carry the secrets.
    settings = Settings(HAKB_API_KEYS="key-one,key-two", SLACK_SIGNING_SECRET="sign-3f2", SLACK_BOT_TOKEN="xoxb-9a1")
    for text in (repr(settings), str(settings)):
        for secret in ("key-one", "key-two", "sign-3f2", "xoxb-9a1"):
            assert secret not in text
    assert settings.api_key_list == ["key-one", "key-two"]  # still there to be used
