"""What is particular to each transport: /mcp refuses a request without one of the
API keys (as /v1 does); `hakb mcp` starts without a build and says how to make one."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from hakb.service.api.app import create_app
from hakb.settings import Settings
from tests.conftest import hakb_server
from tests.mcp.conftest import KEY, http_client, stdio_params
from tests.mcp.test_tools import TOOLS, text

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
BAD_HEADERS = [
    {},
    {"Authorization": "Bearer wrong-key"},
    {"Authorization": f"Bearer {KEY[:-1]}"},  # a prefix of the real key
    {"Authorization": KEY},  # no scheme
    {"X-API-Key": KEY},
]
BAD_IDS = ["none", "wrong", "prefix", "no-scheme", "other-header"]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


@pytest.mark.parametrize("headers", BAD_HEADERS, ids=BAD_IDS)
def test_http_without_a_valid_key_is_401(keyed_mcp_server: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{keyed_mcp_server}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers}, timeout=30)
    assert response.status_code == 401, response.text
    # The same RFC 9457 problem as /v1's (application/problem+json).
    assert response.json() == {
        "type": "urn:hakb:problem:unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "missing or wrong API key: send Authorization: Bearer <key>",
        "instance": "/mcp",
        "error": "unauthorized",
        "message": "missing or wrong API key: send Authorization: Bearer <key>",
    }
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/mcp", "/v1/ask"])
def test_an_oversized_body_is_a_413_problem_naming_its_path(keyed_mcp_server: str, path: str) -> None:
    """The size limit answers before any route (or the MCP transport) reads the body; its
    problem carries `instance` like every other, whether the length is declared or not."""
    body = b'{"question": "' + b"x" * 70_000 + b'"}'
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    declared = httpx.post(f"{keyed_mcp_server}{path}", content=body, headers=headers, timeout=30)
    chunked = httpx.post(f"{keyed_mcp_server}{path}", content=iter([body[:40_000], body[40_000:]]), headers=headers)
    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["instance"] == path
        assert (problem["type"], problem["status"], problem["error"]) == (
            "urn:hakb:problem:too_large",
            413,
            "too_large",
        )
        assert problem["detail"] == problem["message"] == "request body is over the limit of 64000 bytes"
    assert "transfer-encoding" not in declared.request.headers and "content-length" not in chunked.request.headers


def test_http_with_the_key_answers_the_handshake(keyed_mcp_server: str) -> None:
    response = httpx.post(
        f"{keyed_mcp_server}/mcp",
        json=INITIALIZE,
        headers={**MCP_HEADERS, "Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"]["name"] == "hakb"


@pytest.mark.parametrize("headers", BAD_HEADERS[:2], ids=BAD_IDS[:2])
def test_the_sdk_client_is_refused_without_the_key(keyed_mcp_server: str, headers: dict[str, str]) -> None:
    statuses: list[int] = []

    async def record(response: httpx2.Response) -> None:
        statuses.append(response.status_code)

    async def scenario() -> None:
        async with httpx2.AsyncClient(headers=headers, event_hooks={"response": [record]}) as http:
            async with Client(streamable_http_client(f"{keyed_mcp_server}/mcp", http_client=http)) as client:
                await client.call_tool("ask", {"question": "what port does ha1 use?"})

    with pytest.raises(BaseException) as caught:
        anyio.run(scenario)
    assert any(isinstance(leaf, MCPError) for leaf in _leaves(caught.value)), caught.value
    assert statuses and set(statuses) == {401}


def test_http_tool_call_with_the_key(keyed_mcp_server: str) -> None:
    async def scenario() -> str:
        async with http_client(keyed_mcp_server, {"Authorization": f"Bearer {KEY}"}) as client:
            return text(await client.call_tool("ask", {"question": "what port does ha1 use?"}))

    assert "28769" in anyio.run(scenario)


def test_http_works_with_several_workers(seed_data_dir: Path, tmp_path: Path) -> None:
    """Stateless: no MCP session lives in one worker, so any worker answers any call."""

    async def scenario(url: str) -> list[str]:
        answers = []
        for _ in range(6):  # a client per call: a new connection, whichever worker takes it
            async with http_client(url, {"Authorization": f"Bearer {KEY}"}) as client:
                answers.append(text(await client.call_tool("ask", {"question": "what port does ha1 use?"})))
        return answers

    with hakb_server(seed_data_dir, tmp_path / "server.log", {"HAKB_API_KEYS": KEY}, workers=2) as server:
        answers = anyio.run(scenario, server.url)
        log = server.log()
    assert all("28769" in a for a in answers)
    assert "Traceback" not in log


def test_the_app_serves_mcp_again_after_a_restart_of_its_lifespan(seed_data_dir: Path) -> None:
    """The SDK's session manager runs once; one app started twice (a test client per test)
    gets a new one each time."""
    app = create_app(Settings(HAKB_DATA_DIR=seed_data_dir, HAKB_API_KEYS=KEY))
    for _ in range(2):
        with TestClient(app) as client:
            response = client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {KEY}"})
            assert response.status_code == 200, response.text
            assert client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS).status_code == 401


def test_v1_keys_still_guard_v1(keyed_mcp_server: str) -> None:
    assert httpx.get(f"{keyed_mcp_server}/v1/ports", timeout=30).status_code == 401
    response = httpx.get(f"{keyed_mcp_server}/v1/ports", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    assert response.status_code == 200


def test_mcp_is_not_in_the_openapi_schema(keyed_mcp_server: str) -> None:
    paths = httpx.get(f"{keyed_mcp_server}/openapi.json", timeout=30).json()["paths"]
    assert "/mcp" not in paths and "/v1/ask" in paths


def test_stdio_without_a_build_answers_how_to_make_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    data_dir.mkdir()

    async def scenario() -> tuple[bool, str, set[str]]:
        async with Client(stdio_params(data_dir), read_timeout_seconds=60) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("ports", {})
            return bool(result.is_error), text(result), tools

    is_error, message, tools = anyio.run(scenario)
    assert tools == TOOLS
    assert is_error and "no build is loaded yet" in message and "hakb ingest" in message, message
    assert str(tmp_path) not in message and "$HAKB_DATA_DIR" in message  # as /v1 says it, no server path
