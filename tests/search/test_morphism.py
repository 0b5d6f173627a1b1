"""Network-morphism search: children are data, rebuilt exactly, picked by a GP."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest

from easynas.blocks import ConvBlock
from easynas.data import DataSpec, analyze_classification_target, analyze_images
from easynas.data._labels import encode_labels
from easynas.exceptions import ExperimentalWarning
from easynas.graph import ClassificationHead, Graph, ImageInput
from easynas.morph import Deeper, Wider, apply_ops, describe, distance
from easynas.report._leaderboard import build_leaderboard
from easynas.search import (
    History,
    MorphismSearch,
    Objective,
    Proposal,
    Strategy,
    TrialRecord,
    TrialStatus,
    get,
)
from easynas.search._distance_gp import DistanceGP
from easynas.search._kt_adapter import CHECKPOINT, SearchTuner, StrategyOracle
from easynas.search._lineage import MORPH_NEW_OPS_KEY, MORPH_OPS_KEY, PARENT_KEY, morph_chain

from . import _harness

OBJECTIVE = Objective("val_loss", "min")


@pytest.fixture
def problem(seed):
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = data.images[:120].astype(np.uint8), data.target[:120] % 3
    spec = DataSpec(inputs=(analyze_images(x[:90]),),
                    targets=(analyze_classification_target(y[:90]),))
    labels = encode_labels(y, spec.targets[0])
    inp = ImageInput()
    out = ClassificationHead()(ConvBlock(num_blocks=1, num_layers=1, filters=8)(inp))
    return Graph.from_nodes(inp, out), spec, (x[:90], labels[:90]), (x[90:], labels[90:])


class _Predictions(keras.callbacks.Callback):
    """Validation predictions at the start and the end of every trial's training.

    Kept on the class: KerasTuner deep-copies callbacks per trial. Eager calls
    (not `predict`, which traces a function each time) keep the test fast.
    """

    x: np.ndarray = np.zeros(0)
    begin: list[np.ndarray] = []
    end: list[np.ndarray] = []

    def on_train_begin(self, logs=None):
        type(self).begin.append(_outputs(self.model, type(self).x))

    def on_train_end(self, logs=None):
        type(self).end.append(_outputs(self.model, type(self).x))


def _outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def _tuner(problem, strategy, max_trials, directory, seed, overwrite=True):
    graph, spec, _, _ = problem
    oracle = StrategyOracle(strategy, OBJECTIVE, max_trials, seed)
    return SearchTuner(oracle, graph, spec, directory=str(directory), project_name="p",
                       overwrite=overwrite, patience=3)


def _search(tuner, problem, callbacks=()):
    _, _, (x, y), validation = problem
    tuner.search(x=x, y=y, validation_data=validation, epochs=1, batch_size=16,
                 callbacks=list(callbacks))


def test_children_inherit_weights_rebuild_exactly_and_survive_a_reload(problem, tmp_path,
                                                                       seed):
    x_val = problem[3][0]
    _Predictions.x, _Predictions.begin, _Predictions.end = x_val, [], []
    strategy = MorphismSearch(num_initial_points=1, child_epochs=1, num_parents=1,
                              children_per_parent=3)
    tuner = _tuner(problem, strategy, 3, tmp_path, seed)
    _search(tuner, problem, [_Predictions()])
    records = tuner.records()
    assert [r.status for r in records] == [TrialStatus.COMPLETED] * 3
    root, children = records[0], records[1:]
    assert PARENT_KEY not in root.values
    for number, child in enumerate(children, start=1):
        parent_id = child.values[PARENT_KEY]
        parent_number = [r.trial_id for r in records].index(parent_id)
        own = morph_chain(child.values)[-child.values[MORPH_NEW_OPS_KEY]:]
        assert own and morph_chain(child.values)[: -len(own)] == morph_chain(
            records[parent_number].values)
        # The child starts computing its trained parent's function (ops preserve it).
        np.testing.assert_allclose(_Predictions.begin[number], _Predictions.end[parent_number],
                                   atol=1e-4)
        # Its rebuilt model (graph + ops replayed + checkpoint) is the trained child.
        rebuilt = tuner.load_model(tuner.oracle.get_trial(child.trial_id))
        np.testing.assert_allclose(_outputs(rebuilt, x_val), _Predictions.end[number], atol=1e-5)
        info = tuner.trial_info(child.trial_id)
        parent_info = tuner.trial_info(parent_id)
        assert info["lineage_epochs"] == (parent_info.get("lineage_epochs")
                                          or parent_info["best_epoch"] + 1) + 1
    # The project reloaded by a fresh tuner (no in-memory state) rebuilds a child
    # and goes on growing the tree from the trials it reads back.
    keras.backend.clear_session()
    again = _tuner(problem, MorphismSearch(num_initial_points=1, child_epochs=1), 4, tmp_path,
                   seed, overwrite=False)
    rebuilt = again.load_model(again.oracle.get_trial(children[-1].trial_id))
    np.testing.assert_allclose(_outputs(rebuilt, x_val), _Predictions.end[-1], atol=1e-5)
    proposal = again.oracle.populate_space("next")
    assert proposal["status"] == "RUNNING"
    assert proposal["values"][PARENT_KEY] in {r.trial_id for r in records}
    board = build_leaderboard(again.records(), {}, OBJECTIVE)
    morphed = board[board.parent.notna()]
    assert len(morphed) == 2
    assert morphed.morph_ops.str.match(r"(wider|deeper|add_skip|concat_skip)\(").all()


class _Scripted(Strategy):
    """Proposes the given values in turn, then stops.

    A child gets the first trial's hyperparameters (as MorphismSearch gives a
    child its parent's): KerasTuner would fill missing ones at random.
    """

    def __init__(self, proposals):
        super().__init__()
        self.proposals = proposals

    def propose(self, space, history, rng):
        if len(history) >= len(self.proposals):
            return Proposal.stop()
        values = dict(self.proposals[len(history)])
        if PARENT_KEY in values:
            values = {**history.records[0].values, **values}
        return Proposal.run(values)


def test_unknown_ops_and_missing_parents_fail_the_trial_with_the_reason(problem, tmp_path,
                                                                        seed):
    wider = json.dumps([Wider("conv2d", units=2).to_dict()])
    tuner = _tuner(problem, _Scripted([
        {},
        {PARENT_KEY: "0", MORPH_OPS_KEY: json.dumps([{"op": "shrink", "layer": "conv2d"}]),
         MORPH_NEW_OPS_KEY: 1},
        {PARENT_KEY: "7", MORPH_OPS_KEY: wider, MORPH_NEW_OPS_KEY: 1},
        {PARENT_KEY: "0", MORPH_OPS_KEY: "not json", MORPH_NEW_OPS_KEY: 1},
        {PARENT_KEY: "0", MORPH_OPS_KEY: wider, MORPH_NEW_OPS_KEY: 2},
    ]), 5, tmp_path, seed)
    _search(tuner, problem)
    records = tuner.records()
    assert [r.status for r in records] == [TrialStatus.COMPLETED] + [TrialStatus.FAILED] * 4
    assert "unknown morph op 'shrink'" in records[1].message
    assert "checkpoint of parent trial '7' is missing" in records[2].message
    assert "must be a JSON list of morph ops" in records[3].message
    assert "morph_new_ops must be an int in [0, 1]" in records[4].message
    assert not os.path.exists(os.path.join(tuner.get_trial_dir(records[1].trial_id), CHECKPOINT))
    board = build_leaderboard(records, {}, OBJECTIVE)
    assert board.loc[board.trial_id == records[3].trial_id, "morph_ops"].item().startswith(
        "(unreadable")


# --- the architecture distance and the GP --------------------------------------------


def _mlp(units: int = 8) -> keras.Model:
    x = keras.Input((6,), name="x")
    a = keras.layers.Dense(units, activation="relu", name="a")(x)
    b = keras.layers.Dense(units, activation="relu", name="b")(a)
    return keras.Model(x, keras.layers.Dense(3, name="out")(b))


def test_distance_is_zero_for_equal_symmetric_and_grows_with_ops():
    from easynas.morph import AddSkip

    parent = _mlp()
    one = Deeper("a").apply(parent, compile=False)
    two = Deeper("b").apply(one, compile=False)
    wide = Wider("a", units=8).apply(parent, compile=False)
    skip = AddSkip("a", "b").apply(parent, compile=False)
    d = {name: describe(m) for name, m in
         {"parent": parent, "one": one, "two": two, "wide": wide, "skip": skip}.items()}
    assert distance(d["parent"], describe(_mlp())) == 0.0
    assert json.loads(json.dumps(d["two"])) == d["two"]  # plain data
    for a in d:
        for b in d:
            assert distance(d[a], d[b]) == pytest.approx(distance(d[b], d[a]))
    assert 0 < distance(d["parent"], d["one"]) < distance(d["parent"], d["two"])
    assert distance(d["parent"], d["wide"]) == pytest.approx(0.5)  # a: 8 -> 16 units
    assert d["skip"]["skips"] and not d["parent"]["skips"]
    assert distance(d["parent"], d["skip"]) > 2  # a projection, an Add, and the skip


def test_distance_gp_interpolates_and_is_unsure_far_away():
    points = np.array([0.0, 1.0, 2.0, 6.0])
    gp = DistanceGP(noise=1e-6).fit(np.abs(points[:, None] - points[None]),
                                    np.array([0.1, 0.5, 0.9, 0.2]))
    new = np.array([1.0, 30.0])
    mean, std = gp.predict(np.abs(new[:, None] - points[None]))
    assert mean[0] == pytest.approx(0.5, abs=1e-3) and std[0] < 1e-2
    assert mean[1] == pytest.approx(0.425, abs=1e-3) and std[1] > 0.2  # prior mean, wide


def _dense_builder(values):
    model = _mlp(values["units"])
    return apply_ops(model, morph_chain(values), compile=False)


def test_the_gp_prefers_children_of_good_parents_and_values_are_data():
    strategy = MorphismSearch(num_initial_points=2, child_epochs=1, beta=0.0,
                              children_per_parent=3, max_ops=1)
    strategy.bind_builder(_dense_builder)
    records = [
        TrialRecord("0", TrialStatus.COMPLETED, {"units": 4}, score=0.2),
        TrialRecord("1", TrialStatus.COMPLETED, {"units": 32}, score=2.0),
    ]
    proposal = strategy.propose(None, History(records, OBJECTIVE), np.random.default_rng(0))
    values = proposal.values
    assert proposal.status == "RUNNING" and values[PARENT_KEY] == "0"
    assert values["units"] == 4 and values["easynas/epochs"] == 1
    assert values[MORPH_NEW_OPS_KEY] == 1 and len(morph_chain(values)) == 1
    json.dumps(values)  # a child is data
    # A child of the child replays the whole chain from the root.
    records.append(TrialRecord("2", TrialStatus.COMPLETED, values, score=0.1))
    strategy.num_parents = 1  # only the best trial, the child, gets children
    grandchild = strategy.propose(None, History(records, OBJECTIVE),
                                  np.random.default_rng(1)).values
    assert grandchild[PARENT_KEY] == "2" and grandchild["units"] == 4
    assert morph_chain(grandchild)[:1] == morph_chain(values)
    assert grandchild[MORPH_NEW_OPS_KEY] == len(morph_chain(grandchild)) - 1


def _harness_model(values):
    """The harness spaces' values as a small MLP (build only, never trained)."""
    x = keras.Input((4,), name="x")
    h = x
    for i in range(values.get("layers", values.get("size", 1))):
        h = keras.layers.Dense(values.get("units", 8), activation=values.get("activation", "relu"),
                               name=f"d{i}")(h)
    model = keras.Model(x, keras.layers.Dense(2, name="out")(h))
    return apply_ops(model, morph_chain(values), compile=False)


