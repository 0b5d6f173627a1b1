"""Ensembles of the finalists: weight selection, flat assembly, the tabular tasks end to end."""

from __future__ import annotations

import json
import logging

import keras
import keras_tuner as kt
import numpy as np
import pytest

import easynas as en
from easynas import _ensemble as ensembles
from easynas.data._analysis import analyze_classification_target, analyze_regression_target
from easynas.data._spec import DataSpec
from easynas.graph import Graph, TabularInput
from easynas.search import Objective
from easynas.tasks._tabular import _TABULAR_PRESETS
from tests.blocks._tabular_table import mixed_table

LOSS = Objective("val_loss", "min")


def _mse(truth):
    return lambda mix: float(np.mean((mix[0] - truth) ** 2))


def test_selection_mixes_models_whose_errors_differ():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(400, 1))
    predictions = {"a": [truth + rng.normal(0, 1.0, truth.shape)],
                   "b": [truth + rng.normal(0, 1.2, truth.shape)]}
    mix = ensembles.select_weights(predictions, _mse(truth), LOSS, order=["a", "b"])
    assert set(mix["weights"]) == {"a", "b"} and sum(mix["weights"].values()) == pytest.approx(1)
    assert all(round(w * ensembles.ROUNDS) == pytest.approx(w * ensembles.ROUNDS)
               for w in mix["weights"].values())  # multiples of 1/ROUNDS
    assert mix["weights"]["a"] > mix["weights"]["b"]  # the better model weighs more
    assert mix["scores"] == pytest.approx({k: _mse(truth)(v) for k, v in predictions.items()})
    assert mix["score"] == pytest.approx(_mse(truth)(ensembles.combine(predictions,
                                                                        mix["weights"])))
    assert mix["score"] < 0.7 * min(mix["scores"].values())  # independent errors average out


def test_the_heaviest_member_is_the_largest_weight_not_the_first_ranked():
    assert ensembles.heaviest({"a": 0.35, "b": 0.65}) == "b"
    assert ensembles.heaviest({"a": 0.5, "b": 0.5}) == "a"  # ties: the better ranked


def test_selection_keeps_a_model_alone_when_no_mix_beats_it():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(400, 1))
    good = truth + rng.normal(0, 0.3, truth.shape)
    predictions = {"worse": [good + rng.normal(0, 1.0, truth.shape)], "good": [good]}
    mix = ensembles.select_weights(predictions, _mse(truth), LOSS, order=["worse", "good"])
    assert mix["weights"] == {"good": 1.0}
    assert mix["score"] == pytest.approx(mix["scores"]["good"])


def test_selection_follows_the_objective_direction_and_breaks_ties_by_rank():
    truth = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    right = np.eye(2)[truth].astype("float32")
    wrong_half = right.copy()
    wrong_half[:4] = right[:4, ::-1]

    def accuracy(mix):
        return float(np.mean(np.argmax(mix[0], axis=1) == truth))

    predictions = {"half": [wrong_half], "right": [right], "same": [right.copy()]}
    mix = ensembles.select_weights(predictions, accuracy, Objective("val_accuracy", "max"),
                                   order=["half", "right", "same"])
    assert mix["weights"] == {"right": 1.0}  # "same" ties "right" and ranks after it
    assert mix["score"] == 1.0 and mix["scores"]["half"] == 0.5
    with pytest.raises(ValueError, match="rounds"):
        ensembles.select_weights(predictions, accuracy, LOSS, order=["half"], rounds=0)


def _finalist(trial_id, params):
    from easynas.search._records import TrialRecord, TrialStatus

    return TrialRecord(trial_id=trial_id, status=TrialStatus.COMPLETED, values={}, score=0.0,
                       costs={"params": params})


