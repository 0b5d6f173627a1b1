"""Zero-cost screening: draw several candidates, train only the proxy's favourite.

With `screening` set, a strategy that would propose one fresh random
candidate (every proposal of `random`, the random steps of `bayesian` before
its Gaussian process takes over) draws `samples` distinct untried candidates
instead. The `Screener` builds each one untrained, exactly as its trial would
build it (the graph's model for those values, compiled), scores it with a
zero-cost proxy (`easynas.search._proxies`) on one small batch of training
rows, and the best-scoring candidate is proposed. The proxy's name, its score
and the number of candidates scored travel with the proposal as internal
values (`PROXY_KEY`, `SCORE_KEY`, `SCREENED_KEY`, `SCORES_KEY`: every
screened candidate's score in draw order as a JSON list, `SECONDS_KEY`), so
`trials_` and the leaderboard show them and a resumed or distributed search
keeps them; they are not part of a candidate's identity (`values_key`).

Screening is off by default: on our ConvBlock space on digits the best proxy
(naswot) ranks candidates with a Spearman rho of only +0.59 against their
trained accuracy (`benchmarks/proxies.py`), and with it a random search
reached a target accuracy later, not sooner, on each of three seeds
(`benchmarks/screening.py`: about a second per sampled candidate, and naswot
prefers larger, slower networks). On Fashion-MNIST no proxy ranked candidates
better than their parameter count, and screening was slower on both seeds.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras
    import keras_tuner

    from easynas.data._spec import DataSpec
    from easynas.graph._graph import Graph

logger = logging.getLogger(__name__)

__all__ = ["PROXY_KEY", "SCORE_KEY", "SCORES_KEY", "SCREENED_KEY", "SCREENING_KEYS",
           "SECONDS_KEY", "Screener", "Screening", "check_screening", "parse_screening",
           "valid_screening"]

PROXY_KEY = "easynas/proxy"
SCORE_KEY = "easynas/proxy_score"
SCREENED_KEY = "easynas/screened"
SCORES_KEY = "easynas/proxy_scores"
SECONDS_KEY = "easynas/screening_seconds"
SCREENING_KEYS = (PROXY_KEY, SCORE_KEY, SCREENED_KEY, SCORES_KEY, SECONDS_KEY)

# The proxies `screening` accepts (those of `easynas.search._proxies.PROXIES`;
# listed here so validating the option does not import Keras).
PROXY_NAMES = ("naswot", "jacob_cov", "synflow", "grad_norm", "params")
_OPTION_KEYS = ("proxy", "samples", "rows")

DESCRIPTION = (
    "None, a proxy name among " + ", ".join(repr(p) for p in PROXY_NAMES)
    + ", or a dict {'proxy': name, 'samples': int >= 1, 'rows': int >= 2} "
    "(samples and rows optional)"
)


@dataclass(frozen=True)
class Screening:
    """What screening does: which proxy, over how many candidates, on how many rows.

    Args:
        proxy: A name among `PROXY_NAMES`; higher scores are more promising.
        samples: Candidates drawn and scored per screened proposal (1 scores
            the single draw and changes nothing but the record).
        rows: Training rows the proxy sees (one batch, drawn with the search seed).
    """

    proxy: str = "naswot"
    samples: int = 8
    rows: int = 64

    def get_config(self) -> dict[str, Any]:
        return {"proxy": self.proxy, "samples": self.samples, "rows": self.rows}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Screening:
        return cls(**config)


def parse_screening(value: Any) -> Screening | None:
    """The `Screening` an estimator's `screening` argument asks for (None: off).

    Raises:
        TypeError: For a value that is not None, a string or a dict, or an
            option of the wrong type.
        ValueError: For an unknown proxy or option, or a count out of range.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = {"proxy": value}
    if not isinstance(value, Mapping):
        raise TypeError(f"screening must be {DESCRIPTION}; got {value!r}.")
    unknown = sorted(set(value) - set(_OPTION_KEYS), key=str)
    if unknown:
        raise ValueError(f"Unknown screening options {unknown}; expected among {_OPTION_KEYS}.")
    config = {**Screening().get_config(), **value}
    if config["proxy"] not in PROXY_NAMES:
        raise ValueError(f"Unknown proxy {config['proxy']!r}; expected one of {PROXY_NAMES}.")
    for name, low in (("samples", 1), ("rows", 2)):
        count = config[name]
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"screening's {name!r} must be an int; got {count!r}.")
        if count < low:
            raise ValueError(f"screening's {name!r} must be at least {low}; got {count}.")
    return Screening(proxy=config["proxy"], samples=int(config["samples"]),
                     rows=int(config["rows"]))


def valid_screening(value: Any) -> bool:
    """Whether `value` is a valid `screening` argument (see `parse_screening`)."""
    parse_screening(value)
    return True


