"""CategoricalEncoding: a table's category indices as one-hot vectors or embeddings, and its
numeric columns optionally piecewise-linear encoded."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._tabular_features import split_features, tabular_spec, when

__all__ = ["CategoricalEncoding"]

ENCODINGS = ("one_hot", "embedding")
NUMERIC_ENCODINGS = ("standardized", "piecewise_linear")


@keras.saving.register_keras_serializable(package="easynas")
class CategoricalEncoding(Block):
    """Turns the preprocessed row of a `TabularInput` into a plain feature vector:
    the scalars and text bags as they are, optionally a piecewise-linear
    encoding of each numeric column, and each categorical column one-hot
    encoded or embedded.

    It must read a `TabularInput` directly. A table without categorical
    columns registers no `encoding` hyperparameter, one without numeric bin
    edges (see `TabularColumn.edges`) no `numeric` hyperparameter; a table
    with neither passes through.

    Args:
        encoding: "one_hot" (one 0/1 slot per category plus the
            out-of-vocabulary bucket: with no hidden layer after it, the model
            is a linear model on dummy variables) or "embedding" (a learnt
            vector per category). Searched, "one_hot" first.
        embedding_dim: Size of each embedding (encoding "embedding" only).
            Searched in {4, 8, 16}, 8 first.
        numeric: "standardized" (numeric columns as the standardised values
            alone) or "piecewise_linear": each numeric column with quantile
            bin edges `b_0 < ... < b_T` also gives T features
            `clip((x - b_{t-1}) / (b_t - b_{t-1}), 0, 1)` of its standardised
            value x (Gorishniy et al. 2022), so that even a linear model
            after it is piecewise linear in each column. Made of a fixed
            (non-trainable) `Dense` and a `ReLU(max_value=1)`; the
            standardised values and missing indicators stay in the vector.
            Searched, "standardized" first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.CategoricalEncoding(encoding="embedding")(en.TabularInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        encoding: str | list[str] | None = None,
        embedding_dim: int | list[int] | None = None,
        numeric: str | list[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "encoding", encoding, _checks.one_of(*ENCODINGS),
                         f"one of {list(ENCODINGS)}")
        check_searchable(owner, "embedding_dim", embedding_dim, _checks.positive_int,
                         "a positive int")
        check_searchable(owner, "numeric", numeric, _checks.one_of(*NUMERIC_ENCODINGS),
                         f"one of {list(NUMERIC_ENCODINGS)}")
        self.encoding = encoding
        self.embedding_dim = embedding_dim
        self.numeric = numeric

    def build(self, hp, inputs: list[Any], input_specs: list[Any] | None = None) -> Any:
        spec = tabular_spec(type(self).__name__, inputs, input_specs)
        features = split_features(inputs[0], spec)
        parts = [p for p in [features.scalars, *features.texts] if p is not None]
        if spec.numeric_edges:
            numeric = self.searched(hp, "numeric", NUMERIC_ENCODINGS, default="standardized")
            if numeric == "piecewise_linear":
                parts.insert(1, self._piecewise_linear(features.scalars, spec.numeric_edges))
        if features.categories:
            encoding = self.searched(hp, "encoding", ENCODINGS, default="one_hot")
            embedding_dim = None
            with when(hp, "encoding", ["embedding"]):
                if encoding == "embedding":
                    embedding_dim = int(self.searched(hp, "embedding_dim", [4, 8, 16], default=8))
            for i, (_, index, cardinality) in enumerate(features.categories):
                if embedding_dim is None:
                    layer = keras.layers.CategoryEncoding(
                        num_tokens=cardinality, output_mode="one_hot",
                        name=self.layer_name(f"category{i}", "one_hot"),
                    )
                else:
                    layer = keras.layers.Embedding(
                        cardinality, embedding_dim,
                        name=self.layer_name(f"category{i}", "embedding"),
                    )
                parts.append(layer(index))
        if len(parts) == 1:
            return parts[0]
        return keras.layers.Concatenate(axis=-1, name=self.layer_name("concat"))(parts)

    def _piecewise_linear(self, scalars: Any,
                          edges: tuple[tuple[int, tuple[float, ...]], ...]) -> Any:
        """Per numeric column: a fixed `Dense` maps the standardised value to
        `(x - b_{t-1}) / (b_t - b_{t-1})` for each bin t, then all are clipped to [0, 1]."""
        encoded = []
        for position, column_edges in edges:
            lower, upper = column_edges[:-1], column_edges[1:]
            scale = [1.0 / (hi - lo) for lo, hi in zip(lower, upper)]
            dense = keras.layers.Dense(
                len(scale), trainable=False,
                kernel_initializer=keras.initializers.Constant([scale]),
                bias_initializer=keras.initializers.Constant(
                    [-lo * s for lo, s in zip(lower, scale)]),
                name=self.layer_name(f"numeric{position}", "bins"),
            )
            encoded.append(dense(scalars[:, position : position + 1]))
        if len(encoded) > 1:
            encoded = [keras.layers.Concatenate(axis=-1, name=self.layer_name("bins"))(encoded)]
        return keras.layers.ReLU(max_value=1.0, name=self.layer_name("piecewise_linear"))(
            encoded[0])
