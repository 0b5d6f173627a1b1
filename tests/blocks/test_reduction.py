"""SpatialReduction meets the block contract."""

from __future__ import annotations

import keras
import pytest

from easynas.blocks import SpatialReduction
from tests.blocks import _harness as h


def test_spatial_reduction_config_round_trip():
    h.check_config_round_trip(SpatialReduction())
    h.check_config_round_trip(SpatialReduction(["flatten", "global_max"], name="s"))


@pytest.mark.parametrize(
    "method, layer, features",
    [("global_avg", keras.layers.GlobalAveragePooling2D, 3),
     ("global_max", keras.layers.GlobalMaxPooling2D, 3),
     ("flatten", keras.layers.Flatten, 7 * 12 * 3)],
)
def test_spatial_reduction_methods_reduce_to_vectors(method, layer, features):
    hp, model = h.check_fixed_not_registered(SpatialReduction(method, name="s"), (7, 12, 3),
                                             {"method": method})
    assert tuple(model.output.shape) == (None, features)
    assert isinstance(model.get_layer(f"s_{method}"), layer)


def test_spatial_reduction_default_is_global_average():
    hp, model = h.build(SpatialReduction(name="s"), (8, 8, 1))
    assert hp.values == {"method": "global_avg"}
    assert tuple(model.output.shape) == (None, 1)


def test_spatial_reduction_reduces_sequences_over_steps():
    _, model = h.build(SpatialReduction("global_max", name="s"), (5, 4))
    assert isinstance(model.get_layer("s_global_max"), keras.layers.GlobalMaxPooling1D)
    assert tuple(model.output.shape) == (None, 4)


def test_spatial_reduction_passes_vectors_through_unsearched():
    hp, model = h.build(SpatialReduction(name="s"), (6,))
    assert model.output is model.input
    assert hp.values == {}


def test_spatial_reduction_list_registers_exact_choice():
    listed = {"method": ["flatten", "global_max"]}
    hp = h.check_list_registers_choice(SpatialReduction(**listed, name="s"), (8, 8, 1), listed)
    assert hp.values["method"] == "flatten"


def test_spatial_reduction_trains_one_step(seed):
    _, model = h.build(SpatialReduction(name="s"), (8, 8, 1))
    h.check_trains_one_step(model, seed)


def test_spatial_reduction_rejects_bad_values():
    h.check_rejects(SpatialReduction, "method", ["avg", ["flatten", "mean"], 1, []])
