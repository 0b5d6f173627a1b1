"""Search-space blocks: each owns its hyperparameters."""

from easynas.blocks._base import Block, Node
from easynas.blocks._conv import ConvBlock

__all__ = ["Block", "ConvBlock", "Node"]
