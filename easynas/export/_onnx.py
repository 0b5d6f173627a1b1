"""ONNX export (`.onnx`), checked with onnxruntime after writing."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from easynas.exceptions import InvalidParameterError
from easynas.export._files import atomic_files
from easynas.export._metadata import ATOL, RTOL, check_outputs, export_facts, write_json
from easynas.export._optional import require
from easynas.export._portable import SAMPLE_ROWS, portable_model

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

logger = logging.getLogger(__name__)

__all__ = ["OPSET", "export_onnx"]

OPSET = 17


def export_onnx(
    model: keras.Model,
    spec: DataSpec,
    path: str,
    *,
    input_nodes: list[Any],
    head_names: list[str],
    numeric_inputs: bool = False,
    overwrite: bool = False,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Write `model` as an `.onnx` file (opset `OPSET`) and check it.

    Inputs, outputs, the numeric-input variant, the check (in onnxruntime, on
    CPU) and the JSON beside the file are as for `export_tflite`.

    Args:
        model: The trained Keras model.
        spec: Its data spec.
        path: The file to write; it must end in `.onnx`.
        input_nodes: The graph's input nodes.
        head_names: The graph's head names.
        numeric_inputs: Export the numeric-input variant.
        overwrite: Replace an existing file (and its JSON).
        metadata: Extra facts for the JSON.

    Returns:
        The file written.

    Raises:
        InvalidParameterError: If `path` does not end in `.onnx`, or the model
            cannot take its raw inputs in ONNX (the message names the layers
            and offers `numeric_inputs=True`), or it needs an op ONNX has no
            operator for (the message names it); nothing is written then.
        FileExistsError: If `path` or its JSON exists and `overwrite` is False.
        ImportError: If `tf2onnx`, `onnx` or `onnxruntime` is not installed.
        RuntimeError: If the written file does not reproduce the model's
            outputs (nothing is written then).
    """
    path = os.fspath(path)
    if not path.endswith(".onnx"):
        raise InvalidParameterError(
            f"The 'path' parameter of an ONNX export must end in '.onnx'. Got {path!r} instead."
        )
    for module in ("tf2onnx", "onnx", "onnxruntime"):
        require(module)
    portable = portable_model(model, spec, input_nodes, head_names,
                              numeric_inputs=numeric_inputs, format_name="onnx")
    with atomic_files([path + ".json", path], overwrite=overwrite) as (meta_file, model_file):
        _convert(portable, model_file)
        difference = _check(model_file, portable)
        write_json(meta_file, {
            **(metadata or {}),
            "format": "onnx",
            "opset": OPSET,
            "variant": portable.variant,
            "signature": {"inputs": portable.inputs, "outputs": portable.outputs},
            **export_facts(spec, head_names),
            "check": {"runtime": "onnxruntime", "samples": SAMPLE_ROWS,
                      "max_abs_difference": difference, "atol": ATOL, "rtol": RTOL},
        })
    logger.info("Exported an ONNX model to %s.", path)
    return path


def _convert(portable: Any, file: str) -> None:
    """Convert with tf2onnx from a traced function of the portable model.

    tf2onnx freezes variables but leaves constant tensors the function
    captures (a `Normalization` layer's mean and variance, once loaded from a
    `.keras` file) as extra graph inputs. They are put back as initializers
    with the values the function captured.
    """
    import tensorflow as tf

    onnx = require("onnx")
    tf2onnx = require("tf2onnx")
    specs = portable.tensor_specs()
    model = portable.model

    @tf.function
    def run(*inputs):
        return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    concrete = run.get_concrete_function(*specs)
    captured = {
        internal.name: external.numpy()
        for external, internal in zip(concrete.captured_inputs, concrete.graph.internal_captures)
        if external.dtype != tf.resource
    }
    proto, _ = tf2onnx.convert.from_function(run, input_signature=specs, opset=OPSET)
    # tf2onnx keeps a TensorFlow op it cannot translate as a node of that name;
    # no ONNX runtime can run it.
    unknown = sorted({(node.op_type, node.name) for node in proto.graph.node
                      if not onnx.defs.has(node.op_type, node.domain or "")})
    if unknown:
        raise InvalidParameterError(
            "The 'format' parameter of export cannot be 'onnx' for this model: it needs "
            f"TensorFlow ops that ONNX opset {OPSET} has no operator for: "
            f"{sorted({op for op, _ in unknown})} (at {[name for _, name in unknown]}). "
            "Export format='saved_model' or format='tflite' instead."
        )
    names = {s.name for s in specs}
    for graph_input in list(proto.graph.input):
        if graph_input.name in names:
            continue
        if graph_input.name not in captured:
            raise RuntimeError(
                f"The ONNX conversion left an unexpected input {graph_input.name!r}."
            )
        proto.graph.input.remove(graph_input)
        proto.graph.initializer.append(
            onnx.numpy_helper.from_array(captured[graph_input.name], graph_input.name)
        )
    onnx.checker.check_model(proto)
    onnx.save(proto, file)


def _check(file: str, portable: Any) -> float:
    """Run the file in onnxruntime and compare with the Keras model."""
    onnxruntime = require("onnxruntime")
    session = onnxruntime.InferenceSession(file, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, portable.samples)
    return check_outputs(portable.expected, dict(zip(names, values)), "ONNX model")
