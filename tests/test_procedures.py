"""A "how do I" is answered by a procedure's steps, to its last one: through instructions
that open with where they happen ("In Gizmo > Beacon, edit ..."), and past the end of the
passage the procedure starts in.

The page is invented for these tests (no gold, test or sealed item).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.ranking.sources import is_instruction, is_step
from tests.test_ranking import _engine_with_pages


@pytest.mark.parametrize(
    "sentence",
    [
        "In Gizmo > Beacon > General, edit the Beacon Settings.",
        "For Type, select Floating.",
        "On the peer gizmo, click the Make local gizmo functional link.",
        "Verify that the peer gizmo has taken over.",
        "(Optional) Modify the Beacon Timers.",
        "(Gizmo OS 2.1 and later releases) (Optional) Enable beacon groups for the gizmos.",
        "admin@gizmo-1# set gizmo beacon-backup yes",
        "(Beacon Backup is configured) admin@gizmo-1> request gizmo beacon-reestablish",
    ],
)
def test_an_instruction_may_open_with_where_or_when_it_happens(sentence: str) -> None:
    assert is_instruction(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "In this case, you should enable the Beacon Backup option.",
        "Enable Beacon Sync —Enable synchronization of the beacons with the peer.",
        "Enabling beacon backup prevents a split gizmo.",
        "If both gizmos have the same priority, the one with the lower MAC address wins.",
        "(The beacon license is kept.) For beacon groups, see Gizmo Groups.",
    ],
)
def test_a_description_is_no_instruction(sentence: str) -> None:
    assert not is_instruction(sentence)


def test_the_ui_step_the_ranker_reads_is_unchanged() -> None:
    # The ranker's `step` feature and its windows were fitted on this narrower reading.
    assert is_step("Select Beacon Backup.")
    assert not is_step("In Gizmo > Beacon > General, edit the Beacon Settings.")


_INTRO = (
    "A gizmo pair exchanges beacons over its control link so that each gizmo knows its peer is up. "
    "When the control link is a data port, a second path for the beacons keeps the pair from "
    "splitting when that port fails."
)
_MORE = (
    "The beacon path carries nothing but beacons and hello messages. It needs no address of its "
    "own, and the peers do not synchronize anything over it."
)


def test_how_do_i_is_answered_with_the_steps_that_follow_in_the_next_passage(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    body = "\n\n".join(
        [
            "# Configure a Gizmo Pair",
            _INTRO,
            _MORE,
            "Enable gizmo beacon backup if your control link uses a data port.",
            "You do not need gizmo beacon backup if your control link is the management port.",
            "In Gizmo > Pair > General, edit the Pairing Settings.",
            "Enable Second Path.",
            "For Path Port, select the management port.",
            "Verify that the peer shows Second Path as up.",
        ]
    )
    engine = _engine_with_pages(tmp_path, onnx_embedder, {"gizmo.md": ("ngfw/administration/gizmo-pair", body)})
    chunks = [c for c in engine.holder.current.chunks.values() if c.title.startswith("Configure a Gizmo Pair")]
    assert len(chunks) >= 2  # the procedure starts in one passage and goes on in the next
    answer = engine.ask("how do i turn on gizmo beacon backup?")
    # The substeps do not say what the task is: the step that names it does.
    for step in ("Pairing Settings", "Enable Second Path", "For Path Port, select the management port"):
        assert step in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how do i pair two gizmos?", True),
        ("where can i change the gizmo beacon timer?", True),
        ("gizmo beacon backup on a data port - how?", True),
        ("steps to pair two gizmos", True),
        ("gizmo pairing on a data port - config steps?", True),
        ("how many steps does gizmo pairing take?", False),
        ("how does the gizmo beacon work?", False),
        ("how many gizmos can pair?", False),
        ("where is the gizmo beacon sent?", False),
    ],
)
def test_a_question_asks_for_steps_when_its_asker_does_the_thing(question: str, asks: bool) -> None:
    from hakb.service import question as qparse
    from hakb.service.engine import _asks_for_steps

    assert _asks_for_steps(qparse.parse(question, lambda w: w)[0]) is asks
