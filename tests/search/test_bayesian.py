"""BayesianSearch: a Gaussian process over encoded candidates picks the next one."""

from __future__ import annotations

import numpy as np
import pytest

from easynas.search import BayesianSearch, RandomSearch, TrialRecord, TrialStatus
from easynas.search._space import defaults

from . import _harness


def _bayesian(**kwargs):
    return BayesianSearch(num_candidates=200, **kwargs)


@pytest.mark.parametrize("check", _harness.CHECKS, ids=_harness.CHECK_IDS)
def test_bayesian_passes_strategy_harness(check):
    check(_bayesian)


def test_bayesian_first_proposal_is_the_defaults():
    space = _harness.make_space()
    proposals, _ = _harness.run_search(_bayesian(), space, seed=0, num_trials=1)
    assert proposals[0].values == defaults(space)


def _best_after(make, num_trials: int, seeds) -> float:
    space = _harness.make_space()
    best = []
    for seed in seeds:
        _, records = _harness.run_search(make(), space, seed=seed, num_trials=num_trials)
        best.append(min(r.score for r in records))
    return float(np.mean(best))


def test_bayesian_beats_random_on_the_synthetic_objective():
    seeds = range(6)
    bayesian = _best_after(BayesianSearch, 15, seeds)
    random = _best_after(RandomSearch, 15, seeds)
    assert bayesian < random, (bayesian, random)


def test_bayesian_skips_failed_trials_for_the_model():
    space = _harness.make_space()
    strategy = _bayesian(num_initial_points=2)
    _, records = _harness.run_search(strategy, space, seed=0, num_trials=4)
    failed = TrialRecord("4", TrialStatus.FAILED, dict(records[1].values), message="oom")
    proposals, _ = _harness.run_search(
        strategy, space, seed=0, num_trials=2, records=[*records, failed]
    )
    assert [p.status for p in proposals] == ["RUNNING", "RUNNING"]


def test_bayesian_stays_random_until_enough_trials_completed():
    space = _harness.make_space()
    strategy = _bayesian(num_initial_points=3)
    _, records = _harness.run_search(
        strategy, space, seed=0, num_trials=5, fail=lambda number, values: number in (1, 2)
    )
    history = _harness.History(records[:4], _harness.OBJECTIVE)
    assert len(history.completed()) == 2  # the fifth proposal was still random
    rng = np.random.default_rng([0, 4])
    from easynas.search._bayesian import _samples

    first_untried = next(
        v for v in _samples(space, rng, 50)
        if v not in [r.values for r in records[:4]]
    )
    assert records[4].values == first_untried


def test_bayesian_maximises_when_the_objective_says_max():
    space = _harness.make_space()
    strategy = _bayesian()
    records = []
    objective = _harness.Objective("val_accuracy", "max")
    for number in range(12):
        history = _harness.History(records, objective)
        proposal = strategy.propose(space, history, np.random.default_rng([0, number]))
        score = -_harness.synthetic_score(proposal.values)
        records.append(TrialRecord(str(number), TrialStatus.COMPLETED, proposal.values, score))
    scores = [r.score for r in records]
    assert max(scores[2:]) > max(scores[:2])


@pytest.mark.parametrize("name", ["num_initial_points", "num_candidates"])
def test_bayesian_rejects_bad_counts_on_propose(name):
    strategy = BayesianSearch(**{name: 0})
    with pytest.raises(ValueError, match=name):
        _harness.run_search(strategy, _harness.make_space(), seed=0, num_trials=1)
