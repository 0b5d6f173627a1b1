"""The one place that touches KerasTuner: strategies as Oracles, trials as fits.

`StrategyOracle` wraps any `Strategy` (and the time budget) in a KerasTuner
`Oracle`, so KerasTuner's trial store, resume and chief/worker mode apply to
every strategy. `SearchTuner` runs a trial: build the candidate from the graph,
measure its costs, train it with early stopping, keep its best epoch's weights.
The trial itself is `train_trial(TrialJob, data)`, one code path that runs in
the search's process or in a child process (`trial_isolation`, `_child`).
In a distributed search the tuner plays a role: the chief serves the oracle
(`SearchTuner.serve`, over `_kt_remote`), a worker runs trials for it; the
oracle records which worker ran each trial and hands a lost worker's trial on.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import logging
import math
import os
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import keras
import keras_tuner as kt
import numpy as np

from easynas._atomic import replacing, write_json
from easynas.morph import MorphError, apply_ops
from easynas.search._budget import Deadline
from easynas.search._costs import COST_KEYS, CostMeter, InfeasibleCandidate
from easynas.search._feed import fit_arguments
from easynas.search._lineage import PARENT_KEY, morph_chain, split_chain
from easynas.search._linear_solve import data_metrics, solve_or_none
from easynas.search._pareto import ParetoObjectives
from easynas.search._penalty import DataValLoss, penalty
from easynas.search._records import Objective, TrialRecord, TrialStatus
from easynas.search._roles import Chief, Worker, parse_address
from easynas.search._shared_data import save_tree, tree_problem
from easynas.search._strategy import History, Strategy

if TYPE_CHECKING:
    from easynas.data._spec import DataSpec
    from easynas.graph._graph import Graph

logger = logging.getLogger(__name__)

__all__ = ["SearchTuner", "StrategyOracle", "TrialJob", "build_trial_model", "detached",
           "load_trial_model", "record_from_trial", "run_job", "train_trial"]

CHECKPOINT = "checkpoint.weights.h5"
TRIAL_INFO = "easynas_trial.json"
EPOCHS_KEY = "easynas/epochs"
INITIAL_EPOCH_KEY = "easynas/initial_epoch"
ENDING_FILE = "easynas_ending.json"  # a worker's last word on a trial (status, message)
DISTRIBUTION_STRATEGIES = ("mirrored",)
TRIAL_ISOLATION = ("auto", "process", "none")
SHARED_DATA_DIR = "trial_data"  # the search's arrays, for trials in child processes
# trial_isolation="auto" runs a trial in a child process once the finished trials took
# this many seconds (median). The child's start-up (a fresh interpreter importing
# TensorFlow, then mapping the data) cost 36 s per trial on a 2-core machine at load
# average 10-13 and 6.5 s at load 2 (about 9-12 CPU seconds; benchmarks/isolation.py),
# so from here on it is at most about 12% of a trial on a loaded machine, and about 2%
# on a quiet one.
AUTO_PROCESS_SECONDS = 300.0
# A child still running this long past its trial_time_limit (or half the limit, if more),
# counted from when it started (Python and TensorFlow loaded, data mapped), is killed: it
# is stuck where the limit's per-batch check cannot stop it.
HARD_LIMIT_GRACE = 10.0


def record_from_trial(trial: Any, info: dict[str, Any] | None = None,
                      worker: str | None = None) -> TrialRecord:
    """A frozen `TrialRecord` of a KerasTuner trial (costs from its trial info, if
    given; run by `worker`, if distributed)."""
    status = TrialStatus(trial.status)
    score = trial.score
    if status == TrialStatus.COMPLETED and (score is None or not math.isfinite(score)):
        status = TrialStatus.FAILED
    metrics = {}
    for name in trial.metrics.metrics:
        best = trial.metrics.get_best_value(name)
        if best is not None:
            metrics[name] = float(best)
    return TrialRecord(
        trial_id=trial.trial_id,
        status=status,
        values=dict(trial.hyperparameters.values),
        score=None if score is None else float(score),
        metrics=metrics,
        best_step=trial.best_step,
        message=trial.message,
        costs=_costs_of(info or {}),
        worker=worker,
        ignored=tuple((info or {}).get("ignored_hyperparameters", ())),
    )


def _costs_of(info: dict[str, Any]) -> dict[str, float]:
    """The numeric costs in a trial info (see `CostMeter.measure`)."""
    return {k: info[k] for k in COST_KEYS if isinstance(info.get(k), (int, float))}


class StrategyOracle(kt.Oracle):
    """A KerasTuner Oracle that asks an easynas `Strategy` for each trial.

    Args:
        strategy: The strategy that proposes candidates.
        objective: What to optimise.
        max_trials: Most trials to run.
        seed: Seed of the search; each proposal's generator derives from it
            and the trial number.
        time_budget: Seconds after which no new trial starts, or None.
        spent: Seconds of the budget already used before the oracle was made
            (a resumed search adds the seconds its earlier runs spent, kept in
            the oracle's saved state).
        pareto: For a multi-objective search, its objectives (the strategy's
            `history.best` then ranks by Pareto front).
    """

    def __init__(
        self,
        strategy: Strategy,
        objective: Objective,
        max_trials: int,
        seed: int,
        time_budget: float | None = None,
        spent: float = 0.0,
        pareto: ParetoObjectives | None = None,
    ) -> None:
        super().__init__(
            objective=kt.Objective(objective.name, objective.direction),
            max_trials=max_trials,
            seed=seed,
            max_retries_per_trial=0,
            max_consecutive_failed_trials=max_trials + 1,
        )
        self.strategy = strategy
        self.easynas_objective = objective
        self.search_seed = seed
        self.deadline = Deadline(time_budget, spent=spent)
        self.pareto = pareto
        self.verbose = 0
        # Distributed search: who ran each trial, when each worker last spoke.
        self.distributed = False
        self.attempts: dict[str, list[dict[str, Any]]] = {}
        self._last_seen: dict[str, float] = {}
        self._finished = False

    def history(self) -> History:
        records = [record_from_trial(self.trials[i], self._info(i), self.worker_of(i))
                   for i in self.start_order]
        return History(records, self.easynas_objective, self.pareto)

    def _info(self, trial_id: str) -> dict[str, Any]:
        """The trial info the tuner wrote in the trial's folder ({} if none yet)."""
        return _read_info(self._get_trial_dir(trial_id))

    def worker_of(self, trial_id: str) -> str | None:
        """The worker that ran (or runs) a trial last; None in a local search."""
        attempts = self.attempts.get(trial_id)
        return attempts[-1]["worker"] if attempts else None

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        if self.deadline.expired():
            logger.info("Time budget spent; no new trial starts.")
            return {"status": "STOPPED", "values": None}
        rng = np.random.default_rng([self.search_seed, len(self.trials)])
        proposal = self.strategy.propose(self.get_space(), self.history(), rng)
        return {"status": proposal.status, "values": proposal.values}

    # --- distributed search: attempts, liveness, the end --------------------------
    @kt.synchronized
    def create_trial(self, tuner_id: str) -> Any:
        self._fail_unrunnable()
        trial = super().create_trial(tuner_id)
        if trial.status == TrialStatus.RUNNING.value and self.distributed:
            attempts = self.attempts.setdefault(trial.trial_id, [])
            last = attempts[-1] if attempts else {}
            if last.get("worker") != tuner_id or last.get("outcome") != "running":
                attempts.append({"worker": tuner_id, "started": time.time(),
                                 "outcome": "running"})
            self._last_seen[trial.trial_id] = time.monotonic()
            self._save_trial(trial)
            self.save()
        elif trial.status == TrialStatus.STOPPED.value:
            self._finished = True
            if self.ongoing_trials:
                # Others still run trials; if one of them is lost, this worker reruns it.
                self.tuner_ids.add(tuner_id)
                trial.status = TrialStatus.IDLE.value
        return trial

    @kt.synchronized
    def end_trial(self, trial: Any) -> None:
        trial_id = trial.trial_id
        if trial_id in self.end_order:
            logger.info("Trial %s had already ended; a later report of it is ignored.", trial_id)
            return
        if trial_id in self._retry_queue:  # reported by the worker we thought lost
            self._retry_queue.remove(trial_id)
        ending = self._read_ending(trial_id)
        if trial.message is None and ending.get("message"):
            trial.message = ending["message"]
        super().end_trial(trial)
        attempts = self.attempts.get(trial_id)
        if attempts:
            attempts[-1]["outcome"] = self.trials[trial_id].status
            if ending.get("worker"):
                attempts[-1]["worker"] = ending["worker"]
            self._save_trial(self.trials[trial_id])
            self.save()

    def touch(self, trial_id: str) -> None:
        """A worker running `trial_id` showed a sign of life."""
        self._last_seen[trial_id] = time.monotonic()

    @kt.synchronized
    def requeue_lost(self, timeout: float) -> list[tuple[str, str]]:
        """Hand on the trials of workers silent for `timeout` s; returns (trial, worker) pairs."""
        now = time.monotonic()
        lost = []
        for tuner_id, trial in list(self.ongoing_trials.items()):
            seen = self._last_seen.setdefault(trial.trial_id, now)
            if now - seen > timeout:
                lost.append((trial.trial_id, tuner_id))
                self._lose(tuner_id, trial.trial_id)
        return lost

    @kt.synchronized
    def worker_gone(self, tuner_id: str) -> str | None:
        """A worker is known to be dead: its trial (returned, if any) will run again."""
        self.tuner_ids.discard(tuner_id)
        trial = self.ongoing_trials.get(tuner_id)
        if trial is None:
            return None
        self._lose(tuner_id, trial.trial_id)
        return trial.trial_id

    def _lose(self, tuner_id: str, trial_id: str) -> None:
        self.ongoing_trials.pop(tuner_id, None)
        self.tuner_ids.discard(tuner_id)
        attempts = self.attempts.get(trial_id)
        if attempts:
            attempts[-1]["outcome"] = "lost"
        if trial_id not in self._retry_queue:
            self._retry_queue.insert(0, trial_id)  # KerasTuner pops from the end: oldest first
        self.trials[trial_id].status = TrialStatus.RUNNING.value
        self._save_trial(self.trials[trial_id])
        self.save()

    @kt.synchronized
    def stop_running(self) -> None:
        """Ask the running trials to stop (their workers learn it at their next heartbeat)."""
        for trial in self.ongoing_trials.values():
            if trial.status == TrialStatus.RUNNING.value:
                trial.status = TrialStatus.STOPPED.value

    @kt.synchronized
    def done(self) -> bool:
        """Whether no trial is left to run or running (the chief may stop)."""
        self._fail_unrunnable()
        if self.ongoing_trials or self._retry_queue:
            return False
        return (self._finished or self.deadline.expired()
                or (bool(self.max_trials) and len(self.trials) >= self.max_trials))

    @kt.synchronized
    def waiting_workers(self) -> set[str]:
        """Workers that asked for a trial and have not yet been told to stop."""
        return set(self.tuner_ids)

    def _fail_unrunnable(self) -> None:
        """Once the budget is spent, lost trials waiting to run again fail instead."""
        if not self._retry_queue or not self.deadline.expired():
            return
        for trial_id in list(self._retry_queue):
            self._retry_queue.remove(trial_id)
            trial = self.trials[trial_id]
            trial.status = TrialStatus.FAILED.value
            trial.message = "\n".join(filter(None, [
                trial.message,
                "Its worker was lost and the time budget ran out before it could run again.",
            ]))
            self.end_order.append(trial_id)
            self._save_trial(trial)
        self.save()

    def write_ending(self, trial: Any, worker: str) -> None:
        """Record a worker's status and message of a trial in its folder (for the chief)."""
        write_json(os.path.join(self._get_trial_dir(trial.trial_id), ENDING_FILE),
                   {"worker": worker, "status": trial.status, "message": trial.message})

    def _read_ending(self, trial_id: str) -> dict[str, Any]:
        path = os.path.join(self._get_trial_dir(trial_id), ENDING_FILE)
        try:
            with open(path, encoding="utf-8") as f:
                ending = json.load(f)
        except (OSError, ValueError):
            return {}
        return ending if isinstance(ending, dict) else {}

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        state["easynas_attempts"] = self.attempts
        state["easynas_strategy"] = self.strategy.get_state()
        state["easynas_seed"] = self.search_seed
        state["easynas_spent_seconds"] = self.deadline.spent()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.attempts = dict(state.get("easynas_attempts", {}))
        self.strategy.set_state(state.get("easynas_strategy", {}))
        self.search_seed = state.get("easynas_seed", self.search_seed)
        # A resumed search counts the time its earlier runs spent.
        self.deadline.add_spent(float(state.get("easynas_spent_seconds", 0.0)))

    def save(self) -> None:
        """Write the oracle's state atomically (KerasTuner writes it in place)."""
        write_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial) -> None:
        state = trial.get_state()
        if self.attempts.get(trial.trial_id):
            state["easynas"] = {"attempts": self.attempts[trial.trial_id]}
        write_json(os.path.join(self._get_trial_dir(trial.trial_id), "trial.json"), state)


