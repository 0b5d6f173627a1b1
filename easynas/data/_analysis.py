"""Pure analysis of training data: arrays in, a frozen spec out.

Each function validates what it reads and raises `InvalidDataError` naming the
argument, what was expected and what came. None of them writes anywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from easynas.data._labels import label_kind, label_value
from easynas.data._spec import ClassificationTargetSpec, ImageSpec, RegressionTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = [
    "analyze_images",
    "analyze_classification_target",
    "analyze_regression_target",
    "check_finite",
    "check_images",
]

_CHUNK = 4096


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise if a floating array holds NaN or inf.

    Args:
        x: Samples along the first axis; integer arrays pass without a check.
        name: Argument name for the message.

    Raises:
        InvalidDataError: Naming `name` and the first sample that is not finite.
    """
    if not np.issubdtype(x.dtype, np.floating):
        return
    for start in range(0, len(x), _CHUNK):
        chunk = x[start : start + _CHUNK]
        if not np.isfinite(chunk).all():
            bad = np.argwhere(~np.isfinite(chunk.reshape(len(chunk), -1)).all(axis=1))
            row = int(bad[0][0]) + start
            raise InvalidDataError(
                f"{name} must hold finite numbers; sample {row} contains NaN or inf."
            )


def check_images(x: Any, name: str = "x") -> None:
    """Check that `x` is a non-empty batch of numeric, finite images.

    Args:
        x: Array of shape `(n, H, W)` or `(n, H, W, C)`.
        name: Argument name for error messages.

    Raises:
        InvalidDataError: On a non-array, a wrong rank, an empty array, a
            non-numeric dtype or non-finite values.
    """
    if not isinstance(x, np.ndarray):
        raise InvalidDataError(f"{name} must be a NumPy array of images. Got {type(x).__name__}.")
    if x.ndim not in (3, 4):
        raise InvalidDataError(
            f"{name} must be images of shape (n, height, width) or (n, height, width, "
            f"channels). Got an array with {x.ndim} dimension(s), samples of shape "
            f"{tuple(x.shape[1:])}."
        )
    if len(x) == 0 or min(x.shape[1:]) == 0:
        raise InvalidDataError(f"{name} is empty (shape {x.shape}); at least one image is needed.")
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise InvalidDataError(
            f"{name} must hold numeric pixels (uint8, int or float). Got dtype {x.dtype}."
        )
    check_finite(x, name)


def analyze_images(x: np.ndarray, name: str = "x") -> ImageSpec:
    """Describe a batch of images.

    Args:
        x: Array of shape `(n, H, W)` or `(n, H, W, C)` with a numeric dtype.
        name: Argument name for error messages.

    Returns:
        The frozen `ImageSpec`, with per-channel mean and variance.

    Raises:
        InvalidDataError: On an empty array, a wrong rank, a non-numeric dtype
            or non-finite values.
    """
    check_images(x, name)
    channels = 1 if x.ndim == 3 else x.shape[-1]
    # Chan et al.'s pairwise merge of per-chunk means and squared deviations:
    # exact for large pixel offsets, where sum(x^2)/n - mean^2 cancels badly.
    count, mean, m2 = 0, np.zeros(channels), np.zeros(channels)
    for start in range(0, len(x), _CHUNK):
        chunk = x[start : start + _CHUNK].astype(np.float64).reshape(-1, channels)
        chunk_count = len(chunk)
        chunk_mean = chunk.mean(axis=0)
        chunk_m2 = np.square(chunk - chunk_mean).sum(axis=0)
        delta = chunk_mean - mean
        total = count + chunk_count
        mean = mean + delta * (chunk_count / total)
        m2 = m2 + chunk_m2 + np.square(delta) * (count * chunk_count / total)
        count = total
    variance = m2 / count
    variance = np.where(variance > 1e-12, variance, 1.0)
    return ImageSpec(
        shape=tuple(int(d) for d in x.shape[1:]),
        dtype=str(x.dtype),
        channel_mean=tuple(float(m) for m in mean),
        channel_variance=tuple(float(v) for v in variance),
        num_samples=int(len(x)),
    )


def analyze_classification_target(
    y: Any, multi_label: bool | None = None, name: str = "y"
) -> ClassificationTargetSpec:
    """Describe classification labels and fix their encoding.

    Args:
        y: 1-D labels (ints, strings, bytes, bools or floats), or a 2-D 0/1
            matrix (one-hot, or multi-label). A `(n, 1)` column counts as 1-D.
        multi_label: Force multi-label (True) or single-label (False); None
            infers it from a 2-D matrix whose rows do not each hold one 1.
        name: Argument name for error messages.

    Returns:
        The frozen `ClassificationTargetSpec`.

    Raises:
        InvalidDataError: On empty or missing labels, mixed types, a single
            class, or a 2-D matrix that is not 0/1.
    """
    y = np.asarray(y)
    if y.ndim == 0 or len(y) == 0:
        raise InvalidDataError(f"{name} is empty; at least two labelled samples are needed.")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        return _analyze_label_matrix(y, multi_label, name)
    if y.ndim != 1:
        raise InvalidDataError(
            f"{name} must be 1-D labels or a 2-D one-hot / multi-label matrix. "
            f"Got shape {y.shape}."
        )
    if multi_label:
        raise InvalidDataError(
            f"multi_label=True needs {name} as a 2-D 0/1 matrix (one column per label). "
            f"Got 1-D labels of shape {y.shape}."
        )
    label_format, classes = _label_format(y, name)
    if len(classes) < 2:
        raise InvalidDataError(
            f"{name} holds a single class ({classes[0]!r}); classification needs at least two."
        )
    return ClassificationTargetSpec(
        classes=tuple(classes), label_format=label_format, num_samples=int(len(y))
    )


