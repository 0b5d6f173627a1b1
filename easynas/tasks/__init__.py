"""Task estimators: presets over AutoModel for common problems."""

from easynas.tasks._image import ImageClassifier, ImageRegressor

__all__ = ["ImageClassifier", "ImageRegressor"]
