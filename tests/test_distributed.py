"""Distributed search on loopback: a chief and worker processes, a killed worker, local workers.

Each process pays TensorFlow's import, so the searches here are as small as a
search can be (a one-layer conv net on 8x8 digits, 4 trials of 1 epoch, or
Hyperband up to 3 epochs) and every wait is bounded (pytest-timeout, and
subprocess timeouts). Measured on the shared 2-core machine at load 4-5: chief
+ 2 workers 62 s, n_parallel_trials=2 39 s (both in the default suite); the
killed worker 52 s and the CLI roles 68 s are marked slow.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import easynas as en
from easynas._distributed import gpu_shares, local_host
from easynas._lock import ProjectLock, check_joinable
from easynas.exceptions import InvalidParameterError, ProjectLockedError
from easynas.search import Chief, Worker
from easynas.search._roles import role_from_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

JOB = """
import json, sys
import numpy as np
from sklearn.datasets import load_digits
import easynas as en
from easynas.blocks import ConvBlock

role, address, directory, worker_id, search, epochs = sys.argv[1:7]
data = load_digits()
x, y = data.images[:120].astype("uint8"), data.target[:120]
image = en.ImageInput()
head = en.ClassificationHead()(ConvBlock(num_blocks=1, num_layers=1)(image))
model = en.AutoModel(image, head, search=search, max_trials=4, epochs=int(epochs), batch_size=32,
                     seed=3, directory=directory, verbose=0, refit=False)
if role == "chief":
    model.fit(x, y, role=en.search.Chief(address, worker_timeout=6))
    print(json.dumps({
        "trials": [[r.trial_id, r.status.value, r.worker] for r in model.trials_],
        "parents": {r.trial_id: r.values.get("easynas/parent_trial_id") for r in model.trials_},
        "best": model.best_trial_id_,
        "prediction_shape": list(model.predict(x[:3]).shape),
    }))
