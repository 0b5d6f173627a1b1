"""Linear candidates solved exactly: at the minimum of the loss Keras itself computes.

The check does not trust our conversion of the penalty to scikit-learn's
convention: after the solve, the gradient of Keras' own objective (compiled
loss on all rows with their sample weights, plus the kernel penalty) with
respect to the output layer must vanish.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import easynas as en
from easynas.search._linear_solve import PENALTY_GRID, LinearHead, data_metrics, solve_or_none

ROWS, FEATURES = 240, 6


def _linear_model(kind: str, units: int, strength: float = 1e-2, dropout: float = 0.0,
                  hidden: int = 0) -> keras.Model:
    rng = np.random.default_rng(0)
    inputs = keras.Input((FEATURES,))
    norm = keras.layers.Normalization()
    norm.adapt(rng.normal(3.0, 2.0, size=(100, FEATURES)).astype("float32"))
    x = norm(inputs)
    if hidden:
        x = keras.layers.Dense(hidden, activation="relu")(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    regularizer = keras.regularizers.L2(strength) if strength else None
    activation = {"softmax": "softmax", "sigmoid": "sigmoid", "regression": None}[kind]
    out = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer)(x)
    if kind == "regression":
        out = keras.layers.Normalization(mean=[50.0] * units, variance=[400.0, 25.0][:units],
                                         invert=True)(out)
    model = keras.Model(inputs, out)
    loss = {"softmax": "sparse_categorical_crossentropy", "sigmoid": "binary_crossentropy",
            "regression": "mean_squared_error"}[kind]
    model.compile(optimizer="adam", loss=loss,
                  metrics=["mean_absolute_error" if kind == "regression" else "accuracy"])
    return model


def _data(kind: str, units: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(3.0, 2.0, size=(ROWS, FEATURES)).astype("float32")
    signal = x @ rng.normal(size=(FEATURES, units))
    if kind == "softmax":
        y = np.argmax(signal + rng.gumbel(size=signal.shape) * 3, axis=1)
    elif kind == "sigmoid":
        y = (signal + rng.logistic(size=signal.shape) * 3 > signal.mean(axis=0)).astype("float32")
    else:
        y = (50 + 5 * signal + rng.normal(size=signal.shape) * 10).astype("float32")
    weights = rng.uniform(0.2, 3.0, size=ROWS).astype("float32")
    return x, y, weights


def _objective_gradient(model: keras.Model, x, y, weights) -> tuple[float, float]:
    """Largest |gradient| of Keras' training objective over the output layer, and the objective."""
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        objective = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=weights,
                                       training=True)
    gradients = tape.gradient(objective, model.trainable_weights)
    return max(float(tf.reduce_max(tf.abs(g))) for g in gradients), float(objective)


@pytest.mark.parametrize("kind, units", [("softmax", 3), ("softmax", 2), ("sigmoid", 2),
                                         ("regression", 1), ("regression", 2)])
def test_the_solution_is_the_minimum_of_keras_own_objective(kind, units):
    model = _linear_model(kind, units)
    x, y, weights = _data(kind, units)
    before, start = _objective_gradient(model, x, y, weights)
    solved = solve_or_none(model, x, y, weights)
    assert solved is not None and solved["solver"] == ("ridge" if kind == "regression"
                                                       else "lbfgs")
    after, minimum = _objective_gradient(model, x, y, weights)
    assert after < 1e-4 * max(before, 1.0), (before, after)
    assert minimum < start
    # Gradient descent from the solution does not find a lower objective.
    model.fit(x, y, sample_weight=weights, epochs=3, batch_size=ROWS, verbose=0)
    assert _objective_gradient(model, x, y, weights)[1] >= minimum - 1e-6 * abs(minimum)


def test_the_sample_weights_count_as_keras_counts_them():
    x, y, weights = _data("softmax", 3)
    weighted, plain = _linear_model("softmax", 3), _linear_model("softmax", 3)
    solve_or_none(weighted, x, y, weights)
    solve_or_none(plain, x, y)
    assert not np.allclose(weighted.layers[-1].get_weights()[0], plain.layers[-1].get_weights()[0])
    assert _objective_gradient(plain, x, y, None)[0] < 1e-4


