"""AddSkip and ConcatSkip: new connections that start at zero."""

from __future__ import annotations

import numpy as np
import pytest

from easynas.morph import AddSkip, ConcatSkip, MorphError, apply_ops
from tests.morph import _harness as h


@pytest.mark.parametrize(("model_name", "source", "target", "projection"), [
    ("mlp", "d1", "r2", "Dense"),
    ("cnn", "r1", "c2", "Conv2D"),        # 4 -> 8 channels through a 1x1 projection
    ("residual", "r0", "r1", "Conv2D"),
    ("residual", "r0", "r2", "Conv2D"),   # across the existing residual add
    ("branchy", "c", "sep", "Conv2D"),
])
def test_add_skip_preserves_function(model_name, source, target, projection, seed):
    parent = h.MODELS[model_name](seed)
    x, _ = h.data(parent, seed)
    child = AddSkip(source, target).apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    layer = child.get_layer(f"{target}_skip_projection")
    assert type(layer).__name__ == projection
    assert layer.input.shape == parent.get_layer(source).output.shape
    add = child.get_layer(f"{target}_skip_add")
    assert add.output.shape == parent.get_layer(target).output.shape
    for consumer in parent.layers:
        if parent.get_layer(target).output is consumer.input:
            assert child.get_layer(consumer.name).input is add.output


@pytest.mark.parametrize(("model_name", "source", "target", "added"), [
    ("mlp", "d1", "out", 8),
    ("residual", "r0", "c2", 4),
    ("branchy", "c", "mix", 4),
])
def test_concat_skip_preserves_function(model_name, source, target, added, seed):
    parent = h.MODELS[model_name](seed)
    x, _ = h.data(parent, seed)
    child = ConcatSkip(source, target).apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    old = parent.get_layer(target).get_weights()[0]
    new = child.get_layer(target).get_weights()[0]
    assert new.shape[-2] == old.shape[-2] + added
    np.testing.assert_array_equal(new[..., : old.shape[-2], :], old)
    assert not new[..., old.shape[-2]:, :].any()


@pytest.mark.parametrize(("op", "reason"), [
    (AddSkip("c2", "r1"), "'c2' does not come before 'r1'"),
    (AddSkip("r1", "flat"), "shapes .* are not both"),
    (AddSkip("r1", "pool"), "differ .* outside the channels"),
    (AddSkip("r1", "out"), "'out': its output is a model output"),
    (AddSkip("d9", "r1"), "no layer named 'd9'"),
    (ConcatSkip("r1", "pool"), "the target is a MaxPooling2D"),
    (ConcatSkip("r1", "out"), "shapes .* are not both"),
    (ConcatSkip("c2", "c2"), "does not come before"),
])
def test_skips_refuse_with_a_reason(op, reason, seed):
    parent = h.cnn(seed)
    ok, why = op.applicable(parent)
    assert not ok and why
    with pytest.raises(MorphError, match=reason):
        op.apply(parent)


def test_skip_children_train_their_new_weights_and_leave_parent_untouched(seed):
    parent = h.residual(seed)
    x, y = h.data(parent, seed)
    before = h.snapshot(parent)
    child = apply_ops(parent, [AddSkip("r0", "r2"), ConcatSkip("r0", "c2")])
    h.assert_trains(child, x, y)
    # Both skips start at zero and get non-zero gradients.
    assert np.abs(child.get_layer("r2_skip_projection").get_weights()[0]).max() > 0
    assert np.abs(child.get_layer("c2").get_weights()[0][:, :, 4:, :]).max() > 0
    h.assert_same_weights(h.snapshot(parent), before)


def test_skip_candidates_all_preserve_function(seed):
    parent = h.residual(seed)
    x, _ = h.data(parent, seed)
    adds = AddSkip.candidates(parent)
    concats = ConcatSkip.candidates(parent)
    assert {(op.source, op.target) for op in adds} == {
        ("r0", "r1"), ("r0", "r2"), ("r1", "add"), ("r1", "r2")}
    assert {(op.source, op.target) for op in concats} == {("r0", "c2")}
    for op in adds + concats:
        h.assert_preserves(parent, op.apply(parent, compile=False), x)
