"""The error a morph raises when it cannot apply where it was asked to."""

from __future__ import annotations

__all__ = ["MorphError"]


class MorphError(ValueError):
    """A morph op cannot be applied to this model at this position.

    The message says which layer and why, e.g. "cannot widen 'dense': its output
    is a model output".
    """
