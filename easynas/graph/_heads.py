"""Heads: the last layer of a network, its loss and its metrics."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.data._spec import ClassificationTargetSpec, RegressionTargetSpec

__all__ = ["L2", "ClassificationHead", "Head", "RegressionHead"]

# The L2 strengths a head searches when given a list or `l2=None`.
L2_VALUES = (0.0, 1e-4, 1e-3, 1e-2)
# The searched kernel penalty's hyperparameter name, under the head's scope.
L2 = "l2"


class Head(Block):
    """Base of heads: a block that ends at a target and knows its loss."""

    spec_type: type = object

    def build_head(self, hp, inputs: list[Any], spec: Any) -> Any:
        """Make the output layer for `spec`; `build` is not used for heads."""
        raise NotImplementedError

    def build(self, hp, inputs: list[Any]) -> Any:
        raise TypeError(f"{type(self).__name__} is built with `build_head(hp, inputs, spec)`.")

    def loss(self, spec: Any) -> str:
        """The Keras loss name for this head and target."""
        raise NotImplementedError

    def metrics(self, spec: Any) -> list[str]:
        """The Keras metric names reported for this head."""
        raise NotImplementedError

    def weight(self, spec: Any) -> float:
        """The head's weight in the total loss of a model with several heads."""
        raise NotImplementedError

    def _flatten(self, x: Any) -> Any:
        if len(x.shape) > 2:
            x = keras.layers.Flatten(name=self.layer_name("flatten"))(x)
        return x

    def _kernel_penalty(self, hp, scale: float = 1.0) -> Any:
        """The output kernel's stock L2 regulariser for this trial (None for no penalty).

        `scale` multiplies the searched strength (a regression head passes its
        targets' variance, so `l2` means the same in any units).
        """
        strength = float(self.searched(hp, L2, L2_VALUES, default=0.0))
        return keras.regularizers.L2(strength * scale) if strength > 0 else None

    def _dropout(self, hp, x: Any) -> Any:
        rate = float(self.searched(hp, "dropout", [0.0, 0.25, 0.5], default=0.0))
        if rate > 0:
            x = keras.layers.Dropout(rate, name=self.layer_name("dropout"))(x)
        return x


