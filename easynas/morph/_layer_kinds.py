"""What the morphs need to know about stock Keras layers, read from their configs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from easynas.morph._graph_edit import ModelGraph

__all__ = [
    "MERGES",
    "MIXERS",
    "activation",
    "is_channelwise",
    "is_channels_last",
    "is_float",
    "is_junction",
    "is_nonnegative",
]

# Activations applied to each value on its own, so copying a channel copies its output.
ELEMENTWISE_ACTIVATIONS = frozenset({
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
    "sigmoid", "hard_sigmoid", "hard_silu", "hard_swish", "tanh", "softplus", "softsign",
    "exponential", "mish", "celu",
})
NONNEGATIVE_ACTIVATIONS = frozenset({
    "relu", "relu6", "sigmoid", "hard_sigmoid", "softplus", "exponential", "softmax",
})
# Layers that act on each channel separately and hold no weights.
_CHANNELWISE = frozenset({
    "ReLU", "LeakyReLU", "ELU", "Identity", "ActivityRegularization",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "UpSampling1D", "UpSampling2D",
})
# Layers whose output is non-negative wherever all their inputs are.
_KEEPS_NONNEGATIVE = frozenset({
    "Identity", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout",
    "AlphaDropout", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "UpSampling1D", "UpSampling2D", "Flatten", "Reshape", "Concatenate", "Add",
    "Maximum", "Average",
})
# Layers mixing all input channels linearly: a wider input means more kernel rows.
MIXERS = frozenset({"Dense", "Conv1D", "Conv2D", "SeparableConv2D"})
# Layers combining equally shaped inputs value by value.
MERGES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
_WITH_ACTIVATION = frozenset({
    "Dense", "Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Activation",
})
_POOLS = frozenset({"MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"})


def activation(graph: ModelGraph, name: str) -> str | None:
    """The layer's activation name, or None when it has none or it is not a string."""
    value = graph.layer_config(name).get("activation")
    return value if isinstance(value, str) else None


def is_float(graph: ModelGraph, name: str) -> bool:
    """Whether the layer's output is a floating-point tensor."""
    return "float" in graph.dtype(name)


def is_channels_last(graph: ModelGraph, name: str) -> bool:
    """Whether the layer keeps channels on the last axis (the Keras default)."""
    return graph.layer_config(name).get("data_format") in (None, "channels_last")


def is_channelwise(graph: ModelGraph, name: str) -> bool:
    """Whether the layer treats every channel alike and apart, with no weights."""
    cls = graph.class_name(name)
    config = graph.layer_config(name)
    if not is_channels_last(graph, name):
        return False
    if cls in _CHANNELWISE:
        return True
    if cls == "Activation":
        return activation(graph, name) in ELEMENTWISE_ACTIVATIONS
    if cls == "Rescaling":
        return all(isinstance(config.get(k), (int, float)) for k in ("scale", "offset"))
    return False


def is_nonnegative(graph: ModelGraph, name: str) -> bool:
    """Whether the layer's output is >= 0 for every input, in inference mode."""
    cls = graph.class_name(name)
    config = graph.layer_config(name)
    if cls == "ReLU":
        return config.get("negative_slope", 0.0) == 0.0 and config.get("threshold", 0.0) >= 0
    if cls == "Softmax":
        return True
    if cls in _WITH_ACTIVATION:
        return activation(graph, name) in NONNEGATIVE_ACTIVATIONS
    if cls in _KEEPS_NONNEGATIVE:
        inputs = graph.inputs_of(name)
        return bool(inputs) and all(is_nonnegative(graph, i) for i in inputs)
    return False


def is_junction(graph: ModelGraph, name: str) -> bool:
    """Whether the layer ends a stage: a non-linearity, a merge or a pooling.

    These are the natural ends of skip connections, the way Auto-Keras links
    block outputs rather than every intermediate tensor.
    """
    cls = graph.class_name(name)
    if cls in {"ReLU", "LeakyReLU", "ELU", "Softmax", "Concatenate"} | MERGES | _POOLS:
        return True
    return cls in _WITH_ACTIVATION and activation(graph, name) not in (None, "linear")
