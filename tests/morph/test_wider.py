"""Wider: copied units with split outgoing weights keep the function."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from easynas.morph import MorphError, Wider
from tests.morph import _harness as h


@pytest.mark.parametrize(("model_name", "layer", "grown"), [
    ("mlp", "d1", "d1 drop"),                 # through Dropout into a Dense
    ("mlp", "d2", "d2 r2"),                   # through a ReLU layer
    ("cnn", "c1", "c1 bn1 r1"),               # through BatchNormalization, ReLU into a Conv2D
    ("cnn", "c2", "c2 pool flat"),            # through pooling and a channels-last Flatten
    ("residual", "c1", "c1 r1"),              # inside a residual branch
    ("residual", "stem", "stem stem_bn r0 c2 add r2 gap"),  # the Add ties c2 to the stem
    ("residual", "c2", "stem stem_bn r0 c2 add r2 gap"),    # ... and the stem to c2
    ("normalized", "d1", "d1"),
    ("branchy", "c", "c dw cat"),             # into DepthwiseConv2D and a Concatenate
    ("branchy", "sep", "sep cat"),            # a SeparableConv2D, through the Concatenate
    ("branchy", "mix", "mix gap"),            # through GlobalAveragePooling2D
])
def test_wider_preserves_function(model_name, layer, grown, seed):
    parent = h.MODELS[model_name](seed)
    x, _ = h.data(parent, seed)
    child = Wider(layer, units=3, seed=seed).apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    assert child.get_layer(layer).output.shape[-1] == parent.get_layer(layer).output.shape[-1] + 3
    for name in [layer.name for layer in parent.layers]:
        old, new = parent.get_layer(name).output.shape, child.get_layer(name).output.shape
        if name in grown.split():
            assert new[:-1] == old[:-1] and new[-1] > old[-1], name
        else:
            assert new == old, name


def test_wider_with_even_split_is_net2wider(seed):
    parent = h.mlp(seed)
    op = Wider("d1", units=5, seed=seed, split_noise=0.0)
    child = op.apply(parent)
    old_in, old_bias = parent.get_layer("d1").get_weights()
    new_in, new_bias = child.get_layer("d1").get_weights()
    old_out = parent.get_layer("d2").get_weights()[0]
    new_out = child.get_layer("d2").get_weights()[0]
    copies = np.random.default_rng(seed).integers(0, 8, size=5)  # the op's documented choice
    source = np.concatenate([np.arange(8), copies])
    count = np.bincount(source, minlength=8)
    np.testing.assert_array_equal(new_in, old_in[:, source])
    np.testing.assert_array_equal(new_bias, old_bias[source])
    np.testing.assert_allclose(new_out, old_out[source] / count[source][:, None], rtol=1e-6)


def test_wider_default_split_gives_copies_different_outgoing_weights(seed):
    parent = h.mlp(seed)
    child = Wider("d2", units=8, seed=seed).apply(parent)
    source = np.concatenate([np.arange(8), np.random.default_rng(seed).integers(0, 8, size=8)])
    rows = child.get_layer("out").get_weights()[0]
    old = parent.get_layer("out").get_weights()[0]
    for unit in set(source[8:]):
        copies = np.flatnonzero(source == unit)
        np.testing.assert_allclose(rows[copies].sum(axis=0), old[unit], rtol=1e-5, atol=1e-6)
        assert not np.allclose(rows[copies[0]], rows[copies[1]])


def test_wider_child_trains_and_leaves_parent_untouched(seed):
    parent = h.cnn(seed)
    x, y = h.data(parent, seed)
    before = h.snapshot(parent)
    child = Wider("c1", units=4, seed=seed).apply(parent)
    h.assert_trains(child, x, y)
    kernel = child.get_layer("c1").get_weights()[0]
    source = np.concatenate([np.arange(4), np.random.default_rng(seed).integers(0, 4, size=4)])
    # Copies started equal to their originals and were pulled apart by training.
    assert not np.allclose(kernel[..., 4], kernel[..., source[4]])
    h.assert_same_weights(h.snapshot(parent), before)


def _layer_norm_model() -> keras.Model:
    x = keras.Input((6,), name="x")
    d = keras.layers.Dense(4, activation="relu", name="d")(x)
    n = keras.layers.LayerNormalization(name="ln")(d)
    return keras.Model(x, keras.layers.Dense(2, name="out")(n))


def _input_residual_model() -> keras.Model:
    x = keras.Input((4,), name="x")
    d = keras.layers.Dense(4, name="d")(x)
    s = keras.layers.Add(name="add")([x, d])
    return keras.Model(x, keras.layers.Dense(2, name="out")(s))


@pytest.mark.parametrize(("build", "layer", "reason"), [
    (lambda s: h.mlp(s), "out", "reach model output 'out'"),
    (lambda s: h.mlp(s), "r2", "it is a ReLU; only"),
    (lambda s: h.mlp(s), "nowhere", "no layer named 'nowhere'"),
    (lambda s: _layer_norm_model(), "d", "a LayerNormalization layer takes the widened"),
    (lambda s: _input_residual_model(), "d", "its input from 'x' \\(InputLayer\\) cannot be"),
])
def test_wider_refuses_with_a_reason(build, layer, reason, seed):
    model = build(seed)
    ok, why = Wider(layer).applicable(model)
    assert not ok and why
    with pytest.raises(MorphError, match=reason):
        Wider(layer).apply(model)


def test_wider_candidates_double_each_widenable_layer(seed):
    parent = h.residual(seed)
    x, _ = h.data(parent, seed)
    ops = Wider.candidates(parent)
    assert [(op.layer, op.units) for op in ops] == [("stem", 4), ("c1", 4), ("c2", 4)]
    for op in ops:
        h.assert_preserves(parent, op.apply(parent, compile=False), x)


@pytest.mark.parametrize(("field", "value"), [
    ("units", 0), ("units", 1.5), ("seed", -1), ("split_noise", 1.0), ("split_noise", True),
])
def test_wider_rejects_bad_field_values(field, value):
    from easynas.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=f"'{field}' parameter of Wider"):
        Wider("d1", **{field: value})
