"""RandomSearch: the reference strategy."""

from __future__ import annotations

import pytest

from easynas.search import RandomSearch

from . import _harness


@pytest.mark.parametrize("check", _harness.CHECKS, ids=_harness.CHECK_IDS)
def test_random_passes_strategy_harness(check):
    check(RandomSearch)


def test_random_covers_every_choice():
    space = _harness.make_space()
    proposals, _ = _harness.run_search(RandomSearch(), space, seed=0, num_trials=30)
    assert {p.values["activation"] for p in proposals} == {"relu", "tanh", "gelu"}
    assert {p.values["kind"] for p in proposals} == {"a", "b"}


def test_random_config_holds_max_collisions():
    assert RandomSearch(max_collisions=7).get_config() == {"max_collisions": 7}
