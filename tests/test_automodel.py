"""AutoModel end to end on real tiny data: fit, predict, budgets, failures, projects."""

import json
import os
import time

import keras
import numpy as np
import pytest
from sklearn.base import clone

import easynas as en
from easynas.blocks import Block, ConvBlock
from easynas.search import TrialStatus
from tests._scripted import Scripted


def _tiny_automodel(**kwargs):
    image = en.ImageInput()
    head = en.ClassificationHead()(ConvBlock(num_blocks=1, num_layers=1, filters=8)(image))
    return en.AutoModel(image, head, search="random", **kwargs)


def test_automodel_fits_predicts_original_labels_and_ranks_trials(digits, fast):
    x, y = digits
    labels = np.array([f"digit-{v}" for v in y], dtype=object)
    model = _tiny_automodel(**{**fast, "max_trials": 2})
    assert model.fit(x, labels) is model
    board = model.leaderboard()
    assert len(board) == 2 and list(board["status"]) == ["COMPLETED", "COMPLETED"]
    assert board["val_loss"].is_monotonic_increasing
    assert {"params", "latency_ms", "trial_seconds", "hyperparameters"} <= set(board.columns)
    predicted = model.predict(x[:10])
    assert predicted.shape == (10,) and set(predicted) <= set(labels)
    assert isinstance(predicted[0], str)
    probabilities = model.predict_proba(x[:10])
    assert probabilities.shape == (10, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(
        model.predict(x[:10]), np.array(sorted(set(labels)), dtype=object)[probabilities.argmax(1)]
    )
    metrics = model.evaluate(x, labels)
    assert 0.0 <= metrics["accuracy"] <= 1.0 and np.isfinite(metrics["loss"])
    result = json.loads(open(os.path.join(model.project_dir_, "easynas_result.json")).read())
    assert result["best_trial_id"] == model.best_trial_id_


def test_automodel_time_budget_stops_search_and_keeps_best(digits, fast):
    x, y = digits
    model = _tiny_automodel(**{**fast, "max_trials": 50, "epochs": 50, "patience": 50,
                               "time_budget": 3})
    start = time.perf_counter()
    model.fit(x, y)
    elapsed = time.perf_counter() - start
    assert len(model.trials_) < 50
    assert any(r.status == TrialStatus.COMPLETED for r in model.trials_)
    assert elapsed < 60, f"a 3 s budget took {elapsed:.0f} s"
    assert model.predict(x[:3]).shape == (3,)


class _Explodes(Block):
    """A candidate that cannot be built when `explode` is True, or diverges when `diverge` is."""

    def __init__(self, name=None):
        super().__init__(name=name)

    def build(self, hp, inputs):
        (x,) = inputs
        if hp.Boolean("explode", default=False):
            raise RuntimeError("this candidate cannot be built")
        x = keras.layers.Flatten(name=self.layer_name("flatten"))(x)
        if hp.Boolean("diverge", default=False):
            x = keras.layers.Rescaling(float("inf"), name=self.layer_name("inf"))(x)
        return x



def _sleep_per_batch(x):
    """The identity, taking 2 s for every batch (a candidate too slow to train)."""
    import tensorflow as tf

    def sleep(value):
        time.sleep(2.0)
        return value

    out = tf.numpy_function(sleep, [x], x.dtype, stateful=True)
    out.set_shape(x.shape)
    return out


class _Faulty(Block):
    """A candidate that works, cannot be built, diverges or trains too slowly, by `fault`."""

    def __init__(self, name=None):
        super().__init__(name=name)

    def build(self, hp, inputs):
        (x,) = inputs
        fault = hp.Choice("fault", ["none", "raise", "nan", "slow"])
        if fault == "raise":
            raise RuntimeError("this candidate cannot be built")
        x = keras.layers.Flatten(name=self.layer_name("flatten"))(x)
        if fault == "nan":
            x = keras.layers.Rescaling(float("inf"), name=self.layer_name("inf"))(x)
        if fault == "slow":
            x = keras.layers.Lambda(_sleep_per_batch, output_shape=x.shape[1:],
                                    name=self.layer_name("slow"))(x)
        return x


def test_a_raising_a_diverging_and_a_too_slow_candidate_fail_and_the_search_finishes(
        digits, fast):
    x, y = digits
    image = en.ImageInput()
    head = en.ClassificationHead(dropout=0.0)(_Faulty()(image))
    script = [{"faulty/fault": fault} for fault in ("raise", "nan", "slow", "none")]
    model = en.AutoModel(image, head, search=Scripted(script), trial_time_limit=5,
                         **{**fast, "max_trials": 4})
    started = time.perf_counter()
    model.fit(x, y)
    assert time.perf_counter() - started < 60
    statuses = [r.status for r in model.trials_]
    assert statuses == [TrialStatus.FAILED] * 3 + [TrialStatus.COMPLETED]
    raised, diverged, slow, _ = (r.message for r in model.trials_)
    assert "cannot be built" in raised and "NaN" in diverged
    assert "trial_time_limit=5s" in slow and "stopped after" in slow
    assert model.best_trial_id_ == model.trials_[3].trial_id
    assert list(model.leaderboard()["status"]) == ["COMPLETED", "FAILED", "FAILED", "FAILED"]


def test_all_candidates_failing_raises_with_the_reason(digits, fast):
    x, y = digits
    image = en.ImageInput()
    head = en.ClassificationHead()(_Explodes()(image))
    script = [{"explodes/explode": True, "explodes/diverge": False}]
    model = en.AutoModel(image, head, search=Scripted(script), **fast)
    with pytest.raises(RuntimeError, match="cannot be built"):
        model.fit(x, y)


@pytest.mark.slow  # 23 s; the greedy reproducibility test checks more
def test_same_seed_gives_same_trial_sequence(digits, fast, tmp_path):
    x, y = digits
    sequences = []
    for run in range(2):
        model = _tiny_automodel(**{**fast, "max_trials": 2, "directory": str(tmp_path / str(run))})
        model.fit(x, y)
        sequences.append([r.values for r in model.trials_])
    assert sequences[0] == sequences[1]


@pytest.mark.parametrize(
    "strategy", ["greedy", pytest.param("bayesian", marks=pytest.mark.slow)])
def test_same_seed_gives_same_trials_scores_and_best_for_a_score_guided_search(
        digits, fast, tmp_path, strategy):
    from easynas.search import BayesianSearch, GreedySearch

    x, y = digits
    runs = []
    for run in range(2):  # two fresh searches, in fresh folders, with the same seed
        make = {"bayesian": lambda: BayesianSearch(num_initial_points=1),
                "greedy": lambda: GreedySearch()}[strategy]
        image = en.ImageInput()
        block = en.blocks.DenseBlock(num_layers=1, units=[8, 16, 32], batch_norm=False)
        model = en.AutoModel(image, en.ClassificationHead()(block(image)), search=make(),
                             **{**fast, "max_trials": 3, "refit": False,
                                "directory": str(tmp_path / str(run))})
        model.fit(x, y)
        runs.append(model)
    first, second = runs
    # The later proposals depend on the earlier trials' scores, so equal sequences need
    # equal scores too.
    assert [r.values for r in first.trials_] == [r.values for r in second.trials_]
    assert [r.score for r in first.trials_] == [r.score for r in second.trials_]
    assert len({str(r.values) for r in first.trials_}) == 3
    assert first.best_hyperparameters_ == second.best_hyperparameters_
    np.testing.assert_array_equal(first.predict_proba(x[:8]), second.predict_proba(x[:8]))


def test_fit_continues_a_project_and_refuses_other_data(digits, fast):
    x, y = digits
    model = _tiny_automodel(**fast)
    model.fit(x, y)
    assert len(model.trials_) == 1
    more = clone(model).set_params(max_trials=2)
    more.fit(x, y)
    assert len(more.trials_) == 2
    assert more.trials_[0].values == model.trials_[0].values
    with pytest.raises(en.InvalidParameterError, match="overwrite=True"):
        clone(model).set_params(max_trials=3).fit(x[:, :7, :7], y)


def test_validation_data_is_used_instead_of_a_split(digits, fast):
    x, y = digits
    model = _tiny_automodel(**fast)
    model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]))
    assert model.spec_.inputs[0].num_samples == 48


def test_constructor_only_stores_arguments():
    image = en.ImageInput()
    model = en.AutoModel(image, en.ClassificationHead()(ConvBlock()(image)), max_trials=0)
    assert model.max_trials == 0  # validated in fit, not here
    assert not hasattr(model, "best_model_")
    assert clone(model).get_params()["max_trials"] == 0


def test_clone_copies_the_graph_with_its_connections(digits, fast):
    x, y = digits
    model = clone(_tiny_automodel(**fast))
    model.fit(x, y)
    assert model.inputs is not None and len(model.trials_) == 1


def test_a_temporary_project_folder_goes_away_with_its_estimator():
    import gc

    model = _tiny_automodel()  # directory=None: a temporary folder per fit
    project = model._project_dir()
    os.makedirs(project)
    with open(os.path.join(project, "checkpoint"), "w") as f:
        f.write("weights")
    assert os.path.isdir(project)
    del model
    gc.collect()
    assert not os.path.exists(os.path.dirname(project))
