"""ImageBlock: the searched choice among the vision blocks."""

from __future__ import annotations

import contextlib
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._augmentation import ImageAugmentation
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._conv import ConvBlock
from easynas.blocks._mbconv import MBConvBlock
from easynas.blocks._reduction import METHODS, SpatialReduction
from easynas.blocks._resnet import ResNetBlock

__all__ = ["ImageBlock"]

BLOCK_TYPES = ("conv", "resnet", "mbconv")


def _sub_block(block_type: str, name: str) -> Block:
    """The vision block for `block_type`, every argument searched."""
    if block_type == "resnet":
        return ResNetBlock(name=name)
    if block_type == "mbconv":
        return MBConvBlock(name=name)
    return ConvBlock(name=name)


@keras.saving.register_keras_serializable(package="easynas")
class ImageBlock(Block):
    """A hyper-block over vision architectures: optional augmentation, then a
    conv, ResNet or MBConv stack, then a spatial reduction to a vector.

    The chosen stack's hyperparameters live under its own name scope
    (`conv/`, `resnet/`, `mbconv/`) and are conditional on `block_type`, so a
    search only varies those of the stack it is trying; the augmentation's
    (under `augmentation/`) are conditional on `augment`. The reduction's are
    under `reduction/`.

    Args:
        block_type: "conv" (`ConvBlock`), "resnet" (`ResNetBlock`) or "mbconv"
            (`MBConvBlock`). Searched in that set, "conv" first.
        augment: Put an `ImageAugmentation` before the stack. Searched, False
            first.
        reduction: How the feature map becomes a vector: "global_avg",
            "global_max" or "flatten" (see `SpatialReduction`). Searched,
            "global_avg" first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.ImageBlock(block_type=["conv", "resnet"])(en.ImageInput())
    """

    def __init__(
        self,
        block_type: str | list[str] | None = None,
        augment: bool | list[bool] | None = None,
        reduction: str | list[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(
            owner,
            "block_type",
            block_type,
            _checks.one_of(*BLOCK_TYPES),
            f"one of {list(BLOCK_TYPES)}",
        )
        check_searchable(owner, "augment", augment, _checks.boolean, "a bool")
        check_searchable(
            owner, "reduction", reduction, _checks.one_of(*METHODS), f"one of {list(METHODS)}"
        )
        self.block_type = block_type
        self.augment = augment
        self.reduction = reduction

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        if len(x.shape) != 4:
            raise ValueError(
                f"{type(self).__name__} needs images of shape (batch, height, width, "
                f"channels). Received: a tensor of shape {tuple(x.shape)}"
            )
        block_type = self.searched(hp, "block_type", BLOCK_TYPES, default="conv")
        augment = bool(self.searched(hp, "augment", [False, True], default=False))

        with _when(hp, "augment", True), hp.name_scope("augmentation"):
            if augment:
                x = ImageAugmentation(name=self.layer_name("augmentation")).build(hp, [x])

        if isinstance(self.block_type, (list, tuple)):
            options = list(dict.fromkeys(self.block_type))
        elif self.block_type is None:
            options = list(BLOCK_TYPES)
        else:
            options = [self.block_type]
        for option in options:
            with _when(hp, "block_type", option), hp.name_scope(option):
                if block_type == option:
                    x = _sub_block(option, self.layer_name(option)).build(hp, [x])

        with hp.name_scope("reduction"):
            reducer = SpatialReduction(method=self.reduction, name=self.layer_name("reduction"))
            return reducer.build(hp, [x])


def _when(hp, name: str, value: Any) -> contextlib.AbstractContextManager:
    """A conditional scope on hyperparameter `name`, if the block registered one.

    A fixed argument registers no hyperparameter; its scopes are unconditional.
    """
    if name in hp:
        return hp.conditional_scope(name, [value])
    return contextlib.nullcontext()
