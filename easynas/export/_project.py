"""Exporting the best model of a finished project folder, without its data.

A finished search leaves `<project_dir>/best_model.keras` and
`<project_dir>/easynas_result.json` (the graph's config and the data spec).
That is all an export needs: the model, the spec, and the input and head
names from the saved graph.
"""

from __future__ import annotations

import json
import os
from typing import Any

from easynas._version import __version__
from easynas.data._spec import DataSpec
from easynas.exceptions import InvalidParameterError

__all__ = ["BEST_MODEL_FILE", "FORMATS", "RESULT_FILE", "export_project", "read_result"]

FORMATS = ("saved_model", "keras")
RESULT_FILE = "easynas_result.json"
BEST_MODEL_FILE = "best_model.keras"


def read_result(project_dir: str) -> dict[str, Any]:
    """The contents of a finished project's `easynas_result.json`.

    Args:
        project_dir: The project folder (`<directory>/<project_name>`).

    Returns:
        The result as a dict.

    Raises:
        FileNotFoundError: If `project_dir` does not exist.
        InvalidParameterError: If it is not a finished easynas project.
    """
    project_dir = os.fspath(project_dir)
    if not os.path.exists(project_dir):
        raise FileNotFoundError(f"The project folder {project_dir!r} does not exist.")
    if not os.path.isdir(project_dir):
        raise InvalidParameterError(f"The project {project_dir!r} is not a folder.")
    path = os.path.join(project_dir, RESULT_FILE)
    if not os.path.isfile(path):
        raise InvalidParameterError(
            f"{project_dir!r} is not a finished easynas project: it has no {RESULT_FILE} "
            "(a search writes it when it ends)."
        )
    try:
        with open(path, encoding="utf-8") as f:
            result = json.load(f)
    except ValueError as error:
        raise InvalidParameterError(f"{path!r} is not valid JSON: {error}.") from None
    graph = result.get("graph") if isinstance(result, dict) else None
    if not isinstance(graph, dict) or not {"inputs", "outputs"} <= set(graph) or (
        "spec" not in result
    ):
        raise InvalidParameterError(
            f"{path!r} is not an easynas result file: it lacks the graph or the data spec."
        )
    return result


def export_project(
    project_dir: str,
    path: str,
    format: str = "saved_model",
    *,
    version: int | None = None,
    overwrite: bool = False,
) -> str:
    """Export the best model of a finished project, as `estimator.export` would.

    Args:
        project_dir: The project folder a search wrote (`<directory>/<project_name>`).
        path: For "saved_model", the base folder of TF Serving's layout (the
            model goes to `path/<version>/`); for "keras", a `.keras` file.
        format: "saved_model" (TF Serving, plain TensorFlow) or "keras".
        version: SavedModel version folder (a positive int); None takes the
            next free number.
        overwrite: Replace an existing export at the target.

    Returns:
        The folder or file written.

    Raises:
        FileNotFoundError: If `project_dir` does not exist.
        InvalidParameterError: If `project_dir` is not a finished project,
            `format` or `version` is invalid, or `version` comes with "keras".
        FileExistsError: If the target exists and `overwrite` is False.
    """
    import keras

    from easynas.export._keras_file import export_keras
    from easynas.export._saved_model import export_saved_model
    from easynas.graph._graph import Graph

    check_format(format)
    if format == "keras" and version is not None:
        raise InvalidParameterError(
            "The 'version' parameter of export applies to format='saved_model' only. "
            f"Got version={version!r} with format='keras'."
        )
    project_dir = os.fspath(project_dir)
    result = read_result(project_dir)
    model_file = os.path.join(project_dir, BEST_MODEL_FILE)
    if not os.path.isfile(model_file):
        raise InvalidParameterError(
            f"{project_dir!r} is not a finished easynas project: it has no {BEST_MODEL_FILE}."
        )
    model = keras.saving.load_model(model_file, compile=False)
    if format == "keras":
        return export_keras(model, path, overwrite=overwrite)
    graph = Graph.from_config(result["graph"])
    head_names = list(graph.outputs)
    spec = DataSpec.from_dict(result["spec"])
    if len(model.outputs) != len(head_names) or len(spec.inputs) != len(graph.inputs):
        raise InvalidParameterError(
            f"{model_file!r} has {len(model.outputs)} output(s), but {RESULT_FILE} "
            f"describes {len(head_names)} heads; the project files do not belong together."
        )
    metadata = {
        "easynas_version": __version__,
        **{
            key: result[key]
            for key in ("estimator", "objective", "best_trial_id", "best_hyperparameters")
            if key in result
        },
    }
    return export_saved_model(
        model, spec, path, input_nodes=graph.inputs, head_names=head_names,
        version=version, overwrite=overwrite, metadata=metadata,
    )


def check_format(format: Any) -> None:
    """Raise `InvalidParameterError` naming 'format' unless it is a known format."""
    if not isinstance(format, str) or format not in FORMATS:
        raise InvalidParameterError(
            f"The 'format' parameter of export must be one of {list(FORMATS)}. "
            f"Got {format!r} instead."
        )
