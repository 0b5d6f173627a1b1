"""Pareto fronts, crowding distances and NSGA-II ranking of trial records."""

from __future__ import annotations

import math

import numpy as np

from easynas.search import History, Objective, TrialRecord, TrialStatus
from easynas.search._pareto import (
    ParetoObjectives,
    crowding_distances,
    dominates,
    non_dominated_fronts,
)


def test_non_dominated_fronts_peel_off_layers():
    points = [(1, 5), (2, 2), (5, 1), (3, 3), (4, 4), (2, 2), (6, 6)]
    fronts = non_dominated_fronts(points)
    assert fronts == [[0, 1, 2, 5], [3], [4], [6]]
    for later, front in enumerate(fronts[1:], start=1):
        for i in front:  # everything behind the first front is dominated by an earlier one
            assert any(dominates(points[j], points[i]) for f in fronts[:later] for j in f)


def test_non_dominated_fronts_agree_with_a_brute_force_check(seed):
    points = [tuple(p) for p in np.random.default_rng(seed).random((40, 3)).round(1)]
    first = set(non_dominated_fronts(points)[0])
    for i, p in enumerate(points):
        dominated = any(dominates(q, p) for q in points)
        assert (i in first) == (not dominated)


def test_crowding_distance_gives_the_ends_infinity_and_the_middle_its_gaps():
    points = [(0.0, 4.0), (1.0, 3.0), (3.0, 1.0), (4.0, 0.0)]
    distance = crowding_distances(points, [0, 1, 2, 3])
    assert distance[0] == distance[3] == math.inf
    assert math.isclose(distance[1], 3 / 4 + 3 / 4) and math.isclose(distance[2], 1.5)


def _record(trial_id, accuracy, latency, status=TrialStatus.COMPLETED):
    return TrialRecord(trial_id, status, {}, score=accuracy,
                       costs={"latency_ms": latency, "params": 10})


def test_pareto_objectives_rank_front_first_and_keep_failed_trials_out():
    pareto = ParetoObjectives(Objective("val_accuracy", "max"), ("val_accuracy", "latency"))
    records = [
        _record("0", 0.90, 5.0), _record("1", 0.80, 1.0), _record("2", 0.85, 6.0),
        _record("3", 0.95, 9.0), _record("4", 0.70, 2.0),
        TrialRecord("5", TrialStatus.FAILED, {}, costs={"latency_ms": 0.1}),
    ]
    assert [r.trial_id for r in pareto.front(records)] == ["3", "0", "1"]
    assert [r.trial_id for r in pareto.rank(records)][:3] == ["3", "1", "0"]  # ends first
    history = History(records, Objective("val_accuracy", "max"), pareto)
    assert [r.trial_id for r in history.best(2)] == ["3", "1"]
    plain = History(records, Objective("val_accuracy", "max"))
    assert [r.trial_id for r in plain.best(2)] == ["3", "0"]


def test_a_trial_without_a_measured_cost_is_never_on_the_front_beside_a_measured_one():
    pareto = ParetoObjectives(Objective("val_loss", "min"), ("val_loss", "size"))
    unmeasured = TrialRecord("0", TrialStatus.COMPLETED, {}, score=0.5)
    measured = TrialRecord("1", TrialStatus.COMPLETED, {}, score=0.5,
                           costs={"size_bytes": 100})
    assert [r.trial_id for r in pareto.front([unmeasured, measured])] == ["1"]
