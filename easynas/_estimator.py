"""The search estimator behind AutoModel and every task class.

`fit` validates parameters, then data, then searches; learned state ends in
`_`. The constructor only stores its arguments (scikit-learn's rule), so
`clone`, `get_params` and `GridSearchCV` work.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from easynas import _cost_options as costs
from easynas import _ensemble as ensembles
from easynas import _finalists as finalists_cv
from easynas import _validation as v
from easynas._atomic import replacing, write_json
from easynas._lock import LOCK_FILE, ProjectLock, check_joinable
from easynas._version import __version__
from easynas.data._adapters import check_lengths, read_source, take_rows, to_arrays, to_parts
from easynas.data._analysis import analyze_classification_target, analyze_regression_target
from easynas.data._conform import decode_output, encode_target, output_probabilities
from easynas.data._keras_args import one_or_list, per_head
from easynas.data._spec import ClassificationTargetSpec, DataSpec, matches_saved
from easynas.data._weights import check_sample_weight, class_weights
from easynas.exceptions import (
    ExperimentalWarning,
    InvalidDataError,
    InvalidParameterError,
    NotFittedError,
)
from easynas.graph._graph import Graph
from easynas.graph._heads import ClassificationHead, RegressionHead
from easynas.report._leaderboard import build_leaderboard, last_line
from easynas.report._progress import ProgressReporter
from easynas.search import _registry
from easynas.search import _screening as screening_option
from easynas.search._budget import parse_duration
from easynas.search._lineage import lineage
from easynas.search._records import Objective, TrialStatus
from easynas.search._roles import Chief, Worker, role_from_env

logger = logging.getLogger(__name__)

__all__ = ["SearchEstimator", "parse_objective"]

RESULT_FILE = "easynas_result.json"
PROJECT_FILE = "easynas_project.json"
BEST_MODEL_FILE = "best_model.keras"
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse", "crossentropy", "hinge")


def parse_objective(objective: str | tuple[str, str]) -> Objective:
    """An `Objective` from "val_accuracy" (direction inferred) or ("name", "max")."""
    if isinstance(objective, tuple):
        return Objective(*objective)
    lower = any(word in objective for word in _LOWER_IS_BETTER)
    return Objective(objective, "min" if lower else "max")


def _valid_time_budget(value: Any) -> bool:
    parse_duration(value)
    return True


def _valid_objective(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
        and value[1] in ("min", "max")
    )


def _valid_search(value: Any) -> bool:
    _registry.get(value)
    return True


class SearchEstimator(BaseEstimator):
    """Shared fit / predict / evaluate / export / leaderboard logic.

    Subclasses provide `_make_graph()` and, optionally, `_initial_values()`
    (known-good first candidates for the greedy strategy).
    """

    _parameter_constraints: dict[str, list] = {
        "search": [v.Satisfies(_valid_search, "a strategy name ('greedy', 'random', 'bayesian', "
                               "'hyperband', 'morphism'), config or Strategy instance")],
        "max_trials": [v.Interval(int, 1, None)],
        "time_budget": [v.NONE, v.Satisfies(_valid_time_budget,
                                            "a positive number of seconds or a duration string "
                                            "like '10min' or '1h30m'")],
        "trial_time_limit": [v.NONE, v.Satisfies(_valid_time_budget,
                                                 "a positive number of seconds or a duration "
                                                 "string like '30s' or '5min'")],
        "trial_isolation": [v.Options(("auto", "process", "none"))],
        "epochs": [v.Interval(int, 1, None)],
        "patience": [v.Interval(int, 1, None)],
        "batch_size": [v.Interval(int, 1, None)],
        "validation_split": [v.Interval(float, 0.0, 1.0, closed="neither")],
        "objective": [v.Satisfies(_valid_objective, "a metric name such as 'val_loss' or a "
                                  "(name, 'min'|'max') tuple")],
        "directory": [v.NONE, v.InstanceOf((str, os.PathLike), "a path")],
        "project_name": [v.NONE, v.InstanceOf(str)],
        "overwrite": [v.InstanceOf(bool)],
        "refit": [v.Options((True, False, "auto"))],
        "seed": [v.NONE, v.Interval(int, 0, 2**31 - 1)],
        "verbose": [v.Options((0, 1, 2))],
        **costs.COST_CONSTRAINTS,
        "n_parallel_trials": [v.Interval(int, 1, None)],
        "distribution_strategy": [v.NONE, v.Options(("mirrored",))],
        "screening": [v.Satisfies(screening_option.valid_screening,
                                  screening_option.DESCRIPTION)],
    }

    # --- to be provided by subclasses -----------------------------------------
    def _make_graph(self) -> Graph:
        raise NotImplementedError

    def _initial_values(self, graph: Graph) -> list[dict[str, Any]]:
        return []

    def _class_weight(self) -> str | dict[Any, float] | None:
        """Class weights for the (single) classification head, if the task has any."""
        return None

    def _finalist_folds(self, rows: int, validation_given: bool) -> int:
        """Folds of the finalists' cross-validation (see `easynas._finalists`); 0 for none."""
        return 0

    def _ensembles(self) -> bool:
        """Whether a finalist CV may deploy a weighted mix of the finalists
        (see `easynas._ensemble`) instead of one of them."""
        return False

    # --- fit ------------------------------------------------------------------
    def _cost_limits(self) -> Any:
        return costs.limits_of(self.get_params(deep=False))

    def _pareto(self, objective: Objective) -> Any:
        return costs.pareto_of(self.get_params(deep=False), objective)

    def _validate_params(self) -> None:
        v.validate_parameters(
            self._parameter_constraints, self.get_params(deep=False), type(self).__name__
        )
        costs.check_cost_options(self.get_params(deep=False), type(self).__name__)
        screening_option.check_screening(self.get_params(deep=False), type(self).__name__)

    def fit(
        self,
        x: Any,
        y: Any = None,
        *,
        sample_weight: Any = None,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Sequence[Any] | None = None,
        role: Chief | Worker | None = None,
    ) -> SearchEstimator:
        """Search for the best network for `(x, y)` and keep it.

        Args:
            x: Training inputs: a NumPy array or pandas object (one input), a
                list or dict of them (several inputs), a `tf.data.Dataset` of
                `(x, y)`, a folder of class sub-folders of images, a `.npz`
                file with arrays `x` and `y`, or a `.csv` file (a table; name
                its target column in `y`).
            y: Training targets (None when `x` carries them): labels of any
                type (ints, strings, bools), a one-hot or multi-label 0/1
                matrix, or numbers for regression; a list or dict for several
                heads. For a table (a DataFrame or `.csv` path), the name of
                its target column.
            sample_weight: One non-negative weight per training sample (None:
                all 1). Each candidate's loss weighs samples by it; the
                validation split keeps its samples' weights, so candidates
                are scored on the weighted validation loss. Multiplied by
                class weights where a task has them (`class_weight`).
            validation_data: `(x_val, y_val)` to score candidates on. If None,
                a `validation_split` fraction of the training data is held out
                (stratified for classification, seeded).
            callbacks: Extra Keras callbacks for every candidate's `fit` (not
                for the refit, which has no validation data to monitor).
                Not with `n_parallel_trials` > 1 (its worker processes cannot
                receive them).
            role: For a search over several processes or machines (see
                "Scale out" in the README): `easynas.search.Chief(address)`
                serves the search to workers, refits and keeps the best model;
                `easynas.search.Worker(address)` runs trials for that chief
                and returns with no model (the chief has it). Every process
                gets the same data and constructor arguments and the same
                project folder (`directory` on a shared filesystem). None
                reads KerasTuner's variables `KERASTUNER_TUNER_ID`,
                `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`, and
                searches locally when they are unset.

        Returns:
            self.

        Raises:
            InvalidParameterError: A constructor argument is invalid.
            InvalidDataError: The data cannot be used (before any training).
            RuntimeError: Every candidate failed.
        """
        started = time.perf_counter()
        self._validate_params()
        role = self._check_role(role, callbacks)
        graph = self._make_graph()
        head_names = list(graph.outputs)
        x, y = read_source(x, y)
        xs = _read_inputs(graph.inputs, x, "x")
        if y is None:
            raise InvalidDataError(
                "y is missing (None); pass the targets, or a source with labels."
            )
        ys = to_arrays(y, head_names, "y")
        n = check_lengths([("x", a) for a in xs] + [("y", a) for a in ys])
        weights = None if sample_weight is None else check_sample_weight(sample_weight, n)

        seed = self.seed
        if isinstance(role, Worker):
            seed = self._chief_seed(role)
        if seed is None and self.directory is not None and not self.overwrite:
            seed = _saved_seed(self._project_dir())  # a resumed search keeps its drawn seed
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**31)
        target_specs = [self._analyze_target(head, y_part, "y")
                        for head, y_part in zip(graph.heads, ys)]
        class_weight = self._class_weight()
        if class_weight is not None:
            by_class = class_weights(class_weight, _single(target_specs), ys[0])
            weights = by_class if weights is None else weights * by_class
        if validation_data is None:
            train_idx, val_idx = self._split(len(xs[0]), ys, target_specs, seed)
            x_train = [take_rows(a, train_idx) for a in xs]
            x_val = [take_rows(a, val_idx) for a in xs]
            y_train, y_val = [a[train_idx] for a in ys], [a[val_idx] for a in ys]
            val_weights = None if weights is None else weights[val_idx]
            weights = None if weights is None else weights[train_idx]
        else:
            x_train, y_train = xs, ys
            x_val, y_val = self._read_validation(validation_data, graph, head_names)
            val_weights = None
            if class_weight is not None:
                val_weights = class_weights(class_weight, target_specs[0], y_val[0],
                                            reference=ys[0])
        spec = None
        try:
            input_specs = [node.analyze(part, "x") for node, part in zip(graph.inputs, x_train)]
            spec = DataSpec(inputs=tuple(input_specs), targets=tuple(target_specs))
            features = _conform_inputs(graph.inputs, spec, x_train, "x")
            val_features = _conform_inputs(
                graph.inputs, spec, x_val, "x" if validation_data is None else "validation_data[0]"
            )
        except InvalidDataError:
            if validation_data is None:
                # The parts of a split are renumbered; read all of x the same way, so the
                # error names the user's own row.
                if spec is None:
                    for node, part in zip(graph.inputs, xs):
                        node.analyze(part, "x")
                else:
                    _conform_inputs(graph.inputs, spec, xs, "x")
            raise
        for node, input_spec in zip(graph.inputs, spec.inputs):
            if hasattr(input_spec, "column_kinds"):
                logger.info("Column kinds of %s: %s", node.name, input_spec.column_kinds)
        targets = [encode_target(s, a, "y") for s, a in zip(spec.targets, y_train)]
        val_targets = [
            encode_target(s, a, "validation_data[1]") for s, a in zip(spec.targets, y_val)
        ]

        objective = costs.primary_objective(self.get_params(deep=False), parse_objective)
        if self.trial_isolation == "process":
            _check_portable(graph, callbacks)
        project_dir = self._project_dir()
        data = (features, targets, val_features, val_targets, weights, val_weights)
        if isinstance(role, Worker):
            return self._work(role, graph, spec, objective, seed, project_dir, data,
                              callbacks or [])
        if role is None and self.n_parallel_trials > 1:
            role = Chief("127.0.0.1:0")
        lock_role = "search" if role is None else "chief"
        with ProjectLock(project_dir, lock_role, None if role is None else role.address):
            if self.overwrite:
                _clear_project(project_dir)
            self._check_project(project_dir, graph, spec)
            self._write_project(project_dir, graph, spec, seed)
            # Presets and the epoch limit fill in only strategies made from a name or
            # config; a Strategy instance the user built is used exactly as given.
            strategy = _registry.get(
                self.search, max_epochs=self.epochs,
                initial_values=self._initial_values(graph) or None,
            )
            # Bound afresh each fit (None unbinds a Strategy instance screened before).
            screening = screening_option.parse_screening(self.screening)
            strategy.bind_screener(None if screening is None else screening_option.Screener(
                screening, graph, spec, features, targets, seed, max_params=self.max_params))
            if getattr(strategy, "experimental", False):
                warnings.warn(
                    f"search={strategy.name!r} is experimental: its options and the values it "
                    "stores in each trial may still change between releases.",
                    ExperimentalWarning, stacklevel=2,
                )
            refit = self.refit is True or (self.refit == "auto" and validation_data is None)
            folds = self._finalist_folds(len(targets[0]) + len(val_targets[0]),
                                         validation_data is not None)
            records, infos, best_model, refit_info, finalists = self._run_search(
                graph, spec, strategy, objective, seed, project_dir, data,
                callbacks or [], started, refit, role, folds=folds,
            )
            limits, pareto = self._cost_limits(), self._pareto(objective)
            best = _best_record(records, objective, limits, pareto)
            ensemble = _deployed_ensemble(finalists)
            if finalists and finalists.get("chosen") is not None:
                best = next(r for r in records if r.trial_id == finalists["chosen"])
            if ensemble is not None:  # its heaviest member stands for it
                heaviest = ensembles.heaviest(ensemble["weights"])
                best = next(r for r in records if r.trial_id == heaviest)
            if best is None:
                raise RuntimeError(_no_model_message(records, infos, limits))
            self.graph_ = graph
            self.spec_ = spec
            self.objective_ = objective
            self.objectives_ = None if pareto is None else list(pareto.names)
            self.seed_ = seed
            self.project_dir_ = project_dir
            self.trials_ = records
            self.best_trial_id_ = best.trial_id
            self.best_hyperparameters_ = {
                k: val for k, val in best.values.items() if not k.startswith("easynas/")
            }
            self.best_model_ = best_model
            self.refit_info_ = refit_info
            self.finalists_ = finalists
            self.ensemble_ = ensemble
            self.leaderboard_ = build_leaderboard(records, infos, objective)
            self.search_seconds_ = time.perf_counter() - started
            self._save_result()
        return self

    # --- distributed search --------------------------------------------------------
    def _check_role(self, role: Any, callbacks: Any) -> Chief | Worker | None:
        """The role of this process (given, or from KerasTuner's variables), checked."""
        if role is None:
            role = role_from_env(os.environ)
        if role is not None and not isinstance(role, (Chief, Worker)):
            raise InvalidParameterError(
                f"The 'role' argument of {type(self).__name__}.fit must be None, "
                f"easynas.search.Chief or easynas.search.Worker. Got {role!r} instead."
            )
        if role is not None and self.directory is None:
            raise InvalidParameterError(
                f"A distributed search ({type(role).__name__}) needs the 'directory' parameter "
                f"of {type(self).__name__}: a folder the chief and all workers share."
            )
        if isinstance(role, Worker) and self.n_parallel_trials > 1:
            raise InvalidParameterError(
                f"The 'n_parallel_trials' parameter of {type(self).__name__} must be 1 on a "
                f"worker (got {self.n_parallel_trials}); start one worker per GPU instead."
            )
        if callbacks and self.n_parallel_trials > 1 and not isinstance(role, Worker):
            raise InvalidParameterError(
                f"callbacks cannot be used with n_parallel_trials={self.n_parallel_trials}: "
                "the trials run in worker processes that cannot receive them. Pass "
                "n_parallel_trials=1, or start workers yourself (role=Worker(...)) and give "
                "each its callbacks."
            )
        return role

    def _chief_seed(self, role: Worker) -> int:
        """A worker's seed: the one the chief searches with (it writes it before serving)."""
        from easynas.search._kt_remote import ChiefUnavailable, wait_for_chief

        try:
            wait_for_chief(role.address, role.connect_timeout)
        except ChiefUnavailable as error:
            raise RuntimeError(str(error)) from error
        project_dir = self._project_dir()
        check_joinable(project_dir)
        saved = _read_project(project_dir) or {}
        seed = saved.get("seed")
        if not isinstance(seed, int):
            raise InvalidParameterError(
                f"The chief's project {project_dir!r} records no seed; is it an easynas "
                "chief of this version?"
            )
        if self.seed is not None and self.seed != seed:
            raise InvalidParameterError(
                f"The 'seed' parameter of {type(self).__name__} is {self.seed} on this worker "
                f"but the chief searches with seed {seed}; give both the same (or none)."
            )
        return seed

    def _work(self, role, graph, spec, objective, seed, project_dir, data, callbacks):
        """Run trials for the chief; the estimator stays unfitted (the chief keeps the model)."""
        from easynas._distributed import WorkerJob, run_worker

        saved = _read_project(project_dir) or {}
        if (saved.get("graph") != json.loads(graph.to_json())
                or saved.get("spec") != spec.to_dict()):
            raise InvalidParameterError(
                f"This worker's search space or data differs from the chief's (project "
                f"{project_dir!r}). Give every worker the chief's data and settings."
            )
        job = WorkerJob(
            graph=graph, spec=spec, objective=objective, project_dir=project_dir, seed=seed,
            data=data, max_trials=self.max_trials, epochs=self.epochs,
            batch_size=self.batch_size, patience=self.patience,
            trial_time_limit=_seconds(self.trial_time_limit),
            time_budget=_seconds(self.time_budget), verbose=self.verbose,
            distribution_strategy=self.distribution_strategy, callbacks=list(callbacks),
            cost_meter=costs.cost_meter(self.get_params(deep=False), self.batch_size),
            trial_isolation=self.trial_isolation,
        )
        ran: list[Any] = []
        ended = run_worker(job, role, on_trial_end=lambda record, info: ran.append(record))
        self.worker_trials_ = ran
        self.worker_ended_by_chief_ = ended
        return self

    def _run_search(self, graph, spec, strategy, objective, seed, project_dir, data,
                    callbacks, started, refit, role=None, folds=0):
        from easynas.search._kt_adapter import StrategyOracle

        features, targets, val_features, val_targets, weights, val_weights = data
        budget = None if self.time_budget is None else parse_duration(self.time_budget)
        limit = None if self.trial_time_limit is None else parse_duration(self.trial_time_limit)
        reporter = ProgressReporter(self.verbose, objective, self.max_trials)
        # The time spent preparing the data counts against the budget, and so
        # does, on resume, the time earlier runs spent (from the saved state).
        limits, pareto = self._cost_limits(), self._pareto(objective)
        oracle = StrategyOracle(strategy, objective, self.max_trials, seed, budget,
                                spent=time.perf_counter() - started, pareto=pareto)
        n_train, n_val = len(targets[0]), len(val_targets[0])
        refit_scale = (n_train + n_val) / n_train

        def reserve(running: dict[str, Any] | None) -> float:
            best = _best_record(tuner.records(), objective, limits, pareto)
            seconds = _refit_reserve(
                running, tuner.trial_info(best.trial_id) if best else None,
                best.score if best else None, objective, refit_scale, cap=budget / 2,
                margin=1.0 + 0.02 * budget,
            ) if refit else 0.0
            if folds:  # the finalists' CV: within the half of the budget the refit may take
                ranked = finalists_cv.ranked(tuner.records(), best, objective, limits)
                seconds += finalists_cv.reserve_seconds(
                    ranked, {r.trial_id: tuner.trial_info(r.trial_id) for r in ranked}, folds,
                    refit_scale, budget / 2 - seconds, _refit_seconds)
            return seconds

        holds_back = (refit or folds > 0) and budget is not None

        def trial_finished(record, info):
            reporter.trial_finished(record, info)
            if holds_back:
                oracle.deadline.hold_back(reserve(None))

        tuner = _open_tuner(
            project_dir, oracle, graph, spec, patience=self.patience,
            on_trial_end=trial_finished, trial_time_limit=limit,
            reserve=reserve if holds_back and role is None else None,
            cost_meter=costs.cost_meter(self.get_params(deep=False), self.batch_size),
            role=role, distribution_strategy=self.distribution_strategy,
            trial_isolation=self.trial_isolation,
        )
        reporter.search_started(project_dir, getattr(strategy, "name", type(strategy).__name__),
                                len(oracle.get_space().space))

        fit_verbose = 2 if self.verbose >= 2 else 0
        if role is None:
            from easynas._distributed import search_arguments

            tuner.search(**search_arguments(data, self.epochs, self.batch_size, callbacks,
                                            self.verbose, seed))
        else:
            self._serve(tuner, oracle, role, graph, spec, objective, seed, project_dir, data,
                        limit)
        records = tuner.records()
        infos = {r.trial_id: tuner.trial_info(r.trial_id) for r in records}
        completed = [r for r in records if r.status == TrialStatus.COMPLETED]
        reporter.search_finished(len(completed), len(records), time.perf_counter() - started)
        best = _best_record(records, objective, limits, pareto)
        if best is None:
            return records, infos, None, None, None
        finalists = None
        if folds:
            finalists = self._cross_validate(tuner, spec, records, infos, best, objective, limits,
                                             folds, refit_scale, refit, oracle.deadline, reporter,
                                             seed, fit_verbose, data)
            for trial_id, scores in finalists["scores"].items():
                infos[trial_id] = {**infos[trial_id], "cv_score": float(np.mean(scores)),
                                   "cv_scores": scores}
            if finalists["chosen"] is not None:
                best = next(r for r in records if r.trial_id == finalists["chosen"])
        mix = _deployed_ensemble(finalists)
        if mix is not None:
            model, refit_info = self._assemble_ensemble(tuner, oracle, finalists, infos, refit,
                                                        reporter, seed, fit_verbose, data)
            if mix["deployed"]:
                for trial_id, weight in mix["weights"].items():
                    infos[trial_id] = {**infos[trial_id], "ensemble_weight": weight}
            return records, infos, model, refit_info, finalists
        trial = oracle.get_trial(best.trial_id)
        refit_info = None
        if refit:
            refit_info = self._refit(
                tuner, trial, infos[best.trial_id], oracle.deadline, reporter, seed, fit_verbose,
                (features, targets, val_features, val_targets, weights, val_weights),
            )
        if refit_info is not None and "model" in refit_info:
            return records, infos, refit_info.pop("model"), refit_info, finalists
        return records, infos, tuner.load_model(trial), refit_info, finalists

    def _assemble_ensemble(self, tuner, oracle, finalists, infos, refit, reporter, seed,
                           fit_verbose, data):
        """The members of the finalists' chosen mix (refitted when `refit`) as one
        model (`easynas._ensemble.assemble`). Records each member's refit in the
        mix's "refits", and whether it was deployed in "deployed".

        Returns `(model, refit info of the heaviest member)`. Should the
        assembled model not reproduce the members' weighted outputs, the
        heaviest member is deployed alone and becomes the finalists' "chosen"
        (logged; the mix's "reason" says why).
        """
        mix = finalists["ensemble"]
        members, refits = [], {}
        for trial_id in mix["weights"]:
            trial = oracle.get_trial(trial_id)
            info = None
            if refit:
                info = self._refit(tuner, trial, infos[trial_id], oracle.deadline, reporter,
                                   seed, fit_verbose, data)
            model = (info or {}).pop("model", None)
            members.append(model if model is not None else tuner.load_model(trial))
            refits[trial_id] = info
        mix["refits"] = refits
        heaviest = ensembles.heaviest(mix["weights"])
        weights = list(mix["weights"].values())
        ensemble = ensembles.assemble(members, weights)
        check = [a[:ensembles.CHECK_ROWS] for a in data[0]]  # a few training rows
        difference = ensembles.mismatch(ensemble, members, weights, check)
        if difference > ensembles.TOLERANCE:
            mix["reason"] = (f"the assembled model's outputs differed from its members' weighted "
                             f"outputs by {difference:.3g}; deploying trial {heaviest} alone")
            logger.warning("Ensemble: %s.", mix["reason"])
            mix["deployed"] = False
            finalists["chosen"] = heaviest
            return members[list(mix["weights"]).index(heaviest)], refits[heaviest]
        mix["deployed"] = True
        reporter.ensemble_deployed(mix)
        return ensemble, refits[heaviest]

    def _cross_validate(self, tuner, spec, records, infos, best, objective, limits, folds,
                        data_scale, refit, deadline, reporter, seed, fit_verbose, data):
        """Score the search's best few by k-fold CV on training + validation data
        (`easynas._finalists`), leaving time for the refit if there is one (for
        every finalist, when their mix may be deployed)."""
        ranked = finalists_cv.ranked(records, best, objective, limits)
        joined = _joined(data)
        stratify = None
        if len(spec.targets) == 1 and isinstance(spec.targets[0], ClassificationTargetSpec):
            stratify = joined[1][0] if joined[1][0].ndim == 1 else None
        # The refit's time, with the margin its reserve has (the folds may run up to it).
        each = [_refit_seconds(infos.get(r.trial_id, {}), data_scale) for r in ranked]
        refit_seconds = (sum(each) if self._ensembles() else max(each, default=0.0)
                         ) if refit else 0.0
        if refit_seconds and deadline.seconds is not None:
            refit_seconds += 1.0 + 0.02 * deadline.seconds
        return finalists_cv.score_finalists(
            tuner, ranked, infos, joined, folds=folds, objective=objective, seed=seed,
            batch_size=self.batch_size, deadline=deadline, refit_seconds=refit_seconds,
            data_scale=data_scale, estimate=_refit_seconds, stratify=stratify, reporter=reporter,
            fit_verbose=fit_verbose, ensemble=self._ensembles(),
        )

    def _serve(self, tuner, oracle, role, graph, spec, objective, seed, project_dir, data,
               limit) -> None:
        """As the chief: serve the trials, with `n_parallel_trials` local workers if > 1."""
        from easynas._distributed import LocalWorkers, WorkerJob, local_host
        from easynas.search._roles import parse_address

        if self.n_parallel_trials == 1:
            tuner.serve()
            return
        remaining = oracle.deadline.remaining()
        workers = LocalWorkers(WorkerJob(
            graph=graph, spec=spec, objective=objective, project_dir=project_dir, seed=seed,
            data=data, max_trials=self.max_trials, epochs=self.epochs,
            batch_size=self.batch_size, patience=self.patience, trial_time_limit=limit,
            time_budget=None if remaining == float("inf") else max(remaining, 1.0),
            verbose=self.verbose, distribution_strategy=self.distribution_strategy,
            cost_meter=costs.cost_meter(self.get_params(deep=False), self.batch_size),
            trial_isolation=self.trial_isolation,
        ), self.n_parallel_trials)

        def watch() -> None:
            for worker_id, code in workers.newly_gone():
                trial_id = oracle.worker_gone(worker_id)
                if trial_id is not None:
                    logger.warning("Local worker %s exited (code %s) during trial %s; the "
                                   "trial will run again.", worker_id, code, trial_id)
            if workers.all_gone() and not oracle.done():
                tails = "; ".join(f"{w}: {workers.log_tail(w, 1)}" for w in workers.processes)
                raise RuntimeError(
                    "Every local worker process exited before the search was done. Last log "
                    f"lines: {tails}"
                )

        try:
            host = local_host(parse_address(role.address)[0])
            tuner.serve(on_poll=watch, on_listening=lambda port: workers.start(port, host))
        finally:
            workers.stop()

    def _refit(self, tuner, trial, info, deadline, reporter, seed, fit_verbose, data):
        """Train the best architecture afresh on training + validation data.

        Returns the refit's facts (with the model under "model" when it
        succeeded), or None when there is nothing to go on.
        """
        features, targets, val_features, val_targets, weights, val_weights = data
        best_epoch = info.get("best_epoch")
        if best_epoch is None:
            return None
        # A morph child inherited its parent's training: it refits for its lineage's epochs.
        epochs = int(info.get("lineage_epochs", int(best_epoch) + 1))
        estimate = _refit_seconds(info, (len(targets[0]) + len(val_targets[0])) / len(targets[0]))
        deadline.hold_back(0.0)
        if deadline.total_remaining() < estimate:
            reporter.refit_skipped(
                trial.trial_id,
                f"about {estimate:.0f}s needed, {max(deadline.total_remaining(), 0):.0f}s "
                "of the time budget left",
            )
            return {"trial_id": trial.trial_id, "reason": "not enough time budget left"}
        x_all, y_all, w_all = _joined(data)
        reporter.refit_started(trial.trial_id, epochs, len(y_all[0]))
        model, refit_info = tuner.refit(
            trial, one_or_list(x_all), one_or_list(y_all), epochs=epochs,
            batch_size=self.batch_size,
            deadline=deadline, seed=seed, sample_weight=per_head(w_all, len(y_all)),
            fit_verbose=fit_verbose,
        )
        reporter.refit_finished(refit_info)
        if model is not None:
            refit_info["model"] = model
        return refit_info

    def _analyze_target(self, head, y, name):
        if isinstance(head, ClassificationHead):
            return analyze_classification_target(y, multi_label=head.multi_label, name=name)
        if isinstance(head, RegressionHead):
            return analyze_regression_target(y, name=name)
        raise TypeError(f"No analysis for head {type(head).__name__}.")

    def _split(self, n, ys, target_specs, seed):
        from sklearn.model_selection import train_test_split

        n_val = int(round(n * self.validation_split))
        if n_val < 1 or n - n_val < 1:
            raise InvalidDataError(
                f"x has {n} samples; validation_split={self.validation_split} leaves "
                f"{n - n_val} to train on and {n_val} to validate on. Both must be at least 1; "
                "pass more data or validation_data."
            )
        stratify = None
        if len(ys) == 1 and isinstance(target_specs[0], ClassificationTargetSpec):
            labels = encode_target(target_specs[0], ys[0], "y")
            if labels.ndim == 1:
                counts = np.bincount(labels)
                counts = counts[counts > 0]
                if counts.min() >= 2 and n_val >= len(counts) and n - n_val >= len(counts):
                    stratify = labels
        indices = np.arange(n)
        return train_test_split(indices, test_size=n_val, random_state=seed, stratify=stratify)

    def _read_validation(self, validation_data, graph, head_names):
        if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
            xv, yv = validation_data
        else:  # a tf.data.Dataset, class folder or .npz carries its own labels
            xv, yv = read_source(validation_data, None, "validation_data")
            if yv is None or xv is validation_data:
                raise InvalidDataError(
                    "validation_data must be a tuple (x_val, y_val) or a source with labels. "
                    f"Got {type(validation_data).__name__}."
                )
        xs = _read_inputs(graph.inputs, xv, "validation_data[0]")
        ys = to_arrays(yv, head_names, "validation_data[1]")
        check_lengths([("validation_data[0]", a) for a in xs]
                      + [("validation_data[1]", a) for a in ys])
        return xs, ys

    # --- project files ----------------------------------------------------------
    def _project_dir(self) -> str:
        name = self.project_name or _snake(type(self).__name__)
        if self.directory is None:
            temporary = tempfile.mkdtemp(prefix="easynas-")
            # Removed with the estimator (or at interpreter exit), not left behind.
            weakref.finalize(self, shutil.rmtree, temporary, ignore_errors=True)
            return os.path.join(temporary, name)
        return os.path.join(os.fspath(self.directory), name)

    def _check_project(self, project_dir: str, graph: Graph, spec: DataSpec) -> None:
        """Refuse to resume a project made for another search space or data, or not by us."""
        saved = _read_project(project_dir)
        if saved is None:
            return
        same_graph = saved.get("graph") == json.loads(graph.to_json())
        if not same_graph or not matches_saved(saved.get("spec"), spec):
            raise InvalidParameterError(
                f"The project {project_dir!r} holds a search for another search space or data. "
                "Pass overwrite=True to replace it, or another directory/project_name."
            )

    def _write_project(self, project_dir: str, graph: Graph, spec: DataSpec, seed: int) -> None:
        """Record what the project searches, before the search starts (for resume)."""
        write_json(os.path.join(project_dir, PROJECT_FILE), {
            "easynas_version": __version__,
            "estimator": type(self).__name__,
            "graph": json.loads(graph.to_json()),
            "spec": spec.to_dict(),
            "seed": seed,
        }, indent=2)

    def _save_result(self) -> None:
        from easynas.search._costs import COST_OBJECTIVES

        best = next((r for r in self.trials_ if r.trial_id == self.best_trial_id_), None)
        name = self.objective_.name
        front_keys = [COST_OBJECTIVES[o] for o in (self.objectives_ or [name, "latency"])[1:]]
        with replacing(os.path.join(self.project_dir_, BEST_MODEL_FILE), ".keras") as tmp:
            self.best_model_.save(tmp)
        result = {
            "easynas_version": __version__,
            "estimator": type(self).__name__,
            "graph": json.loads(self.graph_.to_json()),
            "spec": self.spec_.to_dict(),
            "objective": [self.objective_.name, self.objective_.direction],
            "best_trial_id": self.best_trial_id_,
            "best_hyperparameters": self.best_hyperparameters_,
            "best_costs": dict(best.costs) if best is not None else {},
            "objectives": self.objectives_,
            "limits": self._cost_limits().get_config(),
            "pareto_front": [{"trial_id": point["trial_id"], "score": point[name], **{
                key: point.get(key) for key in front_keys}} for point in self.pareto_front()],
            "seed": self.seed_,
            "refit": self.refit_info_,
            "finalists": self.finalists_,
            "ensemble": self.ensemble_,
            # Trials continued or morphed from another: {trial_id: {parent, ops}}.
            "lineage": lineage((r.trial_id, r.values) for r in self.trials_),
        }
        write_json(os.path.join(self.project_dir_, RESULT_FILE), result, indent=2)

    # --- using the result ---------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "best_model_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call `fit` before `{method}`."
            )

    def _features(self, x: Any, method: str) -> list[np.ndarray]:
        self._check_fitted(method)
        x, _ = read_source(x, None)
        xs = _read_inputs(self.graph_.inputs, x, "x")
        check_lengths([("x", a) for a in xs])
        return _conform_inputs(self.graph_.inputs, self.spec_, xs, "x")

    def _raw_outputs(self, x: Any, method: str) -> list[np.ndarray]:
        features = self._features(x, method)
        raw = self.best_model_.predict(
            features[0] if len(features) == 1 else features,
            batch_size=self.batch_size, verbose=0,
        )
        return raw if isinstance(raw, list) else [raw]

    def _per_head(self, values: list[Any]) -> Any:
        if len(values) == 1:
            return values[0]
        return dict(zip(self.graph_.outputs, values))

    def predict(self, x: Any) -> Any:
        """Predictions in the targets' own form.

        Args:
            x: Inputs shaped like the training inputs.

        Returns:
            For one head: class labels of the original type (1-D), a 0/1 matrix
            (multi-label) or regression values. For several heads: a dict by
            head name.
        """
        raw = self._raw_outputs(x, "predict")
        return self._per_head([decode_output(s, r) for s, r in zip(self.spec_.targets, raw)])

    def evaluate(self, x: Any, y: Any) -> dict[str, float]:
        """Loss and metrics of the best model on `(x, y)`."""
        features = self._features(x, "evaluate")
        ys = to_arrays(y, list(self.graph_.outputs), "y")
        check_lengths([("x", features[0])] + [("y", a) for a in ys])
        targets = [encode_target(s, a, "y") for s, a in zip(self.spec_.targets, ys)]
        return self.best_model_.evaluate(
            features[0] if len(features) == 1 else features,
            targets[0] if len(targets) == 1 else targets,
            batch_size=self.batch_size, verbose=0, return_dict=True,
        )

    def leaderboard(self) -> Any:
        """Every candidate, best first: score, metrics, params, latency, time, status."""
        self._check_fitted("leaderboard")
        return self.leaderboard_.copy()

    def pareto_front(self, objectives: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The trials no other dominates on the objectives: the trade-off found.

        Only completed trials within the cost limits count. Each point is
        exportable: `export(path, trial_id=point["trial_id"])`, or
        `trial_model(point["trial_id"])` for its Keras model.

        Args:
            objectives: The objectives to weigh: the search's objective first,
                then costs among "latency", "latency_batch", "tflite_latency",
                "params", "size", "flops". None: the search's `objectives`, or
                for a single-objective search `[objective, "latency"]`.

        Returns:
            One dict per point, best score first: `trial_id`, the score under
            the objective's name, every measured cost (`params`, `flops`,
            `size_bytes`, `latency_ms`, `latency_batch_ms`, ...) and
            `hyperparameters`.

        Raises:
            NotFittedError: Before `fit`.
            InvalidParameterError: For objectives that do not start with the
                search's objective or name an unknown cost.
        """
        self._check_fitted("pareto_front")
        pareto = self._front_objectives(objectives)
        front = pareto.front(costs.eligible(self.trials_, self._cost_limits()))
        return [{
            "trial_id": r.trial_id,
            self.objective_.name: r.score,
            **r.costs,
            "hyperparameters": {k: val for k, val in r.values.items()
                                if not k.startswith("easynas/")},
        } for r in front]

    def plot_pareto_front(self, path: str, objectives: Sequence[str] | None = None) -> str:
        """Write a PNG of every feasible trial's score against a cost, the front joined up.

        Args:
            path: The PNG file to write.
            objectives: As for `pareto_front`; the plot's x axis is the first
                cost (the front is computed on all of them).

        Returns:
            `path`.

        Raises:
            ImportError: Without matplotlib (`pip install 'easynas[plot]'`).
        """
        from easynas.report._pareto_plot import plot_front
        from easynas.search._costs import COST_OBJECTIVES

        pareto = self._front_objectives(objectives)
        cost = pareto.names[1]
        feasible = costs.eligible(self.trials_, self._cost_limits())
        points = [(r.trial_id, r.costs[COST_OBJECTIVES[cost]], r.score) for r in feasible
                  if r.costs.get(COST_OBJECTIVES[cost]) is not None]
        front = [r.trial_id for r in pareto.front(feasible)]
        units = {"latency": " (ms, batch 1)", "latency_batch": " (ms, one batch)",
                 "tflite_latency": " (ms, TFLite, batch 1)", "size": " (bytes)"}
        return plot_front(points, front, os.fspath(path),
                          x_label=cost + units.get(cost, ""), y_label=self.objective_.name,
                          title=f"{type(self).__name__}: {len(front)} of {len(points)} "
                                "trials on the front",
                          log_x=cost in ("params", "flops", "size"))

    def trial_model(self, trial_id: str) -> Any:
        """The trained Keras model of one finished trial (e.g. a point of the front).

        The best trial's is `best_model_` (refit on all the data when the
        refit applied); any other trial's is read from the project folder, with
        the weights of its best epoch.

        Raises:
            NotFittedError: Before `fit`.
            InvalidParameterError: For an unknown or unfinished trial, or one
                over a cost limit.
        """
        from easynas.search._kt_adapter import load_trial_model

        self._check_fitted("trial_model")
        if trial_id == self.best_trial_id_:
            return self.best_model_
        record = next((r for r in costs.eligible(self.trials_, self._cost_limits())
                       if r.trial_id == trial_id), None)
        if record is None:
            known = [r.trial_id for r in costs.eligible(self.trials_, self._cost_limits())]
            raise InvalidParameterError(
                f"The 'trial_id' parameter of {type(self).__name__} must be the id of a "
                f"completed trial within the cost limits, one of {known}. Got {trial_id!r} "
                "instead."
            )
        return load_trial_model(self.project_dir_, self.graph_, self.spec_, trial_id,
                                record.values)

    def _front_objectives(self, objectives: Sequence[str] | None) -> Any:
        from easynas.search._pareto import ParetoObjectives

        if objectives is None:
            objectives = self.objectives_ or [self.objective_.name, "latency"]
        objectives = list(objectives) if isinstance(objectives, (list, tuple)) else objectives
        if not costs.valid_objectives(objectives) or objectives[0] != self.objective_.name:
            raise InvalidParameterError(
                "The 'objectives' parameter of pareto_front must be a list of the search's "
                f"objective ({self.objective_.name!r}) followed by costs among "
                f"{sorted(costs.COST_OBJECTIVES)}. Got {objectives!r} instead."
            )
        return ParetoObjectives(self.objective_, tuple(objectives))

    def export(
        self, path: str, format: str = "saved_model", *, version: int | None = None,
        overwrite: bool = False, numeric_inputs: bool = False, trial_id: str | None = None,
    ) -> str:
        """Write the best model for deployment (the same model `predict` uses).

        Every export is written to a temporary sibling and renamed into place
        once it is complete and checked (loaded back and run on sample inputs,
        compared with the Keras model), so it is never half-written; beside it
        a JSON records the easynas version, data spec, input schema, classes
        and the best trial's metrics.

        Args:
            path: For "saved_model", the base folder of TF Serving's layout: the
                model goes to `path/<version>/` (with `easynas_metadata.json`
                inside). For the others, the file to write, ending in `.keras`,
                `.tflite` or `.onnx`; the JSON goes to `path + ".json"`.
            format: "saved_model" (TF Serving, plain TensorFlow, raw inputs),
                "keras", "tflite" (LiteRT) or "onnx".
            version: SavedModel version folder; None takes the next free number.
            overwrite: Replace an existing export at the target.
            numeric_inputs: For "tflite" and "onnx": export the numeric-input
                variant, the network after its string layers (text
                vectorisation, category lookups), which those formats cannot
                run. Needed for text models and tables with categorical, text
                or datetime columns; image models and numeric tables convert
                whole with raw inputs.
            trial_id: Export this trial's model instead of the best (e.g. a
                point of `pareto_front()`); None exports the best.

        Returns:
            The folder or file written.

        Raises:
            NotFittedError: Before `fit`.
            InvalidParameterError: For an unknown format, an option that does
                not apply to it, or a model the format cannot take (the message
                says which layers and what to do).
            FileExistsError: If the target exists and `overwrite` is False.
            ImportError: If the format's optional packages are missing
                (`pip install 'easynas[export]'`).
        """
        from easynas.export._formats import check_options, export_model

        self._check_fitted("export")
        check_options(format, version, numeric_inputs)
        chosen = self.best_trial_id_ if trial_id is None else trial_id
        model = self.trial_model(chosen)
        best = next((r for r in self.trials_ if r.trial_id == chosen), None)
        return export_model(
            model, self.spec_, os.fspath(path), format,
            input_nodes=self.graph_.inputs, head_names=list(self.graph_.outputs),
            version=version, overwrite=overwrite, numeric_inputs=numeric_inputs,
            metadata={
                "easynas_version": __version__,
                "estimator": type(self).__name__,
                "objective": [self.objective_.name, self.objective_.direction],
                "best_trial_id": self.best_trial_id_,
                "best_hyperparameters": self.best_hyperparameters_,
                "trial_id": chosen,
                "hyperparameters": {k: val for k, val in best.values.items()
                                    if not k.startswith("easynas/")} if best else {},
                "metrics": dict(best.metrics) if best is not None else {},
                "costs": dict(best.costs) if best is not None else {},
            },
        )

    def _probabilities(self, x: Any) -> Any:
        """One head's probabilities, or a dict of every classification head's."""
        self._check_fitted("predict_proba")
        if not any(isinstance(s, ClassificationTargetSpec) for s in self.spec_.targets):
            raise AttributeError("predict_proba needs a classification head.")
        raw = self._raw_outputs(x, "predict_proba")
        probabilities = {
            head: output_probabilities(spec, output)
            for head, spec, output in zip(self.graph_.outputs, self.spec_.targets, raw)
            if isinstance(spec, ClassificationTargetSpec)
        }
        if len(self.spec_.targets) == 1:
            return next(iter(probabilities.values()))
        return probabilities


def _read_inputs(input_nodes: list[Any], data: Any, argument: str) -> list[Any]:
    """Each graph input's part of `data`, read and checked by its node."""
    names = [node.name for node in input_nodes]
    if len(input_nodes) > 1 and hasattr(data, "columns") and hasattr(data, "iloc"):
        data = _split_frame(data, input_nodes, argument)
    return [
        node.read(part, label)
        for node, (part, label) in zip(input_nodes, to_parts(data, names, argument))
    ]


