"""Trials in child processes: a candidate that kills its process fails alone.

The candidates crash for real: a block in the search space ends its own
process with SIGKILL (as the kernel's out-of-memory killer would) or with
`os._exit(3)` (as a crash in native code would), or runs out of memory under
a capped address space, while it is being built.
"""

import json
import logging
import os
import signal
import sys
import time

import keras
import numpy as np
import pytest

import easynas as en
from easynas.blocks import Block
from easynas.search import TrialStatus
from tests._scripted import Scripted


class Crashes(Block):
    """Flattens its input; for `crash="kill"` or `"exit"` it ends its process instead, for
    `"memory"` it runs out of memory (its address space capped 1 GiB above what it uses),
    and for `"hang"` it never returns."""

    def __init__(self, name=None):
        super().__init__(name=name)

    def build(self, hp, inputs):
        (x,) = inputs
        crash = hp.Choice("crash", ["none", "kill", "exit", "memory", "hang"])
        if crash == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if crash == "exit":
            os._exit(3)
        if crash == "memory":
            import resource

            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            resource.setrlimit(resource.RLIMIT_AS, (used + 2**30, resource.RLIM_INFINITY))
            np.ones(2**33, dtype=np.uint8)  # 8 GiB
        if crash == "hang":
            time.sleep(3600)
        return keras.layers.Flatten(name=self.layer_name("flatten"))(x)



def _crashing_model(script, **kwargs):
    image = en.ImageInput()
    head = en.ClassificationHead(dropout=0.0)(Crashes()(image))
    return en.AutoModel(image, head, search=Scripted(script), **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_candidate_that_kills_its_process_fails_and_the_search_finishes(digits, fast):
    x, y = digits
    script = [{"crashes/crash": crash} for crash in ("kill", "memory", "none")]
    model = _crashing_model(script, trial_isolation="process",
                            **{**fast, "max_trials": 3, "refit": False})
    started = time.perf_counter()
    model.fit(x, y)
    print(f"\n3 trials in child processes (one killed, one out of memory) took "
          f"{time.perf_counter() - started:.1f}s")

    killed, out_of_memory, fine = model.trials_
    assert [r.status for r in model.trials_] == [TrialStatus.FAILED] * 2 + [TrialStatus.COMPLETED]
    assert "killed by signal 9 (SIGKILL: the kernel's out-of-memory killer" in killed.message
    assert "without reporting a result" in killed.message
    assert "MemoryError" in out_of_memory.message
    assert model.best_trial_id_ == fine.trial_id
    assert list(model.leaderboard()["status"]) == ["COMPLETED", "FAILED", "FAILED"]
    project = model.project_dir_
    info = json.loads(open(os.path.join(project, "trial_2", "easynas_trial.json")).read())
    assert info["isolation"] == "process" and info["child_start_seconds"] > 0
    # The model trained in the child is the one the parent keeps and predicts with.
    predicted = model.predict(x[:5])
    assert predicted.shape == (5,) and set(predicted) <= set(y)
    assert not os.path.exists(os.path.join(project, "trial_data"))  # removed after the search


def test_a_child_stuck_past_its_time_limit_is_killed(digits, fast, monkeypatch):
    from easynas.search import _kt_adapter

    # Killed half the limit after it (not the usual 10 s), to keep the test short.
    monkeypatch.setattr(_kt_adapter, "HARD_LIMIT_GRACE", 0.0)
    x, y = digits
    model = _crashing_model([{"crashes/crash": "hang"}], trial_isolation="process",
                            trial_time_limit=1, **{**fast, "refit": False})
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="All 1 candidate"):
        model.fit(x, y)
    seconds = time.perf_counter() - started
    project = os.path.join(fast["directory"], "auto_model")
    trial = json.loads(open(os.path.join(project, "trial_0", "trial.json")).read())
    assert trial["status"] == "FAILED"
    assert "after it started, past its hard limit of 2s, and was killed" in trial["message"]
    assert seconds < 120, f"the stuck child was killed late ({seconds:.0f}s)"


def test_auto_moves_trials_to_a_child_once_trials_are_long(digits, fast, monkeypatch):
    from easynas.search import _kt_adapter

    monkeypatch.setattr(_kt_adapter, "AUTO_PROCESS_SECONDS", 0.0)  # every trial is "long"
    x, y = digits
    script = [{"crashes/crash": "none"}] * 2
    model = _crashing_model(script, **{**fast, "max_trials": 2, "refit": False})
    assert model.trial_isolation == "auto"
    model.fit(x, y)
    assert [r.status for r in model.trials_] == [TrialStatus.COMPLETED] * 2
    infos = [json.loads(open(os.path.join(model.project_dir_, f"trial_{i}",
                                          "easynas_trial.json")).read()) for i in "01"]
    # The first trial has nothing to measure, so it runs here; the second goes to a child.
    assert [info["isolation"] for info in infos] == ["none", "process"]


def test_auto_keeps_trials_here_when_a_callback_cannot_go_to_a_child(digits, fast, monkeypatch,
                                                                     caplog):
    from easynas.search import _kt_adapter

    monkeypatch.setattr(_kt_adapter, "AUTO_PROCESS_SECONDS", 0.0)
    x, y = digits
    epochs = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append(1))
    model = _crashing_model([{"crashes/crash": "none"}] * 2,
                            **{**fast, "max_trials": 2, "refit": False})
    with caplog.at_level(logging.INFO, logger="easynas"):
        model.fit(x, y, callbacks=[callback])
    assert [r.status for r in model.trials_] == [TrialStatus.COMPLETED] * 2
    assert len(epochs) == 2  # both trials ran here, where the callback records
    assert "Trials run in this process (trial_isolation='auto')" in caplog.text
    assert "cannot be pickled" in caplog.text


