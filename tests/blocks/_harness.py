"""The contract every block meets, as reusable checks.

Each block's test module calls these on its own block: a JSON config round
trip, a build with default hyperparameters, fixed and listed arguments, one
real training step, and rejected bad values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import keras
import keras_tuner as kt
import numpy as np
import pytest

from easynas.blocks import Block


def check_config_round_trip(block: Block) -> None:
    """`get_config` is JSON-safe and `from_config` rebuilds an equal block."""
    config = block.get_config()
    text = json.dumps(config)
    rebuilt = type(block).from_config(json.loads(text))
    assert type(rebuilt) is type(block)
    assert rebuilt.get_config() == config
    assert json.dumps(rebuilt.get_config()) == text


def build(
    block: Block, shape: tuple[int, ...], values: dict[str, Any] | None = None
) -> tuple[kt.HyperParameters, keras.Model]:
    """Build `block` on a `keras.Input(shape)` under a fresh `HyperParameters`.

    Args:
        block: The block.
        shape: One sample's shape.
        values: Hyperparameter values to set before the build (by name in the
            block's scope); the others take their defaults.

    Returns:
        The hyperparameters after the build, and a model from the input to the
        block's output.
    """
    keras.backend.clear_session(free_memory=False)
    hp = kt.HyperParameters()
    hp.values.update(values or {})
    inputs = keras.Input(shape, name="image")
    outputs = block.build(hp, [inputs])
    return hp, keras.Model(inputs, outputs)


def registered(hp: kt.HyperParameters) -> dict[str, Any]:
    """The registered hyperparameters by name."""
    return {p.name: p for p in hp.space}


def check_fixed_not_registered(block: Block, shape: tuple[int, ...], fixed: dict[str, Any]):
    """Fixed arguments register no hyperparameter; the others still do.

    Returns:
        The hyperparameters and the model, for block-specific checks of the
        fixed values.
    """
    hp, model = build(block, shape)
    for name in fixed:
        assert name not in hp.values, f"fixed argument {name} was registered"
        assert name not in registered(hp)
    return hp, model


def check_list_registers_choice(
    block: Block, shape: tuple[int, ...], listed: dict[str, list[Any]]
) -> kt.HyperParameters:
    """Each list argument registers a Choice (Boolean for both bools) of exactly its values."""
    hp, _ = build(block, shape)
    space = registered(hp)
    for name, values in listed.items():
        assert name in space, f"listed argument {name} was not registered"
        param = space[name]
        if all(isinstance(v, bool) for v in values):
            assert type(param).__name__ == "Boolean"
            assert set(values) == {False, True}
        else:
            assert type(param).__name__ == "Choice"
            assert list(param.values) == list(values)
        assert hp.values[name] == values[0]
    return hp


def check_trains_one_step(
    model: keras.Model, seed: int, num_samples: int = 16, eager: bool = True
) -> float:
    """Fit `model` plus a softmax layer for one epoch (two batches) on random data.

    Checks that the loss is finite and that the block's first weights moved,
    so gradients reach through the whole block. Plain SGD: Adam's update adds
    several seconds of graph tracing and tests nothing more here. Eager by
    default: on two tiny batches, tracing the training function takes several
    times longer than the training. Tests use graph mode (`eager=False`, as a
    search trains) where it could behave differently: an unknown batch size
    (drop-connect masks), random layers' seed state, and the default
    ImageBlock candidate.

    Returns:
        The epoch's loss.
    """
    x = model.output
    if len(x.shape) > 2:
        x = keras.layers.Flatten(name="test_flatten")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="test_softmax")(x)
    classifier = keras.Model(model.input, outputs)
    classifier.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="sparse_categorical_crossentropy",
        run_eagerly=eager,
    )
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in model.input.shape[1:])
    data = rng.normal(size=(num_samples, *shape)).astype("float32")
    labels = rng.integers(0, 3, size=num_samples)
    first = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights[:1]]
    history = classifier.fit(data, labels, epochs=1, batch_size=8, verbose=0)
    loss = float(history.history["loss"][-1])
    assert math.isfinite(loss)
    if first:
        trained = keras.ops.convert_to_numpy(model.trainable_weights[0])
        assert not np.allclose(first[0], trained), (
            f"{model.trainable_weights[0].path} did not train"
        )
    return loss


def check_spatial_bounds(model: keras.Model) -> None:
    """No layer upsamples the input image or shrinks a map below 1x1."""
    height, width = (int(d) for d in model.input.shape[1:3])
    for layer in model.layers:
        shape = layer.output.shape
        if len(shape) == 4:
            assert 1 <= shape[1] <= height, f"{layer.name}: {shape}"
            assert 1 <= shape[2] <= width, f"{layer.name}: {shape}"


def check_rejects(make: Callable[..., Block], argument: str, bad_values: list[Any]) -> None:
    """`make(**{argument: bad})` raises a ValueError that names `argument`."""
    for bad in bad_values:
        with pytest.raises(ValueError, match=f"`{argument}`"):
            make(**{argument: bad})


def layer_names(model: keras.Model) -> list[str]:
    return [layer.name for layer in model.layers]
