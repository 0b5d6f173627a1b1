"""Running trials for a chief: a worker's job, and local worker processes.

A worker needs what a trial needs, already prepared by `fit`: the graph, the
data spec, the conformed arrays and the training settings (`WorkerJob`).
`run_worker` runs a job in this process; `LocalWorkers` starts N worker
processes on this machine (`n_parallel_trials`), each pinned to its share of
the GPUs, and watches them. A local worker process runs
`python -m easynas._distributed JOB_FILE WORKER_ID ADDRESS`.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from easynas.data._keras_args import one_or_list, per_head
from easynas.search._records import Objective, TrialRecord

logger = logging.getLogger(__name__)

__all__ = ["LocalWorkers", "WorkerJob", "gpu_shares", "local_host", "run_worker"]

LOG_FOLDER = "easynas_workers"


@dataclass
class WorkerJob:
    """What a worker needs to run the chief's trials.

    Args:
        graph: The search space.
        spec: The data spec (the same as the chief's).
        objective: What the search optimises.
        project_dir: The project folder shared with the chief.
        seed: The search's seed.
        data: `(features, targets, val_features, val_targets, weights,
            val_weights)` as `fit` prepares them.
        max_trials: The search's `max_trials`.
        epochs: Most epochs per trial.
        batch_size: Batch size.
        patience: Early-stopping patience.
        trial_time_limit: Seconds one trial may run, or None.
        time_budget: Seconds this worker may train in all, or None (the
            chief also stops running trials when its budget is spent).
        verbose: 0 silent, 1 a line per trial, 2 per epoch.
        distribution_strategy: None or "mirrored".
        callbacks: Extra Keras callbacks for every trial.
        cost_meter: Measures each candidate's costs and enforces the
            search's cost limits (None: measure, with no limits).
        trial_isolation: Where the worker runs each trial ("auto",
            "process" or "none"; see `SearchTuner`).
    """

    graph: Any
    spec: Any
    objective: Objective
    project_dir: str
    seed: int
    data: tuple
    max_trials: int
    epochs: int
    batch_size: int
    patience: int
    trial_time_limit: float | None = None
    time_budget: float | None = None
    verbose: int = 0
    distribution_strategy: str | None = None
    callbacks: list = field(default_factory=list)
    cost_meter: Any = None
    trial_isolation: str = "none"

    def dump(self, path: str) -> None:
        """Write the job for a worker process (graph and spec as JSON, arrays pickled)."""
        state = dict(self.__dict__)
        state["graph"] = self.graph.to_json()
        state["spec"] = self.spec.to_dict()
        state["objective"] = (self.objective.name, self.objective.direction)
        state["callbacks"] = []
        with open(path, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str) -> WorkerJob:
        """Read a job written by `dump` (a file this package wrote; never a foreign one)."""
        from easynas.data._spec import DataSpec
        from easynas.graph._graph import Graph

        with open(path, "rb") as f:
            state = pickle.load(f)  # noqa: S301 - our own file, in our own temporary folder
        state["graph"] = Graph.from_config(json.loads(state["graph"]))
        state["spec"] = DataSpec.from_dict(state["spec"])
        state["objective"] = Objective(*state["objective"])
        return cls(**state)


def run_worker(job: WorkerJob, role: Any, on_trial_end: Any = None) -> bool:
    """Run trials for the chief at `role.address` until it ends the search.

    Args:
        job: What to train.
        role: A `Worker`.
        on_trial_end: Called with each finished trial's `TrialRecord` and info.

    Returns:
        True when the chief ended the search, False when it stopped answering.
    """
    from easynas.report._progress import ProgressReporter
    from easynas.search._kt_adapter import SearchTuner, StrategyOracle
    from easynas.search._random import RandomSearch

    features, targets, val_features, val_targets, weights, val_weights = job.data
    reporter = ProgressReporter(job.verbose, job.objective, job.max_trials)

    def finished(record: TrialRecord, info: dict[str, Any]) -> None:
        reporter.trial_finished(record, info)
        if on_trial_end is not None:
            on_trial_end(record, info)

    # The worker's oracle only declares the space and holds the objective and
    # the local deadline; the chief's oracle (its strategy) proposes the trials.
    oracle = StrategyOracle(RandomSearch(), job.objective, job.max_trials, job.seed,
                            job.time_budget)
    tuner = SearchTuner(
        oracle, job.graph, job.spec, directory=os.path.dirname(job.project_dir),
        project_name=os.path.basename(job.project_dir), overwrite=False,
        patience=job.patience, on_trial_end=finished, trial_time_limit=job.trial_time_limit,
        role=role, distribution_strategy=job.distribution_strategy,
        cost_meter=job.cost_meter, trial_isolation=job.trial_isolation,
    )
    return tuner.search(**search_arguments(job.data, job.epochs, job.batch_size,
                                           job.callbacks, job.verbose, job.seed))


def search_arguments(data: tuple, epochs: int, batch_size: int, callbacks: list,
                     verbose: int, seed: int) -> dict[str, Any]:
    """The keyword arguments of `SearchTuner.search` for data as `fit` prepares it."""
    features, targets, val_features, val_targets, weights, val_weights = data
    validation = (one_or_list(val_features), one_or_list(val_targets))
    if val_weights is not None:
        validation += (per_head(val_weights, len(targets)),)
    return {
        "x": one_or_list(features), "y": one_or_list(targets), "validation_data": validation,
        "sample_weight": per_head(weights, len(targets)),
        "epochs": epochs, "batch_size": batch_size, "callbacks": list(callbacks),
        "fit_verbose": 2 if verbose >= 2 else 0, "seed": seed,
    }




def gpu_shares(n_workers: int, visible: list[str]) -> list[str | None]:
    """The CUDA_VISIBLE_DEVICES of each of `n_workers` local workers.

    With at least as many GPUs as workers, each worker gets its own share of
    them (worker i the GPUs i, i + n, ...); with fewer, workers take turns on
    one GPU each. None (no pinning) when there is no GPU.
    """
    if not visible:
        return [None] * n_workers
    if len(visible) >= n_workers:
        return [",".join(visible[i::n_workers]) for i in range(n_workers)]
    return [visible[i % len(visible)] for i in range(n_workers)]


def local_host(listening_on: str) -> str:
    """The host a process on this machine dials to reach a chief listening on `listening_on`.

    A chief on every interface ("0.0.0.0", "::" or "") is reached on loopback;
    one on a named interface only there.
    """
    return "127.0.0.1" if listening_on in ("", "0.0.0.0", "::") else listening_on


def _visible_gpus() -> list[str]:
    """The ids of the GPUs this process may use, as CUDA_VISIBLE_DEVICES names them."""
    import tensorflow as tf

    count = len(tf.config.list_physical_devices("GPU"))
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed:
        return [d.strip() for d in listed.split(",") if d.strip()][:count]
    return [str(i) for i in range(count)]


class LocalWorkers:
    """N worker processes on this machine for the chief in this process.

    Args:
        job: What the workers train (written once to a private temporary file).
        n_workers: How many processes.
    """

    def __init__(self, job: WorkerJob, n_workers: int) -> None:
        self.job = job
        self.n_workers = n_workers
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, Any] = {}
        self._folder: tempfile.TemporaryDirectory | None = None
        self._gone: set[str] = set()

    def start(self, port: int, host: str = "127.0.0.1") -> None:
        """Start the workers, pointed at the chief on `host`:`port`."""
        self._folder = tempfile.TemporaryDirectory(prefix="easynas-job-")
        path = os.path.join(self._folder.name, "job.pkl")
        self.job.dump(path)
        log_dir = os.path.join(self.job.project_dir, LOG_FOLDER)
        os.makedirs(log_dir, exist_ok=True)
        for i, devices in enumerate(gpu_shares(self.n_workers, _visible_gpus()), start=1):
            worker_id = f"local-{i}"
            env = dict(os.environ)
            for name in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP",
                         "KERASTUNER_ORACLE_PORT"):
                env.pop(name, None)
            if devices is not None:
                env["CUDA_VISIBLE_DEVICES"] = devices
            log = open(os.path.join(log_dir, f"{worker_id}.log"), "w", encoding="utf-8")  # noqa: SIM115
            self._logs[worker_id] = log
            self.processes[worker_id] = subprocess.Popen(
                [sys.executable, "-m", "easynas._distributed", path, worker_id,
                 f"{host}:{port}"],
                stdout=log, stderr=subprocess.STDOUT, env=env,
            )
        logger.info("Started %d local worker process(es); logs in %s.", self.n_workers, log_dir)

    def newly_gone(self) -> list[tuple[str, int]]:
        """Workers that exited since the last call, with their exit codes."""
        gone = []
        for worker_id, process in self.processes.items():
            code = process.poll()
            if code is not None and worker_id not in self._gone:
                self._gone.add(worker_id)
                gone.append((worker_id, code))
        return gone

    def all_gone(self) -> bool:
        return len(self._gone) == len(self.processes)

    def log_tail(self, worker_id: str, lines: int = 5) -> str:
        path = os.path.join(self.job.project_dir, LOG_FOLDER, f"{worker_id}.log")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:]).strip()
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        """Wait for the workers to exit (they do once told the search is over); kill stragglers."""
        for worker_id, process in self.processes.items():
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning("Local worker %s did not exit; killing it.", worker_id)
                process.kill()
                process.wait()
        for log in self._logs.values():
            log.close()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def main(argv: list[str] | None = None) -> int:
    """Entry of a local worker process: `JOB_FILE WORKER_ID ADDRESS`."""
    from easynas.search._roles import Worker

    path, worker_id, address = (sys.argv[1:] if argv is None else argv)[:3]
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {worker_id} %(message)s")
    job = WorkerJob.load(path)
    ended = run_worker(job, Worker(address, worker_id=worker_id, connect_timeout=120.0,
                                   chief_timeout=30.0))
    return 0 if ended else 3


if __name__ == "__main__":
    sys.exit(main())
