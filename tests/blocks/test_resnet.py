"""ResNetBlock meets the block contract and keeps feature maps in bounds."""

from __future__ import annotations

import pytest

from easynas.blocks import ResNetBlock
from tests.blocks import _harness as h


def test_resnet_block_config_round_trip():
    h.check_config_round_trip(ResNetBlock())
    h.check_config_round_trip(
        ResNetBlock(num_stages=[1, 2], blocks_per_stage=2, bottleneck=True, name="r")
    )


@pytest.mark.parametrize("shape, expected", [((8, 8, 1), (2, 2, 64)), ((7, 12, 3), (2, 3, 64))])
def test_resnet_block_default_build_halves_between_stages(shape, expected):
    hp, model = h.build(ResNetBlock(name="r"), shape)
    assert hp.values == {"num_stages": 3, "blocks_per_stage": 1, "filters": 16,
                         "bottleneck": False}
    assert tuple(model.output.shape[1:]) == expected
    h.check_spatial_bounds(model)
    assert all(n.startswith("r_") for n in h.layer_names(model)[1:])


@pytest.mark.parametrize("bottleneck", [False, True])
def test_resnet_block_deepest_never_shrinks_below_one_pixel(bottleneck):
    block = ResNetBlock(num_stages=4, blocks_per_stage=1, filters=4, bottleneck=bottleneck)
    _, model = h.build(block, (8, 8, 1))
    h.check_spatial_bounds(model)
    assert tuple(model.output.shape[1:3]) == (1, 1)
    _, tiny = h.build(block, (1, 3, 2))
    h.check_spatial_bounds(tiny)
    assert tuple(tiny.output.shape[1:3]) == (1, 3)


def test_resnet_block_projects_shortcut_only_when_shape_changes():
    _, model = h.build(ResNetBlock(num_stages=2, blocks_per_stage=2, filters=8, name="r"),
                       (8, 8, 1))
    names = h.layer_names(model)
    # Stage 0 keeps the stem's shape: identity shortcuts. Stage 1 unit 0 halves
    # and widens: a strided 1x1 projection. Its unit 1 is the identity again.
    assert "r_stage0_unit0_0_conv" not in names
    assert "r_stage0_unit1_0_conv" not in names
    projection = model.get_layer("r_stage1_unit0_0_conv")
    assert projection.kernel_size == (1, 1) and projection.strides == (2, 2)
    assert "r_stage1_unit1_0_conv" not in names
    assert sum(n.endswith("_bn") for n in names) == sum(n.endswith("_conv") for n in names)


def test_resnet_block_fixed_arguments_are_used_not_searched():
    fixed = {"num_stages": 2, "blocks_per_stage": 1, "filters": 8, "bottleneck": True}
    _, model = h.check_fixed_not_registered(ResNetBlock(**fixed, name="r"), (8, 8, 1), fixed)
    assert model.get_layer("r_stem_conv").filters == 8
    assert model.get_layer("r_stage0_unit0_3_conv").filters == 32  # 4x bottleneck expansion
    assert model.output.shape[1:] == (4, 4, 64)
    assert not any(n.startswith("r_stage2") for n in h.layer_names(model))


def test_resnet_block_list_arguments_register_exact_choices():
    listed = {"num_stages": [2, 1], "filters": [8, 4], "bottleneck": [True, False]}
    hp = h.check_list_registers_choice(ResNetBlock(**listed, name="r"), (8, 8, 1), listed)
    assert hp.values["blocks_per_stage"] == 1


@pytest.mark.parametrize("bottleneck", [False, True])
def test_resnet_block_trains_one_step(seed, bottleneck):
    block = ResNetBlock(num_stages=2, filters=8, bottleneck=bottleneck, name="r")
    _, model = h.build(block, (7, 12, 3))
    h.check_trains_one_step(model, seed)


@pytest.mark.parametrize(
    "argument, bad",
    [("num_stages", [0, 2.0, True, []]), ("blocks_per_stage", [-1, [1, 0]]),
     ("filters", ["16", 0]), ("bottleneck", [0, "no", [True, 1]])],
)
def test_resnet_block_rejects_bad_values(argument, bad):
    h.check_rejects(ResNetBlock, argument, bad)