def _split_frame(frame: Any, input_nodes: list[Any], argument: str) -> dict[str, Any]:
    """One DataFrame's columns shared out among several inputs, by name.

    An input named like a column takes that column; the one table input
    without a column of its name takes all the columns no input took.
    """
    columns = [str(c) for c in frame.columns]
    taken = {node.name for node in input_nodes if node.name in columns}
    rest = [c for c, name in zip(frame.columns, columns) if name not in taken]
    tables = [n for n in input_nodes if n.name not in taken and n.kind == "tabular"]
    parts: dict[str, Any] = {}
    for node in input_nodes:
        if node.name in taken:
            column = frame.columns[columns.index(node.name)]
            parts[node.name] = frame[[column]] if node.kind == "tabular" else frame[column]
        elif node.kind == "tabular" and len(tables) == 1 and rest:
            parts[node.name] = frame[rest]
        else:
            raise InvalidDataError(
                f"{argument} is a DataFrame for {len(input_nodes)} inputs, so each input takes "
                f"the column named after it (and one table input the columns left over), but "
                f"no column is named {node.name!r} for the {node.kind} input. Name the input "
                f"after its column (e.g. TextInput(name=...)), or pass a dict or list with "
                f"one entry per input. Columns: {columns[:20]}"
            )
    return parts


