"""Hyperband: brackets of successive halving, promotions continue a parent."""

from __future__ import annotations

import numpy as np
import pytest

from easynas.search import History, Hyperband, TrialRecord, TrialStatus, get
from easynas.search._hyperband import BRACKET_KEY, ROUND_KEY, schedule
from easynas.search._kt_adapter import EPOCHS_KEY, INITIAL_EPOCH_KEY, PARENT_KEY
from easynas.search._space import defaults
from easynas.search._strategy import values_key

from . import _harness

OWN = (BRACKET_KEY, ROUND_KEY, EPOCHS_KEY, INITIAL_EPOCH_KEY, PARENT_KEY)


def _hyperband(**kwargs):
    return Hyperband(**{"max_epochs": 9, **kwargs})


def _hp(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in OWN}


@pytest.mark.parametrize("check", _harness.CHECKS, ids=_harness.CHECK_IDS)
def test_hyperband_passes_strategy_harness(check):
    check(_hyperband)


def test_schedule_matches_the_paper_for_81_epochs():
    # Li et al. (2018), Table 1: R = 81, eta = 3.
    assert schedule(81, 3) == [
        [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
        [(34, 3), (11, 9), (3, 27), (1, 81)],
        [(15, 9), (5, 27), (1, 81)],
        [(8, 27), (2, 81)],
        [(5, 81)],
    ]


def test_schedule_respects_min_epochs_and_iterations():
    assert schedule(20, 3, min_epochs=2) == [
        [(9, 2), (3, 7), (1, 20)], [(5, 7), (1, 20)], [(3, 20)]
    ]
    assert schedule(2, 2, iterations=2) == [[(2, 1), (1, 2)], [(2, 2)]] * 2
    assert schedule(1, 3) == [[(1, 1)]]


def _full_run():
    space = _harness.make_space()
    proposals, records = _harness.run_search(_hyperband(), space, seed=0, num_trials=100)
    return space, proposals, records


def test_hyperband_runs_every_rung_of_every_bracket_then_stops():
    space, proposals, records = _full_run()
    assert proposals[-1].status == "STOPPED"
    rungs = [
        (r.values[BRACKET_KEY], r.values[ROUND_KEY], r.values[EPOCHS_KEY]) for r in records
    ]
    expected = []
    for b, bracket in enumerate(schedule(9, 3)):
        for i, (size, epochs) in enumerate(bracket):
            expected += [(b, i, epochs)] * size
    assert rungs == expected
    assert records[0].values == {**defaults(space), BRACKET_KEY: 0, ROUND_KEY: 0, EPOCHS_KEY: 1}


def test_hyperband_promotes_the_best_of_each_rung_with_its_parent():
    _, _, records = _full_run()
    by_id = {r.trial_id: r for r in records}
    rung = {}
    for r in records:
        rung.setdefault((r.values[BRACKET_KEY], r.values[ROUND_KEY]), []).append(r)
    for (b, i), members in rung.items():
        if i == 0:
            assert all(PARENT_KEY not in r.values for r in members)
            continue
        previous = sorted(rung[(b, i - 1)], key=lambda r: r.score)
        parents = [by_id[r.values[PARENT_KEY]] for r in members]
        assert parents == previous[: len(members)]  # the best, best first
        for child, parent in zip(members, parents):
            assert _hp(child.values) == _hp(parent.values)
            assert child.values[INITIAL_EPOCH_KEY] == parent.values[EPOCHS_KEY]
            assert child.values[EPOCHS_KEY] > parent.values[EPOCHS_KEY]


def test_hyperband_fresh_candidates_never_repeat():
    _, _, records = _full_run()
    fresh = [values_key(_hp(r.values)) for r in records if PARENT_KEY not in r.values]
    assert len(fresh) == len(set(fresh)) == 9 + 5 + 3


def _record(number: int, values: dict, status=TrialStatus.COMPLETED, score=1.0):
    return TrialRecord(
        str(number), status, values, score=score if status == TrialStatus.COMPLETED else None
    )


def test_hyperband_waits_for_a_running_rung_then_promotes():
    space = _harness.make_space()
    strategy = Hyperband(max_epochs=2, factor=2)  # brackets [(2, 1), (1, 2)], [(2, 2)]
    rng = np.random.default_rng(0)
    first = strategy.propose(space, History([], _harness.OBJECTIVE), rng).values
    running = [_record(0, first, TrialStatus.RUNNING)]
    second = strategy.propose(space, History(running, _harness.OBJECTIVE), rng)
    assert second.status == "RUNNING"  # the rung still has room: no need to wait
    records = [*running, _record(1, second.values, TrialStatus.RUNNING)]
    assert strategy.propose(space, History(records, _harness.OBJECTIVE), rng).status == "IDLE"
    records = [_record(0, first, score=0.5), _record(1, second.values, score=0.2)]
    promoted = strategy.propose(space, History(records, _harness.OBJECTIVE), rng).values
    assert promoted[PARENT_KEY] == "1"
    assert (promoted[INITIAL_EPOCH_KEY], promoted[EPOCHS_KEY]) == (1, 2)


def test_hyperband_promotes_only_completed_trials():
    space = _harness.make_space()
    _, records = _harness.run_search(
        _hyperband(), space, seed=0, num_trials=13, fail=lambda number, values: number < 7
    )
    promoted = [r for r in records if r.values[ROUND_KEY] == 1]
    parents = {r.values[PARENT_KEY] for r in promoted}
    assert len(promoted) == 1  # 2 of 9 completed: the best 1/3, at least one, goes on
    assert parents == {records[7].trial_id if records[7].score < records[8].score
                       else records[8].trial_id}


def test_hyperband_moves_to_the_next_bracket_when_a_rung_all_failed():
    space = _harness.make_space()
    _, records = _harness.run_search(
        _hyperband(), space, seed=0, num_trials=10, fail=lambda number, values: number < 9
    )
    assert records[9].values[BRACKET_KEY] == 1
    assert PARENT_KEY not in records[9].values


def test_hyperband_needs_max_epochs():
    with pytest.raises(ValueError, match="max_epochs"):
        _harness.run_search(Hyperband(), _harness.make_space(), seed=0, num_trials=1)


def test_hyperband_takes_max_epochs_from_get():
    strategy = get("hyperband", max_epochs=4)
    assert isinstance(strategy, Hyperband) and strategy.max_epochs == 4
    fixed = get({"class_name": "hyperband", "config": {"max_epochs": 7}}, max_epochs=4)
    assert fixed.max_epochs == 7


@pytest.mark.parametrize(
    "kwargs, name",
    [({"factor": 1}, "factor"), ({"min_epochs": 0}, "min_epochs"),
     ({"max_epochs": 2, "min_epochs": 3}, "max_epochs"), ({"max_epochs": 2.5}, "max_epochs"),
     ({"hyperband_iterations": 0}, "hyperband_iterations")],
)
def test_hyperband_rejects_bad_arguments_on_propose(kwargs, name):
    strategy = Hyperband(**{"max_epochs": 9, **kwargs})
    with pytest.raises(ValueError, match=name):
        _harness.run_search(strategy, _harness.make_space(), seed=0, num_trials=1)


def test_hyperband_every_proposal_carries_its_epochs():
    _, proposals, _ = _full_run()
    assert all(isinstance(p.values[EPOCHS_KEY], int) for p in proposals[:-1])
