"""A search killed with SIGKILL mid-trial resumes from its folder; a second run is refused.

The search runs in a real child process, killed with SIGKILL while a trial
trains; this process (a second, concurrent one) is refused while the child is
alive, then resumes the project once it is dead, taking over its stale lock.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sklearn.base import clone

import easynas as en
from easynas.exceptions import ProjectLockedError
from easynas.search import TrialStatus

# The search both processes run: 3 random candidates of a tiny ConvBlock on 64 digits.
# In the child a user callback sleeps after each epoch, so a trial lasts long enough
# to be killed in the middle of it.
SEARCH = textwrap.dedent("""
    import sys, time
    import keras
    import numpy as np
    from sklearn.datasets import load_digits
    import easynas as en

    def data():
        digits = load_digits()
        return digits.images[:64].astype(np.uint8), digits.target[:64].astype(np.int64)

    def estimator(directory, max_trials=3):
        image = en.ImageInput()
        block = en.blocks.ConvBlock(num_blocks=1, num_layers=1)
        return en.AutoModel(image, en.ClassificationHead()(block(image)), search="random",
                            max_trials=max_trials, epochs=1, batch_size=16, verbose=0,
                            seed=7, directory=directory, refit=False)

    class Slow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(1.0)

    if __name__ == "__main__":
        estimator(sys.argv[1]).fit(*data(), callbacks=[Slow()])
""")


def _load_search():
    namespace = {"__name__": "search"}
    exec(compile(SEARCH, "search", "exec"), namespace)  # noqa: S102 - our own test code
    return namespace


def _wait_for(condition, child, timeout=180.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if child.poll() is not None:
            raise AssertionError(f"the search ended early:\n{child.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the search")
        time.sleep(0.05)


def _trial(project, trial_id):
    path = os.path.join(project, f"trial_{trial_id}", "trial.json")
    return json.loads(open(path).read()) if os.path.exists(path) else None


def test_a_search_killed_mid_trial_resumes_with_its_finished_trials(tmp_path, caplog):
    directory = str(tmp_path / "projects")
    project = os.path.join(directory, "auto_model")
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", SEARCH, directory], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        # Kill it once trial 0 is finished and on disk and trial 1 is training.
        _wait_for(lambda: (_trial(project, "0") or {}).get("status") == "COMPLETED"
                  and (_trial(project, "1") or {}).get("status") == "RUNNING", child)
        search = _load_search()
        x, y = search["data"]()
        with pytest.raises(ProjectLockedError) as refused:  # a second, concurrent search
            search["estimator"](directory).fit(x, y)
        assert project in str(refused.value) and f"pid {child.pid}" in str(refused.value)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    killed_after = time.perf_counter() - started
    first = _trial(project, "0")
    assert _trial(project, "1")["status"] == "RUNNING"
    assert os.path.exists(os.path.join(project, "easynas.lock"))  # left behind by the kill
    spent_before = json.loads(open(os.path.join(project, "oracle.json")).read())[
        "easynas_spent_seconds"]
    assert spent_before > 0

    resumed_at = time.perf_counter()
    with caplog.at_level(logging.INFO, logger="easynas"):
        model = search["estimator"](directory).fit(x, y)
    resume_seconds = time.perf_counter() - resumed_at
    print(f"\nchild killed after {killed_after:.1f}s; resume finished in {resume_seconds:.1f}s")

    assert f"pid {child.pid}" in caplog.text and "stale lock" in caplog.text
    assert "1 finished trial(s) kept" in caplog.text
    assert [r.trial_id for r in model.trials_] == ["0", "1", "2"]
    assert all(r.status == TrialStatus.COMPLETED for r in model.trials_)
    kept = model.trials_[0]
    assert kept.values == first["hyperparameters"]["values"]
    assert kept.score == pytest.approx(first["score"])  # not retrained
    assert min(r.score for r in model.trials_) <= first["score"]
    assert model.best_trial_id_ in {"0", "1", "2"} and model.predict(x[:4]).shape == (4,)
    assert not os.path.exists(os.path.join(project, "easynas.lock"))
    state = json.loads(open(os.path.join(project, "oracle.json")).read())
    assert state["easynas_spent_seconds"] > spent_before  # the budget counts both runs

    # Continue the finished search for one more trial.
    more = clone(model).set_params(max_trials=4).fit(x, y)
    assert [r.trial_id for r in more.trials_] == ["0", "1", "2", "3"]
    assert [r.score for r in more.trials_[:3]] == [r.score for r in model.trials_]


def _tiny(directory, **kwargs):
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.DenseBlock(num_layers=1, units=8)(image))
    settings = {"max_trials": 1, "epochs": 1, "verbose": 0, "seed": 0, "refit": False, **kwargs}
    return en.AutoModel(image, head, search="random", directory=directory, **settings)


@pytest.mark.parametrize(("files", "match"), [
    ({"easynas_project.json": "{not json"}, "is corrupt: easynas_project.json cannot be read"),
    ({"easynas_project.json": "[1, 2]"}, "is corrupt: easynas_project.json holds no easynas"),
    ({"oracle.json": "{}", "tuner0.json": "{}"}, "holds a search that easynas did not start"),
])
def test_a_corrupt_or_foreign_project_is_refused_before_training(digits, tmp_path, files,
                                                                   match):
    project = tmp_path / "auto_model"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text)
    with pytest.raises(en.InvalidParameterError, match=match) as caught:
        _tiny(str(tmp_path)).fit(*digits)
    assert "overwrite=True" in str(caught.value)
    assert sorted(os.listdir(project)) == sorted(files)  # nothing trained, lock released


def test_unreadable_search_state_is_refused_with_the_way_out(digits, tmp_path):
    x, y = digits
    _tiny(str(tmp_path)).fit(x, y)
    project = tmp_path / "auto_model"
    (project / "oracle.json").write_text('{"truncated": ')
    with pytest.raises(en.InvalidParameterError, match="cannot be resumed.*overwrite=True"):
        _tiny(str(tmp_path), max_trials=2).fit(x, y)
    assert not (project / "easynas.lock").exists()
    model = _tiny(str(tmp_path), overwrite=True).fit(x, y)  # overwrite starts afresh
    assert [r.trial_id for r in model.trials_] == ["0"]
