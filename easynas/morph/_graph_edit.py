"""An editable copy of a functional model's graph, rebuilt with public Keras APIs.

The route is the one Keras itself uses to save a functional model: `get_config()`
lists every layer's config and the tensors it is called on. A morph edits that
config (inserts layers, reroutes inputs, changes widths), `keras.Model.from_config`
rebuilds it, and the weights are copied across by layer name with
`get_weights` / `set_weights`. The parent model is only read, never changed.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

from easynas.morph._errors import MorphError

__all__ = ["ModelGraph"]

logger = logging.getLogger(__name__)

_TENSOR = "__keras_tensor__"
# Lookup layers keep an adapted vocabulary outside their weights and outside
# get_config(); it is written back into the config before the rebuild.
_LOOKUPS = ("StringLookup", "IntegerLookup", "TextVectorization")


class ModelGraph:
    """The layers of a functional model as editable configs, plus pending weights.

    Layers are named by their Keras layer names; a layer's "output" is the one
    tensor it produces. Layers called more than once (shared) or returning several
    tensors can be read but not used as morph positions.

    Args:
        model: A built functional `keras.Model`. It is not modified.

    Raises:
        MorphError: If `model` is not a functional model, or holds a layer that
            cannot be rebuilt from its config (a Lambda, an adapted tf_idf
            TextVectorization).
    """

    def __init__(self, model: keras.Model) -> None:
        if not isinstance(model, keras.Model):
            raise MorphError(f"expected a keras.Model, got {type(model).__name__}")
        config = copy.deepcopy(model.get_config())
        layers = config.get("layers") if isinstance(config, dict) else None
        if not layers or any("inbound_nodes" not in entry for entry in layers):
            raise MorphError(
                f"model {model.name!r} is not a functional keras.Model; morphs need the "
                "functional API (keras.Model(inputs, outputs))"
            )
        for entry in layers:
            _check_rebuildable(model.name, entry)
        self.parent = model
        self.config = config
        # Entries that are keras.ops calls (Cast, GetItem, ...) rather than layers.
        self._layer_names = {layer.name for layer in model.layers}
        self._entries: dict[str, dict[str, Any]] = {entry["name"]: entry for entry in layers}
        self._new_shapes: dict[str, tuple] = {}
        self._weights: dict[str, list[np.ndarray]] = {}

    # ----------------------------------------------------------------- reading
    def names(self) -> list[str]:
        """All layer names in topological order."""
        return [entry["name"] for entry in self.config["layers"]]

    def require(self, name: str) -> None:
        """Raise MorphError unless a layer of that name exists."""
        if name not in self._entries:
            raise MorphError(f"model {self.parent.name!r} has no layer named {name!r}")

    def class_name(self, name: str) -> str:
        """The layer's Keras class name (e.g. "Conv2D")."""
        return self._entries[name]["class_name"]

    def layer_config(self, name: str) -> dict[str, Any]:
        """The layer's own config (editable in place)."""
        return self._entries[name]["config"]

    def layer(self, name: str) -> keras.layers.Layer:
        """The parent's layer object (read only)."""
        return self.parent.get_layer(name)

    def inputs_of(self, name: str) -> list[str]:
        """Names of the layers whose outputs this layer is called on, in call order."""
        nodes = self._entries[name]["inbound_nodes"]
        return [ref["config"]["keras_history"][0] for node in nodes for ref in _refs(node)]

    def consumers(self, name: str) -> list[str]:
        """Names of the layers that take this layer's output, in topological order."""
        return [other for other in self.names() if name in self.inputs_of(other)]

    def output_names(self) -> list[str]:
        """Names of the layers producing the model's outputs."""
        return [item[0] for item in _histories(self.config["output_layers"])]

    def is_layer(self, name: str) -> bool:
        """Whether the entry is a layer (not a bare `keras.ops` call) or a new layer."""
        return name in self._layer_names or name in self._new_shapes

    def shape(self, name: str) -> tuple:
        """The shape of the layer's output, batch axis first (None)."""
        if name in self._new_shapes:
            return self._new_shapes[name]
        if name in self._layer_names:
            return tuple(self.layer(name).output.shape)
        return tuple(self._read_ref(name)["shape"])

    def input_shape(self, name: str) -> tuple:
        """The shape of the layer's single input."""
        (producer,) = self.inputs_of(name)
        return self.shape(producer)

    def dtype(self, name: str) -> str:
        """The dtype name of the layer's output."""
        if name in self._layer_names:
            return str(self.layer(name).output.dtype)
        return str(self._read_ref(name)["dtype"])

    def ancestors(self, name: str) -> set[str]:
        """Every layer the given layer's output depends on (itself excluded)."""
        seen: set[str] = set()
        stack = list(self.inputs_of(name))
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.inputs_of(current))
        return seen

    def check_position(self, name: str, role: str) -> None:
        """Raise MorphError unless the layer is a plain single-call, single-output layer.

        Args:
            name: The layer.
            role: How the morph uses it, for the message ("insert after", ...).
        """
        self.require(name)
        entry = self._entries[name]
        if not self.is_layer(name):
            raise MorphError(f"cannot {role} {name!r}: it is a {entry['class_name']} "
                             "operation, not a layer")
        if len(entry["inbound_nodes"]) > 1:
            raise MorphError(f"cannot {role} layer {name!r}: it is shared (called "
                             f"{len(entry['inbound_nodes'])} times)")
        if entry["class_name"] != "InputLayer" and not isinstance(
            self.layer(name).output, keras.KerasTensor
        ):
            raise MorphError(f"cannot {role} layer {name!r}: it has several outputs")
        for consumer in self.consumers(name):
            for ref in _refs(self._entries[consumer]["inbound_nodes"][0]):
                if ref["config"]["keras_history"][0] == name and (
                    ref["config"]["keras_history"][1:] != [0, 0]
                ):
                    raise MorphError(f"cannot {role} layer {name!r}: {consumer!r} reads a "
                                     "tensor other than its first output")

    # ----------------------------------------------------------------- editing
    def unique_name(self, base: str) -> str:
        """`base`, or `base_1`, `base_2`, ... whichever is not taken yet."""
        name, counter = base, 0
        while name in self._entries:
            counter += 1
            name = f"{base}_{counter}"
        return name

    def add_layer(
        self,
        layer: keras.layers.Layer,
        inputs: str | list[str],
        *,
        after: str,
        shape: tuple,
    ) -> str:
        """Insert a new layer called on existing tensors.

        Args:
            layer: A fresh, unbuilt layer with a unique name.
            inputs: The producer's name, or a list of names for a layer called on
                a list (Add, Concatenate).
            after: The new entry goes right after this layer in the layer list.
            shape: The new layer's output shape.

        Returns:
            The new layer's name.
        """
        name = layer.name
        if name in self._entries:
            raise MorphError(f"layer name {name!r} is taken")
        entry = keras.saving.serialize_keras_object(layer)
        entry.pop("build_config", None)
        entry["name"] = name
        arg = [self._ref(i) for i in inputs] if isinstance(inputs, list) else self._ref(inputs)
        entry["inbound_nodes"] = [{"args": [arg], "kwargs": {}}]
        layers = self.config["layers"]
        layers.insert(self.names().index(after) + 1, entry)
        self._entries[name] = entry
        self._new_shapes[name] = tuple(shape)
        return name

    def reroute(self, consumer: str, old: str, new: str) -> None:
        """Make `consumer` read `new`'s output wherever it read `old`'s."""
        for ref in _refs(self._entries[consumer]["inbound_nodes"][0]):
            if ref["config"]["keras_history"][0] == old:
                ref["config"]["keras_history"] = [new, 0, 0]
                ref["config"]["shape"] = list(self.shape(new))

    def set_weights(self, name: str, weights: list[np.ndarray]) -> None:
        """Give the layer these weights in the child instead of the parent's."""
        self._weights[name] = [np.asarray(w) for w in weights]

    def weights(self, name: str) -> list[np.ndarray]:
        """The layer's pending weights, or the parent's when none are pending."""
        if name in self._weights:
            return self._weights[name]
        return self.layer(name).get_weights()

    # ----------------------------------------------------------------- rebuild
    def build(self, compile: bool = True) -> keras.Model:
        """Rebuild the edited graph as a new model with the parent's weights.

        Args:
            compile: Compile the child like the parent (a fresh optimizer) when
                the parent is compiled.

        Returns:
            The child `keras.Model`.
        """
        config = copy.deepcopy(self.config)
        for entry in config["layers"]:
            # A recorded build shape would build a widened layer at its old width.
            entry.pop("build_config", None)
            if entry["class_name"] in _LOOKUPS and entry["name"] not in self._new_shapes:
                self._restore_vocabulary(entry)
        try:
            child = keras.Model.from_config(config)
        except (TypeError, ValueError) as error:
            # e.g. a Lambda layer, which Keras will not rebuild in safe mode.
            raise MorphError(f"cannot rebuild model {self.parent.name!r} from its config: "
                             f"{error}") from error
        for layer in child.layers:
            if layer.name in self._weights:
                layer.set_weights(self._weights[layer.name])
            elif layer.name not in self._new_shapes and layer.weights:
                layer.set_weights(self.layer(layer.name).get_weights())
                if isinstance(layer, keras.layers.Normalization):
                    # An adapted Normalization derives its mean and variance from
                    # these weights only when its state is finalised.
                    layer.finalize_state()
        if compile and getattr(self.parent, "compiled", False):
            child.compile_from_config(self.parent.get_compile_config())
        logger.debug("rebuilt %r: %d layers, %d with new weights", child.name,
                     len(child.layers), len(self._weights))
        return child

    def _restore_vocabulary(self, entry: dict[str, Any]) -> None:
        layer_config = entry["config"]
        if layer_config.get("vocabulary") is not None:
            return
        source = self.layer(entry["name"])
        layer_config["vocabulary"] = list(source.get_vocabulary(include_special_tokens=False))

    def _read_ref(self, name: str) -> dict[str, Any]:
        """The serialized tensor config of a consumer's reference to `name`'s output."""
        for consumer in self.consumers(name):
            for ref in _refs(self._entries[consumer]["inbound_nodes"]):
                if ref["config"]["keras_history"] == [name, 0, 0]:
                    return ref["config"]
        raise MorphError(f"the shape of {name!r}'s output is unknown")

    def _ref(self, name: str) -> dict[str, Any]:
        if name in self._new_shapes:
            dtype = self._entries[name]["config"].get("dtype")
            dtype = dtype["config"]["name"] if isinstance(dtype, dict) else "float32"
            return {"class_name": _TENSOR, "config": {
                "shape": list(self._new_shapes[name]), "dtype": dtype,
                "keras_history": [name, 0, 0]}}
        return keras.saving.serialize_keras_object(self.layer(name).output)


