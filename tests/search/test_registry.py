"""Looking strategies up by name, config or instance; config round trips."""

from __future__ import annotations

import json

import pytest

import easynas.search as search
from easynas.search import (
    BayesianSearch,
    GreedySearch,
    Hyperband,
    MorphismSearch,
    RandomSearch,
    Strategy,
    get,
)
from easynas.search._registry import STRATEGIES


def test_registry_lists_every_strategy():
    assert STRATEGIES == {
        "bayesian": BayesianSearch, "greedy": GreedySearch,
        "hyperband": Hyperband, "morphism": MorphismSearch, "random": RandomSearch,
    }


def test_search_all_is_sorted_and_importable():
    assert search.__all__ == sorted(search.__all__)
    for name in search.__all__:
        assert hasattr(search, name)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_get_builds_each_strategy_by_name_and_config_round_trips(name):
    strategy = get(name)
    assert type(strategy) is STRATEGIES[name]
    assert strategy.name == name
    config = json.loads(json.dumps(strategy.get_config()))
    rebuilt = get({"class_name": name, "config": config})
    assert rebuilt.get_config() == strategy.get_config()


def test_get_passes_constructor_defaults_only_to_those_taking_them():
    assert get("hyperband", max_epochs=12).max_epochs == 12
    assert get("greedy", max_epochs=12).get_config() == GreedySearch().get_config()


def test_get_returns_an_instance_as_is():
    strategy = GreedySearch(num_changes=1)
    assert get(strategy) is strategy


def test_get_rejects_an_unknown_name_listing_the_valid_ones():
    with pytest.raises(ValueError, match="bayesian.*greedy.*hyperband.*random"):
        get("annealing")


@pytest.mark.parametrize("bad", [3, None, {"config": {}}, Strategy])
def test_get_rejects_other_types(bad):
    with pytest.raises(TypeError, match="strategy"):
        get(bad)


def test_greedy_config_keeps_initial_values():
    strategy = GreedySearch(initial_values=[{"units": 32}], num_changes=2, max_collisions=9)
    rebuilt = get({"class_name": "greedy", "config": strategy.get_config()})
    assert rebuilt.initial_values == [{"units": 32}]
    assert (rebuilt.num_changes, rebuilt.max_collisions) == (2, 9)