def _conform_inputs(
    input_nodes: list[Any], spec: DataSpec, parts: list[Any], argument: str
) -> list[np.ndarray]:
    """The arrays to feed the model: every input's, flattened in graph order."""
    features: list[np.ndarray] = []
    for node, node_spec, part in zip(input_nodes, spec.inputs, parts):
        features.extend(node.conform(node_spec, part, argument))
    return features


_UNKNOWN_TAIL_SECONDS = 2.0


def _seconds(value: Any) -> float | None:
    return None if value is None else parse_duration(value)


def _deployed_ensemble(finalists: dict[str, Any] | None) -> dict[str, Any] | None:
    """The finalists' ensemble facts when a mix of two or more won their CV
    (`easynas._finalists.ensemble_verdict`) and was not refused at assembly, else None."""
    mix = (finalists or {}).get("ensemble")
    if mix is None or not mix.get("wins") or mix.get("deployed") is False:
        return None
    return mix


def _joined(data: tuple[Any, ...]) -> tuple[list[np.ndarray], list[np.ndarray], Any]:
    """Training and validation inputs, targets and sample weights (None: all 1) joined."""
    features, targets, val_features, val_targets, weights, val_weights = data
    x_all = [np.concatenate([a, b]) for a, b in zip(features, val_features)]
    y_all = [np.concatenate([a, b]) for a, b in zip(targets, val_targets)]
    w_all = None
    if weights is not None or val_weights is not None:
        w_all = np.concatenate([
            np.ones(len(t), dtype="float32") if w is None else np.asarray(w, "float32")
            for w, t in ((weights, targets[0]), (val_weights, val_targets[0]))
        ])
    return x_all, y_all, w_all




