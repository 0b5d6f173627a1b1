"""A table checked against its fitted `TabularSpec` and cut into the model's input arrays."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

from easynas.data._datetime import datetime_parts
from easynas.data._spec import TabularColumn, TabularSpec
from easynas.data._tabular import (
    boolean_values,
    category_keys,
    column_label,
    is_positional,
    numeric_values,
    text_values,
)
from easynas.exceptions import EasyNASWarning, InvalidDataError

__all__ = ["conform_table"]


def conform_table(spec: TabularSpec, frame: pd.DataFrame, name: str = "x") -> list[np.ndarray]:
    """One array per column of `spec`, in its order, as the model takes them.

    Columns are matched by name, in any order; a table made from an array
    without names is matched by position. Columns the model was not fitted
    on are ignored with an `EasyNASWarning`.

    Arrays: numeric float32 `(n,)` (NaN for missing); boolean float32 0/1;
    categorical object `(n,)` of str ("" for missing) or int64; datetime
    float32 `(n, 5)` parts; text object `(n,)` of str.

    Raises:
        InvalidDataError: Naming the column: a fitted column is missing, or
            a value cannot be read as its column's kind (e.g. text in a
            numeric column).
    """
    frame = _match_columns(spec, frame, name)
    return [_column_array(column, frame[column.name], column_label(name, column.name))
            for column in spec.columns]


def _match_columns(spec: TabularSpec, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    expected = list(spec.column_names)
    present = list(frame.columns)
    if is_positional(frame):
        # An array's columns are matched by position: a wrong count is an
        # error (as in scikit-learn), never extra columns silently dropped.
        if len(present) != len(expected):
            raise InvalidDataError(
                f"{name} has {len(present)} columns; the model was fitted on {len(expected)}: "
                f"{expected}."
            )
        return frame.set_axis(expected, axis=1)
    missing = [c for c in expected if c not in present]
    if missing:
        raise InvalidDataError(
            f"{name} lacks the column(s) {missing}, which the model was fitted on. "
            f"It has {present}."
        )
    extra = [c for c in present if c not in set(expected)]
    if extra:
        warnings.warn(
            f"{name} has column(s) {extra} that the model was not fitted on; they are "
            "ignored.", EasyNASWarning, stacklevel=_user_stacklevel(),
        )
    return frame


def _column_array(column: TabularColumn, values: pd.Series, label: str) -> np.ndarray:
    if column.kind == "numeric":
        if not _numeric_like(values):
            _check_no_text(values, label)
        return numeric_values(values, label).astype(np.float32)
    if column.kind == "boolean":
        return boolean_values(values, label)
    if column.kind == "datetime":
        return datetime_parts(values, label)
    if column.kind == "text":
        return text_values(values)
    if column.dtype == "int64":
        if not (_numeric_like(values) or values.dtype == object):
            raise InvalidDataError(
                f"{label} held integer categories when fitted; now it holds {values.dtype}."
            )
        try:
            return np.asarray(category_keys(values, "int64"), dtype=np.int64)
        except (TypeError, ValueError):
            raise InvalidDataError(
                f"{label} held integer categories when fitted; now it holds other values "
                f"(e.g. {values.dropna().iloc[0]!r})."
            ) from None
    return np.asarray(category_keys(values, "string"), dtype=object)


def _numeric_like(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def _check_no_text(values: pd.Series, label: str) -> None:
    """A numeric column must not have turned into text (numeric strings are fine)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        raise InvalidDataError(f"{label} was numeric when fitted; now it holds datetimes.")


def _user_stacklevel() -> int:
    """The `stacklevel` of the first caller outside easynas (warnings point at it)."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("easynas"):
        frame, level = frame.f_back, level + 1
    return level
