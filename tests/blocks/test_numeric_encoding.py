"""Piecewise-linear encoding of numeric columns: the spec's bin edges, the
layers `CategoricalEncoding(numeric="piecewise_linear")` builds from them, and
the exactly solved linear model on top."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest

from easynas.blocks import CategoricalEncoding
from easynas.data._spec import TabularSpec, spec_from_dict
from easynas.graph import TabularInput
from easynas.search._linear_solve import LinearHead
from tests.blocks import _harness as h
from tests.blocks._tabular_table import build_on_table, mixed_table

PIECEWISE = {"numeric": "piecewise_linear"}


def _spec(frame: pd.DataFrame) -> TabularSpec:
    node = TabularInput()
    return node.analyze(node.read(frame, "x"), "x")


def _features(model: keras.Model, layer: str, arrays) -> np.ndarray:
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    return keras.ops.convert_to_numpy(probe(arrays))


def test_edges_are_standardised_deduplicated_quantiles_of_the_training_values(seed):
    rng = np.random.default_rng(seed)
    rows = 400
    gain = np.where(rng.random(rows) < 0.9, 0.0, rng.lognormal(8, 1, rows))
    frame = pd.DataFrame({
        "smooth": rng.normal(10.0, 3.0, rows),
        "three": rng.integers(0, 3, rows).astype(float),
        "constant": np.full(rows, 7.0),
        "gain": gain,
        "colour": rng.choice(["red", "blue"], rows),
    })
    frame.loc[:9, "smooth"] = np.nan
    columns = {c.name: c for c in _spec(frame).columns}

    def raw(name: str) -> np.ndarray:
        column = columns[name]
        return np.asarray(column.edges) * np.sqrt(column.variance[0]) + column.mean[0]

    for name in ("smooth", "three", "gain"):
        assert np.all(np.diff(columns[name].edges) > 0), name
    present = frame["smooth"].dropna().to_numpy()
    np.testing.assert_allclose(raw("smooth"),
                               np.quantile(present, np.linspace(0, 1, 17)), rtol=1e-9)
    np.testing.assert_allclose(raw("three"), [0.0, 1.0, 2.0], atol=1e-9)  # 2 bins, not 16
    assert columns["constant"].edges == ()
    assert columns["colour"].edges == ()
    # 90% zeros would swallow 14 of 16 quantile bins: zero is an edge and the
    # positive values keep 15 bins of their own.
    gain_edges = raw("gain")
    assert gain_edges[0] == pytest.approx(0.0, abs=1e-6) and len(gain_edges) == 17
    np.testing.assert_allclose(gain_edges[1:],
                               np.quantile(gain[gain > 0], np.linspace(0, 1, 16)), rtol=1e-9)


def test_a_spec_round_trips_with_its_edges_and_loads_without_them():
    spec = _spec(mixed_table(0, rows=40))
    assert spec.numeric_edges  # "age" has edges
    assert spec_from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    old = spec.to_dict()
    for column in old["columns"]:
        del column["edges"]  # as written before edges existed
    loaded = spec_from_dict(json.loads(json.dumps(old)))
    assert [c.edges for c in loaded.columns] == [()] * len(loaded.columns)
    assert loaded.numeric_edges == ()


def test_piecewise_linear_features_match_a_hand_computation(seed):
    frame = mixed_table(seed, rows=64)
    hp, model, arrays, spec = build_on_table(CategoricalEncoding(name="c"), frame, PIECEWISE)
    assert hp.values == {"numeric": "piecewise_linear", "encoding": "one_hot"}
    ((position, edges),) = spec.numeric_edges
    (age,) = [c for c in spec.columns if c.name == "age"]
    x = (frame["age"].to_numpy() - age.mean[0]) / np.sqrt(age.variance[0])
    x = np.nan_to_num(x, nan=0.0)  # a missing value reads as the mean
    lower, upper = np.asarray(edges[:-1]), np.asarray(edges[1:])
    expected = np.clip((x[:, None] - lower) / (upper - lower), 0.0, 1.0)
    got = _features(model, "c_piecewise_linear", arrays)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # The standardised scalars stay in the vector, the bins follow them.
    output = keras.ops.convert_to_numpy(model(arrays))
    width = spec.scalar_width
    np.testing.assert_allclose(output[:, position], x, atol=1e-5)
    np.testing.assert_allclose(output[:, width : width + len(lower)], expected, atol=1e-5)
    assert not model.get_layer("c_numeric0_bins").trainable_weights


def test_standardized_first_and_no_hyperparameter_without_edges(seed):
    hp, model, _, spec = build_on_table(CategoricalEncoding(name="c"), mixed_table(seed))
    assert hp.values == {"numeric": "standardized", "encoding": "one_hot"}
    assert "c_piecewise_linear" not in [layer.name for layer in model.layers]
    frame = mixed_table(seed).drop(columns="age")  # datetime parts get no bins
    hp, _, _, _ = build_on_table(CategoricalEncoding(name="c"), frame)
    assert "numeric" not in hp.values


def test_a_linear_model_on_piecewise_linear_features_is_solved_exactly(seed):
    rng = np.random.default_rng(seed)
    rows = 300
    frame = pd.DataFrame({"age": rng.uniform(18, 80, rows),
                          "colour": rng.choice(["red", "blue"], rows)})
    labels = (np.abs(frame["age"].to_numpy() - 50) < 10).astype("int64")  # not monotone
    accuracy = {}
    for numeric in ("standardized", "piecewise_linear"):
        block = CategoricalEncoding(numeric=numeric, encoding="one_hot", name="c")
        _, features, arrays, _ = build_on_table(block, frame)
        out = keras.layers.Dense(2, activation="softmax", name="head",
                                 kernel_regularizer=keras.regularizers.L2(1e-4))(features.output)
        model = keras.Model(features.inputs, out)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        head = LinearHead.of(model)
        assert head is not None and head.dense.name == "head", numeric
        bins = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
        assert head.solve(arrays, labels)
        after = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
        assert all(np.array_equal(a, b) for a, b in zip(bins, after))
        accuracy[numeric] = np.mean(model.predict(arrays, verbose=0).argmax(1) == labels)
    # A band of ages is out of reach of a linear model on the value itself.
    assert accuracy["piecewise_linear"] >= 0.95 > 0.8 >= accuracy["standardized"]


def test_numeric_encoding_config_round_trip():
    h.check_config_round_trip(CategoricalEncoding(numeric=["standardized", "piecewise_linear"],
                                                  name="c"))


def test_numeric_encoding_rejects_bad_values():
    h.check_rejects(CategoricalEncoding, "numeric", ["pwl", 1])
