"""Trial records: what strategies, the leaderboard and reports read of a trial."""

from __future__ import annotations

import enum
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["TrialRecord", "TrialStatus", "Objective"]


class TrialStatus(str, enum.Enum):
    """Where a trial stands (the same words KerasTuner uses)."""

    RUNNING = "RUNNING"
    IDLE = "IDLE"
    INVALID = "INVALID"
    STOPPED = "STOPPED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Objective:
    """The metric a search optimises and its direction ("min" or "max")."""

    name: str
    direction: str

    def __post_init__(self) -> None:
        if self.direction not in ("min", "max"):
            raise ValueError(f"direction must be 'min' or 'max'. Received: {self.direction!r}")

    def better(self, a: float, b: float) -> bool:
        """Whether score `a` beats score `b`."""
        return a < b if self.direction == "min" else a > b

    def sort_key(self, score: float | None) -> float:
        """A key that sorts best first; missing scores last."""
        if score is None or math.isnan(score):
            return math.inf
        return score if self.direction == "min" else -score


@dataclass(frozen=True)
class TrialRecord:
    """A frozen snapshot of one trial.

    Args:
        trial_id: The trial's id.
        status: Its `TrialStatus`.
        values: Hyperparameter values that define the candidate (JSON scalars).
        score: The objective's best value, for completed trials.
        metrics: Best value of each reported metric.
        best_step: The epoch at which the objective was best.
        message: Why the trial failed, if it did.
        costs: What the candidate costs (`params`, `flops`, `size_bytes`,
            `latency_ms`, `latency_batch_ms`, ... as measured before training).
        worker: In a distributed search, the worker that ran it last (None
            in a local search).
        ignored: Hyperparameters its model turned out not to use: a linear
            candidate solved exactly ignores the learning rate, and its L2
            penalty's strength when it chose its own. A candidate that differs
            from it only there is the same model (see `History.tried`).
    """

    trial_id: str
    status: TrialStatus
    values: dict[str, Any]
    score: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    best_step: int | None = None
    message: str | None = None
    costs: dict[str, float] = field(default_factory=dict)
    worker: str | None = None
    ignored: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status == TrialStatus.COMPLETED and (
            self.score is None or not math.isfinite(self.score)
        ):
            raise ValueError(
                f"A COMPLETED trial needs a finite score; trial {self.trial_id} has {self.score}."
            )

    def to_json(self) -> str:
        data = asdict(self)
        data["status"] = self.status.value
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrialRecord:
        data = json.loads(text)
        data["status"] = TrialStatus(data["status"])
        data["ignored"] = tuple(data.get("ignored", ()))
        return cls(**data)
