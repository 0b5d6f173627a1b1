"""Encoding class labels to indices and back, by a classification target spec."""

from __future__ import annotations

from typing import Any

import numpy as np

from easynas.data._spec import ClassificationTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = ["encode_labels", "decode_labels", "classes_array", "label_kind", "label_value"]

_DTYPES = {"int": np.int64, "bool": np.bool_, "float": np.float64, "str": object, "bytes": object}
_MISSING_TYPES = ("NAType", "NaTType")  # pandas.NA and pandas.NaT, without importing pandas


def label_kind(value: Any) -> str | None:
    """The label format of one label ("int", "str", "bytes", ...), or None if missing.

    NumPy scalars count as their Python type; `None`, NaN, `pandas.NA` and
    `pandas.NaT` are missing.

    Args:
        value: One label.

    Returns:
        "bool", "int", "float", "str", "bytes", another type's name, or None.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or type(value).__name__ in _MISSING_TYPES:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return None if np.isnan(value) else "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, bytes):
        return "bytes"
    return type(value).__name__


def label_value(value: Any) -> Any:
    """One label as the JSON scalar a spec stores (bytes become their UTF-8 text).

    Bytes that are not valid UTF-8 survive the trip through
    `surrogateescape`, so `classes_array` gives back the very same bytes.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


def classes_array(spec: ClassificationTargetSpec) -> np.ndarray:
    """The classes as a 1-D NumPy array of the user's label type.

    Args:
        spec: A classification target spec.

    Returns:
        int64, bool or float64 for those formats; an object array of `str`
        (or `bytes`) for string labels; the column indices for one-hot and
        multi-label targets.
    """
    if spec.label_format == "bytes":
        return np.asarray(
            [c.encode("utf-8", "surrogateescape") for c in spec.classes], dtype=object
        )
    dtype = _DTYPES.get(spec.label_format, np.int64)
    return np.asarray(spec.classes, dtype=dtype)


def encode_labels(y: Any, spec: ClassificationTargetSpec, name: str = "y") -> np.ndarray:
    """Map labels to what the network trains on.

    Args:
        y: Labels in the user's format: 1-D labels (or a `(n, 1)` column), or
            a 0/1 matrix for one-hot and multi-label targets.
        spec: The target spec found on the training labels.
        name: Argument name for error messages.

    Returns:
        int32 class indices of shape `(n,)`, or float32 0/1 columns of shape
        `(n, num_classes)` for multi-label targets.

    Raises:
        InvalidDataError: If `y` holds a label that is not in `spec.classes`, a
            missing label, or a matrix of the wrong shape or values.
    """
    y = np.asarray(y)
    if spec.label_format in ("one_hot", "multi_label"):
        return _encode_matrix(y, spec, name)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise InvalidDataError(
            f"{name} must hold one label per sample (1-D), as in training. Got shape {y.shape}."
        )
    fast = _vectorised_indices(y, spec)
    if fast is not None:
        indices, found = fast
        if found.all():
            return indices.astype(np.int32)
        _raise_unknown(y[int(np.argmin(found))], spec, name)
    lookup = {_key(c): i for i, c in enumerate(spec.classes)}
    indices = np.empty(len(y), dtype=np.int32)
    for position, label in enumerate(y):
        if label_kind(label) is None:
            raise InvalidDataError(
                f"{name} has a missing label (None or NaN) at sample {position}."
            )
        index = lookup.get(_key(label))
        if index is None:
            _raise_unknown(label, spec, name)
        indices[position] = index
    return indices


def decode_labels(indices: Any, spec: ClassificationTargetSpec) -> np.ndarray:
    """Turn class indices back into labels of the user's type (1-D).

    Args:
        indices: Integer class indices, shape `(n,)`.
        spec: The classification target spec.

    Returns:
        The labels, `classes_array(spec)[indices]`.
    """
    return classes_array(spec)[np.asarray(indices, dtype=np.int64)]


def _encode_matrix(y: np.ndarray, spec: ClassificationTargetSpec, name: str) -> np.ndarray:
    if y.ndim != 2 or y.shape[1] != spec.num_classes:
        raise InvalidDataError(
            f"{name} must have {spec.num_classes} label columns, as in training. "
            f"Got shape {y.shape}."
        )
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise InvalidDataError(f"{name} as a 2-D matrix must be numeric 0/1. Got dtype {y.dtype}.")
    values = y.astype(np.float64)
    bad = ~np.isin(values, (0.0, 1.0)).all(axis=1)
    if spec.label_format == "one_hot":
        bad |= values.sum(axis=1) != 1
    if bad.any():
        row = int(np.argmax(bad))
        what = "one-hot rows (a single 1)" if spec.label_format == "one_hot" else "0/1 values"
        raise InvalidDataError(
            f"{name} must hold {what}, as in training; sample {row} is {values[row].tolist()}."
        )
    if spec.label_format == "one_hot":
        return np.argmax(values, axis=1).astype(np.int32)
    return values.astype(np.float32)


def _vectorised_indices(
    y: np.ndarray, spec: ClassificationTargetSpec
) -> tuple[np.ndarray, np.ndarray] | None:
    """Indices and a found-mask by binary search, for numeric and text arrays."""
    if spec.label_format in ("int", "float") and y.dtype.kind in "iuf":
        both_int = spec.label_format == "int" and y.dtype.kind in "iu"
        dtype = np.int64 if both_int else np.float64
        reference, values = np.asarray(spec.classes, dtype=dtype), y.astype(dtype)
    elif spec.label_format == "bool" and y.dtype == np.bool_:
        reference, values = np.asarray(spec.classes, dtype=np.bool_), y
    elif spec.label_format == "str" and y.dtype.kind == "U":
        reference, values = np.asarray(spec.classes, dtype=str), y
    else:
        return None
    positions = np.clip(np.searchsorted(reference, values), 0, len(reference) - 1)
    return positions, reference[positions] == values


def _raise_unknown(label: Any, spec: ClassificationTargetSpec, name: str) -> None:
    shown = label.item() if isinstance(label, np.generic) else label
    raise InvalidDataError(
        f"{name} holds the label {shown!r}, which was not among the training "
        f"classes {list(spec.classes)[:20]}."
    )


def _key(label: Any) -> tuple[bool, Any]:
    """A dict key under which equal labels of compatible types meet.

    Bytes meet their text, ints meet equal floats, and bools stay apart from
    the ints 0 and 1.
    """
    label = label_value(label)
    return (type(label) is bool, label)
