"""The model that TFLite and ONNX take: named numeric inputs in, named outputs per head.

TFLite builtins and ONNX have no string lookups, tokenisers or string parsing,
so a model with `TextVectorization`, `StringLookup` or `IntegerLookup` layers
(text inputs, categorical and text columns) or string serving inputs
(datetime columns) cannot take its raw inputs in those formats. For such a
model the exporters offer the *numeric-input variant*: the same network cut
just after those layers. Its inputs are the lookups' outputs (token ids,
TF-IDF vectors, category indices) and the model's other inputs; every cut
layer's vocabulary and settings are recorded in the export's metadata, so a
client can compute those inputs itself.

Models without such layers (images, numeric and boolean columns) convert
whole and take the same raw inputs as the SavedModel's `serving_default`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from easynas.data._spec import DATETIME_PARTS, ClassificationTargetSpec, TabularSpec
from easynas.exceptions import InvalidParameterError
from easynas.export._signature import input_signature

if TYPE_CHECKING:
    import keras

    from easynas.data._spec import DataSpec

__all__ = ["STRING_LAYERS", "PortableModel", "portable_model"]

# Stock Keras layers that work on strings or hash tables: no TFLite builtin or
# ONNX operator implements them.
STRING_LAYERS = ("TextVectorization", "StringLookup", "IntegerLookup", "Hashing")
# The settings of a cut layer a client needs to reproduce its output.
_LAYER_SETTINGS = (
    "max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
    "pad_to_max_tokens", "num_oov_indices", "mask_token", "oov_token", "idf_weights",
)
SAMPLE_ROWS = 8


@dataclass
class PortableModel:
    """A Keras model ready for TFLite / ONNX conversion, and what describes it.

    Attributes:
        model: Named inputs (`inputs` order) -> a dict of named outputs.
        variant: "raw" (the SavedModel's raw inputs) or "numeric" (cut after
            the string layers).
        inputs: One dict per input: name, dtype, shape, and for the numeric
            variant where its values come from.
        outputs: Output name -> {"dtype", "shape"}.
        samples: Verification inputs by input name (`SAMPLE_ROWS` rows).
        expected: The original model's outputs on those samples, by output name.
    """

    model: Any
    variant: str
    inputs: list[dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    samples: dict[str, np.ndarray] = field(repr=False)
    expected: dict[str, np.ndarray] = field(repr=False)

    def tensor_specs(self) -> list[Any]:
        """`tf.TensorSpec`s of the inputs, in order, named."""
        import tensorflow as tf

        return [tf.TensorSpec([None, *i["shape"][1:]], i["dtype"], name=i["name"])
                for i in self.inputs]

    def ordered_samples(self) -> list[np.ndarray]:
        return [self.samples[i["name"]] for i in self.inputs]


def string_layers(model: keras.Model) -> list[Any]:
    """The model's layers that TFLite builtins and ONNX cannot run."""
    return [layer for layer in model.layers if type(layer).__name__ in STRING_LAYERS]


