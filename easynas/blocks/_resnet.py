"""ResNetBlock: a residual network of our own, sized for the image it gets."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._layers import normalization_layer
from easynas.blocks._spatial import can_halve

__all__ = ["ResNetBlock"]

_BOTTLENECK_EXPANSION = 4


@keras.saving.register_keras_serializable(package="easynas")
class ResNetBlock(Block):
    """A ResNet: a 3x3 stem, then `num_stages` stages of residual units.

    Each stage doubles the width of the one before. The first unit of every
    stage after the first halves the feature map (a strided convolution), but
    only while the map is at least 2x2, so an 8x8 digit never shrinks below
    1x1 and is never upsampled. Units whose shape changes take a projection
    shortcut (a 1x1 convolution and batch norm); the others add their input.
    Every convolution is followed by batch normalisation. Nothing is
    downloaded: the weights start from scratch.

    Args:
        num_stages: Number of stages. Searched in {1, 2, 3, 4}, 3 first.
        blocks_per_stage: Residual units in each stage. Searched in {1, 2, 3},
            1 first.
        filters: Width of the stem and the first stage; each later stage
            doubles it. Searched in {16, 32, 64}, 16 first.
        bottleneck: Use bottleneck units (1x1 reduce, 3x3, 1x1 expand to 4x the
            width) instead of basic units (two 3x3 convolutions). Searched,
            False first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.ResNetBlock(num_stages=2)(en.ImageInput())
    """

    def __init__(
        self,
        num_stages: int | list[int] | None = None,
        blocks_per_stage: int | list[int] | None = None,
        filters: int | list[int] | None = None,
        bottleneck: bool | list[bool] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_stages", num_stages, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "blocks_per_stage", blocks_per_stage, _checks.positive_int, "a positive int"
        )
        check_searchable(owner, "filters", filters, _checks.positive_int, "a positive int")
        check_searchable(owner, "bottleneck", bottleneck, _checks.boolean, "a bool")
        self.num_stages = num_stages
        self.blocks_per_stage = blocks_per_stage
        self.filters = filters
        self.bottleneck = bottleneck

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        if len(x.shape) != 4:
            raise ValueError(
                f"{type(self).__name__} needs images of shape (batch, height, width, "
                f"channels). Received: a tensor of shape {tuple(x.shape)}"
            )
        num_stages = int(self.searched(hp, "num_stages", [1, 2, 3, 4], default=3))
        blocks_per_stage = int(self.searched(hp, "blocks_per_stage", [1, 2, 3], default=1))
        filters = int(self.searched(hp, "filters", [16, 32, 64], default=16))
        bottleneck = bool(self.searched(hp, "bottleneck", [False, True], default=False))

        x = self._conv_bn(x, filters, 3, 1, ("stem",))
        x = keras.layers.ReLU(name=self.layer_name("stem", "relu"))(x)
        for stage in range(num_stages):
            width = filters * 2**stage
            for unit in range(blocks_per_stage):
                stride = 2 if stage > 0 and unit == 0 and can_halve(x) else 1
                where = (f"stage{stage}", f"unit{unit}")
                if bottleneck:
                    x = self._bottleneck_unit(x, width, stride, where)
                else:
                    x = self._basic_unit(x, width, stride, where)
        return x

    # --- units (layer names follow keras.applications: 0 = shortcut, 1.. = main path)
    def _basic_unit(self, x: Any, width: int, stride: int, where: tuple[str, ...]) -> Any:
        shortcut = self._shortcut(x, width, stride, where)
        y = self._conv_bn(x, width, 3, stride, (*where, "1"))
        y = keras.layers.ReLU(name=self.layer_name(*where, "1_relu"))(y)
        y = self._conv_bn(y, width, 3, 1, (*where, "2"))
        return self._merge(shortcut, y, where)

    def _bottleneck_unit(self, x: Any, width: int, stride: int, where: tuple[str, ...]) -> Any:
        out_width = width * _BOTTLENECK_EXPANSION
        shortcut = self._shortcut(x, out_width, stride, where)
        y = self._conv_bn(x, width, 1, 1, (*where, "1"))
        y = keras.layers.ReLU(name=self.layer_name(*where, "1_relu"))(y)
        y = self._conv_bn(y, width, 3, stride, (*where, "2"))
        y = keras.layers.ReLU(name=self.layer_name(*where, "2_relu"))(y)
        y = self._conv_bn(y, out_width, 1, 1, (*where, "3"))
        return self._merge(shortcut, y, where)

    def _shortcut(self, x: Any, width: int, stride: int, where: tuple[str, ...]) -> Any:
        """The input itself, or a 1x1 projection when the unit changes the shape."""
        if stride == 1 and int(x.shape[-1]) == width:
            return x
        return self._conv_bn(x, width, 1, stride, (*where, "0"))

    def _merge(self, shortcut: Any, y: Any, where: tuple[str, ...]) -> Any:
        y = keras.layers.Add(name=self.layer_name(*where, "add"))([shortcut, y])
        return keras.layers.ReLU(name=self.layer_name(*where, "out"))(y)

    def _conv_bn(
        self, x: Any, width: int, kernel_size: int, stride: int, where: tuple[str, ...]
    ) -> Any:
        x = keras.layers.Conv2D(
            width,
            kernel_size,
            strides=stride,
            padding="same",
            use_bias=False,
            name=self.layer_name(*where[:-1], f"{where[-1]}_conv"),
        )(x)
        return normalization_layer(
            name=self.layer_name(*where[:-1], f"{where[-1]}_bn")
        )(x)