class _HarnessMorphism(MorphismSearch):
    """MorphismSearch with the harness's builder bound (a rebuilt one from its config too)."""

    def __init__(self, **config):
        super().__init__(**config)
        self.bind_builder(_harness_model)


# A tree of children has no end, so the check that a strategy stops on an exhausted
# space does not apply: morphism stops only when no untried child or candidate is left.
_CHECKS = [c for c in _harness.CHECKS if c is not _harness.check_stops_when_space_exhausted]


@pytest.mark.parametrize("check", _CHECKS, ids=[c.__name__ for c in _CHECKS])
def test_morphism_passes_strategy_harness(check):
    check(lambda: _HarnessMorphism(num_parents=1, children_per_parent=1, max_ops=1))


def test_morphism_tries_another_fresh_candidate_when_every_root_failed():
    strategy = MorphismSearch(num_initial_points=1)
    space = _harness.make_space()
    proposals, records = _harness.run_search(strategy, space, seed=0, num_trials=3,
                                             fail=lambda *_: True)
    assert [p.status for p in proposals] == ["RUNNING"] * 3
    assert all(PARENT_KEY not in r.values for r in records)
    assert len({json.dumps(r.values, sort_keys=True) for r in records}) == 3


def test_morphism_waits_for_roots_and_needs_a_builder():
    strategy = MorphismSearch(num_initial_points=1)
    running = [TrialRecord("0", TrialStatus.RUNNING, {"units": 4})]
    assert strategy.propose(None, History(running, OBJECTIVE),
                            np.random.default_rng(0)).status == "IDLE"
    done = [TrialRecord("0", TrialStatus.COMPLETED, {"units": 4}, score=1.0)]
    with pytest.raises(RuntimeError, match="bind_builder"):
        strategy.propose(None, History(done, OBJECTIVE), np.random.default_rng(0))


