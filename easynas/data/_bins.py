"""Bin edges of a numeric column for piecewise-linear encoding.

Edges are quantiles of the training values (Gorishniy et al. 2022, "On
Embeddings for Numerical Features in Tabular Deep Learning"), in the
standardised units the model already computes, so one fixed affine map and a
clip turn the standardised value into one feature per bin.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_BINS", "quantile_edges"]

# Bins per numeric column at most.
MAX_BINS = 16
# Edges closer than this (in standard deviations) are merged: a narrower bin
# would only encode float noise.
_MIN_GAP = 1e-6


def quantile_edges(values: np.ndarray, mean: float, variance: float,
                   max_bins: int = MAX_BINS) -> tuple[float, ...]:
    """Increasing edges `b_0 < ... < b_T` (T <= `max_bins`) of quantile bins of `values`,
    standardised as `(b - mean) / sqrt(variance)`.

    The first edge is the minimum and the last the maximum. A value that alone
    holds more than `1 / max_bins` of the rows (a point mass, such as the zeros
    of a mostly-zero column) would swallow several quantile bins; it becomes an
    edge of its own and the other edges are quantiles of the remaining values,
    so the rare values still get their `max_bins - 1` bins. Repeated edges are
    merged: a column with few distinct values gets fewer bins, a constant
    column none (an empty tuple).

    Args:
        values: The column's non-missing training values.
        mean, variance: The column's standardisation (`variance` > 0).
        max_bins: The most bins to make.
    """
    values = np.asarray(values, dtype="float64")
    if values.size == 0:
        return ()
    distinct, counts = np.unique(values, return_counts=True)
    if len(distinct) < 2:
        return ()
    top = int(np.argmax(counts))
    if counts[top] * max_bins > len(values):
        rest = values[values != distinct[top]]
        raw = np.append(np.quantile(rest, np.linspace(0.0, 1.0, max_bins)), distinct[top])
    else:
        raw = np.quantile(values, np.linspace(0.0, 1.0, max_bins + 1))
    scaled = (np.unique(raw) - mean) / np.sqrt(variance)
    edges = [float(scaled[0])]
    for edge in scaled[1:]:
        if edge - edges[-1] > _MIN_GAP:
            edges.append(float(edge))
    return tuple(edges) if len(edges) > 1 else ()