class _GraphHyperModel(kt.HyperModel):
    """Builds the graph's model for a set of values (used to declare the space)."""

    def __init__(self, graph: Graph, spec: DataSpec) -> None:
        super().__init__(name="easynas_graph")
        self.graph = graph
        self.spec = spec

    def build(self, hp: kt.HyperParameters) -> keras.Model:
        return self.graph.build(hp, self.spec)


class _BestWeights(keras.callbacks.Callback):
    """Keeps the weights of the best epoch (by the objective) and restores them."""

    def __init__(self, objective: Objective) -> None:
        super().__init__()
        self.objective = objective
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.weights: list | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.objective.name)
        if value is None or not math.isfinite(value):
            return
        if self.best is None or self.objective.better(value, self.best):
            self.best, self.best_epoch = float(value), epoch
            self.weights = self.model.get_weights()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.weights is not None:
            self.model.set_weights(self.weights)


class _StopAtDeadline(keras.callbacks.Callback):
    """Ends training at the end of the current batch once the budget is spent.

    With `on_epoch_end`, it also calls that (saving the search state, so a
    killed search knows how much of its budget it had spent).
    """

    def __init__(self, deadline: Deadline, on_epoch_end=None) -> None:
        super().__init__()
        self.deadline = deadline
        self.stopped = False
        self._on_epoch_end = on_epoch_end

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.deadline.expired():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._on_epoch_end is not None:
            self._on_epoch_end()


