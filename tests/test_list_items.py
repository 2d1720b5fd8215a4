"""A sentence that introduces a list brings all of its items: up to the next sentence that
introduces a list of its own, and on past the end of a passage that cut the list off.

The page is invented for these tests (no gold, test or sealed item).
"""

from __future__ import annotations

from pathlib import Path

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.service.ranking.sources import _following, _sentences_with_items
from tests.test_ranking import _engine_with_pages

_MILD = ["The gizmo beacon was late.", "The gizmo queue is nearly full.", "A gizmo fan runs slow."]
_SEVERE = [
    "The gizmo storage reported a write fault on its second disk array.",
    "The gizmo forwarding table could not be synchronized with its peers.",
    "The gizmo messaging service stopped answering its health probes.",
    "The gizmo chassis lost every one of its line cards at once.",
    "The gizmo node saw a second leader and stepped down to avoid a split.",
    "The gizmo configuration no longer matches the other members.",
    "The gizmo power supplies both reported an input failure.",
]


def test_a_list_ends_where_the_next_list_begins() -> None:
    text = "\n".join(["Causes of a mild fault are:", *_MILD, "Causes of a severe fault are:", *_SEVERE[:2]])
    units = dict(_sentences_with_items(text))
    assert units["Causes of a mild fault are:"] == _MILD
    assert units["Causes of a severe fault are:"] == _SEVERE[:2]


