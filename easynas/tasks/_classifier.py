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

    def decision_function(self, x: Any) -> np.ndarray:
        """Confidence scores in scikit-learn's convention, from the probabilities.

        Binary: the log-odds of `classes_[1]`, shape `(n,)` (positive means
        `classes_[1]`). Multi-class: the log-probabilities, shape `(n, classes)`.
        Multi-label: each label's log-odds, shape `(n, labels)`. Probabilities
        are clipped to [1e-7, 1 - 1e-7] so the scores stay finite; the ranking
        of the samples is that of `predict_proba`.
        """
        probabilities = np.clip(np.asarray(self._probabilities(x), dtype=np.float64),
                                1e-7, 1 - 1e-7)
        if self.spec_.targets[0].multi_label:
            return np.log(probabilities) - np.log1p(-probabilities)
        if probabilities.shape[1] == 2:
            return np.log(probabilities[:, 1]) - np.log(probabilities[:, 0])
        return np.log(probabilities)
