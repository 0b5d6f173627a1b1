"""A PNG of the trade-off a search found: every trial, its Pareto front joined up."""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = ["plot_front"]


def plot_front(
    points: Sequence[tuple[str, float, float]],
    front: Sequence[str],
    path: str,
    *,
    x_label: str,
    y_label: str,
    title: str = "",
    log_x: bool = False,
) -> str:
    """Write a scatter plot of trials with their Pareto front as a PNG.

    Args:
        points: `(trial_id, x, y)` for every trial to show.
        front: The ids of the front's trials (drawn larger, joined in order of x,
            and labelled with their ids).
        path: The PNG file to write (its folder must exist).
        x_label: Label of the x axis (a cost, e.g. "batch-1 latency (ms)").
        y_label: Label of the y axis (the metric, e.g. "val_accuracy").
        title: Title above the plot.
        log_x: Draw x on a log scale (for parameter counts and FLOPs).

    Returns:
        `path`.

    Raises:
        ImportError: Without matplotlib (`pip install 'easynas[plot]'`).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "Plotting the Pareto front needs matplotlib, which is not installed: "
            "pip install 'easynas[plot]' (or pip install matplotlib)"
        ) from None
    members = set(front)
    figure = Figure(figsize=(6.4, 4.4), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    others = [(x, y) for trial_id, x, y in points if trial_id not in members]
    if others:
        axes.scatter(*zip(*others), s=18, color="0.65", label="other trials")
    on_front = sorted((x, y, trial_id) for trial_id, x, y in points if trial_id in members)
    if on_front:
        xs, ys, ids = zip(*on_front)
        axes.plot(xs, ys, "-o", color="tab:blue", markersize=6, drawstyle="steps-post",
                  label="Pareto front")
        for x, y, trial_id in on_front:
            axes.annotate(trial_id, (x, y), textcoords="offset points", xytext=(4, 4),
                          fontsize=7)
    if log_x:
        axes.set_xscale("log")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    if title:
        axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=8)
    figure.tight_layout()
    figure.savefig(os.fspath(path), format="png")
    return os.fspath(path)
