"""Inputs, heads and the block graph that builds a Keras model."""

from easynas.graph._graph import Graph
from easynas.graph._heads import ClassificationHead, Head, RegressionHead
from easynas.graph._inputs import ImageInput, InputNode, TextInput
from easynas.graph._tabular_input import TabularInput

__all__ = ["ClassificationHead", "Graph", "Head", "ImageInput", "InputNode", "RegressionHead",
           "TabularInput", "TextInput"]
