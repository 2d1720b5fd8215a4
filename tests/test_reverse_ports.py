"""A port asked by number is found inside a stated range as well as alone, and a number the
documents give as a port is never read as a firewall model.

The page is invented for these tests (no gold, test or sealed item).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Fact
from hakb.service.engine import Engine
from hakb.service.facts_table import FactTable
from hakb.service.question import parse_one
from tests.test_ranking import _engine_with_pages

PAGE = {
    "cluster-ports.md": (
        "ngfw/administration/cluster-ports",
        # Laid out as the documentation site's pages are scraped: a table, one cell a line.
        "# Ports Used for Widget Clusters\n\nThe firewall uses the following ports for widget clusters.\n\n"
        "Destination Port\n\nProtocol\n\nDescription\n\n"
        "6604–6606\n\nUDP\n\nUsed for beacon exchange (HSCI port communication).\n\n"
        "29970\n\nTCP\n\nUsed for widget streaming (HSCI port communication).\n",
    )
}


def test_a_port_inside_a_stated_range_is_found_with_its_sentence(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    engine = _engine_with_pages(tmp_path, onnx_embedder, PAGE)
    inside = engine.ask("what uses udp 6605?")
    assert inside.kind == "fact", inside.answer
    assert "HSCI" in inside.answer and "6604–6606" in inside.answer
    assert "PA-6605" not in inside.answer  # a port, not a firewall model
    alone = engine.ask("what uses tcp 29970?")
    assert alone.kind == "fact" and "HSCI" in alone.answer
    outside = engine.ask("what uses udp 6609?")
    assert outside.kind == "abstain", outside.answer


def _fact(value: str) -> Fact:
    return Fact(subject="HSCI", attribute="port", value=value, doc_id="d", title="d", section="s", quote=value)


def test_only_short_ranges_count_as_listed_values() -> None:
    table = FactTable([_fact("6604–6606"), _fact("1 to 65535"), _fact("28,769")])
    assert table.holding_number("6605") and table.holding_number("28769") and table.holding_number("28,769")
    assert not table.holding_number("440")  # inside "1 to 65535", a setting's range, not a list of ports


@pytest.mark.parametrize("question", ["can both a/a peers run at 80% load?", "is a 1000 ms hello interval too slow?"])
def test_a_number_with_a_unit_is_a_quantity_not_a_port_to_look_up(seed_engine: Engine, question: str) -> None:
    # "80%" and "1000 ms" are no port, protocol number or ether type: the answer is not a
    # reverse lookup that finds no document naming them.
    answer = seed_engine.ask(question)
    assert "as a port" not in answer.answer, answer.answer
    assert parse_one(question).quantities
