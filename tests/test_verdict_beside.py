"""A yes/no question whose best sentence says neither is answered by the sentence the answer
quotes beside it that does: "remain the same as a single standalone firewall" decides
nothing of "double the throughput?", "one firewall, not two firewalls" says No.

The document and the question are written for this test, not taken from the gold, test or
sealed splits.
"""

from __future__ import annotations

from pathlib import Path

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.settings import Settings
from tests.conftest import ingest

FIXTURE = Path(__file__).parent / "fixtures" / "verdict_beside"


def test_a_sentence_quoted_beside_the_first_gives_the_verdict(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    result = ingest(tmp_path, [FIXTURE], onnx_embedder, replace=True)
    assert result.ok, result.error
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=tmp_path, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh(), engine.holder.problem
    answer = engine.ask("does a relay group give me double the relay throughput?")
    assert answer.verdict == "no", answer.answer
    assert answer.answer.startswith("No. ")
    assert "not two firewalls" in answer.answer
