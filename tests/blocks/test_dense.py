"""DenseBlock meets the block contract."""

from __future__ import annotations

import pytest

from easynas.blocks import DenseBlock
from tests.blocks import _harness as h


def test_dense_block_config_round_trip():
    h.check_config_round_trip(DenseBlock())
    h.check_config_round_trip(DenseBlock(num_layers=[1, 3], units=32, dropout=0.5, name="d"))


@pytest.mark.parametrize("shape, flattened", [((8, 8, 1), True), ((7, 12, 3), True),
                                              ((5,), False)])
def test_dense_block_default_build_flattens_higher_ranks(shape, flattened):
    hp, model = h.build(DenseBlock(name="d"), shape)
    assert hp.values == {"num_layers": 2, "units": 64, "batch_norm": False, "dropout": 0.0}
    assert tuple(model.output.shape) == (None, 64)
    assert ("d_flatten" in h.layer_names(model)) is flattened
    assert all(n.startswith("d_") for n in h.layer_names(model)[1:])


def test_dense_block_fixed_arguments_are_used_not_searched():
    fixed = {"num_layers": 3, "units": 32, "batch_norm": True, "dropout": 0.25}
    _, model = h.check_fixed_not_registered(DenseBlock(**fixed, name="d"), (8, 8, 1), fixed)
    names = h.layer_names(model)
    for layer in range(3):
        dense = model.get_layer(f"d_layer{layer}_dense")
        assert dense.units == 32 and not dense.use_bias  # batch norm makes the bias redundant
        assert f"d_layer{layer}_bn" in names
        assert model.get_layer(f"d_layer{layer}_dropout").rate == 0.25
    assert "d_layer3_dense" not in names


def test_dense_block_list_arguments_register_exact_choices():
    listed = {"num_layers": [3, 1], "units": [16, 8], "batch_norm": [True, False],
              "dropout": [0.5, 0.0]}
    h.check_list_registers_choice(DenseBlock(**listed, name="d"), (8, 8, 1), listed)


def test_dense_block_trains_one_step(seed):
    _, model = h.build(DenseBlock(batch_norm=True, dropout=0.25, name="d"), (7, 12, 3))
    h.check_trains_one_step(model, seed)


@pytest.mark.parametrize(
    "argument, bad",
    [("num_layers", [0, 1.0]), ("units", [-8, "64", []]), ("batch_norm", ["true"]),
     ("dropout", [0.5j, 2])],
)
def test_dense_block_rejects_bad_values(argument, bad):
    h.check_rejects(DenseBlock, argument, bad)
