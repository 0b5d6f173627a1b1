"""What every suite shares: its settings, the data it runs on, and one timed run.

A suite picks a data set, builds the easynas estimator for a budget and seed,
and trains a fixed baseline next to it. `Suite.run_one` does the timing and
bookkeeping that are the same for every task.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Budget", "Data", "RunConfig", "Suite"]


@dataclass(frozen=True)
class Budget:
    """A wall-clock budget as the user wrote it ("10min") and in seconds."""

    label: str
    seconds: float


@dataclass(frozen=True)
class RunConfig:
    """Everything one invocation of the runner was asked to do.

    Args:
        suite: The suite's name.
        budgets: Wall-clock budgets, one search per budget and seed.
        seeds: Search seeds.
        train_size: Training images drawn (stratified) from the training set;
            None takes all.
        data_seed: Seed of that subset (fixed across search seeds, so seeds
            differ only in the search).
        max_trials: Most trials per search (set high: the budget ends the search).
        epochs: Most epochs per trial.
        baseline_max_epochs: Most epochs for the baseline.
        smoke: Tiny data and budgets, to check the pipeline.
        keep_projects: Keep the searches' project folders.
        work_dir: Parent folder of the project folders (None: a temporary one).
        verbose: easynas' verbosity.
    """

    suite: str
    budgets: tuple[Budget, ...]
    seeds: tuple[int, ...]
    train_size: int | None
    data_seed: int
    max_trials: int
    epochs: int
    baseline_max_epochs: int
    smoke: bool = False
    keep_projects: bool = False
    work_dir: str | None = None
    verbose: int = 1


@dataclass
class Data:
    """A train/test split and what to call it."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)


class Suite:
    """A benchmark suite: subclass it, fill in the three hooks, register it.

    Class attributes:
        name: The `--suite` name.
        title: The heading in RESULTS.md.
        estimator: The easynas estimator it searches with (for the report).
        objective: The leaderboard column that scores trials.
    """

    name = ""
    title = ""
    estimator = ""
    objective = "val_loss"

    # --- hooks ------------------------------------------------------------------
    def load_data(self, config: RunConfig) -> Data:
        """The data this suite runs on (tiny data when `config.smoke`)."""
        raise NotImplementedError

    def make_estimator(self, config: RunConfig, budget: Budget, seed: int, directory: str) -> Any:
        """A fresh, unfitted easynas estimator for one search."""
        raise NotImplementedError

    def run_baseline(self, config: RunConfig, data: Data, budget: Budget, seed: int) -> dict:
        """Train the fixed reference model; return at least test_accuracy and wall_seconds."""
        raise NotImplementedError

    def smoke_defaults(self) -> dict[str, Any]:
        """RunConfig values `--smoke` uses when the command line does not set them."""
        return {"budgets": ("30s",), "max_trials": 2, "epochs": 1, "baseline_max_epochs": 2}

    def defaults(self) -> dict[str, Any]:
        """RunConfig values used when the command line does not set them."""
        return {"budgets": ("10min", "30min"), "max_trials": 100, "epochs": 20,
                "baseline_max_epochs": 1000, "train_size": 10000}

    # --- shared -----------------------------------------------------------------
    def score(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        """Test accuracy."""
        return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))

    def run_one(self, config: RunConfig, data: Data, budget: Budget, seed: int) -> dict:
        """One search and its baseline, timed, as a flat JSON-ready dict."""
        import easynas
        from benchmarks._measure import summarize_trials, trial_costs

        work = tempfile.mkdtemp(prefix=f"easynas-bench-{self.name}-", dir=config.work_dir)
        try:
            estimator = self.make_estimator(config, budget, seed, work)
            started = time.perf_counter()
            estimator.fit(data.x_train, data.y_train)
            wall = time.perf_counter() - started
            predicted = estimator.predict(data.x_test)
            accuracy = self.score(data.y_test, predicted)
            trials = summarize_trials(
                estimator.leaderboard(), trial_costs(estimator.project_dir_), self.objective
            )
        finally:
            if not config.keep_projects:
                shutil.rmtree(work, ignore_errors=True)
        completed = [t for t in trials if t["status"] == "COMPLETED"]
        fit_seconds = sum(t["fit_seconds"] or 0.0 for t in trials)
        trial_seconds = sum(t["trial_seconds"] or 0.0 for t in trials)
        best = next(t for t in trials if t["trial_id"] == str(estimator.best_trial_id_))

        baseline = self.run_baseline(config, data, budget, seed)
        return {
            "dataset": data.name,
            "budget": budget.label,
            "budget_s": budget.seconds,
            "seed": seed,
            "train_size": int(len(data.y_train)),
            "test_size": int(len(data.y_test)),
            "test_accuracy": accuracy,
            "trials_completed": len(completed),
            "trials_failed": len(trials) - len(completed),
            "trials_stopped_by_budget": sum(bool(t["stopped_by_budget"]) for t in trials),
            "wall_seconds": wall,
            "over_budget_s": max(0.0, wall - budget.seconds),
            "search_seconds": float(estimator.search_seconds_),
            "fit_seconds": fit_seconds,
            "trial_seconds": trial_seconds,
            "overhead_fraction": 1.0 - (fit_seconds + refit_seconds(estimator)) / wall
            if wall > 0 else None,
            "best_trial_id": best["trial_id"],
            "best_score": best["score"],
            "best_metrics": best["metrics"],
            "best_params": best["params"],
            "best_latency_ms": best["latency_ms"],
            "best_epochs_run": best["epochs_run"],
            "best_hyperparameters": dict(estimator.best_hyperparameters_),
            "refit": getattr(estimator, "refit_info_", None),
            "easynas_version": easynas.__version__,
            "baseline": baseline,
            "baseline_test_accuracy": baseline["test_accuracy"],
            "baseline_wall_seconds": baseline["wall_seconds"],
            "accuracy_ratio": (
                accuracy / baseline["test_accuracy"] if baseline["test_accuracy"] else None
            ),
            "trials": trials,
        }


def finalists_seconds(estimator) -> float:
    """Seconds the estimator spent cross-validating its finalists (training, not overhead)."""
    return float((getattr(estimator, "finalists_", None) or {}).get("seconds", 0.0))


def refit_seconds(estimator) -> float:
    """Seconds the estimator spent refitting its winner, or every member of the
    ensemble it deployed (training, not overhead)."""
    ensemble = getattr(estimator, "ensemble_", None)
    refits = (ensemble or {}).get("refits") or {}
    if refits:
        return float(sum((info or {}).get("seconds", 0.0) for info in refits.values()))
    return float((getattr(estimator, "refit_info_", None) or {}).get("seconds", 0.0))
