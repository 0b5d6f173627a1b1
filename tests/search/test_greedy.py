"""GreedySearch: known-good candidates first, then neighbours of the best."""

from __future__ import annotations

import pytest

from easynas.search import GreedySearch, TrialStatus
from easynas.search._space import active_values, defaults

from . import _harness


@pytest.mark.parametrize("check", _harness.CHECKS, ids=_harness.CHECK_IDS)
def test_greedy_passes_strategy_harness(check):
    check(GreedySearch)


def test_greedy_first_proposal_is_the_defaults():
    space = _harness.make_space()
    proposals, _ = _harness.run_search(GreedySearch(), space, seed=0, num_trials=1)
    assert proposals[0].values == defaults(space)


def test_greedy_tries_initial_values_first_in_order():
    space = _harness.make_space()
    initial = [
        {"units": 128, "kind": "b"},
        {"activation": "gelu", "dropout": 0.4},
        {"units": 128, "kind": "b"},  # the same again: skipped
        {"layers": 4},
    ]
    proposals, _ = _harness.run_search(
        GreedySearch(initial_values=initial), space, seed=0, num_trials=4
    )
    expected = [active_values(space, initial[i]) for i in (0, 1, 3)]
    assert [p.values for p in proposals[:3]] == expected
    assert "dropout" not in proposals[0].values  # completed: inactive children dropped
    assert proposals[1].values["dropout"] == 0.4
    assert proposals[3].values not in expected


def test_greedy_skips_initial_values_already_tried():
    space = _harness.make_space()
    initial = [{"units": 32}, {"units": 64}]
    _, records = _harness.run_search(
        GreedySearch(initial_values=initial[:1]), space, seed=0, num_trials=1
    )
    proposals, _ = _harness.run_search(
        GreedySearch(initial_values=initial), space, seed=0, num_trials=1, records=records
    )
    assert proposals[0].values == active_values(space, initial[1])


def _distance(a: dict, b: dict) -> int:
    """Hyperparameters set in both with different values."""
    return sum(a[k] != b[k] for k in a.keys() & b.keys())


def test_greedy_later_proposals_are_neighbours_of_the_best():
    space = _harness.make_space()
    strategy = GreedySearch()
    _, records = _harness.run_search(strategy, space, seed=0, num_trials=5)
    for number in range(5, 15):
        history = _harness.History(records, _harness.OBJECTIVE)
        top = history.best(3)
        proposals, records = _harness.run_search(
            strategy, space, seed=0, num_trials=1, records=records
        )
        values = proposals[0].values
        assert min(_distance(values, r.values) for r in top) in (1, 2), number


def test_greedy_improves_on_the_defaults():
    space = _harness.make_space()
    _, records = _harness.run_search(GreedySearch(), space, seed=0, num_trials=15)
    scores = [r.score for r in records]
    assert min(scores) < scores[0]


def test_greedy_draws_at_random_while_nothing_completed():
    space = _harness.make_space()
    proposals, records = _harness.run_search(
        GreedySearch(), space, seed=0, num_trials=4, fail=lambda *_: True
    )
    assert all(r.status == TrialStatus.FAILED for r in records)
    kinds = {(p.values["units"], p.values["activation"]) for p in proposals[1:]}
    assert len(kinds) > 1


def test_greedy_num_changes_fixes_the_distance():
    space = _harness.make_space()
    strategy = GreedySearch(num_changes=1)
    _, records = _harness.run_search(strategy, space, seed=0, num_trials=2)
    history = _harness.History(records, _harness.OBJECTIVE)
    best = history.best(3)
    proposals, _ = _harness.run_search(strategy, space, seed=0, num_trials=1, records=records)
    assert min(_distance(proposals[0].values, r.values) for r in best) == 1


@pytest.mark.parametrize("num_changes", [0, -1, 1.5, "two"])
def test_greedy_rejects_bad_num_changes_on_propose(num_changes):
    strategy = GreedySearch(num_changes=num_changes)  # stored as given
    assert strategy.num_changes == num_changes
    with pytest.raises(ValueError, match="num_changes"):
        _harness.run_search(strategy, _harness.make_space(), seed=0, num_trials=1)


def test_greedy_drops_preset_entries_that_name_no_hyperparameter_of_the_space():
    space = _harness.make_space()
    initial = [{"units": 128, "encoding/encoding": "one_hot"}]  # not in this space
    proposals, _ = _harness.run_search(
        GreedySearch(initial_values=initial), space, seed=0, num_trials=1
    )
    assert proposals[0].values == active_values(space, {"units": 128})
    assert "encoding/encoding" not in proposals[0].values
