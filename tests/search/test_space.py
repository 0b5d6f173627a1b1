"""Reading and sampling a KerasTuner space: sample, mutate, defaults, active_values."""

from __future__ import annotations

import keras_tuner as kt
import numpy as np
import pytest

from easynas.search._space import active_values, defaults, mutate, sample, sample_one

from . import _harness


def test_defaults_sets_every_active_hp_to_its_default():
    space = _harness.make_space()
    values = defaults(space)
    assert values == {
        "units": 16, "activation": "relu", "batch_norm": False, "learning_rate": 1e-3,
        "layers": 1, "kind": "a", "dropout": 0.0, "width": 8, "optimizer": "adam",
    }
    _harness.check_in_space(space, values)


def test_sample_stays_in_space_and_respects_conditions():
    space = _harness.make_space()
    rng = np.random.default_rng(0)
    draws = [sample(space, rng) for _ in range(40)]
    for values in draws:
        _harness.check_in_space(space, values)
    assert {v["kind"] for v in draws} == {"a", "b"}
    assert all(("dropout" in v) == (v["kind"] == "a") for v in draws)


def test_sample_repeats_with_the_same_seed():
    space = _harness.make_space()
    first = [sample(space, np.random.default_rng(5)) for _ in range(3)]
    again = [sample(space, np.random.default_rng(5)) for _ in range(3)]
    assert first == again


def test_sample_one_log_int_and_stepped_float_stay_legal():
    hp = kt.HyperParameters()
    hp.Int("wide", 1, 1000, sampling="log")
    hp.Float("stepped", 0.0, 1.0, step=0.25)
    wide, stepped = hp.space
    rng = np.random.default_rng(0)
    for _ in range(50):
        value = sample_one(wide, rng)
        assert type(value) is int and 1 <= value <= 1000
        assert sample_one(stepped, rng) in (0.0, 0.25, 0.5, 0.75, 1.0)


def test_mutate_changes_the_asked_number_of_hps():
    space = _harness.make_space()
    base = defaults(space)
    rng = np.random.default_rng(1)
    for changes in (1, 2):
        for _ in range(20):
            values = mutate(space, base, rng, num_changes=changes)
            _harness.check_in_space(space, values)
            differing = sum(values[k] != base[k] for k in values.keys() & base.keys())
            assert 1 <= differing <= changes


def test_mutate_of_a_space_with_nothing_to_change_returns_the_candidate():
    hp = kt.HyperParameters()
    hp.Fixed("x", 1)
    assert mutate(hp, {"x": 1}, np.random.default_rng(0)) == {"x": 1}


def test_active_values_completes_drops_inactive_and_keeps_extra_keys():
    space = _harness.make_space()
    values = active_values(space, {"kind": "b", "dropout": 0.3, "units": 64, "easynas/x": 1})
    assert values["units"] == 64 and values["kind"] == "b"
    assert "dropout" not in values and "width" not in values
    assert values["easynas/x"] == 1
    assert values["activation"] == "relu"


@pytest.mark.parametrize("bad", [{"units": 17}, {"units": "16"}, {"layers": 9},
                                 {"batch_norm": 1}])
def test_active_values_replaces_illegal_values_by_defaults(bad):
    space = _harness.make_space()
    (name,) = bad
    assert active_values(space, bad)[name] == defaults(space)[name]
