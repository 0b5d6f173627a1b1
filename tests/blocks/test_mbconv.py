"""MBConvBlock meets the block contract and uses only stock layers."""

from __future__ import annotations

import keras
import pytest

from easynas.blocks import MBConvBlock
from tests.blocks import _harness as h


def test_mbconv_block_config_round_trip():
    h.check_config_round_trip(MBConvBlock())
    h.check_config_round_trip(
        MBConvBlock(num_stages=2, expansion=[1, 6], use_se=False, dropout=0.2, name="m")
    )


@pytest.mark.parametrize("shape, expected", [((8, 8, 1), (2, 2, 64)), ((7, 12, 3), (2, 3, 64))])
def test_mbconv_block_default_build_halves_between_stages(shape, expected):
    hp, model = h.build(MBConvBlock(name="m"), shape)
    assert hp.values == {"num_stages": 3, "blocks_per_stage": 1, "filters": 16, "expansion": 4,
                         "kernel_size": 3, "use_se": True, "dropout": 0.0}
    assert tuple(model.output.shape[1:]) == expected
    h.check_spatial_bounds(model)
    assert all(n.startswith("m_") for n in h.layer_names(model)[1:])
    assert model.count_params() < 50_000


def test_mbconv_block_deepest_never_shrinks_below_one_pixel():
    block = MBConvBlock(num_stages=4, blocks_per_stage=1, filters=4, expansion=1)
    _, model = h.build(block, (8, 8, 1))
    h.check_spatial_bounds(model)
    assert tuple(model.output.shape[1:3]) == (1, 1)


def test_mbconv_block_adds_residual_only_when_shapes_match():
    block = MBConvBlock(num_stages=2, blocks_per_stage=2, dropout=0.2, name="m")
    _, model = h.build(block, (8, 8, 1))
    names = h.layer_names(model)
    # The stem is as wide as stage 0, so each stage-0 unit is residual; stage 1
    # unit 0 halves and widens (no residual), its unit 1 is residual again.
    assert {"m_stage0_unit0_add", "m_stage0_unit1_add", "m_stage1_unit1_add"} <= set(names)
    assert "m_stage1_unit0_add" not in names
    drop = model.get_layer("m_stage0_unit0_drop")
    assert drop.rate == 0.2 and tuple(drop.noise_shape) == (None, 1, 1, 1)


def test_mbconv_block_squeeze_excitation_uses_stock_layers():
    _, model = h.build(MBConvBlock(num_stages=1, use_se=True, name="m"), (8, 8, 1))
    squeeze = model.get_layer("m_stage0_unit0_se_squeeze")
    assert isinstance(squeeze, keras.layers.GlobalAveragePooling2D) and squeeze.keepdims
    assert isinstance(model.get_layer("m_stage0_unit0_se_excite"), keras.layers.Multiply)
    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)


def test_mbconv_block_fixed_arguments_are_used_not_searched():
    fixed = {"num_stages": 1, "blocks_per_stage": 1, "filters": 8, "expansion": 1,
             "kernel_size": 5, "use_se": False, "dropout": 0.0}
    _, model = h.check_fixed_not_registered(MBConvBlock(**fixed, name="m"), (8, 8, 1), fixed)
    names = h.layer_names(model)
    assert model.get_layer("m_stage0_unit0_dw_conv").kernel_size == (5, 5)
    assert "m_stage0_unit0_expand_conv" not in names  # expansion 1 skips the 1x1 expand
    assert not any("_se_" in n for n in names)
    assert model.output.shape[1:] == (8, 8, 8)


def test_mbconv_block_list_arguments_register_exact_choices():
    listed = {"expansion": [6, 1], "kernel_size": [5, 3], "use_se": [False, True],
              "dropout": [0.1, 0.0]}
    h.check_list_registers_choice(MBConvBlock(**listed, name="m"), (8, 8, 1), listed)


def test_mbconv_block_trains_one_step(seed):
    block = MBConvBlock(num_stages=2, blocks_per_stage=2, dropout=0.2, name="m")
    _, model = h.build(block, (7, 12, 3))
    h.check_trains_one_step(model, seed)


def test_mbconv_block_drop_connect_trains_in_graph_mode(seed):
    # The drop-connect mask has an unknown batch size until the graph runs.
    block = MBConvBlock(num_stages=1, blocks_per_stage=1, filters=8, dropout=0.2, name="m")
    _, model = h.build(block, (8, 8, 1))
    h.check_trains_one_step(model, seed, eager=False)


@pytest.mark.parametrize(
    "argument, bad",
    [("num_stages", [0, "2"]), ("expansion", [0, 1.5]), ("kernel_size", [4, [3, 6]]),
     ("use_se", [1]), ("dropout", [1.0, -0.5])],
)
def test_mbconv_block_rejects_bad_values(argument, bad):
    h.check_rejects(MBConvBlock, argument, bad)
