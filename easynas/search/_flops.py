"""FLOPs of a Keras model, counted layer by layer from configs and shapes.

One forward pass of one sample. Conventions (the usual ones, as TensorFlow's
profiler counts them):

- a multiply-accumulate is 2 FLOPs (Dense, EinsumDense, convolutions of every
  kind, attention projections and products, recurrent cells), and a bias adds 1
  per output value;
- pooling costs one FLOP per value in each window; global pooling one per input
  value;
- element-wise layers cost one FLOP per output value per operation: activations
  and ReLU 1, Add / Multiply / Average / Subtract (inputs - 1), Rescaling and
  Normalization 2, BatchNormalization 2 (inference: a scale and a shift),
  LayerNormalization and UnitNormalization 5;
- lookups, reshapes, concatenation, dropout, augmentation (inactive at inference)
  and string preprocessing cost 0, as does any layer not listed here.

Shapes come from each layer's (first) call in the functional graph; a dimension
left unknown (None) apart from the batch counts as 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import keras

__all__ = ["count_flops", "layer_flops"]

_ELEMENTWISE = {
    "Activation": 1, "ReLU": 1, "LeakyReLU": 1, "PReLU": 1, "ELU": 1, "Softmax": 1,
    "Rescaling": 2, "Normalization": 2, "BatchNormalization": 2,
    "LayerNormalization": 5, "UnitNormalization": 5,
}
_MERGES = ("Add", "Multiply", "Average", "Subtract", "Maximum", "Minimum")
_RECURRENT_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def count_flops(model: keras.Model) -> int:
    """FLOPs of one forward pass of `model` on one sample.

    Args:
        model: A built functional (or Sequential) Keras model; nested models
            are counted through.

    Returns:
        The FLOP count (see the module docstring for what counts).
    """
    return int(sum(layer_flops(layer) for layer in _leaf_layers(model)))


def _leaf_layers(model: keras.Model) -> Iterator[Any]:
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer


def _per_sample(shape: Any) -> list[int]:
    """A tensor shape without its batch dimension; unknown sizes as 1."""
    return [1 if d is None else int(d) for d in tuple(shape)[1:]]


def _size(shape: Any) -> int:
    return math.prod(_per_sample(shape))


def _shapes(tensors: Any) -> list[Any]:
    if isinstance(tensors, (list, tuple)):
        return [t.shape for t in tensors]
    if isinstance(tensors, dict):
        return [t.shape for t in tensors.values()]
    return [tensors.shape]


def layer_flops(layer: Any) -> int:
    """FLOPs of one call of `layer` on one sample (0 for layers not counted).

    Args:
        layer: A layer of a built functional model (it has an input and output).

    Returns:
        The FLOP count.
    """
    kind = type(layer).__name__
    try:
        inputs, outputs = _shapes(layer.input), _shapes(layer.output)
    except (AttributeError, ValueError):  # never called in a graph: nothing to count
        return 0
    out = outputs[0]
    counter = _COUNTERS.get(kind)
    if counter is not None:
        return int(counter(layer, inputs, out))
    if kind in _ELEMENTWISE:
        return _ELEMENTWISE[kind] * _size(out)
    if kind in _MERGES:
        return (len(inputs) - 1) * _size(out)
    return 0


def _bias(layer: Any, outputs: int) -> int:
    return outputs if getattr(layer, "use_bias", False) else 0


def _dense(layer: Any, inputs: list, out: Any) -> int:
    return 2 * _per_sample(inputs[0])[-1] * _size(out) + _bias(layer, _size(out))


def _einsum_dense(layer: Any, inputs: list, out: Any) -> int:
    """2 x the product of every index's size in the equation (batch left out)."""
    left, right = layer.equation.split("->")
    source, kernel = left.split(",")
    shape = _per_sample(inputs[0])
    sizes: dict[str, int] = {}
    extra = 1  # the dimensions an ellipsis stands for
    if source.startswith("..."):
        letters = source[3:]
        extra = math.prod(shape[: len(shape) - len(letters)])
        sizes.update(zip(letters, shape[len(shape) - len(letters):]))
        batch = ""
    else:
        batch = source[0]
        sizes.update(zip(source[1:], shape))
    sizes.update(zip(kernel, (int(d) for d in layer.kernel.shape)))
    every = set((source + kernel + right).replace(".", "")) - set(batch)
    outputs = set(right.replace(".", "")) - set(batch)
    macs = extra * math.prod(sizes.get(letter, 1) for letter in every)
    values = extra * math.prod(sizes.get(letter, 1) for letter in outputs)
    return 2 * macs + (values if getattr(layer, "bias", None) is not None else 0)


