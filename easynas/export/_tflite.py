"""TFLite export (`.tflite`), checked in the LiteRT interpreter after writing."""

from __future__ import annotations

import logging
import os
import re
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

__all__ = ["export_tflite"]


def export_tflite(
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
    """Write `model` as a `.tflite` file (TFLite builtin ops only) and check it.

    The file's `serving_default` signature takes named inputs and returns
    `probabilities` per classification head and `predictions` per regression
    head (prefixed with the head's name when there are several). Image models
    and tables of numeric and boolean columns take the same raw inputs as the
    SavedModel; a model with string layers is refused unless
    `numeric_inputs=True` asks for its numeric-input variant (see
    `easynas.export._portable`). After writing, the file runs in the LiteRT
    interpreter on `SAMPLE_ROWS` sample inputs and must match the Keras model
    within `ATOL + RTOL * |value|` (1e-4 each). `path + ".json"` records the
    metadata: inputs, outputs, classes, spec, the check's result.

    Args:
        model: The trained Keras model.
        spec: Its data spec.
        path: The file to write; it must end in `.tflite`.
        input_nodes: The graph's input nodes.
        head_names: The graph's head names.
        numeric_inputs: Export the numeric-input variant.
        overwrite: Replace an existing file (and its JSON).
        metadata: Extra facts for the JSON.

    Returns:
        The file written.

    Raises:
        InvalidParameterError: If `path` does not end in `.tflite`, or the
            model cannot take its raw inputs in TFLite (the message names the
            layers and offers `numeric_inputs=True`), or it needs an op TFLite
            has no builtin for (the message names it); nothing is written then.
        FileExistsError: If `path` or its JSON exists and `overwrite` is False.
        ImportError: If `ai-edge-litert` is not installed.
        RuntimeError: If the written file does not reproduce the model's
            outputs (nothing is written then).
    """
    path = os.fspath(path)
    if not path.endswith(".tflite"):
        raise InvalidParameterError(
            "The 'path' parameter of a TFLite export must end in '.tflite'. "
            f"Got {path!r} instead."
        )
    require("ai_edge_litert")
    portable = portable_model(model, spec, input_nodes, head_names,
                              numeric_inputs=numeric_inputs, format_name="tflite")
    with atomic_files([path + ".json", path], overwrite=overwrite) as (meta_file, model_file):
        _convert(portable, model_file)
        difference = _check(model_file, portable)
        write_json(meta_file, {
            **(metadata or {}),
            "format": "tflite",
            "variant": portable.variant,
            "signature": {"name": "serving_default", "inputs": portable.inputs,
                          "outputs": portable.outputs},
            **export_facts(spec, head_names),
            "check": {"runtime": "ai_edge_litert", "samples": SAMPLE_ROWS,
                      "max_abs_difference": difference, "atol": ATOL, "rtol": RTOL},
        })
    logger.info("Exported a TFLite model to %s.", path)
    return path


def _convert(portable: Any, file: str) -> None:
    """Convert with TFLite builtin ops only: the plain LiteRT interpreter has no
    TensorFlow ("flex") ops, so a model that needs one is refused, naming it."""
    import tensorflow as tf

    try:
        portable.model.export(
            file, format="litert", verbose=False,
            target_spec={"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]},
        )
    except Exception as error:
        if type(error).__name__ != "ConverterError":
            raise
        text = str(error)
        # "'tf.BesselI0' op is neither a custom op nor a flex op", "'tf.TensorListReserve'
        # op requires element_shape to be static ..."; and where: fused["Op:", "a/b/c@..."]
        ops = sorted({f"{op} ({reason.strip()})"
                      for op, reason in re.findall(r"'tf\.(\w+)' op ([^<\n]*)", text)})
        where = sorted({path for path in re.findall(r'fused\["\w+:", "([^"@]+)@', text)
                        if "/" in path})
        raise InvalidParameterError(
            "The 'format' parameter of export cannot be 'tflite' for this model: TFLite's "
            f"builtin ops cannot run {'; '.join(ops) or 'some of its TensorFlow ops'}"
            f"{f', at {where}' if where else ''}. Export format='saved_model' or "
            f"format='onnx' instead. The converter said: {_first_lines(text)}"
        ) from None


def _first_lines(text: str, count: int = 3) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines()[:count])


def _check(file: str, portable: Any) -> float:
    """Run the file in the LiteRT interpreter and compare with the Keras model."""
    interpreter = require("ai_edge_litert.interpreter")
    runner = interpreter.Interpreter(model_path=file).get_signature_runner("serving_default")
    got = runner(**portable.samples)
    return check_outputs(portable.expected, got, "TFLite model")
