"""One registry of attributes: facts carry only registered names, and the lists the
engine and ingest use (single-valued, core, reverse lookups, value shapes) are its views."""

from __future__ import annotations

import pytest

from hakb import attributes
from hakb.ingest.models import Fact


def test_ingest_refuses_a_fact_with_an_unregistered_attribute_naming_the_known_ones() -> None:
    with pytest.raises(ValueError) as raised:
        attributes.check("prot")
    assert "unknown attribute 'prot'" in str(raised.value)
    assert "ip-protocol" in str(raised.value)


def test_every_fact_of_the_corpus_build_has_a_registered_attribute(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    # A table's own columns name attributes of their cells (max-members): those come
    # from the document, every other one from the registry.
    used = {f.attribute for f in corpus_engine.holder.current.facts.facts if "\u2014" not in f.quote}
    assert used <= set(attributes.ATTRIBUTES)
    assert {"port", "ethertype", "range"} <= used  # the walk saw real facts


def _fact(attribute: str, value: str, doc: str) -> Fact:
    return Fact(subject="HA1", attribute=attribute, value=value, doc_id=doc, title=doc, section=doc, quote=value)


def test_the_registry_decides_what_is_a_disagreement_and_how_it_is_worded() -> None:
    from hakb.ingest.facts import mark_conflicts
    from hakb.service import question as qparse
    from hakb.service import rules
    from hakb.service.facts_table import FactTable

    # Single-valued in the registry: two pages giving two layers disagree.
    layers = [_fact("layer", "Layer 3", "a"), _fact("layer", "Layer 2", "b")]
    assert mark_conflicts(layers) == 1 and all(f.conflict for f in layers)
    # Not single-valued: two purposes are a list, not a disagreement.
    purposes = [_fact("purpose", "hellos", "a"), _fact("purpose", "heartbeats", "b")]
    assert mark_conflicts(purposes) == 0 and not any(f.conflict for f in purposes)
    # The answer says the attribute with its registered label.
    protocol = [_fact("ip-protocol", "99", "a")]
    text = rules.render(qparse.parse("ha1 ip protocol?")[0], protocol, "ip-protocol", [], FactTable(protocol)).text
    assert text.startswith(f"HA1 {attributes.label('ip-protocol')}: 99")


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("TCP 28769, 28260 for clear text", ["28769", "28260"]),
        ("uses UDP port 29281.", ["29281"]),
        ("range is 5,000 to 60,000; default is 10,000", []),  # a timer's values, not ports
        ("1000 ms", []),
        ("jumbo frames of 9000 bytes", []),
    ],
)
def test_a_port_looks_like_a_port_and_not_like_a_duration(text: str, ports: list[str]) -> None:
    assert [m.group(0) for m in attributes.SHAPES["port"].finditer(text.lower())] == ports
