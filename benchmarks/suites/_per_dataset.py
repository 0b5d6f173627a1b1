"""Suites over several data sets (text, tabular), each searched next to its baselines.

A `PerDatasetSuite` names its data sets, the task of each (classification or
regression), the easynas estimator per task and the baselines. `run_per_dataset`
is the runner's loop for it: for every data set, budget and seed, one search and,
right after it in the same process, every baseline on the same split. Results go
to `<out>/<suite>.json` (after every run) and `<out>/<suite>.md`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.suites._base import (
    Budget,
    Data,
    RunConfig,
    Suite,
    finalists_seconds,
    refit_seconds,
)

__all__ = ["DatasetSpec", "EstimatorUnavailable", "PerDatasetSuite", "run_per_dataset"]

TASKS = ("classification", "regression")


class EstimatorUnavailable(RuntimeError):
    """The easynas estimator a suite searches with does not exist (yet)."""


@dataclass(frozen=True)
class DatasetSpec:
    """One data set of a suite.

    Args:
        name: The `--datasets` name.
        task: "classification" (scored by accuracy) or "regression" (RMSE).
        load: Returns `(x_train, y_train, x_test, y_test)`.
        source: Where it comes from (package and file), for the report.
    """

    name: str
    task: str
    load: Callable[[], tuple[Any, Any, Any, Any]]
    source: str


def _take(values: Any, index: np.ndarray) -> Any:
    if hasattr(values, "iloc"):
        return values.iloc[index].reset_index(drop=True)
    return np.asarray(values, dtype=object if isinstance(values, list) else None)[index]


def subset(x: Any, y: Any, size: int | None, seed: int, stratify: bool) -> tuple[Any, Any]:
    """A seeded subset of `size` rows (stratified when asked and possible); all if None."""
    n = len(y)
    if size is None or size >= n:
        return x, y
    from sklearn.model_selection import train_test_split

    index = np.arange(n)
    try:
        index, _ = train_test_split(index, train_size=size, random_state=seed,
                                    stratify=np.asarray(y) if stratify else None)
    except ValueError:  # a class too rare to stratify on
        index, _ = train_test_split(index, train_size=size, random_state=seed)
    index = np.sort(index)
    return _take(x, index), _take(y, index)


def _lookup_estimator(name: str) -> Any:
    import easynas

    cls = getattr(easynas, name, None)
    if cls is None:
        import easynas.tasks

        cls = getattr(easynas.tasks, name, None)
    if cls is None:
        raise EstimatorUnavailable(
            f"easynas {easynas.__version__} has no {name} (looked for easynas.{name} and "
            f"easynas.tasks.{name}); the suite cannot search without it. Run with "
            "--baselines-only to measure the baselines alone."
        )
    return cls


class PerDatasetSuite(Suite):
    """A suite that runs on several named data sets.

    Subclasses set `name`, `title`, `estimator`, `smoke_datasets` and
    `smoke_size`, and implement `catalog`, `estimator_name` and `baselines`.
    """

    smoke_datasets: tuple[str, ...] = ()
    smoke_size = 200

    # --- hooks ------------------------------------------------------------------
    def catalog(self) -> tuple[DatasetSpec, ...]:
        """Every data set the suite knows, in run order."""
        raise NotImplementedError

    def estimator_name(self, task: str) -> str:
        """The easynas class that searches on a data set of this task."""
        raise NotImplementedError

    def baselines(self, task: str) -> list[Callable[..., dict]]:
        """Baseline functions `f(x_train, y_train, x_test, y_test, *, seed)` for a data
        set of `task`; the first is the one the ratio compares with."""
        raise NotImplementedError

    # --- data -------------------------------------------------------------------
    def select(self, names: str | None, smoke: bool = False) -> list[DatasetSpec]:
        """The data sets named in a comma-separated list (None: all; smoke: a few).

        Raises:
            ValueError: For an unknown name (the message lists the known ones).
        """
        known = {spec.name: spec for spec in self.catalog()}
        if names is None:
            wanted = list(self.smoke_datasets if smoke and self.smoke_datasets else known)
        else:
            wanted = [n.strip() for n in names.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in known]
        if unknown or not wanted:
            raise ValueError(
                f"--datasets must be a comma-separated list of {', '.join(known)} for the "
                f"{self.name} suite; got {names!r}."
            )
        return [known[n] for n in dict.fromkeys(wanted)]

    def load_dataset(self, spec: DatasetSpec, config: RunConfig) -> Data:
        """One data set's split: the training set capped at `config.train_size` and,
        in a smoke run, both sets capped at `smoke_size` (seeded, stratified subsets)."""
        x_train, y_train, x_test, y_test = spec.load()
        pool = len(y_train)
        stratify = spec.task == "classification"
        x_train, y_train = subset(x_train, y_train, config.train_size, config.data_seed,
                                  stratify)
        if config.smoke:
            x_train, y_train = subset(x_train, y_train, self.smoke_size, config.data_seed,
                                      stratify)
            x_test, y_test = subset(x_test, y_test, self.smoke_size, config.data_seed, stratify)
        notes: dict[str, Any] = {
            "task": spec.task,
            "metric": "accuracy" if stratify else "rmse",
            "source": spec.source,
            "train_pool": pool,
        }
        if stratify:
            notes["classes"] = int(len(np.unique(np.asarray(y_train).astype(str))))
        if hasattr(x_train, "columns"):
            notes["columns"] = int(x_train.shape[1])
            notes["string_columns"] = int(sum(
                not _numeric(x_train[c]) for c in x_train.columns
            ))
            notes["missing_cells"] = int(x_train.isna().sum().sum())
        return Data(name=spec.name, x_train=x_train, y_train=y_train, x_test=x_test,
                    y_test=y_test, notes=notes)

    # --- runs -------------------------------------------------------------------
    def check_estimators(self, specs: list[DatasetSpec]) -> None:
        """Raise EstimatorUnavailable before any work if a needed class is missing."""
        for task in dict.fromkeys(spec.task for spec in specs):
            _lookup_estimator(self.estimator_name(task))

    def make_estimator(self, config: RunConfig, budget: Budget, seed: int, directory: str,
                       task: str = "classification", dataset: str | None = None) -> Any:
        """A fresh easynas estimator for one search on a data set of `task` (named
        `dataset`, for suites whose estimator depends on it)."""
        cls = _lookup_estimator(self.estimator_name(task))
        return cls(max_trials=config.max_trials, time_budget=budget.seconds,
                   epochs=config.epochs, seed=seed, directory=directory,
                   verbose=config.verbose)

    def run_baselines(self, data: Data, seed: int) -> list[dict]:
        """Every baseline on the data's split."""
        return [f(data.x_train, data.y_train, data.x_test, data.y_test, seed=seed)
                for f in self.baselines(data.notes["task"])]

    def _search(self, config: RunConfig, data: Data, budget: Budget, seed: int) -> dict:
        from benchmarks._measure import summarize_trials, trial_costs
        from benchmarks.baselines import task_score

        task = data.notes["task"]
        work = tempfile.mkdtemp(prefix=f"easynas-bench-{self.name}-", dir=config.work_dir)
        try:
            estimator = self.make_estimator(config, budget, seed, work, task=task,
                                            dataset=data.name)
            started = time.perf_counter()
            estimator.fit(data.x_train, data.y_train)
            wall = time.perf_counter() - started
            score = task_score(task, data.y_test, estimator.predict(data.x_test))
            trials = summarize_trials(
                estimator.leaderboard(), trial_costs(estimator.project_dir_), self.objective
            )
        finally:
            if not config.keep_projects:
                shutil.rmtree(work, ignore_errors=True)
        completed = [t for t in trials if t["status"] == "COMPLETED"]
        fit_seconds = sum(t["fit_seconds"] or 0.0 for t in trials)
        best = next((t for t in trials if t["trial_id"] == str(estimator.best_trial_id_)), {})
        return {
            "test_score": score,
            f"test_{data.notes['metric']}": score,
            "trials_completed": len(completed),
            "trials_failed": len(trials) - len(completed),
            "trials_stopped_by_budget": sum(bool(t["stopped_by_budget"]) for t in trials),
            "wall_seconds": wall,
            "over_budget_s": max(0.0, wall - budget.seconds),
            "search_seconds": float(estimator.search_seconds_),
            "fit_seconds": fit_seconds,
            "trial_seconds": sum(t["trial_seconds"] or 0.0 for t in trials),
            # Training: the trials', the finalists' CV folds' and the refit's.
            "overhead_fraction": 1.0 - (fit_seconds + finalists_seconds(estimator)
                                        + refit_seconds(estimator)) / wall
            if wall > 0 else None,
            "best_trial_id": best.get("trial_id"),
            "best_score": best.get("score"),
            "best_metrics": best.get("metrics"),
            "best_params": best.get("params"),
            "best_latency_ms": best.get("latency_ms"),
            "best_epochs_run": best.get("epochs_run"),
            "best_hyperparameters": dict(estimator.best_hyperparameters_),
            "refit": getattr(estimator, "refit_info_", None),
            "finalists": getattr(estimator, "finalists_", None),
            "ensemble": getattr(estimator, "ensemble_", None),
            "trials": trials,
        }

    def run_one(self, config: RunConfig, data: Data, budget: Budget, seed: int,
                search: bool = True) -> dict:
        """One search (unless `search` is False) and every baseline, as a JSON-ready dict.

        A search that raises is recorded (`error`, with the traceback printed) and
        the baselines still run, so one failing data set does not end the suite.
        """
        run: dict[str, Any] = {
            "dataset": data.name,
            "task": data.notes["task"],
            "metric": data.notes["metric"],
            "budget": budget.label,
            "budget_s": budget.seconds,
            "seed": seed,
            "train_size": int(len(data.y_train)),
            "test_size": int(len(data.y_test)),
            "searched": search,
            "test_score": None,
            "error": None,
        }
        if search:
            run["load_before"] = [round(v, 2) for v in os.getloadavg()]
            try:
                run.update(self._search(config, data, budget, seed))
            except Exception as error:  # recorded; the other data sets still run
                traceback.print_exc()
                run["error"] = f"{type(error).__name__}: {error}"
        if search:
            run["load_after"] = [round(v, 2) for v in os.getloadavg()]
        baselines = self.run_baselines(data, seed)
        primary = baselines[0]
        score = run["test_score"]
        run.update({
            "baselines": baselines,
            "baseline": primary,
            "baseline_name": primary["name"],
            "baseline_test_score": primary["test_score"],
            "baseline_wall_seconds": primary["wall_seconds"],
            "score_ratio": (score / primary["test_score"]
                            if score is not None and primary["test_score"] else None),
            "score_difference": None if score is None else score - primary["test_score"],
        })
        return run


