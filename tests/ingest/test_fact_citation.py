"""A fact holds its sentence and source as one Citation, and is still written and read flat.

Builds written before the citation was nested keep loading, and what clients read (the
API's facts, `hakb facts --json`, a build's facts.jsonl) keeps its flat keys.
"""

from __future__ import annotations

import json
from pathlib import Path

from hakb.ingest import builds
from hakb.ingest.facts import FactExtractor
from hakb.ingest.models import Citation, DocumentMeta, Fact, Scope, Section
from hakb.service.index import load_build
from tests.conftest import copy_data_dir

# A line of facts.jsonl exactly as the flat Fact (before it held a Citation) wrote it.
OLD_LINE = (
    '{"subject":"HA1","attribute":"port","value":"28769","qualifier":"clear text","protocol":"TCP",'
    '"platforms":[],"doc_id":"ha-ports","title":"HA Ports","url":"https://docs.example/ha-ports",'
    '"section":"HA Ports > HA1","quote":"HA1 uses TCP port 28769 for clear text communication.",'
    '"version":"PAN-OS 10.1","scope":{"product":"ngfw","product_name":null,"deployment":null,'
    '"deployment_name":null,"versions":["10.1"],"since":null,"latest":false,"doc_type":"admin-guide",'
    '"platforms":[]},"conflict":true,"subject_from":"quote"}'
)
OLD_ORDER = [
    *("subject", "attribute", "value", "qualifier", "protocol", "platforms"),
    *("doc_id", "title", "url", "section", "quote", "version", "scope", "conflict", "subject_from"),
]


def test_an_old_flat_fact_record_loads_with_its_citation(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text(OLD_LINE + "\n", encoding="utf-8")
    [fact] = builds.read_jsonl(path, Fact)
    assert fact.citation == Citation(
        doc_id="ha-ports",
        title="HA Ports",
        url="https://docs.example/ha-ports",
        section="HA Ports > HA1",
        quote="HA1 uses TCP port 28769 for clear text communication.",
        version="PAN-OS 10.1",
        scope=Scope(product="ngfw", versions=("10.1",), doc_type="admin-guide"),
    )
    assert (fact.subject, fact.value, fact.qualifier, fact.conflict) == ("HA1", "28769", "clear text", True)
    assert fact.quote == fact.citation.quote and fact.doc_id == "ha-ports"
    # Written back, it is the same record: clients and older readers see no new shape.
    assert json.loads(fact.model_dump_json()) == json.loads(OLD_LINE)


def test_a_build_written_with_flat_facts_still_serves(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    index = data_dir / "index"
    build_id = builds.current_build_id(index)
    assert build_id is not None
    facts_path = builds.build_path(index, build_id) / "facts.jsonl"
    new = builds.read_jsonl(facts_path, Fact)
    # Rewrite the build's facts as the flat model wrote them, in its key order.
    lines = [json.dumps({k: json.loads(f.model_dump_json())[k] for k in OLD_ORDER}) for f in new]
    facts_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    loaded = load_build(index, build_id, None, 0)
    assert [f.citation for f in loaded.facts.facts] == [f.citation for f in new]
    ports = loaded.facts.query(subject="HA1", attribute="port")
    assert ports and all(f.quote and f.title and f.section for f in ports)


def test_every_fact_of_a_sentence_shares_one_citation() -> None:
    meta = DocumentMeta(
        doc_id="ha-ports", title="HA Ports", url="https://docs.example/ha", source="x.html", kind="html", sha256="0"
    )
    section = Section(
        doc_id="ha-ports", path=("HA Ports", "HA1"), text="HA1 uses TCP port 28769 and 28260 for clear text."
    )
    facts = FactExtractor(meta).extract([section])
    ports = [f for f in facts if f.attribute == "port"]
    assert {f.value for f in ports} >= {"28769", "28260"}
    assert all(f.citation is ports[0].citation for f in ports)
    cited = ports[0].citation
    assert (cited.doc_id, cited.url, cited.section) == ("ha-ports", "https://docs.example/ha", "HA Ports > HA1")
    assert "citation" not in ports[0].model_dump() and ports[0].model_dump()["quote"] == cited.quote


def test_the_schema_a_fact_is_read_from_is_the_flat_one() -> None:
    # MCP clients check a tool's structured facts against this schema; the API documents it.
    for mode in ("validation", "serialization"):
        schema = Fact.model_json_schema(mode=mode)
        assert "citation" not in schema["properties"]
        assert {"doc_id", "title", "section", "quote"} <= set(schema["required"])
        assert [k for k in OLD_ORDER if k not in schema["properties"]] == []


def test_a_copy_that_changes_a_citation_field_changes_the_copys_citation() -> None:
    fact = Fact.model_validate_json(OLD_LINE)
    older = fact.model_copy(update={"quote": "HA1 uses TCP port 28.", "scope": Scope(versions=("9.1",)), "value": "28"})
    assert (older.value, older.quote, older.scope) == ("28", "HA1 uses TCP port 28.", Scope(versions=("9.1",)))
    assert older.title == fact.title and fact.quote.endswith("28769 for clear text communication.")


def test_a_port_used_for_a_link_is_no_purpose_of_that_link() -> None:
    # "The Management port is used for HA1" says what serves HA1, not what HA1 is for:
    # no "HA1 used for: HA1"; a real purpose under the same heading is still read.
    meta = DocumentMeta(
        doc_id="ha-links", title="HA Links", url="https://docs.example/l", source="x.html", kind="html", sha256="0"
    )
    section = Section(
        doc_id="ha-links",
        path=("HA Links", "Control Link"),
        text="The Management port is used for HA1. The HA1 link is used to exchange hellos and heartbeats.",
    )
    purposes = {(f.subject, f.value) for f in FactExtractor(meta).extract([section]) if f.attribute == "purpose"}
    assert not any(value.strip().upper() == "HA1" for _, value in purposes), purposes
    assert any(subject == "HA1" and "hellos" in value for subject, value in purposes), purposes
