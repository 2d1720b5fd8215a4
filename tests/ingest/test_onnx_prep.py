"""The prepared model: which matrix products run in int8, and that they still compute."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from hakb.ingest.onnx_prep import int8_products, prepare_model


def _two_layer_model(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 16) -> up (16 -> 64) -> down (64 -> 16): a feed-forward block in miniature."""
    rng = np.random.default_rng(7)
    up = rng.normal(size=(16, 64)).astype(np.float32)
    down = rng.normal(size=(64, 16)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "up"], ["h"], name="up_projection"),
            helper.make_node("MatMul", ["h", "down"], ["y"], name="down_projection"),
        ],
        "ffn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 16])],
        initializer=[numpy_helper.from_array(up, "up"), numpy_helper.from_array(down, "down")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return up, down


def test_only_the_products_that_do_not_narrow_are_chosen_for_int8(tmp_path: Path) -> None:
    _two_layer_model(tmp_path / "ffn.onnx")
    assert int8_products(tmp_path / "ffn.onnx") == ["up_projection"]


def test_the_prepared_model_quantises_the_chosen_product_and_keeps_its_answers(tmp_path: Path) -> None:
    up, down = _two_layer_model(tmp_path / "ffn.onnx")
    folder = tmp_path / "prepared"
    folder.mkdir()
    prepared = prepare_model(ort, tmp_path / "ffn.onnx", folder)
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", "weights.data"]  # no intermediates left
    ops = Counter(n.op_type for n in onnx.load(str(prepared), load_external_data=False).graph.node)
    assert ops["MatMul"] == 1  # the down-projection stays float32
    assert ops["MatMul"] + sum(n for op, n in ops.items() if "Integer" in op or "Quantize" in op) >= 2
    x = np.random.default_rng(1).normal(size=(3, 16)).astype(np.float32)
    session = ort.InferenceSession(str(prepared), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": x})
    expected = x @ up @ down
    assert np.abs(y - expected).max() / np.abs(expected).max() < 0.05  # int8: close, not equal
    assert not np.allclose(y, expected, atol=1e-6)  # and int8 indeed