@pytest.mark.parametrize(("config", "message"), [
    ({"max_ops": 0}, "max_ops of MorphismSearch must be an int >= 1. Received: max_ops=0"),
    ({"child_epochs": 1.5}, "child_epochs of MorphismSearch must be None or an int >= 1"),
    ({"op_kinds": ["shrink"]}, r"op_kinds of MorphismSearch must be a non-empty list"),
    ({"beta": -1}, "beta of MorphismSearch must be a number >= 0"),
])
def test_bad_morphism_settings_are_refused_naming_them(config, message):
    with pytest.raises(ValueError, match=message):
        get({"class_name": "morphism", "config": config})


def test_get_passes_the_search_epochs_and_children_train_half():
    strategy = get("morphism", max_epochs=6)
    assert strategy.max_epochs == 6 and strategy._child_epochs() == 3
    assert MorphismSearch.from_config(strategy.get_config()).get_config() == strategy.get_config()



def test_an_image_classifier_grows_a_child_refits_and_exports_it(digits, tmp_path, seed,
                                                                 run_without_easynas):
    import keras_tuner

    import easynas as en
    from tests.export.test_keras_file import LOAD_AND_PREDICT

    x, y = digits
    clf = en.ImageClassifier(
        search={"class_name": "morphism", "config": {"num_initial_points": 1}},
        max_trials=2, epochs=2, batch_size=16, verbose=0, seed=seed,
        directory=str(tmp_path / "projects"),
    )
    with pytest.warns(ExperimentalWarning, match="search='morphism' is experimental") as caught:
        clf.fit(x, y)
    assert caught[0].filename == __file__  # it points at the user's fit call
    root, child = clf.trials_
    assert child.values[PARENT_KEY] == root.trial_id and child.values["easynas/epochs"] == 1
    assert root.values["image_block/block_type"] == "conv"  # the task's first preset
    board = clf.leaderboard()
    row = board[board.trial_id == child.trial_id].iloc[0]
    assert row.parent == root.trial_id and row.morph_ops
    with open(os.path.join(clf.project_dir_, "easynas_result.json"), encoding="utf-8") as f:
        result = json.load(f)
    assert result["lineage"] == {child.trial_id: {
        "parent": root.trial_id, "ops": morph_chain(child.values)}}
    # The child's architecture, trained afresh on all the data for its lineage's epochs.
    assert clf.best_trial_id_ == child.trial_id
    assert clf.refit_info_["epochs"] >= 2 > row.epochs  # the root's epochs + the child's one
    hp = keras_tuner.HyperParameters()
    hp.values = dict(root.values)
    plain = describe(clf.graph_.build(hp, clf.spec_))
    assert describe(clf.best_model_)["layers"] != plain["layers"]
    path = tmp_path / "child.keras"
    clf.export(str(path), format="keras")
    np.savez(tmp_path / "x.npz", x=x)
    run_without_easynas(LOAD_AND_PREDICT, path, tmp_path / "x.npz", tmp_path / "out.npy")
    assert np.max(np.abs(np.load(tmp_path / "out.npy") - clf.predict_proba(x))) < 1e-5


