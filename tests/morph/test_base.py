"""Ops are data: JSON round trips, repeatable children, chains, candidates."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from easynas.morph import (
    AddSkip,
    ConcatSkip,
    Deeper,
    MorphError,
    MorphOp,
    Wider,
    apply_ops,
    candidates,
)
from tests.morph import _harness as h

# A chain on the residual model; "r1_deeper" exists only after the first op.
CHAIN = [
    Deeper("r1"),
    Wider("r1_deeper", units=2, seed=3),
    Wider("stem", units=4, seed=5),
    AddSkip("r0", "r1_deeper_relu"),
    ConcatSkip("r0", "c2"),
]


@pytest.mark.parametrize("op", CHAIN, ids=lambda op: op.kind)
def test_op_round_trips_through_json(op):
    text = json.dumps(op.to_dict())
    data = json.loads(text)
    assert data["op"] == op.kind
    assert MorphOp.from_dict(data) == op


def test_a_chain_of_ops_preserves_function_and_replays_from_json_identically(seed):
    parent = h.residual(seed)
    x, _ = h.data(parent, seed)
    before = h.snapshot(parent)
    child = apply_ops(parent, CHAIN, compile=False)
    h.assert_preserves(parent, child, x)
    assert child.get_layer("r1_deeper").output.shape[-1] == 6
    assert child.get_layer("stem").output.shape[-1] == 8
    assert child.get_layer("c2").output.shape[-1] == 8  # tied to the stem by the add
    h.assert_same_weights(h.snapshot(parent), before)
    stored = json.loads(json.dumps([op.to_dict() for op in CHAIN]))
    replayed = apply_ops(parent, stored, compile=False)
    assert [layer.name for layer in replayed.layers] == [layer.name for layer in child.layers]
    h.assert_same_weights(replayed.get_weights(), child.get_weights())


def test_different_seeds_give_different_children(seed):
    parent = h.mlp(seed)
    a = Wider("d1", units=4, seed=0).apply(parent, compile=False)
    b = Wider("d1", units=4, seed=1).apply(parent, compile=False)
    assert not np.array_equal(a.get_layer("d1").get_weights()[0],
                              b.get_layer("d1").get_weights()[0])


def test_apply_ops_names_the_failing_op(seed):
    parent = h.mlp(seed)
    with pytest.raises(MorphError, match=r"op 1 \(.*'wider'.*\): cannot widen 'out'"):
        apply_ops(parent, [Deeper("d1"), Wider("out")])


def test_apply_ops_without_ops_returns_the_parent(seed):
    parent = h.mlp(seed)
    assert apply_ops(parent, []) is parent


@pytest.mark.parametrize(("data", "reason"), [
    ({"op": "shallower", "after": "d1"}, "unknown morph op 'shallower'; known ops: \\['add_skip'"),
    ({"after": "d1"}, "unknown morph op None"),
    ({"op": "deeper", "after": "d1", "width": 3}, "deeper op has no field\\(s\\) \\['width'\\]"),
    ({"op": "wider"}, "cannot rebuild wider op"),
])
def test_from_dict_rejects_bad_data(data, reason):
    with pytest.raises(MorphError, match=reason):
        MorphOp.from_dict(data)


def test_candidates_lists_every_kind_and_each_applies(seed):
    parent = h.residual(seed)
    x, _ = h.data(parent, seed)
    ops = candidates(parent)
    assert {op.kind for op in ops} == {"deeper", "wider", "add_skip", "concat_skip"}
    assert candidates(parent, ["wider"]) == [op for op in ops if op.kind == "wider"]
    for op in ops:
        assert op.applicable(parent) == (True, "")
    # A search samples from the list; any pick keeps the function.
    pick = ops[np.random.default_rng(seed).integers(len(ops))]
    h.assert_preserves(parent, pick.apply(parent, compile=False), x)


def test_candidates_rejects_an_unknown_kind(seed):
    with pytest.raises(MorphError, match="unknown morph op kind\\(s\\) \\['bigger'\\]"):
        candidates(h.mlp(seed), ["bigger"])


def test_a_sequential_model_is_refused():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")], name="seq")
    with pytest.raises(MorphError, match="'seq' is not a functional keras.Model"):
        Wider("d").apply(model)
