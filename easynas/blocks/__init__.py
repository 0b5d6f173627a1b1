"""Search-space blocks: each owns its hyperparameters."""

from easynas.blocks._augmentation import ImageAugmentation
from easynas.blocks._base import Block, Node
from easynas.blocks._categorical import CategoricalEncoding
from easynas.blocks._conv import ConvBlock
from easynas.blocks._dense import DenseBlock
from easynas.blocks._image import ImageBlock
from easynas.blocks._mbconv import MBConvBlock
from easynas.blocks._merge import Merge
from easynas.blocks._reduction import SpatialReduction
from easynas.blocks._resnet import ResNetBlock
from easynas.blocks._tabular import TabularBlock
from easynas.blocks._tabular_mlp import TabularMLPBlock
from easynas.blocks._tabular_transformer import TabularTransformerBlock
from easynas.blocks._text import TextBlock
from easynas.blocks._text_conv import TextConvBlock
from easynas.blocks._text_ngram import NgramBlock
from easynas.blocks._text_rnn import TextRNNBlock
from easynas.blocks._text_transformer import TransformerBlock

__all__ = [
    "Block",
    "CategoricalEncoding",
    "ConvBlock",
    "DenseBlock",
    "ImageAugmentation",
    "ImageBlock",
    "MBConvBlock",
    "Merge",
    "NgramBlock",
    "Node",
    "ResNetBlock",
    "SpatialReduction",
    "TabularBlock",
    "TabularMLPBlock",
    "TabularTransformerBlock",
    "TextBlock",
    "TextConvBlock",
    "TextRNNBlock",
    "TransformerBlock",
]
