"""Encoding class labels to indices and back, by a classification target spec."""

from __future__ import annotations

import numpy as np

from easynas.data._spec import ClassificationTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = ["encode_labels", "decode_labels", "classes_array"]

_DTYPES = {"int": np.int64, "bool": np.bool_, "float": np.float64, "str": object}


def classes_array(spec: ClassificationTargetSpec) -> np.ndarray:
    """The classes as a NumPy array of the user's label type."""
    dtype = _DTYPES.get(spec.label_format, np.int64)
    return np.asarray(spec.classes, dtype=dtype)


def encode_labels(y: np.ndarray, spec: ClassificationTargetSpec, name: str = "y") -> np.ndarray:
    """Map labels to what the network trains on.

    Args:
        y: Labels in the user's format (validated by analysis or by the caller).
        spec: The target spec found on the training labels.
        name: Argument name for error messages.

    Returns:
        int32 class indices of shape `(n,)`, or float32 0/1 columns of shape
        `(n, num_classes)` for multi-label targets.

    Raises:
        InvalidDataError: If `y` holds a label that is not in `spec.classes`, or
            has the wrong number of columns.
    """
    if spec.label_format in ("one_hot", "multi_label"):
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != spec.num_classes:
            raise InvalidDataError(
                f"{name} must have {spec.num_classes} label columns, as in training. "
                f"Got shape {y.shape}."
            )
        if spec.label_format == "one_hot":
            return np.argmax(y, axis=1).astype(np.int32)
        return y.astype(np.float32)
    flat = np.asarray(y).reshape(len(y))
    classes = classes_array(spec)
    lookup = {_key(c): i for i, c in enumerate(classes)}
    indices = np.empty(len(flat), dtype=np.int32)
    for position, label in enumerate(flat):
        index = lookup.get(_key(label))
        if index is None:
            raise InvalidDataError(
                f"{name} holds the label {label!r}, which was not among the training "
                f"classes {list(spec.classes)[:20]}."
            )
        indices[position] = index
    return indices


def decode_labels(indices: np.ndarray, spec: ClassificationTargetSpec) -> np.ndarray:
    """Turn class indices back into labels of the user's type (1-D)."""
    return classes_array(spec)[np.asarray(indices, dtype=np.int64)]


def _key(label):
    if isinstance(label, (np.generic,)):
        label = label.item()
    if isinstance(label, bytes):
        label = label.decode("utf-8")
    return (type(label) is bool, label)
