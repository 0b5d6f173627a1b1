"""Finalist cross-validation: a small-table search's best few trials re-ranked by k-fold CV."""

from __future__ import annotations

import json

import numpy as np
import pytest

import easynas as en
from easynas import _finalists as finalists
from easynas.search import Objective
from easynas.search._records import TrialRecord, TrialStatus
from tests.blocks._tabular_table import mixed_table

LOSS = Objective("val_loss", "min")


def _record(trial_id: str, score: float, params: int = 100) -> TrialRecord:
    return TrialRecord(trial_id=trial_id, status=TrialStatus.COMPLETED, values={}, score=score,
                       costs={"params": params})


def test_finalists_are_the_best_the_simplest_and_the_next_best():
    from easynas._cost_options import CostLimits

    records = [_record("0", 0.30, params=12), _record("1", 0.10), _record("2", 0.20),
               _record("3", 0.25), _record("4", 0.40, params=12),
               TrialRecord(trial_id="5", status=TrialStatus.FAILED, values={})]
    best = records[1]
    ranked = finalists.ranked(records, best, LOSS, CostLimits())
    assert [r.trial_id for r in ranked] == ["1", "0", "2"]  # "0": fewest params, better of two
    assert [r.trial_id for r in finalists.ranked(records, best, LOSS, CostLimits(), 4)] == [
        "1", "0", "2", "3"]
    simple_best = finalists.ranked(records, records[0], LOSS, CostLimits())
    assert [r.trial_id for r in simple_best] == ["0", "1", "2"]
    over = finalists.ranked(records, records[0], LOSS, CostLimits(max_params=50))
    assert [r.trial_id for r in over] == ["0", "4"]  # the cost limits hold


def _estimate(info, scale):  # the refit's own estimate, as the estimator passes it
    from easynas._estimator import _refit_seconds

    return _refit_seconds(info, scale)


def test_a_real_small_search_is_won_by_its_cv_scores_and_records_every_fold(tmp_path):
    x = mixed_table(0, rows=60)  # numbers, strings and missing values
    y = np.where((x.age.fillna(40) > 45) ^ (x.colour == "red"), "yes", "no")
    clf = en.TabularClassifier(max_trials=2, epochs=1, batch_size=16, verbose=0, seed=7,
                               finalists_cv=2, ensemble=False,  # (tests/test_ensemble.py)
                               directory=str(tmp_path)).fit(x, y)
    cv = clf.finalists_
    assert cv["folds"] == 2 and cv["metric"] == "val_loss"
    assert sorted(cv["finalists"]) == sorted(r.trial_id for r in clf.trials_)
    assert all(len(scores) == 2 for scores in cv["scores"].values())
    means = {t: np.mean(s) for t, s in cv["scores"].items()}
    assert cv["best_mean"] == min(means, key=means.get)
    assert cv["chosen"] == clf.best_trial_id_
    params = {r.trial_id: r.costs["params"] for r in clf.trials_}
    simplest_close = min((t for t in means if means[t] <= means[cv["best_mean"]]
                          + cv["standard_error"]), key=lambda t: (params[t], means[t]))
    assert cv["chosen"] == simplest_close
    assert clf.refit_info_["trial_id"] == cv["chosen"]  # the CV winner is the one refitted
    board = clf.leaderboard().set_index("trial_id")
    for trial_id, mean in means.items():
        assert board.loc[trial_id, "cv_score"] == pytest.approx(mean)
    with open(f"{clf.project_dir_}/easynas_result.json", encoding="utf-8") as f:
        saved = json.load(f)
    assert saved["finalists"]["scores"] == cv["scores"]
    assert saved["best_trial_id"] == cv["chosen"]
    # The command line reads the CV scores back from the project folder alone.
    from easynas.cli import format_leaderboard, read_leaderboard

    table, objective = read_leaderboard(clf.project_dir_)
    for trial_id, mean in means.items():
        assert table.set_index("trial_id").loc[trial_id, "cv_score"] == pytest.approx(mean)
    lines = format_leaderboard(table, objective).splitlines()
    assert lines[0].split()[3:5] == ["val_loss", "cv_score"]
    assert f"{means[cv['chosen']]:.4f}" in " ".join(lines[1:])


def test_auto_cross_validates_small_split_tables_only():
    assert finalists.folds_for("auto", 455, validation_given=False) == finalists.FOLDS
    assert finalists.folds_for("auto", finalists.AUTO_MAX_ROWS, validation_given=False) == 0
    assert finalists.folds_for("auto", 455, validation_given=True) == 0
    assert finalists.folds_for(True, 50_000, validation_given=True) == finalists.FOLDS
    assert finalists.folds_for(False, 455, validation_given=False) == 0
    assert finalists.folds_for(True, 2 * finalists.FOLDS - 1, validation_given=False) == 0
    assert finalists.folds_for(3, 50_000, validation_given=True) == 3


