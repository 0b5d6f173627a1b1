"""TabularMLPBlock: a searched multilayer perceptron, down to no hidden layer at all."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._layers import normalization_layer
from easynas.blocks._tabular_features import when

__all__ = ["TabularMLPBlock"]

DEPTHS = (0, 1, 2, 3)


@keras.saving.register_keras_serializable(package="easynas")
class TabularMLPBlock(Block):
    """`num_layers` x (Dense, optional batch norm, ReLU, optional dropout), with
    optional residual connections.

    With `num_layers=0` the block is the identity, so the head's dense layer
    makes the network a linear model (logistic or linear regression): the
    baseline a small table must beat. Feed it a plain feature vector: after
    `CategoricalEncoding` for a `TabularInput` (as `TabularBlock` does).

    Args:
        num_layers: Number of hidden layers. Searched in {0, 1, 2, 3}, 2 first.
        units: Units of every hidden layer. Searched in {32, 64, 128, 256},
            64 first.
        dropout: Dropout after each hidden layer. Searched in {0, 0.1, 0.25,
            0.5}, 0 first.
        batch_norm: Batch normalisation after each dense layer. Searched,
            False first.
        residual: Add each hidden layer's input to its output (from the second
            layer on, where the widths match). Searched, False first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> table = en.TabularInput()
    >>> node = en.blocks.TabularMLPBlock(num_layers=[0, 1])(en.blocks.CategoricalEncoding()(table))
    """

    def __init__(
        self,
        num_layers: int | list[int] | None = None,
        units: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        batch_norm: bool | list[bool] | None = None,
        residual: bool | list[bool] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_layers", num_layers, _checks.non_negative_int,
                         "a non-negative int")
        check_searchable(owner, "units", units, _checks.positive_int, "a positive int")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        check_searchable(owner, "batch_norm", batch_norm, _checks.boolean, "a bool")
        check_searchable(owner, "residual", residual, _checks.boolean, "a bool")
        self.num_layers = num_layers
        self.units = units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.residual = residual

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        num_layers = int(self.searched(hp, "num_layers", DEPTHS, default=2))
        if len(x.shape) > 2:
            x = keras.layers.Flatten(name=self.layer_name("flatten"))(x)
        hidden = [d for d in DEPTHS if d > 0]
        with when(hp, "num_layers", hidden):
            if num_layers == 0:
                return x
            units = int(self.searched(hp, "units", [32, 64, 128, 256], default=64))
            dropout = float(self.searched(hp, "dropout", [0.0, 0.1, 0.25, 0.5], default=0.0))
            batch_norm = bool(self.searched(hp, "batch_norm", [False, True], default=False))
            residual = bool(self.searched(hp, "residual", [False, True], default=False))
        for layer in range(num_layers):
            where = f"layer{layer}"
            h = keras.layers.Dense(
                units, use_bias=not batch_norm, name=self.layer_name(where, "dense")
            )(x)
            if batch_norm:
                h = normalization_layer(name=self.layer_name(where, "bn"))(h)
            h = keras.layers.ReLU(name=self.layer_name(where, "relu"))(h)
            if dropout > 0:
                h = keras.layers.Dropout(dropout, name=self.layer_name(where, "dropout"))(h)
            if residual and layer > 0:
                h = keras.layers.Add(name=self.layer_name(where, "residual"))([x, h])
            x = h
        return x
