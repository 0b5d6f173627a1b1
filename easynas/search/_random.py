"""Random search: uniform samples from the space, never the same one twice."""

from __future__ import annotations

from easynas.search._space import sample
from easynas.search._strategy import History, Proposal, Strategy

__all__ = ["RandomSearch"]


class RandomSearch(Strategy):
    """Draw each candidate uniformly at random from the space.

    Stops when `max_collisions` draws in a row were all tried already (the
    space is, for practical purposes, exhausted). Every proposal is screened
    when a screener is bound (see `Strategy.explore`).

    Args:
        max_collisions: See `Strategy`.
    """

    name = "random"
    screens = True

    def propose(self, space, history: History, rng) -> Proposal:
        values = self.explore(space, history.tried(), rng, lambda r: sample(space, r))
        return Proposal.stop() if values is None else Proposal.run(values)