@pytest.mark.slow  # 21 s
def test_a_continued_morphism_search_grows_its_tree_from_the_trials_on_disk(digits, tmp_path,
                                                                           seed):
    import easynas as en

    x, y = digits

    def estimator(max_trials):
        image = en.ImageInput()
        head = en.ClassificationHead()(en.blocks.DenseBlock(num_layers=1, units=8)(image))
        return en.AutoModel(image, head, search={"class_name": "morphism", "config": {
            "num_initial_points": 1, "num_parents": 2}}, max_trials=max_trials, epochs=2,
            batch_size=16, verbose=0, seed=seed, refit=False,
            directory=str(tmp_path / "projects"))

    with pytest.warns(ExperimentalWarning):
        first = estimator(2).fit(x, y)
        # A new estimator (a new strategy: nothing in memory) continues the same project.
        more = estimator(4).fit(x, y)
    old, new = first.trials_, more.trials_
    assert [r.trial_id for r in new[:2]] == [r.trial_id for r in old]
    assert [r.score for r in new[:2]] == [r.score for r in old]  # read back, not retrained
    by_id = {r.trial_id: r for r in new}
    assert all(r.status == TrialStatus.COMPLETED for r in new) and len(new) == 4
    for child in new[1:]:
        parent = by_id[child.values[PARENT_KEY]]
        assert new.index(parent) < new.index(child)
        assert morph_chain(child.values)[: len(morph_chain(parent.values))] == morph_chain(
            parent.values)
        assert child.values["easynas/epochs"] == 1  # half a from-scratch trial's 2 epochs
    board = more.leaderboard()
    assert set(board.parent.dropna()) <= {r.trial_id for r in new}
    # Any trial's model (a point of the front, say) is rebuilt with its ops replayed.
    for child in new[1:]:
        if child.trial_id != more.best_trial_id_:
            params = board.loc[board.trial_id == child.trial_id, "params"].item()
            assert more.trial_model(child.trial_id).count_params() == params
    # The best trial, whichever generation, is rebuilt from its values and checkpoint.
    assert more.predict(x[:4]).shape == (4,)
