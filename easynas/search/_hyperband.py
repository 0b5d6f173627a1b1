"""Hyperband: brackets of successive halving over the number of epochs.

After Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
Optimization", JMLR 18 (2018). With R = `max_epochs`, eta = `factor` and
s_max the largest s with `min_epochs * eta**s <= R`, bracket s (from s_max
down to 0) starts n = ceil((s_max + 1) / (s + 1) * eta**s) fresh candidates
for R * eta**-s epochs; rung i of it runs the best floor(n * eta**-i) for
R * eta**(i - s) epochs. A promoted candidate continues its parent's weights:
its values are the parent's plus the parent's trial id, the epochs already
trained and the new epoch target. Every proposal records its bracket and rung
in its values, so the whole state is read back from the history.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.search._kt_adapter import EPOCHS_KEY, INITIAL_EPOCH_KEY, PARENT_KEY
from easynas.search._records import TrialRecord, TrialStatus
from easynas.search._space import defaults, sample
from easynas.search._strategy import History, Proposal, Strategy, values_key

if TYPE_CHECKING:
    import keras_tuner

__all__ = ["BRACKET_KEY", "ROUND_KEY", "Hyperband", "schedule"]

BRACKET_KEY = "easynas/bracket"
ROUND_KEY = "easynas/round"
_OWN_KEYS = (BRACKET_KEY, ROUND_KEY, EPOCHS_KEY, INITIAL_EPOCH_KEY, PARENT_KEY)


def schedule(
    max_epochs: int, factor: int = 3, min_epochs: int = 1, iterations: int = 1
) -> list[list[tuple[int, int]]]:
    """The brackets of Hyperband, each a list of rungs `(num_candidates, epochs)`.

    Args:
        max_epochs: Epochs of the last rung of every bracket (R).
        factor: Each rung keeps the best 1/factor of the one before (eta).
        min_epochs: Fewest epochs a rung may have.
        iterations: How many times the whole set of brackets is repeated.

    Returns:
        The brackets in the order they run, the most exploratory first.
    """
    s_max = 0
    while min_epochs * factor ** (s_max + 1) <= max_epochs:
        s_max += 1
    brackets = []
    for _ in range(iterations):
        for s in range(s_max, -1, -1):
            n = math.ceil((s_max + 1) * factor**s / (s + 1))
            brackets.append([
                (n // factor**i, max(min_epochs, round(max_epochs * float(factor) ** (i - s))))
                for i in range(s + 1)
            ])
    return brackets


class Hyperband(Strategy):
    """Hyperband: many candidates for few epochs, the best continued for more.

    Fresh candidates are random draws (the first is the space's defaults), each
    tried once. Every proposal carries its epoch target in `easynas/epochs`.
    In a distributed search it waits (`Proposal.wait()`) while a rung's trials
    still run, and it stops once every bracket is done.

    Args:
        max_epochs: Most epochs a candidate trains. None takes it from the
            search (`easynas.search.get("hyperband", max_epochs=...)`).
        factor: Each rung keeps the best 1/factor of the one before.
        min_epochs: Fewest epochs a candidate trains.
        hyperband_iterations: How many times the set of brackets runs.
        max_collisions: See `Strategy`.
    """

    name = "hyperband"

    def __init__(
        self,
        max_epochs: int | None = None,
        factor: int = 3,
        min_epochs: int = 1,
        hyperband_iterations: int = 1,
        max_collisions: int = 50,
    ) -> None:
        super().__init__(max_collisions=max_collisions)
        self.max_epochs = max_epochs
        self.factor = factor
        self.min_epochs = min_epochs
        self.hyperband_iterations = hyperband_iterations

    def propose(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
    ) -> Proposal:
        """The next fresh or promoted candidate of the current rung.

        Args:
            space: The hyperparameter space (with defaults).
            history: Earlier trials.
            rng: Random generator for this proposal.

        Returns:
            The candidate to run, `Proposal.wait()` while the current rung's
            trials run, or `Proposal.stop()` when every bracket is done.

        Raises:
            ValueError: If `max_epochs` was never given, or an argument is out of range.
        """
        self._check()
        rungs: dict[tuple[int, int], list[TrialRecord]] = defaultdict(list)
        for record in history.records:
            where = (record.values.get(BRACKET_KEY), record.values.get(ROUND_KEY))
            if all(isinstance(v, int) for v in where):
                rungs[where].append(record)
        latest = max(rungs, default=(-1, -1))
        fresh = {values_key(_own(r.values)) for r in history.records if PARENT_KEY not in r.values}
        brackets = schedule(self.max_epochs, self.factor, self.min_epochs,
                            self.hyperband_iterations)
        for b, bracket in enumerate(brackets):
            for i, (size, epochs) in enumerate(bracket):
                records = rungs[(b, i)]
                open_ = (b, i) >= latest
                where = {BRACKET_KEY: b, ROUND_KEY: i, EPOCHS_KEY: epochs}
                if open_ and i == 0 and len(records) < size:
                    values = self._fresh(space, fresh, rng)
                    if values is not None:
                        return Proposal.run({**values, **where})
                    if not records:  # no untried candidate left for any bracket
                        return Proposal.stop()
                if open_ and i > 0:
                    done = {r.values.get(PARENT_KEY) for r in records}
                    for parent in self._promoted(rungs[(b, i - 1)], size, history):
                        if parent.trial_id not in done:
                            return Proposal.run({
                                **_own(parent.values), **where,
                                PARENT_KEY: parent.trial_id,
                                INITIAL_EPOCH_KEY: int(parent.values[EPOCHS_KEY]),
                            })
                if any(r.status == TrialStatus.RUNNING for r in records):
                    return Proposal.wait()
        return Proposal.stop()

    def _promoted(
        self, previous: list[TrialRecord], size: int, history: History
    ) -> list[TrialRecord]:
        """The best completed trials of the rung before, at most `size`.

        With fewer completed trials than planned (failures, a small space), the
        best 1/factor of them, and at least one, go on.
        """
        completed = [r for r in previous if r.status == TrialStatus.COMPLETED]
        if not completed:
            return []
        ranked = sorted(completed, key=lambda r: history.objective.sort_key(r.score))
        return ranked[: min(size, max(1, len(completed) // self.factor))]

    def _fresh(
        self, space: keras_tuner.HyperParameters, tried: set[str], rng: np.random.Generator
    ) -> dict[str, Any] | None:
        """The defaults if untried, else an untried random draw, else None."""
        values = defaults(space)
        if values_key(values) not in tried:
            return values
        for _ in range(self.max_collisions):
            values = sample(space, rng)
            if values_key(values) not in tried:
                return values
        return None

    def _check(self) -> None:
        if self.max_epochs is None:
            raise ValueError(
                "Hyperband needs max_epochs: pass Hyperband(max_epochs=...) or build it with "
                "easynas.search.get('hyperband', max_epochs=...)."
            )
        for name, low in (("factor", 2), ("min_epochs", 1), ("hyperband_iterations", 1),
                          ("max_epochs", self.min_epochs)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(
                    f"{name} of Hyperband must be an int >= {low}. Received: {name}={value!r}"
                )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-safe)."""
        return {
            "max_epochs": self.max_epochs,
            "factor": self.factor,
            "min_epochs": self.min_epochs,
            "hyperband_iterations": self.hyperband_iterations,
            "max_collisions": self.max_collisions,
        }


def _own(values: dict[str, Any]) -> dict[str, Any]:
    """The candidate's values without Hyperband's bookkeeping keys."""
    return {k: v for k, v in values.items() if k not in _OWN_KEYS}
