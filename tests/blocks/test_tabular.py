"""TabularBlock: the hyper-block over tabular architectures, with conditional scopes."""

from __future__ import annotations

import pytest

from easynas.blocks import TabularBlock
from tests.blocks import _harness as h
from tests.blocks._tabular_table import build_on_table, mixed_table, trains_one_step


def test_tabular_block_config_round_trip():
    h.check_config_round_trip(TabularBlock())
    h.check_config_round_trip(TabularBlock(block_type=["transformer", "mlp"], name="b"))


def test_tabular_block_default_is_an_mlp_on_one_hot_categories(seed):
    hp, model, _, _ = build_on_table(TabularBlock(name="b"), mixed_table(seed))
    assert hp.values == {"block_type": "mlp", "encoding/encoding": "one_hot",
                         "encoding/numeric": "standardized", "mlp/num_layers": 2,
                         "mlp/units": 64, "mlp/dropout": 0.0, "mlp/batch_norm": False,
                         "mlp/residual": False}
    assert tuple(model.output.shape) == (None, 64)
    assert all(layer.name.startswith(("table_", "b_")) for layer in model.layers)


def test_tabular_block_linear_model_has_no_hidden_layer(seed):
    hp, model, _, spec = build_on_table(TabularBlock(name="b"), mixed_table(seed),
                                        {"mlp/num_layers": 0})
    assert "mlp/units" not in hp.values
    assert not any("dense" in layer.name for layer in model.layers)


def test_tabular_block_scopes_are_conditional_on_the_block_type(seed):
    hp, model, arrays, _ = build_on_table(TabularBlock(name="b"), mixed_table(seed),
                                          {"block_type": "transformer",
                                           "transformer/num_layers": 1,
                                           "transformer/token_dim": 8})
    assert set(hp.values) == {"block_type", "transformer/num_layers", "transformer/token_dim",
                              "transformer/num_heads", "transformer/dropout"}
    space = {p.name: p for p in hp.space}
    (condition,) = space["transformer/token_dim"].conditions
    assert condition.name == "block_type" and list(condition.values) == ["transformer"]
    trains_one_step(model, arrays, seed)


def test_tabular_block_fixed_type_registers_no_choice(seed):
    hp, _, _, _ = build_on_table(TabularBlock(block_type="transformer", name="b"),
                                 mixed_table(seed))
    assert "block_type" not in hp.values and "transformer/num_layers" in hp.values


def test_tabular_block_rejects_bad_values():
    h.check_rejects(TabularBlock, "block_type", ["ft", ["mlp", "cnn"]])


def test_tabular_block_needs_a_tabular_input():
    with pytest.raises(ValueError, match="TabularBlock must read a TabularInput"):
        h.build(TabularBlock(name="b"), (4,))
