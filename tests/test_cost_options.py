"""Cost limits and several objectives on the estimators: tiny real searches on digits."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest

import easynas as en
from easynas.exceptions import InvalidParameterError
from easynas.search._pareto import dominates


@pytest.mark.parametrize("bad, match", [
    ({"max_params": 0}, r"'max_params' parameter of ImageClassifier must be None or an int"),
    ({"max_params": 1.5}, r"'max_params'"),
    ({"max_latency_ms": -1.0}, r"'max_latency_ms' parameter .* Got -1.0 instead"),
    ({"max_size_mb": "1MB"}, r"'max_size_mb' parameter .* Got '1MB' instead"),
    ({"objectives": ["latency"]}, r"'objectives' parameter .* a metric first"),
    ({"objectives": ["val_accuracy", "speed"]}, r"'objectives' .* Got \['val_accuracy', 'spe"),
    ({"objectives": ["val_accuracy", "latency"], "objective": "val_loss_x"},
     r"'objectives' parameter of ImageClassifier starts with 'val_accuracy' but 'objective'"),
    ({"objectives": ["val_accuracy", "tflite_latency"]}, r"only with measure_tflite=True"),
    ({"measure_tflite": "yes"}, r"'measure_tflite' parameter"),
])
def test_cost_arguments_are_checked_before_any_training(digits, fast, bad, match):
    with pytest.raises(InvalidParameterError, match=match):
        en.ImageClassifier(**fast, **bad).fit(*digits)
    assert not os.path.exists(fast["directory"])  # nothing ran, nothing written


def _trained(board):
    return board[board["status"] == "COMPLETED"]


@pytest.mark.slow  # 19 s; the no-feasible-candidate cases cover rejection
def test_max_params_rejects_big_candidates_untrained_and_the_best_is_within_it(digits, fast):
    # The greedy presets on 8x8 digits: conv 66k, resnet 78k, mbconv 26k parameters.
    clf = en.ImageClassifier(**{**fast, "max_trials": 3}, refit=False, max_params=40_000)
    clf.fit(*digits)
    board = clf.leaderboard()
    infeasible = board[board["status"] == "INFEASIBLE"]
    assert len(infeasible) == 2 and (infeasible["params"] > 40_000).all()
    assert infeasible["epochs"].isna().all() and infeasible["latency_ms"].isna().all()
    assert infeasible["message"].str.contains("max_params=40,000").all()
    best = board.loc[1]
    assert best["trial_id"] == clf.best_trial_id_ and best["params"] <= 40_000
    assert clf.best_model_.count_params() == best["params"]
    for column in ("flops", "size_mb", "latency_ms", "latency_batch_ms"):
        assert best[column] > 0
    with open(os.path.join(clf.project_dir_, "easynas_result.json")) as f:
        result = json.load(f)
    assert result["limits"]["max_params"] == 40_000
    assert result["best_costs"]["params"] == best["params"]


@pytest.mark.parametrize("limit, match", [
    ({"max_params": 100}, r"No candidate met the cost limits \(max_params=100\): 2 of 2 .*"
                          r"parameters > max_params=100"),
    ({"max_latency_ms": 1e-6}, r"latency .* ms > max_latency_ms=1e-06"),
    ({"max_size_mb": 0.001}, r"size .* MB > max_size_mb=0.001"),
])
def test_a_search_with_no_feasible_candidate_raises_naming_the_limit(digits, fast, limit, match):
    clf = en.ImageClassifier(**{**fast, "max_trials": 2}, **limit)
    with pytest.raises(RuntimeError, match=match):
        clf.fit(*digits)


def test_two_objectives_give_a_non_dominated_front_of_feasible_exportable_trials(
    digits, fast, tmp_path
):
    # conv+augment 66k, conv 66k, mbconv 26k are feasible; resnet (78k) is not.
    clf = en.ImageClassifier(**{**fast, "max_trials": 4}, refit=False, max_params=70_000,
                             objectives=["val_accuracy", "latency"])
    clf.fit(*digits)
    assert clf.objectives_ == ["val_accuracy", "latency"]
    assert clf.objective_.name == "val_accuracy" and clf.objective_.direction == "max"
    board = clf.leaderboard()
    feasible = _trained(board)
    assert (board["status"] == "INFEASIBLE").sum() == 1 and len(feasible) == 3
    front = clf.pareto_front()
    ids = [p["trial_id"] for p in front]
    assert ids and set(ids) <= set(feasible["trial_id"])
    assert clf.best_trial_id_ in ids

    def point(row):
        return (-row["val_accuracy"], row["latency_ms"])

    rows = {row["trial_id"]: row for _, row in feasible.iterrows()}
    for trial_id, row in rows.items():  # the front is exactly the non-dominated set
        dominated = any(dominates(point(other), point(row)) for other in rows.values())
        assert (trial_id in ids) == (not dominated)
    for p in front:
        assert p["params"] <= 70_000 and p["latency_ms"] == rows[p["trial_id"]]["latency_ms"]

    images = digits[0][:4].astype("float32")
    for trial_id in ids:  # every point of the front exports, as the model it is
        written = clf.export(str(tmp_path / f"point{trial_id}.keras"), format="keras",
                             trial_id=trial_id)
        reloaded = keras.saving.load_model(written)
        assert reloaded.count_params() == rows[trial_id]["params"]
        np.testing.assert_allclose(reloaded.predict(images, verbose=0),
                                   clf.trial_model(trial_id).predict(images, verbose=0),
                                   atol=1e-6)
        with open(written + ".json") as f:
            assert json.load(f)["trial_id"] == trial_id
    with pytest.raises(InvalidParameterError, match=r"'trial_id' .* Got '999' instead"):
        clf.trial_model("999")

    by_params = clf.pareto_front(["val_accuracy", "params"])
    assert all(p["params"] <= 70_000 for p in by_params)
    with pytest.raises(InvalidParameterError, match=r"'objectives' parameter of pareto_front"):
        clf.pareto_front(["val_loss", "params"])

    pytest.importorskip("matplotlib", reason="the PNG needs matplotlib ('easynas[plot]')")
    png = clf.plot_pareto_front(str(tmp_path / "front.png"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