@pytest.mark.parametrize("model, why", [
    (lambda: _linear_model("softmax", 3, hidden=4), "a hidden layer trains too"),
    (lambda: _linear_model("softmax", 3, strength=0.0), "no penalty: no unique minimum"),
])
def test_other_models_are_not_linear_heads(model, why):
    assert LinearHead.of(model()) is None, why


def test_training_time_noise_leaves_the_model_to_gradient_descent():
    model = _linear_model("softmax", 3, dropout=0.5)
    x, y, _ = _data("softmax", 3)
    kernel = model.layers[-1].get_weights()[0].copy()
    assert LinearHead.of(model) is not None
    assert solve_or_none(model, x, y) is None  # dropout: not the solved objective
    np.testing.assert_array_equal(model.layers[-1].get_weights()[0], kernel)


def test_a_class_without_rows_leaves_the_model_to_gradient_descent():
    model = _linear_model("softmax", 3)
    x, y, _ = _data("softmax", 3)
    keep = y != 2
    assert solve_or_none(model, x[keep], y[keep]) is None


def test_data_metrics_give_the_loss_without_the_penalty():
    model = _linear_model("softmax", 3, strength=0.5)
    x, y, _ = _data("softmax", 3)
    values = data_metrics(model, x, y)
    probabilities = model.predict(x, verbose=0)
    expected = -np.mean(np.log(probabilities[np.arange(ROWS), y]))
    assert values["loss"] == pytest.approx(expected, rel=1e-4)
    assert values["accuracy"] == pytest.approx(np.mean(probabilities.argmax(1) == y), abs=1e-6)


def test_a_tabular_search_returns_the_penalised_logistic_regression(tmp_path):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer(as_frame=True)
    x, y = data.data.iloc[:300], data.target.iloc[:300].to_numpy()
    clf = en.TabularClassifier(max_trials=1, epochs=2, refit=True, finalists_cv=False,
                               verbose=0, seed=0, directory=str(tmp_path)).fit(x, y)
    (record,) = clf.trials_
    assert record.values["tabular_block/mlp/num_layers"] == 0  # the first preset is linear
    assert clf.refit_info_["solver"] == "lbfgs"
    # The refit chose the penalty by 5-fold CV on all 300 rows; the model is
    # the logistic regression at that penalty.
    strength = clf.refit_info_["solved_l2"]
    assert any(strength == pytest.approx(value) for value in PENALTY_GRID)
    board = clf.leaderboard()
    assert board.loc[1, "solver"] == "lbfgs"
    assert any(board.loc[1, "solved_l2"] == pytest.approx(value) for value in PENALTY_GRID)
    scaler = StandardScaler().fit(x)
    reference = LogisticRegression(C=1 / (len(y) * strength), max_iter=5000, tol=1e-10)
    reference.fit(scaler.transform(x), y)
    expected = reference.predict_proba(scaler.transform(x))
    # The model standardises with the statistics of the search's training
    # rows (its data spec), the reference with all rows': close, not equal.
    np.testing.assert_allclose(clf.predict_proba(x), expected, atol=0.02)
    assert np.mean(clf.predict(x) == reference.predict(scaler.transform(x))) >= 0.99


def _keras_cv_loss(kind: str, units: int, strength: float, x, y, weights, splits) -> float:
    """The summed held-out loss over `splits`, each fold solved at `strength` and scored
    by Keras' own compiled loss (`data_metrics`)."""
    total = 0.0
    for train, test in splits:
        model = _linear_model(kind, units, strength=strength)
        assert solve_or_none(model, x[train], y[train], weights[train]) is not None
        total += data_metrics(model, x[test], y[test], weights[test])["loss"]
    return total


