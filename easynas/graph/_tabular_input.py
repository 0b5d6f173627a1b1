"""TabularInput: a table of mixed columns enters the graph, encoded by stock Keras layers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from easynas.data._datetime import datetime_parts_tf
from easynas.data._spec import DATETIME_PARTS, TabularColumn, TabularSpec
from easynas.data._tabular import COLUMN_KINDS, analyze_table, read_table
from easynas.data._tabular_conform import conform_table
from easynas.graph._inputs import InputNode

__all__ = ["TabularInput", "serving_names"]

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@keras.saving.register_keras_serializable(package="easynas")
class TabularInput(InputNode):
    """A table: numeric, categorical, boolean, datetime and free-text columns,
    with missing values.

    Data: a pandas DataFrame, a 2-D NumPy array (named by `column_names`), a
    list of row dicts, or (through `fit(path, y="target")`) a CSV file. Each
    column's kind is inferred, first rule that fits: bools are "boolean" (or
    "categorical" if some are missing), a pandas category is "categorical",
    datetimes and ISO 8601 date strings are "datetime", numbers are
    "numeric", strings mostly of 3+ words and mostly distinct are "text",
    anything else is "categorical". `column_types` overrides any column; the
    kinds and statistics of the training split make the `TabularSpec`.

    The model takes one input per raw column, so the whole encoding lives in
    it as stock Keras layers: numeric columns are standardised, missing values
    (NaN) read as the mean and flagged by a missing indicator; booleans become
    0/1; categorical columns go through `StringLookup` / `IntegerLookup` with
    the training vocabulary and one out-of-vocabulary bucket (unseen and, if
    never seen in training, missing values land there); datetime columns
    become standardised parts (year, month, day, day of week, hour); text
    columns a TF-IDF bag of words (`TextVectorization`). The blocks receive
    one float32 vector per row whose layout `TabularSpec` documents.

    The exported model's `serving_default` takes one `(n,)` tensor per column,
    named after the column (a name that is not an identifier is made one,
    see `serving_names`): float32 for numeric (NaN for missing), bool for
    boolean, string for categorical (int64 for columns of integers), text
    and datetime (ISO 8601, e.g. "2024-03-01 13:45"; "" for missing).

    Args:
        column_names: Names of an array's columns, so that a model fitted on
            arrays knows its columns by name. DataFrames always use their own
            names; an array without names is matched to the fitted columns by
            position.
        column_types: Column kinds that override inference, by column name:
            each one of "numeric", "categorical", "boolean", "datetime", "text".
        name: See `InputNode`.

    Example:

    >>> import easynas as en
    >>> table = en.TabularInput(column_types={"zip": "categorical"})
    """

    kind = "tabular"
    spec_type = TabularSpec

    def __init__(
        self,
        column_names: Sequence[str] | None = None,
        column_types: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if column_names is not None and (
            isinstance(column_names, str)
            or not all(isinstance(c, str) for c in column_names)
            or len(set(column_names)) != len(column_names)
        ):
            raise ValueError(
                "Argument `column_names` of TabularInput must be a list of distinct strings. "
                f"Received: column_names={column_names!r}"
            )
        if column_types is not None and (
            not isinstance(column_types, Mapping)
            or any(kind not in COLUMN_KINDS for kind in column_types.values())
        ):
            raise ValueError(
                "Argument `column_types` of TabularInput must be a dict of column name -> one "
                f"of {list(COLUMN_KINDS)}. Received: column_types={column_types!r}"
            )
        self.column_names = None if column_names is None else list(column_names)
        self.column_types = None if column_types is None else dict(column_types)

    def read(self, part: Any, name: str) -> Any:
        return read_table(part, name, self.column_names)

    def analyze(self, data: Any, name: str) -> TabularSpec:
        return analyze_table(data, name, self.column_types)

    def conform(self, spec: TabularSpec, data: Any, name: str) -> list[np.ndarray]:
        return conform_table(spec, data, name)

    def build(self, spec: TabularSpec, name: str) -> tuple[list[Any], Any]:
        inputs = [
            keras.Input(
                shape=(len(DATETIME_PARTS),) if c.kind == "datetime" else (),
                dtype=_model_dtype(c),
                name=keras_name,
            )
            for c, keras_name in zip(spec.columns, _keras_names(spec, name))
        ]
        by_kind: dict[str, list[tuple[TabularColumn, Any]]] = {k: [] for k in COLUMN_KINDS}
        for column, tensor in zip(spec.columns, inputs):
            by_kind[column.kind].append((column, tensor))
        parts = [
            *_standardised(by_kind["numeric"], f"{name}_numeric", _as_column),
            *([_concat([_as_column(t, f"{name}_{i}_boolean") for i, (_, t)
                        in enumerate(by_kind["boolean"])], f"{name}_booleans")]
              if by_kind["boolean"] else []),
            *_standardised(by_kind["datetime"], f"{name}_datetime", lambda t, _: t),
            *(_text_bag(c, t, f"{name}_text{i}", spec.num_samples)
              for i, (c, t) in enumerate(by_kind["text"])),
            *(_category_index(c, t, f"{name}_category{i}")
              for i, (c, t) in enumerate(by_kind["categorical"])),
        ]
        return inputs, _concat(parts, f"{name}_features")

    def default_block(self) -> Any:
        """A `TabularBlock`: a linear model, MLPs or a feature-token transformer."""
        from easynas.blocks import TabularBlock

        return TabularBlock()

    def signature(self, spec: TabularSpec, name: str) -> list[Any]:
        import tensorflow as tf

        return [
            tf.TensorSpec((None,), tf.as_dtype(c.dtype), name=serving_name)
            for c, serving_name in zip(spec.columns, serving_names(spec.column_names))
        ]

    def serving_inputs(self, spec: TabularSpec, tensors: list[Any]) -> list[Any]:
        import tensorflow as tf

        converted = []
        for column, tensor in zip(spec.columns, tensors):
            if column.kind == "datetime":
                tensor = datetime_parts_tf(tensor)
            elif column.dtype == "bool":
                tensor = tf.cast(tensor, tf.float32)
            converted.append(tensor)
        return converted

    def get_config(self) -> dict[str, Any]:
        return {"column_names": self.column_names, "column_types": self.column_types,
                "name": self.name}


def serving_names(columns: Sequence[str]) -> list[str]:
    """The serving signature's input names: each column's own name when it is an
    identifier (letters, digits, underscores; a letter first), else one made of
    it ("native-country" -> "native_country", "2nd" -> "c_2nd"), numbered on a clash."""
    names: list[str] = []
    taken = {c for c in columns if _IDENTIFIER.match(c)}
    for column in columns:
        if _IDENTIFIER.match(column):
            names.append(column)
            continue
        base = _sanitise(column)
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}_{number}"
        taken.add(candidate)
        names.append(candidate)
    return names


def _sanitise(column: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", column)
    return text if text[:1].isalpha() else f"c_{text}"


def _keras_names(spec: TabularSpec, name: str) -> list[str]:
    """Unique Keras input names: the node name plus the serving name."""
    return [f"{name}_{s}" for s in serving_names(spec.column_names)]


def _model_dtype(column: TabularColumn) -> str:
    """The Keras input's dtype: the serving dtype, except float32 for booleans (0/1)
    and datetime parts (`serving_inputs` converts)."""
    return "float32" if column.kind in ("boolean", "datetime") else column.dtype


def _as_column(tensor: Any, layer_name: str) -> Any:
    return keras.layers.Reshape((1,), name=layer_name)(tensor)


def _concat(tensors: list[Any], layer_name: str) -> Any:
    if len(tensors) == 1:
        return tensors[0]
    return keras.layers.Concatenate(axis=-1, name=layer_name)(tensors)


def _standardised(columns: list[tuple[TabularColumn, Any]], prefix: str, shape) -> list[Any]:
    """Standardised values with NaN read as 0 (the mean), then missing indicators
    for the columns that had missing values in training."""
    if not columns:
        return []
    raw = [shape(t, f"{prefix}{i}_column") for i, (_, t) in enumerate(columns)]
    values = _concat(raw, f"{prefix}_values")
    values = keras.layers.Normalization(
        axis=-1,
        mean=[m for c, _ in columns for m in c.mean],
        variance=[v for c, _ in columns for v in c.variance],
        name=f"{prefix}_normalize",
    )(values)
    parts = [keras.ops.nan_to_num(values, nan=0.0)]
    gaps = [t[:, :1] for (c, _), t in zip(columns, raw) if c.missing > 0]
    if gaps:
        parts.append(keras.ops.cast(keras.ops.isnan(_concat(gaps, f"{prefix}_gaps")), "float32"))
    return parts


def _text_bag(column: TabularColumn, tensor: Any, layer_name: str, documents: int) -> Any:
    """TF-IDF over the training vocabulary, smoothed idf `log(1 + n / (1 + df))`."""
    idf = [math.log(1.0 + documents / (1.0 + n)) for n in column.counts]
    return keras.layers.TextVectorization(
        output_mode="tf_idf", vocabulary=list(column.vocabulary), idf_weights=idf,
        name=layer_name,
    )(tensor)


def _category_index(column: TabularColumn, tensor: Any, layer_name: str) -> Any:
    vocabulary = list(column.vocabulary)
    if column.dtype == "int64":
        oov = _free(vocabulary, -1, lambda n: n - 1)
        lookup = keras.layers.IntegerLookup(
            vocabulary=vocabulary, num_oov_indices=1, mask_token=None, oov_token=oov,
            name=f"{layer_name}_lookup",
        )
    else:
        oov = _free(vocabulary, "[UNK]", lambda t: f"[{t}]")
        lookup = keras.layers.StringLookup(
            vocabulary=vocabulary, num_oov_indices=1, mask_token=None, oov_token=oov,
            name=f"{layer_name}_lookup",
        )
    index = keras.ops.cast(lookup(tensor), "float32")
    return _as_column(index, f"{layer_name}_index")


def _free(taken: list[Any], candidate: Any, next_candidate) -> Any:
    """`candidate`, or the first of its successors that is not in `taken`."""
    used = set(taken)
    while candidate in used:
        candidate = next_candidate(candidate)
    return candidate
