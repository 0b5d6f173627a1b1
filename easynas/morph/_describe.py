"""An architecture as data (its layer sequence and skip structure) and a distance between two.

`describe(model)` reads a functional model into a JSON-safe dict; `distance(a, b)`
compares two such dicts the way Auto-Keras (Jin et al., arXiv 1806.10282) does in
spirit: an edit distance between the layer sequences, where changing a layer's
width costs the relative change and changing its kind costs 1, plus the cost of
the best matching between the two sets of skip connections. It is 0 for equal
descriptions, symmetric, and grows with every inserted layer, widened layer and
added skip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from easynas.morph._graph_edit import ModelGraph

__all__ = ["describe", "distance"]

_WIDTH_KEYS = ("units", "filters")


def describe(model: keras.Model) -> dict[str, Any]:
    """The architecture of a functional model as data.

    Args:
        model: A functional `keras.Model` (trained or not; weights are not read).

    Returns:
        `{"layers": [{"name", "kind", "width"}, ...], "skips": [{"source",
        "target", "kind"}, ...], "params": int}`: the layers (input layers left
        out) in topological order, with their class name and their units or
        filters (None for layers without); a skip is every edge into a layer
        from one that is not the layer just before it, as indices into
        `layers`, with the receiving layer's class name as its kind.

    Raises:
        MorphError: If `model` is not a functional model.
    """
    graph = ModelGraph(model)
    names = [n for n in graph.names() if graph.class_name(n) != "InputLayer"]
    index = {name: i for i, name in enumerate(names)}
    layers = []
    for name in names:
        config = graph.layer_config(name)
        width = next((config[k] for k in _WIDTH_KEYS if isinstance(config.get(k), int)), None)
        layers.append({"name": name, "kind": graph.class_name(name), "width": width})
    skips = []
    for target, name in enumerate(names):
        for source in graph.inputs_of(name):
            if source in index and index[source] != target - 1:
                skips.append({"source": index[source], "target": target,
                              "kind": graph.class_name(name)})
    return {"layers": layers, "skips": skips, "params": int(model.count_params())}


def distance(a: Mapping[str, Any], b: Mapping[str, Any], skip_weight: float = 1.0) -> float:
    """The distance between two architecture descriptions (see `describe`).

    Args:
        a: A description.
        b: Another description.
        skip_weight: Weight of the skip-structure term.

    Returns:
        `layer_edit_distance + skip_weight * skip_matching_distance`, >= 0.
    """
    layers = _edit_distance(a["layers"], b["layers"])
    return float(layers + skip_weight * _skip_distance(a, b))


def _substitution(x: Mapping[str, Any], y: Mapping[str, Any]) -> float:
    """0 for the same layer, the relative width change for a resized one, 1 otherwise."""
    if x["kind"] != y["kind"]:
        return 1.0
    wx, wy = x.get("width"), y.get("width")
    if wx is None or wy is None or max(wx, wy) == 0:
        return 0.0 if wx == wy else 1.0
    return abs(wx - wy) / max(wx, wy)


def _edit_distance(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> float:
    """Levenshtein distance between layer sequences: insert or delete 1, substitute <= 1."""
    previous = np.arange(len(b) + 1, dtype=float)
    for i, x in enumerate(a, start=1):
        current = np.empty_like(previous)
        current[0] = i
        for j, y in enumerate(b, start=1):
            current[j] = min(previous[j] + 1.0, current[j - 1] + 1.0,
                             previous[j - 1] + _substitution(x, y))
        previous = current
    return float(previous[-1])


def _skip_distance(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """The cheapest matching of the two skip sets.

    A matched pair costs the shift of its ends (as fractions of the network's
    depth) plus 1 if the kinds differ, at most 2; an unmatched skip costs 1.
    """
    from scipy.optimize import linear_sum_assignment

    sa, sb = list(a["skips"]), list(b["skips"])
    if not sa or not sb:
        return float(len(sa) + len(sb))
    na, nb = max(len(a["layers"]), 1), max(len(b["layers"]), 1)
    size = len(sa) + len(sb)
    cost = np.ones((size, size))  # matching to a dummy leaves a skip unmatched: 1
    cost[len(sa):, len(sb):] = 0.0
    for i, x in enumerate(sa):
        for j, y in enumerate(sb):
            shift = (abs(x["source"] / na - y["source"] / nb)
                     + abs(x["target"] / na - y["target"] / nb))
            cost[i, j] = min(2.0, shift + (x["kind"] != y["kind"]))
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].sum())
