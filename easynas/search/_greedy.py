"""Greedy search: known-good candidates first, then small changes to the best."""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.search._space import mutate, preset_values, sample
from easynas.search._strategy import History, Proposal, Strategy, values_key

if TYPE_CHECKING:
    import keras_tuner

logger = logging.getLogger(__name__)

__all__ = ["GreedySearch"]

_TOP_K = 3
_WIDEN_EVERY = 10


class GreedySearch(Strategy):
    """Try known-good candidates first, then explore around the best trials.

    The first proposals are `initial_values` in order, each completed into a
    full candidate (defaults for what it leaves out; ones already tried are
    skipped). After them, each proposal takes one of the three best completed
    trials (the best most often) and redraws `num_changes` of its
    hyperparameters. Before any trial has completed (e.g. all failed so far),
    it draws at random. It stops when neither changes to the best nor random
    draws find an untried candidate in `max_collisions` tries each.

    Args:
        initial_values: Candidates to try first, as (partial) value dicts.
            None tries the space's defaults first.
        num_changes: How many hyperparameters each new candidate changes; None
            draws 1 or 2 each time. After repeated collisions more change.
        max_collisions: See `Strategy`.
    """

    name = "greedy"

    def __init__(
        self,
        initial_values: list[dict[str, Any]] | None = None,
        num_changes: int | None = None,
        max_collisions: int = 50,
    ) -> None:
        super().__init__(max_collisions=max_collisions)
        self.initial_values = initial_values
        self.num_changes = num_changes

    def propose(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
    ) -> Proposal:
        """The next untried initial candidate, else a neighbour of a top trial.

        Args:
            space: The hyperparameter space (with defaults).
            history: Earlier trials.
            rng: Random generator for this proposal.

        Returns:
            The candidate to run, or `Proposal.stop()` once nothing untried is found.

        Raises:
            ValueError: If `num_changes` is not None or a positive int.
        """
        if self.num_changes is not None and (
            isinstance(self.num_changes, bool)
            or not isinstance(self.num_changes, int)
            or self.num_changes < 1
        ):
            raise ValueError(
                "num_changes of GreedySearch must be None or a positive int. "
                f"Received: num_changes={self.num_changes!r}"
            )
        tried = history.tried()
        starts = [{}] if self.initial_values is None else self.initial_values
        for given in starts:
            values = preset_values(space, given)
            if values_key(values) not in tried:
                return Proposal.run(values)
        values = self._neighbour(space, history, rng, tried)
        if values is not None:
            return Proposal.run(values)
        for _ in range(self.max_collisions):
            values = sample(space, rng)
            if values_key(values) not in tried:
                return Proposal.run(values)
        return Proposal.stop()

    def _neighbour(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
        tried: set[str],
    ) -> dict[str, Any] | None:
        """An untried mutation of one of the best trials, or None."""
        best = history.best(_TOP_K)
        if not best:
            logger.debug("No completed trial yet; drawing at random.")
            return None
        names = {hp.name for hp in space.space}
        weights = 1.0 / np.arange(1, len(best) + 1)
        weights /= weights.sum()
        for attempt in range(self.max_collisions):
            parent = best[int(rng.choice(len(best), p=weights))]
            base = self.num_changes or int(rng.integers(1, 3))
            own = {k: v for k, v in parent.values.items() if k in names}
            values = mutate(space, own, rng, num_changes=base + attempt // _WIDEN_EVERY)
            if values_key(values) not in tried:
                return values
        logger.debug("The best trials' neighbourhoods look exhausted; drawing at random.")
        return None

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-safe)."""
        return {
            "initial_values": copy.deepcopy(self.initial_values),
            "num_changes": self.num_changes,
            "max_collisions": self.max_collisions,
        }
