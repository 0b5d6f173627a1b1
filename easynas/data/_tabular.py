"""Reading and analysing tables: a DataFrame in, a `TabularSpec` with column kinds out.

Kinds are inferred per column by these rules, in order (a column's entry in
`column_types` overrides them):

- bool values (NumPy, pandas or Python bools): "boolean" if none is missing,
  else "categorical" (a boolean cannot be missing in the served model);
- a pandas `category` dtype: "categorical";
- datetime64 values, or strings that are all ISO 8601 dates or datetimes
  ("2024-03-01", "2024-03-01 13:45"): "datetime";
- numbers (ints or floats, NaN for missing): "numeric";
- strings where at least half the values hold 3 words or more and most
  values are distinct (free text): "text";
- anything else (strings, mixed values): "categorical".
"""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from easynas.data._bins import quantile_edges
from easynas.data._datetime import datetime_parts, looks_like_dates
from easynas.data._spec import TabularColumn, TabularSpec
from easynas.data._text import analyze_text, tokenize
from easynas.exceptions import InvalidDataError

__all__ = [
    "COLUMN_KINDS",
    "analyze_table",
    "category_key",
    "column_label",
    "infer_kind",
    "numeric_values",
    "read_table",
]

COLUMN_KINDS = ("numeric", "categorical", "boolean", "datetime", "text")
# Most categories kept per column (the rest share the out-of-vocabulary bucket)
# and most tokens per text column.
MAX_CATEGORIES = 1000
MAX_TOKENS = 1000
_TEXT_MIN_WORDS = 3
_POSITIONAL = "easynas_positional_columns"


def column_label(name: str, column: str) -> str:
    """How messages name a column: "x column 'age'"."""
    return f"{name} column {column!r}"


