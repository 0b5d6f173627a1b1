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
from easynas.search import Proposal, Strategy, TrialStatus


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


class Scripted(Strategy):
    """Proposes a fixed list of candidates, then stops."""

    def __init__(self, script=(), max_collisions=50):
        super().__init__(max_collisions)
        self.script = list(script)

    def propose(self, space, history, rng):
        if len(history) < len(self.script):
            return Proposal.run(self.script[len(history)])
        return Proposal.stop()


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
