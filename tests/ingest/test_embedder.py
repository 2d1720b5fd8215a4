"""The local ONNX embedder: meaningful, normalised, deterministic vectors, no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from hakb.ingest.embedder import (
    Embedder,
    EmbedderError,
    EmbedderUnavailableError,
    LlamaIndexEmbedding,
    OnnxEmbedder,
    default_model_files,
)

REPO = Path(__file__).resolve().parents[2]


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_vectors_are_float32_unit_rows_of_the_model_dimension(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed(["HA1 uses TCP port 28769.", "", "PA-3260"])
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("query", "similar", "unrelated"),
    [
        (
            "Which port does the HA1 control link use?",
            "The HA1 link uses TCP port 28769 for clear text communication.",
            "Bananas are a good source of potassium.",
        ),
        (
            "How are sessions synchronised between HA peers?",
            "The HA2 data link synchronizes sessions and forwarding tables between the firewalls.",
            "Configure a SAML identity provider for administrator login.",
        ),
        (
            "heartbeat backup port on the management interface",
            "Enable heartbeat backup, which uses port 28771 on the MGT interface.",
            "Export a certificate and its private key from the web interface.",
        ),
    ],
)
def test_similar_sentences_score_above_unrelated_ones(
    embedder: OnnxEmbedder, query: str, similar: str, unrelated: str
) -> None:
    q, s, u = embedder.embed([query, similar, unrelated])
    assert cos(q, s) > cos(q, u) + 0.2


def test_a_text_gets_the_same_vector_whatever_else_is_in_the_batch(
    embedder: OnnxEmbedder,
) -> None:
    text = "HA2 uses ether type 0x7261 by default."
    alone = embedder.embed([text])[0]
    long_text = "The HA3 link forwards packets during session setup. " * 30
    batch = embedder.embed([long_text, "x", text] + [f"filler {i}" for i in range(40)])
    np.testing.assert_allclose(batch[2], alone, atol=1e-6)
    np.testing.assert_allclose(embedder.embed([text])[0], alone, atol=0)  # repeatable


def test_long_texts_are_truncated_at_256_tokens(embedder: OnnxEmbedder) -> None:
    prefix = " ".join(f"word{i}" for i in range(400))  # far more than 256 tokens
    a, b, c = embedder.embed([prefix + " HA1 heartbeat", prefix + " bananas", "word0 word1"])
    np.testing.assert_allclose(a, b, atol=1e-6)  # the tails were cut off
    assert cos(a, c) < 0.99


def test_empty_input_gives_an_empty_matrix(embedder: OnnxEmbedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_a_bare_string_is_rejected(embedder: OnnxEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("HA1")  # type: ignore[arg-type]


def test_name_identifies_the_model_file(embedder: OnnxEmbedder) -> None:
    assert embedder.name.startswith("all-MiniLM-L6-v2-onnx-int8@")
    assert embedder.name == OnnxEmbedder().name


def test_a_model_directory_can_be_given(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    model, tokenizer = default_model_files()
    (tmp_path / "my-model").mkdir()
    (tmp_path / "my-model" / "model.onnx").symlink_to(model)
    (tmp_path / "my-model" / "tokenizer.json").symlink_to(tokenizer)
    custom = OnnxEmbedder(tmp_path / "my-model", threads=1)
    assert custom.name.startswith("my-model@")
    assert custom.name.split("@")[1] == embedder.name.split("@")[1]  # same file, same hash
    np.testing.assert_allclose(custom.embed(["HA4"]), embedder.embed(["HA4"]), atol=1e-5)


def test_missing_model_files_raise_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailableError, match="model.onnx"):
        OnnxEmbedder(tmp_path)
    model, _ = default_model_files()
    (tmp_path / "model.onnx").symlink_to(model)
    with pytest.raises(EmbedderUnavailableError, match="tokenizer.json"):
        OnnxEmbedder(tmp_path)


def test_a_corrupt_model_file_raises_a_clear_error_on_first_use(tmp_path: Path) -> None:
    _, tokenizer = default_model_files()
    (tmp_path / "model.onnx").write_bytes(b"not an onnx file")
    (tmp_path / "tokenizer.json").symlink_to(tokenizer)
    broken = OnnxEmbedder(tmp_path)  # files exist: nothing is read yet
    with pytest.raises(EmbedderError, match="cannot load ONNX model"):
        broken.embed(["HA1"])


def test_nothing_loads_until_first_use() -> None:
    script = (
        "import os, sys\n"
        "import ingest.embedder as e\n"
        "assert 'onnxruntime' not in sys.modules, 'onnxruntime imported at import time'\n"
        "m = e.OnnxEmbedder()\n"
        "assert not m.loaded and 'onnxruntime' not in sys.modules\n"
        "assert 'ORT_DISABLE_TELEMETRY' not in os.environ\n"
        "m.embed(['HA1'])\n"
        "assert m.loaded and os.environ['ORT_DISABLE_TELEMETRY'] == '1'\n"
        "assert 'openai' not in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_llamaindex_adapter_returns_the_embedder_vectors(embedder: OnnxEmbedder) -> None:
    adapter = LlamaIndexEmbedding(embedder)
    assert isinstance(adapter, BaseEmbedding)
    assert adapter.model_name == embedder.name
    texts = ["HA1 control link", "HA2 data link", "HA3 packet forwarding"]
    expected = embedder.embed(texts)
    np.testing.assert_allclose(adapter.get_query_embedding(texts[0]), expected[0], atol=1e-6)
    np.testing.assert_allclose(adapter.get_text_embedding(texts[1]), expected[1], atol=1e-6)
    np.testing.assert_allclose(adapter.get_text_embedding_batch(texts), expected, atol=1e-6)


def test_llamaindex_adapter_async_query(embedder: OnnxEmbedder) -> None:
    import asyncio

    adapter = LlamaIndexEmbedding(embedder)
    vector = asyncio.run(adapter.aget_query_embedding("HA4 keepalive"))
    np.testing.assert_allclose(vector, embedder.embed(["HA4 keepalive"])[0], atol=1e-6)


# -- the optimised copy that processes share ----------------------------------------------


def test_the_shared_optimised_copy_gives_the_same_vectors(
    tmp_path: Path, embedder: OnnxEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    texts = ["HA1 uses TCP port 28769 for clear-text communication", "HA4"]
    first = OnnxEmbedder(cache_dir=tmp_path, threads=1)
    np.testing.assert_allclose(first.embed(texts), embedder.embed(texts), atol=1e-6)
    copies = list((tmp_path / "onnx").iterdir())
    assert len(copies) == 1 and (copies[0] / "model.onnx").is_file() and (copies[0] / "weights.data").is_file()
    # A second process (here: a second embedder) loads the copy rather than making another.
    stamp = (copies[0] / "weights.data").stat().st_mtime_ns
    second = OnnxEmbedder(cache_dir=tmp_path, threads=1)
    np.testing.assert_allclose(second.embed(texts), embedder.embed(texts), atol=1e-6)
    assert list((tmp_path / "onnx").iterdir()) == copies
    assert (copies[0] / "weights.data").stat().st_mtime_ns == stamp
    # Loaded from the copy, not quietly from the model itself (same vectors either way).
    assert "cannot" not in caplog.text and "not usable" not in caplog.text
    assert oct(copies[0].stat().st_mode & 0o777) == "0o755"  # readable by the service's other users


def test_a_damaged_optimised_copy_costs_memory_not_answers(
    tmp_path: Path, embedder: OnnxEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    OnnxEmbedder(cache_dir=tmp_path, threads=1).embed(["warm"])
    (copy,) = (tmp_path / "onnx").iterdir()
    (copy / "weights.data").write_bytes(b"\0" * 100)  # truncated: a disk that filled up
    fresh = OnnxEmbedder(cache_dir=tmp_path, threads=1)
    np.testing.assert_allclose(fresh.embed(["HA2 keep-alive"]), embedder.embed(["HA2 keep-alive"]), atol=1e-6)
    assert "cannot load the optimised model" in caplog.text
    # The damaged copy is gone: the next process writes a whole one.
    caplog.clear()
    again = OnnxEmbedder(cache_dir=tmp_path, threads=1)
    np.testing.assert_allclose(again.embed(["HA2 keep-alive"]), embedder.embed(["HA2 keep-alive"]), atol=1e-6)
    assert "cannot" not in caplog.text
    assert (copy / "weights.data").stat().st_size > 1_000_000


def test_an_unwritable_cache_still_embeds(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory should be")
    np.testing.assert_allclose(
        OnnxEmbedder(cache_dir=blocked, threads=1).embed(["HA3"]), embedder.embed(["HA3"]), atol=1e-6
    )


def test_preparing_the_model_removes_copies_an_earlier_recipe_left(tmp_path: Path) -> None:
    import platform

    import onnxruntime

    folder = tmp_path / "onnx"
    runtime = f"-ort{onnxruntime.__version__}-{platform.machine()}"
    older = folder / f"all-MiniLM-L6-v2-onnx-int8-8199be6f699a{runtime}-extended"
    elsewhere = folder / "all-MiniLM-L6-v2-onnx-int8-8199be6f699a-ort1.0.0-aarch64-extended"
    other_model = folder / f"some-other-model-0123456789ab{runtime}"
    for copy in (older, elsewhere, other_model):
        copy.mkdir(parents=True)
        (copy / "weights.data").write_bytes(b"\0" * 1024)
    OnnxEmbedder(cache_dir=tmp_path, threads=1).embed(["HA1"])
    left = sorted(p.name for p in folder.iterdir())
    assert older.name not in left  # superseded on this host: 70 to 90 MB back
    assert elsewhere.name in left and other_model.name in left  # another CPU's, another model's
    assert any(name.endswith(runtime) and "+q8ap" in name for name in left)