else:
    model.fit(x, y, role=en.search.Worker(address, worker_id=worker_id, chief_timeout=20))
    print(json.dumps({"ran": [r.trial_id for r in model.worker_trials_]}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path, role: str, address: str, worker_id: str = "-", search: str = "random",
           epochs: int = 1) -> subprocess.Popen:
    script = tmp_path / "job.py"
    if not script.exists():
        script.write_text(JOB)
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, str(script), role, address, str(tmp_path / "runs"), worker_id, search,
         str(epochs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )


def _result(process: subprocess.Popen, timeout: float) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _attempts(project: str) -> dict[str, list[dict]]:
    """Each trial's attempts (worker, outcome) as the chief wrote them in trial.json."""
    attempts = {}
    if not os.path.isdir(project):  # the chief has not started yet
        return attempts
    for name in sorted(os.listdir(project)):
        path = os.path.join(project, name, "trial.json")
        if name.startswith("trial_") and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as f:
                    state = json.load(f)
            except ValueError:
                continue
            attempts[state["trial_id"]] = state.get("easynas", {}).get("attempts", [])
    return attempts


@pytest.mark.timeout(420)
@pytest.mark.parametrize("search, epochs", [
    ("hyperband", 3), pytest.param("morphism", 2, marks=pytest.mark.slow)])
def test_chief_and_two_workers_run_every_trial_once(tmp_path, search, epochs):
    # Hyperband (3 epochs, factor 3): three 1-epoch candidates, then the best
    # continues from its checkpoint, which any worker reads from the shared folder.
    # Morphism: children of the first trials, built on whichever worker from the
    # parent's checkpoint and their op chain.
    address = f"127.0.0.1:{_free_port()}"
    workers = [_start(tmp_path, "worker", address, f"w{i}", search, epochs) for i in (1, 2)]
    chief = _start(tmp_path, "chief", address, search=search, epochs=epochs)
    try:
        result = _result(chief, timeout=360)
        ran = [_result(w, timeout=60)["ran"] for w in workers]
    finally:
        for p in (chief, *workers):
            p.kill()
    trials = result["trials"]
    assert sorted(t[0] for t in trials) == ["0", "1", "2", "3"]
    assert all(status == "COMPLETED" for _, status, _ in trials)
    # every trial ran exactly once, and both workers took some
    assert sorted(ran[0] + ran[1]) == ["0", "1", "2", "3"]
    assert ran[0] and ran[1]
    assert {t[0]: t[2] for t in trials} == {
        **{tid: "w1" for tid in ran[0]}, **{tid: "w2" for tid in ran[1]}}
    attempts = _attempts(str(tmp_path / "runs" / "auto_model"))
    assert all(len(a) == 1 and a[0]["outcome"] == "COMPLETED" for a in attempts.values())
    assert result["best"] in {t[0] for t in trials}
    assert result["parents"]["3"] in {"0", "1", "2"}  # a child trained on from its parent
    assert result["prediction_shape"] == [3]
    assert os.path.exists(tmp_path / "runs" / "auto_model" / "best_model.keras")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_killed_worker_loses_only_its_trial_which_runs_again(tmp_path):
    address = f"127.0.0.1:{_free_port()}"
    project = str(tmp_path / "runs" / "auto_model")
    chief = _start(tmp_path, "chief", address)
    doomed = _start(tmp_path, "worker", address, "w1")
    survivor = None
    try:
        # Kill w1 (SIGKILL) as soon as it has a trial running.
        ends = time.monotonic() + 240
        killed_trial = None
        while killed_trial is None and time.monotonic() < ends:
            for trial_id, attempts in _attempts(project).items():
                last = attempts[-1] if attempts else {}
                if last.get("worker") == "w1" and last.get("outcome") == "running":
                    killed_trial = trial_id
            time.sleep(0.05)
        assert killed_trial is not None, "w1 never started a trial"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        survivor = _start(tmp_path, "worker", address, "w2")  # a worker that joins late
        result = _result(chief, timeout=300)
        _result(survivor, timeout=60)
    finally:
        for p in (chief, doomed, survivor):
            if p is not None:
                p.kill()
    assert sorted(t[0] for t in result["trials"]) == ["0", "1", "2", "3"]
    assert all(status == "COMPLETED" for _, status, _ in result["trials"])
    attempts = _attempts(project)[killed_trial]
    assert [(a["worker"], a["outcome"]) for a in attempts] == [
        ("w1", "lost"), ("w2", "COMPLETED")]


@pytest.mark.timeout(300)
def test_n_parallel_trials_runs_local_worker_processes(tmp_path, digits, caplog):
    x, y = digits
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.ConvBlock(num_blocks=1, num_layers=1)(image))
    model = en.AutoModel(image, head, search="random", max_trials=2, epochs=1, batch_size=32,
                         seed=0, directory=str(tmp_path), verbose=0, n_parallel_trials=2)
    with caplog.at_level(logging.INFO, logger="easynas"):
        model.fit(x, y)
    assert [r.status.value for r in model.trials_] == ["COMPLETED", "COMPLETED"]
    assert {r.worker for r in model.trials_} <= {"local-1", "local-2"}
    assert "worker" in model.leaderboard().columns
    assert (model.leaderboard()["params"] > 0).all()  # costs measured on the workers
    assert "Started 2 local worker process(es)" in caplog.text
    logs = os.listdir(tmp_path / "auto_model" / "easynas_workers")
    assert sorted(logs) == ["local-1.log", "local-2.log"]
    assert model.predict(x[:2]).shape == (2,)
    assert not os.path.exists(tmp_path / "auto_model" / "easynas.lock")


def test_local_workers_measure_costs_and_enforce_the_cost_limits(tmp_path, digits):
    x, y = digits
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.ConvBlock(num_blocks=1, num_layers=1)(image))
    model = en.AutoModel(image, head, search="random", max_trials=2, epochs=1, batch_size=32,
                         seed=0, directory=str(tmp_path), verbose=0, n_parallel_trials=2,
                         max_params=100)
    with pytest.raises(RuntimeError, match="max_params=100"):
        model.fit(x, y)
    project = tmp_path / "auto_model"
    infos = [json.loads((project / name / "easynas_trial.json").read_text())
             for name in sorted(os.listdir(project)) if name.startswith("trial_")]
    assert len(infos) == 2
    assert all(info["feasible"] is False for info in infos)  # rejected on the worker, untrained


def test_mirrored_strategy_on_cpu_trains_on_one_device_with_a_note(digits, fast, caplog):
    x, y = digits
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.ConvBlock(num_blocks=1, num_layers=1)(image))
    model = en.AutoModel(image, head, search="random", distribution_strategy="mirrored", **fast)
    with caplog.at_level(logging.INFO, logger="easynas"):
        model.fit(x, y)
    assert "found no GPU; each candidate trains on one device" in caplog.text
    assert model.trials_[0].status.value == "COMPLETED"


