"""The `checklist` and `check_config` tools over stdio and HTTP: what GET /v1/checklist
and POST /v1/check answer, with every quoted source gathered in `citations`; a model
the documents never name, a combination they rule out, malformed or hostile XML as a
tool error that says what is wrong, and the server keeps serving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from tests.mcp.conftest import Connect
from tests.mcp.test_tools import assert_cited, data, text

CONFIGS = Path(__file__).resolve().parents[1] / "fixtures" / "ha-configs"
DEPLOYMENT = {
    "model": "PA-3260",
    "ha1_encryption": True,
    "ha2_transport": "udp",
    "backups": ["ha1", "ha2", "heartbeat"],
}


def _config(name: str) -> str:
    return (CONFIGS / name).read_text()


def test_checklist_and_check_config_answer_with_their_citations(connect: Connect) -> None:
    # The seed document says the HA1 link needs an IP address (an error without one) and
    # recommends heartbeat backup when HA1 is on an in-band port (a warning).
    no_address = _config("heartbeat-backup-missing.xml").replace("<ip-address>192.0.2.9</ip-address>", "")

    async def scenario() -> None:
        async with connect() as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            checklist = await client.call_tool("checklist", DEPLOYMENT)
            checked = await client.call_tool("check_config", {"config": no_address, "model": "PA-3260"})
        assert tools["checklist"].input_schema["required"] == ["model"]
        assert tools["check_config"].input_schema["required"] == ["config"]
        assert "citations" in tools["checklist"].output_schema["properties"]

        found = data(checklist)
        assert found["documented_as"] == ["PA-3200 Series"]
        assert [line["link"] for line in found["lines"]][:2] == ["HA1", "HA1-backup"]
        labels = [f["label"] for f in found["lines"][0]["flows"]]
        assert "TCP 28" in labels and "TCP 28769" not in labels  # encryption on: the encrypted port only
        assert_cited(found["citations"])
        flow_quotes = {c["quote"] for line in found["lines"] for f in line["flows"] for c in f["citations"]}
        assert flow_quotes <= {c["quote"] for c in found["citations"]}  # every quoted source, once
        assert len({(c["doc_id"], c["section"], c["quote"]) for c in found["citations"]}) == len(found["citations"])
        assert text(checklist).startswith("HA connectivity checklist: PA-3260 (documented as PA-3200 Series)")

        report = data(checked)
        assert (report["errors"], report["warnings"]) == (1, 1)
        assert any("requires an IP address" in c["quote"] for c in report["citations"])
        assert_cited(report["citations"])
        assert "1 error(s), 1 warning(s)" in text(checked) and "HA1 has no IP address" in text(checked)

    anyio.run(scenario)


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("checklist", {"model": "PA-9999"}, "PA-3200 Series"),  # an unknown model names the known ones
    ("checklist", {"model": "PA-3260", "ha3": True}, "active/active"),  # ruled out: the rule is quoted
    ("checklist", {"model": "PA-3260", "ha2_transport": "tcp"}, "UDP (port 29281)"),
    ("checklist", {"model": "PA-3260", "backups": ["ha9"]}, "backup 'ha9' is not one of: ha1"),
    ("checklist", {"model": "PA-3260", "mode": "sideways"}, "invalid arguments for checklist: mode:"),
    ("check_config", {"config": _config("malformed.xml"), "model": "PA-3260"}, "not well-formed at line 5, column 4"),
    ("check_config", {"config": _config("billion-laughs.xml"), "model": "PA-3260"}, "document type"),
    ("check_config", {"config": _config("external-entity.xml"), "model": "PA-3260"}, "document type"),
    ("check_config", {"config": _config("clean-pa-850.xml"), "model": "PA-9999"}, "PA-3200 Series"),
    ("check_config", {"config": "is my HA fine?", "model": "PA-3260"}, "show high-availability all"),
    ("check_config", {"config": "<high-availability/>", "model": "PA-3260", "format": "json"}, "format:"),
]


def test_bad_checks_are_tool_errors_and_the_server_keeps_serving(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            for name, arguments, message in BAD_CALLS:
                result = await client.call_tool(name, arguments)
                assert result.is_error, (name, arguments, result)
                assert message in text(result), (name, arguments, text(result))
                assert "Traceback" not in text(result) and "lol" not in text(result)
            after = await client.call_tool("checklist", DEPLOYMENT)
        assert data(after)["lines"]

    anyio.run(scenario)
