"""Skip connections that start at zero: a residual add and a concatenation."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from easynas.morph import _layer_kinds as kinds
from easynas.morph._base import MorphOp
from easynas.morph._errors import MorphError
from easynas.morph._graph_edit import ModelGraph

__all__ = ["AddSkip", "ConcatSkip"]

_CONCAT_TARGETS = ("Dense", "Conv1D", "Conv2D")


@dataclasses.dataclass(frozen=True)
class AddSkip(MorphOp):
    """Add the output of an earlier layer to a later one, through a zero projection.

    The child computes `target_output + P(source_output)`, where `P` is a 1x1
    `Conv2D` (image tensors) or a `Dense` (others) from the source's channels to
    the target's, with zero kernel and bias; so the sum is the target's output
    until training moves `P`. The source must be an ancestor of the target, and
    the two outputs must agree in every axis but the channels.

    Args:
        source: Name of the earlier layer (the start of the skip).
        target: Name of the later layer; its consumers read the sum instead.

    Example:

    >>> import keras
    >>> x = keras.Input((4,), name="x")
    >>> a = keras.layers.Dense(3, activation="relu", name="a")(x)
    >>> b = keras.layers.Dense(5, activation="relu", name="b")(a)
    >>> model = keras.Model(x, keras.layers.Dense(1, name="out")(b))
    >>> AddSkip("a", "b").apply(model).get_layer("out").input.shape
    (None, 5)
    """

    source: str
    target: str

    kind = "add_skip"

    def __post_init__(self) -> None:
        for field in ("source", "target"):
            value = getattr(self, field)
            self._require(field, value, isinstance(value, str), "a layer name")

    def _check(self, graph: ModelGraph) -> tuple:
        if self.target in graph.output_names():
            raise MorphError(f"cannot add to {self.target!r}: its output is a model output")
        _check_pair(graph, self.source, self.target, f"add {self.source!r} to {self.target!r}")
        return graph.shape(self.target)

    def _edit(self, graph: ModelGraph, shape: tuple) -> None:
        consumers = graph.consumers(self.target)
        channels = int(shape[-1])
        base = f"{self.target}_skip"
        name = graph.unique_name(f"{base}_projection")
        if len(shape) == 4:
            projection = keras.layers.Conv2D(channels, 1, name=name)
        else:
            projection = keras.layers.Dense(channels, name=name)
        graph.add_layer(projection, self.source, after=self.target, shape=shape)
        source_channels = int(graph.shape(self.source)[-1])
        kernel = np.zeros((1, 1) * (len(shape) == 4) + (source_channels, channels), "float32")
        graph.set_weights(name, [kernel, np.zeros(channels, "float32")])
        add = graph.add_layer(keras.layers.Add(name=graph.unique_name(f"{base}_add")),
                              [self.target, name], after=name, shape=shape)
        for consumer in consumers:
            graph.reroute(consumer, self.target, add)

    @classmethod
    def candidates(cls, model: keras.Model) -> list[MorphOp]:
        """Every (source, target) pair of stage ends (non-linearities, merges, poolings).

        The target must not read the source directly, which would make a skip of
        length zero.
        """
        return _pairs(cls, ModelGraph(model), target_filter=lambda g, n: kinds.is_junction(g, n),
                      start=lambda g, n: n)


@dataclasses.dataclass(frozen=True)
class ConcatSkip(MorphOp):
    """Feed an earlier layer's output into a later linear layer, with zero weights.

    The input of `target` (a Dense, Conv1D or Conv2D) becomes the concatenation
    of its old input and the output of `source`, along the channels; the kernel
    rows for the new channels are zero, so the output is unchanged until
    training moves them. The source must be an ancestor of the target's input,
    and agree with it in every axis but the channels.

    Args:
        source: Name of the earlier layer.
        target: Name of the Dense or convolution layer whose input grows.
    """

    source: str
    target: str

    kind = "concat_skip"

    def __post_init__(self) -> None:
        for field in ("source", "target"):
            value = getattr(self, field)
            self._require(field, value, isinstance(value, str), "a layer name")

    def _check(self, graph: ModelGraph) -> str:
        where = f"concatenate {self.source!r} into {self.target!r}"
        graph.check_position(self.target, "feed a skip into")
        cls = graph.class_name(self.target)
        if cls not in _CONCAT_TARGETS or graph.layer_config(self.target).get("groups", 1) != 1:
            raise MorphError(f"cannot {where}: the target is a {cls}; it must be one of "
                             f"{list(_CONCAT_TARGETS)}")
        if graph.layer_config(self.target).get("lora_rank"):
            raise MorphError(f"cannot {where}: the target is a LoRA layer")
        (producer,) = graph.inputs_of(self.target)
        _check_pair(graph, self.source, producer, where)
        return producer

    def _edit(self, graph: ModelGraph, producer: str) -> None:
        shape = graph.shape(producer)
        extra = int(graph.shape(self.source)[-1])
        concat = keras.layers.Concatenate(axis=-1,
                                          name=graph.unique_name(f"{self.target}_skip_concat"))
        name = graph.add_layer(concat, [producer, self.source], after=producer,
                               shape=(*shape[:-1], int(shape[-1]) + extra))
        graph.reroute(self.target, producer, name)
        kernel, *rest = graph.weights(self.target)
        zeros = np.zeros((*kernel.shape[:-2], extra, kernel.shape[-1]), kernel.dtype)
        graph.set_weights(self.target, [np.concatenate([kernel, zeros], axis=-2), *rest])

    @classmethod
    def candidates(cls, model: keras.Model) -> list[MorphOp]:
        """Every (stage end, linear layer) pair where the stage end precedes the layer's input.

        The source must not be the layer's input itself.
        """
        def start(graph: ModelGraph, name: str) -> str:
            return graph.inputs_of(name)[0]

        return _pairs(cls, ModelGraph(model),
                      target_filter=lambda g, n: g.class_name(n) in _CONCAT_TARGETS,
                      start=start)


def _check_pair(graph: ModelGraph, source: str, later: str, where: str) -> None:
    """Raise MorphError unless `source` precedes `later` and their shapes fit a skip."""
    graph.check_position(source, "start a skip at")
    graph.check_position(later, "end a skip at")
    if source not in graph.ancestors(later):
        raise MorphError(f"cannot {where}: {source!r} does not come before {later!r}")
    for name in (source, later):
        if not kinds.is_float(graph, name):
            raise MorphError(f"cannot {where}: {name!r} gives {graph.dtype(name)}, not float")
    a, b = graph.shape(source), graph.shape(later)
    if len(a) != len(b) or len(a) not in (2, 3, 4) or a[-1] is None or b[-1] is None:
        raise MorphError(f"cannot {where}: shapes {a} and {b} are not both (batch, "
                         "[steps | height, width,] known channels) of one rank")
    if a[1:-1] != b[1:-1] or None in a[1:-1]:
        raise MorphError(f"cannot {where}: shapes {a} and {b} differ (or are unknown) "
                         "outside the channels")
    if len(a) == 4 and not all(kinds.is_channels_last(graph, n) for n in (source, later)):
        raise MorphError(f"cannot {where}: not in channels_last format")


def _pairs(cls, graph: ModelGraph, target_filter, start) -> list[MorphOp]:
    """Ops `cls(source, target)` that apply, for targets passing `target_filter`.

    `start(graph, target)` names the tensor the skip joins (the target itself for
    an add, its input for a concatenation); sources are stage ends before it.
    """
    found: list[MorphOp] = []
    for target in graph.names():
        if graph.class_name(target) == "InputLayer" or not target_filter(graph, target):
            continue
        try:
            later = start(graph, target)
        except (ValueError, IndexError):
            continue
        direct = set(graph.inputs_of(later)) | {later}
        earlier = graph.ancestors(later)
        for source in graph.names():
            if source in direct or source not in earlier or not kinds.is_junction(graph, source):
                continue
            op = cls(source, target)
            try:
                op._check(graph)
            except MorphError:
                continue
            found.append(op)
    return found
