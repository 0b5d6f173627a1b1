"""ConvBlock meets the block contract."""

from __future__ import annotations

import pytest

from easynas.blocks import ConvBlock
from tests.blocks import _harness as h


def test_conv_block_config_round_trip():
    h.check_config_round_trip(ConvBlock())
    h.check_config_round_trip(
        ConvBlock(num_blocks=[1, 2], filters=8, separable=True, dropout=0.25, name="c")
    )


@pytest.mark.parametrize("shape", [(8, 8, 1), (7, 12, 3)])
def test_conv_block_default_build_keeps_map_in_bounds(shape):
    hp, model = h.build(ConvBlock(name="c"), shape)
    assert len(model.output.shape) == 4
    h.check_spatial_bounds(model)
    assert all(n.startswith("c_") for n in h.layer_names(model)[1:])
    assert hp.values == {
        "num_blocks": 2, "num_layers": 2, "filters": 32, "kernel_size": 3,
        "separable": False, "batch_norm": True, "dropout": 0.0,
    }


def test_conv_block_never_pools_below_one_pixel():
    _, model = h.build(ConvBlock(num_blocks=3, name="c"), (2, 3, 1))
    h.check_spatial_bounds(model)
    assert tuple(model.output.shape[1:3]) == (1, 1)


def test_conv_block_fixed_arguments_are_used_not_searched():
    fixed = {"num_blocks": 1, "num_layers": 1, "filters": 8, "kernel_size": 5,
             "separable": False, "batch_norm": False, "dropout": 0.25}
    _, model = h.check_fixed_not_registered(ConvBlock(**fixed, name="c"), (8, 8, 1), fixed)
    conv = model.get_layer("c_stage0_conv0")
    assert conv.filters == 8
    assert conv.kernel_size == (5, 5)
    assert "c_stage0_bn0" not in h.layer_names(model)
    assert model.get_layer("c_stage0_dropout").rate == 0.25
    assert model.output.shape[1:] == (4, 4, 8)


def test_conv_block_list_arguments_register_exact_choices():
    listed = {"filters": [8, 4], "kernel_size": [5, 3], "batch_norm": [False, True]}
    h.check_list_registers_choice(ConvBlock(**listed, name="c"), (8, 8, 1), listed)


def test_conv_block_trains_one_step(seed):
    _, model = h.build(ConvBlock(name="c"), (8, 8, 1))
    h.check_trains_one_step(model, seed)


@pytest.mark.parametrize(
    "argument, bad",
    [("num_blocks", [0, -1, 1.5, True, []]), ("filters", ["32", [8, 0]]),
     ("kernel_size", [4, 0]), ("separable", [1, "yes"]), ("dropout", [1.0, -0.1, "0.2"])],
)
def test_conv_block_rejects_bad_values(argument, bad):
    h.check_rejects(ConvBlock, argument, bad)