def portable_model(
    model: keras.Model,
    spec: DataSpec,
    input_nodes: list[Any],
    head_names: list[str],
    *,
    numeric_inputs: bool,
    format_name: str,
) -> PortableModel:
    """Wrap `model` for conversion, as the raw or the numeric-input variant.

    Args:
        model: The trained Keras model.
        spec: Its data spec.
        input_nodes: The graph's input nodes.
        head_names: The graph's head names.
        numeric_inputs: False for the raw variant (refused if the model has
            string layers or string inputs), True for the numeric variant.
        format_name: "tflite" or "onnx", for messages.

    Returns:
        The `PortableModel`, with verification samples and expected outputs.

    Raises:
        InvalidParameterError: If `numeric_inputs` is False and the model
            cannot take its raw inputs in this format; the message names the
            layers and inputs at fault and the numeric-input variant's inputs.
        InvalidParameterError: If `numeric_inputs` is not a bool.
    """
    import keras

    if not isinstance(numeric_inputs, bool):
        raise InvalidParameterError(
            "The 'numeric_inputs' parameter of export must be a bool. "
            f"Got {numeric_inputs!r} instead."
        )
    signature = input_signature(input_nodes, spec)
    if len(signature) != len(model.inputs):
        raise InvalidParameterError(
            f"The model has {len(model.inputs)} inputs but its spec describes "
            f"{len(signature)}; the model and spec do not belong together."
        )
    cut = string_layers(model)
    string_inputs = [s.name for s in signature if s.dtype.name == "string"]
    raw_samples = _raw_samples(signature, spec, input_nodes, cut)
    features = _features(input_nodes, spec, raw_samples)
    if not numeric_inputs:
        if cut or string_inputs:
            raise InvalidParameterError(_refusal(format_name, cut, string_inputs, signature,
                                                 model))
        inputs = [keras.Input(shape=tuple(s.shape[1:]), dtype=s.dtype.name, name=s.name)
                  for s in signature]
        body = [_cast(tensor, model_input.dtype)
                for tensor, model_input in zip(inputs, model.inputs)]
        outputs = _call(model, body)
        schema = [_describe(t, source=t.name) for t in inputs]
        samples = {s.name: np.asarray(r) for s, r in zip(signature, raw_samples)}
    else:
        # Cutting a functional model at inner tensors adds nodes to its layers,
        # after which it no longer saves; cut an independent copy instead.
        copy = _copy(model)
        inputs, schema, samples, outputs = _numeric_variant(
            copy, signature, string_layers(copy), features)
    named = _named_outputs(outputs, spec, head_names)
    portable = keras.Model(inputs, named, name="easynas_portable")
    reference = _call(model, features)
    expected = {
        k: keras.ops.convert_to_numpy(v)
        for k, v in _named_outputs(reference, spec, head_names).items()
    }
    described = {k: {"dtype": "float32", "shape": [None, *v.shape[1:]]}
                 for k, v in expected.items()}
    return PortableModel(portable, "numeric" if numeric_inputs else "raw", schema, described,
                         samples, expected)


def _copy(model: keras.Model) -> keras.Model:
    """An independent copy of `model` (weights and lookup tables included)."""
    import pickle

    return pickle.loads(pickle.dumps(model))


def _numeric_variant(model, signature, cut, features):
    """Inputs, schema, samples and outputs of the model cut after its string layers."""
    import keras

    consumed = {id(layer.input) for layer in cut}
    kept = [(i, t) for i, t in enumerate(model.inputs)
            if id(t) not in consumed and t.dtype != "string"]
    unusable = [signature[i].name for i, t in enumerate(model.inputs)
                if id(t) not in consumed and t.dtype == "string"]
    if unusable:
        raise InvalidParameterError(
            f"The model's string input(s) {unusable} go into layers other than "
            f"{list(STRING_LAYERS)}, so no numeric-input variant can be cut."
        )
    front = keras.Model(model.inputs, [layer.output for layer in cut]) if cut else None
    cut_values = _call(front, features) if front is not None else []
    if not isinstance(cut_values, (list, tuple)):
        cut_values = [cut_values]
    body = keras.Model([t for _, t in kept] + [layer.output for layer in cut],
                       model.outputs if len(model.outputs) > 1 else model.outputs[0])
    inputs, schema, samples, body_inputs = [], [], {}, []
    for i, tensor in kept:
        serving = signature[i]
        if serving.dtype.name == "string":  # datetime text: its parts come in instead
            name = f"{serving.name}_parts"
            new = keras.Input(shape=tuple(tensor.shape[1:]), dtype=tensor.dtype, name=name)
            entry = _describe(new, source=serving.name)
            entry["computed_as"] = (f"the datetime's parts {list(DATETIME_PARTS)} as float32 "
                                    "(day of week: Monday = 0), NaN where missing")
            samples[name] = np.asarray(features[i])
            body_inputs.append(new)
        else:
            new = keras.Input(shape=tuple(serving.shape[1:]), dtype=serving.dtype.name,
                              name=serving.name)
            entry = _describe(new, source=serving.name)
            samples[serving.name] = np.asarray(_raw_numpy(features, i, serving))
            body_inputs.append(_cast(new, tensor.dtype))
        inputs.append(new)
        schema.append(entry)
    for layer, value in zip(cut, cut_values):
        new = keras.Input(shape=tuple(layer.output.shape[1:]), dtype=layer.output.dtype,
                          name=layer.name)
        source = next((signature[i].name for i, t in enumerate(model.inputs)
                       if t is layer.input), None)
        entry = _describe(new, source=source)
        entry["computed_as"] = _layer_recipe(layer)
        # A count-mode TextVectorization computes int64 but declares float32; the
        # next layer casts either way, and the variant takes the declared dtype.
        samples[layer.name] = keras.ops.convert_to_numpy(value).astype(str(new.dtype))
        inputs.append(new)
        body_inputs.append(new)
        schema.append(entry)
    outputs = _call(body, body_inputs)
    return inputs, schema, samples, outputs


