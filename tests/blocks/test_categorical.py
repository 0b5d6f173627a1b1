"""CategoricalEncoding meets the block contract on a real table."""

from __future__ import annotations

import keras
import pytest

from easynas.blocks import CategoricalEncoding
from tests.blocks import _harness as h
from tests.blocks._tabular_table import build_on_table, mixed_table, trains_one_step


def test_categorical_encoding_config_round_trip():
    h.check_config_round_trip(CategoricalEncoding())
    h.check_config_round_trip(CategoricalEncoding(encoding=["embedding"], embedding_dim=4,
                                                  name="c"))


def test_categorical_encoding_one_hot_by_default(seed):
    hp, model, arrays, spec = build_on_table(CategoricalEncoding(name="c"), mixed_table(seed))
    # embedding_dim is inactive; numeric "standardized" adds no feature
    assert hp.values == {"numeric": "standardized", "encoding": "one_hot"}
    ((_, _, cardinality),) = spec.categorical_slices  # red, green, blue, "" + OOV
    text_width = sum(w for _, _, w in spec.text_slices)
    assert tuple(model.output.shape) == (None, spec.scalar_width + text_width + cardinality)
    row = keras.ops.convert_to_numpy(model(arrays))[0]
    assert row[-cardinality:].sum() == 1.0  # exactly one slot of the one-hot is set


def test_categorical_encoding_embeds_categories(seed):
    block = CategoricalEncoding(encoding="embedding", embedding_dim=4, numeric="standardized",
                                name="c")
    hp, model, arrays, spec = build_on_table(block, mixed_table(seed))
    assert hp.values == {}  # all fixed
    text_width = sum(w for _, _, w in spec.text_slices)
    assert tuple(model.output.shape) == (None, spec.scalar_width + text_width + 4)
    assert model.get_layer("c_category0_embedding").output_dim == 4
    trains_one_step(model, arrays, seed)


def test_categorical_encoding_registers_the_embedding_size_when_searched(seed):
    hp, _, _, _ = build_on_table(CategoricalEncoding(name="c"), mixed_table(seed),
                                 {"encoding": "embedding"})
    assert hp.values == {"numeric": "standardized", "encoding": "embedding", "embedding_dim": 8}


def test_categorical_encoding_passes_a_table_without_categories_through(seed):
    frame = mixed_table(seed).drop(columns="colour")
    hp, model, _, spec = build_on_table(CategoricalEncoding(name="c"), frame)
    assert hp.values == {"numeric": "standardized"}
    assert tuple(model.output.shape) == (None, spec.width)


def test_categorical_encoding_needs_a_tabular_input():
    with pytest.raises(ValueError, match="CategoricalEncoding must read a TabularInput"):
        h.build(CategoricalEncoding(name="c"), (4,))

@pytest.mark.parametrize("argument, bad", [("encoding", ["onehot", 1]),
                                           ("embedding_dim", [0, "8"])])
def test_categorical_encoding_rejects_bad_values(argument, bad):
    h.check_rejects(CategoricalEncoding, argument, bad)
