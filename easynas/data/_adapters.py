"""Turning what users pass as `x` and `y` into NumPy arrays, one per input or head.

Accepted: NumPy arrays and anything `np.asarray` reads, pandas Series and
DataFrames, lists/tuples/dicts of those for several inputs or heads, a
`tf.data.Dataset` of `(x, y)` pairs, a directory of images (one sub-folder per
class) and a `.npz` file with `x` and `y` arrays.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from easynas.exceptions import InvalidDataError

__all__ = ["read_source", "to_arrays", "check_lengths"]


def read_source(x: Any, y: Any, argument: str = "x") -> tuple[Any, Any]:
    """Materialise a data source that carries its own labels.

    Args:
        x: A `tf.data.Dataset` of `(inputs, targets)`, a directory path of
            class folders, a `.npz` path, or plain data (returned unchanged).
        y: Targets; must be None when `x` carries them.
        argument: Name of `x` in messages.

    Returns:
        `(x, y)` as plain data.

    Raises:
        InvalidDataError: If `y` is given as well as a source with labels, or a
            path does not exist.
    """
    if isinstance(x, (str, os.PathLike)):
        path = os.fspath(x)
        if not os.path.exists(path):
            raise InvalidDataError(f"{argument} is the path {path!r}, which does not exist.")
        if y is not None:
            raise InvalidDataError(
                f"{argument} is a path, which carries its own labels; leave y=None. "
                f"Got y of type {type(y).__name__}."
            )
        if os.path.isdir(path):
            from easynas.data._image_folder import read_image_folder

            return read_image_folder(path, argument=argument)
        if path.endswith(".npz"):
            return _read_npz(path, argument)
        raise InvalidDataError(
            f"{argument} must be a directory of class folders or a .npz file. Got {path!r}."
        )
    if _is_tf_dataset(x):
        if y is not None:
            raise InvalidDataError(
                f"{argument} is a tf.data.Dataset of (inputs, targets); leave y=None."
            )
        return _read_dataset(x, argument)
    return x, y


def to_arrays(data: Any, names: Sequence[str], argument: str) -> list[np.ndarray]:
    """One NumPy array per graph input (or head).

    Args:
        data: One array-like for a single input; a list/tuple in graph order
            or a dict keyed by name for several.
        names: The inputs' (or heads') names in graph order.
        argument: "x", "y", ... for messages.

    Returns:
        Arrays in graph order.

    Raises:
        InvalidDataError: On a missing or unknown name, or a wrong count.
    """
    if data is None:
        raise InvalidDataError(f"{argument} is missing (None).")
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(names))
        missing = [n for n in names if n not in data]
        if unknown or missing:
            raise InvalidDataError(
                f"{argument} as a dict must have exactly the keys {list(names)}; "
                f"missing {missing}, unknown {unknown}."
            )
        parts = [data[n] for n in names]
    elif len(names) > 1:
        if not isinstance(data, (list, tuple)) or len(data) != len(names):
            raise InvalidDataError(
                f"{argument} must be a list of {len(names)} arrays (for {list(names)}) or a "
                f"dict keyed by those names. Got {type(data).__name__}."
            )
        parts = list(data)
    else:
        parts = [data]
    return [_as_array(part, argument) for part in parts]


def check_lengths(named_arrays: Sequence[tuple[str, np.ndarray]]) -> int:
    """Check all arrays have the same number of samples and return it."""
    lengths = {name: len(array) for name, array in named_arrays}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise InvalidDataError(f"Inputs and targets must have the same number of samples: {detail}.")
    (count,) = set(lengths.values())
    if count == 0:
        raise InvalidDataError(f"{named_arrays[0][0]} is empty; no samples to learn from.")
    return count


def _as_array(part: Any, argument: str) -> np.ndarray:
    if hasattr(part, "to_numpy"):  # pandas Series / DataFrame
        return part.to_numpy()
    if _is_tf_dataset(part):
        raise InvalidDataError(
            f"{argument} holds a tf.data.Dataset inside a list or dict; pass one Dataset of "
            "(inputs, targets) as x instead."
        )
    if hasattr(part, "numpy") and callable(part.numpy):  # tf / keras tensor
        return np.asarray(part.numpy())
    if np.isscalar(part):
        raise InvalidDataError(f"{argument} must be an array of samples. Got the scalar {part!r}.")
    try:
        array = np.asarray(part)
    except ValueError as error:
        raise InvalidDataError(
            f"{argument} could not be read as an array (ragged or mixed shapes?): {error}"
        ) from None
    if array.ndim == 0:
        raise InvalidDataError(f"{argument} must be an array of samples. Got {part!r}.")
    return array


def _is_tf_dataset(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "element_spec")


def _read_dataset(dataset: Any, argument: str) -> tuple[Any, Any]:
    import tensorflow as tf

    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise InvalidDataError(
            f"{argument} must be a tf.data.Dataset of (inputs, targets) pairs. Got elements "
            f"of structure {spec}."
        )
    batched = spec[0].shape.rank is not None and _looks_batched(dataset)
    xs, ys = [], []
    for features, targets in dataset.as_numpy_iterator():
        if batched:
            xs.append(features)
            ys.append(targets)
        else:
            xs.append(np.expand_dims(features, 0) if not isinstance(features, dict) else features)
            ys.append(np.expand_dims(targets, 0))
    if not xs:
        raise InvalidDataError(f"{argument} is an empty tf.data.Dataset.")
    if isinstance(xs[0], dict):
        keys = xs[0].keys()
        x = {k: np.concatenate([np.atleast_1d(part[k]) for part in xs]) for k in keys}
    else:
        x = np.concatenate(xs)
    del tf
    return x, np.concatenate(ys)


def _looks_batched(dataset: Any) -> bool:
    """A dataset is batched when its first dimension is unknown (None)."""
    spec = dataset.element_spec[0]
    shape = getattr(spec, "shape", None)
    return shape is not None and shape.rank is not None and shape.rank > 0 and shape[0] is None


def _read_npz(path: str, argument: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        if "x" not in archive or "y" not in archive:
            raise InvalidDataError(
                f"{argument} is the .npz file {path!r}, which must hold arrays named 'x' and "
                f"'y'. It holds {sorted(archive.files)}."
            )
        return archive["x"], archive["y"]
