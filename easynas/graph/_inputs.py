"""Input nodes: where raw data enters a search graph."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from easynas.blocks._base import Node, _is_valid_name
from easynas.data._adapters import as_array
from easynas.data._analysis import analyze_images, check_finite
from easynas.data._conform import conform_images
from easynas.data._spec import ImageSpec, TextSpec
from easynas.data._text import MISSING_POLICIES, analyze_text, read_texts

__all__ = ["ImageInput", "InputNode", "TextInput"]


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

    def read(self, part: Any, name: str) -> Any:
        """Check the form of this input's raw data and return it in the container
        the other methods take (a NumPy array, or a DataFrame for tables).

        Args:
            part: What the user passed for this input (all rows).
            name: Argument name for messages ("x", "x['text']", ...).

        Raises:
            InvalidDataError: Naming `name`, what was expected and what came.
        """
        raise NotImplementedError

    def analyze(self, data: Any, name: str) -> Any:
        """The data spec of the training split `data` (from `read`)."""
        raise NotImplementedError

    def conform(self, spec: Any, data: Any, name: str) -> list[np.ndarray]:
        """Check `data` (from `read`) against the fitted `spec` and return the arrays
        to feed the model, one per Keras input that `build` makes, same order."""
        raise NotImplementedError

    def build(self, spec: Any, name: str) -> tuple[list[Any], Any]:
        """Make the Keras inputs and the preprocessing.

        Args:
            spec: This input's data spec.
            name: The input's final name in the graph.

        Returns:
            `(keras_inputs, preprocessed_tensor)`: a list of Keras inputs (one
            per array `conform` returns) and the tensor blocks receive.
        """
        raise NotImplementedError

    def signature(self, spec: Any, name: str) -> list[Any]:
        """The serving signature: one `tf.TensorSpec` per Keras input, in the raw
        dtype a client sends; each spec's name is the serving input's name."""
        raise NotImplementedError

    def serving_inputs(self, spec: Any, tensors: list[Any]) -> list[Any]:
        """Map the raw serving tensors to the model's inputs (e.g. a cast).
        Identity unless overridden."""
        return list(tensors)

    def default_block(self) -> Any:
        """A new hyper-block searching the usual networks for this kind of input
        (used when an `AutoModel` is given inputs and bare heads)."""
        raise TypeError(f"{type(self).__name__} has no default block; connect blocks to it.")

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

    def read(self, part: Any, name: str) -> np.ndarray:
        array = as_array(part, name)
        check_finite(array, name)  # on all rows, so the sample number is the user's
        return array

    def analyze(self, data: np.ndarray, name: str) -> ImageSpec:
        return analyze_images(data, name=name)

    def conform(self, spec: ImageSpec, data: np.ndarray, name: str) -> list[np.ndarray]:
        return [conform_images(spec, data, name)]

    def build(self, spec: ImageSpec, name: str) -> tuple[list[Any], Any]:
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
        return [inputs], x

    def default_block(self) -> Any:
        """An `ImageBlock`: augmentation and a searched CNN, ResNet or MBConv net."""
        from easynas.blocks import ImageBlock

        return ImageBlock()

    def signature(self, spec: ImageSpec, name: str) -> list[Any]:
        import tensorflow as tf

        return [tf.TensorSpec((None, *spec.shape), tf.as_dtype(spec.dtype), name=name)]

    def serving_inputs(self, spec: ImageSpec, tensors: list[Any]) -> list[Any]:
        import tensorflow as tf

        return [tf.cast(t, tf.float32) for t in tensors]


@keras.saving.register_keras_serializable(package="easynas")
class TextInput(InputNode):
    """A text input: one raw document (`str` or UTF-8 `bytes`) per sample, from a
    list, array or pandas Series.

    The model takes raw strings: tokenisation and the vocabulary (learnt on the
    training split) live in the text blocks' `TextVectorization` layers, so the
    export's serving signature takes a string tensor of shape `(n,)`.

    Args:
        missing: What a None / NaN entry means: "error" (raise before
            training) or "empty" (an empty document).
        name: See `InputNode`.
    """

    kind = "text"
    spec_type = TextSpec

    def __init__(self, missing: str = "error", name: str | None = None) -> None:
        super().__init__(name=name)
        if missing not in MISSING_POLICIES:
            raise ValueError(
                f"Argument `missing` of TextInput must be one of {list(MISSING_POLICIES)}. "
                f"Received: missing={missing!r}"
            )
        self.missing = missing

    def read(self, part: Any, name: str) -> np.ndarray:
        return read_texts(part, name, missing=self.missing)

    def analyze(self, data: np.ndarray, name: str) -> TextSpec:
        return analyze_text(data, name=name)

    def conform(self, spec: TextSpec, data: np.ndarray, name: str) -> list[np.ndarray]:
        return [np.asarray(data, dtype=object)]

    def build(self, spec: TextSpec, name: str) -> tuple[list[Any], Any]:
        inputs = keras.Input(shape=(), dtype="string", name=name)
        return [inputs], inputs

    def default_block(self) -> Any:
        """A `TextBlock`: n-grams, 1-D CNN, RNN or transformer, searched."""
        from easynas.blocks import TextBlock

        return TextBlock()

    def signature(self, spec: TextSpec, name: str) -> list[Any]:
        import tensorflow as tf

        return [tf.TensorSpec((None,), tf.string, name=name)]

    def get_config(self) -> dict[str, Any]:
        return {"missing": self.missing, "name": self.name}
