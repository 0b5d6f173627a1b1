"""Zero-cost proxies on real (tiny, untrained) Keras models and real digits."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from easynas.search._proxies import PROXIES, proxy_scores, synflow


def _cnn(filters: int, depth: int, seed: int) -> keras.Model:
    """A small compiled CNN for 8x8 digits, with a softmax head like our ClassificationHead."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8, 8), name="image")
    h = keras.layers.Reshape((8, 8, 1))(inputs)
    h = keras.layers.Normalization(axis=-1, mean=[4.9], variance=[36.0])(h)
    for _ in range(depth):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        h = keras.layers.BatchNormalization()(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.fixture
def batch(digits):
    images, labels = digits
    return images[:32].astype("float32"), labels[:32]


def test_every_proxy_gives_a_finite_score_that_tells_architectures_apart(batch, seed):
    x, y = batch
    small = proxy_scores(_cnn(4, 1, seed), x, y)
    big = proxy_scores(_cnn(16, 3, seed), x, y)
    assert set(small) == set(big) == set(PROXIES)
    for name in PROXIES:
        assert small[name] is not None and math.isfinite(small[name]), name
        assert big[name] is not None and math.isfinite(big[name]), name
        assert small[name] != big[name], name
    assert small["params"] == _cnn(4, 1, seed).count_params()
    # SynFlow sums positive path products: more and wider layers carry more of them.
    assert big["synflow"] > small["synflow"] > 0


def test_synflow_leaves_the_weights_as_they_were(batch, seed):
    model = _cnn(8, 2, seed)
    before = [w.numpy().copy() for w in model.weights]
    assert synflow(model, *batch) > 0
    for old, new in zip(before, model.weights):
        np.testing.assert_array_equal(old, new.numpy())


def test_naswot_is_none_without_relu_units_and_unknown_names_are_refused(batch):
    inputs = keras.Input((8, 8))
    flat = keras.layers.Flatten()(inputs)
    linear = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(flat))
    linear.compile("adam", "sparse_categorical_crossentropy")
    scores = proxy_scores(linear, *batch, ["naswot", "grad_norm"])
    assert scores["naswot"] is None and scores["grad_norm"] > 0
    with pytest.raises(ValueError, match=r"Unknown proxies \['snip'\]"):
        proxy_scores(linear, *batch, ["snip"])
