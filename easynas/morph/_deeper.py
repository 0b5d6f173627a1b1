"""Deeper: insert an identity-initialised layer (Net2DeeperNet)."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from easynas.morph import _layer_kinds as kinds
from easynas.morph._base import MorphOp
from easynas.morph._errors import MorphError
from easynas.morph._graph_edit import ModelGraph

__all__ = ["Deeper"]


@dataclasses.dataclass(frozen=True)
class Deeper(MorphOp):
    """Insert an identity layer after `after`, followed by a ReLU by default.

    On a channels-last image tensor (rank 4) the new layer is a `Conv2D` with
    'same' padding whose kernel is the identity at its centre tap; on a rank 2
    or 3 tensor it is a `Dense` with an identity kernel; biases are zero. So the
    new layer passes its input through unchanged, and `ReLU(x) = x` for `x >= 0`
    keeps that exact where the output of `after` is known to be non-negative: a
    ReLU, a relu/sigmoid/softmax activation, or pooling, dropout, flatten, add
    or concatenate of such tensors. Elsewhere the op refuses, unless `relu` is
    False (a purely linear identity layer, exact anywhere on a float tensor).

    Args:
        after: Name of the layer whose output gets the new layer. It must have
            one float output that is not a model output, and be called once.
        kernel_size: Kernel size of an inserted `Conv2D`; odd.
        relu: Follow the new layer with a ReLU.

    Example:

    >>> import keras
    >>> x = keras.Input((4,), name="x")
    >>> h = keras.layers.Dense(3, activation="relu", name="d")(x)
    >>> model = keras.Model(x, keras.layers.Dense(1, name="out")(h))
    >>> [layer.name for layer in Deeper("d").apply(model).layers]
    ['x', 'd', 'd_deeper', 'd_deeper_relu', 'out']
    """

    after: str
    kernel_size: int = 3
    relu: bool = True

    kind = "deeper"

    def __post_init__(self) -> None:
        self._require("after", self.after, isinstance(self.after, str), "a layer name")
        self._require("kernel_size", self.kernel_size,
                      isinstance(self.kernel_size, int) and self.kernel_size % 2 == 1
                      and self.kernel_size > 0, "an odd positive int")
        self._require("relu", self.relu, isinstance(self.relu, bool), "a bool")

    def _check(self, graph: ModelGraph) -> tuple:
        where = f"insert a layer after {self.after!r}"
        graph.check_position(self.after, "insert a layer after")
        if self.after in graph.output_names():
            raise MorphError(f"cannot {where}: its output is a model output")
        shape = graph.shape(self.after)
        if not kinds.is_float(graph, self.after):
            raise MorphError(f"cannot {where}: its output is {graph.dtype(self.after)}, "
                             "not float")
        if len(shape) not in (2, 3, 4) or shape[-1] is None:
            raise MorphError(f"cannot {where}: its output shape {shape} is not (batch, "
                             "[steps | height, width,] known channels)")
        if len(shape) == 4 and not all(
            kinds.is_channels_last(graph, name) for name in (self.after, *graph.consumers(
                self.after))
        ):
            raise MorphError(f"cannot {where}: it is not in channels_last format")
        if self.relu and not kinds.is_nonnegative(graph, self.after):
            raise MorphError(
                f"cannot {where} with a ReLU: its output ({graph.class_name(self.after)}) "
                "may be negative, and a ReLU would clip it; relu=False inserts a linear "
                "identity layer"
            )
        return shape

    def _edit(self, graph: ModelGraph, shape: tuple) -> None:
        channels = int(shape[-1])
        consumers = graph.consumers(self.after)
        name = graph.unique_name(f"{self.after}_deeper")
        if len(shape) == 4:
            layer = keras.layers.Conv2D(channels, self.kernel_size, padding="same", name=name)
            kernel = np.zeros((self.kernel_size, self.kernel_size, channels, channels),
                              dtype="float32")
            centre = self.kernel_size // 2
            kernel[centre, centre] = np.eye(channels, dtype="float32")
        else:
            layer = keras.layers.Dense(channels, name=name)
            kernel = np.eye(channels, dtype="float32")
        last = graph.add_layer(layer, self.after, after=self.after, shape=shape)
        graph.set_weights(last, [kernel, np.zeros(channels, dtype="float32")])
        if self.relu:
            relu = keras.layers.ReLU(name=graph.unique_name(f"{name}_relu"))
            last = graph.add_layer(relu, last, after=last, shape=shape)
        for consumer in consumers:
            graph.reroute(consumer, self.after, last)

    @classmethod
    def candidates(cls, model: keras.Model) -> list[MorphOp]:
        """Every layer after which an identity layer plus ReLU can go.

        Positions right after a Dropout are skipped: the same place, before the
        Dropout, is listed already.
        """
        graph = ModelGraph(model)
        found: list[MorphOp] = []
        for name in graph.names():
            if graph.class_name(name) in ("InputLayer", "Dropout", "SpatialDropout2D"):
                continue
            op = cls(name)
            try:
                op._check(graph)
            except MorphError:
                continue
            found.append(op)
        return found