def _conv(layer: Any, inputs: list, out: Any) -> int:
    in_channels = _per_sample(inputs[0])[-1 if layer.data_format == "channels_last" else 0]
    groups = getattr(layer, "groups", 1) or 1
    per_output = math.prod(layer.kernel_size) * in_channels // groups
    if "Transpose" in type(layer).__name__:
        positions = _size(inputs[0]) // in_channels
        return 2 * positions * in_channels * math.prod(layer.kernel_size) * layer.filters + (
            _bias(layer, _size(out))
        )
    return 2 * per_output * _size(out) + _bias(layer, _size(out))


def _depthwise(layer: Any, inputs: list, out: Any) -> int:
    return 2 * math.prod(layer.kernel_size) * _size(out) + _bias(layer, _size(out))


def _separable(layer: Any, inputs: list, out: Any) -> int:
    in_channels = _per_sample(inputs[0])[-1 if layer.data_format == "channels_last" else 0]
    positions = _size(out) // layer.filters
    middle = in_channels * layer.depth_multiplier
    depthwise = 2 * positions * math.prod(layer.kernel_size) * middle
    pointwise = 2 * positions * middle * layer.filters
    return depthwise + pointwise + _bias(layer, _size(out))


def _pooling(layer: Any, inputs: list, out: Any) -> int:
    return math.prod(layer.pool_size) * _size(out)


def _global_pooling(layer: Any, inputs: list, out: Any) -> int:
    return _size(inputs[0])


def _weight(layer: Any, suffix: str) -> Any:
    return next((w for w in layer.weights if w.path.endswith(suffix)), None)


def _attention(layer: Any, inputs: list, out: Any) -> int:
    """Q, K, V projections, the score and weighting products, the output projection."""
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    heads, key_dim = layer.num_heads, layer.key_dim
    value_dim = layer.value_dim or key_dim
    t_query = _size(query) // _per_sample(query)[-1]
    t_value = _size(value) // _per_sample(value)[-1]
    d_query, d_key, d_value = (_per_sample(s)[-1] for s in (query, key, value))
    d_out = _per_sample(out)[-1]
    macs = (
        t_query * d_query * heads * key_dim          # query projection
        + t_value * d_key * heads * key_dim          # key projection
        + t_value * d_value * heads * value_dim      # value projection
        + heads * t_query * t_value * key_dim        # scores
        + heads * t_query * t_value * value_dim      # weighted values
        + t_query * heads * value_dim * d_out        # output projection
    )
    bias = 0
    if layer.use_bias:
        bias = heads * (t_query * key_dim + t_value * key_dim + t_value * value_dim)
        bias += t_query * d_out
    softmax = heads * t_query * t_value
    return 2 * macs + bias + softmax


def _recurrent_cell(layer: Any, steps: int, features: int) -> int:
    gates = _RECURRENT_GATES[type(layer).__name__]
    units = layer.units
    macs = gates * (features + units) * units
    bias = gates * units if layer.use_bias else 0
    if getattr(layer, "reset_after", False):
        bias *= 2  # GRU with reset_after has an input and a recurrent bias
    return steps * (2 * macs + bias)


def _recurrent(layer: Any, inputs: list, out: Any) -> int:
    shape = _per_sample(inputs[0])
    return _recurrent_cell(layer, math.prod(shape[:-1]), shape[-1])


def _bidirectional(layer: Any, inputs: list, out: Any) -> int:
    shape = _per_sample(inputs[0])
    steps, features = math.prod(shape[:-1]), shape[-1]
    total = 0
    for direction in (layer.forward_layer, layer.backward_layer):
        if type(direction).__name__ in _RECURRENT_GATES:
            total += _recurrent_cell(direction, steps, features)
    return total


_COUNTERS = {
    "Dense": _dense,
    "EinsumDense": _einsum_dense,
    "Conv1D": _conv, "Conv2D": _conv, "Conv3D": _conv,
    "Conv1DTranspose": _conv, "Conv2DTranspose": _conv, "Conv3DTranspose": _conv,
    "DepthwiseConv1D": _depthwise, "DepthwiseConv2D": _depthwise,
    "SeparableConv1D": _separable, "SeparableConv2D": _separable,
    "MaxPooling1D": _pooling, "MaxPooling2D": _pooling, "MaxPooling3D": _pooling,
    "AveragePooling1D": _pooling, "AveragePooling2D": _pooling, "AveragePooling3D": _pooling,
    "GlobalAveragePooling1D": _global_pooling, "GlobalAveragePooling2D": _global_pooling,
    "GlobalAveragePooling3D": _global_pooling, "GlobalMaxPooling1D": _global_pooling,
    "GlobalMaxPooling2D": _global_pooling, "GlobalMaxPooling3D": _global_pooling,
    "MultiHeadAttention": _attention,
    "SimpleRNN": _recurrent, "GRU": _recurrent, "LSTM": _recurrent,
    "Bidirectional": _bidirectional,
}
