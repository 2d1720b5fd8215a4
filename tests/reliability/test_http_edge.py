"""Over the wire, against a real `hakb serve`: body size limit, slow clients, secrets in logs.

Timeouts under test (service/api/serving.py): HAKB_REQUEST_TIMEOUT (the whole
request must arrive within it; 1 s here) and the 64 KiB header cap.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import Server, StartServe

API_KEY = "hakb-test-key-7f3a9c1e2b"
WRONG_KEY = "not-our-key-d41d8cd98f00"
SLACK_SECRET = "slack-signing-secret-5e8f2a"
SLACK_TOKEN = "xoxb-test-token-0c9b7a"
BODY_LIMIT = 4000


@pytest.fixture(scope="module")
def server(seed_data_dir: Path, start_hakb_serve: StartServe) -> Iterator[Server]:
    yield start_hakb_serve(
        seed_data_dir,
        workers=1,
        verbose=True,  # DEBUG: the most a log can ever hold
        HAKB_REQUEST_TIMEOUT="1",
        HAKB_API_KEYS=f"{API_KEY},second-key-000",
        HAKB_MAX_BODY_BYTES=str(BODY_LIMIT),
        SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens there: no call leaves the machine
    )


def _auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _raw(server: Server, chunks: list[bytes], pause: float = 0.0, read_for: float = 8.0) -> tuple[bytes, float]:
    """Send `chunks` with `pause` between them, then read until the server closes.
    Returns what came back and the seconds from connecting until the close."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=read_for) as sock:
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server already closed on us: read what it said
            time.sleep(pause)
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data:
                break
            received += data
    return received, time.monotonic() - started


def test_body_over_the_limit_gets_413(server: Server) -> None:
    big = {"question": "what port does ha1 use " + "x" * BODY_LIMIT}
    r = httpx.post(f"{server.url}/v1/ask", json=big, headers=_auth(), timeout=10)
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"
    # No Content-Length (chunked): counted as it arrives.
    body = json.dumps(big).encode()
    r = httpx.post(
        f"{server.url}/v1/ask",
        content=iter([body[i : i + 1000] for i in range(0, len(body), 1000)]),
        headers={**_auth(), "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 413
    # Just under the limit is answered.
    r = httpx.post(f"{server.url}/v1/ask", json={"question": "what port does ha1 use"}, headers=_auth(), timeout=10)
    assert r.status_code == 200


def test_client_that_never_sends_is_cut_off(server: Server) -> None:
    received, seconds = _raw(server, [])
    assert received.startswith(b"HTTP/1.1 408")
    assert 0.8 <= seconds < 5


def test_headers_sent_a_byte_at_a_time_are_cut_off(server: Server) -> None:
    head = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
    # 40+ pauses of 0.1 s: the client keeps sending for over 4 s; the deadline is 1 s.
    received, seconds = _raw(server, [bytes([b]) for b in head], pause=0.1)
    assert received.startswith(b"HTTP/1.1 408")
    assert seconds < 3.5


def test_body_that_never_finishes_is_cut_off(server: Server) -> None:
    head = (
        b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + API_KEY.encode() + b"\r\nContent-Length: 200\r\n\r\n"
    )
    received, seconds = _raw(server, [head, b'{"question": "what port'])
    assert received.startswith(b"HTTP/1.1 408")
    assert 0.8 <= seconds < 5
    # The server is fine afterwards.
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_endless_headers_get_431(server: Server) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-Filler-%d: %s\r\n" % (i, b"y" * 1000) for i in range(80)
    )
    received, _ = _raw(server, [head[i : i + 8192] for i in range(0, len(head), 8192)])
    assert received.startswith(b"HTTP/1.1 431")
    # A large body sent in one go with short headers is a body, not headers: 413, not 431.
    body = b'{"question": "' + b"x" * 100_000 + b'"}'
    request = (
        b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    received, _ = _raw(server, [request])
    assert received.startswith(b"HTTP/1.1 413")


def test_kept_alive_client_is_not_cut_off_between_prompt_requests(server: Server) -> None:
    # The deadline covers reading a request, not the time between them (that is
    # the 10 s keep-alive): requests 1.5 s apart on one connection all succeed.
    with httpx.Client(base_url=server.url, headers=_auth(), timeout=10) as client:
        for _ in range(3):
            r = client.post("/v1/ask", json={"question": "what ethertype does ha2 use"})
            assert r.status_code == 200
            time.sleep(1.5)
        assert client.get("/healthz").status_code == 200


def test_api_keys_and_slack_secrets_never_reach_the_log(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.post("/v1/ask", json={"question": "what port does ha1 use"}, headers=_auth()).status_code == 200
        assert client.get("/v1/ports", headers=_auth()).status_code == 200
        assert client.post("/v1/ask", json={"question": "ha2 port"}, headers=_auth(WRONG_KEY)).status_code == 401
        assert client.get("/v1/facts", headers={"Authorization": API_KEY}).status_code == 401  # no "Bearer"
        client.post("/v1/ask", content=b"{not json", headers={**_auth(), "Content-Type": "application/json"})
        client.post(
            "/slack/events",
            content=b'{"type": "url_verification", "challenge": "c"}',
            headers={
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": "v0=" + "0" * 64,
            },
        )
    time.sleep(0.5)  # let the log lines land
    log = server.log()
    # The log is live and detailed (so the check below can fail): our own lines and uvicorn's.
    assert "POST /v1/ask" in log and "ask kind=" in log
    for secret in (API_KEY, WRONG_KEY, "second-key-000", SLACK_SECRET, SLACK_TOKEN):
        assert secret not in log, f"{secret!r} appears in the server log"
