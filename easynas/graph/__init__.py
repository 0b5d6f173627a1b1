"""Inputs, heads and the block graph that builds a Keras model."""

from easynas.graph._graph import Graph
from easynas.graph._heads import ClassificationHead, Head, RegressionHead
from easynas.graph._inputs import ImageInput, InputNode, TextInput

__all__ = ["ClassificationHead", "Graph", "Head", "ImageInput", "InputNode", "RegressionHead",
           "TextInput"]
