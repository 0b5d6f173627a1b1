"""TabularTransformerBlock: every feature a token, then self-attention across them."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._tabular_features import split_features, tabular_spec

__all__ = ["TabularTransformerBlock"]


@keras.saving.register_keras_serializable(package="easynas")
class TabularTransformerBlock(Block):
    """A transformer over feature tokens, in the spirit of the FT-Transformer
    (Gorishniy et al., 2021, "Revisiting Deep Learning Models for Tabular Data").

    Each scalar feature `x_f` becomes the token `x_f * w_f + b_f` (one
    `EinsumDense`), each categorical column an embedding of its category and
    each text column a dense projection of its TF-IDF bag. A learnt summary
    token (a constant feature 1 tokenised the same way) goes first. Pre-norm
    transformer layers (multi-head self-attention, then a two-layer ReLU
    feed-forward of twice the token size, each with a residual) mix the
    tokens; the block returns the summary token, layer-normalised and ReLU'd.

    It must read a `TabularInput` directly.

    Args:
        num_layers: Transformer layers. Searched in {1, 2, 3}, 2 first.
        token_dim: Size of each token. Searched in {16, 32, 64}, 32 first.
        num_heads: Attention heads (each of size `token_dim // num_heads`).
            Searched in {2, 4}, 4 first.
        dropout: Dropout on attention weights and after each residual branch.
            Searched in {0, 0.1, 0.2}, 0.1 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TabularTransformerBlock(num_layers=1)(en.TabularInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        num_layers: int | list[int] | None = None,
        token_dim: int | list[int] | None = None,
        num_heads: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_layers", num_layers, _checks.positive_int, "a positive int")
        check_searchable(owner, "token_dim", token_dim, _checks.positive_int, "a positive int")
        check_searchable(owner, "num_heads", num_heads, _checks.positive_int, "a positive int")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.num_layers = num_layers
        self.token_dim = token_dim
        self.num_heads = num_heads
        self.dropout = dropout

    def build(self, hp, inputs: list[Any], input_specs: list[Any] | None = None) -> Any:
        spec = tabular_spec(type(self).__name__, inputs, input_specs)
        num_layers = int(self.searched(hp, "num_layers", [1, 2, 3], default=2))
        token_dim = int(self.searched(hp, "token_dim", [16, 32, 64], default=32))
        num_heads = int(self.searched(hp, "num_heads", [2, 4], default=4))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.1, 0.2], default=0.1))
        x = inputs[0]
        tokens = self._tokens(split_features(x, spec), x, token_dim)
        for layer in range(num_layers):
            tokens = self._layer(tokens, layer, token_dim, num_heads, dropout)
        summary = tokens[:, 0, :]
        summary = keras.layers.LayerNormalization(name=self.layer_name("norm"))(summary)
        return keras.layers.ReLU(name=self.layer_name("relu"))(summary)

    def _tokens(self, features, x: Any, dim: int) -> Any:
        """`(n, tokens, dim)`: the summary token, scalar, text and category tokens."""
        one = keras.ops.ones_like(x[:, :1])
        scalars = one if features.scalars is None else keras.layers.Concatenate(
            name=self.layer_name("scalars"))([one, features.scalars])
        count = int(scalars.shape[-1])
        tokens = [keras.layers.EinsumDense(
            "bf,fd->bfd", output_shape=(count, dim), bias_axes="fd",
            name=self.layer_name("scalar_tokens"),
        )(scalars)]
        for i, bag in enumerate(features.texts):
            token = keras.layers.Dense(dim, name=self.layer_name(f"text{i}", "token"))(bag)
            tokens.append(keras.layers.Reshape((1, dim), name=self.layer_name(f"text{i}",
                                                                             "reshape"))(token))
        for i, (_, index, cardinality) in enumerate(features.categories):
            token = keras.layers.Embedding(
                cardinality, dim, name=self.layer_name(f"category{i}", "token"))(index)
            tokens.append(keras.layers.Reshape(
                (1, dim), name=self.layer_name(f"category{i}", "reshape"))(token))
        if len(tokens) == 1:
            return tokens[0]
        return keras.layers.Concatenate(axis=1, name=self.layer_name("tokens"))(tokens)

    def _layer(self, tokens: Any, layer: int, dim: int, heads: int, dropout: float) -> Any:
        where = f"layer{layer}"
        h = keras.layers.LayerNormalization(name=self.layer_name(where, "attention_norm"))(tokens)
        h = keras.layers.MultiHeadAttention(
            num_heads=heads, key_dim=max(dim // heads, 1), dropout=dropout,
            name=self.layer_name(where, "attention"),
        )(h, h)
        tokens = keras.layers.Add(name=self.layer_name(where, "attention_residual"))(
            [tokens, self._dropout(h, dropout, where, "attention_dropout")])
        h = keras.layers.LayerNormalization(name=self.layer_name(where, "ffn_norm"))(tokens)
        h = keras.layers.Dense(2 * dim, activation="relu", name=self.layer_name(where, "ffn1"))(h)
        h = keras.layers.Dense(dim, name=self.layer_name(where, "ffn2"))(h)
        return keras.layers.Add(name=self.layer_name(where, "ffn_residual"))(
            [tokens, self._dropout(h, dropout, where, "ffn_dropout")])

    def _dropout(self, x: Any, rate: float, *parts: str) -> Any:
        if rate <= 0:
            return x
        return keras.layers.Dropout(rate, name=self.layer_name(*parts))(x)
