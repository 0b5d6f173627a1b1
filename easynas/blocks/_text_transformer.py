"""TransformerBlock: token and position embeddings, then self-attention encoders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._text_layers import embed_positions, sequence_lengths, text_spec, token_ids

__all__ = ["TransformerBlock"]

# Longest default sequence: attention is quadratic in the length.
MAX_SEQUENCE_LENGTH = 256


@keras.saving.register_keras_serializable(package="easynas")
class TransformerBlock(Block):
    """A small transformer encoder: token plus learned position embeddings,
    `num_layers` x (multi-head self-attention and a feed-forward network, each
    with a residual connection and layer normalisation after it), global
    average pooling over the sequence, dropout.

    Documents become the ids of their first `sequence_length` tokens (padded
    with 0; longer documents are truncated) under the input's vocabulary.
    Padding is attended to and pooled like any token (no mask): an empty
    document then still gets a finite vector.

    Args:
        sequence_length: Tokens kept per document. Searched among two lengths
            from the training corpus: its 90th-percentile document length
            rounded up to a multiple of 16 (at most 256), tried first, and a
            shorter one covering the median document.
        embedding_dim: Width of the embeddings and of every encoder layer.
            Searched in {32, 64, 128}, 64 first.
        num_heads: Attention heads; each has `embedding_dim // num_heads`
            dimensions. Searched in {2, 4}, 2 first.
        ff_dim: Hidden units of the feed-forward networks. Searched in
            {64, 128, 256}, 128 first.
        num_layers: Number of encoder layers. Searched in {1, 2}, 1 first.
        dropout: Dropout rate on the embeddings, in attention, after each
            sub-layer and on the pooled vector. Searched in {0, 0.1, 0.25},
            0.1 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TransformerBlock(num_heads=4)(en.TextInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        sequence_length: int | list[int] | None = None,
        embedding_dim: int | list[int] | None = None,
        num_heads: int | list[int] | None = None,
        ff_dim: int | list[int] | None = None,
        num_layers: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        for argument, value in [
            ("sequence_length", sequence_length), ("embedding_dim", embedding_dim),
            ("num_heads", num_heads), ("ff_dim", ff_dim), ("num_layers", num_layers),
        ]:
            check_searchable(owner, argument, value, _checks.positive_int, "a positive int")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.num_heads = num_heads
        self.ff_dim = ff_dim
        self.num_layers = num_layers
        self.dropout = dropout

    def build(self, hp, inputs: list[Any], input_specs: Sequence[Any] | None = None) -> Any:
        spec = text_spec(self, inputs, input_specs)
        (x,) = inputs
        lengths = sequence_lengths(spec, MAX_SEQUENCE_LENGTH)
        sequence_length = int(self.searched(hp, "sequence_length", lengths, default=lengths[0]))
        width = int(self.searched(hp, "embedding_dim", [32, 64, 128], default=64))
        num_heads = int(self.searched(hp, "num_heads", [2, 4], default=2))
        ff_dim = int(self.searched(hp, "ff_dim", [64, 128, 256], default=128))
        num_layers = int(self.searched(hp, "num_layers", [1, 2], default=1))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.1, 0.25], default=0.1))

        ids, num_ids = token_ids(spec, x, sequence_length, self.layer_name("vectorizer"))
        tokens = keras.layers.Embedding(num_ids, width, name=self.layer_name("embedding"))(ids)
        positions = embed_positions(ids, width, self.layer_name("position"))
        x = keras.layers.Add(name=self.layer_name("embed_sum"))([tokens, positions])
        x = self._dropout(x, dropout, "embed_dropout")
        for layer in range(num_layers):
            x = self._encoder(x, f"layer{layer}", width, num_heads, ff_dim, dropout)
        x = keras.layers.GlobalAveragePooling1D(name=self.layer_name("pool"))(x)
        return self._dropout(x, dropout, "dropout")

    def _encoder(
        self, x: Any, where: str, width: int, num_heads: int, ff_dim: int, dropout: float
    ) -> Any:
        """One post-norm encoder layer: attention, then feed-forward, each residual."""
        attended = keras.layers.MultiHeadAttention(
            num_heads, key_dim=max(1, width // num_heads), dropout=dropout,
            name=self.layer_name(where, "attention"),
        )(x, x)
        attended = self._dropout(attended, dropout, f"{where}_attention_dropout")
        x = keras.layers.Add(name=self.layer_name(where, "attention_add"))([x, attended])
        x = keras.layers.LayerNormalization(name=self.layer_name(where, "attention_norm"))(x)
        hidden = keras.layers.Dense(
            ff_dim, activation="relu", name=self.layer_name(where, "ff_hidden")
        )(x)
        hidden = keras.layers.Dense(width, name=self.layer_name(where, "ff_output"))(hidden)
        hidden = self._dropout(hidden, dropout, f"{where}_ff_dropout")
        x = keras.layers.Add(name=self.layer_name(where, "ff_add"))([x, hidden])
        return keras.layers.LayerNormalization(name=self.layer_name(where, "ff_norm"))(x)

    def _dropout(self, x: Any, rate: float, where: str) -> Any:
        if rate <= 0:
            return x
        return keras.layers.Dropout(rate, name=self.layer_name(where))(x)
