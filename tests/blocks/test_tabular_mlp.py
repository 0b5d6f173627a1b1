"""TabularMLPBlock meets the block contract, down to the linear model."""

from __future__ import annotations

import pytest

from easynas.blocks import TabularMLPBlock
from tests.blocks import _harness as h


def test_tabular_mlp_block_config_round_trip():
    h.check_config_round_trip(TabularMLPBlock())
    h.check_config_round_trip(TabularMLPBlock(num_layers=[0, 2], units=32, residual=True,
                                              name="m"))


def test_tabular_mlp_block_default_build():
    hp, model = h.build(TabularMLPBlock(name="m"), (10,))
    assert hp.values == {"num_layers": 2, "units": 64, "dropout": 0.0, "batch_norm": False,
                         "residual": False}
    assert tuple(model.output.shape) == (None, 64)


def test_tabular_mlp_block_with_no_layer_is_the_identity_and_registers_nothing_else():
    hp, model = h.build(TabularMLPBlock(name="m"), (10,), {"num_layers": 0})
    assert hp.values == {"num_layers": 0}
    assert model.output is model.input or tuple(model.output.shape) == (None, 10)
    assert [w for w in model.weights] == []


def test_tabular_mlp_block_fixed_arguments_and_residuals():
    fixed = {"num_layers": 3, "units": 16, "dropout": 0.1, "batch_norm": True, "residual": True}
    _, model = h.check_fixed_not_registered(TabularMLPBlock(**fixed, name="m"), (10,), fixed)
    names = h.layer_names(model)
    assert "m_layer0_residual" not in names  # widths differ before the first layer
    assert {"m_layer1_residual", "m_layer2_residual", "m_layer2_bn"} <= set(names)
    assert model.get_layer("m_layer1_dropout").rate == 0.1


def test_tabular_mlp_block_list_arguments_register_exact_choices():
    listed = {"num_layers": [1, 0], "units": [8, 16], "residual": [True, False]}
    h.check_list_registers_choice(TabularMLPBlock(**listed, name="m"), (10,), listed)


def test_tabular_mlp_block_trains_one_step(seed):
    _, model = h.build(TabularMLPBlock(batch_norm=True, residual=True, dropout=0.25, name="m"),
                       (10,))
    h.check_trains_one_step(model, seed)


@pytest.mark.parametrize("argument, bad", [("num_layers", [-1, 1.0]), ("units", [0, "64"]),
                                           ("dropout", [1.0]), ("residual", ["yes"])])
def test_tabular_mlp_block_rejects_bad_values(argument, bad):
    h.check_rejects(TabularMLPBlock, argument, bad)
