"""Checking new data against a fitted spec, and mapping outputs back to labels.

`conform_images` / `encode_target` run on validation and prediction data;
`decode_output` / `output_probabilities` turn the network's outputs into what
the user gets from `predict` / `predict_proba`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from easynas.data._analysis import check_finite
from easynas.data._labels import decode_labels, encode_labels
from easynas.data._spec import ClassificationTargetSpec, ImageSpec, RegressionTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = ["conform_images", "decode_output", "encode_target", "output_probabilities"]


def conform_images(spec: ImageSpec, x: Any, name: str = "x") -> np.ndarray:
    """Check images `x` against the fitted spec and return the array to feed.

    Grey images may come with or without a trailing channel axis of size 1,
    whichever way the model was fitted.

    Args:
        spec: The input's `ImageSpec`.
        x: The samples.
        name: Argument name for error messages.

    Returns:
        float32 samples in the fitted shape.

    Raises:
        InvalidDataError: Naming `name`, what the model was fitted on and what came.
    """
    x = np.asarray(x)
    shape = tuple(spec.shape)
    if x.ndim >= 1 and tuple(x.shape[1:]) != shape:
        if tuple(x.shape[1:]) == (*shape, 1) or (*x.shape[1:], 1) == shape:
            x = x.reshape((len(x), *shape))
    if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != shape:
        raise InvalidDataError(
            f"{name} has images of shape {tuple(x.shape[1:])}; the model was fitted on "
            f"images of shape {shape} (array shape (n, {', '.join(map(str, shape))}))."
        )
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise InvalidDataError(
            f"{name} must hold numeric pixels (uint8, int or float). Got dtype {x.dtype}."
        )
    check_finite(x, name)
    return x.astype(np.float32, copy=False)


def encode_target(spec: Any, y: Any, name: str = "y") -> np.ndarray:
    """The training form of targets `y` (class indices, 0/1 matrix or floats).

    Args:
        spec: The head's target spec.
        y: Targets in the user's form.
        name: Argument name for error messages.

    Returns:
        int32 class indices `(n,)`, a float32 0/1 matrix (multi-label), or
        float32 regression targets `(n, outputs)`.

    Raises:
        InvalidDataError: If `y` does not fit the spec (unseen label, wrong
            shape, non-numeric or non-finite values).
        TypeError: For a spec kind with no encoding.
    """
    if isinstance(spec, ClassificationTargetSpec):
        return encode_labels(y, spec, name)
    if isinstance(spec, RegressionTargetSpec):
        values = np.asarray(y)
        if values.dtype == np.bool_ or values.dtype.kind in "USc":
            raise InvalidDataError(
                f"{name} must hold numbers for regression. Got dtype {values.dtype}."
            )
        try:
            values = values.astype(np.float32)
        except (TypeError, ValueError):
            raise InvalidDataError(
                f"{name} must hold numbers for regression. Got non-numeric values."
            ) from None
        if values.ndim == 0 or values.reshape(len(values), -1).shape[1] != spec.num_outputs:
            raise InvalidDataError(
                f"{name} must have {spec.num_outputs} target value(s) per sample, as in "
                f"training. Got shape {values.shape}."
            )
        check_finite(values, name)
        return values.reshape(len(values), spec.num_outputs)
    raise TypeError(f"No target encoding for spec {type(spec).__name__}.")


def output_probabilities(spec: Any, raw: Any) -> np.ndarray:
    """Class probabilities `(n, num_classes)` from a classification head's output.

    Raises:
        TypeError: If `spec` is not a classification target spec.
    """
    if not isinstance(spec, ClassificationTargetSpec):
        raise TypeError("Probabilities exist only for classification targets.")
    return np.asarray(raw, dtype=np.float32)


def decode_output(spec: Any, raw: Any) -> np.ndarray:
    """What `predict` returns for one head.

    Args:
        spec: The head's target spec.
        raw: The network's output for that head.

    Returns:
        Classification: 1-D labels of the user's type (class indices for
        one-hot targets), or an int 0/1 matrix for multi-label. Regression:
        `(n,)` or `(n, k)` in the targets' shape.

    Raises:
        TypeError: For a spec kind with no decoding.
    """
    raw = np.asarray(raw)
    if isinstance(spec, ClassificationTargetSpec):
        if spec.multi_label:
            return (raw >= 0.5).astype(np.int64)
        return decode_labels(np.argmax(raw, axis=-1), spec)
    if isinstance(spec, RegressionTargetSpec):
        return raw.reshape((len(raw), *spec.output_shape))
    raise TypeError(f"No decoding for spec {type(spec).__name__}.")
