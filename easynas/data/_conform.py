"""Checking new data against a fitted spec, and mapping outputs back to labels.

`conform_input` / `encode_target` run on validation and prediction data;
`decode_output` / `output_probabilities` turn the network's outputs into what
the user gets from `predict` / `predict_proba`.
"""

from __future__ import annotations

import numpy as np

from easynas.data._analysis import check_finite
from easynas.data._labels import decode_labels, encode_labels
from easynas.data._spec import ClassificationTargetSpec, ImageSpec, RegressionTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = ["conform_input", "decode_output", "encode_target", "output_probabilities"]


def conform_input(spec, x: np.ndarray, name: str = "x") -> np.ndarray:
    """Check `x` against the input spec it must match and return the array to feed.

    Raises:
        InvalidDataError: Naming `name`, what the model was fitted on and what came.
    """
    if isinstance(spec, ImageSpec):
        if x.ndim != len(spec.shape) + 1 or tuple(x.shape[1:]) != tuple(spec.shape):
            raise InvalidDataError(
                f"{name} has images of shape {tuple(x.shape[1:])}; the model was fitted on "
                f"images of shape {tuple(spec.shape)} (array shape (n, {', '.join(map(str, spec.shape))}))."
            )
        if x.dtype == np.bool_ or not (
            np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
        ):
            raise InvalidDataError(f"{name} must hold numeric pixels. Got dtype {x.dtype}.")
        check_finite(x, name)
        return x.astype(np.float32, copy=False)
    raise TypeError(f"No input check for spec {type(spec).__name__}.")


def encode_target(spec, y: np.ndarray, name: str = "y") -> np.ndarray:
    """The training form of targets `y` (class indices, 0/1 matrix or floats)."""
    if isinstance(spec, ClassificationTargetSpec):
        if spec.label_format not in ("one_hot", "multi_label") and np.asarray(y).ndim == 2:
            if y.shape[1] != 1:
                raise InvalidDataError(
                    f"{name} must hold one label per sample, as in training. Got shape {y.shape}."
                )
        return encode_labels(np.asarray(y), spec, name)
    if isinstance(spec, RegressionTargetSpec):
        values = np.asarray(y)
        try:
            values = values.astype(np.float32)
        except (TypeError, ValueError):
            raise InvalidDataError(f"{name} must hold numbers for regression.") from None
        expected = (len(values), *spec.output_shape)
        if values.shape != expected and values.reshape(len(values), -1).shape[1] != spec.num_outputs:
            raise InvalidDataError(
                f"{name} must have {spec.num_outputs} target value(s) per sample, as in "
                f"training. Got shape {values.shape}."
            )
        check_finite(values, name)
        return values.reshape(len(values), spec.num_outputs)
    raise TypeError(f"No target encoding for spec {type(spec).__name__}.")


def output_probabilities(spec, raw: np.ndarray) -> np.ndarray:
    """Class probabilities `(n, num_classes)` from a classification head's output."""
    if not isinstance(spec, ClassificationTargetSpec):
        raise TypeError("Probabilities exist only for classification targets.")
    return np.asarray(raw, dtype=np.float32)


def decode_output(spec, raw: np.ndarray) -> np.ndarray:
    """What `predict` returns for one head.

    Classification: 1-D labels of the user's type (class indices for one-hot
    targets), or a 0/1 matrix for multi-label. Regression: `(n,)` or `(n, k)`
    in the targets' shape.
    """
    raw = np.asarray(raw)
    if isinstance(spec, ClassificationTargetSpec):
        if spec.multi_label:
            return (raw >= 0.5).astype(np.int64)
        return decode_labels(np.argmax(raw, axis=-1), spec)
    if isinstance(spec, RegressionTargetSpec):
        return raw.reshape((len(raw), *spec.output_shape))
    raise TypeError(f"No decoding for spec {type(spec).__name__}.")
