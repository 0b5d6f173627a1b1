"""Data adapters and analysis: raw data in, a frozen DataSpec out."""

from easynas.data._analysis import (
    analyze_classification_target,
    analyze_images,
    analyze_regression_target,
)
from easynas.data._spec import (
    ClassificationTargetSpec,
    DataSpec,
    ImageSpec,
    RegressionTargetSpec,
    TabularColumn,
    TabularSpec,
)

__all__ = [
    "ClassificationTargetSpec",
    "DataSpec",
    "ImageSpec",
    "RegressionTargetSpec",
    "TabularColumn",
    "TabularSpec",
    "analyze_classification_target",
    "analyze_images",
    "analyze_regression_target",
]
