"""POST /v1/check over a real `hakb serve` (corpus build, API keys on, debug logging)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import hakb_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ha-configs"
KEY = "check-api-key"
# In every configuration sent: the server's log must never hold it.
MARKER = f"customer-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def server(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log_path = tmp_path_factory.mktemp("check-api") / "server.log"
    with hakb_server(corpus_data_dir, log_path, {"HAKB_API_KEYS": KEY}, verbose=True) as running:
        yield running.url, log_path


def post(server: tuple[str, Path], body: object, key: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{server[0]}/v1/check", json=body, headers=headers, timeout=30)


def fixture(name: str) -> str:
    """A fixture with the marker in it (a description, or a comment line for the text)."""
    text = (FIXTURES / name).read_text()
    if "<high-availability>" in text:
        return text.replace("<high-availability>", f"<high-availability><!-- {MARKER} -->", 1)
    return text.replace("Group ", f"{MARKER}\nGroup ", 1)


def test_findings_come_back_cited(server: tuple[str, Path]) -> None:
    response = post(server, {"config": fixture("hello-interval-out-of-range.xml"), "model": "PA-850"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["errors"], body["warnings"], body["documented_as"]) == (1, 0, ["PA-800 Series"])
    (finding,) = body["findings"]
    assert finding["where"] == "deviceconfig/high-availability/group/election-option/timers/advanced/hello-interval"
    assert finding["severity"] == "error" and "5000" in finding["problem"]
    assert all(c["quote"] and c["url"] and c["title"] and c["section"] for c in finding["rules"])
    assert body["not_checked"] and body["passed"]

    text = post(server, {"config": fixture("group-id-out-of-range.txt"), "model": "PA-3260", "format": "text"})
    assert text.status_code == 200, text.text
    assert [(f["check"], f["where"]) for f in text.json()["findings"]] == [("range", "line 2")]  # the marker is line 1

    clean = post(
        server, {"config": fixture("clean-active-active.xml"), "model": "PA-3260", "scope": {"version": "11.1"}}
    )
    assert clean.status_code == 200 and clean.json()["findings"] == []


def test_bad_configurations_get_a_4xx_that_says_why(server: tuple[str, Path]) -> None:
    malformed = post(server, {"config": fixture("malformed.xml"), "model": "PA-3260"})
    assert malformed.status_code == 422
    body = malformed.json()
    # The marker comment sits on line 1, so the broken tag stays on line 5, one column on.
    assert (body["error"], body["line"], body["column"]) == ("malformed_xml", 5, 4)
    for name in ("billion-laughs.xml", "external-entity.xml"):
        hostile = post(server, {"config": fixture(name), "model": "PA-3260"})
        assert hostile.status_code == 422 and hostile.json()["error"] == "config_refused", hostile.text
        assert "lol" not in hostile.text and "root:" not in hostile.text
    unknown = post(server, {"config": fixture("clean-pa-850.xml"), "model": "PA-9999"})
    assert unknown.status_code == 404 and "PA-800 Series" in unknown.json()["known"]
    chatter = post(server, {"config": f"hello {MARKER}, is my HA fine?", "model": "PA-850"})
    assert chatter.status_code == 422 and chatter.json()["error"] == "unknown_config_format"
    big = post(server, {"config": fixture("clean-pa-850.xml") + " " * 70_000, "model": "PA-850"})
    assert big.status_code == 413 and big.json()["error"] == "too_large"
    extra = post(server, {"config": fixture("clean-pa-850.xml"), "model": "PA-850", "configs": "x"})
    assert extra.status_code == 422
    assert post(server, {"config": fixture("clean-pa-850.xml"), "model": "PA-850"}, key=None).status_code == 401


def test_the_configuration_is_never_logged(server: tuple[str, Path]) -> None:
    post(server, {"config": fixture("ha1-backup-ipv6.xml"), "model": "PA-3260"})
    post(server, {"config": fixture("malformed.xml"), "model": "PA-3260"})
    log = server[1].read_text(encoding="utf-8", errors="replace")
    assert "/v1/check" in log  # requests are logged (debug on) ...
    assert MARKER not in log  # ... the configuration never
    assert "2001:db8::1" not in log and "<high-availability>" not in log


def test_the_schema_documents_the_route(server: tuple[str, Path]) -> None:
    spec = httpx.get(f"{server[0]}/openapi.json", timeout=30).json()
    operation = spec["paths"]["/v1/check"]["post"]
    assert {"200", "404", "413", "422"} <= set(operation["responses"])
    assert json.dumps(operation).count("CheckRequest") >= 1


def test_a_number_too_long_to_read_is_not_checked_rather_than_a_500(server: tuple[str, Path]) -> None:
    """Python refuses int() of more than 4,300 digits: such a value is listed as not checked."""
    huge = "9" * 5000
    for leaf in ("hello-interval", "group-id"):
        config = re.sub(rf"<{leaf}>\d+<", f"<{leaf}>{huge}<", fixture("hello-interval-out-of-range.xml"))
        response = post(server, {"config": config, "model": "PA-850"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert not [f for f in body["findings"] if f["where"].endswith(leaf)]
        (skipped,) = [n for n in body["not_checked"] if (n["where"] or "").endswith(leaf)]
        assert "5000 digits" in skipped["why"], skipped
