"""hakb.service.changes: the rules of a comparison (on hand-made facts) and `hakb changes`
(the installed command, on the invented pages of tests/fixtures/changes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hakb.errors import BadInput, NotFound
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import DocumentMeta, Fact, Manifest, Scope
from hakb.service.changes import Changes, changes, parse_version, read_question
from hakb.service.facts_table import FactTable
from tests.conftest import ingest, run_hakb

FIXTURES = Path(__file__).parent / "fixtures" / "changes"
NGFW = {"product": "ngfw", "product_name": "Next-Generation Firewall", "doc_type": "admin-guide"}


# -- the rules, on hand-made facts ---------------------------------------------------


@dataclass
class FakeBuild:
    """What `changes` reads of a LoadedBuild: its manifest and its facts."""

    manifest: Manifest
    facts: FactTable


def doc(doc_id: str, url: str, title: str = "HA Links", **scope: Any) -> DocumentMeta:
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        url=url,
        scope=Scope(**{**NGFW, **scope}),
        source=f"/docs/{doc_id}.md",
        kind="markdown",
        sha256="0" * 64,
    )


def fact(d: DocumentMeta, subject: str, attribute: str, value: str, quote: str, **kw: Any) -> Fact:
    return Fact(
        subject=subject,
        attribute=attribute,
        value=value,
        doc_id=d.doc_id,
        title=d.title,
        url=d.url,
        section=d.title,
        quote=quote,
        scope=d.scope,
        **kw,
    )


def build(docs: list[DocumentMeta], facts: list[Fact]) -> FakeBuild:
    manifest = Manifest(build_id="b1", created_at="2026-12-01T00:00:00Z", embedder="none", documents=docs, counts={})
    return FakeBuild(manifest, FactTable(facts))


def run(b: FakeBuild, old: str = "10.1", new: str = "11.1", subject: str | None = None, **kw: Any) -> Changes:
    return changes(b, subject, old, new, **kw)  # type: ignore[arg-type]  # the fake has what changes() reads


V10 = doc("v10", "https://docs.paloaltonetworks.com/pan-os/10-1/pan-os-admin/ha/ha-links", versions=("10.1",))
V11 = doc("v11", "https://docs.paloaltonetworks.com/pan-os/11-1/pan-os-admin/ha/ha-links", versions=("11.1",))


def test_the_same_value_in_other_units_or_words_and_the_same_sentence_are_no_change() -> None:
    b = build(
        [V10, V11],
        [
            fact(V10, "Hello Interval", "default", "8,000 ms", "Hello Interval (default is 8,000 ms)."),
            fact(V11, "Hello Interval", "default", "8 seconds", "Hello Interval (default is 8 seconds)."),
            fact(V10, "HA1", "range", "1-63", "HA1 group IDs are 1-63."),
            fact(V11, "HA1", "range", "1 to 63", "HA1 group IDs range from 1 to 63."),
            # One sentence on both sides, read a little differently: still no change.
            fact(V10, "HA3", "can-use", "the HSCI port", "You can use the HSCI port for HA3."),
            fact(V11, "HA3", "can-use", "HSCI port for HA3", "You can use the HSCI port for HA3."),
        ],
    )
    found = run(b)
    assert found.count == 0 and [p.title for p in found.compared] == ["HA Links"]
    assert found.render_text().startswith("Nothing documented changed from PAN-OS 10.1 to 11.1 (1 page compared).")


def test_a_setting_changes_a_statement_is_removed_and_another_added() -> None:
    b = build(
        [V10, V11],
        [
            fact(V10, "HA2", "ethertype", "0x7261", "HA2 uses ether type 0x7261."),
            fact(V11, "HA2", "ethertype", "0x7262", "HA2 uses ether type 0x7262."),
            fact(V10, "HA3", "can-use", "aggregate interfaces", "HA3 can use aggregate interfaces."),
            fact(V11, "HA3", "can-use", "the HSCI port", "HA3 can use the HSCI port."),
        ],
    )
    found = run(b)
    assert [(c.subject, c.before and c.before.value, c.after and c.after.value) for c in found.changed] == [
        ("HA2", "0x7261", "0x7262")
    ]
    # "can use" holds a list: one item gone and another come are two changes, not one.
    assert [c.before.value for c in found.removed if c.before] == ["aggregate interfaces"]
    assert [c.after.value for c in found.added if c.after] == ["the HSCI port"]
    text = found.render_text()
    assert "- HA2 ethertype: 0x7261 -> 0x7262" in text
    assert (
        '10.1: "HA2 uses ether type 0x7261." (HA Links) [Next-Generation Firewall · PAN-OS 10.1 · admin guide]' in text
    )
    short = found.render_text(max_items=0)
    assert "- and 1 more (hakb changes or GET /v1/changes lists them all)" in short
    assert "0x7261" not in short
    assert [c.quote for c in found.citations()] == [
        "HA2 uses ether type 0x7261.",
        "HA2 uses ether type 0x7262.",
        "HA3 can use the HSCI port.",
        "HA3 can use aggregate interfaces.",
    ]


def test_a_page_is_compared_with_its_own_versions_only() -> None:
    help12 = doc(
        "help12",
        "https://docs.paloaltonetworks.com/ngfw/help/12-1/device/ha-communications",
        "HA Communications",
        versions=("12.1",),
        doc_type="help",
    )
    current = doc("cur", "https://docs.paloaltonetworks.com/ngfw/administration/ha/ha-links", "HA Links", latest=True)
    renamed = doc(
        "ren", "https://docs.paloaltonetworks.com/ngfw/administration/ha/links-for-ha", "HA Links", latest=True
    )
    cn = doc(
        "cn",
        "https://docs.paloaltonetworks.com/cn-series/deployment/ha-on-aws/ha-links",
        "HA Links",
        product="cn-series",
        product_name="CN-Series",
        deployment="aws",
        since="10.2",
        doc_type="deployment-guide",
    )
    facts = [
        fact(V10, "HA1", "port", "28769", "HA1 uses port 28769."),
        fact(help12, "HA1", "port", "28260", "The HA1 port is 28260."),
        fact(cn, "HA1", "port", "28769", "On AWS, HA1 uses port 28769."),
    ]
    # 10.1 and 12.1: the help page has no 10.1 version; the CN-Series page none for 10.1; the
    # current "HA Links" (same slug as 10.1) stands in for 12.1, and says nothing about HA1.
    found = run(build([V10, help12, current, cn], facts), "10.1", "12.1")
    assert [(c.kind, c.subject) for c in [*found.changed, *found.added, *found.removed]] == [("removed", "HA1")]
    assert found.compared[0].stand_in and [p.doc_id for p in found.compared[0].to_pages] == ["cur"]
    assert {p.doc_id for p in found.only_to} == {"help12", "cn"}
    assert found.notes == ["No version of 'HA Links' names PAN-OS 12.1: the current documentation stands in for it."]

    # A current page of another URL but the same title is the same page.
    assert run(build([V10, renamed], facts[:1]), "10.1", "12.1").compared[0].to_pages[0].doc_id == "ren"

    # A page for "10.2 & later" holds for both 10.2 and 11.1: one text, nothing to compare.
    cn_only = run(build([cn], facts[2:]), "10.2", "11.1")
    assert cn_only.compared == [] and [p.doc_id for p in cn_only.same_for_both] == ["cn"]
    assert run(build([cn], facts[2:]), "10.2", "11.1", product="CN-Series").count == 0


def test_bad_versions_subjects_and_products() -> None:
    b = build([V10, V11], [fact(V10, "HA1", "port", "28769", "HA1 uses port 28769.")])
    assert parse_version(" PAN-OS 10.1.7 ", "from") == "10.1"
    assert parse_version("11.1.x", "to") == "11.1"
    assert parse_version("11.1.2-h3", "to") == "11.1"
    for bad in ("", "10", "ten", "10.1.1.1", "10-1"):
        with pytest.raises(BadInput, match="is not a PAN-OS version"):
            parse_version(bad, "from")
    with pytest.raises(BadInput, match=r"same PAN-OS version \(10.1\)"):
        run(b, "10.1", "10.1.4")
    with pytest.raises(BadInput, match="no document holds for PAN-OS 12.2; the documents cover PAN-OS 10.1, 11.1"):
        run(b, "10.1", "12.2")
    with pytest.raises(NotFound, match="say nothing about 'HA7'"):
        run(b, subject="HA7")
    with pytest.raises(BadInput, match="no document is about the product 'vm-series'; the documents cover: ngfw"):
        run(b, product="vm-series")


def test_the_scoped_corpus_repeats_its_pages_across_versions(scoped_data_dir: Path) -> None:
    """PAN-OS 10.1 and 10.2 of four admin-guide pages say the same sentences: no change, and
    no 10.1 page is compared with the 11.2-12.2 help or the CN-Series and Panorama pages."""
    from hakb.service.engine import Engine
    from hakb.settings import Settings

    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=scoped_data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh(), engine.holder.problem
    b = engine.build
    same = changes(b, None, "10.1", "10.2")
    assert same.count == 0
    assert sorted(p.title for p in same.compared) == [
        "HA Links and Backup Links",
        "HA Ports on Palo Alto Networks Firewalls",
        "HA Timers",
        "Ports Used for HA",
    ]
    help_pages = changes(b, "HA1", "11.2", "12.2")
    assert [p.title for p in help_pages.compared] == ["HA Communications"]
    assert {c.after.citation.doc_id for c in help_pages.added if c.after} <= {
        p.doc_id for p in help_pages.compared[0].to_pages
    }
    # CN-Series "10.2 & later" holds for 10.2 and 11.2 alike: nothing to compare there.
    cn = changes(b, None, "10.2", "11.2", product="cn-series")
    assert cn.compared == [] and cn.count == 0 and len(cn.same_for_both) == 3


# -- hakb changes --------------------------------------------------------------------


@pytest.fixture(scope="module")
def changes_data_dir(tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder) -> Path:
    data_dir = tmp_path_factory.mktemp("changes-cli")
    result = ingest(data_dir, [FIXTURES], onnx_embedder, replace=True)
    assert result.ok and result.build_id, result.error
    return data_dir


def test_cli_lists_exactly_the_three_changes(changes_data_dir: Path) -> None:
    done = run_hakb("changes", "--from", "10.1", "--to", "11.1", data_dir=changes_data_dir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "What changed from PAN-OS 10.1 to 11.1 (1 page compared): 1 changed, 1 added, 1 removed."
    assert [line for line in lines if line.startswith("- ")] == [
        "- HA2 port: 29281 (UDP) -> 29282 (UDP)",
        "- HA3 can use [PA-5400 Series]: the HSCI port",
        "- HA3 not supported: a backup link",
    ]
    assert '10.1: "HA2 with UDP transport uses port 29281." (HA Links and Ports)' in done.stdout
    assert "/pan-os/11-1/" in done.stdout and "PAN-OS 11.1 · admin guide" in done.stdout

    as_json = run_hakb("changes", "--from", "10.1", "--to", "11.1", "--json", data_dir=changes_data_dir)
    assert as_json.returncode == 0, as_json.stderr
    body: dict[str, Any] = json.loads(as_json.stdout)
    assert body["count"] == 3
    assert [(c["subject"], c["attribute"]) for c in body["changed"] + body["added"] + body["removed"]] == [
        ("HA2", "port"),
        ("HA3", "can-use"),
        ("HA3", "not-supported"),
    ]
    assert body["summary"] == lines[0]

    ha2 = run_hakb("changes", "--subject", "HA2", "--from", "10.1", "--to", "11.1", data_dir=changes_data_dir)
    assert [line for line in ha2.stdout.splitlines() if line.startswith("- ")] == [
        "- HA2 port: 29281 (UDP) -> 29282 (UDP)"
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "ten", "--to", "11.1"], "hakb: from: 'ten' is not a PAN-OS version"),
        (["--from", "11.1", "--to", "11.1"], "hakb: from and to are the same PAN-OS version (11.1)"),
        (["--from", "9.1", "--to", "11.1"], "hakb: no document holds for PAN-OS 9.1"),
        (["--from", "10.1", "--to", "11.1", "--subject", "HA9"], "hakb: the documents say nothing about 'HA9'"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(changes_data_dir: Path, args: list[str], says: str) -> None:
    done = run_hakb("changes", *args, data_dir=changes_data_dir)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(says), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("what changed for HA3 between 10.1 and 11.1?", ("HA3", "10.1", "11.1")),
        ("What has changed from PAN-OS 10.1 to 12.2 for the HA2 port", ("HA2", "10.1", "12.2")),
        ("differences between 10.2 and 11.1 for a PA-5450", ("PA-5450", "10.2", "11.1")),
        ("what changed between 10.1 and 11.1?", (None, "10.1", "11.1")),
        ("what is the HA1 port in 10.1?", None),
        ("is HA3 different on the PA-5450?", None),
    ],
)
def test_read_question(question: str, read: tuple[str | None, str, str] | None) -> None:
    found = read_question(question)
    assert (found and (found.subject, found.from_version, found.to_version)) == read


def test_a_chat_question_about_what_changed_is_answered_with_the_changes(changes_data_dir: Path) -> None:
    from hakb.service.engine import Engine
    from hakb.settings import Settings

    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=changes_data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh()
    answer = engine.ask("what changed for HA2 between 10.1 and 11.1?")
    assert answer.kind == "fact"
    assert "- HA2 port: 29281 (UDP) -> 29282 (UDP)" in answer.answer
    assert {"29281", "29282"} <= {n for c in answer.citations for n in ("29281", "29282") if n in c.quote}
    # An ordinary question about the same pages is still answered as one.
    assert "What changed" not in engine.ask("what port does ha2 use?").answer
