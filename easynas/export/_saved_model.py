"""SavedModel export in TF Serving's layout: `path/<version>/saved_model.pb`."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.export._files import atomic_directory, next_version
from easynas.export._signature import input_signature, serving_function

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

__all__ = ["export_saved_model"]

METADATA = "easynas_metadata.json"


def export_saved_model(
    model: keras.Model,
    spec: DataSpec,
    path: str,
    *,
    input_names: list[str],
    head_names: list[str],
    version: int | None = None,
    overwrite: bool = False,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Write `model` as a SavedModel with a `serving_default` signature.

    The signature takes each raw input by name (images as the dtype and shape
    trained on) and returns named outputs (see `serving_function`). The folder
    is written atomically, then loaded back and checked against `model`.

    Args:
        model: The trained Keras model.
        spec: Its data spec.
        path: Base folder; the model goes to `path/<version>`.
        input_names: The graph's input names (signature input names).
        head_names: The graph's head names.
        version: Version folder number; None takes the next free one, so an
            earlier export is never overwritten.
        overwrite: Replace an existing `path/<version>`.
        metadata: Extra facts to store in `easynas_metadata.json` beside the model.

    Returns:
        The version folder written.

    Raises:
        FileExistsError: If `path/<version>` exists and `overwrite` is False.
        RuntimeError: If the written model does not reproduce `model`'s outputs.
    """
    import keras

    if version is None:
        version = next_version(path)
    target = os.path.join(path, str(int(version)))
    signature = input_signature(spec, input_names)
    serve = serving_function(model, spec, head_names)
    with atomic_directory(target, overwrite=overwrite) as staging:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(name="serving_default", fn=serve, input_signature=signature)
        archive.write_out(staging, verbose=False)
        _check(staging, serve, signature)
        with open(os.path.join(staging, METADATA), "w", encoding="utf-8") as f:
            json.dump({"signature": _describe(signature), **(metadata or {})}, f, indent=2)
    return target


def _describe(signature: list[Any]) -> dict[str, Any]:
    return {
        s.name: {"dtype": s.dtype.name, "shape": [d for d in s.shape.as_list()]}
        for s in signature
    }


def _check(folder: str, serve, signature: list[Any]) -> None:
    """Load the written model and compare its outputs with the in-memory model."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    sample = []
    for s in signature:
        shape = [2, *s.shape.as_list()[1:]]
        if s.dtype.is_integer:
            sample.append(tf.constant(rng.integers(0, 255, size=shape), dtype=s.dtype))
        else:
            sample.append(tf.constant(rng.random(size=shape), dtype=s.dtype))
    expected = serve(*sample)
    loaded = tf.saved_model.load(folder).signatures["serving_default"]
    got = loaded(**{s.name: t for s, t in zip(signature, sample)})
    for key, value in expected.items():
        if value.dtype == tf.string:
            same = bool(tf.reduce_all(value == got[key]))
        else:
            diff = float(tf.reduce_max(tf.abs(tf.cast(value, tf.float64) - tf.cast(got[key], tf.float64))))
            same = diff < 1e-5
        if not same:
            raise RuntimeError(f"The exported SavedModel's {key!r} output differs from the model's.")
