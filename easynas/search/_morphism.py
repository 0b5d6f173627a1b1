"""Network-morphism search: children of trained candidates, chosen by a GP over architectures.

After Auto-Keras (Jin et al., arXiv 1806.10282), with the function-preserving
ops of Net2Net and NASH (`easynas.morph`). The first trials are trained from
scratch (the space's defaults, then random candidates). After that, each
proposal is a child of one of the best trained trials: its values are the
parent's hyperparameters, the parent's trial id and the chain of morph ops
from the from-scratch ancestor (see `easynas.search._lineage`). The tuner
rebuilds the parent, loads its checkpoint, applies the child's own ops and
trains for fewer epochs. Which child: a few random op chains are drawn for each
of the best trials, and a Gaussian process over the architecture distance
(`easynas.morph.distance`) fitted to every trained trial picks the one with the
highest upper confidence bound of the score.

Proposing needs the architectures of trials and candidates, so the tuner hands
the strategy a builder (`bind_builder`): values in, untrained Keras model out.
The strategy only reads the models' structure (`describe`, `candidates`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.morph import MorphError, apply_ops, candidates, describe, distance
from easynas.search._distance_gp import DistanceGP
from easynas.search._lineage import MORPH_NEW_OPS_KEY, MORPH_OPS_KEY, PARENT_KEY, morph_chain
from easynas.search._records import TrialRecord
from easynas.search._space import defaults, preset_values, sample
from easynas.search._strategy import History, Proposal, Strategy, values_key

if TYPE_CHECKING:
    import keras
    import keras_tuner

logger = logging.getLogger(__name__)

__all__ = ["MorphismSearch"]

_EPOCHS_KEY = "easynas/epochs"
_OWN_KEYS = (PARENT_KEY, MORPH_OPS_KEY, MORPH_NEW_OPS_KEY, _EPOCHS_KEY, "easynas/initial_epoch")
_OP_KINDS = ("add_skip", "concat_skip", "deeper", "wider")

Builder = Callable[[dict[str, Any]], "keras.Model"]


class MorphismSearch(Strategy):
    """Grow trained candidates by function-preserving morphs; a GP picks the next child.

    Args:
        max_epochs: Epochs of a from-scratch trial (the search's `epochs`);
            None takes it from the search (`easynas.search.get("morphism",
            max_epochs=...)`). Only used to derive `child_epochs`.
        child_epochs: Epochs a child trains (it starts from its parent's
            weights); None for half of `max_epochs` (at least 1), or the
            search's epochs when `max_epochs` is None too.
        num_initial_points: From-scratch trials before the first child.
        initial_values: Known-good (partial) candidates for the from-scratch
            trials, tried first in order (a task's presets; the estimators pass
            them); then the space's defaults, then random candidates.
        num_parents: How many of the best trials get candidate children.
        children_per_parent: Random op chains drawn per parent.
        max_ops: Most new ops in one child (each chain has 1 to `max_ops`).
        beta: Weight of the GP's uncertainty in the upper confidence bound.
        op_kinds: Morph op kinds to use; None for all
            ("add_skip", "concat_skip", "deeper", "wider").
        max_params: Children with more parameters are not proposed; None for no limit.
        max_collisions: See `Strategy`.
    """

    name = "morphism"
    #: Its options and the values it stores may still change: `fit` warns
    #: (`easynas.exceptions.ExperimentalWarning`).
    experimental = True

    def __init__(
        self,
        max_epochs: int | None = None,
        child_epochs: int | None = None,
        num_initial_points: int = 2,
        initial_values: list[dict[str, Any]] | None = None,
        num_parents: int = 3,
        children_per_parent: int = 4,
        max_ops: int = 2,
        beta: float = 2.0,
        op_kinds: Sequence[str] | None = None,
        max_params: int | None = None,
        max_collisions: int = 50,
    ) -> None:
        super().__init__(max_collisions=max_collisions)
        self.max_epochs = max_epochs
        self.child_epochs = child_epochs
        self.num_initial_points = num_initial_points
        self.initial_values = None if initial_values is None else [dict(v) for v in initial_values]
        self.num_parents = num_parents
        self.children_per_parent = children_per_parent
        self.max_ops = max_ops
        self.beta = beta
        self.op_kinds = None if op_kinds is None else list(op_kinds)
        self.max_params = max_params
        self._build: Builder | None = None
        self._descriptions: dict[str, dict[str, Any]] = {}  # a cache: values key -> describe()
        self._check()

    def bind_builder(self, build: Builder) -> None:
        """Give the strategy the way to see architectures: `build(values)` returns the
        untrained (uncompiled or compiled) Keras model of a trial's values, morph ops
        applied. `SearchTuner` calls this."""
        self._build = build
        self._descriptions.clear()

    # ------------------------------------------------------------------ proposing
    def propose(
        self,
        space: keras_tuner.HyperParameters,
        history: History,
        rng: np.random.Generator,
    ) -> Proposal:
        """A from-scratch candidate for the first trials, then the GP's best child.

        Args:
            space: The hyperparameter space (with defaults).
            history: Earlier trials.
            rng: Random generator for this proposal.

        Returns:
            The candidate to run, `Proposal.wait()` while the from-scratch
            trials run, or `Proposal.stop()` when nothing untried is left.

        Raises:
            RuntimeError: If no builder was bound when a child is to be chosen.
        """
        tried = history.tried()
        roots = [r for r in history.records if PARENT_KEY not in r.values]
        completed = history.completed()
        if len(roots) < self.num_initial_points:
            fresh = self._fresh(space, tried, rng)
            if fresh is not None:
                return Proposal.run(fresh)
        if not completed:
            if history.running():
                return Proposal.wait()
            # Every from-scratch trial so far failed (out of memory, diverged, ...):
            # another one, rather than ending the search with nothing trained.
            fresh = self._fresh(space, tried, rng)
            return Proposal.run(fresh) if fresh is not None else Proposal.stop()
        if self._build is None:
            raise RuntimeError(
                "MorphismSearch needs a model builder to see architectures; SearchTuner binds "
                "one (call bind_builder(build) when using the strategy on its own)."
            )
        children = self._children(history, rng, tried)
        if children:
            return Proposal.run(self._best_child(history, children))
        logger.info("No applicable morph child; trying a from-scratch candidate.")
        fresh = self._fresh(space, tried, rng)
        return Proposal.run(fresh) if fresh is not None else Proposal.stop()

    def _fresh(
        self, space: keras_tuner.HyperParameters, tried: set[str], rng: np.random.Generator
    ) -> dict[str, Any] | None:
        """The first untried initial value, else the defaults, else a random draw, else None."""
        for start in self.initial_values or []:
            values = preset_values(space, start)
            if values_key(values) not in tried:
                return values
        values = defaults(space)
        if values_key(values) not in tried:
            return values
        for _ in range(self.max_collisions):
            values = sample(space, rng)
            if values_key(values) not in tried:
                return values
        return None

    def _children(
        self, history: History, rng: np.random.Generator, tried: set[str]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Untried children of the best trials, with their descriptions."""
        found: list[tuple[dict[str, Any], dict[str, Any]]] = []
        seen = set(tried)
        for parent in history.best(self.num_parents):
            try:
                model = self._model(parent.values)
                ops = candidates(model, self.op_kinds)
            except (MorphError, ValueError) as error:
                logger.warning("Trial %s cannot be morphed: %s", parent.trial_id, error)
                continue
            if not ops:
                continue
            for _ in range(self.children_per_parent):
                count = int(rng.integers(1, self.max_ops + 1))
                picks = rng.choice(len(ops), size=min(count, len(ops)), replace=False)
                new = [_reseeded(ops[int(i)].to_dict(), rng) for i in picks]
                values = self._child_values(parent, new)
                key = values_key(values)
                if key in seen:
                    continue
                seen.add(key)
                try:
                    child = apply_ops(model, new, compile=False)
                except MorphError as error:
                    logger.debug("Skipped a child of trial %s: %s", parent.trial_id, error)
                    continue
                description = describe(child)
                if self.max_params is not None and description["params"] > self.max_params:
                    continue
                self._descriptions[key] = description
                found.append((values, description))
        return found

    def _child_values(self, parent: TrialRecord, new: list[dict[str, Any]]) -> dict[str, Any]:
        values = {k: v for k, v in parent.values.items() if k not in _OWN_KEYS}
        values[PARENT_KEY] = parent.trial_id
        values[MORPH_OPS_KEY] = json.dumps(morph_chain(parent.values) + new, sort_keys=True)
        values[MORPH_NEW_OPS_KEY] = len(new)
        epochs = self._child_epochs()
        if epochs is not None:
            values[_EPOCHS_KEY] = epochs
        return values

    def _child_epochs(self) -> int | None:
        if self.child_epochs is not None:
            return int(self.child_epochs)
        if self.max_epochs is not None:
            return max(1, int(self.max_epochs) // 2)
        return None

    def _best_child(
        self, history: History, children: list[tuple[dict[str, Any], dict[str, Any]]]
    ) -> dict[str, Any]:
        """The child with the highest upper confidence bound of the score."""
        trained = []
        for record in history.completed():
            try:
                trained.append((record, self._description(record.values)))
            except (MorphError, ValueError) as error:
                logger.warning("Trial %s left out of the GP: %s", record.trial_id, error)
        if not trained:
            return children[0][0]
        train = [d for _, d in trained]
        gain = np.array([-history.objective.sort_key(r.score) for r, _ in trained])
        gp = DistanceGP().fit(_distances(train, train), gain)
        mean, std = gp.predict(_distances([d for _, d in children], train))
        bound = mean + self.beta * std
        choice = int(np.argmax(bound))
        logger.debug("GP on %d trials, %d children: best bound %.4g (mean %.4g, std %.4g).",
                     len(trained), len(children), bound[choice], mean[choice], std[choice])
        return children[choice][0]

    def _model(self, values: dict[str, Any]) -> keras.Model:
        if self._build is None:
            raise RuntimeError("MorphismSearch has no builder; see bind_builder.")
        return self._build(dict(values))

    def _description(self, values: dict[str, Any]) -> dict[str, Any]:
        key = values_key(values)
        if key not in self._descriptions:
            self._descriptions[key] = describe(self._model(values))
        return self._descriptions[key]

    # ------------------------------------------------------------------ config
    def _check(self) -> None:
        for name, low in (("num_initial_points", 1), ("num_parents", 1),
                          ("children_per_parent", 1), ("max_ops", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} of MorphismSearch must be an int >= {low}. "
                                 f"Received: {name}={value!r}")
        for name in ("max_epochs", "child_epochs", "max_params"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(f"{name} of MorphismSearch must be None or an int >= 1. "
                                 f"Received: {name}={value!r}")
        if isinstance(self.beta, bool) or not isinstance(self.beta, (int, float)) or self.beta < 0:
            raise ValueError(f"beta of MorphismSearch must be a number >= 0. "
                             f"Received: beta={self.beta!r}")
        if self.op_kinds is not None:
            unknown = sorted(set(self.op_kinds) - set(_OP_KINDS))
            if unknown or not self.op_kinds:
                raise ValueError(f"op_kinds of MorphismSearch must be a non-empty list of "
                                 f"{list(_OP_KINDS)}. Received: op_kinds={self.op_kinds!r}")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-safe)."""
        return {
            "max_epochs": self.max_epochs,
            "child_epochs": self.child_epochs,
            "num_initial_points": self.num_initial_points,
            "initial_values": None if self.initial_values is None else [
                dict(v) for v in self.initial_values],
            "num_parents": self.num_parents,
            "children_per_parent": self.children_per_parent,
            "max_ops": self.max_ops,
            "beta": self.beta,
            "op_kinds": self.op_kinds,
            "max_params": self.max_params,
            "max_collisions": self.max_collisions,
        }


def _reseeded(op: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The op with a fresh seed where it has one (which units a `Wider` copies)."""
    if "seed" in op:
        op = {**op, "seed": int(rng.integers(2**31 - 1))}
    return op


def _distances(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[distance(x, y) for y in b] for x in a], dtype=float).reshape(len(a), len(b))
