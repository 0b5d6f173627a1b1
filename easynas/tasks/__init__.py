"""Task estimators: presets over AutoModel for common problems."""

from easynas.tasks._image import ImageClassifier, ImageRegressor
from easynas.tasks._tabular import TabularClassifier, TabularRegressor
from easynas.tasks._text import TextClassifier, TextRegressor

__all__ = [
    "ImageClassifier",
    "ImageRegressor",
    "TabularClassifier",
    "TabularRegressor",
    "TextClassifier",
    "TextRegressor",
]
