"""Bayesian optimisation: a Gaussian process picks the most promising candidate."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.search._encoding import encode_batch, is_active
from easynas.search._space import defaults, sample_one
from easynas.search._strategy import History, Proposal, Strategy, values_key

if TYPE_CHECKING:
    import keras_tuner

logger = logging.getLogger(__name__)

__all__ = ["BayesianSearch"]

_TOP_K = 3
_MUTATIONS_PER_PARENT = 10


class BayesianSearch(Strategy):
    """Gaussian-process Bayesian optimisation, tuned for small budgets.

    The first candidate is the space's defaults and the next ones are random
    until `num_initial_points` trials have completed. From then on a Gaussian
    process (Matern 5/2 plus white noise, normalised targets) is fitted to the
    completed trials (encoded as in `easynas.search._encoding`; failed trials
    are left out), and the candidate with the lowest lower confidence bound
    `mean - beta * std` of the score (oriented so lower is better) is
    proposed, among `num_candidates` random draws and small changes to the
    three best trials. A candidate is never proposed twice; it stops when no
    untried candidate is found. With a screener bound, the random candidates
    before the model takes over are screened (`Strategy.explore`); the
    defaults and the model's own picks are not (the Gaussian process already
    weighs every candidate, and re-ranking its top picks by a proxy would
    override what the trials taught it).

    Args:
        num_initial_points: Completed trials needed before the model is used.
        alpha: Value added to the kernel's diagonal (jitter).
        beta: Weight of the uncertainty in the bound; larger explores more.
        num_candidates: Random candidates scored per proposal.
        max_collisions: See `Strategy`.
    """

    name = "bayesian"
    screens = True

    def __init__(
        self,
        num_initial_points: int = 2,
        alpha: float = 1e-4,
        beta: float = 2.6,
        num_candidates: int = 500,
        max_collisions: int = 50,
    ) -> None:
        super().__init__(max_collisions=max_collisions)
        self.num_initial_points = num_initial_points
        self.alpha = alpha
        self.beta = beta
        self.num_candidates = num_candidates

    def propose(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
    ) -> Proposal:
        """The defaults, then random candidates, then the model's best bet.

        Args:
            space: The hyperparameter space (with defaults).
            history: Earlier trials.
            rng: Random generator for this proposal.

        Returns:
            The candidate to run, or `Proposal.stop()` once nothing untried is found.

        Raises:
            ValueError: If `num_initial_points` or `num_candidates` is below 1.
        """
        for name in ("num_initial_points", "num_candidates"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{name} of BayesianSearch must be a positive int. Received: {name}={value!r}"
                )
        tried = history.tried()
        first = defaults(space)
        if values_key(first) not in tried:
            return Proposal.run(first)
        completed = history.completed()
        if len(completed) >= self.num_initial_points:
            candidates = self._candidates(space, history, rng, tried)
            if candidates:
                return Proposal.run(self._best_bet(space, history, candidates, rng))
        values = self.explore(space, tried, rng, lambda r: _samples(space, r, 1)[0])
        return Proposal.stop() if values is None else Proposal.run(values)

    def _candidates(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
        tried: set[str],
    ) -> list[dict[str, Any]]:
        """Untried, distinct random draws and neighbours of the best trials."""
        pool = _samples(space, rng, self.num_candidates)
        for record in history.best(_TOP_K):
            for _ in range(_MUTATIONS_PER_PARENT):
                changes = int(rng.integers(1, 3))
                pool.append(_neighbour(space, record.values, rng, changes))
        seen = tried.copy()  # keeps `TriedKeys`' equivalences
        candidates = []
        for values in pool:
            key = values_key(values)
            if key not in seen:
                seen.add(key)
                candidates.append(values)
        return candidates

    def _best_bet(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        candidates: list[dict[str, Any]],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        """The candidate with the lowest lower confidence bound."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        completed = history.completed()
        x = encode_batch(space, [r.values for r in completed])
        y = np.array([history.objective.sort_key(r.score) for r in completed])
        # One length scale for all columns: per-column (ARD) scales overfit the
        # few points a small budget gives, and did worse than random on tests.
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
            length_scale=1.0, length_scale_bounds=(5e-2, 2e1), nu=2.5
        ) + WhiteKernel(1e-2, (1e-6, 1e0))
        model = GaussianProcessRegressor(
            kernel=kernel,
            alpha=self.alpha,
            normalize_y=True,
            n_restarts_optimizer=0,
            random_state=int(rng.integers(2**31 - 1)),
        )
        with warnings.catch_warnings():
            # Bounds reached on a dozen points are expected, not actionable.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y)
        mean, std = model.predict(encode_batch(space, candidates), return_std=True)
        bound = mean - self.beta * std
        choice = int(np.argmin(bound))
        logger.debug(
            "GP on %d trials: best bound %.4g (mean %.4g, std %.4g).",
            len(completed), bound[choice], mean[choice], std[choice],
        )
        return candidates[choice]

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-safe)."""
        return {
            "num_initial_points": self.num_initial_points,
            "alpha": self.alpha,
            "beta": self.beta,
            "num_candidates": self.num_candidates,
            "max_collisions": self.max_collisions,
        }


def _samples(
    space: keras_tuner.HyperParameters, rng: np.random.Generator, count: int
) -> list[dict[str, Any]]:
    """`count` uniform random candidates (conditional hyperparameters respected)."""
    hps = list(space.space)
    draws = []
    for _ in range(count):
        values: dict[str, Any] = {}
        for hp in hps:
            if all(c.is_active(values) for c in hp.conditions):
                values[hp.name] = sample_one(hp, rng)
        draws.append(values)
    return draws


def _neighbour(
    space: keras_tuner.HyperParameters,
    values: dict[str, Any],
    rng: np.random.Generator,
    num_changes: int,
) -> dict[str, Any]:
    """`values` with `num_changes` active hyperparameters redrawn to other values.

    Like `easynas.search._space.mutate` without copying the space (this runs
    hundreds of times per proposal); children that become active are drawn at
    random rather than set to their defaults.
    """
    hps = list(space.space)
    kept = {id(hp) for hp in hps if is_active(hp, values)}
    changeable = [hp for hp in hps if id(hp) in kept and _can_change(hp)]
    changed = dict(values)
    if changeable:
        picks = rng.choice(len(changeable), size=min(num_changes, len(changeable)), replace=False)
        for index in picks:
            hp = changeable[int(index)]
            for _ in range(20):
                value = sample_one(hp, rng)
                if value != values[hp.name]:
                    break
            changed[hp.name] = value
    out: dict[str, Any] = {}
    for hp in hps:
        if all(c.is_active(out) for c in hp.conditions):
            out[hp.name] = changed[hp.name] if id(hp) in kept else sample_one(hp, rng)
    return out


def _can_change(hp: Any) -> bool:
    kind = type(hp).__name__
    if kind == "Choice":
        return len(hp.values) > 1
    if kind in ("Int", "Float"):
        return hp.max_value > hp.min_value
    return kind == "Boolean"
