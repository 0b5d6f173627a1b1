"""Wider: add units to a Dense or convolution layer by copying existing ones (Net2WiderNet)."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from easynas.morph._base import MorphOp
from easynas.morph._channel_plan import ChannelPlan, check_source, plan_widening
from easynas.morph._errors import MorphError
from easynas.morph._graph_edit import ModelGraph

__all__ = ["Wider"]


@dataclasses.dataclass(frozen=True)
class Wider(MorphOp):
    """Add `units` units (or filters) to `layer`, each a copy of a random existing one.

    A copied unit gets the same incoming weights and bias as its original, so it
    computes the same value; every layer reading these channels linearly (Dense,
    Conv1D, Conv2D, SeparableConv2D) splits the outgoing weights of an original
    among its copies so that they sum to the old weight, and the sum it computes
    is unchanged. In between, channel-wise layers (activations, dropout, pooling)
    pass the copies along, BatchNormalization and DepthwiseConv2D copy their
    per-channel weights, and Flatten and Concatenate place the copies on their
    own output axis. Where an Add (or another merge) meets a branch that is not
    widened, the layer producing that branch is widened with the same copies, so
    residual streams widen as a whole. The op refuses where widened channels
    would reach a model output or a layer that mixes channels in another way
    (LayerNormalization, Softmax, Reshape, attention, ...).

    Net2Net splits outgoing weights evenly; but copies with equal outgoing weights
    also get equal gradients and stay copies for ever. So, by default, each
    share is jittered by up to `split_noise` (relative) before the shares of an
    original are normalised to sum to one: still exact, and the copies diverge.

    Args:
        layer: Name of a Dense, Conv1D, Conv2D or SeparableConv2D layer.
        units: How many units or filters to add; >= 1.
        seed: Seed for choosing the copied units and the jitter.
        split_noise: Relative jitter of the outgoing-weight shares, in [0, 1).
            0 gives Net2Net's even split.

    Example:

    >>> import keras
    >>> x = keras.Input((4,), name="x")
    >>> h = keras.layers.Dense(3, activation="relu", name="d")(x)
    >>> model = keras.Model(x, keras.layers.Dense(1, name="out")(h))
    >>> Wider("d", units=2).apply(model).get_layer("d").units
    5
    """

    layer: str
    units: int = 1
    seed: int = 0
    split_noise: float = 0.1

    kind = "wider"

    def __post_init__(self) -> None:
        self._require("layer", self.layer, isinstance(self.layer, str), "a layer name")
        self._require("units", self.units, _is_int(self.units) and self.units >= 1,
                      "an int in the range [1, inf)")
        self._require("seed", self.seed, _is_int(self.seed) and self.seed >= 0,
                      "an int in the range [0, inf)")
        self._require("split_noise", self.split_noise,
                      isinstance(self.split_noise, (int, float))
                      and not isinstance(self.split_noise, bool)
                      and 0 <= self.split_noise < 1, "a float in the range [0, 1)")

    def _check(self, graph: ModelGraph) -> ChannelPlan:
        check_source(graph, self.layer)
        width = graph.shape(self.layer)[-1]
        if width is None:
            raise MorphError(f"cannot widen {self.layer!r}: its width is unknown")
        rng = np.random.default_rng(self.seed)
        copies = rng.integers(0, int(width), size=self.units)
        src = np.concatenate([np.arange(int(width)), copies])
        return plan_widening(graph, self.layer, src)

    def _edit(self, graph: ModelGraph, plan: ChannelPlan) -> None:
        # The jitter draws come after the copy choices, in layer order: repeatable.
        rng = np.random.default_rng([self.seed, 1])
        for name in graph.names():
            if name in plan.sources or name in plan.mixers:
                weights = _mixer_weights(graph, name, plan, rng, self.split_noise)
                graph.set_weights(name, weights)
                if name in plan.sources:
                    key = "units" if graph.class_name(name) == "Dense" else "filters"
                    graph.layer_config(name)[key] = int(len(plan.sources[name]))
            elif name in plan.channelwise:
                src = plan.channelwise[name]
                weights = graph.weights(name)
                if graph.class_name(name) == "DepthwiseConv2D":
                    kernel, *bias = weights
                    multiplier = kernel.shape[-1]
                    out = (src[:, None] * multiplier + np.arange(multiplier)).ravel()
                    weights = [np.take(kernel, src, axis=-2), *(np.take(b, out) for b in bias)]
                else:
                    weights = [np.take(w, src, axis=0) for w in weights]
                graph.set_weights(name, weights)

    @classmethod
    def candidates(cls, model: keras.Model, units: int | None = None) -> list[MorphOp]:
        """Every layer that can be widened.

        Args:
            model: A functional `keras.Model`.
            units: Units to add; None doubles each layer.
        """
        graph = ModelGraph(model)
        found: list[MorphOp] = []
        for name in graph.names():
            try:
                check_source(graph, name)
                op = cls(name, units=units or int(graph.shape(name)[-1]))
                op._check(graph)
            except MorphError:
                continue
            found.append(op)
        return found


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _shares(src: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Per new row, its share of the old row it copies; the shares of a row sum to 1."""
    raw = 1.0 + noise * rng.uniform(-1.0, 1.0, size=len(src)) if noise else np.ones(len(src))
    totals = np.bincount(src, weights=raw)
    return (raw / totals[src]).astype("float32")


def _mixer_weights(graph: ModelGraph, name: str, plan: ChannelPlan,
                   rng: np.random.Generator, noise: float) -> list[np.ndarray]:
    """The layer's weights with its input rows split and its output units copied."""
    weights = graph.weights(name)
    separable = graph.class_name(name) == "SeparableConv2D"
    kernel_count = 2 if separable else 1
    kernels, bias = weights[:kernel_count], weights[kernel_count:]
    src_in = plan.mixers.get(name)
    if src_in is not None:
        if separable:
            depthwise, pointwise = kernels
            multiplier = depthwise.shape[-1]
            rows = (src_in[:, None] * multiplier + np.arange(multiplier)).ravel()
            kernels = [np.take(depthwise, src_in, axis=-2),
                       np.take(pointwise, rows, axis=-2) * _shares(rows, rng, noise)[:, None]]
        else:
            (kernel,) = kernels
            kernels = [np.take(kernel, src_in, axis=-2) * _shares(src_in, rng, noise)[:, None]]
    src_out = plan.sources.get(name)
    if src_out is not None:
        kernels[-1] = np.take(kernels[-1], src_out, axis=-1)
        bias = [np.take(b, src_out) for b in bias]
    return [*kernels, *bias]
