"""The native `.keras` file export."""

from __future__ import annotations

import json
import logging
import os
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.exceptions import InvalidParameterError
from easynas.export._files import atomic_files
from easynas.export._metadata import write_json

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)

__all__ = ["export_keras"]


def export_keras(
    model: keras.Model, path: str, *, overwrite: bool = False,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Save `model` to a `.keras` file, atomically, and check it.

    The written file is loaded back and must give the model's outputs, and it
    must hold only stock Keras objects, so that `keras.saving.load_model`
    opens it without easynas installed.

    Args:
        model: The trained Keras model.
        path: The file to write; it must end in `.keras`.
        overwrite: Replace an existing file (and its JSON).
        metadata: Facts to record in `path + ".json"` beside the file (None:
            no JSON).

    Returns:
        The file written.

    Raises:
        InvalidParameterError: If `path` does not end in `.keras`.
        FileExistsError: If `path` (or its JSON) exists and `overwrite` is False.
        RuntimeError: If the written file holds easynas classes or does not
            reproduce `model`'s outputs (nothing is written then).
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise InvalidParameterError(
            f"The 'path' parameter of a Keras export must end in '.keras'. Got {path!r} instead."
        )
    targets = [path] if metadata is None else [path + ".json", path]
    with atomic_files(targets, overwrite=overwrite) as temporaries:
        temporary = temporaries[-1]
        model.save(temporary)
        _check(model, temporary)
        if metadata is not None:
            write_json(temporaries[0], metadata)
    logger.info("Exported a .keras model to %s.", path)
    return path


def _check(model: keras.Model, file: str) -> None:
    """Refuse easynas classes in the file and compare the loaded model's outputs."""
    import keras

    with zipfile.ZipFile(file) as archive:
        config = json.loads(archive.read("config.json"))
    custom = sorted(_easynas_objects(config))
    if custom:
        raise RuntimeError(
            f"The model holds easynas classes {custom}, so the .keras file would not load "
            "without easynas."
        )
    loaded = keras.saving.load_model(file, compile=False)
    sample = _sample(model)
    if sample is None:
        return
    expected = keras.tree.flatten(model(sample, training=False))
    got = keras.tree.flatten(loaded(sample, training=False))
    for a, b in zip(expected, got):
        a, b = keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-5):
            raise RuntimeError("The exported .keras model's outputs differ from the model's.")


def _easynas_objects(config: Any) -> set[str]:
    """Names of easynas-registered objects anywhere in a saved Keras config."""
    found: set[str] = set()
    if isinstance(config, dict):
        name = config.get("registered_name")
        module = config.get("module")
        if (isinstance(name, str) and name.startswith("easynas>")) or (
            isinstance(module, str) and module.split(".")[0] == "easynas"
        ):
            found.add(str(name or config.get("class_name")))
        for value in config.values():
            found |= _easynas_objects(value)
    elif isinstance(config, list):
        for value in config:
            found |= _easynas_objects(value)
    return found


def _sample(model: keras.Model) -> Any:
    """Two random samples shaped like the model's inputs (None if a shape is open)."""
    rng = np.random.default_rng(0)
    arrays = []
    for tensor in model.inputs:
        shape = tuple(tensor.shape)[1:]
        if any(d is None for d in shape):
            return None
        if str(tensor.dtype) == "string":
            words = np.array(["easynas sample", "text", "", "ünïcode"], dtype=object)
            arrays.append(rng.choice(words, size=(2, *shape)))
        else:
            arrays.append((rng.random((2, *shape)) * 255).astype(str(tensor.dtype)))
    return arrays if len(arrays) > 1 else arrays[0]
