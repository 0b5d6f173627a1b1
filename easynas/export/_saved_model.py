"""SavedModel export in TF Serving's layout: `path/<version>/saved_model.pb`."""

from __future__ import annotations

import json
import logging
import numbers
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.data._spec import ClassificationTargetSpec
from easynas.exceptions import InvalidParameterError
from easynas.export._files import atomic_directory, next_version
from easynas.export._signature import input_signature, serving_function

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

logger = logging.getLogger(__name__)

__all__ = ["METADATA", "export_saved_model"]

METADATA = "easynas_metadata.json"


def export_saved_model(
    model: keras.Model,
    spec: DataSpec,
    path: str,
    *,
    input_nodes: list[Any],
    head_names: list[str],
    version: int | None = None,
    overwrite: bool = False,
    metadata: dict[str, Any] | None = None,
) -> str:
    """Write `model` as a SavedModel with a `serving_default` signature.

    The signature takes each raw input by name (images as the dtype and shape
    trained on) and returns named outputs (see `serving_function`). The folder
    is written atomically, then loaded back and checked against `model`.
    Beside the model, `easynas_metadata.json` describes the signature (input
    and output names, dtypes, shapes), the classes of each classification
    head and the data spec.

    Args:
        model: The trained Keras model.
        spec: Its data spec.
        path: Base folder; the model goes to `path/<version>`.
        input_nodes: The graph's input nodes; each gives its part of the
            signature (`InputNode.signature`).
        head_names: The graph's head names.
        version: Version folder number, a positive int; None takes the next
            free one, so an earlier export is never overwritten.
        overwrite: Replace an existing `path/<version>`.
        metadata: Extra facts to store in `easynas_metadata.json` (the
            signature, classes and spec are always written by the exporter).

    Returns:
        The version folder written.

    Raises:
        InvalidParameterError: If `version` is not a positive int.
        FileExistsError: If `path/<version>` exists and `overwrite` is False.
        RuntimeError: If the written model does not reproduce `model`'s
            outputs (nothing is written then).
    """
    import keras

    path = os.fspath(path)
    if version is None:
        version = next_version(path)
    elif isinstance(version, bool) or not isinstance(version, numbers.Integral) or version < 1:
        raise InvalidParameterError(
            "The 'version' parameter of a SavedModel export must be a positive int or None. "
            f"Got {version!r} instead."
        )
    target = os.path.join(path, str(int(version)))
    signature = input_signature(input_nodes, spec)
    serve = serving_function(model, input_nodes, spec, head_names)
    with atomic_directory(target, overwrite=overwrite) as staging:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(name="serving_default", fn=serve, input_signature=signature)
        archive.write_out(staging, verbose=False)
        outputs = _check(staging, serve, signature)
        facts = {
            "signature": {"inputs": _describe(signature), "outputs": outputs},
            "classes": {
                head: list(head_spec.classes)
                for head, head_spec in zip(head_names, spec.targets)
                if isinstance(head_spec, ClassificationTargetSpec)
            },
            "spec": spec.to_dict(),
        }
        with open(os.path.join(staging, METADATA), "w", encoding="utf-8") as f:
            json.dump({**(metadata or {}), **facts}, f, indent=2)
    logger.info("Exported a SavedModel to %s.", target)
    return target


def _describe(specs: list[Any]) -> dict[str, Any]:
    return {s.name: {"dtype": s.dtype.name, "shape": s.shape.as_list()} for s in specs}


def _sample(spec: Any, rng: np.random.Generator) -> Any:
    """Two random raw samples for one signature entry."""
    import tensorflow as tf

    shape = [2, *spec.shape.as_list()[1:]]
    if spec.dtype == tf.string:
        words = np.array(["easynas", "sample", "text", "", "ünïcode", "42"], dtype=object)
        return tf.constant(rng.choice(words, size=shape))
    if spec.dtype == tf.bool:
        return tf.constant(rng.integers(0, 2, size=shape).astype(bool))
    if spec.dtype.is_integer:
        low, high = max(spec.dtype.min, 0), min(spec.dtype.max, 255)
        return tf.constant(rng.integers(low, high, size=shape, endpoint=True), dtype=spec.dtype)
    return tf.constant(rng.random(size=shape) * 255, dtype=spec.dtype)


def _check(folder: str, serve, signature: list[Any]) -> dict[str, Any]:
    """Load the written model, compare its outputs with the in-memory model's
    and return the description of its outputs."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    sample = [_sample(s, rng) for s in signature]
    expected = serve(*sample)
    loaded = tf.saved_model.load(folder).signatures["serving_default"]
    got = loaded(**{s.name: t for s, t in zip(signature, sample)})
    if set(got) != set(expected):
        raise RuntimeError(
            f"The exported SavedModel returns {sorted(got)}; expected {sorted(expected)}."
        )
    for key, value in expected.items():
        if value.dtype == tf.string:
            same = bool(tf.reduce_all(value == got[key]))
        else:
            # Relative as well as absolute: regression outputs may be large numbers.
            same = value.shape == got[key].shape and np.allclose(
                got[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-5
            )
        if not same:
            raise RuntimeError(
                f"The exported SavedModel's {key!r} output differs from the model's."
            )
    return _describe([
        tf.TensorSpec(s.shape, s.dtype, name=key)
        for key, s in sorted(loaded.structured_outputs.items())
    ])
