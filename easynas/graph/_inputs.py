"""Input nodes: where raw data enters a search graph."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks._base import Node, _is_valid_name
from easynas.data._spec import ImageSpec

__all__ = ["ImageInput", "InputNode"]


class InputNode(Node):
    """Base of input nodes. It is a `Node` and not a `Block`: it has no
    hyperparameters, only the preprocessing its data spec calls for.

    Args:
        name: Name of the model input (and of the exported signature's input).
            None lets the graph name it from its kind and position.
    """

    kind = "input"
    spec_type: type = object

    def __init__(self, name: str | None = None) -> None:
        super().__init__(producer=None)
        if name is not None and not _is_valid_name(name):
            raise ValueError(
                "Argument `name` must be letters, digits and underscores, starting with a "
                f"letter. Received: name={name!r}"
            )
        self.name = name

    def build(self, spec: Any, name: str) -> tuple[Any, Any]:
        """Make the Keras input and its preprocessing.

        Args:
            spec: This input's data spec.
            name: The input's final name in the graph.

        Returns:
            `(keras_input, preprocessed_tensor)`.
        """
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> InputNode:
        return cls(**config)


@keras.saving.register_keras_serializable(package="easynas")
class ImageInput(InputNode):
    """An image input: arrays of shape `(n, H, W)` or `(n, H, W, C)`, any size,
    any channel count, uint8 or float.

    Inside the model, grey `(H, W)` images gain a channel axis and every channel
    is standardised with the training set's mean and variance, so the model (and
    its export) takes raw pixels.

    Args:
        name: See `InputNode`.
    """

    kind = "image"
    spec_type = ImageSpec

    def build(self, spec: ImageSpec, name: str) -> tuple[Any, Any]:
        inputs = keras.Input(shape=spec.shape, dtype="float32", name=name)
        x = inputs
        if len(spec.shape) == 2:
            x = keras.layers.Reshape((*spec.shape, 1), name=f"{name}_add_channel")(x)
        x = keras.layers.Normalization(
            axis=-1,
            mean=list(spec.channel_mean),
            variance=list(spec.channel_variance),
            name=f"{name}_normalize",
        )(x)
        return inputs, x