def test_process_refuses_a_callback_it_cannot_send_before_training(digits, fast, tmp_path):
    x, y = digits
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    model = _crashing_model([{"crashes/crash": "none"}], trial_isolation="process", **fast)
    with pytest.raises(en.InvalidParameterError,
                       match="trial_isolation='process' runs each trial in a fresh Python.*"
                             "cannot be pickled.*trial_isolation='none'"):
        model.fit(x, y, callbacks=[callback])
    assert not (tmp_path / "projects").exists()


class SavePredictions(keras.callbacks.Callback):
    """Saves the model's outputs on `x` when training begins and ends, as numbered files in
    `folder` (it runs in the trial's child process, so it reports through files)."""

    def __init__(self, folder, x):
        super().__init__()
        self.folder, self.x = str(folder), x

    def _save(self, moment):
        outputs = keras.ops.convert_to_numpy(self.model(self.x, training=False))
        np.save(os.path.join(self.folder, f"{time.time_ns()}_{moment}.npy"), outputs)

    def on_train_begin(self, logs=None):
        self._save("begin")

    def on_train_end(self, logs=None):
        self._save("end")


@pytest.mark.slow  # two child processes and a morph child: 30-90 s on 2 cores
def test_a_morph_child_trains_in_a_child_process_from_its_parents_checkpoint(tmp_path, seed):
    from sklearn.datasets import load_digits

    from easynas.blocks import ConvBlock
    from easynas.data import DataSpec, analyze_classification_target, analyze_images
    from easynas.data._labels import encode_labels
    from easynas.graph import ClassificationHead, Graph, ImageInput
    from easynas.search import MorphismSearch, Objective
    from easynas.search._kt_adapter import SearchTuner, StrategyOracle
    from easynas.search._lineage import PARENT_KEY

    data = load_digits()
    x, y = data.images[:120].astype(np.uint8), data.target[:120] % 3
    spec = DataSpec(inputs=(analyze_images(x[:90]),),
                    targets=(analyze_classification_target(y[:90]),))
    labels = encode_labels(y, spec.targets[0])
    image = ImageInput()
    graph = Graph.from_nodes(image, ClassificationHead()(
        ConvBlock(num_blocks=1, num_layers=1, filters=8)(image)))
    strategy = MorphismSearch(num_initial_points=1, child_epochs=1, num_parents=1,
                              children_per_parent=2)
    oracle = StrategyOracle(strategy, Objective("val_loss", "min"), 2, seed)
    tuner = SearchTuner(oracle, graph, spec, directory=str(tmp_path), project_name="p",
                        overwrite=True, patience=3, trial_isolation="process")
    folder = tmp_path / "predictions"
    folder.mkdir()
    tuner.search(x=x[:90], y=labels[:90], validation_data=(x[90:], labels[90:]), epochs=1,
                 batch_size=16, callbacks=[SavePredictions(folder, x[90:])])

    parent, child = tuner.records()
    assert [r.status for r in (parent, child)] == [TrialStatus.COMPLETED] * 2
    assert child.values[PARENT_KEY] == parent.trial_id
    infos = [tuner.trial_info(r.trial_id) for r in (parent, child)]
    assert [info["isolation"] for info in infos] == ["process", "process"]
    # Lineage and costs, written by the child as an in-process trial writes them.
    assert infos[1]["lineage_epochs"] == infos[0]["best_epoch"] + 1 + 1
    assert infos[1]["feasible"] and infos[1]["params"] > 0
    saved = [np.load(folder / name) for name in sorted(os.listdir(folder))]
    assert len(saved) == 4  # begin and end of each trial, in order
    # The child starts computing its trained parent's function: it was built in its own
    # process from the parent's checkpoint and its morph ops (function-preserving).
    np.testing.assert_allclose(saved[2], saved[1], atol=1e-4)
    # What the child trained is what the parent process rebuilds (ops replayed, checkpoint).
    rebuilt = tuner.load_model(tuner.oracle.get_trial(child.trial_id))
    assert rebuilt.count_params() == infos[1]["params"]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rebuilt(x[90:], training=False)),
                               saved[3], atol=1e-5)


@pytest.mark.slow  # two child processes: 30-90 s on 2 cores
def test_a_cost_limited_search_rejects_in_a_child_process_and_keeps_the_feasible(digits,
                                                                                fast):
    # The greedy presets on 8x8 digits: conv 66k parameters, then resnet 78k.
    clf = en.ImageClassifier(**{**fast, "max_trials": 2}, refit=False, max_params=70_000,
                             trial_isolation="process")
    clf.fit(*digits)
    board = clf.leaderboard()
    assert list(board["status"]) == ["COMPLETED", "INFEASIBLE"]
    infeasible = board.loc[2]
    assert infeasible["params"] > 70_000 and "max_params=70,000" in infeasible["message"]
    infos = [json.loads(open(os.path.join(clf.project_dir_, f"trial_{i}",
                                          "easynas_trial.json")).read()) for i in "01"]
    assert [info["isolation"] for info in infos] == ["process", "process"]
    assert infos[0]["feasible"] and not infos[1]["feasible"]
    assert "epochs_run" not in infos[1]  # rejected untrained
    assert clf.best_model_.count_params() == board.loc[1, "params"] <= 70_000
