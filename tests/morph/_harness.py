"""Tiny real models with generic weights, and the checks every morph test makes.

The parents get random weights (BatchNormalization moving statistics and
Normalization means included) rather than Keras' initial ones, so a morph that
mishandles a bias, a scale or a statistic shows up as an output difference.
"""

from __future__ import annotations

import math

import keras
import numpy as np

TOLERANCE = 1e-4
# The classifiers output logits, so a small change is not hidden by a softmax.
_LOGITS_LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def randomize(model: keras.Model, seed: int) -> keras.Model:
    """Give every weight a random value (adapted Normalization layers excepted)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization) or not layer.weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            channels = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.5, 1.5, channels), rng.normal(0, 0.5, channels),
                               rng.normal(0, 0.5, channels), rng.uniform(0.5, 2.0, channels)])
        else:
            layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    return model


def _finish(inputs, outputs, loss, seed: int) -> keras.Model:
    model = keras.Model(inputs, outputs, name="parent")
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, jit_compile=False)
    return randomize(model, seed)


def mlp(seed: int) -> keras.Model:
    """x(6) -> d1 Dense relu -> drop -> d2 Dense -> r2 ReLU -> out Dense(3) logits."""
    x = keras.Input((6,), name="x")
    h = keras.layers.Dense(8, activation="relu", name="d1")(x)
    h = keras.layers.Dropout(0.25, name="drop")(h)
    h = keras.layers.Dense(8, name="d2")(h)
    h = keras.layers.ReLU(name="r2")(h)
    out = keras.layers.Dense(3, name="out")(h)
    return _finish(x, out, _LOGITS_LOSS, seed)


def cnn(seed: int) -> keras.Model:
    """8x8x1 -> c1 Conv -> bn1 -> r1 -> c2 Conv relu -> pool -> flat -> out Dense(3)."""
    x = keras.Input((8, 8, 1), name="img")
    h = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="c1")(x)
    h = keras.layers.BatchNormalization(name="bn1")(h)
    h = keras.layers.ReLU(name="r1")(h)
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c2")(h)
    h = keras.layers.MaxPooling2D(name="pool")(h)
    h = keras.layers.Flatten(name="flat")(h)
    out = keras.layers.Dense(3, name="out")(h)
    return _finish(x, out, _LOGITS_LOSS, seed)


def residual(seed: int) -> keras.Model:
    """A stem, then r0 + c2(r1(c1(r0))) -> r2 -> gap -> out Dense(3)."""
    x = keras.Input((8, 8, 1), name="img")
    h = keras.layers.Conv2D(4, 3, padding="same", name="stem")(x)
    h = keras.layers.BatchNormalization(name="stem_bn")(h)
    r0 = keras.layers.ReLU(name="r0")(h)
    h = keras.layers.Conv2D(4, 3, padding="same", name="c1")(r0)
    h = keras.layers.ReLU(name="r1")(h)
    h = keras.layers.Conv2D(4, 3, padding="same", name="c2")(h)
    h = keras.layers.Add(name="add")([r0, h])
    h = keras.layers.ReLU(name="r2")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    out = keras.layers.Dense(3, name="out")(h)
    return _finish(x, out, _LOGITS_LOSS, seed)


def normalized(seed: int) -> keras.Model:
    """An adapted Normalization in front of a Dense regressor."""
    rng = np.random.default_rng(seed)
    x = keras.Input((5,), name="x")
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(rng.normal(3.0, 2.0, size=(64, 5)).astype("float32"))
    h = keras.layers.Dense(8, activation="relu", name="d1")(norm(x))
    h = keras.layers.Dense(8, activation="relu", name="d2")(h)
    out = keras.layers.Dense(1, name="out")(h)
    return _finish(x, out, "mse", seed)


def branchy(seed: int) -> keras.Model:
    """Depthwise and separable convolutions, and a concatenation of two branches."""
    x = keras.Input((8, 8, 2), name="img")
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c")(x)
    b = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw")(a)
    b = keras.layers.SeparableConv2D(4, 3, padding="same", activation="relu", name="sep")(b)
    h = keras.layers.Concatenate(name="cat")([a, b])
    h = keras.layers.Conv2D(4, 1, activation="relu", name="mix")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    out = keras.layers.Dense(3, name="out")(h)
    return _finish(x, out, _LOGITS_LOSS, seed)


MODELS = {"mlp": mlp, "cnn": cnn, "residual": residual, "normalized": normalized,
          "branchy": branchy}


def data(model: keras.Model, seed: int, n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs shaped for `model` and targets fitting its loss."""
    rng = np.random.default_rng(seed)
    shape = tuple(model.input.shape[1:])
    x = rng.normal(1.0, 2.0, size=(n, *shape)).astype("float32")
    if model.output.shape[-1] == 1:
        return x, rng.normal(size=(n, 1)).astype("float32")
    return x, (np.arange(n) % model.output.shape[-1]).astype("int64")


def max_difference(parent: keras.Model, child: keras.Model, x) -> float:
    """Largest absolute output difference in inference mode."""
    a = keras.ops.convert_to_numpy(parent(x, training=False))
    b = keras.ops.convert_to_numpy(child(x, training=False))
    assert a.shape == b.shape
    return float(np.abs(a - b).max())


def assert_preserves(parent: keras.Model, child: keras.Model, x) -> float:
    """The child's outputs equal the parent's within TOLERANCE; returns the error."""
    error = max_difference(parent, child, x)
    assert error < TOLERANCE, f"child differs from parent by {error}"
    return error


def snapshot(model: keras.Model) -> list[np.ndarray]:
    """A copy of every weight of the model."""
    return [np.array(w) for w in model.get_weights()]


def assert_same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    """Two weight lists are exactly equal."""
    assert len(a) == len(b)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)


def assert_trains(child: keras.Model, x, y) -> list[float]:
    """Two epochs of `fit` run on the child, with finite losses that change.

    With `shuffle=False` and no weight update, both epochs would see the same
    batches and report the same loss.

    Returns:
        The loss of each epoch.
    """
    assert child.compiled, "the child should be compiled like its parent"
    history = child.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    losses = [float(v) for v in history.history["loss"]]
    assert all(math.isfinite(v) for v in losses)
    assert losses[1] != losses[0]
    return losses
