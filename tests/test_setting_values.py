"""A question that asks a value, answered in words by a passage that names a setting, gets
the setting's documented value too, cited where the documents state it: the value comes
from the document (change it and the answer changes), and a question that asks no value
gets none.

The document and the questions are written for these tests, not taken from the gold, test or
sealed splits.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.settings import Settings
from tests.conftest import ingest

FIXTURE = Path(__file__).parent / "fixtures" / "settings" / "ha-recovery.md"
ASKS_VALUE = "how long does a firewall that came back wait for its routes before it forwards, by default?"


def _engine(tmp_path: Path, embedder: OnnxEmbedder, default: str) -> Engine:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = FIXTURE.read_text(encoding="utf-8").replace("default is 60", f"default is {default}")
    (docs / FIXTURE.name).write_text(text, encoding="utf-8")
    result = ingest(tmp_path / "data", [docs], embedder, replace=True)
    assert result.ok, result.error
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=tmp_path / "data", CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh(), engine.holder.problem
    return engine


@pytest.mark.parametrize("default", ["60", "90"])
def test_the_value_of_the_setting_a_passage_names_comes_from_the_document(
    tmp_path: Path, onnx_embedder: OnnxEmbedder, default: str
) -> None:
    engine = _engine(tmp_path, onnx_embedder, default)
    answer = engine.ask(ASKS_VALUE)
    assert answer.kind == "passage", answer.answer
    # The words answer what the wait is; the setting's line gives how long, by default.
    assert "routing adjacencies" in answer.answer
    assert f"Recovery Hold Time default: {default}" in answer.answer
    assert any(f"default is {default}" in c.quote for c in answer.citations)
    assert [f.value for f in answer.facts] == [default]
    shutil.rmtree(tmp_path / "data")


def test_a_question_that_asks_no_value_gets_the_words_alone(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    engine = _engine(tmp_path, onnx_embedder, "60")
    answer = engine.ask("what does a firewall that came back do before it forwards packets?")
    assert "routing adjacencies" in answer.answer
    assert "default: 60" not in answer.answer and not answer.facts


def test_a_setting_named_in_passing_gives_no_value_to_another_question(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # The passage names the Recovery Hold Time, but the question asks how many adjacencies
    # are built, which that setting's sentence says nothing of.
    engine = _engine(tmp_path, onnx_embedder, "60")
    answer = engine.ask("how many routing adjacencies get built at most?")
    assert "Recovery Hold Time default" not in answer.answer and "Recovery Hold Time range" not in answer.answer
    assert not answer.facts
