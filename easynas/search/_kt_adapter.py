"""The one place that touches KerasTuner: strategies as Oracles, trials as fits.

`StrategyOracle` wraps any `Strategy` (and the time budget) in a KerasTuner
`Oracle`, so KerasTuner's trial store, resume and chief/worker mode apply to
every strategy. `SearchTuner` runs a trial: build the candidate from the graph,
train it with early stopping, keep its best epoch's weights, record its cost.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import os
import time
from collections.abc import Callable
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
from easynas.search._pareto import ParetoObjectives
from easynas.search._records import Objective, TrialRecord, TrialStatus
from easynas.search._strategy import History, Strategy

if TYPE_CHECKING:
    from easynas.data._spec import DataSpec
    from easynas.graph._graph import Graph

logger = logging.getLogger(__name__)

__all__ = ["SearchTuner", "StrategyOracle", "load_trial_model", "record_from_trial"]

CHECKPOINT = "checkpoint.weights.h5"
TRIAL_INFO = "easynas_trial.json"
EPOCHS_KEY = "easynas/epochs"
INITIAL_EPOCH_KEY = "easynas/initial_epoch"


def record_from_trial(trial: Any, info: dict[str, Any] | None = None) -> TrialRecord:
    """A frozen `TrialRecord` of a KerasTuner trial (costs from its trial info, if given)."""
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

    def history(self) -> History:
        records = [record_from_trial(self.trials[i], self._info(i)) for i in self.start_order]
        return History(records, self.easynas_objective, self.pareto)

    def _info(self, trial_id: str) -> dict[str, Any]:
        """The trial info the tuner wrote in the trial's folder ({} if none yet)."""
        path = os.path.join(self._get_trial_dir(trial_id), TRIAL_INFO)
        if not os.path.exists(path):
            return {}
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        if self.deadline.expired():
            logger.info("Time budget spent; no new trial starts.")
            return {"status": "STOPPED", "values": None}
        rng = np.random.default_rng([self.search_seed, len(self.trials)])
        proposal = self.strategy.propose(self.get_space(), self.history(), rng)
        return {"status": proposal.status, "values": proposal.values}

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        state["easynas_strategy"] = self.strategy.get_state()
        state["easynas_seed"] = self.search_seed
        state["easynas_spent_seconds"] = self.deadline.spent()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.strategy.set_state(state.get("easynas_strategy", {}))
        self.search_seed = state.get("easynas_seed", self.search_seed)
        # A resumed search counts the time its earlier runs spent.
        self.deadline.add_spent(float(state.get("easynas_spent_seconds", 0.0)))

    def save(self) -> None:
        """Write the oracle's state atomically (KerasTuner writes it in place)."""
        write_json(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial) -> None:
        write_json(os.path.join(self._get_trial_dir(trial.trial_id), "trial.json"),
                   trial.get_state())


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
    ) -> None:
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

    # --- one trial -------------------------------------------------------------
    def run_trial(self, trial, x, y, validation_data, epochs, batch_size, callbacks=(),
                  fit_verbose=0, seed=None, sample_weight=None, **kwargs):
        hp = trial.hyperparameters
        objective: Objective = self.oracle.easynas_objective
        epochs = int(hp.values.get(EPOCHS_KEY, epochs))
        initial_epoch = int(hp.values.get(INITIAL_EPOCH_KEY, 0))
        started = time.perf_counter()
        model = self._build_trial_model(trial, seed, weights="parent")
        costs = self._measure_costs(trial.trial_id, model, x)  # may reject it untrained
        _create_state_eagerly(model, x, y)
        best = _BestWeights(objective)
        timer = _TrainTimer()
        stop_at_deadline = _StopAtDeadline(self.oracle.deadline, on_epoch_end=self.oracle.save)
        time_limit = _TrialTimeLimit(self.trial_time_limit, started)
        build_seconds = time.perf_counter() - started
        reserving = [] if self._reserve is None else [
            _ReserveRefitTime(self.oracle.deadline, self._reserve, best, timer, build_seconds)
        ]
        fit_callbacks = [
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.EarlyStopping(
                monitor=objective.name, mode=objective.direction, patience=self.patience
            ),
            best,
            timer,
            *reserving,
            stop_at_deadline,
            time_limit,
            *callbacks,
        ]
        history = model.fit(
            **fit_arguments(x, y, sample_weight=sample_weight, validation_data=validation_data,
                            batch_size=batch_size, seed=_trial_seed(seed, trial.trial_id)),
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=fit_callbacks,
            verbose=fit_verbose,
        )
        losses = history.history.get("loss", [])
        if time_limit.exceeded:
            raise kt.errors.FailedTrialError(
                f"The trial ran past its time limit (trial_time_limit={self.trial_time_limit:g}s)"
                f" and was stopped after {time.perf_counter() - started:.1f}s."
            )
        if any(not math.isfinite(v) for v in losses) or best.weights is None:
            raise kt.errors.FailedTrialError(
                f"The loss became NaN or inf (losses: {losses}); the candidate diverged."
            )
        fit_ended = time.perf_counter()
        with replacing(self._checkpoint_path(trial.trial_id), ".weights.h5") as tmp:
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
        }
        if hp.values.get(PARENT_KEY) and split_chain(hp.values)[1]:
            # A morph child's weights hold its parent's training too: a refit from
            # scratch trains as many epochs as the whole lineage did.
            parent_info = self.trial_info(hp.values[PARENT_KEY])
            info["lineage_epochs"] = int(parent_info.get(
                "lineage_epochs", int(parent_info.get("best_epoch") or 0) + 1
            )) + best.best_epoch + 1
        self._write_info(trial.trial_id, info)
        del model
        return history

    def on_trial_end(self, trial) -> None:
        super().on_trial_end(trial)
        keras.backend.clear_session()
        gc.collect()
        if self._on_trial_end is not None:
            info = self.trial_info(trial.trial_id)
            record = record_from_trial(self.oracle.get_trial(trial.trial_id), info)
            self._on_trial_end(record, info)

    def _measure_costs(self, trial_id: str, model: keras.Model, x: Any) -> dict[str, Any]:
        """The candidate's costs; over a limit, its info is written and the trial fails."""
        try:
            return self.cost_meter.measure(model, x)
        except InfeasibleCandidate as error:
            self._write_info(trial_id, error.costs)
            raise kt.errors.FailedTrialError(str(error)) from None

    def _build_trial_model(self, trial, seed: int | None = None,
                           weights: str | None = None) -> keras.Model:
        """The trial's compiled model: the graph built from its values, then its morph ops.

        Args:
            trial: The KerasTuner trial.
            seed: Seeds the initial weights (with the trial id); None leaves them unseeded.
            weights: None for fresh weights; "parent" for a trial about to run:
                its parent's checkpoint is loaded into the parent's architecture
                before the trial's own morph ops apply (function-preserving);
                "own" for a finished trial: its own checkpoint.

        Raises:
            kt.errors.FailedTrialError: For a trial to run ("parent") whose
                morph ops cannot apply or whose parent's checkpoint is missing.
            MorphError: Otherwise, when the morph ops cannot apply.
            FileNotFoundError: With "own", when the trial has no checkpoint.
        """
        keras.backend.clear_session()
        if seed is not None:
            keras.utils.set_random_seed(_trial_seed(seed, trial.trial_id))
        values = trial.hyperparameters.values
        parent = values.get(PARENT_KEY) if weights == "parent" else None
        try:
            before, own = split_chain(values)
            model = self.graph.build(trial.hyperparameters, self.spec)
            if parent:
                model = apply_ops(model, before)
                path = self._checkpoint_path(parent)
                if not os.path.exists(path):
                    raise kt.errors.FailedTrialError(
                        f"The checkpoint of parent trial {parent!r} is missing ({path}); "
                        "the parent failed or its files were removed."
                    )
                _load_checkpoint(model, path)
                model = apply_ops(model, own)
            else:
                model = apply_ops(model, before + own)
        except MorphError as error:
            if weights != "parent":
                raise
            raise kt.errors.FailedTrialError(
                f"Cannot build the morph child of trial {parent!r}: {error}"
            ) from error
        if weights == "own":
            path = self._checkpoint_path(trial.trial_id)
            if not os.path.exists(path):
                raise FileNotFoundError(f"Trial {trial.trial_id!r} has no checkpoint at {path}.")
            _load_checkpoint(model, path)
        return model

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
        """
        started = time.perf_counter()
        model = self._build_trial_model(trial, seed)
        stop_at_deadline = _StopAtDeadline(deadline)
        history = model.fit(
            **fit_arguments(x, y, sample_weight=sample_weight, batch_size=batch_size,
                            seed=_trial_seed(seed, trial.trial_id)),
            epochs=epochs,
            callbacks=[keras.callbacks.TerminateOnNaN(), stop_at_deadline],
            verbose=fit_verbose,
        )
        losses = history.history.get("loss", [])
        info: dict[str, Any] = {
            "trial_id": trial.trial_id,
            "epochs": int(epochs),
            "epochs_run": len(losses),
            "samples": int(len(y[0] if isinstance(y, (list, tuple)) else y)),
            "seconds": time.perf_counter() - started,
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
        """The cost and timing facts recorded for a trial ({} if none)."""
        return self.oracle._info(trial_id)

    def _write_info(self, trial_id: str, info: dict[str, Any]) -> None:
        directory = self.get_trial_dir(trial_id)
        os.makedirs(directory, exist_ok=True)
        write_json(os.path.join(directory, TRIAL_INFO), info)

    def save(self) -> None:
        """Write the tuner's and the oracle's state atomically."""
        self.oracle.save()
        write_json(self._get_tuner_fname(), self.get_state())

    def _checkpoint_path(self, trial_id: str) -> str:
        return os.path.join(self.get_trial_dir(trial_id), CHECKPOINT)


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
    model.optimizer.build(model.trainable_variables)
    model.load_weights(path)