@pytest.mark.parametrize("mix_scores, wins", [
    ([0.050, 0.055, 0.045, 0.050, 0.050], True),  # better than the best single by > its SE
    ([0.060, 0.090, 0.070, 0.085, 0.090], False),  # better on average, within the noise
])
def test_a_mix_is_deployed_only_when_it_wins_by_more_than_a_standard_error(mix_scores, wins):
    from easynas._finalists import ensemble_verdict

    finalists = [_finalist("mlp", 6000), _finalist("linear", 62)]
    scores = {"mlp": [0.08, 0.07, 0.09, 0.08, 0.085], "linear": [0.09, 0.10, 0.08, 0.085, 0.09]}
    verdict = ensemble_verdict(finalists, scores, {"mlp": 0.5, "linear": 0.5}, mix_scores, LOSS)
    assert verdict["wins"] is wins and verdict["fold_scores"] == mix_scores
    assert verdict["best_mean"] == "ensemble"  # the mix has the best mean either way
    assert verdict["standard_error"] == pytest.approx(np.std(mix_scores, ddof=1) / np.sqrt(5))
    # The mix counts all its members' parameters: one member's mix is no simpler than it.
    heavy = ensemble_verdict(finalists, scores, {"mlp": 0.9, "linear": 0.1},
                             [0.079, 0.069, 0.089, 0.079, 0.084], LOSS)
    assert heavy["wins"] is False


def _members(graph, spec, presets):
    """Untrained candidates of `graph` (their preprocessing adapted to `spec`), one per preset."""
    members = []
    for values in presets:
        hp = kt.HyperParameters()
        hp.values.update(values)
        members.append(graph.build(hp, spec))
    return members


def _table_spec(frame, targets):
    node = TabularInput(column_types={"review": "text"} if "review" in frame else None)
    table = node.read(frame, "x")
    spec = node.analyze(table, "x")
    return DataSpec((spec,), tuple(targets)), node.conform(spec, table, "x")


def test_an_assembled_ensemble_of_every_candidate_kind_is_their_weighted_sum(tmp_path):
    frame = mixed_table(0, rows=40)  # numbers, categories, booleans, dates and text
    spec, arrays = _table_spec(frame, [analyze_classification_target(np.arange(40) % 3)])
    table = TabularInput(column_types={"review": "text"})
    graph = Graph.from_nodes(table, en.ClassificationHead()(en.blocks.TabularBlock()(table)))
    members = _members(graph, spec, _TABULAR_PRESETS[:5])  # linear, PLE, MLPs, transformer
    weights = [0.35, 0.25, 0.2, 0.15, 0.05]
    ensemble = ensembles.assemble(members, weights)
    expected = sum(w * m.predict(arrays, verbose=0) for m, w in zip(members, weights))
    np.testing.assert_allclose(ensemble.predict(arrays, verbose=0), expected, atol=1e-6)
    assert ensembles.mismatch(ensemble, members, weights, arrays) < ensembles.TOLERANCE
    # Flat: the members' layers sit in the ensemble itself, prefixed, not nested models.
    assert not any(isinstance(layer, keras.Model) for layer in ensemble.layers)
    assert any(layer.name.startswith(ensembles.member_prefix(4)) for layer in ensemble.layers)
    assert [t.name for t in ensemble.inputs] == [t.name for t in members[0].inputs]
    assert ensemble.output_names == members[0].output_names
    assert ensemble.get_compile_config()["loss"] == members[0].get_compile_config()["loss"]
    path = str(tmp_path / "ensemble.keras")
    ensemble.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(arrays, verbose=0), expected, atol=1e-6)


def test_an_ensemble_of_two_headed_members_mixes_each_head():
    frame = mixed_table(1, rows=24).drop(columns=["review"])
    rng = np.random.default_rng(0)
    spec, arrays = _table_spec(frame, [analyze_classification_target(np.arange(24) % 2),
                                       analyze_regression_target(rng.normal(size=24))])
    table = TabularInput()
    features = en.blocks.TabularBlock()(table)
    graph = Graph.from_nodes(table, [en.ClassificationHead(name="kind")(features),
                                     en.RegressionHead(name="price")(features)])
    members = _members(graph, spec, _TABULAR_PRESETS[2:4])
    ensemble = ensembles.assemble(members, [0.6, 0.4])
    outputs = [m.predict(arrays, verbose=0) for m in members]
    for head, value in enumerate(ensemble.predict(arrays, verbose=0)):
        np.testing.assert_allclose(value, 0.6 * outputs[0][head] + 0.4 * outputs[1][head],
                                   atol=1e-5)
    assert ensemble.output_names == ["kind", "price"]


