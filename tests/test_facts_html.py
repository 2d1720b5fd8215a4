"""The relation rules read other wordings than the seed's: a page in our own words
(tests/fixtures/html/ha-links.html, made-up numbers) gives the same kinds of facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.facts import FactExtractor
from hakb.ingest.models import Fact
from hakb.ingest.parse import read_document

FIXTURE = Path(__file__).parent / "fixtures" / "html" / "ha-links.html"


@pytest.fixture(scope="module")
def facts() -> list[Fact]:
    meta, sections = read_document(str(FIXTURE))
    return FactExtractor(meta).extract(sections)


def _values(facts: list[Fact], subject: str, attribute: str) -> dict[str, Fact]:
    return {f.value: f for f in facts if f.subject == subject and f.attribute == attribute}


def test_each_port_keeps_the_mode_said_after_it(facts: list[Fact]) -> None:
    # "HA1 uses TCP ports 28901 and 28902 in clear text, and TCP port 28922 when encrypted."
    ports = _values(facts, "HA1", "port")
    assert ports["28901"].qualifier == "clear text"
    assert ports["28902"].qualifier == "clear text"
    assert ports["28922"].qualifier == "encrypted"
    assert all(f.protocol == "TCP" for f in ports.values())


def test_transport_direction_and_purpose_in_plain_words(facts: list[Fact]) -> None:
    assert "98" in _values(facts, "HA2", "ip-protocol")  # "IP protocol 98", no parentheses
    assert "29301" in _values(facts, "HA2", "port")
    assert "from the active peer to the passive peer" in _values(facts, "HA2", "direction")
    assert {"hellos", "heartbeats"} <= set(_values(facts, "HA1", "purpose"))  # "carries hellos, ..."
    assert _values(facts, "HA1", "requires")  # "needs an IP address"


def test_every_fact_quotes_its_value(facts: list[Fact]) -> None:
    assert facts
    for f in facts:
        assert f.value.lower() in " ".join(f.quote.lower().split())


def test_port_slash_protocol_shorthand() -> None:
    """ "28769/tcp" and "TCP/28771", as firewall rules write them."""
    from hakb.ingest.models import DocumentMeta, Section

    meta = DocumentMeta(doc_id="rules", title="Rules", source="rules.txt", kind="text", sha256="0")
    text = "The control link uses 28769/tcp for clear text traffic. Heartbeat backup listens on TCP/28771."
    found = FactExtractor(meta).extract([Section(doc_id="rules", path=("Rules",), text=text)])
    ports = {(f.subject, f.value, f.protocol, f.qualifier) for f in found if f.attribute == "port"}
    assert ("HA1", "28769", "TCP", "clear text") in ports
    assert ("heartbeat-backup", "28771", "TCP", None) in ports