def _best_record(records: list[Any], objective: Objective, limits: Any = None,
                 pareto: Any = None) -> Any:
    """The completed trial within the cost limits with the best score, or None.

    Ties on the score go to the trial better on the other objectives (with
    several), so the best trial is on the Pareto front.
    """
    completed = costs.eligible(records, limits or costs.CostLimits())
    if not completed:
        return None
    if pareto is None:
        return min(completed, key=lambda r: objective.sort_key(r.score))
    return min(completed, key=lambda r: (objective.sort_key(r.score), pareto.vector(r)))


def _no_model_message(records: list[Any], infos: dict[str, Any], limits: Any) -> str:
    """Why a search found no model: every candidate failed, or none met the limits."""
    infeasible = [infos.get(r.trial_id, {}).get("infeasible_reason") for r in records]
    over = [reason for reason in infeasible if reason]
    over += [reason for r in records if r.status == TrialStatus.COMPLETED
             and (reason := limits.violation(r.costs))]
    if over:
        set_limits = ", ".join(f"{k}={val}" for k, val in limits.get_config().items()
                               if val is not None)
        return (
            f"No candidate met the cost limits ({set_limits}): {len(over)} of {len(records)} "
            f"were over a limit (first: {over[0]}), the others failed. Loosen the limits or "
            "search smaller candidates (e.g. fix smaller blocks in the search space)."
        )
    reasons = [last_line(r.message) for r in records if r.message]
    return (
        f"All {len(records)} candidate(s) failed; no model was found. First reason: "
        f"{reasons[0] if reasons else 'unknown'}"
    )


