"""A list that runs over several chunks is answered whole: the sentence that introduces it
brings every item, not the ones its own chunk and the next happen to hold.

The document and the question are written for this test, not taken from the gold, test or
sealed splits.
"""

from __future__ import annotations

from pathlib import Path

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.settings import Settings
from tests.conftest import ingest

FIXTURE = Path(__file__).parent / "fixtures" / "lists"


def test_every_item_of_a_list_spread_over_chunks_is_answered(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    result = ingest(tmp_path, [FIXTURE], onnx_embedder, replace=True)
    assert result.ok, result.error
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=tmp_path, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh(), engine.holder.problem
    build = engine.holder.current
    introducing = [c for c in build.chunks.values() if "The following checklist" in c.text]
    assert len(introducing) == 1 and len(build.chunks) >= 4  # the items fill more chunks than the next one
    answer = engine.ask("what must match on both peers of an ha pair checklist?")
    for item in (
        "enable HA on both peers",
        "same Group ID",
        "type HA",
        "same heartbeat interval",
        "same content release",
        "same software release",
    ):
        assert item in answer.answer, item
