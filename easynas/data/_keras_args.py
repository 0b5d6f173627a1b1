"""Shaping per-input and per-head arrays the way Keras' `fit` takes them."""

from __future__ import annotations

from typing import Any

__all__ = ["one_or_list", "per_head"]


def one_or_list(parts: list[Any]) -> Any:
    """A single array as itself, several as the list Keras takes (one per input or head)."""
    return parts[0] if len(parts) == 1 else parts


def per_head(weights: Any, heads: int) -> Any:
    """Sample weights for every head: Keras wants one array per output (None stays None)."""
    return weights if weights is None or heads == 1 else [weights] * heads
