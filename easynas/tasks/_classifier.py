"""What every single-head task classifier adds to the search estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from easynas.data._labels import classes_array

__all__ = ["TaskClassifierMixin"]


class TaskClassifierMixin(ClassifierMixin):
    """scikit-learn's classifier mixin plus `classes_` and `predict_proba` for a
    task with one classification head (put it before the task base class)."""

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the order of `predict_proba`'s columns."""
        self._check_fitted("classes_")
        return classes_array(self.spec_.targets[0])

    def predict_proba(self, x: Any) -> np.ndarray:
        """Class probabilities, shape `(n, len(classes_))`."""
        return self._probabilities(x)