def _check_rebuildable(model_name: str, entry: dict[str, Any]) -> None:
    """Raise MorphError if the layer cannot be rebuilt with its state from public APIs."""
    name, cls, config = entry["name"], entry["class_name"], entry["config"]
    if cls == "Lambda":
        raise MorphError(f"cannot morph model {model_name!r}: Lambda layer {name!r} is not "
                         "rebuilt from its config in Keras' safe mode")
    if (cls in _LOOKUPS and config.get("output_mode") == "tf_idf"
            and config.get("idf_weights") is None):
        raise MorphError(f"cannot morph model {model_name!r}: the idf weights of adapted "
                         f"tf_idf layer {name!r} are not public; build it with vocabulary= "
                         "and idf_weights= instead")


def _refs(node: Any) -> Iterator[dict[str, Any]]:
    """Every serialized tensor reference inside a node's args and kwargs."""
    if isinstance(node, dict):
        if node.get("class_name") == _TENSOR:
            yield node
            return
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _refs(value)


def _histories(structure: Any) -> Iterator[list]:
    """The [layer, node, tensor] triples in a config's input/output structure."""
    if (isinstance(structure, (list, tuple)) and len(structure) == 3
            and isinstance(structure[0], str)):
        yield list(structure)
    elif isinstance(structure, dict):
        for value in structure.values():
            yield from _histories(value)
    elif isinstance(structure, (list, tuple)):
        for value in structure:
            yield from _histories(value)
