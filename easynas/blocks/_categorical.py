"""CategoricalEncoding: a table's category indices as one-hot vectors or embeddings."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._tabular_features import split_features, tabular_spec, when

__all__ = ["CategoricalEncoding"]

ENCODINGS = ("one_hot", "embedding")


@keras.saving.register_keras_serializable(package="easynas")
class CategoricalEncoding(Block):
    """Turns the preprocessed row of a `TabularInput` into a plain feature vector:
    the scalars and text bags as they are, each categorical column one-hot
    encoded or embedded.

    It must read a `TabularInput` directly. A table without categorical
    columns passes through and registers no hyperparameter.

    Args:
        encoding: "one_hot" (one 0/1 slot per category plus the
            out-of-vocabulary bucket: with no hidden layer after it, the model
            is a linear model on dummy variables) or "embedding" (a learnt
            vector per category). Searched, "one_hot" first.
        embedding_dim: Size of each embedding (encoding "embedding" only).
            Searched in {4, 8, 16}, 8 first.
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
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "encoding", encoding, _checks.one_of(*ENCODINGS),
                         f"one of {list(ENCODINGS)}")
        check_searchable(owner, "embedding_dim", embedding_dim, _checks.positive_int,
                         "a positive int")
        self.encoding = encoding
        self.embedding_dim = embedding_dim

    def build(self, hp, inputs: list[Any], input_specs: list[Any] | None = None) -> Any:
        spec = tabular_spec(type(self).__name__, inputs, input_specs)
        features = split_features(inputs[0], spec)
        parts = [p for p in [features.scalars, *features.texts] if p is not None]
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