def test_a_list_cut_off_by_its_passage_goes_on_in_the_next(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    body = "\n\n".join(
        [
            "# Gizmo Faults",
            "## System Faults",
            "Mild faults make a gizmo node degraded; severe faults make it fail. Causes of a mild fault are:",
            *_MILD,
            "Causes of a severe fault are:",
            *_SEVERE,
        ]
    )
    engine = _engine_with_pages(tmp_path, onnx_embedder, {"gizmo.md": ("ngfw/administration/gizmo-faults", body)})
    build = engine.holder.current
    chunks = [c for c in build.chunks.values() if c.title == "Gizmo Faults"]
    assert len(chunks) >= 2  # the page is longer than one passage: the list is cut
    answer = engine.ask("gizmo severe faults - what are the causes?")
    for item in _SEVERE:
        assert item in answer.answer, (item, answer.answer)


def test_a_sentence_and_the_ones_after_it_stop_where_another_list_begins() -> None:
    units = _sentences_with_items(
        "\n".join(["A gizmo node waits to be suspended.", "Causes of a severe fault are:", *_SEVERE[:2]])
    )
    assert _following(units, 0) == []  # not "... suspended. Causes of a severe fault are:"
    # A procedure's steps go on through a step that introduces its own options.
    steps = _sentences_with_items("Configure the gizmo.\nSelect Gizmo.\nEnter the following:\nClick OK.")
    assert _following(steps, 0) == ["Select Gizmo.", "Enter the following:", "Click OK."]


def test_a_sentence_that_brings_its_list_is_not_a_short_answer(seed_engine: Engine) -> None:
    # "Causes of a mild fault are:" is short; with its items it says a whole list, and is
    # no terse fragment to be ranked below a sentence that says less.
    from hakb.ingest.models import Citation
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    sig = seed_engine.ranking("which gizmo faults are mild ones?").sig
    cited = Citation(doc_id="g", title="Gizmo Faults", section="Gizmo Faults > System Faults", quote="")
    intro = Evidence(text="Causes of a mild fault are:", citation=cited, source="passage", items=list(_MILD))
    alone = Evidence(text="Causes of a mild fault are:", citation=cited, source="passage")
    sources._common(sig, intro)
    sources._common(sig, alone)
    assert intro.features["short"] == 0.0
    assert alone.features["short"] == 1.0


_LOCAL_PAGE = "\n\n".join(
    [
        "# Gizmo Sync Reference",
        "Learn which settings a gizmo pair keeps in step and which it does not.",
        "## What Stays Local on a Gizmo Node?",
        "The following table identifies which gizmo settings stay local on each node. "
        "You must configure them on each node of the pair.",
        "### Beacon Address",
        "The beacon address of a gizmo node stays local and never reaches its peer.",
        "### Fan Curve",
        "The fan curve of a gizmo node stays local and never reaches its peer.",
        "### Chassis Label",
        "The chassis label of a gizmo node stays local and never reaches its peer.",
    ]
)
_ROWS = ["Beacon Address", "Fan Curve", "Chassis Label"]


def test_a_table_made_of_sections_is_the_list_its_sentence_announces(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    from hakb.service.ranking.sources import PassageSource
    from hakb.service.retrieval import Hit

    engine = _engine_with_pages(tmp_path, onnx_embedder, {"local.md": ("ngfw/administration/gizmo-sync", _LOCAL_PAGE)})
    build = engine.holder.current
    intro = "The following table identifies which gizmo settings stay local on each node."
    # The sentence announcing the table takes its rows, though another sentence follows it.
    answer = engine.ask("which gizmo settings stay local on each node?").answer
    assert intro in answer
    for row in _ROWS:
        assert f"- {row}" in answer, answer
    # A passage of one row leads to the whole table, for a question asking which ...
    row = next(c for c in build.chunks.values() if c.section.endswith("> Fan Curve"))
    hits = [Hit(chunk=row, score=1.0, dense=0.5, keyword=1.0)]

    def announced(question: str) -> list[list[str]]:
        sig = engine.ranking(question).sig
        found = PassageSource().candidates(
            sig, hits, build.facts, children=build.children, continued=build.continued, parents=build.parents
        )
        return [e.items for e in found if e.text == intro]

    assert announced("which gizmo settings never reach the peer?") == [_ROWS]
    # ... but a yes or no is decided by a sentence, and a how by steps, not by a list of rows.
    assert announced("does the fan curve reach the peer?") == []
    assert announced("how do i keep the fan curve from reaching the peer?") == []


def test_a_procedure_cut_off_by_its_passage_goes_on_in_the_next() -> None:
    # The step that names the task ends the passage; its substeps open the next one.
    units = _sentences_with_items("The gizmo keeps a beacon.\nEnable the gizmo beacon backup.")
    beyond = ["Select Gizmo > Beacon and edit the Beacon Settings.", "Select Beacon Backup.", "Click OK."]
    assert _following(units, 1, beyond) == beyond
    # A description does not borrow the next passage's sentences.
    assert _following(units, 1, ["The beacon is sent every second.", "It is small."]) == []


_GROUPED_PAGE = "\n\n".join(
    [
        "# Gizmo Feature Support",
        "## Feature Support and Smooth Handover",
        "In general, gizmo pairs aim for parity with a single gizmo. The following table lists gizmo "
        "features and whether a single gizmo supports them and whether they hand over smoothly.",
        "### Radio",
        "#### Beacon Relay",
        "Beacon Relay — Single Gizmo: Yes; Smooth Handover: No",
        "#### Fan Steering",
        "Fan Steering — Single Gizmo: Yes; Smooth Handover: Yes",
        "### Storage",
        "#### Disk Mirror",
        "Disk Mirror — Single Gizmo: Yes; Smooth Handover: No",
    ]
)
_GROUPED_ROWS = [
    "Beacon Relay — Single Gizmo: Yes; Smooth Handover: No",
    "Fan Steering — Single Gizmo: Yes; Smooth Handover: Yes",
    "Disk Mirror — Single Gizmo: Yes; Smooth Handover: No",
]


def test_a_table_whose_rows_are_grouped_under_bare_headings_is_announced_whole(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # "Radio" and "Storage" head groups of rows and say nothing themselves: their rows are
    # the rows of the table the section above announces, each with its cells.
    engine = _engine_with_pages(
        tmp_path, onnx_embedder, {"support.md": ("ngfw/administration/gizmo-support", _GROUPED_PAGE)}
    )
    build = engine.holder.current
    section = next(c for c in build.chunks.values() if "The following table lists gizmo" in c.text).section
    doc = next(c for c in build.chunks.values() if "The following table lists gizmo" in c.text).doc_id
    assert build.children[(doc, section)] == _GROUPED_ROWS
    answer = engine.ask("which gizmo features hand over smoothly?").answer
    for row in _GROUPED_ROWS:
        assert f"- {row}" in answer, answer


def test_a_command_ending_on_a_placeholder_brings_the_values_it_takes() -> None:
    text = "\n".join(
        [
            "admin@gizmo> configure",
            "admin@gizmo# set gizmo beacon mode <value>",
            "fast —A beacon every 100 ms",
            "slow —A beacon every second",
            "Commit the change.",
        ]
    )
    units = dict(_sentences_with_items(text))
    assert units["admin@gizmo# set gizmo beacon mode <value>"] == [
        "fast —A beacon every 100 ms",
        "slow —A beacon every second",
    ]
    assert units["admin@gizmo> configure"] == []
