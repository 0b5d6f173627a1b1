"""Exporting the best model of a finished project folder, without its data.

A finished search leaves `<project_dir>/best_model.keras` and
`<project_dir>/easynas_result.json` (the graph's config and the data spec).
That is all an export needs: the model, the spec, and the input and head
names from the saved graph.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from easynas._version import __version__
from easynas.data._spec import DataSpec
from easynas.exceptions import InvalidParameterError
from easynas.export._formats import FORMATS, check_format, check_options

__all__ = [
    "BEST_MODEL_FILE", "FORMATS", "RESULT_FILE", "check_format", "export_project",
    "read_result", "trial_metrics",
]
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
    numeric_inputs: bool = False,
) -> str:
    """Export the best model of a finished project, as `estimator.export` would.

    Args:
        project_dir: The project folder a search wrote (`<directory>/<project_name>`).
        path: See `SearchEstimator.export` (a base folder for "saved_model", a
            `.keras`, `.tflite` or `.onnx` file for the others).
        format: One of `FORMATS`: "saved_model", "keras", "tflite", "onnx".
        version: SavedModel version folder (a positive int); None takes the
            next free number.
        overwrite: Replace an existing export at the target.
        numeric_inputs: For "tflite" and "onnx", export the numeric-input
            variant (the network after its string preprocessing).

    Returns:
        The folder or file written.

    Raises:
        FileNotFoundError: If `project_dir` does not exist.
        InvalidParameterError: If `project_dir` is not a finished project, an
            option is invalid or does not apply to `format`, or the model
            cannot take its raw inputs in `format`.
        FileExistsError: If the target exists and `overwrite` is False.
    """
    import keras

    from easynas.export._formats import export_model
    from easynas.graph._graph import Graph

    check_options(format, version, numeric_inputs)
    project_dir = os.fspath(project_dir)
    result = read_result(project_dir)
    model_file = os.path.join(project_dir, BEST_MODEL_FILE)
    if not os.path.isfile(model_file):
        raise InvalidParameterError(
            f"{project_dir!r} is not a finished easynas project: it has no {BEST_MODEL_FILE}."
        )
    model = keras.saving.load_model(model_file, compile=False)
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
    if "best_trial_id" in result:
        # The exported model is the best trial's, so its facts are the trial's facts.
        metadata["trial_id"] = result["best_trial_id"]
        metadata["hyperparameters"] = result.get("best_hyperparameters", {})
        metadata["metrics"] = trial_metrics(project_dir, str(result["best_trial_id"]))
        metadata["costs"] = result.get("best_costs", {})
    return export_model(
        model, spec, path, format, input_nodes=graph.inputs, head_names=head_names,
        version=version, overwrite=overwrite, numeric_inputs=numeric_inputs, metadata=metadata,
    )


def trial_metrics(project_dir: str, trial_id: str) -> dict[str, float]:
    """The best value of each metric of one trial, read from its KerasTuner
    `trial.json` ({} when the file is missing or unreadable)."""
    path = os.path.join(project_dir, f"trial_{trial_id}", "trial.json")
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        histories = state["metrics"]["metrics"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    metrics = {}
    for name, history in histories.items():
        means = [sum(o["value"]) / len(o["value"])
                 for o in history.get("observations", []) if o.get("value")]
        means = [m for m in means if not math.isnan(m)]
        if means:
            metrics[name] = max(means) if history.get("direction") == "max" else min(means)
    return metrics
