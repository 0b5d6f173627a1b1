"""DenseBlock: a stack of fully connected layers."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._layers import normalization_layer

__all__ = ["DenseBlock"]


@keras.saving.register_keras_serializable(package="easynas")
class DenseBlock(Block):
    """`num_layers` x (Dense, optional batch norm, ReLU, optional dropout).

    An input of rank above 2 (a feature map, a sequence) is flattened first.

    Args:
        num_layers: Number of dense layers. Searched in {1, 2, 3}, 2 first.
        units: Units of every layer. Searched in {32, 64, 128, 256, 512},
            64 first.
        batch_norm: Batch normalisation after each dense layer. Searched,
            False first.
        dropout: Dropout rate after each layer. Searched in {0, 0.25, 0.5},
            0 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.DenseBlock(units=[64, 128])(en.ImageInput())
    """

    def __init__(
        self,
        num_layers: int | list[int] | None = None,
        units: int | list[int] | None = None,
        batch_norm: bool | list[bool] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_layers", num_layers, _checks.positive_int, "a positive int")
        check_searchable(owner, "units", units, _checks.positive_int, "a positive int")
        check_searchable(owner, "batch_norm", batch_norm, _checks.boolean, "a bool")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.num_layers = num_layers
        self.units = units
        self.batch_norm = batch_norm
        self.dropout = dropout

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        num_layers = int(self.searched(hp, "num_layers", [1, 2, 3], default=2))
        units = int(self.searched(hp, "units", [32, 64, 128, 256, 512], default=64))
        batch_norm = bool(self.searched(hp, "batch_norm", [False, True], default=False))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.25, 0.5], default=0.0))
        if len(x.shape) > 2:
            x = keras.layers.Flatten(name=self.layer_name("flatten"))(x)
        for layer in range(num_layers):
            where = f"layer{layer}"
            x = keras.layers.Dense(
                units, use_bias=not batch_norm, name=self.layer_name(where, "dense")
            )(x)
            if batch_norm:
                x = normalization_layer(name=self.layer_name(where, "bn"))(x)
            x = keras.layers.ReLU(name=self.layer_name(where, "relu"))(x)
            if dropout > 0:
                x = keras.layers.Dropout(dropout, name=self.layer_name(where, "dropout"))(x)
        return x
