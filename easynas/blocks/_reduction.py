"""SpatialReduction: a feature map down to one feature vector per sample."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable

__all__ = ["SpatialReduction"]

METHODS = ("global_avg", "flatten", "global_max")


@keras.saving.register_keras_serializable(package="easynas")
class SpatialReduction(Block):
    """Reduce a `(batch, H, W, C)` feature map to `(batch, features)`.

    A `(batch, steps, C)` sequence is reduced the same way over its steps; a
    2-D input passes through unchanged (and nothing is searched).

    Args:
        method: "global_avg" (mean over positions), "global_max" (max over
            positions) or "flatten" (keep every position). Searched in that
            set, "global_avg" first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.SpatialReduction("flatten")(en.ImageInput())
    """

    def __init__(
        self, method: str | list[str] | None = None, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        check_searchable(
            type(self).__name__,
            "method",
            method,
            _checks.one_of(*METHODS),
            f"one of {list(METHODS)}",
        )
        self.method = method

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        rank = len(x.shape)
        if rank == 2:
            return x
        if rank not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} reduces tensors of rank 2 to 4. Received: a tensor "
                f"of shape {tuple(x.shape)}"
            )
        method = str(self.searched(hp, "method", METHODS, default="global_avg"))
        name = self.layer_name(method)
        if method == "flatten":
            return keras.layers.Flatten(name=name)(x)
        layers = keras.layers
        if method == "global_max":
            pool = layers.GlobalMaxPooling2D if rank == 4 else layers.GlobalMaxPooling1D
        else:
            pool = layers.GlobalAveragePooling2D if rank == 4 else layers.GlobalAveragePooling1D
        return pool(name=name)(x)
