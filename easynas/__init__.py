"""easynas: neural architecture search in a few lines.

>>> import easynas as en
>>> clf = en.ImageClassifier(max_trials=2)
"""

import logging as _logging

from easynas import blocks, data, export, search
from easynas._automodel import AutoModel
from easynas._version import __version__
from easynas.exceptions import InvalidDataError, InvalidParameterError, NotFittedError
from easynas.graph import (
    ClassificationHead,
    ImageInput,
    RegressionHead,
    TabularInput,
    TextInput,
)
from easynas.tasks import (
    ImageClassifier,
    ImageRegressor,
    TabularClassifier,
    TabularRegressor,
    TextClassifier,
    TextRegressor,
)

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

__all__ = [
    "AutoModel",
    "ClassificationHead",
    "ImageClassifier",
    "ImageInput",
    "ImageRegressor",
    "InvalidDataError",
    "InvalidParameterError",
    "NotFittedError",
    "RegressionHead",
    "TabularClassifier",
    "TabularInput",
    "TabularRegressor",
    "TextClassifier",
    "TextInput",
    "TextRegressor",
    "__version__",
    "blocks",
    "data",
    "export",
    "search",
]
