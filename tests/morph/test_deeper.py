"""Deeper: an identity layer (plus ReLU) inserted where that keeps the function."""

from __future__ import annotations

import numpy as np
import pytest

from easynas.morph import Deeper, MorphError
from tests.morph import _harness as h


@pytest.mark.parametrize(("model_name", "after", "new_class"), [
    ("mlp", "d1", "Dense"),          # a relu Dense
    ("mlp", "drop", "Dense"),        # a Dropout of a relu output
    ("cnn", "r1", "Conv2D"),         # a ReLU after BatchNormalization
    ("cnn", "pool", "Conv2D"),       # max pooling of a relu convolution
    ("cnn", "flat", "Dense"),        # a Flatten of non-negative maps
    ("residual", "r2", "Conv2D"),    # a ReLU after a residual add
    ("normalized", "d2", "Dense"),
])
def test_deeper_preserves_function_where_output_is_nonnegative(model_name, after, new_class,
                                                                seed):
    parent = h.MODELS[model_name](seed)
    x, _ = h.data(parent, seed)
    op = Deeper(after)
    child = op.apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    assert len(child.layers) == len(parent.layers) + 2
    inserted = child.get_layer(f"{op.after}_deeper")
    assert type(inserted).__name__ == new_class
    assert type(child.get_layer(f"{op.after}_deeper_relu")).__name__ == "ReLU"


def test_deeper_with_relu_false_inserts_a_linear_identity_anywhere(seed):
    parent = h.cnn(seed)
    x, _ = h.data(parent, seed)
    assert Deeper("c1").applicable(parent)[0] is False  # c1's output can be negative
    child = Deeper("c1", kernel_size=5, relu=False).apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    assert child.get_layer("c1_deeper").kernel.shape == (5, 5, 4, 4)
    assert len(child.layers) == len(parent.layers) + 1


@pytest.mark.parametrize(("model_name", "after", "reason"), [
    ("cnn", "c1", "'c1' with a ReLU: its output \\(Conv2D\\) may be negative"),
    ("cnn", "bn1", "may be negative"),
    ("residual", "add", "may be negative"),  # r0 + c2(...), and c2 is linear
    ("cnn", "out", "its output is a model output"),
    ("cnn", "img", "may be negative"),
    ("cnn", "nowhere", "has no layer named 'nowhere'"),
])
def test_deeper_refuses_with_a_reason(model_name, after, reason, seed):
    parent = h.MODELS[model_name](seed)
    ok, why = Deeper(after).applicable(parent)
    assert not ok
    assert why
    with pytest.raises(MorphError, match=reason):
        Deeper(after).apply(parent)


def test_deeper_refuses_a_string_tensor():
    import keras

    text = keras.Input((1,), dtype="string", name="text")
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"], name="lookup")(text)
    out = keras.layers.Dense(2, name="out")(keras.layers.Flatten(name="flat")(
        keras.layers.Embedding(3, 4, name="emb")(lookup)))
    model = keras.Model(text, out)
    with pytest.raises(MorphError, match="not float"):
        Deeper("lookup", relu=False).apply(model)


def test_deeper_child_trains_and_leaves_parent_untouched(seed):
    parent = h.cnn(seed)
    x, y = h.data(parent, seed)
    before = h.snapshot(parent)
    child = Deeper("r1").apply(parent)
    identity = np.array(child.get_layer("r1_deeper").get_weights()[0])
    h.assert_trains(child, x, y)
    assert not np.allclose(child.get_layer("r1_deeper").get_weights()[0], identity)
    h.assert_same_weights(h.snapshot(parent), before)


def test_deeper_candidates_all_preserve_function(seed):
    parent = h.residual(seed)
    x, _ = h.data(parent, seed)
    ops = Deeper.candidates(parent)
    assert {op.after for op in ops} == {"r0", "r1", "r2", "gap"}
    for op in ops:
        h.assert_preserves(parent, op.apply(parent, compile=False), x)


@pytest.mark.parametrize(("field", "value"), [("kernel_size", 2), ("relu", 1), ("after", 3)])
def test_deeper_rejects_bad_field_values(field, value):
    from easynas.exceptions import InvalidParameterError

    arguments = {"after": "d1", field: value}
    with pytest.raises(InvalidParameterError, match=f"'{field}' parameter of Deeper"):
        Deeper(**arguments)
