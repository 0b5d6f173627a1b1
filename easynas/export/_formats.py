"""One entry point for every export format, shared by `estimator.export`,
`export_project` and the command line."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from easynas.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

__all__ = ["FORMATS", "check_format", "export_model"]

FORMATS = ("saved_model", "keras", "tflite", "onnx")


def check_format(format: Any) -> None:
    """Raise `InvalidParameterError` naming 'format' unless it is a known format."""
    if not isinstance(format, str) or format not in FORMATS:
        raise InvalidParameterError(
            f"The 'format' parameter of export must be one of {list(FORMATS)}. "
            f"Got {format!r} instead."
        )


def check_options(format: str, version: Any, numeric_inputs: Any) -> None:
    """Refuse options that do not apply to `format`, before anything is written."""
    check_format(format)
    if version is not None and format != "saved_model":
        raise InvalidParameterError(
            "The 'version' parameter of export applies to format='saved_model' only. "
            f"Got version={version!r} with format={format!r}."
        )
    if not isinstance(numeric_inputs, bool):
        raise InvalidParameterError(
            "The 'numeric_inputs' parameter of export must be a bool. "
            f"Got {numeric_inputs!r} instead."
        )
    if numeric_inputs and format not in ("tflite", "onnx"):
        raise InvalidParameterError(
            "The 'numeric_inputs' parameter of export applies to format='tflite' and 'onnx' "
            f"only; format={format!r} takes raw inputs."
        )


def export_model(
    model: keras.Model,
    spec: DataSpec,
    path: str,
    format: str = "saved_model",
    *,
    input_nodes: list[Any],
    head_names: list[str],
    version: int | None = None,
    overwrite: bool = False,
    numeric_inputs: bool = False,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Export `model` in `format`; see `SearchEstimator.export` for the arguments.

    Returns:
        The folder ("saved_model": `path/<version>`) or file written.
    """
    check_options(format, version, numeric_inputs)
    path = os.fspath(path)
    if format == "keras":
        from easynas.export._keras_file import export_keras

        return export_keras(model, path, overwrite=overwrite, metadata={
            **(metadata or {}), "format": "keras", **_keras_facts(model, spec, head_names)})
    if format == "saved_model":
        from easynas.export._saved_model import export_saved_model

        return export_saved_model(
            model, spec, path, input_nodes=input_nodes, head_names=head_names,
            version=version, overwrite=overwrite, metadata=metadata,
        )
    if format == "tflite":
        from easynas.export._tflite import export_tflite as write
    else:
        from easynas.export._onnx import export_onnx as write
    return write(model, spec, path, input_nodes=input_nodes, head_names=head_names,
                 numeric_inputs=numeric_inputs, overwrite=overwrite, metadata=metadata)


def _keras_facts(model: keras.Model, spec: DataSpec, head_names: list[str]) -> dict[str, Any]:
    from easynas.export._metadata import export_facts

    return {
        "signature": {"inputs": [
            {"name": t.name, "dtype": str(t.dtype), "shape": [None, *t.shape[1:]]}
            for t in model.inputs]},
        **export_facts(spec, head_names),
    }
