"""TabularTransformerBlock meets the block contract on a real table."""

from __future__ import annotations

import pytest

from easynas.blocks import TabularTransformerBlock
from tests.blocks import _harness as h
from tests.blocks._tabular_table import build_on_table, mixed_table, trains_one_step


def test_tabular_transformer_block_config_round_trip():
    h.check_config_round_trip(TabularTransformerBlock())
    h.check_config_round_trip(TabularTransformerBlock(num_layers=[1, 2], token_dim=16, name="t"))


def test_tabular_transformer_block_default_build_makes_one_token_per_feature(seed):
    hp, model, _, spec = build_on_table(TabularTransformerBlock(name="t"), mixed_table(seed))
    assert hp.values == {"num_layers": 2, "token_dim": 32, "num_heads": 4, "dropout": 0.1}
    assert tuple(model.output.shape) == (None, 32)
    # summary + scalar tokens, one per text column, one per categorical column
    tokens = 1 + spec.scalar_width + len(spec.text_slices) + len(spec.categorical_slices)
    assert tuple(model.get_layer("t_tokens").output.shape) == (None, tokens, 32)
    assert "t_layer1_attention" in h.layer_names(model)


def test_tabular_transformer_block_fixed_arguments_train_one_step(seed):
    fixed = {"num_layers": 1, "token_dim": 8, "num_heads": 2, "dropout": 0.0}
    hp, model, arrays, _ = build_on_table(TabularTransformerBlock(**fixed, name="t"),
                                          mixed_table(seed))
    assert hp.values == {}
    assert tuple(model.output.shape) == (None, 8)
    assert "t_layer1_attention" not in h.layer_names(model)
    trains_one_step(model, arrays, seed)


def test_tabular_transformer_block_works_on_numbers_alone(seed):
    frame = mixed_table(seed)[["age"]]
    _, model, arrays, _ = build_on_table(TabularTransformerBlock(num_layers=1, token_dim=8,
                                                                 name="t"), frame)
    assert model(arrays).shape == (16, 8)


def test_tabular_transformer_block_needs_a_tabular_input():
    with pytest.raises(ValueError, match="TabularTransformerBlock must read a TabularInput"):
        h.build(TabularTransformerBlock(name="t"), (4,))


@pytest.mark.parametrize("argument, bad", [("num_layers", [0]), ("token_dim", [-4, "8"]),
                                           ("num_heads", [0]), ("dropout", [-0.1])])
def test_tabular_transformer_block_rejects_bad_values(argument, bad):
    h.check_rejects(TabularTransformerBlock, argument, bad)