def _refit_seconds(info: dict[str, Any], scale: float) -> float:
    """Estimated seconds to refit a trial's architecture on `scale` times its data.

    From the trial's own timing (`info` as the tuner records it): building
    the model, plus its epochs up to the best one (the first includes
    tracing) scaled by the data, with a 10% margin. 0 when nothing is known.
    """
    epoch_seconds, best_epoch = info.get("epoch_seconds"), info.get("best_epoch")
    if not epoch_seconds or best_epoch is None:
        return 0.0
    first, rest = epoch_seconds[0], epoch_seconds[1:] or epoch_seconds
    epochs = int(info.get("lineage_epochs", best_epoch + 1))  # a morph child: its lineage's
    training = (first + float(np.median(rest)) * (epochs - 1)) * scale
    return 1.1 * (info.get("build_seconds", 0.0) + training)


def _refit_reserve(
    running: dict[str, Any] | None, best_info: dict[str, Any] | None, best_score: Any,
    objective: Objective, scale: float, cap: float, margin: float = 0.0,
) -> float:
    """Seconds of the budget to hold back for refitting the eventual winner.

    What the best finished trial's refit needs (`best_info`, None if there is
    none), or, while a trial runs (`running`: its timing so far and best
    objective value as "score") and is ahead of the best, what its own refit
    would need, counting the epoch now starting. Each part adds the time a
    trial spends after training (checkpoint, latency), as the best trial
    measured it, and `margin` for closing the last trial and starting the
    refit (when anything is reserved). A running trial whose refit would need
    more than `cap` is not reserved for: it keeps its time and, if it wins,
    is not refitted.
    """
    best_info = best_info or {}
    tail = best_info.get("after_fit_seconds", _UNKNOWN_TAIL_SECONDS)
    seconds = _refit_seconds(best_info, scale) + tail if best_info else 0.0
    ahead = running is not None and running.get("score") is not None and (
        best_score is None
        or objective.sort_key(running["score"]) < objective.sort_key(best_score)
    )
    if ahead:
        upcoming = {**running, "best_epoch": len(running["epoch_seconds"])}
        own = _refit_seconds(upcoming, scale) + tail
        if own + margin <= cap:
            seconds = max(seconds, own)
    return min(seconds + margin, cap) if seconds else 0.0


