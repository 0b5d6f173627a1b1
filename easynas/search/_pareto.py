"""Several objectives at once: Pareto ranks, crowding distances and the front.

A trial's objective vector holds its score (the metric the search trains
for) and costs it measured (`COST_OBJECTIVES`: latency, params, size, flops;
all minimised). Ranking follows NSGA-II (Deb et
al., 2002): trials are sorted into successive non-dominated fronts, and within
a front the ones in emptier regions (larger crowding distance) come first, so a
strategy that takes "the best" trials as parents explores the whole trade-off:
the extremes of the front first, then its sparsest stretches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from easynas.search._costs import COST_OBJECTIVES
from easynas.search._records import Objective, TrialRecord, TrialStatus

__all__ = [
    "ParetoObjectives", "crowding_distances", "dominates", "non_dominated_fronts",
]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether `a` is no worse than `b` everywhere and better somewhere (minimising)."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def non_dominated_fronts(points: Sequence[Sequence[float]]) -> list[list[int]]:
    """Indices of `points` sorted into fronts: the first is non-dominated, the
    second is non-dominated once the first is removed, and so on (minimising)."""
    remaining = list(range(len(points)))
    fronts: list[list[int]] = []
    while remaining:
        front = [i for i in remaining
                 if not any(dominates(points[j], points[i]) for j in remaining if j != i)]
        fronts.append(front)
        remaining = [i for i in remaining if i not in front]
    return fronts


def crowding_distances(
    points: Sequence[Sequence[float]], front: Sequence[int]
) -> dict[int, float]:
    """NSGA-II's crowding distance of each point of one front.

    The sum over objectives of the gap between a point's two neighbours along
    that objective, relative to the front's range; the two ends of every
    objective get infinity.
    """
    distance = {i: 0.0 for i in front}
    if len(front) <= 2:
        return {i: math.inf for i in front}
    for axis in range(len(points[front[0]])):
        ordered = sorted(front, key=lambda i: points[i][axis])
        low, high = points[ordered[0]][axis], points[ordered[-1]][axis]
        distance[ordered[0]] = distance[ordered[-1]] = math.inf
        if not (math.isfinite(low) and math.isfinite(high)) or high == low:
            continue
        for before, here, after in zip(ordered, ordered[1:], ordered[2:]):
            distance[here] += (points[after][axis] - points[before][axis]) / (high - low)
    return distance


@dataclass(frozen=True)
class ParetoObjectives:
    """The objectives of a multi-objective search and how to read them off a trial.

    Args:
        primary: The objective the search trains for (early stopping, best
            epoch); its value is the trial's score.
        names: Every objective, in order: the primary's name first, then
            cost names (`COST_OBJECTIVES`: "latency", "latency_batch",
            "tflite_latency", "params", "size", "flops"), all minimised.
    """

    primary: Objective
    names: tuple[str, ...]

    def direction(self, name: str) -> str:
        """"min" or "max" for one objective."""
        if name == self.primary.name:
            return self.primary.direction
        return "min"  # every cost is minimised

    def value(self, record: TrialRecord, name: str) -> float | None:
        """The trial's value of one objective, in its own direction (None if unknown)."""
        if name == self.primary.name:
            return record.score
        return record.costs.get(COST_OBJECTIVES[name])

    def vector(self, record: TrialRecord) -> tuple[float, ...]:
        """The trial's objective values as a point to minimise (inf where unknown)."""
        point = []
        for name in self.names:
            value = self.value(record, name)
            if value is None or not math.isfinite(value):
                point.append(math.inf)
            else:
                point.append(-value if self.direction(name) == "max" else float(value))
        return tuple(point)

    def rank(self, records: Sequence[TrialRecord]) -> list[TrialRecord]:
        """Completed trials, best first: by front, then by crowding distance
        (largest first), then by the primary objective."""
        completed = [r for r in records if r.status == TrialStatus.COMPLETED]
        points = [self.vector(r) for r in completed]
        ordered: list[TrialRecord] = []
        for front in non_dominated_fronts(points):
            crowding = crowding_distances(points, front)
            front.sort(key=lambda i: (-crowding[i], self.primary.sort_key(completed[i].score),
                                      completed[i].trial_id))
            ordered.extend(completed[i] for i in front)
        return ordered

    def front(self, records: Sequence[TrialRecord]) -> list[TrialRecord]:
        """The completed trials no other completed trial dominates, best primary first.

        Trials with identical objective vectors are all kept.
        """
        completed = [r for r in records if r.status == TrialStatus.COMPLETED]
        points = [self.vector(r) for r in completed]
        fronts = non_dominated_fronts(points)
        members = [completed[i] for i in fronts[0]] if fronts else []
        return sorted(members, key=lambda r: (self.primary.sort_key(r.score), r.trial_id))
