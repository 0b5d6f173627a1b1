"""MBConvBlock: an EfficientNet / MobileNetV2-style stack of inverted residuals."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._layers import normalization_layer
from easynas.blocks._spatial import can_halve

__all__ = ["MBConvBlock"]

_SE_RATIO = 4  # squeeze-and-excitation keeps 1/4 of the unit's input channels


@keras.saving.register_keras_serializable(package="easynas")
class MBConvBlock(Block):
    """Inverted residual (MBConv) units: a 3x3 stem, then `num_stages` stages.

    Each unit expands its input with a 1x1 convolution, filters it with a
    depthwise convolution, optionally reweights the channels with
    squeeze-and-excitation, and projects back with a linear 1x1 convolution.
    A unit whose output has its input's shape adds its input (the residual).
    Each stage doubles the width of the one before; the first unit of every
    stage after the first halves the feature map, but only while the map is at
    least 2x2, so an 8x8 digit never shrinks below 1x1 and is never upsampled.
    Only stock Keras layers are used (squeeze-and-excitation is
    `GlobalAveragePooling2D(keepdims=True)`, two 1x1 `Conv2D` and `Multiply`).

    Args:
        num_stages: Number of stages. Searched in {1, 2, 3, 4}, 3 first.
        blocks_per_stage: MBConv units in each stage. Searched in {1, 2, 3},
            1 first.
        filters: Width of the stem and the first stage; each later stage
            doubles it. Searched in {16, 32, 64}, 16 first.
        expansion: How many times wider than its input a unit's depthwise
            convolution is. Searched in {1, 4, 6}, 4 first.
        kernel_size: Depthwise kernel size, odd. Searched in {3, 5}, 3 first.
        use_se: Squeeze-and-excitation in each unit. Searched, True first.
        dropout: Drop-connect rate on residual branches: a `Dropout` whose mask
            drops a sample's whole branch (stochastic depth, as in
            EfficientNet). Searched in {0, 0.2}, 0 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.MBConvBlock(kernel_size=3)(en.ImageInput())
    """

    def __init__(
        self,
        num_stages: int | list[int] | None = None,
        blocks_per_stage: int | list[int] | None = None,
        filters: int | list[int] | None = None,
        expansion: int | list[int] | None = None,
        kernel_size: int | list[int] | None = None,
        use_se: bool | list[bool] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "num_stages", num_stages, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "blocks_per_stage", blocks_per_stage, _checks.positive_int, "a positive int"
        )
        check_searchable(owner, "filters", filters, _checks.positive_int, "a positive int")
        check_searchable(owner, "expansion", expansion, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "kernel_size", kernel_size, _checks.odd_positive_int, "an odd positive int"
        )
        check_searchable(owner, "use_se", use_se, _checks.boolean, "a bool")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.num_stages = num_stages
        self.blocks_per_stage = blocks_per_stage
        self.filters = filters
        self.expansion = expansion
        self.kernel_size = kernel_size
        self.use_se = use_se
        self.dropout = dropout

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
        expansion = int(self.searched(hp, "expansion", [1, 4, 6], default=4))
        kernel_size = int(self.searched(hp, "kernel_size", [3, 5], default=3))
        use_se = bool(self.searched(hp, "use_se", [True, False], default=True))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.2], default=0.0))

        x = keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=False, name=self.layer_name("stem", "conv")
        )(x)
        x = normalization_layer(name=self.layer_name("stem", "bn"))(x)
        x = keras.layers.Activation("swish", name=self.layer_name("stem", "swish"))(x)
        for stage in range(num_stages):
            for unit in range(blocks_per_stage):
                stride = 2 if stage > 0 and unit == 0 and can_halve(x) else 1
                x = self._unit(
                    x,
                    width=filters * 2**stage,
                    stride=stride,
                    expansion=expansion,
                    kernel_size=kernel_size,
                    use_se=use_se,
                    dropout=dropout,
                    where=(f"stage{stage}", f"unit{unit}"),
                )
        return x

    def _unit(
        self,
        x: Any,
        *,
        width: int,
        stride: int,
        expansion: int,
        kernel_size: int,
        use_se: bool,
        dropout: float,
        where: tuple[str, str],
    ) -> Any:
        """One MBConv unit; `where` prefixes its layer names."""
        inputs = x
        in_width = int(x.shape[-1])
        hidden = in_width * expansion
        if expansion != 1:
            x = keras.layers.Conv2D(
                hidden, 1, use_bias=False, name=self.layer_name(*where, "expand_conv")
            )(x)
            x = normalization_layer(name=self.layer_name(*where, "expand_bn"))(x)
            x = keras.layers.Activation("swish", name=self.layer_name(*where, "expand_swish"))(x)
        x = keras.layers.DepthwiseConv2D(
            kernel_size,
            strides=stride,
            padding="same",
            use_bias=False,
            name=self.layer_name(*where, "dw_conv"),
        )(x)
        x = normalization_layer(name=self.layer_name(*where, "dw_bn"))(x)
        x = keras.layers.Activation("swish", name=self.layer_name(*where, "dw_swish"))(x)
        if use_se:
            x = self._squeeze_excite(x, hidden, max(1, in_width // _SE_RATIO), where)
        x = keras.layers.Conv2D(
            width, 1, use_bias=False, name=self.layer_name(*where, "project_conv")
        )(x)
        x = normalization_layer(name=self.layer_name(*where, "project_bn"))(x)
        if stride == 1 and in_width == width:
            if dropout > 0:
                x = keras.layers.Dropout(
                    dropout, noise_shape=(None, 1, 1, 1), name=self.layer_name(*where, "drop")
                )(x)
            x = keras.layers.Add(name=self.layer_name(*where, "add"))([inputs, x])
        return x

    def _squeeze_excite(self, x: Any, channels: int, squeezed: int, where: tuple[str, str]) -> Any:
        s = keras.layers.GlobalAveragePooling2D(
            keepdims=True, name=self.layer_name(*where, "se_squeeze")
        )(x)
        s = keras.layers.Conv2D(
            squeezed, 1, activation="swish", name=self.layer_name(*where, "se_reduce")
        )(s)
        s = keras.layers.Conv2D(
            channels, 1, activation="sigmoid", name=self.layer_name(*where, "se_expand")
        )(s)
        return keras.layers.Multiply(name=self.layer_name(*where, "se_excite"))([x, s])
