"""Encoding candidates as vectors: one-hot, scaled, log-scaled, inactive."""

from __future__ import annotations

import math

import keras_tuner as kt
import numpy as np
import pytest

from easynas.search._encoding import encode, encode_batch
from easynas.search._space import defaults, sample

from . import _harness


def _one(hp_builder) -> kt.HyperParameters:
    hp = kt.HyperParameters()
    hp_builder(hp)
    return hp


def test_encode_string_choice_is_one_hot():
    space = _one(lambda hp: hp.Choice("act", ["relu", "tanh", "gelu"]))
    assert encode(space, {"act": "tanh"}).tolist() == [0.0, 1.0, 0.0]


def test_encode_two_numbers_choice_is_one_hot():
    space = _one(lambda hp: hp.Choice("k", [3, 5]))
    assert encode(space, {"k": 5}).tolist() == [0.0, 1.0]


def test_encode_numeric_choice_is_its_rank_scaled():
    space = _one(lambda hp: hp.Choice("lr", [1e-3, 3e-3, 3e-4]))
    assert encode(space, {"lr": 3e-4}).tolist() == [0.0]
    assert encode(space, {"lr": 1e-3}).tolist() == [0.5]
    assert encode(space, {"lr": 3e-3}).tolist() == [1.0]


def test_encode_int_and_float_are_scaled_to_unit_interval():
    def build(hp):
        hp.Int("layers", 1, 5)
        hp.Float("rate", 0.0, 0.5)

    space = _one(build)
    assert encode(space, {"layers": 3, "rate": 0.5}).tolist() == [0.5, 1.0]


def test_encode_log_sampling_uses_log_scale():
    space = _one(lambda hp: hp.Float("lr", 1e-4, 1e-2, sampling="log"))
    assert encode(space, {"lr": 1e-3})[0] == pytest.approx(0.5)


def test_encode_boolean_is_zero_or_one():
    space = _one(lambda hp: hp.Boolean("bn"))
    assert encode(space, {"bn": True}).tolist() == [1.0]
    assert encode(space, {"bn": False}).tolist() == [0.0]


def test_encode_fixed_has_no_column():
    space = _one(lambda hp: hp.Fixed("opt", "adam"))
    assert encode(space, {"opt": "adam"}).shape == (0,)


def test_encode_inactive_conditional_differs_from_every_active_value():
    space = _harness.make_space()
    active = dict(defaults(space), kind="a", dropout=0.0, width=8)
    inactive = {k: v for k, v in active.items() if k not in ("dropout", "width")}
    inactive["kind"] = "b"
    a, b = encode(space, active), encode(space, inactive)
    assert a.shape == b.shape
    # the dropout / width columns: [active flag, value]
    assert b[-4:].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert a[-4:].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_encode_ignores_keys_outside_the_space():
    space = _harness.make_space()
    values = defaults(space)
    extra = {**values, "easynas/parent_trial_id": "3", "easynas/epochs": 9}
    assert np.array_equal(encode(space, values), encode(space, extra))


def test_encode_batch_rows_match_encode_and_stay_in_unit_interval():
    space = _harness.make_space()
    rng = np.random.default_rng(0)
    candidates = [sample(space, rng) for _ in range(20)]
    matrix = encode_batch(space, candidates)
    assert matrix.shape[0] == 20
    for row, values in zip(matrix, candidates):
        assert np.array_equal(row, encode(space, values))
    assert matrix.min() >= 0.0 and matrix.max() <= 1.0
    assert encode_batch(space, []).shape == (0, matrix.shape[1])


def test_encode_clips_out_of_range_numbers():
    space = _one(lambda hp: hp.Float("x", 1.0, 2.0, sampling="log"))
    assert encode(space, {"x": 4.0}).tolist() == [1.0]
    assert math.isfinite(encode(space, {"x": 0.0})[0])
