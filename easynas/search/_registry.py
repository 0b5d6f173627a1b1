"""Looking strategies up by name, config or instance."""

from __future__ import annotations

import inspect
from typing import Any

from easynas.search._bayesian import BayesianSearch
from easynas.search._greedy import GreedySearch
from easynas.search._hyperband import Hyperband
from easynas.search._morphism import MorphismSearch
from easynas.search._random import RandomSearch
from easynas.search._strategy import Strategy

__all__ = ["get", "STRATEGIES"]

STRATEGIES: dict[str, type[Strategy]] = {
    "bayesian": BayesianSearch,
    "greedy": GreedySearch,
    "hyperband": Hyperband,
    "morphism": MorphismSearch,
    "random": RandomSearch,
}


def get(identifier: str | dict[str, Any] | Strategy, **defaults: Any) -> Strategy:
    """A strategy from a name ("greedy", "random", ...), a config or an instance.

    Args:
        identifier: A registered name, a dict `{"class_name": name, "config": {...}}`,
            or a `Strategy` instance (returned as is).
        **defaults: Constructor arguments used when building from a name or a
            config and the strategy takes them (e.g. `max_epochs` for hyperband),
            unless the config sets them.

    Returns:
        A `Strategy`.

    Raises:
        ValueError: For an unknown name, listing the valid ones.
        TypeError: For anything else.
    """
    if isinstance(identifier, Strategy):
        return identifier
    if isinstance(identifier, str):
        name, config = identifier, {}
    elif isinstance(identifier, dict) and "class_name" in identifier:
        name, config = identifier["class_name"], dict(identifier.get("config", {}))
    else:
        raise TypeError(
            "A search strategy must be a name, a config dict or a Strategy instance. "
            f"Received: {identifier!r}"
        )
    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown search strategy {name!r}; expected one of {sorted(STRATEGIES)}."
        )
    cls = STRATEGIES[name]
    accepted = inspect.signature(cls.__init__).parameters
    for key, value in defaults.items():
        if key in accepted and config.get(key) is None:
            config[key] = value
    return cls.from_config(config)
