"""Every tool over stdio and HTTP: the API's answers, cited, as structured content;
bad input as a tool error that leaves the server serving."""

from __future__ import annotations

from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent

from tests.mcp.conftest import Connect

TOOLS = {"ask", "facts", "ports", "platform", "checklist", "check_config"}


def text(result: CallToolResult) -> str:
    assert result.content and isinstance(result.content[0], TextContent)
    return result.content[0].text


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


def assert_cited(citations: list[dict[str, Any]]) -> None:
    assert citations
    for c in citations:
        assert c["title"] and c["section"] and c["quote"] and c["doc_id"]
        assert c["url"].startswith("https://")


def test_the_tools_are_listed_with_input_and_output_schemas(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description and tool.output_schema, tool.name
            assert tool.annotations is not None and tool.annotations.read_only_hint
        assert tools["ask"].input_schema["required"] == ["question"]
        assert {"version", "context"} <= set(tools["ask"].input_schema["properties"])
        assert tools["platform"].input_schema["required"] == ["model"]
        assert "citations" in tools["ask"].output_schema["properties"]

    anyio.run(scenario)


def test_ask_answers_with_its_citations(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            result = await client.call_tool("ask", {"question": "what port does ha1 use?"})
            scoped = await client.call_tool("ask", {"question": "what port does ha1 use?", "version": "11.1"})
            elsewhere = await client.call_tool("ask", {"question": "what port does ha1 use?", "version": "9.1"})
            follow_up = await client.call_tool(
                "ask", {"question": "and for encrypted communication?", "context": "what port does ha1 use?"}
            )
        answer = data(result)
        assert answer["kind"] == "fact" and "28769" in answer["answer"]
        assert_cited(answer["citations"])
        assert any("28769" in c["quote"] for c in answer["citations"])
        # The text the model reads: the answer, then each source with its quote and URL.
        assert text(result).startswith(answer["answer"])
        first = answer["citations"][0]
        assert "Sources:" in text(result) and first["url"] in text(result)
        assert first["scope_label"] and f"({first['scope_label']})" in text(result)  # what the quote holds for
        # Scope: a version the documents are for answers the same; another finds nothing.
        assert data(scoped)["answer"] == answer["answer"]
        assert all("11.1" in c["version"] for c in data(scoped)["citations"])
        assert "28769" not in data(elsewhere)["answer"] and not data(elsewhere)["citations"]
        assert "28" in data(follow_up)["answer"] and data(follow_up)["citations"]

    anyio.run(scenario)


def test_lookups_return_rows_and_their_sources(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            facts = data(await client.call_tool("facts", {"subject": "ha1", "attribute": "port"}))
            few = data(await client.call_tool("facts", {"subject": "HA1", "limit": 2}))
            none = data(await client.call_tool("facts", {"subject": "HA1", "attribute": "no-such-attribute"}))
            ports = data(await client.call_tool("ports", {}))
            platform = await client.call_tool("platform", {"model": "PA-3260"})
        assert facts["count"] == facts["shown"] == len(facts["facts"]) > 0
        assert {f["subject"] for f in facts["facts"]} == {"HA1"}
        assert {"28769", "28260"} <= {f["value"] for f in facts["facts"]}
        assert_cited(facts["citations"])
        assert few["shown"] == len(few["facts"]) == 2 < few["count"]
        assert none == {"count": 0, "shown": 0, "facts": [], "citations": []}
        rows = {(p["link"], p["port"], p["protocol"]) for p in ports["ports"]}
        assert {("HA1", "28769", "TCP"), ("HA2", "29281", "UDP"), ("HA2", "99", "IP")} <= rows
        assert ports["count"] == len(ports["ports"])
        assert_cited(ports["citations"])
        body = data(platform)
        assert body["model"] == "PA-3260" and body["documented_as"] == ["PA-3200 Series"]
        assert any(f["subject"] == "HA3" and "aggregate" in f["value"] for f in body["facts"])
        assert_cited(body["citations"])
        assert "PA-3200 Series" in text(platform) and "Sources:" in text(platform)

    anyio.run(scenario)


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("ask", {"question": "   "}, "question is empty"),
    ("ask", {"question": "x" * 2001}, "the limit is 2000"),
    ("ask", {}, "invalid arguments for ask: question: Field required"),
    ("ask", {"question": 42}, "invalid arguments for ask: question: Input should be a valid string"),
    ("ask", {"question": "ha1 port?", "version": "v" * 41}, "version"),
    ("facts", {"limit": 0}, "invalid arguments for facts: limit: Input should be greater than or equal to 1"),
    ("facts", {"subject": "s" * 61}, "invalid arguments for facts: subject: String should have at most 60"),
    ("platform", {"model": "PA-9999"}, "the documents say nothing about 'PA-9999'; documented platforms:"),
    ("platform", {}, "invalid arguments for platform: model: Field required"),
    ("no-such-tool", {}, "Unknown tool"),
]


def test_bad_input_is_a_tool_error_and_the_server_keeps_serving(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            for name, arguments, message in BAD_CALLS:
                result = await client.call_tool(name, arguments)
                assert result.is_error, (name, arguments, result)
                assert message in text(result), (name, arguments, text(result))
                assert "Traceback" not in text(result) and "pydantic" not in text(result)
            after = await client.call_tool("ask", {"question": "what port does ha1 use?"})
        assert "28769" in data(after)["answer"]

    anyio.run(scenario)


async def _ask(client: Client, question: str) -> str:
    return str(data(await client.call_tool("ask", {"question": question}))["answer"])


def test_concurrent_calls_get_their_own_answers(connect: Connect) -> None:
    questions = {"what port does ha1 use?": "28769", "what ethertype does ha2 use?": "0x7261"}

    async def scenario() -> None:
        answers: dict[str, str] = {}
        async with connect() as client:

            async def one(question: str) -> None:
                answers[question] = await _ask(client, question)

            async with anyio.create_task_group() as tg:
                for question in [*questions, *questions]:
                    tg.start_soon(one, question)
        for question, value in questions.items():
            assert value in answers[question], answers[question]

    anyio.run(scenario)