def _numeric(series: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _run_line(run: dict) -> str:
    metric = run["metric"]
    parts = [f"benchmarks: {run['dataset']} {run['budget']} seed {run['seed']}:"]
    if run.get("error"):
        parts.append(f"easynas failed ({run['error'][:200]})")
    elif run["test_score"] is not None:
        parts.append(
            f"easynas {metric} {run['test_score']:.4f} ({run['trials_completed']} trials, "
            f"{run['wall_seconds']:.0f}s, overhead {run['overhead_fraction']:.1%})"
        )
    for base in run["baselines"]:
        parts.append(f"| {base['name']} {base['test_score']:.4f} ({base['wall_seconds']:.1f}s)")
    if run["score_ratio"] is not None:
        parts.append(f"| ratio {run['score_ratio']:.3f}")
    return " ".join(parts)


def run_per_dataset(suite: PerDatasetSuite, config: RunConfig, args: argparse.Namespace,
                    argv: list[str], out: Path, results_md: Path) -> int:
    """The runner's loop for a per-data-set suite; returns the exit status.

    Exit 2 before any work when a data set cannot be had, a name is unknown or
    the easynas class is missing; 1 when a search failed (the JSON says which);
    else 0.
    """
    import shlex

    from benchmarks.datasets import DatasetUnavailable
    from benchmarks.report import run_header, suite_markdown, write_results_md
    from benchmarks.run import _config_dict, _write_json

    search = not getattr(args, "baselines_only", False)
    try:
        specs = suite.select(getattr(args, "datasets", None), config.smoke)
        if search:
            suite.check_estimators(specs)
        datasets = [suite.load_dataset(spec, config) for spec in specs]
    except (ValueError, EstimatorUnavailable, DatasetUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result: dict[str, Any] = {
        "suite": suite.name,
        "layout": "per_dataset",
        "title": suite.title,
        "estimator": suite.estimator,
        **run_header(),
        "command": "python -m benchmarks.run " + shlex.join(argv),
        "config": {**_config_dict(config), "datasets": [d.name for d in datasets],
                   "baselines_only": not search},
        "datasets": {d.name: {"train_size": int(len(d.y_train)),
                              "test_size": int(len(d.y_test)), **d.notes} for d in datasets},
        "complete": False,
        "total_seconds": 0.0,
        "runs": [],
    }
    # Without a search the budget means nothing: run the baselines once per seed.
    budgets = config.budgets if search else (Budget("–", 0.0),)
    json_path = out / f"{args.name or suite.name}.json"
    print(f"benchmarks: suite {suite.name!r} on {', '.join(result['datasets'])}; budgets "
          f"{[b.label for b in config.budgets]}, seeds {list(config.seeds)}"
          + ("" if search else "; baselines only"), flush=True)
    for data in datasets:
        for budget in budgets:
            for seed in config.seeds:
                print(f"benchmarks: {data.name} ({len(data.y_train)} train, "
                      f"{len(data.y_test)} test), budget {budget.label}, seed {seed}", flush=True)
                run = suite.run_one(config, data, budget, seed, search=search)
                result["runs"].append(run)
                result["total_seconds"] = time.perf_counter() - started
                _write_json(json_path, result)
                print(_run_line(run), flush=True)
    result["complete"] = True
    result["total_seconds"] = time.perf_counter() - started
    _write_json(json_path, result)
    md_path = out / f"{args.name or suite.name}.md"
    md_path.write_text(suite_markdown(result), encoding="utf-8")
    write_results_md(out, results_md)
    print(f"benchmarks: wrote {json_path}, {md_path} and {results_md}", flush=True)
    return 1 if any(run["error"] for run in result["runs"]) else 0

