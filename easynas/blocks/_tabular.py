"""TabularBlock: the searched choice among the tabular architectures."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._categorical import CategoricalEncoding
from easynas.blocks._tabular_features import tabular_spec, when
from easynas.blocks._tabular_mlp import TabularMLPBlock
from easynas.blocks._tabular_transformer import TabularTransformerBlock

__all__ = ["TabularBlock"]

BLOCK_TYPES = ("mlp", "transformer")


@keras.saving.register_keras_serializable(package="easynas")
class TabularBlock(Block):
    """A hyper-block over tabular architectures.

    "mlp": `CategoricalEncoding` (one-hot or embeddings) then `TabularMLPBlock`
    (0 to 3 hidden layers; 0 is a linear model). "transformer":
    `TabularTransformerBlock` (feature tokens and self-attention). Each
    choice's hyperparameters live under its own name scope (`encoding/` and
    `mlp/`, or `transformer/`) and are conditional on `block_type`, so a
    search only varies those of the architecture it is trying.

    It must read a `TabularInput` directly.

    Args:
        block_type: "mlp" or "transformer". Searched in that set, "mlp" first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TabularBlock(block_type="mlp")(en.TabularInput())
    """

    needs_input_specs = True

    def __init__(self, block_type: str | list[str] | None = None, name: str | None = None):
        super().__init__(name=name)
        check_searchable(type(self).__name__, "block_type", block_type,
                         _checks.one_of(*BLOCK_TYPES), f"one of {list(BLOCK_TYPES)}")
        self.block_type = block_type

    def build(self, hp, inputs: list[Any], input_specs: list[Any] | None = None) -> Any:
        tabular_spec(type(self).__name__, inputs, input_specs)
        block_type = self.searched(hp, "block_type", BLOCK_TYPES, default="mlp")
        if isinstance(self.block_type, (list, tuple)):
            options = list(dict.fromkeys(self.block_type))
        else:
            options = [self.block_type] if self.block_type is not None else list(BLOCK_TYPES)
        x = None
        for option in options:
            with when(hp, "block_type", [option]):
                if block_type != option:
                    continue
                if option == "mlp":
                    with hp.name_scope("encoding"):
                        encoder = CategoricalEncoding(name=self.layer_name("encoding"))
                        x = encoder.build(hp, inputs, input_specs)
                    with hp.name_scope("mlp"):
                        x = TabularMLPBlock(name=self.layer_name("mlp")).build(hp, [x])
                else:
                    with hp.name_scope("transformer"):
                        transformer = TabularTransformerBlock(name=self.layer_name("transformer"))
                        x = transformer.build(hp, inputs, input_specs)
        return x
