"""The serving function: raw inputs in, named outputs per head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.data._spec import ClassificationTargetSpec, RegressionTargetSpec

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

__all__ = ["input_signature", "output_names", "serving_function"]


def input_signature(input_nodes: list[Any], spec: DataSpec) -> list[Any]:
    """The serving signature: every graph input's `tf.TensorSpec`s, in order.

    Args:
        input_nodes: The graph's input nodes (each says how it is served).
        spec: The data spec, one input spec per node.
    """
    signature = []
    for node, input_spec in zip(input_nodes, spec.inputs):
        signature.extend(node.signature(input_spec, node.name))
    return signature


def output_names(spec: DataSpec, head_names: list[str]) -> list[str]:
    """The keys of the serving function's result, in order."""
    names = []
    prefix = len(head_names) > 1
    for head, target in zip(head_names, spec.targets):
        for key in _keys(target):
            names.append(_output_name(head, key, prefix))
    return names


def _output_name(head: str, key: str, prefix: bool) -> str:
    return f"{head}_{key}" if prefix else key


def _keys(target: Any) -> list[str]:
    if isinstance(target, ClassificationTargetSpec):
        return ["probabilities", "labels"] if target.multi_label else ["probabilities", "classes"]
    if isinstance(target, RegressionTargetSpec):
        return ["predictions"]
    raise TypeError(f"No serving outputs for target spec {type(target).__name__}.")


def serving_function(
    model: keras.Model, input_nodes: list[Any], spec: DataSpec, head_names: list[str]
):
    """A function of the raw inputs (in `input_signature`'s order) returning a
    dict of named output tensors.

    Classification heads give `probabilities` (float32, `(n, classes)`) and
    `classes` (the predicted label as a string) or, multi-label, `labels` (0/1
    int64). Regression heads give `predictions` in the targets' units. With
    several heads, keys are prefixed with the head name.
    """
    import tensorflow as tf

    prefix = len(head_names) > 1
    counts = [len(node.signature(s, node.name)) for node, s in zip(input_nodes, spec.inputs)]

    def serve(*inputs):
        features, start = [], 0
        for node, input_spec, count in zip(input_nodes, spec.inputs, counts):
            features.extend(node.serving_inputs(input_spec, list(inputs[start : start + count])))
            start += count
        outputs = model(features if len(features) > 1 else features[0], training=False)
        if len(head_names) == 1:
            outputs = [outputs]
        result = {}
        for head, target, output in zip(head_names, spec.targets, outputs):
            if isinstance(target, ClassificationTargetSpec):
                result[_output_name(head, "probabilities", prefix)] = output
                if target.multi_label:
                    labels = tf.cast(output >= 0.5, tf.int64)
                    result[_output_name(head, "labels", prefix)] = labels
                else:
                    names = tf.constant(np.asarray([str(c) for c in target.classes], dtype=object))
                    classes = tf.gather(names, tf.argmax(output, axis=-1))
                    result[_output_name(head, "classes", prefix)] = classes
            else:
                predictions = tf.reshape(output, (-1, *target.output_shape))
                result[_output_name(head, "predictions", prefix)] = predictions
        return result

    return serve
