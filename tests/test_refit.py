"""Refitting the best candidate on training + validation data after the search."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import easynas as en
from easynas._estimator import _refit_reserve, _refit_seconds
from easynas.exceptions import InvalidParameterError
from easynas.search import Objective

N = 60


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 4)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


def _classifier(tmp_path, **kwargs) -> en.TabularClassifier:
    options = dict(max_trials=1, epochs=3, patience=3, batch_size=16, verbose=0, seed=7,
                   directory=str(tmp_path))
    return en.TabularClassifier(**{**options, **kwargs})


def test_auto_refit_trains_the_best_architecture_on_all_samples_for_its_best_epochs(tmp_path):
    x, y = _data()
    clf = _classifier(tmp_path).fit(x, y)
    info = clf.refit_info_
    best = clf.leaderboard_.iloc[0]
    assert info["trial_id"] == clf.best_trial_id_
    assert info["samples"] == N  # training and validation split together
    assert 1 <= info["epochs"] <= int(best["epochs"]) and info["epochs_run"] == info["epochs"]
    assert "reason" not in info and info["seconds"] > 0
    # The refit model is what predict, the saved project and the export use.
    saved = keras.saving.load_model(f"{clf.project_dir_}/best_model.keras", compile=False)
    features = clf._features(x, "predict")
    np.testing.assert_allclose(saved.predict(features, verbose=0), clf.predict_proba(x),
                               rtol=1e-5, atol=1e-6)
    with open(f"{clf.project_dir_}/easynas_result.json", encoding="utf-8") as f:
        assert json.load(f)["refit"]["samples"] == N


def test_refit_false_keeps_the_searched_weights_and_auto_skips_given_validation_data(tmp_path):
    x, y = _data()
    kept = _classifier(tmp_path / "a", refit=False).fit(x, y)
    refit = _classifier(tmp_path / "b").fit(x, y)
    assert kept.refit_info_ is None
    # Same seed, same search: the searched model and the refit one differ
    # (the refit trained afresh on more samples).
    assert kept.leaderboard_.iloc[0]["val_loss"] == pytest.approx(
        refit.leaderboard_.iloc[0]["val_loss"])
    assert not np.allclose(kept.predict_proba(x), refit.predict_proba(x))

    given = _classifier(tmp_path / "c").fit(x[:40], y[:40], validation_data=(x[40:], y[40:]))
    assert given.refit_info_ is None
    forced = _classifier(tmp_path / "d", refit=True).fit(
        x[:40], y[:40], validation_data=(x[40:], y[40:]))
    assert forced.refit_info_["samples"] == N


def test_refit_keeps_sample_weights_of_both_parts(tmp_path):
    x, y = _data()
    weights = np.where(y == 1, 3.0, 1.0)
    clf = _classifier(tmp_path).fit(x, y, sample_weight=weights)
    assert clf.refit_info_["samples"] == N and "reason" not in clf.refit_info_


@pytest.mark.parametrize("bad", ["always", 1, None])
def test_refit_rejects_values_other_than_true_false_auto(bad):
    x, y = _data()
    with pytest.raises(InvalidParameterError, match="'refit'"):
        en.TabularClassifier(refit=bad).fit(x, y)


def test_refit_estimate_scales_the_epochs_up_to_the_best_with_the_data():
    info = {"epoch_seconds": [3.0, 1.0, 1.0, 1.0], "best_epoch": 2, "build_seconds": 0.5}
    # first epoch 3 s + 2 more at the median 1 s, times 1.25 for the added
    # validation data, plus 0.5 s of building; 10% margin.
    assert _refit_seconds(info, 1.25) == pytest.approx(1.1 * (0.5 + 5 * 1.25))
    assert _refit_seconds({}, 1.25) == 0.0


def test_reserve_covers_the_best_trial_or_a_running_trial_ahead_of_it():
    objective = Objective("val_loss", "min")
    best = {"epoch_seconds": [2.0, 1.0, 1.0], "best_epoch": 1, "after_fit_seconds": 0.5}
    best_needs = 1.1 * (2.0 + 1.0) * 1.25 + 0.5
    assert _refit_reserve(None, None, None, objective, 1.25, cap=100) == 0.0
    assert _refit_reserve(None, best, 0.3, objective, 1.25, cap=100) == pytest.approx(best_needs)
    assert _refit_reserve(None, best, 0.3, objective, 1.25, cap=2) == 2  # capped
    # A running trial behind the best reserves nothing of its own ...
    running = {"build_seconds": 1.0, "epoch_seconds": [3.0, 2.0, 2.0], "best_epoch": 2,
               "score": 0.4}
    assert _refit_reserve(running, best, 0.3, objective, 1.25, cap=100) == pytest.approx(
        best_needs)
    # ... one ahead reserves its own refit, counting the epoch now starting.
    running["score"] = 0.2
    own = 1.1 * (1.0 + (3.0 + 2.0 * 3) * 1.25) + 0.5
    assert _refit_reserve(running, best, 0.3, objective, 1.25, cap=100) == pytest.approx(own)
    # The first trial: no best yet, so a guess for the time after training.
    assert _refit_reserve(running, None, None, objective, 1.25, cap=100) == pytest.approx(
        own - 0.5 + 2.0)
    # Too long to refit within the cap: it keeps its time, the best's reserve stays.
    assert _refit_reserve(running, best, 0.3, objective, 1.25, cap=10) == pytest.approx(
        best_needs)
    # A margin for closing the last trial comes on top of whatever is reserved.
    assert _refit_reserve(None, best, 0.3, objective, 1.25, cap=100, margin=3) == (
        pytest.approx(best_needs + 3))
    assert _refit_reserve(None, None, None, objective, 1.25, cap=100, margin=3) == 0.0
