"""ConvBlock: stacks of 2-D convolutions with optional pooling."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._layers import normalization_layer
from easynas.blocks._spatial import can_halve

__all__ = ["ConvBlock"]


@keras.saving.register_keras_serializable(package="easynas")
class ConvBlock(Block):
    """A VGG-style stack: `num_blocks` x (`num_layers` convolutions, then pooling).

    The number of pooled stages adapts to the image: a stage pools only while
    the feature map is at least 2x2, so an 8x8 digit is never pooled to nothing
    and never blown up to a larger size.

    Args:
        num_blocks: Number of conv-then-pool stages. Searched in {1, 2, 3}.
        num_layers: Convolutions per stage. Searched in {1, 2}.
        filters: Filters of the first stage; each later stage doubles them.
            Searched in {16, 32, 64}.
        kernel_size: Square kernel size, odd. Searched in {3, 5}.
        separable: Use depthwise-separable convolutions. Searched.
        batch_norm: Batch normalisation after each convolution. Searched.
        dropout: Dropout rate after each stage. Searched in {0, 0.25}.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.ConvBlock(filters=32)(en.ImageInput())
    """

    def __init__(
        self,
        num_blocks: int | list[int] | None = None,
        num_layers: int | list[int] | None = None,
        filters: int | list[int] | None = None,
        kernel_size: int | list[int] | None = None,
        separable: bool | list[bool] | None = None,
        batch_norm: bool | list[bool] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_blocks", num_blocks, _checks.positive_int, "a positive int")
        check_searchable(owner, "num_layers", num_layers, _checks.positive_int, "a positive int")
        check_searchable(owner, "filters", filters, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "kernel_size", kernel_size, _checks.odd_positive_int, "an odd positive int"
        )
        check_searchable(owner, "separable", separable, _checks.boolean, "a bool")
        check_searchable(owner, "batch_norm", batch_norm, _checks.boolean, "a bool")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.num_blocks = num_blocks
        self.num_layers = num_layers
        self.filters = filters
        self.kernel_size = kernel_size
        self.separable = separable
        self.batch_norm = batch_norm
        self.dropout = dropout

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        num_blocks = int(self.searched(hp, "num_blocks", [1, 2, 3], default=2))
        num_layers = int(self.searched(hp, "num_layers", [1, 2], default=2))
        filters = int(self.searched(hp, "filters", [16, 32, 64], default=32))
        kernel_size = int(self.searched(hp, "kernel_size", [3, 5], default=3))
        separable = bool(self.searched(hp, "separable", [False, True], default=False))
        batch_norm = bool(self.searched(hp, "batch_norm", [True, False], default=True))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.25], default=0.0))
        conv = keras.layers.SeparableConv2D if separable else keras.layers.Conv2D
        for stage in range(num_blocks):
            width = filters * 2**stage
            for layer in range(num_layers):
                x = conv(
                    width,
                    kernel_size,
                    padding="same",
                    use_bias=not batch_norm,
                    name=self.layer_name(f"stage{stage}", f"conv{layer}"),
                )(x)
                if batch_norm:
                    x = normalization_layer(
                        name=self.layer_name(f"stage{stage}", f"bn{layer}")
                    )(x)
                x = keras.layers.ReLU(name=self.layer_name(f"stage{stage}", f"relu{layer}"))(x)
            if can_halve(x):
                x = keras.layers.MaxPooling2D(name=self.layer_name(f"stage{stage}", "pool"))(x)
            if dropout > 0:
                x = keras.layers.Dropout(
                    dropout, name=self.layer_name(f"stage{stage}", "dropout")
                )(x)
        return x
