"""Fitting a linear candidate exactly instead of by gradient descent.

A candidate whose only trainable weights are its output layer's kernel and
bias, with an L2 penalty on the kernel, is a penalised logistic (softmax,
sigmoid) or ridge regression on the features its preprocessing layers make:
a convex problem with one minimum. A few dozen epochs of mini-batch Adam
stop somewhere near it, differently for each seed and split; on small tables
that noise alone decides whether the search beats scikit-learn's
`LogisticRegression` / `Ridge` on the same split.

`LinearHead.of(model)` recognises such a model; `LinearHead.solve` computes
the features once, hands them to scikit-learn's L-BFGS (logistic) or
Cholesky (ridge) solver with the penalty converted to its convention, and
writes the solution into the Keras layer. The minimised objective is the one
Keras would minimise (the compiled loss, sample weights as Keras applies
them, plus the kernel penalty), so the model, its export and everything
downstream are unchanged: only the optimiser is better.

Given `penalty_folds`, the solver first chooses the penalty's strength
itself, as scikit-learn's `LogisticRegressionCV` / `RidgeCV` do: k-fold
cross-validation over `PENALTY_GRID` on the rows it is given, scored on the
compiled loss. A single validation split picks among a few strengths by
chance on a few hundred rows; the folds see every row.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from easynas.search._penalty import penalty

logger = logging.getLogger(__name__)

__all__ = ["MAX_FEATURE_CELLS", "PENALTY_CV_MAX_CELLS", "PENALTY_GRID", "LinearHead",
           "data_metrics", "solve_or_none"]

# The largest feature matrix (rows x features) solved in memory: 25 million
# float64 cells, 200 MB. A bigger one trains by gradient descent as usual.
MAX_FEATURE_CELLS = 25_000_000
# The strengths cross-validated when the solver chooses the penalty: three per
# decade from 1e-6 to 1e-1, in `keras.regularizers.L2` units (a regression
# head's in units of the targets' mean variance, as its `l2` argument).
PENALTY_GRID = tuple(float(10.0 ** (e / 3)) for e in range(-18, -2))
# The largest feature matrix whose penalty is chosen by cross-validation. A
# bigger table keeps the model's own strength: folds x grid solves would take
# minutes there (Adult's 26k x 104 took several), and a validation split of
# thousands of rows already tells the searched strengths apart.
PENALTY_CV_MAX_CELLS = 1_000_000
_KINDS = ("softmax", "sigmoid", "regression")
_LOSSES = {"softmax": ("sparse_categorical_crossentropy",),
           "sigmoid": ("binary_crossentropy",),
           "regression": ("mean_squared_error", "mse")}


@dataclass
class LinearHead:
    """A model that is a penalised linear model on fixed features.

    Attributes:
        model: The compiled Keras model.
        dense: Its output `Dense` layer (the only trainable weights).
        kind: "softmax" (sparse categorical cross-entropy), "sigmoid"
            (binary cross-entropy per output) or "regression" (mean squared
            error, the dense layer optionally followed by a fixed affine
            output layer such as `Normalization(invert=True)`).
        strength: The kernel's L2 penalty, as `keras.regularizers.L2(l2)`.
        features: `model.inputs` -> the dense layer's input.
        output_scale, output_shift: Regression only: the model outputs
            `dense * output_scale + output_shift` (per output).
        strength_chosen: Whether the last `solve` chose `strength` by
            cross-validation (else it kept the model's own).
    """

    model: keras.Model
    dense: keras.layers.Dense
    kind: str
    strength: float
    features: keras.Model
    output_scale: np.ndarray | None = None
    output_shift: np.ndarray | None = None
    strength_chosen: bool = False

    @classmethod
    def of(cls, model: keras.Model) -> LinearHead | None:
        """The model as a linear head, or None when it is not one (see the module doc)."""
        dense = _only_trainable_dense(model)
        if dense is None:
            return None
        strength = _kernel_l2(dense)
        if strength is None or strength <= 0:
            return None
        output = model.layers[-1]
        if output.output is not model.outputs[0]:
            return None
        activation = keras.activations.serialize(dense.activation)
        activation = activation if isinstance(activation, str) else activation.get("config")
        if output is dense and activation in ("softmax", "sigmoid"):
            kind = activation
        elif activation == "linear" and (output is dense or _follows(output, dense)):
            kind = "regression"
        else:
            return None
        if not _compiled_loss_is(model, _LOSSES[kind]):
            return None
        try:
            features = keras.Model(model.input, dense.input)
        except (ValueError, AttributeError):  # a layer reused, a subclassed model
            return None
        head = cls(model=model, dense=dense, kind=kind, strength=float(strength),
                   features=features)
        if kind == "regression":
            width = int(dense.units)
            shift = _to_numpy(output(ops.zeros((1, width)))) if output is not dense else None
            head.output_shift = np.zeros(width) if shift is None else shift.reshape(-1)
            ones = _to_numpy(output(ops.ones((1, width)))) if output is not dense else None
            head.output_scale = (np.ones(width) if ones is None
                                 else ones.reshape(-1) - head.output_shift)
            if not np.all(np.abs(head.output_scale) > 1e-12):
                return None
        return head

    def features_of(self, x: Any) -> np.ndarray | None:
        """The dense layer's inputs for `x` (float64), or None when they would take
        more than `MAX_FEATURE_CELLS` cells or change between training and inference
        (dropout, noise, augmentation: the objective would not be the one solved)."""
        rows = _rows(x)
        width = int(np.prod(self.dense.input.shape[1:]))
        if rows * width > MAX_FEATURE_CELLS:
            return None
        probe = _head_rows(x, 64)
        if not np.allclose(_to_numpy(self.features(probe, training=True)),
                           _to_numpy(self.features(probe, training=False)),
                           rtol=1e-6, atol=1e-7):
            return None
        return self.features.predict(x, batch_size=1024, verbose=0).astype("float64")

    def solve(self, x: Any, y: Any, sample_weight: Any = None, *,
              penalty_folds: int | None = None, seed: int = 0) -> bool:
        """Set the dense layer's weights to the minimum of the training objective on `(x, y)`.

        Args:
            x, y, sample_weight: The training data, as Keras' `fit` takes it.
            penalty_folds: When given, first choose the penalty's strength by
                this many folds of cross-validation over `PENALTY_GRID`
                (`choose_strength`) and set it on the layer's regulariser;
                only for features of at most `PENALTY_CV_MAX_CELLS` cells.
            seed: Seeds the folds.

        Returns:
            False (weights untouched) when the problem is out of reach: the
            features do not fit in memory or are not deterministic, or a class
            has no rows here.
        """
        features = self.features_of(x)
        if features is None:
            return False
        y = np.asarray(y[0] if isinstance(y, (list, tuple)) else y)
        weights = None if sample_weight is None else np.asarray(
            sample_weight[0] if isinstance(sample_weight, (list, tuple)) else sample_weight,
            dtype="float64").reshape(-1)
        self.strength_chosen = False
        if penalty_folds and features.size <= PENALTY_CV_MAX_CELLS:
            strength = self.choose_strength(features, y, weights, penalty_folds, seed)
            if strength is not None:
                self.set_strength(strength)
                self.strength_chosen = True
        solved = self._solution(features, y, weights, self.strength)
        if solved is None:
            return False
        kernel, bias = solved
        self.dense.kernel.assign(kernel.astype(self.dense.kernel.dtype))
        self.dense.bias.assign(bias.astype(self.dense.bias.dtype))
        return True

    def set_strength(self, strength: float) -> None:
        """Make `strength` the kernel's L2 penalty (the layer's and its variable's regulariser)."""
        self.strength = float(strength)
        self.dense.kernel_regularizer = keras.regularizers.L2(self.strength)
        self.dense.kernel.regularizer = self.dense.kernel_regularizer

    def choose_strength(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                        folds: int, seed: int = 0, grid: Sequence[float] = PENALTY_GRID
                        ) -> float | None:
        """The strength in `grid` (scaled, for regression, by the targets' mean
        variance) with the lowest k-fold cross-validated data loss; None when the rows
        cannot make `folds` >= 2 folds with every class in each training part.

        The folds are scikit-learn's shuffled `StratifiedKFold` (softmax) or
        `KFold` (otherwise), seeded by `seed`; a fold's loss is the compiled
        loss on its held-out rows, and the folds' losses are summed.

        Each fold solves the grid from the strongest penalty to the weakest,
        every fit starting from the one before (as scikit-learn's
        `LogisticRegressionCV` walks its path).
        """
        from sklearn.model_selection import KFold, StratifiedKFold

        if self.kind == "softmax":
            counts = np.bincount(y.reshape(-1).astype("int64"), minlength=int(self.dense.units))
            folds, kind_of_folds = min(folds, int(counts.min())), StratifiedKFold
        else:
            folds, kind_of_folds = min(folds, len(y)), KFold
        if folds < 2:
            return None
        splitter = kind_of_folds(folds, shuffle=True, random_state=seed)
        scale = 1.0 if self.kind != "regression" else float(np.mean(self.output_scale ** 2))
        grid = sorted((value * scale for value in grid), reverse=True)
        losses = np.zeros(len(grid))
        for train, test in splitter.split(features, y.reshape(len(y), -1)[:, 0]):
            fit_rows = features[train], y[train], None if weights is None else weights[train]
            held_rows = features[test], y[test], None if weights is None else weights[test]
            warm: dict[int, Any] = {}
            for i, strength in enumerate(grid):
                solved = self._solution(*fit_rows, strength, warm)
                if solved is None:
                    return None
                losses[i] += self._data_loss(*held_rows, *solved)
        best = int(np.argmin(losses))
        logger.debug("Penalty chosen by %d-fold CV: %g (grid %g..%g).", folds, grid[best],
                     grid[-1], grid[0])
        return grid[best]

    def _solution(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                  strength: float, warm: dict[int, Any] | None = None):
        """`(kernel, bias)` minimising the objective at `strength`; None if out of reach.
        `warm` keeps fitted solvers between calls, to start the next fit from."""
        solver = {"softmax": self._softmax, "sigmoid": self._sigmoid,
                  "regression": self._ridge}[self.kind]
        return solver(features, y, weights, strength, {} if warm is None else warm)

    def _data_loss(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                   kernel: np.ndarray, bias: np.ndarray) -> float:
        """The compiled loss (no penalty) of the linear model `(kernel, bias)` on these rows."""
        logits = features @ kernel + bias
        if self.kind == "softmax":
            logits = logits - logits.max(axis=1, keepdims=True)
            log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            rows = -log_probs[np.arange(len(y)), y.reshape(-1).astype("int64")]
        elif self.kind == "sigmoid":
            labels = y.reshape(len(y), -1)
            rows = np.mean(np.logaddexp(0.0, logits) - labels * logits, axis=1)
        else:
            predicted = logits * self.output_scale + self.output_shift
            rows = np.mean((predicted - y.reshape(len(y), -1)) ** 2, axis=1)
        # Keras weighs each row's loss and divides by the number of rows.
        return float(np.mean(rows if weights is None else rows * weights))

    # The Keras objective is mean(loss) + strength * ||kernel||^2 over the n
    # rows (sample weights multiply each row's loss; the mean divides by n).
    # scikit-learn minimises C * sum(loss) + ||w||^2 / 2 (logistic) and
    # sum(squared error) + alpha * ||w||^2 (ridge); the bias is not penalised
    # in either.
    def _softmax(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                 strength: float, warm: dict[int, Any]):
        classes = int(self.dense.units)
        labels = y.reshape(-1).astype("int64")
        if not np.array_equal(np.unique(labels), np.arange(classes)):
            return None
        n = len(labels)
        if classes == 2:
            # Two softmax columns with the same penalty: at the minimum they are
            # -d/2 and +d/2, a penalty of strength * ||d||^2 / 2 on the logit d.
            model = _fit_logistic(features, labels, weights, 1.0 / (n * strength), warm, 0)
            d, b = model.coef_[0], model.intercept_[0]
            return np.stack([-d / 2, d / 2], axis=1), np.array([-b / 2, b / 2])
        model = _fit_logistic(features, labels, weights, 1.0 / (2 * n * strength), warm, 0)
        return model.coef_.T, model.intercept_

    def _sigmoid(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                 strength: float, warm: dict[int, Any]):
        y = y.reshape(len(y), -1)
        outputs = y.shape[1]
        if outputs != int(self.dense.units):
            return None
        # binary_crossentropy averages over the outputs: each output's
        # logistic regression sees its loss divided by their number.
        kernel, bias = np.zeros((features.shape[1], outputs)), np.zeros(outputs)
        for j in range(outputs):
            labels = (y[:, j] > 0.5).astype("int64")
            if len(np.unique(labels)) < 2:
                return None
            model = _fit_logistic(features, labels, weights,
                                  1.0 / (2 * len(y) * outputs * strength), warm, j)
            kernel[:, j], bias[j] = model.coef_[0], model.intercept_[0]
        return kernel, bias

    def _ridge(self, features: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
               strength: float, warm: dict[int, Any]):
        from sklearn.linear_model import Ridge

        y = y.reshape(len(y), -1).astype("float64")
        outputs = y.shape[1]
        if outputs != int(self.dense.units):
            return None
        n = len(y)
        kernel, bias = np.zeros((features.shape[1], outputs)), np.zeros(outputs)
        for j in range(outputs):
            scale, shift = self.output_scale[j], self.output_shift[j]
            # Output j's squared error is scale^2 times the dense unit's, and
            # the mean runs over the outputs too.
            alpha = n * outputs * strength / scale**2
            model = Ridge(alpha=alpha)
            model.fit(features, (y[:, j] - shift) / scale, sample_weight=weights)
            kernel[:, j], bias[j] = model.coef_, model.intercept_
        return kernel, bias


def solve_or_none(model: keras.Model, x: Any, y: Any, sample_weight: Any = None, *,
                  penalty_folds: int | None = None, seed: int = 0) -> dict[str, Any] | None:
    """Fit `model` exactly if it is a linear head (see `LinearHead`); None if it is not
    or its problem is out of reach (the caller trains it by gradient descent).

    Args:
        model: A compiled Keras model.
        x, y, sample_weight: The training data.
        penalty_folds: Choose the penalty's strength by this many folds of
            cross-validation first (None: keep the model's own).
        seed: Seeds the folds.

    Returns:
        {"solver": "lbfgs" or "ridge", "seconds": ..., "l2": the kernel
        penalty's strength at the solution, in `keras.regularizers.L2` units,
        "l2_chosen": whether the cross-validation chose it}.
    """
    head = LinearHead.of(model)
    if head is None:
        return None
    started = time.perf_counter()
    if not head.solve(x, y, sample_weight, penalty_folds=penalty_folds, seed=seed):
        logger.debug("Linear candidate left to gradient descent: its problem is out of reach.")
        return None
    return {"solver": "ridge" if head.kind == "regression" else "lbfgs",
            "seconds": time.perf_counter() - started, "l2": head.strength,
            "l2_chosen": head.strength_chosen}


def data_metrics(model: keras.Model, x: Any, y: Any, sample_weight: Any = None,
                 y_pred: Any = None) -> dict[str, float]:
    """The compiled loss (without the weight penalty) and metrics on `(x, y)`, in one
    eager pass: no `evaluate` test step to trace for a model used once.

    `y_pred`, when given, stands in for the model's own predictions on `x`
    (one array, or a list per output): the model then only scores them.
    """
    if y_pred is None:
        y_pred = model(x, training=False)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                              training=False)
    model.reset_metrics()
    results = model.compute_metrics(x, y, y_pred, sample_weight)
    values = {name: float(_to_numpy(value)) for name, value in results.items()
              if np.ndim(_to_numpy(value)) == 0}
    values["loss"] = float(_to_numpy(loss)) - penalty(model)
    return values


