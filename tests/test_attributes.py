"""One registry of attributes: facts carry only registered names, and the lists the
engine and ingest use (single-valued, core, reverse lookups, value shapes) are its views."""

from __future__ import annotations

import pytest

from hakb import attributes


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


def test_the_lists_are_views_of_the_registry() -> None:
    from hakb.ingest.core_facts import CORE_ATTRIBUTES
    from hakb.ingest.facts import SINGLE_VALUED
    from hakb.service import rules
    from hakb.service.ranking.sources import VALUE_SHAPES

    assert SINGLE_VALUED == {a.name for a in attributes.ATTRIBUTES.values() if a.single_valued}
    assert CORE_ATTRIBUTES == {a.name for a in attributes.ATTRIBUTES.values() if a.core}
    assert set(rules.REVERSE_ATTRIBUTES) == {a.name for a in attributes.ATTRIBUTES.values() if a.reverse}
    assert set(VALUE_SHAPES) == {a.name for a in attributes.ATTRIBUTES.values() if a.shape}
    assert rules.label("ip-protocol") == "IP protocol number"
    assert VALUE_SHAPES["ethertype"].search("uses ether type 0x7261")
