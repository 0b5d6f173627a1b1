"""TextRNNBlock: token embeddings and bidirectional recurrent layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._text_layers import sequence_lengths, text_spec, token_ids

__all__ = ["TextRNNBlock"]

RNN_TYPES = ("gru", "lstm")
# Longest default sequence: recurrent layers step through it one token at a time.
MAX_SEQUENCE_LENGTH = 256


@keras.saving.register_keras_serializable(package="easynas")
class TextRNNBlock(Block):
    """Token ids, an embedding, `num_layers` bidirectional GRU or LSTM layers
    (the last one returns its final states, concatenated), dropout.

    Documents become the ids of their first `sequence_length` tokens (padded
    with 0; longer documents are truncated) under the input's vocabulary.

    Args:
        sequence_length: Tokens kept per document. Searched among two lengths
            from the training corpus: its 90th-percentile document length
            rounded up to a multiple of 16 (at most 256), tried first, and a
            shorter one covering the median document.
        embedding_dim: Width of the token embedding. Searched in
            {32, 64, 128}, 64 first.
        rnn_type: "gru" or "lstm". Searched in that set, "gru" first.
        num_layers: Number of bidirectional layers. Searched in {1, 2}, 1 first.
        units: Units of each direction of each layer. Searched in
            {32, 64, 128}, 64 first; the output has twice as many features.
        dropout: Dropout rate on the output. Searched in {0, 0.25, 0.5},
            0.25 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TextRNNBlock(rnn_type="lstm")(en.TextInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        sequence_length: int | list[int] | None = None,
        embedding_dim: int | list[int] | None = None,
        rnn_type: str | list[str] | None = None,
        num_layers: int | list[int] | None = None,
        units: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        for argument, value in [
            ("sequence_length", sequence_length), ("embedding_dim", embedding_dim),
            ("num_layers", num_layers), ("units", units),
        ]:
            check_searchable(owner, argument, value, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "rnn_type", rnn_type, _checks.one_of(*RNN_TYPES), f"one of {list(RNN_TYPES)}"
        )
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.rnn_type = rnn_type
        self.num_layers = num_layers
        self.units = units
        self.dropout = dropout

    def build(self, hp, inputs: list[Any], input_specs: Sequence[Any] | None = None) -> Any:
        spec = text_spec(self, inputs, input_specs)
        (x,) = inputs
        lengths = sequence_lengths(spec, MAX_SEQUENCE_LENGTH)
        sequence_length = int(self.searched(hp, "sequence_length", lengths, default=lengths[0]))
        embedding_dim = int(self.searched(hp, "embedding_dim", [32, 64, 128], default=64))
        rnn_type = str(self.searched(hp, "rnn_type", RNN_TYPES, default="gru"))
        num_layers = int(self.searched(hp, "num_layers", [1, 2], default=1))
        units = int(self.searched(hp, "units", [32, 64, 128], default=64))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.25, 0.5], default=0.25))

        ids, num_ids = token_ids(spec, x, sequence_length, self.layer_name("vectorizer"))
        x = keras.layers.Embedding(num_ids, embedding_dim, name=self.layer_name("embedding"))(ids)
        recurrent = keras.layers.GRU if rnn_type == "gru" else keras.layers.LSTM
        for layer in range(num_layers):
            where = f"layer{layer}"
            cell = recurrent(
                units, return_sequences=layer < num_layers - 1,
                name=self.layer_name(where, rnn_type),
            )
            x = keras.layers.Bidirectional(cell, name=self.layer_name(where, "bidirectional"))(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=self.layer_name("dropout"))(x)
        return x