def _raw_numpy(features, index, serving):
    """The raw serving value of a kept numeric input (the model may hold it cast)."""
    value = np.asarray(features[index])
    return value.astype(serving.dtype.as_numpy_dtype)


def _layer_recipe(layer) -> dict[str, Any]:
    """What a client needs to compute a cut layer's output itself."""
    config = layer.get_config()
    recipe: dict[str, Any] = {"layer": type(layer).__name__, "name": layer.name}
    for key in _LAYER_SETTINGS:
        if key in config and _json_safe(config[key]):
            value = config[key]
            recipe[key] = value.tolist() if isinstance(value, np.ndarray) else value
    if hasattr(layer, "get_vocabulary"):
        recipe["vocabulary"] = [v.decode() if isinstance(v, bytes) else v
                                for v in (x.item() if isinstance(x, np.generic) else x
                                          for x in layer.get_vocabulary())]
    return recipe


def _json_safe(value: Any) -> bool:
    import json

    try:
        json.dumps(value.tolist() if isinstance(value, np.ndarray) else value)
    except (TypeError, ValueError):
        return False
    return True


def _refusal(format_name, cut, string_inputs, signature, model) -> str:
    parts = []
    if cut:
        parts.append("layers " + ", ".join(f"{layer.name!r} ({type(layer).__name__})"
                                           for layer in cut))
    if string_inputs:
        parts.append(f"string inputs {string_inputs}")
    consumed = {id(layer.input) for layer in cut}
    numeric = [
        (f"{s.name}_parts" if s.dtype.name == "string" else s.name)
        for s, t in zip(signature, model.inputs) if id(t) not in consumed
    ] + [layer.name for layer in cut]
    return (
        f"The 'format' parameter of export cannot be {format_name!r} for this model with its "
        f"raw inputs: {' and '.join(parts)} work on strings, which {format_name} cannot run. "
        "Pass numeric_inputs=True to export the numeric-input variant: the same network "
        f"after its string preprocessing, taking {numeric} (the metadata JSON records each "
        "cut layer's vocabulary and settings). Or export format='saved_model', which takes "
        "raw inputs."
    )


def _describe(tensor, *, source: str | None) -> dict[str, Any]:
    return {"name": tensor.name, "dtype": str(tensor.dtype),
            "shape": [None, *tensor.shape[1:]], "from": source}


def _call(model, tensors: list[Any]) -> Any:
    """Call `model` on `tensors` in the structure it was built with (a list, or one
    tensor), as Keras expects."""
    return model(tensors if isinstance(model.input, (list, tuple)) else tensors[0],
                 training=False)


def _cast(tensor, dtype):
    import keras

    return tensor if tensor.dtype == dtype else keras.ops.cast(tensor, dtype)