def _label_format(y: np.ndarray, name: str) -> tuple[str, list]:
    """The label format and the sorted distinct classes of 1-D labels."""
    if y.dtype == np.bool_:
        return "bool", [bool(v) for v in np.unique(y)]
    if np.issubdtype(y.dtype, np.integer):
        return "int", [int(v) for v in np.unique(y)]
    if np.issubdtype(y.dtype, np.floating):
        if not np.isfinite(y).all():
            row = int(np.argwhere(~np.isfinite(y))[0][0])
            raise InvalidDataError(f"{name} must not hold NaN or inf labels; sample {row} does.")
        return "float", [float(v) for v in np.unique(y)]
    if y.dtype.kind in "US":
        kind = "str" if y.dtype.kind == "U" else "bytes"
        return kind, sorted(label_value(v) for v in np.unique(y))
    if y.dtype != object:
        raise InvalidDataError(
            f"{name} labels must be ints, strings, bools or numbers. Got dtype {y.dtype}."
        )
    values, kinds = set(), set()
    for row, v in enumerate(y):
        kind = label_kind(v)
        if kind is None:
            raise InvalidDataError(f"{name} has a missing label (None or NaN) at sample {row}.")
        if kind == "float" and np.isinf(v):
            raise InvalidDataError(f"{name} must not hold NaN or inf labels; sample {row} does.")
        kinds.add(kind)
        values.add(label_value(v))
    if len(kinds) != 1:
        raise InvalidDataError(
            f"{name} mixes label types {sorted(kinds)}; use one type for all labels."
        )
    (kind,) = kinds
    if kind not in ("str", "bytes", "int", "bool", "float"):
        raise InvalidDataError(
            f"{name} labels must be ints, strings, bools or numbers. Got {kind} values."
        )
    return kind, sorted(values)


def _analyze_label_matrix(
    y: np.ndarray, multi_label: bool | None, name: str
) -> ClassificationTargetSpec:
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise InvalidDataError(f"{name} as a 2-D matrix must be numeric 0/1. Got dtype {y.dtype}.")
    values = y.astype(np.float64)
    if not np.isfinite(values).all():
        row = int(np.argwhere(~np.isfinite(values).all(axis=1))[0][0])
        raise InvalidDataError(f"{name} must not hold NaN or inf labels; sample {row} does.")
    if not np.isin(values, (0.0, 1.0)).all():
        raise InvalidDataError(
            f"{name} as a 2-D matrix must be one-hot or multi-label 0/1 columns; "
            f"it holds other values (e.g. {float(values[~np.isin(values, (0.0, 1.0))][0])!r})."
        )
    columns = values.shape[1]
    if columns < 2:
        raise InvalidDataError(f"{name} has {columns} label columns; at least two are needed.")
    one_hot = bool((values.sum(axis=1) == 1).all())
    if multi_label is None:
        multi_label = not one_hot
    if not multi_label and not one_hot:
        row = int(np.argwhere(values.sum(axis=1) != 1)[0][0])
        raise InvalidDataError(
            f"multi_label=False needs each row of {name} to hold exactly one 1 (one-hot); "
            f"sample {row} holds {int(values[row].sum())}."
        )
    if multi_label:
        label_format = "multi_label"
    else:
        label_format = "one_hot"
        present = np.unique(values.argmax(axis=1))
        if len(present) < 2:
            raise InvalidDataError(
                f"{name} holds a single class (column {int(present[0])}); "
                "classification needs at least two."
            )
    return ClassificationTargetSpec(
        classes=tuple(range(columns)), label_format=label_format, num_samples=int(len(y))
    )


def analyze_regression_target(y: Any, name: str = "y") -> RegressionTargetSpec:
    """Describe regression targets.

    Args:
        y: Numbers, shape `(n,)` or `(n, k)`; a `(n, 1)` column stays 2-D.
        name: Argument name for error messages.

    Returns:
        The frozen `RegressionTargetSpec` with per-output mean and std.

    Raises:
        InvalidDataError: On empty, non-numeric, non-finite or >2-D targets.
    """
    y = np.asarray(y)
    if y.ndim == 0 or len(y) == 0:
        raise InvalidDataError(f"{name} is empty; regression needs at least two samples.")
    if y.ndim not in (1, 2):
        raise InvalidDataError(
            f"{name} must be regression targets of shape (n,) or (n, outputs). Got {y.shape}."
        )
    if y.dtype == object:
        for row, sample in enumerate(y.reshape(len(y), -1)):
            if any(label_kind(v) is None for v in sample):
                raise InvalidDataError(
                    f"{name} has a missing target (None or NaN) at sample {row}."
                )
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidDataError(
                f"{name} must hold numbers for regression. Got non-numeric values."
            ) from None
    if not np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_ or np.iscomplexobj(y):
        raise InvalidDataError(f"{name} must hold numbers for regression. Got dtype {y.dtype}.")
    values = y.astype(np.float64)
    if not np.isfinite(values).all():
        row = int(np.argwhere(~np.isfinite(values.reshape(len(values), -1)).all(axis=1))[0][0])
        raise InvalidDataError(f"{name} must be finite; sample {row} is NaN or inf.")
    matrix = values.reshape(len(values), -1)
    std = matrix.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return RegressionTargetSpec(
        output_shape=tuple(int(d) for d in y.shape[1:]),
        mean=tuple(float(m) for m in matrix.mean(axis=0)),
        std=tuple(float(s) for s in std),
        num_samples=int(len(y)),
    )