@keras.saving.register_keras_serializable(package="easynas")
class ClassificationHead(Head):
    """Class probabilities: softmax over the classes, or one sigmoid per label
    for multi-label targets.

    Binary targets use a two-unit softmax, so the model's output is always a
    `(n, num_classes)` probability matrix, the same in `predict_proba` and in
    the export.

    Args:
        multi_label: True for several labels per sample. None infers it from the
            targets (a 0/1 matrix whose rows do not each hold one 1).
        dropout: Dropout before the output layer. Searched in {0, 0.25, 0.5}.
        loss_weight: The head's weight in a model's total loss (and so in
            "val_loss", the default objective) when there are several heads.
        l2: Strength of a stock `keras.regularizers.L2` penalty on the output
            layer's kernel (weight decay for a linear model: logistic
            regression with L2). 0 (the default) adds none and searches
            nothing; a list searches among its values, and None searches
            {0, 1e-4, 1e-3, 1e-2}. The penalty is part of the training loss
            only: the search takes it off `val_loss` again, so candidates with
            and without it are ranked on the same data loss.
        l2_cv: A number of folds, for linear candidates. A candidate whose
            only trained layer is this head's, with a penalty (`l2` > 0), is
            solved exactly instead of trained by gradient descent; with
            `l2_cv` it first chooses its penalty's strength by k-fold
            cross-validation on its training rows, over 1e-6 to 1e-1 (three
            per decade), as scikit-learn's `LogisticRegressionCV` and
            `RidgeCV` do (on up to a million feature cells, rows x
            features; a larger table keeps `l2`). Other candidates use `l2`
            as searched. None (the default) keeps `l2` as searched for every
            candidate.
        name: See `Block`.
    """

    spec_type = ClassificationTargetSpec

    def __init__(
        self,
        multi_label: bool | None = None,
        dropout: float | list[float] | None = None,
        loss_weight: float = 1.0,
        l2: float | list[float] | None = 0.0,
        l2_cv: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if multi_label is not None and not isinstance(multi_label, bool):
            raise ValueError(
                f"Argument `multi_label` of ClassificationHead must be a bool or None. "
                f"Received: multi_label={multi_label!r}"
            )
        check_searchable(
            "ClassificationHead", "dropout", dropout, _checks.fraction, "a float in [0, 1)"
        )
        self.multi_label = multi_label
        self.dropout = dropout
        self.loss_weight = _checked_loss_weight("ClassificationHead", loss_weight)
        check_searchable("ClassificationHead", "l2", l2, _non_negative_float,
                         "a non-negative float")
        self.l2 = l2
        self.l2_cv = _checked_folds("ClassificationHead", l2_cv)

    def build_head(self, hp, inputs: list[Any], spec: ClassificationTargetSpec) -> Any:
        (x,) = inputs
        x = self._dropout(hp, self._flatten(x))
        activation = "sigmoid" if spec.multi_label else "softmax"
        return keras.layers.Dense(spec.num_classes, activation=activation,
                                  kernel_regularizer=self._kernel_penalty(hp), name=self.name)(x)

    def weight(self, spec: ClassificationTargetSpec) -> float:
        return self.loss_weight

    def loss(self, spec: ClassificationTargetSpec) -> str:
        return "binary_crossentropy" if spec.multi_label else "sparse_categorical_crossentropy"

    def metrics(self, spec: ClassificationTargetSpec) -> list[str]:
        if spec.multi_label:
            return ["binary_accuracy"]
        return ["accuracy"]


@keras.saving.register_keras_serializable(package="easynas")
class RegressionHead(Head):
    """Real-valued outputs in the targets' own units.

    The last dense layer works in standardised units and a stock
    `Normalization(invert=True)` layer maps back with the training targets'
    mean and variance, so the model and its export return original units.

    Args:
        dropout: Dropout before the output layer. Searched in {0, 0.25, 0.5}.
        loss_weight: See `ClassificationHead`. The loss is the mean squared
            error in the targets' own units, so None (the default) weighs it
            by 1 / the targets' variance: the error in standard deviations,
            comparable with a classification head's cross-entropy.
        l2: See `ClassificationHead`. The dense layer works in standardised
            units, so the penalty is multiplied by the targets' mean variance:
            `l2` weighs it against the error in standard deviations, the same
            whatever the targets' units. (In a model with several heads the
            penalty is not multiplied by the head's `loss_weight`.)
        l2_cv: See `ClassificationHead`.
        name: See `Block`.
    """

    spec_type = RegressionTargetSpec

    def __init__(
        self,
        dropout: float | list[float] | None = None,
        loss_weight: float | None = None,
        l2: float | list[float] | None = 0.0,
        l2_cv: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        check_searchable(
            "RegressionHead", "dropout", dropout, _checks.fraction, "a float in [0, 1)"
        )
        check_searchable("RegressionHead", "l2", l2, _non_negative_float, "a non-negative float")
        self.l2 = l2
        self.l2_cv = _checked_folds("RegressionHead", l2_cv)
        self.dropout = dropout
        self.loss_weight = (None if loss_weight is None
                            else _checked_loss_weight("RegressionHead", loss_weight))

    def build_head(self, hp, inputs: list[Any], spec: RegressionTargetSpec) -> Any:
        (x,) = inputs
        x = self._dropout(hp, self._flatten(x))
        variance = sum(s * s for s in spec.std) / len(spec.std)
        x = keras.layers.Dense(
            spec.num_outputs, name=self.layer_name("dense"),
            kernel_regularizer=self._kernel_penalty(hp, variance if variance > 0 else 1.0),
        )(x)
        return keras.layers.Normalization(
            axis=-1,
            mean=list(spec.mean),
            variance=[s * s for s in spec.std],
            invert=True,
            name=self.name,
        )(x)

    def loss(self, spec: RegressionTargetSpec) -> str:
        return "mean_squared_error"

    def weight(self, spec: RegressionTargetSpec) -> float:
        if self.loss_weight is not None:
            return self.loss_weight
        variance = sum(s * s for s in spec.std) / len(spec.std)
        return 1.0 / variance if variance > 0 else 1.0

    def metrics(self, spec: RegressionTargetSpec) -> list[str]:
        return ["mean_absolute_error"]


def _checked_loss_weight(owner: str, value: Any) -> float:
    """A head's loss weight: a finite positive number."""
    import math
    import numbers

    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(
            f"Argument `loss_weight` of {owner} must be a positive float. "
            f"Received: loss_weight={value!r}"
        )
    return float(value)


def _checked_folds(owner: str, value: Any) -> int | None:
    """`l2_cv`: None or an int >= 2 (a Python int: Keras and JSON want one)."""
    import numbers

    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 2:
        raise ValueError(
            f"Argument `l2_cv` of {owner} must be None or an int >= 2 (folds). "
            f"Received: l2_cv={value!r}"
        )
    return int(value)


def _non_negative_float(value: Any) -> bool:
    import math
    import numbers

    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)
