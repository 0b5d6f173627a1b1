"""TextBlock: the searched choice among the text blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._image import _when
from easynas.blocks._text_conv import TextConvBlock
from easynas.blocks._text_layers import text_spec
from easynas.blocks._text_ngram import NgramBlock
from easynas.blocks._text_rnn import TextRNNBlock
from easynas.blocks._text_transformer import TransformerBlock

__all__ = ["TextBlock"]

BLOCK_TYPES = ("ngram", "conv", "rnn", "transformer")
_BLOCKS = {
    "ngram": NgramBlock,
    "conv": TextConvBlock,
    "rnn": TextRNNBlock,
    "transformer": TransformerBlock,
}


@keras.saving.register_keras_serializable(package="easynas")
class TextBlock(Block):
    """A hyper-block over text architectures: a bag of n-grams (`NgramBlock`),
    a text CNN (`TextConvBlock`), a bidirectional RNN (`TextRNNBlock`) or a
    transformer encoder (`TransformerBlock`), each turning raw strings into a
    vector.

    The chosen block's hyperparameters live under its own name scope
    (`ngram/`, `conv/`, `rnn/`, `transformer/`) and are conditional on
    `block_type`, so a search only varies those of the block it is trying.
    Must be fed by a `TextInput`.

    Args:
        block_type: "ngram", "conv", "rnn" or "transformer". Searched in that
            set, "ngram" first (fast, and strong on small and mid-sized
            corpora).
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.TextBlock(block_type=["ngram", "conv"])(en.TextInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        block_type: str | list[str] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        check_searchable(
            type(self).__name__, "block_type", block_type, _checks.one_of(*BLOCK_TYPES),
            f"one of {list(BLOCK_TYPES)}",
        )
        self.block_type = block_type

    def build(self, hp, inputs: list[Any], input_specs: Sequence[Any] | None = None) -> Any:
        text_spec(self, inputs, input_specs)
        block_type = self.searched(hp, "block_type", BLOCK_TYPES, default="ngram")
        if isinstance(self.block_type, (list, tuple)):
            options = list(dict.fromkeys(self.block_type))
        elif self.block_type is None:
            options = list(BLOCK_TYPES)
        else:
            options = [self.block_type]
        output = None
        for option in options:
            with _when(hp, "block_type", option), hp.name_scope(option):
                if block_type == option:
                    block = _BLOCKS[option](name=self.layer_name(option))
                    output = block.build(hp, inputs, input_specs=input_specs)
        return output