@pytest.mark.parametrize("kind, units", [("softmax", 3), ("sigmoid", 2), ("regression", 2)])
def test_the_chosen_penalty_has_the_lowest_cross_validated_keras_loss(kind, units):
    from sklearn.model_selection import KFold, StratifiedKFold

    x, y, weights = _data(kind, units)
    grid = (1e-4, 1e-2, 1e-1, 1.0)
    head = LinearHead.of(_linear_model(kind, units))
    features = head.features_of(x).astype("float64")
    chosen = head.choose_strength(features, y, weights.astype("float64"), 3, seed=7, grid=grid)
    splitter = (StratifiedKFold if kind == "softmax" else KFold)(3, shuffle=True, random_state=7)
    splits = list(splitter.split(x, y.reshape(len(y), -1)[:, 0]))
    scale = float(np.mean([400.0, 25.0][:units])) if kind == "regression" else 1.0
    losses = {value * scale: _keras_cv_loss(kind, units, value * scale, x, y, weights, splits)
              for value in grid}
    assert chosen == pytest.approx(min(losses, key=losses.get)), losses
    assert len({round(v, 6) for v in losses.values()}) == len(grid)  # the grid matters here


def test_a_solve_with_penalty_folds_sets_the_chosen_penalty_on_the_model():
    model = _linear_model("softmax", 3, strength=1e-2)
    x, y, weights = _data("softmax", 3)
    solved = solve_or_none(model, x, y, weights, penalty_folds=4, seed=0)
    assert any(solved["l2"] == pytest.approx(value) for value in PENALTY_GRID)
    kernel = model.layers[-1].kernel
    assert float(model.losses[0]) == pytest.approx(
        solved["l2"] * float(np.sum(np.square(kernel.numpy()))), rel=1e-5)
    # The weights are the minimum of Keras' objective at the chosen penalty.
    assert _objective_gradient(model, x, y, weights)[0] < 1e-4


def test_too_few_rows_of_a_class_for_two_folds_keep_the_models_penalty():
    model = _linear_model("softmax", 3, strength=1e-2)
    x, y, _ = _data("softmax", 3)
    keep = np.flatnonzero(y != 2).tolist() + [int(np.flatnonzero(y == 2)[0])]
    solved = solve_or_none(model, x[keep], y[keep], penalty_folds=5)
    assert solved is not None and solved["l2"] == pytest.approx(1e-2)


def test_a_table_over_the_cv_size_limit_keeps_the_models_penalty(monkeypatch):
    from easynas.search import _linear_solve

    monkeypatch.setattr(_linear_solve, "PENALTY_CV_MAX_CELLS", ROWS * FEATURES - 1)
    model = _linear_model("softmax", 3, strength=1e-2)
    x, y, weights = _data("softmax", 3)
    solved = solve_or_none(model, x, y, weights, penalty_folds=5)
    assert solved["l2"] == pytest.approx(1e-2)
    assert _objective_gradient(model, x, y, weights)[0] < 1e-4


def test_a_search_does_not_repeat_a_solved_model_under_other_ignored_values(tmp_path):
    from sklearn.datasets import load_breast_cancer

    from easynas.search._strategy import TriedKeys, values_key

    data = load_breast_cancer(as_frame=True)
    x, y = data.data.iloc[:200, :8], data.target.iloc[:200].to_numpy()
    clf = en.TabularClassifier(max_trials=8, epochs=1, refit=False, finalists_cv=False,
                               verbose=0, seed=0, directory=str(tmp_path)).fit(x, y)
    records = clf.trials_
    solved = [r for r in records if r.ignored]
    assert len(solved) >= 2  # the two linear presets at least
    for record in solved:
        assert record.ignored == ("optimizer/learning_rate", "classification_head/l2")
    # No trial is one an earlier trial already trained: not even in values the solve ignored.
    for index, record in enumerate(records):
        assert values_key(record.values) not in TriedKeys(records[:index]), record.trial_id
    # A table without categories has no category encoding to search: the presets' is dropped.
    assert not any("tabular_block/encoding/encoding" in r.values for r in records)