def _fit_logistic(features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None,
                  c: float, warm: dict[int, Any], key: int) -> Any:
    """scikit-learn's L-BFGS logistic regression at inverse penalty `c`, fitted.

    `warm[key]`, when there, is refitted from its last solution (and the
    fitted model is left there for the next call).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    if key not in warm:
        warm[key] = LogisticRegression(max_iter=1000, tol=1e-6, warm_start=True)
    model = warm[key].set_params(C=c)
    with warnings.catch_warnings():
        # L-BFGS stops at max_iter short of tol on badly scaled features; its
        # answer is still far closer to the minimum than a few SGD epochs.
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        model.fit(features, labels, sample_weight=weights)
    return model


def _only_trainable_dense(model: keras.Model) -> keras.layers.Dense | None:
    """The model's one layer with trainable weights, if that is a plain biased `Dense`."""
    if len(model.outputs) != 1:
        return None
    owners = [layer for layer in _all_layers(model) if layer.trainable_weights]
    if len(owners) != 1 or not isinstance(owners[0], keras.layers.Dense):
        return None
    dense = owners[0]
    if (not dense.use_bias or dense.bias_regularizer is not None
            or dense.activity_regularizer is not None or dense.kernel_constraint is not None
            or dense.bias_constraint is not None or len(dense.input.shape) != 2):
        return None
    if {id(w) for w in model.trainable_weights} != {id(dense.kernel), id(dense.bias)}:
        return None
    return dense


def _all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    layers = []
    for layer in model.layers:
        layers.extend(_all_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return layers


def _kernel_l2(dense: keras.layers.Dense) -> float | None:
    regularizer = dense.kernel_regularizer
    if isinstance(regularizer, keras.regularizers.L2):
        return float(regularizer.l2)
    return None


def _follows(output: keras.layers.Layer, dense: keras.layers.Dense) -> bool:
    """Whether `output` is a weightless, fixed layer applied straight to `dense`'s output."""
    if output.trainable_weights or not isinstance(output, keras.layers.Normalization):
        return False
    try:
        return output.input is dense.output
    except (ValueError, AttributeError):
        return False


def _compiled_loss_is(model: keras.Model, names: tuple[str, ...]) -> bool:
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict) and len(loss) == 1:
        loss = next(iter(loss.values()))
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    return isinstance(loss, str) and loss in names


def _rows(x: Any) -> int:
    first = next(iter(x.values())) if isinstance(x, dict) else (
        x[0] if isinstance(x, (list, tuple)) else x)
    return len(first)


def _head_rows(x: Any, n: int) -> Any:
    if isinstance(x, dict):
        return {k: v[:n] for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [v[:n] for v in x]
    return x[:n]


def _to_numpy(value: Any) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(value))
