"""TextConvBlock: token embeddings, 1-D convolutions, global max pooling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._text_layers import sequence_lengths, text_spec, token_ids

__all__ = ["TextConvBlock"]

# Longest default sequence: convolutions are linear in the length.
MAX_SEQUENCE_LENGTH = 512


@keras.saving.register_keras_serializable(package="easynas")
class TextConvBlock(Block):
    """A text CNN: token ids, an embedding, `num_layers` x Conv1D (ReLU), global
    max pooling over the sequence, dropout.

    Documents become the ids of their first `sequence_length` tokens (padded
    with 0; longer documents are truncated) under the input's vocabulary.

    Args:
        sequence_length: Tokens kept per document. Searched among two lengths
            from the training corpus: its 90th-percentile document length
            rounded up to a multiple of 16 (at most 512), tried first, and a
            shorter one covering the median document.
        embedding_dim: Width of the token embedding. Searched in
            {32, 64, 128}, 64 first.
        num_layers: Number of convolutions. Searched in {1, 2}, 1 first.
        filters: Filters of each convolution. Searched in {64, 128, 256},
            128 first.
        kernel_size: Tokens each filter sees. Searched in {3, 5, 7}, 5 first.
        dropout: Dropout rate on the pooled vector. Searched in
            {0, 0.25, 0.5}, 0.25 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TextConvBlock(kernel_size=[3, 5])(en.TextInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        sequence_length: int | list[int] | None = None,
        embedding_dim: int | list[int] | None = None,
        num_layers: int | list[int] | None = None,
        filters: int | list[int] | None = None,
        kernel_size: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        for argument, value in [
            ("sequence_length", sequence_length), ("embedding_dim", embedding_dim),
            ("num_layers", num_layers), ("filters", filters), ("kernel_size", kernel_size),
        ]:
            check_searchable(owner, argument, value, _checks.positive_int, "a positive int")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.num_layers = num_layers
        self.filters = filters
        self.kernel_size = kernel_size
        self.dropout = dropout

    def build(self, hp, inputs: list[Any], input_specs: Sequence[Any] | None = None) -> Any:
        spec = text_spec(self, inputs, input_specs)
        (x,) = inputs
        lengths = sequence_lengths(spec, MAX_SEQUENCE_LENGTH)
        sequence_length = int(self.searched(hp, "sequence_length", lengths, default=lengths[0]))
        embedding_dim = int(self.searched(hp, "embedding_dim", [32, 64, 128], default=64))
        num_layers = int(self.searched(hp, "num_layers", [1, 2], default=1))
        filters = int(self.searched(hp, "filters", [64, 128, 256], default=128))
        kernel_size = int(self.searched(hp, "kernel_size", [3, 5, 7], default=5))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.25, 0.5], default=0.25))

        ids, num_ids = token_ids(spec, x, sequence_length, self.layer_name("vectorizer"))
        x = keras.layers.Embedding(num_ids, embedding_dim, name=self.layer_name("embedding"))(ids)
        for layer in range(num_layers):
            x = keras.layers.Conv1D(
                filters, kernel_size, padding="same", activation="relu",
                name=self.layer_name(f"layer{layer}", "conv"),
            )(x)
        x = keras.layers.GlobalMaxPooling1D(name=self.layer_name("pool"))(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=self.layer_name("dropout"))(x)
        return x
