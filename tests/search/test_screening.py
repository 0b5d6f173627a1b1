"""Zero-cost screening: real untrained candidates scored by a proxy, the best one trained."""

from __future__ import annotations

import json
import math

import keras_tuner as kt
import numpy as np
import pytest
from sklearn.datasets import load_digits

import easynas as en
from easynas.exceptions import InvalidParameterError
from easynas.search import (
    BayesianSearch,
    History,
    Objective,
    RandomSearch,
    TrialRecord,
    TrialStatus,
)
from easynas.search._screening import (
    PROXY_KEY,
    SCORE_KEY,
    SCORES_KEY,
    SCREENED_KEY,
    SCREENING_KEYS,
    Screener,
    Screening,
    parse_screening,
)
from easynas.search._strategy import values_key


def _digits(n: int = 64):
    x, y = load_digits(return_X_y=True)
    return x[:n].reshape(-1, 8, 8, 1).astype("float32"), y[:n]


def _model(tmp_path, **kwargs) -> en.AutoModel:
    image = en.ImageInput()
    block = en.blocks.ConvBlock(num_blocks=[1, 2], num_layers=[1], filters=[8, 16],
                                kernel_size=[3], separable=[False], dropout=[0.0])
    options = {"search": "random", "max_trials": 2, "epochs": 1, "refit": False, "seed": 3,
               "verbose": 0, "directory": str(tmp_path), **kwargs}
    return en.AutoModel(image, en.ClassificationHead()(block(image)), **options)


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    """A random search of two trials, each the best of three candidates by parameter count."""
    x, y = _digits()
    model = _model(tmp_path_factory.mktemp("screened"),
                   screening={"proxy": "params", "samples": 3})
    return model.fit(x, y)


def test_each_trial_is_the_best_of_the_screened_candidates(screened):
    assert len(screened.trials_) == 2
    for record in screened.trials_:
        assert record.status == TrialStatus.COMPLETED
        assert record.values[PROXY_KEY] == "params"
        assert record.values[SCREENED_KEY] == 3
        scores = json.loads(record.values[SCORES_KEY])
        assert len(scores) == 3 and all(s is not None for s in scores)
        assert record.values[SCORE_KEY] == max(scores)
        # The cost meter counted the trained candidate's parameters on its own:
        # the proposed candidate is the one that scored best.
        assert record.values[SCORE_KEY] == record.costs["params"]
    board = screened.leaderboard()
    by_trial = {r.trial_id: r for r in screened.trials_}
    for _, row in board.iterrows():
        assert row["proxy_score"] == by_trial[row["trial_id"]].values[SCORE_KEY]
        assert row["screened"] == 3
    assert "easynas/" not in " ".join(board["hyperparameters"])


def _space_and_screener(fitted, screening: Screening, seed: int = 0):
    space = kt.HyperParameters()
    fitted.graph_.declare(space, fitted.spec_)
    x, y = _digits()
    return space, Screener(screening, fitted.graph_, fitted.spec_, [x], [y], seed)


def test_the_same_seed_screens_the_same_candidates_to_the_same_proposal(screened):
    space, screener = _space_and_screener(screened, Screening("naswot", samples=3))
    history = History([], Objective("val_loss", "min"))
    strategy = RandomSearch()
    strategy.bind_screener(screener)
    first, second = (strategy.propose(space, history, np.random.default_rng([5, 0]))
                     for _ in range(2))
    assert first.values[SCORES_KEY] == second.values[SCORES_KEY]
    assert values_key(first.values) == values_key(second.values)
    scores = json.loads(first.values[SCORES_KEY])
    assert all(math.isfinite(s) for s in scores)  # naswot, on seeded untrained weights
    assert first.values[SCORE_KEY] == max(scores)


def test_candidates_over_max_params_rank_last(screened):
    space, unlimited = _space_and_screener(screened, Screening("params", samples=4))
    x, y = _digits()
    history = History([], Objective("val_loss", "min"))
    strategy = RandomSearch()
    strategy.bind_screener(unlimited)
    scores = json.loads(strategy.propose(space, history, np.random.default_rng([5, 0]))
                        .values[SCORES_KEY])
    assert min(scores) < max(scores)
    limit = (min(scores) + max(scores)) // 2
    strategy.bind_screener(Screener(Screening("params", samples=4), screened.graph_,
                                    screened.spec_, [x], [y], 0, max_params=limit))
    proposal = strategy.propose(space, history, np.random.default_rng([5, 0]))
    assert json.loads(proposal.values[SCORES_KEY]) == [s if s <= limit else None for s in scores]
    assert proposal.values[SCORE_KEY] == max(s for s in scores if s <= limit)


def test_bayesian_screens_its_random_start_but_not_its_defaults(screened):
    space, screener = _space_and_screener(screened, Screening("naswot", samples=2))
    strategy = BayesianSearch(num_initial_points=2)
    strategy.bind_screener(screener)
    objective = Objective("val_loss", "min")
    rng = np.random.default_rng(0)
    defaults = strategy.propose(space, History([], objective), rng)
    assert not set(SCREENING_KEYS) & set(defaults.values)
    done = TrialRecord("0", TrialStatus.COMPLETED, defaults.values, score=1.0)
    explored = strategy.propose(space, History([done], objective), rng)
    assert explored.values[SCREENED_KEY] == 2
    assert values_key(explored.values) != values_key(defaults.values)


@pytest.mark.parametrize(("value", "expected"), [
    (None, None),
    ("jacob_cov", Screening("jacob_cov", 8, 64)),
    ({"proxy": "synflow", "samples": 1, "rows": 32}, Screening("synflow", 1, 32)),
])
def test_screening_values_are_read(value, expected):
    assert parse_screening(value) == expected


@pytest.mark.parametrize("value", [
    "nope", 5, ["naswot"], {"proxy": "nope"}, {"samples": 0}, {"samples": 2.0},
    {"samples": True}, {"rows": 1}, {"proxy": "naswot", "sample": 4},
])
def test_bad_screening_is_refused_before_training(tmp_path, value):
    x, y = _digits(8)
    with pytest.raises(InvalidParameterError,
                       match=r"^The 'screening' parameter of AutoModel must be None, a proxy"):
        _model(tmp_path, screening=value).fit(x, y)
    assert not any(tmp_path.iterdir())  # nothing was written, let alone trained


@pytest.mark.parametrize("search", ["greedy", "hyperband", {"class_name": "morphism"}])
def test_screening_is_refused_for_strategies_that_draw_no_random_candidates(tmp_path, search):
    x, y = _digits(8)
    with pytest.raises(InvalidParameterError, match=r"'screening' parameter of AutoModel "
                                                    r"applies to .*'bayesian', 'random'"):
        _model(tmp_path, search=search, screening="naswot").fit(x, y)