def test_bad_roles_and_settings_are_refused_before_training(digits, fast, tmp_path):
    x, y = digits
    with pytest.raises(InvalidParameterError, match="'address' must be HOST:PORT"):
        Chief("localhost")
    with pytest.raises(InvalidParameterError, match="'worker_timeout' parameter of Chief"):
        Chief("127.0.0.1:0", worker_timeout=1)
    with pytest.raises(InvalidParameterError, match="needs the chief's port"):
        Worker("127.0.0.1:0")
    with pytest.raises(InvalidParameterError, match="KERASTUNER_ORACLE_PORT is missing"):
        role_from_env({"KERASTUNER_TUNER_ID": "w", "KERASTUNER_ORACLE_IP": "127.0.0.1"})
    assert role_from_env({}) is None
    assert role_from_env({"KERASTUNER_TUNER_ID": "chief", "KERASTUNER_ORACLE_IP": "0.0.0.0",
                          "KERASTUNER_ORACLE_PORT": "8000"}) == Chief("0.0.0.0:8000")
    model = en.ImageClassifier(**{**fast, "directory": None})
    with pytest.raises(InvalidParameterError, match="needs the 'directory' parameter"):
        model.fit(x, y, role=Chief("127.0.0.1:0"))
    with pytest.raises(InvalidParameterError, match="'role' argument"):
        en.ImageClassifier(**fast).fit(x, y, role="chief")
    with pytest.raises(InvalidParameterError, match="'distribution_strategy' parameter"):
        en.ImageClassifier(**fast, distribution_strategy="ring").fit(x, y)
    with pytest.raises(InvalidParameterError, match="callbacks cannot be used"):
        en.ImageClassifier(**fast, n_parallel_trials=2).fit(x, y, callbacks=[object()])


def test_workers_join_only_a_folder_a_chief_holds(tmp_path):
    project = str(tmp_path / "project")
    with pytest.raises(ProjectLockedError, match="No chief holds the project"):
        check_joinable(project)
    with ProjectLock(project):
        with pytest.raises(ProjectLockedError, match="in use by a local search"):
            check_joinable(project)
    with ProjectLock(project, "chief", "127.0.0.1:8000"):
        check_joinable(project)


def test_gpu_shares_pin_each_worker():
    assert gpu_shares(2, []) == [None, None]
    assert gpu_shares(2, ["0", "1", "2", "3"]) == ["0,2", "1,3"]
    assert gpu_shares(3, ["4", "5"]) == ["4", "5", "4"]


def test_local_workers_dial_the_chief_where_it_listens():
    assert local_host("0.0.0.0") == "127.0.0.1"
    assert local_host("::") == "127.0.0.1"
    assert local_host("10.1.2.3") == "10.1.2.3"


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_cli_chief_prints_the_leaderboard_with_the_worker_of_each_trial(tmp_path):
    # One worker named by --worker, the other by KerasTuner's environment variables.
    from sklearn.datasets import load_digits

    digits = load_digits()
    np.savez(tmp_path / "digits.npz", x=digits.images[:64].astype(np.uint8),
             y=digits.target[:64])
    port = _free_port()
    common = ["search", "digits.npz", "--task", "image-classification", "--directory", "runs",
              "--max-trials", "2", "--epochs", "1", "--seed", "0", "--refit", "never"]
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}

    def easynas(*args: str, **extra: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "easynas", *common, *args], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**env, **extra})

    processes = [
        easynas("--worker", f"127.0.0.1:{port}", "--worker-id", "flag-worker"),
        easynas(KERASTUNER_TUNER_ID="env-worker", KERASTUNER_ORACLE_IP="127.0.0.1",
                KERASTUNER_ORACLE_PORT=str(port)),
        easynas("--chief", f"127.0.0.1:{port}", "--worker-timeout", "10s"),
    ]
    try:
        outputs = [p.communicate(timeout=360) for p in processes]
    finally:
        for p in processes:
            p.kill()
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    chief_out = outputs[2][0]
    header = next(line for line in chief_out.splitlines() if line.startswith("rank"))
    assert header.split()[:4] == ["rank", "trial", "status", "worker"]
    rows = [row for row in map(str.split, chief_out.splitlines())
            if len(row) > 3 and row[0].isdigit() and row[2] in ("COMPLETED", "FAILED")]
    assert sorted(row[3] for row in rows) == ["env-worker", "flag-worker"]
    assert all(row[2] == "COMPLETED" for row in rows)
    for out, _ in outputs[:2]:
        assert "worker done (the chief ended the search); trials run here:" in out
