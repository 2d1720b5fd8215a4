"""The embedding model as hakb runs it: optimised once, most matrix products in int8.

The packaged all-MiniLM-L6-v2 stores int8 weights, but onnxruntime's constant folding
turns them back into float32, and every product then runs in float32: on two cores that
is most of a cold ingest (about 11 of 16 s). `prepare_model` writes a model whose
attention projections and feed-forward up-projections multiply in int8 (onnxruntime's
dynamic quantisation, with a scale per output channel), which embeds 1.45 times faster.

Which products: those whose weight matrix does not narrow (rows <= columns). The one
that does, the feed-forward down-projection, reads the GELU's output, whose long tail an
8-bit activation scale resolves poorly; quantising it too embeds 1.85 times faster but
moved the corpus' vectors twice as far (mean cosine 0.9948 against 0.9976 to float32)
and cost list answers in the eval, while this recipe left every eval figure level.

The recipe is part of the embedder's name: vectors from another recipe are another space,
and a build embedded with one is never searched with the other.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

RECIPE = "q8ap"  # int8 attention and up-projections; in the embedder's name
WEIGHTS_FILE = "weights.data"
MODEL_FILE = "model.onnx"


def int8_products(model_path: Path) -> list[str]:
    """Names of the MatMul nodes whose weight is a constant matrix that does not narrow."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)  # shapes only
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    chosen = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or len(node.input) != 2:
            continue
        shape = shapes.get(node.input[1])
        if shape is not None and len(shape) == 2 and shape[0] <= shape[1]:
            chosen.append(node.name)
    return chosen


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _optimise(ort: Any, source: Path, target: Path) -> None:
    """`source` optimised by onnxruntime (extended level) and saved to `target`, its
    weights in `WEIGHTS_FILE` beside it. Extended, not all: what "all" adds is layout
    work for one machine's CPU, and a model cache may be shared by hosts."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS_FILE)
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])


def prepare_model(ort: Any, source: Path, folder: Path) -> Path:
    """Write `folder/model.onnx` (+ `weights.data`): `source` optimised, its non-narrowing
    weight products quantised to int8, optimised again (which fuses the quantised
    products into onnxruntime's int8 kernels). Deterministic: the same source and
    onnxruntime give the same file, so every process embeds into the same space."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = folder / "folded"
    folded.mkdir()
    _optimise(ort, source, folded / MODEL_FILE)
    quantised = folder / "quantised.onnx"
    # The quantiser advises calibration "pre-processing" on the root logger, advice for
    # static quantisation of image models: said once per host, it reads as a fault.
    quiet = _DropAdvice()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            folded / MODEL_FILE,
            quantised,
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_quantize=int8_products(folded / MODEL_FILE),
        )
    finally:
        logging.getLogger().removeFilter(quiet)
    target = folder / MODEL_FILE
    _optimise(ort, quantised, target)
    quantised.unlink()
    for path in folded.iterdir():
        path.unlink()
    folded.rmdir()
    return target
