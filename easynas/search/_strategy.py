"""The strategy contract: propose the next candidate from the space and history.

A strategy never touches Keras layers, data or files. It sees the
hyperparameter space (a `keras_tuner.HyperParameters`), the records of earlier
trials and a random generator derived from the search seed and the trial
number, so a seed repeats its sequence and a resumed search proposes as a fresh
one would have.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.search._records import Objective, TrialRecord, TrialStatus
from easynas.search._screening import SCREENING_KEYS

if TYPE_CHECKING:
    import keras_tuner

    from easynas.search._pareto import ParetoObjectives
    from easynas.search._screening import Screener

__all__ = ["History", "Proposal", "Strategy", "TriedKeys", "values_key"]


@dataclass(frozen=True)
class Proposal:
    """A strategy's answer: values to run, wait for running trials, or stop."""

    status: str
    values: dict[str, Any] | None = None

    @classmethod
    def run(cls, values: dict[str, Any]) -> Proposal:
        return cls("RUNNING", dict(values))

    @classmethod
    def wait(cls) -> Proposal:
        return cls("IDLE")

    @classmethod
    def stop(cls) -> Proposal:
        return cls("STOPPED")


def values_key(values: dict[str, Any]) -> str:
    """A canonical string for a set of values (to spot duplicates).

    The screening facts a proposal carries (`SCREENING_KEYS`) say how a
    candidate was chosen, not what it is, and are left out.
    """
    return json.dumps({k: v for k, v in values.items() if k not in SCREENING_KEYS},
                      sort_keys=True, default=str)


class History:
    """The trials so far, as frozen records, with the objective to rank them.

    Args:
        records: Trial records in start order.
        objective: What is optimised.
        pareto: For a multi-objective search, its objectives: `best` then
            ranks by Pareto front and crowding distance (NSGA-II).
    """

    def __init__(self, records: Sequence[TrialRecord], objective: Objective,
                 pareto: ParetoObjectives | None = None) -> None:
        self.records = list(records)
        self.objective = objective
        self.pareto = pareto

    def __len__(self) -> int:
        return len(self.records)

    def completed(self) -> list[TrialRecord]:
        return [r for r in self.records if r.status == TrialStatus.COMPLETED]

    def running(self) -> list[TrialRecord]:
        return [r for r in self.records if r.status == TrialStatus.RUNNING]

    def best(self, k: int = 1) -> list[TrialRecord]:
        """The k best completed trials, best first (by Pareto rank when several
        objectives are searched)."""
        if self.pareto is not None:
            return self.pareto.rank(self.records)[:k]
        return sorted(self.completed(), key=lambda r: self.objective.sort_key(r.score))[:k]

    def tried(self) -> TriedKeys:
        """Keys of every proposed set of values (see `values_key`); a candidate that
        differs from a completed trial only in hyperparameters that trial's model
        ignored (`TrialRecord.ignored`) counts as tried too."""
        return TriedKeys(self.records)


class TriedKeys(set):
    """The `values_key`s of trials, where `key in tried` also holds for a candidate
    equal to a completed trial except in the values of that trial's `ignored`
    hyperparameters, as long as they are zero where the trial's are and non-zero
    where its are (see `_reduced_key`): such a candidate trains into the same model.

    Args:
        records: The trials.
    """

    def __init__(self, records: Sequence[TrialRecord] = ()) -> None:
        super().__init__(values_key(r.values) for r in records)
        self.reduced: dict[frozenset[str], set[str]] = {}
        for record in records:
            if record.ignored and record.status == TrialStatus.COMPLETED:
                names = frozenset(record.ignored)
                self.reduced.setdefault(names, set()).add(_reduced_key(record.values, names))

    def __contains__(self, key: object) -> bool:
        if set.__contains__(self, key):
            return True
        if not self.reduced or not isinstance(key, str):
            return False
        values = json.loads(key)
        return any(_reduced_key(values, names) in keys for names, keys in self.reduced.items())

    def copy(self) -> TriedKeys:
        twin = TriedKeys()
        twin.update(self)
        twin.reduced = {names: set(keys) for names, keys in self.reduced.items()}
        return twin


def _reduced_key(values: dict[str, Any], names: frozenset[str]) -> str:
    """`values_key` with the values of `names` reduced to whether they are non-zero: a
    solved linear candidate needs some penalty (its strength it chooses itself), and
    with none it trains by gradient descent, where the learning rate counts again."""
    return values_key({k: (bool(v) if k in names else v) for k, v in values.items()})


class Strategy:
    """Base class of search strategies.

    Subclasses implement `propose`; `get_state` / `set_state` are optional and
    only needed by strategies that keep state beyond the history. A strategy
    that draws fresh random candidates takes them from `explore`, and sets
    `screens = True`: with a screener bound (the estimators' `screening`
    argument), `explore` then proposes the best of several draws by a
    zero-cost proxy.

    Args:
        max_collisions: How many times to redraw a candidate that was already
            tried before concluding the space is exhausted.
    """

    name = "strategy"
    screens = False  # whether its random draws go through `explore` (and so are screened)
    screener: Screener | None = None

    def __init__(self, max_collisions: int = 50) -> None:
        self.max_collisions = max_collisions

    def bind_screener(self, screener: Screener | None) -> None:
        """Screen this strategy's random draws with `screener` (None: stop screening)."""
        self.screener = screener

    def explore(
        self,
        space: keras_tuner.HyperParameters,
        tried: set[str],
        rng: np.random.Generator,
        draw: Callable[[np.random.Generator], dict[str, Any]],
    ) -> dict[str, Any] | None:
        """A fresh candidate: an untried random draw, or None when none is found.

        Without a screener it is the first untried draw within `max_collisions`
        draws. With one, it draws until `screener.samples` distinct untried
        candidates are found (at most `max_collisions` draws per candidate)
        and returns the one the screener scores best, with its screening facts.

        Args:
            space: The hyperparameter space.
            tried: Keys of the values tried already (`values_key`).
            rng: Random generator for this proposal.
            draw: Draws one candidate's values from `rng`.
        """
        wanted = 1 if self.screener is None else self.screener.samples
        found: list[dict[str, Any]] = []
        seen = set(tried)
        for _ in range(self.max_collisions * wanted):
            values = draw(rng)
            key = values_key(values)
            if key not in seen:
                seen.add(key)
                found.append(values)
                if len(found) == wanted:
                    break
        if not found:
            return None
        if self.screener is None:
            return found[0]
        return self.screener.choose(space, found, rng)

    def propose(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
    ) -> Proposal:
        """Return the next candidate's values, `Proposal.wait()` or `Proposal.stop()`.

        Args:
            space: The hyperparameter space (with defaults).
            history: Earlier trials.
            rng: Random generator for this proposal.
        """
        raise NotImplementedError

    def get_state(self) -> dict[str, Any]:
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        del state

    def get_config(self) -> dict[str, Any]:
        return {"max_collisions": self.max_collisions}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Strategy:
        return cls(**config)
