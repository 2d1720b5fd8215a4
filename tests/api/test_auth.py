"""With HAKB_API_KEYS set, /v1/* needs `Authorization: Bearer <key>`; probes stay open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import hakb_server

KEYS = "first-key-0123456789,second-key-abcdef"


@pytest.fixture(scope="module")
def keyed_server(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("keyed-server") / "server.log"
    with hakb_server(seed_data_dir, log, {"HAKB_API_KEYS": KEYS}) as server:
        yield server.url


REQUESTS = [
    ("POST", "/v1/ask", {"question": "what port does ha1 use?"}),
    ("GET", "/v1/facts?subject=HA1", None),
    ("GET", "/v1/ports", None),
    ("GET", "/v1/platforms/PA-3260", None),
]


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Bearer first-key-012345678"},  # a prefix of a real key
        {"Authorization": "first-key-0123456789"},  # no scheme
        {"Authorization": "Basic Zmlyc3Q6a2V5"},
        {"X-API-Key": "first-key-0123456789"},
    ],
    ids=["none", "wrong", "prefix", "no-scheme", "basic", "other-header"],
)
def test_v1_without_a_valid_key_is_401(
    keyed_server: str, method: str, path: str, body: dict[str, str] | None, headers: dict[str, str]
) -> None:
    response = httpx.request(method, f"{keyed_server}{path}", json=body, headers=headers, timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized"
    assert "Bearer" in response.json()["message"]
    assert response.headers.get("www-authenticate") == "Bearer"
    assert "28769" not in response.text  # nothing of the answer leaks


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
@pytest.mark.parametrize("key", ["first-key-0123456789", "second-key-abcdef"])
def test_v1_with_any_configured_key_is_200(
    keyed_server: str, method: str, path: str, body: dict[str, str] | None, key: str
) -> None:
    response = httpx.request(
        method, f"{keyed_server}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    assert response.status_code == 200, response.text


def test_answer_with_a_key_is_the_real_answer(keyed_server: str) -> None:
    response = httpx.post(
        f"{keyed_server}/v1/ask",
        json={"question": "what port does ha1 use?"},
        headers={"Authorization": "Bearer second-key-abcdef"},
        timeout=30,
    )
    assert "28769" in response.json()["answer"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_key(keyed_server: str, path: str) -> None:
    assert httpx.get(f"{keyed_server}{path}", timeout=30).status_code == 200


def test_bad_input_with_a_key_is_still_named(keyed_server: str) -> None:
    response = httpx.post(
        f"{keyed_server}/v1/ask", json={"question": " "}, headers={"Authorization": "Bearer first-key-0123456789"}
    )
    assert response.status_code == 422 and "empty" in response.json()["message"]


def test_open_server_needs_no_key(live_server: str) -> None:
    # Without HAKB_API_KEYS (the live server's case) the API is open, for local use.
    assert httpx.get(f"{live_server}/v1/ports", timeout=30).status_code == 200