def test_assembly_refuses_mismatched_members_and_weights():
    first = keras.Sequential([keras.Input((3,), name="a"), keras.layers.Dense(2)])
    other = keras.Sequential([keras.Input((3,), name="b"), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="two or more members"):
        ensembles.assemble([first], [1.0])
    with pytest.raises(ValueError, match="sum to 1"):
        ensembles.assemble([first, first], [0.5, 0.6])
    with pytest.raises(ValueError, match="other inputs"):
        ensembles.assemble([first, other], [0.5, 0.5])


def _small_search(tmp_path, name, **params):
    """A search whose three finalists' mix wins their 2-fold CV by more than a standard error
    (tests/export/test_formats.py exports the same)."""
    x = mixed_table(1, rows=60)
    y = np.where((x.age.fillna(40) > 45) ^ (x.colour == "red"), "yes", "no")
    clf = en.TabularClassifier(max_trials=3, epochs=1, batch_size=16, verbose=0, seed=7,
                               finalists_cv=2, directory=str(tmp_path), project_name=name,
                               **params).fit(x, y)
    return clf, x, y


def test_a_small_search_deploys_its_finalists_ensemble(tmp_path):
    clf, x, y = _small_search(tmp_path, "mixed")
    mix = clf.ensemble_
    assert mix is not None and mix["deployed"] and mix["wins"] and len(mix["weights"]) == 3
    assert set(mix["weights"]) <= set(clf.finalists_["scores"])
    assert sum(mix["weights"].values()) == pytest.approx(1)
    assert mix["score"] <= min(mix["scores"].values())  # the mix beats each member out of fold
    means = {t: np.mean(v) for t, v in clf.finalists_["scores"].items()}
    assert np.mean(mix["fold_scores"]) + mix["standard_error"] < min(means.values())
    heaviest = max(mix["weights"], key=mix["weights"].get)
    assert clf.best_trial_id_ == heaviest and clf.refit_info_["trial_id"] == heaviest
    assert all(info["samples"] == 60 for info in mix["refits"].values())  # refitted on all rows
    assert {layer.name[:len("memberN_")] for layer in clf.best_model_.layers
            if layer.name.startswith("member")} == {"member0_", "member1_", "member2_"}
    board = clf.leaderboard().set_index("trial_id")
    for trial_id in board.index:
        assert board.loc[trial_id, "ensemble_weight"] == mix["weights"].get(trial_id)
    with open(f"{clf.project_dir_}/easynas_result.json", encoding="utf-8") as f:
        assert json.load(f)["ensemble"]["weights"] == mix["weights"]
    from easynas.cli import format_leaderboard, read_leaderboard

    table, objective = read_leaderboard(clf.project_dir_)  # from the project folder alone
    for trial_id, weight in mix["weights"].items():
        assert table.set_index("trial_id").loc[trial_id, "ensemble_weight"] == weight
    assert "ensemble_weight" in format_leaderboard(table, objective).splitlines()[0].split()
    # It predicts like any model (its exports: tests/export/test_formats.py).
    probabilities = clf.predict_proba(x)
    assert probabilities.shape == (60, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_ensemble_false_deploys_the_chosen_finalist_alone(tmp_path):
    clf, _, _ = _small_search(tmp_path, "single", ensemble=False)
    assert clf.ensemble_ is None and "ensemble" not in clf.finalists_
    assert clf.best_trial_id_ == clf.finalists_["chosen"]
    assert "ensemble_weight" not in clf.leaderboard().columns
    assert not any(layer.name.startswith("member") for layer in clf.best_model_.layers)


def test_an_ensemble_that_does_not_reproduce_its_members_is_not_deployed(tmp_path, monkeypatch,
                                                                        caplog):
    assemble = ensembles.assemble

    def off_by_a_bias(members, weights, name=ensembles.ENSEMBLE_NAME):
        model = assemble(members, weights, name)
        dense = next(layer for layer in reversed(model.layers)
                     if isinstance(layer, keras.layers.Dense))
        kernel, bias = dense.get_weights()
        dense.set_weights([kernel, bias + np.arange(len(bias))])  # no longer adds up
        return model

    monkeypatch.setattr(ensembles, "assemble", off_by_a_bias)
    with caplog.at_level(logging.WARNING, logger="easynas"):
        clf, _, _ = _small_search(tmp_path, "broken")
    mix = clf.finalists_["ensemble"]
    assert mix["deployed"] is False and "differed" in mix["reason"]
    assert any("differed" in r.getMessage() for r in caplog.records)
    heaviest = max(mix["weights"], key=mix["weights"].get)
    assert clf.ensemble_ is None and clf.best_trial_id_ == heaviest
    assert clf.finalists_["chosen"] == heaviest
    assert not any(layer.name.startswith("member") for layer in clf.best_model_.layers)
