"""Random search: uniform samples from the space, never the same one twice."""

from __future__ import annotations

from easynas.search._space import sample
from easynas.search._strategy import History, Proposal, Strategy, values_key

__all__ = ["RandomSearch"]


class RandomSearch(Strategy):
    """Draw each candidate uniformly at random from the space.

    Stops when `max_collisions` draws in a row were all tried already (the
    space is, for practical purposes, exhausted).

    Args:
        max_collisions: See `Strategy`.
    """

    name = "random"

    def propose(self, space, history: History, rng) -> Proposal:
        tried = history.tried()
        for _ in range(self.max_collisions):
            values = sample(space, rng)
            if values_key(values) not in tried:
                return Proposal.run(values)
        return Proposal.stop()