def _rows(data: Any, index: np.ndarray) -> Any:
    """The rows `index` of an array, or of each array in a list."""
    if isinstance(data, (list, tuple)):
        parts = [_rows(part, index) for part in data]
        return parts[0] if len(parts) == 1 else parts
    return data.iloc[index] if hasattr(data, "iloc") else np.asarray(data)[index]


class Screener:
    """Scores untrained candidates with a proxy and picks the best.

    Args:
        screening: The proxy, the number of candidates, the rows.
        graph: The search space's graph (builds a candidate's model).
        spec: The data spec the graph is built for.
        x: The training inputs, one array per input (as the trials get them).
        y: The encoded training targets, one array per head.
        seed: Picks the rows of the batch.
        max_params: The search's parameter limit: a candidate over it ranks
            last (its trial would be rejected untrained). None for no limit.
    """

    def __init__(self, screening: Screening, graph: Graph, spec: DataSpec,
                 x: list[Any], y: list[Any], seed: int, max_params: int | None = None) -> None:
        self.screening = screening
        self.graph = graph
        self.spec = spec
        self.max_params = max_params
        n = len(y[0])
        rows = np.sort(np.random.default_rng(seed).choice(n, size=min(n, screening.rows),
                                                           replace=False))
        self.x, self.y = _rows(x, rows), _rows(y, rows)

    @property
    def samples(self) -> int:
        """How many candidates a screened proposal draws."""
        return self.screening.samples

    def score(self, space: keras_tuner.HyperParameters, values: dict[str, Any]) -> float | None:
        """The proxy's score of one candidate, built untrained (None if it cannot be
        built or scored or is over `max_params`; the reason is logged)."""
        from easynas.search._proxies import proxy_scores

        model = self._build(space, values)
        if model is None:
            return None
        if self.max_params is not None and model.count_params() > self.max_params:
            logger.info("Screening: a candidate of %d parameters is over max_params=%d; it "
                        "ranks last.", model.count_params(), self.max_params)
            return None
        return proxy_scores(model, self.x, self.y, [self.screening.proxy])[self.screening.proxy]

    def choose(self, space: keras_tuner.HyperParameters, candidates: list[dict[str, Any]],
               rng: np.random.Generator) -> dict[str, Any]:
        """The best-scoring candidate, with the screening facts added to its values.

        Each candidate's initial weights are seeded from `rng`, so a seed
        repeats its choices. A candidate with no score ranks last; with no
        score at all, the first candidate is proposed (as without screening).
        """
        import keras

        started = time.perf_counter()
        scores = []
        for values in candidates:
            keras.backend.clear_session()
            keras.utils.set_random_seed(int(rng.integers(2**31 - 1)))
            scores.append(self.score(space, values))
        keras.backend.clear_session()
        ranked = [-math.inf if s is None else s for s in scores]
        best = int(np.argmax(ranked))
        chosen = dict(candidates[best])
        chosen[PROXY_KEY] = self.screening.proxy
        if scores[best] is not None:
            chosen[SCORE_KEY] = float(scores[best])
        chosen[SCREENED_KEY] = len(candidates)
        chosen[SCORES_KEY] = json.dumps(scores)
        chosen[SECONDS_KEY] = time.perf_counter() - started
        logger.info("Screened %d candidates with %s in %.1fs; proposing the one scoring %s.",
                    len(candidates), self.screening.proxy, chosen[SECONDS_KEY], scores[best])
        return chosen

    def _build(self, space: keras_tuner.HyperParameters,
               values: dict[str, Any]) -> keras.Model | None:
        hp = space.copy()
        hp.values = dict(values)
        try:
            return self.graph.build(hp, self.spec)
        except Exception as error:  # the trial would fail too: rank it last, say why
            logger.warning("Screening could not build a candidate (%s: %s); it ranks last.",
                           type(error).__name__, error)
            return None



def check_screening(params: Mapping[str, Any], owner: str) -> None:
    """Refuse `screening` with a strategy whose proposals are never screened.

    Runs after each parameter passed its own constraint.

    Raises:
        InvalidParameterError: `screening` is set and `search` names a
            strategy that does not draw fresh random candidates through
            `Strategy.explore` (greedy, hyperband, morphism).
    """
    from easynas.exceptions import InvalidParameterError
    from easynas.search._registry import STRATEGIES
    from easynas.search._strategy import Strategy

    if params.get("screening") is None:
        return
    search = params.get("search")
    if isinstance(search, Strategy):
        cls = type(search)
    else:
        name = search if isinstance(search, str) else search.get("class_name")
        cls = STRATEGIES.get(name)
    if cls is not None and not cls.screens:
        screened = sorted(n for n, c in STRATEGIES.items() if c.screens)
        raise InvalidParameterError(
            f"The 'screening' parameter of {owner} applies to the strategies that draw "
            f"random candidates ({', '.join(repr(n) for n in screened)}); search="
            f"{getattr(cls, 'name', cls.__name__)!r} proposes none it could screen. Pass "
            f"search='random' or 'bayesian', or leave screening=None. Got "
            f"screening={params['screening']!r} instead."
        )
