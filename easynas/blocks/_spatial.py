"""Shape helpers shared by the vision blocks."""

from __future__ import annotations

from typing import Any


def spatial_size(tensor: Any) -> tuple[int, int]:
    """Height and width of a 4-D (batch, H, W, C) Keras tensor."""
    return int(tensor.shape[1]), int(tensor.shape[2])


def can_halve(tensor: Any) -> bool:
    """Whether a 2x2 downsampling still leaves at least 1x1 pixels."""
    height, width = spatial_size(tensor)
    return height >= 2 and width >= 2
