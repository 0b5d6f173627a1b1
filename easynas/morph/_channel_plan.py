"""Which layers a widening touches, and how each widened channel maps to an old one.

A widened tensor is described by `src`: for each of its new channels, the index
of the old channel it copies (old channels first, in order, then the copies).
The plan follows `src` forward from the widened layer through every layer that
consumes those channels: channel-wise layers pass it on (BatchNormalization and
DepthwiseConv2D copy their per-channel weights), Flatten and Concatenate map it
to their own output axis, and linear layers (Dense, Conv) absorb it by splitting
each old input row among its copies. Where a merge (Add, ...) meets a branch
that was not widened, that branch's producing linear layer is widened the same
way and the walk starts over, so a residual stream is widened all along.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from easynas.morph import _layer_kinds as kinds
from easynas.morph._errors import MorphError
from easynas.morph._graph_edit import ModelGraph

__all__ = ["ChannelPlan", "plan_widening"]


@dataclasses.dataclass
class ChannelPlan:
    """The layers a widening changes.

    Attributes:
        sources: Layer -> `src` of its widened output channels.
        mixers: Layer -> `src` of its widened input channels.
        channelwise: Layer with per-channel weights -> `src` of its input.
    """

    sources: dict[str, np.ndarray]
    mixers: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    channelwise: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


class _Tie(Exception):
    """A merge layer needs `branches` widened with `src` too."""

    def __init__(self, merge: str, branches: list[str], src: np.ndarray) -> None:
        super().__init__(merge)
        self.merge, self.branches, self.src = merge, branches, src


def check_source(graph: ModelGraph, name: str) -> None:
    """Raise MorphError unless the layer's outputs can be widened by copying units."""
    graph.check_position(name, "widen")
    cls = graph.class_name(name)
    if cls not in kinds.MIXERS:
        raise MorphError(f"cannot widen {name!r}: it is a {cls}; only "
                         f"{sorted(kinds.MIXERS)} layers can be widened")
    config = graph.layer_config(name)
    if config.get("groups", 1) != 1 or not kinds.is_channels_last(graph, name):
        raise MorphError(f"cannot widen {name!r}: grouped or channels_first convolution")
    if kinds.activation(graph, name) not in kinds.ELEMENTWISE_ACTIVATIONS:
        raise MorphError(f"cannot widen {name!r}: its activation "
                         f"{config.get('activation')!r} is not applied unit by unit")
    if config.get("lora_rank") or config.get("quantization_config"):
        raise MorphError(f"cannot widen {name!r}: LoRA or quantized layer")


def plan_widening(graph: ModelGraph, name: str, src: np.ndarray) -> ChannelPlan:
    """Plan widening `name`'s output channels to `src`.

    Raises:
        MorphError: If some layer reached by the widened channels cannot take
            them while keeping the model's function.
    """
    check_source(graph, name)
    sources = {name: src}
    while True:
        try:
            return _propagate(graph, sources)
        except _Tie as caught:
            tie = caught
        added = False
        for branch in tie.branches:
            for source in _branch_sources(graph, branch, tie.merge):
                if source in sources:
                    if not np.array_equal(sources[source], tie.src):
                        raise MorphError(f"cannot widen {name!r}: {tie.merge!r} would need "
                                         f"{source!r} widened in two different ways")
                    continue
                check_source(graph, source)
                sources[source] = tie.src
                added = True
        if not added:
            raise MorphError(f"cannot widen {name!r}: {tie.merge!r} merges branches "
                             "that cannot be widened alike")


def _branch_sources(graph: ModelGraph, name: str, merge: str) -> list[str]:
    """The linear layers whose widening widens the branch ending at `name`."""
    cls = graph.class_name(name)
    if cls in kinds.MIXERS:
        return [name]
    if kinds.is_channelwise(graph, name) or cls == "BatchNormalization":
        return _branch_sources(graph, graph.inputs_of(name)[0], merge)
    if cls in kinds.MERGES:
        return [s for i in graph.inputs_of(name) for s in _branch_sources(graph, i, merge)]
    raise MorphError(f"cannot widen through {merge!r}: its input from {name!r} ({cls}) "
                     "cannot be widened to match")


def _propagate(graph: ModelGraph, sources: dict[str, np.ndarray]) -> ChannelPlan:
    plan = ChannelPlan(sources=dict(sources))
    out: dict[str, np.ndarray] = {}
    outputs = set(graph.output_names())
    for name in graph.names():
        inputs = graph.inputs_of(name)
        in_srcs = [out.get(i) for i in inputs]
        if name not in sources and all(s is None for s in in_srcs):
            continue
        graph.check_position(name, "widen through")
        result = _through(graph, name, inputs, in_srcs, plan)
        if result is not None:
            if name in outputs:
                raise MorphError(f"cannot widen {next(iter(sources))!r}: the widened channels "
                                 f"reach model output {name!r}, whose shape would change")
            out[name] = result
    return plan


def _through(graph: ModelGraph, name: str, inputs: list[str], in_srcs: list,
             plan: ChannelPlan) -> np.ndarray | None:
    """The `src` of the layer's output, recording what the layer must change."""
    cls = graph.class_name(name)
    if cls in kinds.MIXERS:
        if in_srcs and in_srcs[0] is not None:
            plan.mixers[name] = in_srcs[0]
        return plan.sources.get(name)
    (src,) = in_srcs if len(in_srcs) == 1 else (None,)
    if kinds.is_channelwise(graph, name):
        return src
    if cls == "BatchNormalization" and graph.layer_config(name).get("axis") in (
            -1, [-1], len(graph.shape(name)) - 1, [len(graph.shape(name)) - 1]):
        plan.channelwise[name] = src
        return src
    if cls == "DepthwiseConv2D" and kinds.is_channels_last(graph, name) and (
            kinds.activation(graph, name) in kinds.ELEMENTWISE_ACTIVATIONS):
        plan.channelwise[name] = src
        multiplier = int(graph.layer_config(name).get("depth_multiplier", 1))
        return (src[:, None] * multiplier + np.arange(multiplier)).ravel()
    if cls == "Flatten" and kinds.is_channels_last(graph, name):
        shape = graph.input_shape(name)
        positions = int(np.prod(shape[1:-1])) if len(shape) > 2 else 1
        return (np.arange(positions)[:, None] * shape[-1] + src[None, :]).ravel()
    if cls == "Concatenate" and graph.layer_config(name).get("axis") in (
            -1, len(graph.shape(name)) - 1):
        parts, offset = [], 0
        for producer, part in zip(inputs, in_srcs):
            width = int(graph.shape(producer)[-1])
            parts.append((np.arange(width) if part is None else part) + offset)
            offset += width
        return np.concatenate(parts)
    if cls in kinds.MERGES:
        known = [s for s in in_srcs if s is not None]
        if any(not np.array_equal(s, known[0]) for s in known):
            raise MorphError(f"cannot widen through {name!r}: its inputs are widened "
                             "differently")
        missing = [i for i, s in zip(inputs, in_srcs) if s is None]
        if missing:
            raise _Tie(name, missing, known[0])
        return known[0]
    raise MorphError(f"cannot widen through {name!r}: a {cls} layer takes the widened "
                     "channels, and copying channels through it does not keep the function")