def _check_portable(graph: Graph, callbacks: Sequence[Any] | None) -> None:
    """Refuse `trial_isolation="process"` when the trials cannot go to a child process."""
    from easynas.search._child import portability_problem
    from easynas.search._kt_adapter import detached

    problem = portability_problem((graph, detached(callbacks)))
    if problem is not None:
        raise InvalidParameterError(
            "trial_isolation='process' runs each trial in a fresh Python process, which needs "
            f"the search space and callbacks from importable modules, but {problem}. Move "
            "them into a module, or pass trial_isolation='none'."
        )


def _single(target_specs: list[Any]) -> Any:
    """The one target spec, for options that need a single head (class_weight)."""
    if len(target_specs) != 1:
        raise InvalidParameterError(
            "The 'class_weight' parameter needs a single head; this search has "
            f"{len(target_specs)}. Use sample_weight."
        )
    return target_specs[0]


def _read_project(project_dir: str) -> dict[str, Any] | None:
    """What an existing project searches (None for no project yet).

    Raises:
        InvalidParameterError: The folder holds a search easynas did not
            start, or its record is unreadable.
    """
    for name in (PROJECT_FILE, RESULT_FILE):  # projects before 0.x have only the result
        path = os.path.join(project_dir, name)
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
        except (OSError, ValueError) as error:
            raise InvalidParameterError(
                f"The project {project_dir!r} is corrupt: {name} cannot be read ({error}). "
                "Pass overwrite=True to replace it, or another directory/project_name."
            ) from error
        if not isinstance(saved, dict):
            raise InvalidParameterError(
                f"The project {project_dir!r} is corrupt: {name} holds no easynas record. "
                "Pass overwrite=True to replace it, or another directory/project_name."
            )
        return saved
    if os.path.exists(os.path.join(project_dir, "oracle.json")):
        raise InvalidParameterError(
            f"The project {project_dir!r} holds a search that easynas did not start (it has no "
            f"{PROJECT_FILE}). Pass overwrite=True to replace it, or another "
            "directory/project_name."
        )
    return None


