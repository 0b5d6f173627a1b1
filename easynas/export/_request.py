"""A ready-to-send TF Serving REST request for an export's `serving_default`.

TF Serving's REST API (`POST /v1/models/<name>:predict`) takes the row format
`{"signature_name": ..., "instances": [...]}`: one JSON object per example,
keyed by the signature's input names. JSON types follow its mapping: images
as nested lists of numbers, strings as strings, booleans as `true`/`false`,
int64 as numbers. A missing number is sent as the token `NaN`, which TF
Serving accepts in float inputs (strict JSON parsers do not; Python's `json`
writes and reads it); a missing string, category or date as `""`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from easynas.data._spec import DataSpec, ImageSpec, TabularSpec, TextSpec
from easynas.exceptions import InvalidDataError, InvalidParameterError

__all__ = ["serving_request"]

_METADATA = "easynas_metadata.json"


def serving_request(source: Any, x: Any) -> dict[str, Any]:
    """The TF Serving REST `predict` body for inputs `x`.

    Args:
        source: A fitted estimator, or a SavedModel export: its version folder
            (`serving/digits/1`) or base folder (the highest version is used).
        x: Inputs as `predict` takes them: images `(n, H, W[, C])`, a list of
            documents, a DataFrame (or 2-D array in the fitted column order);
            for several inputs, a list in the graph's input order.

    Returns:
        `{"signature_name": "serving_default", "instances": [{name: value}, ...]}`;
        `json.dumps` of it is the request body (see the module docstring for
        missing values).

    Raises:
        InvalidParameterError: If `source` is neither a fitted estimator nor an
            easynas SavedModel export.
        InvalidDataError: If `x` does not fit the model's inputs.
        NotFittedError: If `source` is an estimator before `fit`.

    Example:

    >>> import json
    >>> request = serving_request("serving/digits", images[:2])  # doctest: +SKIP
    >>> print(json.dumps(request))  # doctest: +SKIP
    """
    spec, names = _read_source(source)
    parts = [x] if len(spec.inputs) == 1 else list(x)
    if len(parts) != len(spec.inputs):
        raise InvalidDataError(
            f"x must hold one part per model input ({len(spec.inputs)}); got {len(parts)}."
        )
    columns: dict[str, list[Any]] = {}
    start = 0
    for input_spec, part in zip(spec.inputs, parts):
        count = len(input_spec.columns) if isinstance(input_spec, TabularSpec) else 1
        columns.update(_columns(input_spec, part, names[start:start + count]))
        start += count
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise InvalidDataError(f"The parts of x have different numbers of rows: {lengths}.")
    rows = lengths.pop()
    instances = [{name: values[i] for name, values in columns.items()} for i in range(rows)]
    return {"signature_name": "serving_default", "instances": instances}


def _read_source(source: Any) -> tuple[DataSpec, list[str]]:
    """The data spec and the serving input names, in signature order."""
    if hasattr(source, "_check_fitted"):  # an estimator (fitted or not)
        from easynas.export._signature import input_signature

        source._check_fitted("serving_request")
        signature = input_signature(source.graph_.inputs, source.spec_)
        return source.spec_, [s.name for s in signature]
    if not isinstance(source, (str, os.PathLike)):
        raise InvalidParameterError(
            "The 'source' parameter of serving_request must be a fitted estimator or the "
            f"path of a SavedModel export. Got {type(source).__name__} instead."
        )
    folder = os.fspath(source)
    if os.path.isdir(folder) and not os.path.isfile(os.path.join(folder, _METADATA)):
        versions = [d for d in os.listdir(folder) if d.isdecimal()]
        if versions:
            folder = os.path.join(folder, max(versions, key=int))
    path = os.path.join(folder, _METADATA)
    if not os.path.isfile(path):
        raise InvalidParameterError(
            f"{os.fspath(source)!r} is not an easynas SavedModel export: it has no {_METADATA}."
        )
    with open(path, encoding="utf-8") as f:
        metadata = json.load(f)
    return DataSpec.from_dict(metadata["spec"]), list(metadata["signature"]["inputs"])


def _columns(spec: Any, part: Any, names: list[str]) -> dict[str, list[Any]]:
    if isinstance(spec, ImageSpec):
        from easynas.data._adapters import as_array

        images = as_array(part, "x")
        if tuple(images.shape[1:]) != tuple(spec.shape):
            raise InvalidDataError(
                f"x holds images of shape {tuple(images.shape[1:])}; the model takes "
                f"{tuple(spec.shape)}."
            )
        return {names[0]: images.astype(spec.dtype).tolist()}
    if isinstance(spec, TextSpec):
        from easynas.data._text import read_texts

        texts = read_texts(part, "x", missing="empty")
        return {names[0]: [t.decode("utf-8") if isinstance(t, bytes) else str(t)
                           for t in texts]}
    if isinstance(spec, TabularSpec):
        return _table_columns(spec, part, names)
    raise InvalidParameterError(f"No serving request for inputs of kind {spec.kind!r}.")


def _table_columns(spec: TabularSpec, part: Any, names: list[str]) -> dict[str, list[Any]]:
    from easynas.data._tabular import is_positional, read_table
    from easynas.data._tabular_conform import conform_table

    frame = read_table(part, "x")
    arrays = conform_table(spec, frame, "x")
    positional = is_positional(frame) and not set(spec.column_names) <= set(frame.columns)
    columns = {}
    for index, (column, name, array) in enumerate(zip(spec.columns, names, arrays)):
        if column.kind == "numeric":
            values = [float(v) for v in array]  # NaN stays NaN: TF Serving reads the token
        elif column.kind == "boolean":
            values = [bool(v) for v in array]
        elif column.kind == "datetime":
            raw = frame.iloc[:, index] if positional else frame[column.name]
            values = _iso_dates(raw)
        elif column.dtype == "int64":
            values = [int(v) for v in array]
        else:
            values = [str(v) for v in array]
        columns[name] = values
    return columns


def _iso_dates(values: pd.Series) -> list[str]:
    """Datetimes (or ISO 8601 strings) as "YYYY-MM-DD HH:MM:SS"; "" where missing."""
    parsed = pd.to_datetime(values.replace("", None), format="ISO8601", errors="coerce")
    return [("" if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M:%S")) for v in parsed]
