"""The one place that prints search progress, driven by `verbose`.

verbose=0 prints nothing, 1 a line per trial, 2 also Keras' line per epoch
(the tuner passes `verbose=2` to `fit`). Everything is also sent to the
`easynas` loggers at INFO level.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from easynas.report._leaderboard import describe_values, last_line
from easynas.search._records import Objective, TrialRecord, TrialStatus

logger = logging.getLogger(__name__)

__all__ = ["ProgressReporter"]


class ProgressReporter:
    """Reports each finished trial and the search's end.

    Args:
        verbose: 0, 1 or 2.
        objective: The search objective.
        max_trials: Planned trials, for the "3/10" counter.
        stream: Where lines go (stdout by default).
    """

    def __init__(
        self, verbose: int, objective: Objective, max_trials: int, stream: Any = None
    ) -> None:
        self.verbose = verbose
        self.objective = objective
        self.max_trials = max_trials
        self.stream = stream
        self.best: float | None = None
        self.count = 0

    def _emit(self, line: str) -> None:
        logger.info(line)
        if self.verbose >= 1:
            print(line, file=self.stream or sys.stdout, flush=True)

    def search_started(self, project_dir: str, strategy: str, space_size: int) -> None:
        self._emit(
            f"easynas: searching with {strategy!r} over {space_size} hyperparameters, "
            f"up to {self.max_trials} trials; project in {project_dir}"
        )

    def trial_finished(self, record: TrialRecord, info: dict[str, Any]) -> None:
        self.count += 1
        head = f"[trial {self.count}/{self.max_trials}]"
        if record.status == TrialStatus.COMPLETED:
            if self.best is None or self.objective.better(record.score, self.best):
                self.best = record.score
            seconds = info.get("trial_seconds")
            params = info.get("params")
            self._emit(
                f"{head} {self.objective.name}={record.score:.4f} (best {self.best:.4f})"
                + (f" params={params:,}" if params is not None else "")
                + (f" {seconds:.1f}s" if seconds is not None else "")
                + f" | {describe_values(record.values)}"
            )
        else:
            reason = last_line(record.message) or "no reason recorded"
            self._emit(f"{head} {record.status.value}: {reason}")

    def search_finished(self, completed: int, total: int, seconds: float) -> None:
        best = "none" if self.best is None else f"{self.best:.4f}"
        self._emit(
            f"easynas: search done: {completed}/{total} trials completed in {seconds:.1f}s; "
            f"best {self.objective.name}={best}"
        )

    def refit_started(self, trial_id: str, epochs: int, samples: int) -> None:
        self._emit(
            f"easynas: refitting the best candidate (trial {trial_id}) on all {samples:,} samples "
            f"(training + validation) for {epochs} epoch(s)"
        )

    def refit_finished(self, info: dict[str, Any]) -> None:
        if "reason" in info:
            self._emit(f"easynas: refit abandoned ({info['reason']}); keeping the searched model")
        else:
            self._emit(f"easynas: refit done in {info['seconds']:.1f}s")

    def refit_skipped(self, trial_id: str, reason: str) -> None:
        self._emit(f"easynas: no refit of trial {trial_id}: {reason}; keeping the searched model")

    def finalists_started(self, trial_ids: list[str], folds: int, samples: int) -> None:
        self._emit(
            f"easynas: cross-validating the finalists (trials {', '.join(trial_ids)}) with "
            f"{folds} folds of all {samples:,} samples"
        )

    def finalist_scored(self, trial_id: str, scores: list[float]) -> None:
        mean = sum(scores) / len(scores)
        self._emit(
            f"easynas: trial {trial_id} {self.objective.name} by CV={mean:.4f} "
            f"(folds: {', '.join(f'{s:.4f}' for s in scores)})"
        )

    def finalists_finished(self, result: dict[str, Any]) -> None:
        if result.get("chosen") is None:
            self._emit(f"easynas: finalist CV undecided ({result.get('reason')}); keeping the "
                       "search's best")
        else:
            best = result.get("best_mean", result["chosen"])
            why = "" if best == result["chosen"] else (
                f", the simplest within one standard error ({result['standard_error']:.4f}) of "
                f"trial {best}'s best mean")
            self._emit(f"easynas: finalist CV picks trial {result['chosen']}{why} "
                       f"({result.get('seconds', 0.0):.1f}s)")
        mix = result.get("ensemble")
        if mix and len(mix["weights"]) >= 2 and not mix.get("wins"):
            members = ", ".join(f"{t} ({w:.2f})" for t, w in mix["weights"].items())
            mean = sum(mix["fold_scores"]) / len(mix["fold_scores"])
            self._emit(
                f"easynas: the finalists' best mix, trials {members}, scored {mean:.4f} by CV: "
                f"not better than one network by more than a standard error "
                f"({mix['standard_error']:.4f}); deploying one network"
            )

    def ensemble_deployed(self, mix: dict[str, Any]) -> None:
        members = ", ".join(f"{t} ({w:.2f})" for t, w in mix["weights"].items())
        best = min(mix["scores"].items(), key=lambda item: self.objective.sort_key(item[1]))
        self._emit(
            f"easynas: deploying the finalists' ensemble, trials {members}: out-of-fold "
            f"{self.objective.name}={mix['score']:.4f}, against {best[1]:.4f} for trial "
            f"{best[0]} alone"
        )

    def finalists_skipped(self, reason: str) -> None:
        self._emit(f"easynas: no finalist CV: {reason}; keeping the search's best")
