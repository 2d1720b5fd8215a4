"""The `ask` tool's scope arguments (product, deployment, version, platform), over both
transports: what `POST /v1/ask`'s `scope` does, as tool arguments."""

from __future__ import annotations

import anyio

from tests.mcp.conftest import Connect
from tests.mcp.test_tools import data, text

HA1 = "what port does ha1 use?"


def test_ask_takes_the_scope_fields(connect: Connect) -> None:
    async def scenario() -> None:
        async with connect() as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            elsewhere = await client.call_tool("ask", {"question": HA1, "product": "cn-series", "deployment": "aws"})
            model = await client.call_tool("ask", {"question": HA1, "platform": "PA-3260", "version": "11.1"})
            bad = await client.call_tool("ask", {"question": HA1, "product": "toaster!", "platform": "x"})
            long = await client.call_tool("ask", {"question": HA1, "deployment": "a" * 61})
        properties = tools["ask"].input_schema["properties"]
        assert {"product", "deployment", "version", "platform"} <= set(properties)
        # The seed build is the firewall's admin guide: another product is an abstain that says so.
        answer = data(elsewhere)
        assert answer["kind"] == "abstain" and not answer["citations"]
        assert "do not cover CN-Series" in answer["answer"] and "Next-Generation Firewall" in answer["answer"]
        assert "28769" in data(model)["answer"]
        assert bad.is_error and "product 'toaster!' may hold only letters, digits" in text(bad)
        assert "platform 'x' is not a firewall model or family" in text(bad)
        assert long.is_error and "deployment" in text(long) and "60 characters" in text(long)

    anyio.run(scenario)