def _saved_seed(project_dir: str) -> int | None:
    """The seed an existing project searched with, if it records one."""
    try:
        saved = _read_project(project_dir)
    except InvalidParameterError:
        return None  # reported once the project is locked and checked
    seed = None if saved is None else saved.get("seed")
    return seed if isinstance(seed, int) else None


def _clear_project(project_dir: str) -> None:
    """Empty a project folder for `overwrite=True`, keeping the lock we hold in it."""
    for name in os.listdir(project_dir):
        if name.startswith(LOCK_FILE):
            continue
        path = os.path.join(project_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def _open_tuner(project_dir: str, oracle: Any, graph: Graph, spec: DataSpec, **kwargs: Any):
    """The `SearchTuner` of a project, resuming it if it has saved state.

    Raises:
        InvalidParameterError: The saved state cannot be read.
    """
    from easynas.search._kt_adapter import SearchTuner

    try:
        # KerasTuner prints "Reloading Tuner from ..."; we log our own line below.
        with contextlib.redirect_stdout(io.StringIO()):
            tuner = SearchTuner(
                oracle, graph, spec, directory=os.path.dirname(project_dir),
                project_name=os.path.basename(project_dir), overwrite=False, **kwargs,
            )
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        raise InvalidParameterError(
            f"The project {project_dir!r} cannot be resumed: its saved search state is "
            f"unreadable ({type(error).__name__}: {error}). Pass overwrite=True to replace it, "
            "or another directory/project_name."
        ) from error
    finished = [r for r in tuner.records() if r.status != TrialStatus.RUNNING]
    if tuner.records():
        logger.info(
            "Resuming the search in %s: %d finished trial(s) kept, %.0fs of the time budget "
            "spent before.", project_dir, len(finished), oracle.deadline.spent(),
        )
    return tuner


def _snake(name: str) -> str:
    from easynas.graph._naming import snake_case

    return snake_case(name)
