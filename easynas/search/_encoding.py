"""Candidates as points in [0, 1]^d, for models over the space (a GP, a distance).

Each hyperparameter of the space gets its own columns, in declaration order:

- `Choice` of strings, bools or two values: one-hot, one column per value;
- `Choice` of three or more numbers: the value's rank in sorted order, scaled
  to [0, 1] (so `[16, 32, 64]` and `[3e-4, 1e-3, 3e-3]` become 0, 0.5, 1);
- `Int` and `Float`: scaled to [0, 1] between their bounds, on a log scale
  where `sampling="log"`;
- `Boolean`: 0 or 1;
- `Fixed`: no column.

A conditional hyperparameter that is inactive in a candidate (or missing from
its values) gets a value no active one has: an all-zero one-hot, or, for the
one-column kinds, an extra "active" column set to 0 with the value at 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras_tuner

__all__ = ["encode", "encode_batch", "is_active"]

_Column = Callable[[Any], list]


def is_active(hp: Any, values: dict[str, Any]) -> bool:
    """Whether `hp` is active and set in `values` (its parent conditions hold)."""
    return hp.name in values and all(c.is_active(values) for c in hp.conditions)


def encode(space: keras_tuner.HyperParameters, values: dict[str, Any]) -> np.ndarray:
    """One candidate as a float vector (see the module docstring).

    Args:
        space: The hyperparameter space.
        values: The candidate's values; keys that are not hyperparameters of
            the space (e.g. a parent trial id) are ignored.

    Returns:
        A 1-D float64 array; its length depends only on the space.
    """
    return encode_batch(space, [values])[0]


def encode_batch(
    space: keras_tuner.HyperParameters, candidates: Sequence[dict[str, Any]]
) -> np.ndarray:
    """Several candidates as the rows of a float matrix (see `encode`).

    Args:
        space: The hyperparameter space.
        candidates: The candidates' values.

    Returns:
        A float64 array of shape `(len(candidates), d)`.
    """
    columns = [(hp, _column(hp)) for hp in space.space if type(hp).__name__ != "Fixed"]
    rows = []
    for values in candidates:
        row: list[float] = []
        for hp, column in columns:
            row.extend(column(values[hp.name] if is_active(hp, values) else _INACTIVE))
        rows.append(row)
    width = sum(len(column(_INACTIVE)) for _, column in columns)
    return np.asarray(rows, dtype=np.float64).reshape(len(candidates), width)


class _Inactive:
    """Marks a hyperparameter with no value in a candidate."""


_INACTIVE = _Inactive()


def _column(hp: Any) -> _Column:
    kind = type(hp).__name__
    conditional = bool(hp.conditions)
    if kind == "Choice":
        choices = [v.item() if isinstance(v, np.generic) else v for v in hp.values]
        numeric = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in choices
        )
        if numeric and len(choices) >= 3:
            ranks = {v: i / (len(choices) - 1) for i, v in enumerate(sorted(set(choices)))}
            return _scalar(lambda v: ranks.get(v, 0.0), conditional)
        return _one_hot(choices)
    if kind == "Boolean":
        return _scalar(lambda v: 1.0 if v else 0.0, conditional)
    if kind in ("Int", "Float"):
        return _scalar(_scaler(hp.min_value, hp.max_value, hp.sampling == "log"), conditional)
    raise TypeError(f"Cannot encode a hyperparameter of type {kind}.")


def _one_hot(choices: list) -> _Column:
    def column(value: Any) -> list:
        return [
            1.0 if not isinstance(value, _Inactive) and type(value) is type(c) and value == c
            else 0.0
            for c in choices
        ]

    return column


def _scalar(scale: Callable[[Any], float], conditional: bool) -> _Column:
    def column(value: Any) -> list:
        if isinstance(value, _Inactive):
            return [0.0, 0.0] if conditional else [0.0]
        scaled = float(scale(value))
        return [1.0, scaled] if conditional else [scaled]

    return column


def _scaler(low: float, high: float, log: bool) -> Callable[[Any], float]:
    if log and low > 0:
        low, high = math.log(low), math.log(high)

        def transform(v: float) -> float:
            return math.log(max(float(v), 1e-300))
    else:

        def transform(v: float) -> float:
            return float(v)

    span = high - low

    def scale(value: Any) -> float:
        if span <= 0:
            return 0.0
        return min(1.0, max(0.0, (transform(value) - low) / span))

    return scale
