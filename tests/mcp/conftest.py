"""The MCP tools through the SDK's own client, over both transports.

    stdio   a real `hakb mcp` subprocess (what a desktop assistant launches)
    http    a real `hakb serve` (uvicorn) with HAKB_API_KEYS set, at /mcp

`connect` (parametrized over both) opens a client: `async with connect() as client:`.
Tests run their async body with `anyio.run`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import clean_env, hakb_command, hakb_server

KEY = "mcp-test-key-0123456789"

Connect = Callable[[], AbstractAsyncContextManager[Client]]


@pytest.fixture(scope="session")
def keyed_mcp_server(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real `hakb serve` over the seed build, with one API key."""
    log = tmp_path_factory.mktemp("mcp-server") / "server.log"
    with hakb_server(seed_data_dir, log, {"HAKB_API_KEYS": KEY}) as server:
        yield server.url


def stdio_params(data_dir: Path, env: dict[str, str] | None = None) -> StdioServerParameters:
    """`hakb mcp` as an assistant's configuration would launch it."""
    return StdioServerParameters(
        command=hakb_command(),
        args=["mcp"],
        env=clean_env({"HAKB_DATA_DIR": str(data_dir), **(env or {})}),
        cwd=str(data_dir),
    )


@asynccontextmanager
async def http_client(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), read_timeout_seconds=60) as client,
    ):
        yield client


@pytest.fixture(params=["stdio", "http"])
def connect(request: pytest.FixtureRequest, seed_data_dir: Path) -> Connect:
    if request.param == "stdio":
        return lambda: Client(stdio_params(seed_data_dir), read_timeout_seconds=60)
    url = request.getfixturevalue("keyed_mcp_server")
    return lambda: http_client(url, {"Authorization": f"Bearer {KEY}"})