def _named_outputs(outputs, spec: DataSpec, head_names: list[str]) -> dict[str, Any]:
    """Per head: "probabilities" or "predictions" (in the targets' shape); prefixed
    by the head's name when there are several."""
    import keras

    if len(head_names) == 1:
        outputs = [outputs[0] if isinstance(outputs, (list, tuple)) else outputs]
    prefix = len(head_names) > 1
    named = {}
    for head, target, output in zip(head_names, spec.targets, outputs):
        if isinstance(target, ClassificationTargetSpec):
            key = "probabilities"
        else:
            key = "predictions"
            output = keras.ops.reshape(output, (-1, *target.output_shape))
        named[f"{head}_{key}" if prefix else key] = output
    return named


def _features(input_nodes, spec, raw_samples) -> list[Any]:
    """The model's inputs for raw serving samples, as `serving_default` makes them."""
    import tensorflow as tf

    features, start = [], 0
    for node, node_spec in zip(input_nodes, spec.inputs):
        count = len(node.signature(node_spec, node.name))
        tensors = [tf.constant(v) for v in raw_samples[start:start + count]]
        features.extend(node.serving_inputs(node_spec, tensors))
        start += count
    return features


def _raw_samples(signature, spec, input_nodes, cut) -> list[np.ndarray]:
    """`SAMPLE_ROWS` raw inputs per signature entry: pixels across the dtype's
    range, words from the model's own vocabularies (and some unknown), dates,
    numbers with a missing value."""
    rng = np.random.default_rng(0)
    words = [w for layer in cut if hasattr(layer, "get_vocabulary")
             for w in layer.get_vocabulary()[:200] if isinstance(w, str) and w]
    words = words + ["unseenword", "ünïcode"]
    kinds = {}
    for node, node_spec in zip(input_nodes, spec.inputs):
        if isinstance(node_spec, TabularSpec):
            specs = node.signature(node_spec, node.name)
            kinds.update({s.name: c.kind for s, c in zip(specs, node_spec.columns)})
    samples = []
    for entry in signature:
        shape = [SAMPLE_ROWS, *entry.shape[1:]]
        kind = kinds.get(entry.name)
        dtype = entry.dtype
        if dtype.name == "string" and kind == "datetime":
            days = rng.integers(0, 2000, shape)
            values = [str(np.datetime64("2019-01-01T00:00") + np.timedelta64(int(d), "D")
                          + np.timedelta64(int(h), "h")).replace("T", " ")
                      for d, h in zip(days.ravel(), rng.integers(0, 24, days.size))]
            values[0] = ""  # a missing date
            value = np.array(values, dtype=object).reshape(shape)
        elif dtype.name == "string":
            count = 1 if kind == "categorical" else 6
            value = np.array([" ".join(rng.choice(words, size=count))
                              for _ in range(int(np.prod(shape)))], dtype=object).reshape(shape)
        elif dtype.is_bool:
            value = rng.integers(0, 2, size=shape).astype(bool)
        elif dtype.is_integer:
            if kind == "categorical":
                vocabulary = [v for layer in cut if type(layer).__name__ == "IntegerLookup"
                              for v in layer.get_vocabulary()]
                value = rng.choice(np.asarray(vocabulary + [-12345], dtype=np.int64), shape)
            else:
                low, high = max(dtype.min, 0), min(dtype.max, 255)
                value = rng.integers(low, high, size=shape, endpoint=True)
            value = value.astype(dtype.as_numpy_dtype)
        else:
            value = (rng.normal(size=shape) * 50 + 50).astype(dtype.as_numpy_dtype)
            if kind == "numeric":
                value[0] = np.nan  # a missing number
            elif kind is None:  # image pixels: the dtype's usual range
                value = (rng.random(size=shape) * 255).astype(dtype.as_numpy_dtype)
        samples.append(value)
    return samples
