"""A strategy for tests: it proposes a fixed list of candidates, then stops.

It lives in a module of its own so that a child process (trial isolation)
can import it by name.
"""

from __future__ import annotations

from easynas.search import Proposal, Strategy


class Scripted(Strategy):
    """Proposes `script`'s hyperparameter values in order, then stops."""

    def __init__(self, script=(), max_collisions=50):
        super().__init__(max_collisions)
        self.script = list(script)

    def propose(self, space, history, rng):
        if len(history) < len(self.script):
            return Proposal.run(self.script[len(history)])
        return Proposal.stop()
