"""Datetime columns as numeric parts, computed the same way in pandas and in TensorFlow.

`predict` reads a datetime column with pandas (`datetime_parts`); the exported
SavedModel takes the column as ISO 8601 text and parses it with TensorFlow
string ops (`datetime_parts_tf`). Both give `DATETIME_PARTS` (year, month,
day, day of week with Monday = 0, hour) as float32, NaN where a value is
missing or unreadable. Time zones are not converted: parts are read as written.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from easynas.data._spec import DATETIME_PARTS
from easynas.exceptions import InvalidDataError

__all__ = ["ISO_DATETIME", "datetime_parts", "datetime_parts_tf", "looks_like_dates"]

# Dates the served model can parse: "2024-03-01", "2024-03-01 13:45", "2024-03-01T13:45:10.5".
ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(ISO_DATETIME)


def looks_like_dates(values: pd.Series) -> bool:
    """Whether every (non-missing) string in `values` is an ISO 8601 date or datetime."""
    if not len(values) or not all(isinstance(v, str) and _ISO.fullmatch(v) for v in values):
        return False
    try:
        pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        return False
    return True


def datetime_parts(column: pd.Series, label: str) -> np.ndarray:
    """The `(n, len(DATETIME_PARTS))` float32 parts of a datetime column.

    Args:
        column: datetime64 values, or ISO 8601 strings (`ISO_DATETIME`), with
            None / NaT / NaN / "" for missing.
        label: The column, for messages ("x column 'signup'").

    Raises:
        InvalidDataError: If a value is neither missing, a datetime nor an
            ISO 8601 string.
    """
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = column
    else:
        text = column.astype(object).where(column.notna(), None)
        for row, value in text.items():
            if value is None or value == "" or isinstance(value, (pd.Timestamp, np.datetime64)):
                continue
            if not isinstance(value, str) or not _ISO.fullmatch(value):
                raise InvalidDataError(
                    f"{label} holds datetimes; row {row} is {value!r}, which is not a datetime "
                    "or an ISO 8601 string such as '2024-03-01' or '2024-03-01 13:45'."
                )
        text = text.where(text != "", None)
        try:
            stamps = pd.to_datetime(text, format="ISO8601")
        except (ValueError, TypeError) as error:
            raise InvalidDataError(f"{label} holds a date that does not exist: {error}") from None
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    parts = np.stack(
        [stamps.dt.year, stamps.dt.month, stamps.dt.day, stamps.dt.day_of_week, stamps.dt.hour],
        axis=1,
    ).astype(np.float32)
    return parts.reshape(len(column), len(DATETIME_PARTS))


def datetime_parts_tf(strings: Any) -> Any:
    """The parts of a `(n,)` string tensor of ISO 8601 datetimes, `(n, 5)` float32.

    Strings that do not match `ISO_DATETIME` (including "") give NaN parts.
    """
    import tensorflow as tf

    strings = tf.strings.strip(strings)
    valid = tf.strings.regex_full_match(strings, ISO_DATETIME)
    # Unreadable strings are swapped for a date (to keep to_number happy), then masked.
    safe = tf.where(valid, strings, tf.fill(tf.shape(strings), "1970-01-01"))
    safe = tf.where(tf.strings.length(safe) >= 13, safe, tf.strings.join([safe, " 00"]))

    def number(start: int, length: int) -> Any:
        return tf.strings.to_number(tf.strings.substr(safe, start, length), tf.int64)

    year, month, day, hour = number(0, 4), number(5, 2), number(8, 2), number(11, 2)
    # Days since 1970-01-01 (H. Hinnant's days_from_civil); that day was a Thursday.
    shifted_year = year - tf.cast(month <= 2, tf.int64)
    era = shifted_year // 400
    year_of_era = shifted_year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    weekday = (era * 146097 + day_of_era - 719468 + 3) % 7
    parts = tf.cast(tf.stack([year, month, day, weekday, hour], axis=1), tf.float32)
    return tf.where(valid[:, None], parts, tf.fill(tf.shape(parts), float("nan")))