def test_plan_keeps_the_finalists_whose_folds_fit_and_needs_two():
    ranked = [_record("1", 0.1), _record("2", 0.2), _record("3", 0.3)]
    infos = {t: {"build_seconds": 2.0, "cost_seconds": 1.0, "epoch_seconds": [1.0, 1.0],
                 "best_epoch": 1} for t in "123"}
    per_fold = _estimate(finalists.fold_info(infos["1"]), 1.0)
    assert per_fold == pytest.approx(1.1 * (1.0 + 2.0))  # cost measuring is not repeated
    plan = finalists.plan(ranked, infos, 5, 1.0, 10 * per_fold + 1e-6, _estimate)
    assert [r.trial_id for r in plan] == ["1", "2"]
    assert finalists.plan(ranked, infos, 5, 1.0, 9 * per_fold, _estimate) == []  # no room
    assert finalists.reserve_seconds(ranked, infos, 5, 1.25, 1e9, _estimate) == pytest.approx(
        15 * per_fold)  # 5 folds of 4/5 of 1.25 times the search's training rows
    # With less time, fewer folds: 3 folds of two finalists train on 2/3 of the rows each.
    three = _estimate(finalists.fold_info(infos["1"]), 1.25 * 2 / 3)
    assert finalists.fitting_plan(ranked, infos, 5, 1.25, 7 * three, _estimate) == (
        3, ranked[:2], pytest.approx(6 * three))
    two = _estimate(finalists.fold_info(infos["1"]), 1.25 / 2)
    assert finalists.fitting_plan(ranked, infos, 5, 1.25, 4 * two, _estimate)[0] == 2
    assert finalists.reserve_seconds(ranked, infos, 5, 1.25, 3.9 * two, _estimate) == 0.0


def test_cross_validate_picks_the_best_mean_not_the_best_fold():
    table = {"a": [0.10, 0.50, 0.50], "b": [0.30, 0.30, 0.30], "c": [0.20, 0.40, 0.40]}
    splits = [(None, k) for k in range(3)]
    seen = []
    result = finalists.cross_validate(
        [_record(t, 0.0) for t in "abc"], fit_fold=lambda record, rows: record.trial_id,
        score=lambda record, trial_id, k: table[trial_id][k], splits=splits, objective=LOSS,
        on_scored=lambda trial_id, scores: seen.append(trial_id))
    assert result["chosen"] == "b" and result["scores"] == table and seen == ["a", "b", "c"]
    assert result["best_mean"] == "b" and result["standard_error"] == 0.0
    accuracy = finalists.cross_validate(
        [_record(t, 0.0) for t in "abc"], lambda record, rows: record.trial_id,
        lambda record, trial_id, k: table[trial_id][k], splits, Objective("val_accuracy", "max"))
    assert accuracy["chosen"] == "a"


@pytest.mark.parametrize("objective, scores, chosen", [
    # breast cancer's 3 folds: the MLP's best mean 0.0744 has a standard error of 0.0203,
    # and the 62-parameter logistic regression's 0.0894 is within it.
    (LOSS, {"mlp": [0.1149, 0.0568, 0.0515], "linear": [0.0987, 0.1071, 0.0623]}, "linear"),
    (LOSS, {"mlp": [0.07, 0.075, 0.08], "linear": [0.0987, 0.1071, 0.0623]}, "mlp"),
    (Objective("val_accuracy", "max"),
     {"mlp": [0.99, 0.93, 0.96], "linear": [0.95, 0.94, 0.945]}, "linear"),
    (Objective("val_accuracy", "max"),
     {"mlp": [0.99, 0.98, 0.985], "linear": [0.95, 0.94, 0.945]}, "mlp"),
])
def test_the_simplest_finalist_within_one_standard_error_of_the_best_wins(objective, scores,
                                                                          chosen):
    records = [_record("mlp", 0.0, params=6000), _record("linear", 0.0, params=62)]
    result = finalists.one_standard_error(records, scores, objective)
    best = scores["mlp"]
    assert result["best_mean"] == "mlp"
    assert result["standard_error"] == pytest.approx(np.std(best, ddof=1) / np.sqrt(3))
    assert result["chosen"] == chosen


def test_cross_validate_stops_at_a_fold_cut_short_and_needs_two_scored():
    splits = [(None, k) for k in range(3)]
    result = finalists.cross_validate(
        [_record(t, 0.0) for t in "ab"],
        fit_fold=lambda record, rows: None if record.trial_id == "b" and rows is None
        else record.trial_id,
        score=lambda record, trial_id, k: 0.1, splits=splits, objective=LOSS)
    assert result["chosen"] is None and list(result["scores"]) == ["a"]
    assert "could not be scored" in result["reason"]


def test_split_is_seeded_stratified_and_covers_every_row_once():
    labels = np.array([0] * 30 + [1] * 10)
    folds = finalists.split(40, 5, labels, seed=3)
    held_out = np.concatenate([test for _, test in folds])
    assert sorted(held_out) == list(range(40))
    assert all(np.sum(labels[test] == 1) == 2 for _, test in folds)  # 10 ones over 5 folds
    again = finalists.split(40, 5, labels, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    rare = np.array([0] * 37 + [1] * 3)  # fewer of a class than folds: plain k-fold
    assert sorted(np.concatenate([t for _, t in finalists.split(40, 5, rare, 3)])) == list(
        range(40))


def test_fold_score_is_evaluate_without_the_weight_penalty():
    import keras

    from easynas.search._penalty import penalty

    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(
        2, activation="softmax", kernel_regularizer=keras.regularizers.L2(0.1))(inputs))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    weights = rng.uniform(0.5, 2.0, size=40).astype("float32")
    expected = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    assert penalty(model) > 0.01
    assert finalists.fold_score(model, x, y, weights, LOSS) == pytest.approx(
        expected["loss"] - penalty(model), rel=1e-4)
    assert finalists.fold_score(model, x, y, weights, Objective("val_accuracy", "max")) == (
        pytest.approx(expected["accuracy"]))
    assert finalists.fold_score(model, x, y, None, Objective("val_auc", "max")) is None
    assert finalists.fold_score(model, x, y, None, Objective("loss", "min")) is None
