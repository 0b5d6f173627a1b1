"""Pure analysis of training data: arrays in, a frozen spec out.

Each function validates what it reads and raises `InvalidDataError` naming the
argument, what was expected and what came. None of them writes anywhere.
"""

from __future__ import annotations

import numpy as np

from easynas.data._spec import ClassificationTargetSpec, ImageSpec, RegressionTargetSpec
from easynas.exceptions import InvalidDataError

__all__ = [
    "analyze_images",
    "analyze_classification_target",
    "analyze_regression_target",
    "check_finite",
]

_CHUNK = 4096


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise if a floating array holds NaN or inf."""
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
    if not isinstance(x, np.ndarray):
        raise InvalidDataError(f"{name} must be a NumPy array of images. Got {type(x).__name__}.")
    if x.ndim not in (3, 4):
        raise InvalidDataError(
            f"{name} must be images of shape (n, height, width) or (n, height, width, "
            f"channels). Got an array of shape {x.shape}."
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
    channels = 1 if x.ndim == 3 else x.shape[-1]
    total = np.zeros(channels)
    total_sq = np.zeros(channels)
    count = 0
    for start in range(0, len(x), _CHUNK):
        chunk = x[start : start + _CHUNK].astype(np.float64).reshape(-1, channels)
        total += chunk.sum(axis=0)
        total_sq += np.square(chunk).sum(axis=0)
        count += len(chunk)
    mean = total / count
    variance = np.maximum(total_sq / count - np.square(mean), 0.0)
    variance = np.where(variance > 1e-12, variance, 1.0)
    return ImageSpec(
        shape=tuple(int(d) for d in x.shape[1:]),
        dtype=str(x.dtype),
        channel_mean=tuple(float(m) for m in mean),
        channel_variance=tuple(float(v) for v in variance),
        num_samples=int(len(x)),
    )


def analyze_classification_target(
    y: np.ndarray, multi_label: bool | None = None, name: str = "y"
) -> ClassificationTargetSpec:
    """Describe classification labels and fix their encoding.

    Args:
        y: 1-D labels (ints, strings, bools or integral floats), or a 2-D 0/1
            matrix (one-hot, or multi-label).
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
    if len(y) == 0:
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
    label_format, values = _label_format(y, name)
    classes = sorted(set(values))
    if len(classes) < 2:
        raise InvalidDataError(
            f"{name} holds a single class ({classes[0]!r}); classification needs at least two."
        )
    return ClassificationTargetSpec(
        classes=tuple(classes), label_format=label_format, num_samples=int(len(y))
    )


def _label_format(y: np.ndarray, name: str) -> tuple[str, list]:
    if y.dtype == np.bool_:
        return "bool", [bool(v) for v in y]
    if np.issubdtype(y.dtype, np.integer):
        return "int", [int(v) for v in y]
    if np.issubdtype(y.dtype, np.floating):
        if not np.isfinite(y).all():
            row = int(np.argwhere(~np.isfinite(y))[0][0])
            raise InvalidDataError(f"{name} must not hold NaN or inf labels; sample {row} does.")
        return "float", [float(v) for v in y]
    values = []
    kinds = set()
    for row, v in enumerate(y.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            raise InvalidDataError(f"{name} has a missing label (None or NaN) at sample {row}.")
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        kinds.add("str" if isinstance(v, str) else "bool" if isinstance(v, bool) else
                  "int" if isinstance(v, int) else "float" if isinstance(v, float) else
                  type(v).__name__)
        values.append(v)
    if len(kinds) != 1:
        raise InvalidDataError(
            f"{name} mixes label types {sorted(kinds)}; use one type for all labels."
        )
    (kind,) = kinds
    if kind not in ("str", "int", "bool", "float"):
        raise InvalidDataError(
            f"{name} labels must be ints, strings, bools or numbers. Got {kind} values."
        )
    return kind, values


def _analyze_label_matrix(
    y: np.ndarray, multi_label: bool | None, name: str
) -> ClassificationTargetSpec:
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise InvalidDataError(f"{name} as a 2-D matrix must be numeric 0/1. Got dtype {y.dtype}.")
    values = y.astype(np.float64)
    if not np.isfinite(values).all():
        raise InvalidDataError(f"{name} must not hold NaN or inf labels.")
    if not np.isin(values, (0.0, 1.0)).all():
        raise InvalidDataError(
            f"{name} as a 2-D matrix must be one-hot or multi-label 0/1 columns; "
            f"it holds other values (e.g. {values[~np.isin(values, (0.0, 1.0))][0]!r})."
        )
    one_hot = bool((values.sum(axis=1) == 1).all())
    if multi_label is None:
        multi_label = not one_hot
    if not multi_label and not one_hot:
        raise InvalidDataError(
            f"multi_label=False needs each row of {name} to hold exactly one 1 (one-hot)."
        )
    columns = values.shape[1]
    if multi_label:
        label_format = "multi_label"
        if columns < 1:
            raise InvalidDataError(f"{name} has no label columns.")
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


def analyze_regression_target(y: np.ndarray, name: str = "y") -> RegressionTargetSpec:
    """Describe regression targets.

    Args:
        y: Numbers, shape `(n,)` or `(n, k)`.
        name: Argument name for error messages.

    Returns:
        The frozen `RegressionTargetSpec` with per-output mean and std.

    Raises:
        InvalidDataError: On empty, non-numeric, non-finite or >2-D targets.
    """
    y = np.asarray(y)
    if len(y) == 0:
        raise InvalidDataError(f"{name} is empty; regression needs at least two samples.")
    if y.ndim not in (1, 2):
        raise InvalidDataError(
            f"{name} must be regression targets of shape (n,) or (n, outputs). Got {y.shape}."
        )
    if y.dtype == object:
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidDataError(
                f"{name} must hold numbers for regression. Got non-numeric values."
            ) from None
    if not np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_:
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