class _TrialTimeLimit(keras.callbacks.Callback):
    """Ends training at the end of the current batch once the trial has run `limit` seconds."""

    def __init__(self, limit: float | None, started: float) -> None:
        super().__init__()
        self.limit = limit
        self.started = started
        self.exceeded = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.limit is not None and time.perf_counter() - self.started > self.limit:
            self.exceeded = True
            self.model.stop_training = True


class _TrainTimer(keras.callbacks.Callback):
    """Adds up the seconds spent inside training epochs (incl. validation)."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch_seconds: list[float] = []
        self._start = 0.0

    @property
    def seconds(self) -> float:
        return float(sum(self.epoch_seconds))

    @property
    def epochs(self) -> int:
        return len(self.epoch_seconds)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch_seconds.append(time.perf_counter() - self._start)


class _ReserveRefitTime(keras.callbacks.Callback):
    """After each epoch, holds back the budget the caller wants for this trial's refit.

    `reserve` gets the trial's timing so far (as in its trial info, plus its
    best objective value as "score") and returns the seconds to hold back.
    """

    def __init__(self, deadline: Deadline, reserve: Callable[[dict[str, Any]], float],
                 best: _BestWeights, timer: _TrainTimer, build_seconds: float) -> None:
        super().__init__()
        self.deadline, self.reserve = deadline, reserve
        self.best, self.timer, self.build_seconds = best, timer, build_seconds

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.deadline.hold_back(self.reserve({
            "build_seconds": self.build_seconds,
            "epoch_seconds": list(self.timer.epoch_seconds),
            "best_epoch": self.best.best_epoch,
            "score": self.best.best,
        }))


class SearchTuner(kt.Tuner):
    """Runs each trial: build, train with early stopping, keep the best epoch.

    Args:
        oracle: The `StrategyOracle`.
        graph: The search space.
        spec: The data spec the graph is built for.
        directory: Parent folder of the project.
        project_name: Project folder name.
        overwrite: Start afresh even if the project exists.
        patience: Early-stopping patience in epochs.
        on_trial_end: Called with each finished trial's `TrialRecord` and info.
        reserve: Optional; called after every epoch with the running trial's
            timing so far (`build_seconds`, `epoch_seconds`, `best_epoch`,
            `score`); the seconds it returns are held back from the budget
            (`Deadline.hold_back`), so a trial ends early enough for its refit.
        trial_time_limit: Seconds one trial may run (build and training); a
            trial past it is stopped at the end of its current batch and
            recorded as failed. None for no limit.
        cost_meter: Measures each built candidate's costs before it trains
            and rejects one over its limits (a failed trial whose info says
            `feasible: false` and why). None: measure, with no limits.
        role: None for a local search; a `Chief` to serve the oracle to
            workers (`serve`); a `Worker` to run the trials of the chief at
            its address (`search`).
        distribution_strategy: None, or "mirrored" to train each candidate
            on all visible GPUs with `tf.distribute.MirroredStrategy` (one
            device, with a logged note, when there is no GPU).
        trial_isolation: Where each trial builds, measures and trains its
            candidate (`train_trial`): "none" in this process; "process" in
            a child process (`_child`), so that a hard crash or a memory
            blow-up fails the trial, not the search; "auto" in a child once
            the finished trials took `AUTO_PROCESS_SECONDS` (median) or more,
            and here before, or when the search space or callbacks cannot be
            sent to a child. In a child, the data must be NumPy arrays (in
            lists, tuples or dicts), `reserve` is not asked (the budget's
            hold-back at the trial's start applies), a worker's child does
            not hear the chief's "stop", and a child still running
            `HARD_LIMIT_GRACE` seconds (or half the limit) past
            `trial_time_limit` is killed.
    """

    def __init__(
        self,
        oracle: StrategyOracle,
        graph: Graph,
        spec: DataSpec,
        directory: str,
        project_name: str,
        overwrite: bool,
        patience: int = 5,
        on_trial_end=None,
        reserve: Callable[[dict[str, Any]], float] | None = None,
        trial_time_limit: float | None = None,
        cost_meter: CostMeter | None = None,
        role: Chief | Worker | None = None,
        distribution_strategy: str | None = None,
        trial_isolation: str = "none",
    ) -> None:
        if trial_isolation not in TRIAL_ISOLATION:
            raise ValueError(
                f"trial_isolation must be one of {TRIAL_ISOLATION}. Received: {trial_isolation!r}"
            )
        self.trial_isolation = trial_isolation
        self._shared: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._warned_not_portable = False
        self._role = role  # read by _is_worker during KerasTuner's __init__
        self._distribution_name = distribution_strategy
        self._distribution = _distribution(distribution_strategy)
        self.graph = graph
        self.cost_meter = cost_meter or CostMeter()
        self._reserve = reserve
        self.spec = spec
        self.patience = patience
        self.trial_time_limit = trial_time_limit
        self._on_trial_end = on_trial_end
        bind = getattr(oracle.strategy, "bind_builder", None)
        if bind is not None:  # e.g. MorphismSearch, which reads architectures
            bind(self._architecture)
        super().__init__(
            oracle=oracle,
            hypermodel=_GraphHyperModel(graph, spec),
            directory=directory,
            project_name=project_name,
            overwrite=overwrite,
        )
        # KerasTuner reads its environment variables in __init__; the role decides instead.
        self.oracle = oracle
        if isinstance(role, Worker):
            from easynas.search._kt_remote import ChiefClient

            host, port = parse_address(role.address)
            self.tuner_id = role.name
            self.oracle = ChiefClient(oracle, host, port, self.tuner_id,
                                      connect_timeout=role.connect_timeout,
                                      chief_timeout=role.chief_timeout)
        else:
            self.tuner_id = "chief" if isinstance(role, Chief) else "tuner0"
            oracle.distributed = isinstance(role, Chief)

    def _is_worker(self) -> bool:
        return isinstance(self._role, Worker)

    # --- roles -------------------------------------------------------------------
    def search(self, *fit_args: Any, **fit_kwargs: Any) -> bool:
        """Run trials: all of them in a local search, the chief's on a worker.

        Returns:
            True; on a worker, False when the chief stopped answering (the
            worker stops either way).
        """
        if isinstance(self._role, Chief):
            raise RuntimeError("A chief serves the search with serve(), not search().")
        if not isinstance(self._role, Worker):
            super().search(*fit_args, **fit_kwargs)
            return True
        from easynas.search._kt_remote import ChiefUnavailable

        client = self.oracle
        try:
            client.connect()
            logger.info("Worker %s joined the chief at %s.", self.tuner_id, client.address)
            while True:
                trial = client.create_trial(self.tuner_id)
                if trial.status == TrialStatus.STOPPED.value:
                    logger.info("The chief ended the search; worker %s stops.", self.tuner_id)
                    return True
                if trial.status == TrialStatus.IDLE.value:
                    time.sleep(1.0)
                    continue
                with client.heartbeat(trial.trial_id):
                    self.on_trial_begin(trial)
                    self._try_run_and_update_trial(trial, *fit_args, **fit_kwargs)
                    self.on_trial_end(trial)
        except ChiefUnavailable as error:
            logger.warning("%s Worker %s stops.", error, self.tuner_id)
            return False
        finally:
            client.close()
            self._remove_shared_data()

    def serve(self, on_poll: Callable[[], None] | None = None,
              on_listening: Callable[[int], None] | None = None) -> None:
        """As the chief: serve the oracle until the search is done.

        Args:
            on_poll: Called every half second in this thread (it may raise
                to end the search), after each newly finished trial was
                passed to `on_trial_end`.
            on_listening: Called with the port once the chief listens.
        """
        from easynas.search._kt_remote import serve

        host, port = parse_address(self._role.address)
        self.save()
        reported = len(self.oracle.end_order)  # a resumed search reported its earlier trials

        def poll() -> None:
            nonlocal reported
            ended = list(self.oracle.end_order[reported:])
            reported += len(ended)
            for trial_id in ended:
                if self._on_trial_end is not None:
                    info = self.trial_info(trial_id)
                    record = record_from_trial(self.oracle.get_trial(trial_id), info,
                                               self.oracle.worker_of(trial_id))
                    self._on_trial_end(record, info)
            if on_poll is not None:
                on_poll()

        serve(self.oracle, host, port, worker_timeout=self._role.worker_timeout,
              on_poll=poll, on_listening=on_listening)
        poll()

    # --- one trial -------------------------------------------------------------
    def run_trial(self, trial, x, y, validation_data, epochs, batch_size, callbacks=(),
                  fit_verbose=0, seed=None, sample_weight=None, **kwargs):
        """Build, measure and train the trial's candidate, here or in a child process."""
        hp = trial.hyperparameters
        parent = hp.values.get(PARENT_KEY)
        job = TrialJob(
            graph=self.graph, spec=self.spec, hyperparameters=hp, trial_id=trial.trial_id,
            trial_dir=self.get_trial_dir(trial.trial_id),
            parent_dir=self.get_trial_dir(parent) if parent else None,
            objective=self.oracle.easynas_objective,
            epochs=int(hp.values.get(EPOCHS_KEY, epochs)),
            initial_epoch=int(hp.values.get(INITIAL_EPOCH_KEY, 0)),
            batch_size=batch_size, patience=self.patience, seed=seed, fit_verbose=fit_verbose,
            trial_time_limit=self.trial_time_limit, cost_meter=self.cost_meter,
            distribution_strategy=self._distribution_name,
        )
        data = {"x": x, "y": y, "validation_data": validation_data,
                "sample_weight": sample_weight}
        if self._in_child(data, callbacks):
            history = self._train_in_child(job, data, callbacks)
        else:
            history = train_trial(
                job, **data, deadline=self.oracle.deadline, callbacks=callbacks,
                on_epoch_end=self.oracle.save, reserve=self._reserve,
                distribution=self._distribution, extra_info={"isolation": "none"},
            )
        result = keras.callbacks.History()
        result.history = history
        return result

    def on_trial_end(self, trial) -> None:
        super().on_trial_end(trial)
        keras.backend.clear_session()
        gc.collect()
        if self._on_trial_end is not None:
            info = self.trial_info(trial.trial_id)
            worker = self.tuner_id if isinstance(self._role, Worker) else None
            record = record_from_trial(self.oracle.get_trial(trial.trial_id), info, worker)
            self._on_trial_end(record, info)

    def _build_trial_model(self, trial, seed: int | None = None,
                           weights: str | None = None) -> keras.Model:
        """The trial's compiled model (see `build_trial_model`); `weights` is None for
        fresh weights or "own" for a finished trial's checkpoint."""
        return build_trial_model(
            self.graph, self.spec, trial.hyperparameters, trial.trial_id, seed=seed,
            checkpoint=(os.path.join(self.get_trial_dir(trial.trial_id), CHECKPOINT)
                        if weights == "own" else None),
            distribution=self._distribution,
        )

    # --- trials in a child process ---------------------------------------------
    def _in_child(self, data: dict[str, Any], callbacks: Any) -> bool:
        """Whether this trial runs in a child process (see `trial_isolation`)."""
        if self.trial_isolation == "none":
            return False
        if self.trial_isolation == "auto":
            seconds = self._finished_trial_seconds()
            if not seconds or float(np.median(seconds)) < AUTO_PROCESS_SECONDS:
                return False
        problem = self._portability_problem(data, callbacks)
        if problem is None:
            return True
        if self.trial_isolation == "process":
            raise kt.errors.FatalValueError(
                f"trial_isolation='process' cannot run trials in a child process: {problem}."
            )
        if not self._warned_not_portable:
            logger.info("Trials run in this process (trial_isolation='auto'): %s.", problem)
            self._warned_not_portable = True
        return False

    def _finished_trial_seconds(self) -> list[float]:
        """How long each completed trial of the project took (from the trial folders, which
        a worker shares with its chief; only a completed trial's info has its seconds)."""
        seconds = []
        for name in os.listdir(self.project_dir):
            if name.startswith("trial_"):
                value = _read_info(os.path.join(self.project_dir, name)).get("trial_seconds")
                if isinstance(value, (int, float)):
                    seconds.append(float(value))
        return seconds

    def _portability_problem(self, data: dict[str, Any], callbacks: Any) -> str | None:
        """Why this trial cannot run in a child process, or None if it can.

        Checked for every trial: a user's callback may hold something that
        does not pickle (an open file) only after a trial used it.
        """
        from easynas.search._child import portability_problem

        problem = tree_problem(data)
        if problem is None:
            problem = portability_problem((self.graph, self.spec, detached(callbacks)))
            if problem is not None:
                problem = f"the search space or callbacks cannot go to a child process: {problem}"
        return problem

    def _train_in_child(self, job: TrialJob, data: dict[str, Any], callbacks: Any) -> dict:
        """Run `train_trial` in a child process and return its history (see `_child`)."""
        # Imported here: `python -m easynas.search._child` must not find it imported already.
        from easynas.search._child import ChildTrialError, run_in_child

        if self._shared is None or any(
            self._shared[0][k] is not v for k, v in data.items()
        ):  # the search's data, saved once
            self._shared = (dict(data), save_tree(data, self._data_dir()))
        deadline = self.oracle.deadline
        payload = {
            "job": job, "callbacks": detached(callbacks), "data_dir": self._data_dir(),
            "data": self._shared[1],
            "deadline_seconds": None if deadline.seconds is None else deadline.remaining(),
        }
        limit = self.trial_time_limit
        try:
            result = run_in_child(
                payload, job.trial_dir, on_wait=self.oracle.save,
                hard_limit=None if limit is None else limit + max(HARD_LIMIT_GRACE, limit / 2),
            )
        except ChildTrialError as error:
            raise kt.errors.FailedTrialError(str(error)) from None
        if "history" not in result:
            raise kt.errors.FailedTrialError(result.get("failed") or result.get("error"))
        return result["history"]

    def _data_dir(self) -> str:
        """This tuner's copy of the search's data for child processes (one per worker)."""
        return os.path.join(self.project_dir, SHARED_DATA_DIR, self.tuner_id)

    def _remove_shared_data(self) -> None:
        self._shared = None
        shutil.rmtree(self._data_dir(), ignore_errors=True)
        with contextlib.suppress(OSError):  # other workers' copies may still be there
            os.rmdir(os.path.dirname(self._data_dir()))

    def on_search_end(self) -> None:
        super().on_search_end()
        self._remove_shared_data()

    def _architecture(self, values: dict[str, Any]) -> keras.Model:
        """The untrained model of a set of values, morph ops applied (for strategies)."""
        hp = self.oracle.get_space()
        hp.values = dict(values)
        return apply_ops(self.graph.build(hp, self.spec), morph_chain(values), compile=False)

    # --- refit ------------------------------------------------------------------
    def refit(self, trial, x, y, *, epochs: int, batch_size: int, deadline: Deadline,
              seed: int | None = None, sample_weight=None,
              fit_verbose: int = 0) -> tuple[keras.Model | None, dict[str, Any]]:
        """Train a finished trial's architecture afresh on `(x, y)` for `epochs` epochs.

        There is no validation data, so nothing stops it early; the epoch
        count is the trial's best epoch (for a morph child, the epochs of its
        whole lineage, `lineage_epochs` in its info: the child's architecture,
        ops replayed on fresh weights, trains from scratch). Returns `(model, info)`; the model is
        None (and `info["reason"]` says why) when the deadline ended training
        early or the loss diverged, so the caller keeps the searched model.
        A penalised linear candidate is solved exactly instead (as in its trial).
        """
        started = time.perf_counter()
        model = self._build_trial_model(trial, seed)
        stop_at_deadline = _StopAtDeadline(deadline)
        solved = solve_linear(model, self.graph, x, y, sample_weight, seed)
        if solved is not None:
            losses = [data_metrics(model, x, y, sample_weight)["loss"]]
        else:
            losses = model.fit(
                **fit_arguments(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                seed=_trial_seed(seed, trial.trial_id)),
                epochs=epochs,
                callbacks=[keras.callbacks.TerminateOnNaN(), stop_at_deadline],
                verbose=fit_verbose,
            ).history.get("loss", [])
        info: dict[str, Any] = {
            "trial_id": trial.trial_id,
            "epochs": int(epochs),
            "epochs_run": len(losses),
            "samples": int(len(y[0] if isinstance(y, (list, tuple)) else y)),
            "seconds": time.perf_counter() - started,
            **({} if solved is None else _solver_info(solved)),
        }
        if stop_at_deadline.stopped:
            info["reason"] = "the time budget ran out during the refit"
        elif not losses or any(not math.isfinite(v) for v in losses):
            info["reason"] = f"the loss diverged (losses: {losses})"
        return (None if "reason" in info else model), info

    # --- results -------------------------------------------------------------
    def load_model(self, trial) -> keras.Model:
        """The trained model of a finished trial, at its best epoch (morph ops replayed)."""
        return self._build_trial_model(trial, weights="own")

    def records(self) -> list[TrialRecord]:
        return self.oracle.history().records

    def trial_info(self, trial_id: str) -> dict[str, Any]:
        """The cost and timing facts recorded for a trial ({} if none).

        Read from the trial's folder, not the oracle: on a worker the oracle
        is the chief's, across the network, and the folder is shared."""
        return _read_info(self.get_trial_dir(trial_id))

    def save(self) -> None:
        """Write the tuner's and the oracle's state atomically (a worker has none to write)."""
        if isinstance(self._role, Worker):
            return
        self.oracle.save()
        write_json(self._get_tuner_fname(), self.get_state())



def _read_info(trial_dir: str) -> dict[str, Any]:
    """The trial info (`TRIAL_INFO`) in a trial's folder ({} if none yet)."""
    path = os.path.join(trial_dir, TRIAL_INFO)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@dataclass(frozen=True)
class TrialJob:
    """Everything one trial needs but the data and the callbacks; it pickles, so a
    child process can run it (`run_job`).

    Args:
        graph: The search space.
        spec: The data spec the graph is built for.
        hyperparameters: The trial's `keras_tuner.HyperParameters`.
        trial_id: The trial's id.
        trial_dir: The trial's folder (its checkpoint and trial info go there).
        objective: What the search optimises.
        epochs: The epoch to train up to.
        initial_epoch: The epoch to start from (0, or where a parent stopped).
        batch_size: Training batch size.
        patience: Early-stopping patience in epochs.
        seed: The search's seed; None for unseeded weights and shuffling.
        fit_verbose: Keras' `fit` verbosity.
        trial_time_limit: Seconds the trial may run, or None.
        cost_meter: Measures the built candidate's costs and rejects one
            over its limits before it trains.
        parent_dir: The parent trial's folder, for a trial that starts from
            its parent's checkpoint (a promoted trial, or a morph child); None
            otherwise.
        distribution_strategy: None or "mirrored" (`SearchTuner`).
    """

    graph: Graph
    spec: DataSpec
    hyperparameters: kt.HyperParameters
    trial_id: str
    trial_dir: str
    objective: Objective
    epochs: int
    initial_epoch: int
    batch_size: int
    patience: int
    seed: int | None
    fit_verbose: int
    trial_time_limit: float | None
    cost_meter: CostMeter
    parent_dir: str | None = None
    distribution_strategy: str | None = None


def train_trial(job: TrialJob, x: Any, y: Any, validation_data: Any, sample_weight: Any, *,
                deadline: Deadline, callbacks: Any = (), started: float | None = None,
                on_epoch_end: Callable[[], None] | None = None,
                reserve: Callable[[dict[str, Any]], float] | None = None,
                distribution: Any = None,
                extra_info: dict[str, Any] | None = None) -> dict[str, list[float]]:
    """Build the trial's candidate, measure its costs, train it, keep its best epoch.

    The one code path of a trial, in the search's process and in a child
    process. The candidate is built from the graph (a morph child: its
    parent's architecture and checkpoint, then its own morph ops); one over
    a cost limit is rejected untrained. A penalised linear candidate is
    solved exactly (`_linear_solve`; callbacks see one epoch); any other
    trains by gradient descent. Training stops early (patience), at
    the budget's deadline or past the trial's time limit. The checkpoint
    (best epoch's weights) and the trial info (costs, timing, lineage, plus
    `extra_info`) are written into `job.trial_dir`.

    Args:
        job: The trial.
        x, y, validation_data, sample_weight: The data, as Keras' `fit` takes it.
        deadline: The search's budget; training stops at the end of the batch
            in which it expires.
        callbacks: The user's extra Keras callbacks.
        started: `time.perf_counter()` when the trial began (a child passes the
            moment it was launched); None for now.
        on_epoch_end: Called after every epoch (saves the search state).
        reserve: See `SearchTuner`.
        distribution: The `tf.distribute` strategy made from
            `job.distribution_strategy` (None: one device).
        extra_info: Added to the trial info.

    Returns:
        The history: each metric's value per epoch run.

    Raises:
        keras_tuner.errors.FailedTrialError: The candidate cannot be built
            (its morph ops, its parent's checkpoint), breaks a cost limit
            (its info says why), ran past its time limit or diverged.
    """
    started = time.perf_counter() if started is None else started
    objective = job.objective
    os.makedirs(job.trial_dir, exist_ok=True)
    build_started = time.perf_counter()
    try:
        model = build_trial_model(
            job.graph, job.spec, job.hyperparameters, job.trial_id, seed=job.seed,
            parent_dir=job.parent_dir, distribution=distribution,
        )
    except (MorphError, FileNotFoundError) as error:
        raise kt.errors.FailedTrialError(str(error)) from error
    info_path = os.path.join(job.trial_dir, TRIAL_INFO)
    try:
        costs = job.cost_meter.measure(model, x)
    except InfeasibleCandidate as error:
        write_json(info_path, {**error.costs, **(extra_info or {})})
        raise kt.errors.FailedTrialError(str(error)) from None
    _create_state_eagerly(model, x, y)
    best = _BestWeights(objective)
    timer = _TrainTimer()
    stop_at_deadline = _StopAtDeadline(deadline, on_epoch_end=on_epoch_end)
    time_limit = _TrialTimeLimit(job.trial_time_limit, started)
    build_seconds = time.perf_counter() - build_started
    reserving = [] if reserve is None else [
        _ReserveRefitTime(deadline, reserve, best, timer, build_seconds)
    ]
    solved = solve_linear(model, job.graph, x, y, sample_weight, job.seed)
    if solved is not None:
        history = _solved_history(model, x, y, sample_weight, validation_data)
        timer.epoch_seconds.append(solved["seconds"])
        _one_epoch(model, [best, *reserving, stop_at_deadline, *callbacks],
                   {name: values[0] for name, values in history.items()})
    else:
        history = _fit_by_gradient(model, job, x, y, validation_data, sample_weight, [
            DataValLoss(),  # first: the others rank on val_loss without the weight penalty
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.EarlyStopping(
                monitor=objective.name, mode=objective.direction, patience=job.patience
            ),
            best,
            timer,
            *reserving,
            stop_at_deadline,
            time_limit,
            *callbacks,
        ])
    losses = history.get("loss", [])
    if time_limit.exceeded:
        raise kt.errors.FailedTrialError(
            f"The trial ran past its time limit (trial_time_limit={job.trial_time_limit:g}s)"
            f" and was stopped after {time.perf_counter() - started:.1f}s."
        )
    if any(not math.isfinite(v) for v in losses) or best.weights is None:
        raise kt.errors.FailedTrialError(
            f"The loss became NaN or inf (losses: {losses}); the candidate diverged."
        )
    fit_ended = time.perf_counter()
    with replacing(os.path.join(job.trial_dir, CHECKPOINT), ".weights.h5") as tmp:
        model.save_weights(tmp)
    info = {
        **costs,
        "build_seconds": build_seconds,
        "fit_seconds": timer.seconds,
        "epoch_seconds": timer.epoch_seconds,
        "after_fit_seconds": time.perf_counter() - fit_ended,
        "trial_seconds": time.perf_counter() - started,
        "epochs_run": timer.epochs,
        "best_epoch": best.best_epoch,
        "stopped_by_budget": stop_at_deadline.stopped,
        **({} if solved is None else _solver_info(solved)),
        **(extra_info or {}),
    }
    if job.parent_dir and split_chain(job.hyperparameters.values)[1]:
        # A morph child's weights hold its parent's training too: a refit from
        # scratch trains as many epochs as the whole lineage did.
        parent_info = _read_info(job.parent_dir)
        info["lineage_epochs"] = int(parent_info.get(
            "lineage_epochs", int(parent_info.get("best_epoch") or 0) + 1
        )) + best.best_epoch + 1
    write_json(info_path, info)
    del model
    return {name: [float(v) for v in values] for name, values in history.items()}


def solve_linear(model: keras.Model, graph: Graph, x: Any, y: Any, sample_weight: Any,
                 seed: int | None) -> dict[str, Any] | None:
    """Solve a linear candidate exactly (`_linear_solve.solve_or_none`), choosing its
    penalty by cross-validation when its one head asks for it (`l2_cv`); None for a
    model to train by gradient descent."""
    from easynas.graph._graph import LEARNING_RATE
    from easynas.graph._heads import L2

    heads = graph.heads
    folds = getattr(heads[0], "l2_cv", None) if len(heads) == 1 else None
    solved = solve_or_none(model, x, y, sample_weight, penalty_folds=folds,
                           seed=0 if seed is None else int(seed))
    if solved is not None:
        # The solver uses no optimizer, and a penalty it chose replaces the searched one.
        solved["ignored"] = [LEARNING_RATE] + ([f"{heads[0].name}/{L2}"] if solved["l2_chosen"]
                                               else [])
    return solved


def _solver_info(solved: dict[str, Any]) -> dict[str, Any]:
    """What a trial's or refit's info records of an exact solve: the solver, the
    penalty, and the hyperparameters the solve made irrelevant (`TrialRecord.ignored`)."""
    return {"solver": solved["solver"], "solved_l2": solved["l2"],
            "ignored_hyperparameters": list(solved["ignored"])}


def _fit_by_gradient(model: keras.Model, job: TrialJob, x: Any, y: Any, validation_data: Any,
                     sample_weight: Any, callbacks: list[Any]) -> dict[str, list[float]]:
    """Train the trial's model with Keras' `fit`; its history."""
    history = model.fit(
        **fit_arguments(x, y, sample_weight=sample_weight, validation_data=validation_data,
                        batch_size=job.batch_size, seed=_trial_seed(job.seed, job.trial_id)),
        epochs=job.epochs,
        initial_epoch=job.initial_epoch,
        callbacks=callbacks,
        verbose=job.fit_verbose,
    )
    return history.history


def _one_epoch(model: keras.Model, callbacks: list[Any], logs: dict[str, float]) -> None:
    """Tell `callbacks` (ours and the user's) of a one-epoch training that ended with `logs`."""
    hooks = keras.callbacks.CallbackList(callbacks, model=model)
    hooks.on_train_begin()
    hooks.on_epoch_begin(0)
    hooks.on_epoch_end(0, dict(logs))
    hooks.on_train_end(dict(logs))


def _solved_history(model: keras.Model, x: Any, y: Any, sample_weight: Any,
                    validation_data: Any) -> dict[str, list[float]]:
    """A solved linear model's metrics as a one-epoch history, named as `fit` names
    them: "loss" with the weight penalty (what was minimised), "val_loss" without it."""
    values = data_metrics(model, x, y, sample_weight)
    values["loss"] += penalty(model)
    if validation_data is not None:
        x_val, y_val, *rest = validation_data
        validation = data_metrics(model, x_val, y_val, rest[0] if rest else None)
        values.update({f"val_{name}": value for name, value in validation.items()})
    return {name: [value] for name, value in values.items()}


def run_job(payload: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Run a trial sent to a child process (`_child.main`) and say how it went.

    Args:
        payload: The job (`TrialJob` under "job", the user's callbacks, the
            budget's seconds left and when the child was launched).
        data: `x`, `y`, `validation_data` and `sample_weight`.

    Returns:
        `{"history": ...}`, or `{"failed": reason}` when the candidate failed
        as a trial fails (cost limit, time limit, NaN loss, unbuildable morph
        child) or `{"error": traceback}` when it raised.
    """
    start_seconds = time.time() - payload["launched_at"]
    remaining = payload["deadline_seconds"]
    deadline = Deadline(None if remaining is None else remaining - start_seconds)
    job: TrialJob = payload["job"]
    extra = {"isolation": "process", "child_start_seconds": start_seconds}
    try:
        history = train_trial(job, **data, deadline=deadline, callbacks=payload["callbacks"],
                              distribution=_distribution(job.distribution_strategy),
                              extra_info=extra)
    except kt.errors.FailedTrialError as error:
        return {"failed": str(error)}
    except Exception:  # the candidate raised: the parent records it as a failed trial
        return {"error": traceback.format_exc()}
    return {"history": history}


def build_trial_model(graph: Graph, spec: DataSpec, hyperparameters: kt.HyperParameters,
                      trial_id: str, *, seed: int | None = None, parent_dir: str | None = None,
                      checkpoint: str | None = None, distribution: Any = None) -> keras.Model:
    """A trial's compiled model: the graph built from its values, then its morph ops.

    Args:
        graph: The search space.
        spec: Its data spec.
        hyperparameters: The trial's hyperparameters.
        trial_id: The trial's id.
        seed: Seeds the initial weights (with the trial id); None leaves them unseeded.
        parent_dir: For a trial about to run that names a parent: the parent's
            folder. Its checkpoint is loaded into the parent's architecture
            before the trial's own morph ops apply (function-preserving).
            None: every op applies to fresh weights.
        checkpoint: Weights to load into the finished model (a finished
            trial's own checkpoint); None for none.
        distribution: A `tf.distribute` strategy whose scope holds the
            variables; None for one device.

    Raises:
        MorphError: The morph ops cannot apply.
        FileNotFoundError: The parent's checkpoint or `checkpoint` is missing.
    """
    keras.backend.clear_session()
    if seed is not None:
        keras.utils.set_random_seed(_trial_seed(seed, trial_id))
    scope = contextlib.nullcontext() if distribution is None else distribution.scope()
    with scope:
        values = hyperparameters.values
        parent = values.get(PARENT_KEY) if parent_dir else None
        before, own = split_chain(values)
        model = graph.build(hyperparameters, spec)
        if parent:
            path = os.path.join(parent_dir, CHECKPOINT)
            try:
                model = apply_ops(model, before)
                if not os.path.exists(path):
                    raise FileNotFoundError(
                        f"The checkpoint of parent trial {parent!r} is missing ({path}); "
                        "the parent failed or its files were removed."
                    )
                _load_checkpoint(model, path)
                model = apply_ops(model, own)
            except MorphError as error:
                raise MorphError(
                    f"Cannot build the morph child of trial {parent!r}: {error}"
                ) from error
        else:
            model = apply_ops(model, before + own)
        if checkpoint is not None:
            if not os.path.exists(checkpoint):
                raise FileNotFoundError(f"Trial {trial_id!r} has no checkpoint at {checkpoint}.")
            _load_checkpoint(model, checkpoint)
        return model


def detached(callbacks: Any) -> list[Any]:
    """Copies of the user's callbacks without the model an earlier trial gave them
    (what is sent to a child process)."""
    copies = []
    for callback in callbacks or ():
        callback = copy.copy(callback)
        if isinstance(callback, keras.callbacks.Callback):
            keras.callbacks.Callback.set_model(callback, None)
        copies.append(callback)
    return copies


def _trial_seed(seed: int | None, trial_id: str) -> int | None:
    """A trial's seed (initial weights, shuffling): the search seed offset by the trial."""
    return None if seed is None else (int(seed) + int(trial_id)) % 2**31


def load_trial_model(project_dir: str, graph: Graph, spec: DataSpec, trial_id: str,
                     values: dict[str, Any]) -> keras.Model:
    """The trained model of a finished trial of a project, at its best epoch (a morph
    child's ops replayed).

    Args:
        project_dir: The project folder.
        graph: The graph the project searched.
        spec: Its data spec.
        trial_id: The trial.
        values: The trial's hyperparameter values.

    Raises:
        FileNotFoundError: The trial left no checkpoint (it did not complete,
            or the project folder is gone).
    """
    path = os.path.join(project_dir, f"trial_{trial_id}", CHECKPOINT)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"Trial {trial_id} has no trained weights at {path!r}: it did not complete, or "
            "the project folder was removed."
        )
    hp = kt.HyperParameters()
    hp.values.update(values)
    model = apply_ops(graph.build(hp, spec), morph_chain(values))  # a morph child's ops replayed
    _load_checkpoint(model, path)
    return model


def _create_state_eagerly(model: keras.Model, x: Any, y: Any) -> None:
    """Create the optimizer's and the metrics' variables before `fit` traces its step.

    Variables first created inside the traced training step are initialised
    through `tf.cond` branch functions that TensorFlow registers globally and
    never frees, so each trial would leave a few MB behind (the parent's memory
    grows trial after trial). Created here, eagerly, they leave nothing.
    """
    with model.distribute_strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    model.evaluate(_first_rows(x), _first_rows(y), verbose=0)


def _first_rows(data: Any) -> Any:
    """The first sample of an array, or of each array in a list or dict."""
    if isinstance(data, dict):
        return {k: v[:1] for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [v[:1] for v in data]
    return data[:1]


def _load_checkpoint(model: keras.Model, path: str) -> None:
    """Load weights (and optimizer state) saved by `save_weights` into a fresh model."""
    with model.distribute_strategy.scope():
        model.optimizer.build(model.trainable_variables)
    model.load_weights(path)


def _distribution(name: str | None) -> Any:
    """The `tf.distribute` strategy named, or None for one-device training.

    "mirrored" is a `MirroredStrategy` over every visible GPU; without a GPU
    there is nothing to mirror, so it logs a note and returns None.
    """
    if name is None:
        return None
    if name not in DISTRIBUTION_STRATEGIES:
        raise ValueError(f"Unknown distribution strategy {name!r}; expected one of "
                         f"{DISTRIBUTION_STRATEGIES}.")
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        logger.info("distribution_strategy='mirrored' found no GPU; each candidate trains on "
                    "one device (the CPU).")
        return None
    logger.info("Training each candidate on %d GPU(s) with MirroredStrategy.", len(gpus))
    return tf.distribute.MirroredStrategy([g.name for g in gpus])