def read_table(
    part: Any, name: str = "x", column_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """A table as a DataFrame with string column names and rows numbered from 0.

    Args:
        part: A pandas DataFrame (or Series, one column), a 2-D NumPy array or
            list of rows, or a list of dicts (one per row).
        name: Argument name for messages.
        column_names: Names of an array's columns; None names them "x0",
            "x1", ... A DataFrame keeps its own names (`column_names` is not
            used for it).

    Returns:
        A new DataFrame. One made from an unnamed array is marked, so that a
        model fitted on named columns takes it by position.

    Raises:
        InvalidDataError: On a scalar, a sparse matrix, a 1-D or 3-D array, no
            rows or no columns, repeated names, or a `column_names` of the wrong
            length.
    """
    positional = False
    if isinstance(part, pd.Series):
        part = part.to_frame(name=part.name if part.name is not None else "x0")
    if isinstance(part, pd.DataFrame):
        if isinstance(part.columns, pd.MultiIndex):
            raise InvalidDataError(f"{name} has multi-level column names; flatten them first.")
        frame = part.copy()
        frame.columns = [str(c) for c in frame.columns]
    elif isinstance(part, (list, tuple)) and part and all(isinstance(r, Mapping) for r in part):
        frame = pd.DataFrame(list(part))
        frame.columns = [str(c) for c in frame.columns]
    else:
        if isinstance(part, (str, bytes)) or np.isscalar(part) or part is None:
            raise InvalidDataError(
                f"{name} must be a table: a pandas DataFrame, a 2-D array or a CSV path. "
                f"Got {type(part).__name__}."
            )
        if hasattr(part, "toarray") and hasattr(part, "nnz"):  # a SciPy sparse matrix / array
            raise InvalidDataError(
                f"{name} is a sparse {type(part).__name__}; sparse input is not supported. "
                f"Pass a dense table ({name}.toarray()) or a DataFrame."
            )
        array = np.asarray(part)
        if array.ndim != 2:
            raise InvalidDataError(
                f"{name} must be a table of shape (rows, columns); got an array of shape "
                f"{array.shape}." + (" Use x.reshape(-1, 1) for one column." if array.ndim == 1
                                     else "")
            )
        if column_names is None:
            names, positional = [f"x{i}" for i in range(array.shape[1])], True
        else:
            names = [str(c) for c in column_names]
            if len(names) != array.shape[1]:
                raise InvalidDataError(
                    f"{name} has {array.shape[1]} columns, but column_names lists {len(names)}: "
                    f"{names}."
                )
        frame = pd.DataFrame(array, columns=names)
        if array.dtype == object:
            frame = frame.infer_objects()
    repeated = sorted(c for c, n in Counter(frame.columns).items() if n > 1)
    if repeated:
        raise InvalidDataError(f"{name} has repeated column names: {repeated}.")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InvalidDataError(
            f"{name} is empty ({frame.shape[0]} rows, {frame.shape[1]} columns)."
        )
    frame = frame.reset_index(drop=True)
    frame.attrs[_POSITIONAL] = positional
    return frame


def is_positional(frame: pd.DataFrame) -> bool:
    """Whether `frame` came from an array without column names."""
    return bool(frame.attrs.get(_POSITIONAL, False))


def infer_kind(column: pd.Series) -> str:
    """The kind of a column (see the module docstring for the rules)."""
    present = column.dropna()
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean" if len(present) == len(column) else "categorical"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    values = present.tolist()
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return "boolean" if len(present) == len(column) else "categorical"
    if values and all(_is_number(v) for v in values):
        return "numeric"
    if values and all(isinstance(v, str) for v in values):
        if looks_like_dates(present):
            return "datetime"
        if _looks_like_text(values):
            return "text"
    return "categorical"


def analyze_table(
    frame: pd.DataFrame, name: str = "x", column_types: Mapping[str, str] | None = None
) -> TabularSpec:
    """Describe a training table: each column's kind and statistics.

    Args:
        frame: The training rows, from `read_table`.
        name: Argument name for messages.
        column_types: Kinds that override inference, by column name.

    Returns:
        The frozen `TabularSpec`.

    Raises:
        InvalidDataError: On fewer than 2 rows, a `column_types` entry for a
            column the table lacks, a column whose values are all missing, or
            values its kind cannot read.
    """
    if len(frame) < 2:
        raise InvalidDataError(
            f"{name} has {len(frame)} row; at least 2 are needed to learn from a table."
        )
    overrides = dict(column_types or {})
    unknown = [c for c in overrides if c not in frame.columns]
    if unknown:
        raise InvalidDataError(
            f"column_types names {unknown}, not among the columns of {name}: "
            f"{list(frame.columns)}."
        )
    columns = []
    for column_name in frame.columns:
        column = frame[column_name]
        label = column_label(name, column_name)
        missing = int(column.isna().sum())
        if missing == len(column):
            raise InvalidDataError(
                f"{label} has no values: all {missing} are missing. Drop the column."
            )
        kind = overrides.get(column_name) or infer_kind(column)
        columns.append(_analyze_column(column, column_name, kind, missing, label))
    return TabularSpec(columns=tuple(columns), num_samples=len(frame))


def _analyze_column(
    column: pd.Series, column_name: str, kind: str, missing: int, label: str
) -> TabularColumn:
    if kind == "numeric":
        values = numeric_values(column, label)
        present = values[~np.isnan(values)]
        mean, variance = float(present.mean()), float(present.var())
        variance = variance if variance > 0 else 1.0
        return TabularColumn(column_name, kind, "float32", missing, mean=(mean,),
                             variance=(variance,),
                             edges=quantile_edges(present, mean, variance))
    if kind == "boolean":
        boolean_values(column, label)
        return TabularColumn(column_name, kind, "bool", missing)
    if kind == "datetime":
        parts = datetime_parts(column, label)
        variance = np.nanvar(parts, axis=0)
        return TabularColumn(
            column_name, kind, "string", missing,
            mean=tuple(float(v) for v in np.nanmean(parts, axis=0)),
            variance=tuple(float(v) if v > 0 else 1.0 for v in variance),
        )
    if kind == "text":
        documents = text_values(column)
        text = analyze_text(documents, name=label, max_vocabulary=MAX_TOKENS, max_bigrams=0)
        return TabularColumn(column_name, kind, "string", missing, vocabulary=text.vocabulary,
                             counts=text.document_counts)
    dtype = "int64" if _is_integer_column(column) else "string"
    keys = category_keys(column, dtype)
    ranked = sorted(Counter(keys).items(), key=lambda item: (-item[1], str(item[0])))
    ranked = ranked[:MAX_CATEGORIES]
    return TabularColumn(column_name, "categorical", dtype, missing,
                         vocabulary=tuple(k for k, _ in ranked),
                         counts=tuple(int(n) for _, n in ranked))


def numeric_values(column: pd.Series, label: str) -> np.ndarray:
    """The column as float64, NaN for missing.

    Raises:
        InvalidDataError: On a value that is not a number (naming its row),
            an infinite one, or complex numbers.
    """
    if pd.api.types.is_complex_dtype(column.dtype):
        raise InvalidDataError(
            f"{label} holds complex numbers (dtype {column.dtype}); pass real numbers, e.g. "
            "the real and imaginary parts as two columns."
        )
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        values = column.astype("float64").to_numpy(na_value=np.nan)
    else:
        values = np.empty(len(column))
        for row, value in enumerate(column.tolist()):
            if _is_missing(value):
                values[row] = np.nan
                continue
            try:
                values[row] = float(value)
            except (TypeError, ValueError):
                raise InvalidDataError(
                    f"{label} is numeric, but row {row} holds {value!r} "
                    f"({type(value).__name__}). Pass numbers (NaN for missing), or give the "
                    "column another kind in column_types when fitting."
                ) from None
    infinite = np.isinf(values)
    if infinite.any():
        raise InvalidDataError(
            f"{label} must hold finite numbers; row {int(np.argmax(infinite))} is infinite."
        )
    return values


def boolean_values(column: pd.Series, label: str) -> np.ndarray:
    """The column as float32 0/1.

    Raises:
        InvalidDataError: On a missing value or one that is not a bool.
    """
    values = column.tolist()
    for row, value in enumerate(values):
        if _is_missing(value):
            raise InvalidDataError(
                f"{label} is boolean, and row {row} is missing; a boolean column cannot hold "
                "missing values. Fill them in, or pass column_types={"
                f"{column.name!r}: 'categorical'}} when fitting."
            )
        if not isinstance(value, (bool, np.bool_)) and not (_is_number(value) and value in (0, 1)):
            raise InvalidDataError(
                f"{label} is boolean, but row {row} holds {value!r} ({type(value).__name__}); "
                "expected True, False, 0 or 1."
            )
    return np.asarray(values, dtype=np.float32)


def text_values(column: pd.Series) -> np.ndarray:
    """The column as a 1-D object array of str, "" for missing."""
    return np.array([category_key(v) for v in column.tolist()], dtype=object)


def category_keys(column: pd.Series, dtype: str) -> list:
    """Each value's category: an int for "int64" columns (missing values become
    `MISSING_INT`), else its text ("" for missing)."""
    if dtype == "int64":
        return [MISSING_INT if _is_missing(v) else int(v) for v in column.tolist()]
    return [category_key(v) for v in column.tolist()]


# An int64 categorical value that never occurs in a vocabulary: a missing value.
MISSING_INT = -(2**63)


def category_key(value: Any) -> str:
    """The text of one categorical value: "" for missing, UTF-8 for bytes,
    "3" for the float 3.0, `str` otherwise."""
    if _is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _is_integer_column(column: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(column.dtype) and not column.isna().any()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _looks_like_text(values: list[str]) -> bool:
    words = [len(tokenize(v)) for v in values]
    wordy = sum(n >= _TEXT_MIN_WORDS for n in words)
    return wordy * 2 >= len(values) and len(set(values)) * 2 > len(values)
