"""TabularInput: one raw input per column, encoding inside the model, serving like predict."""

import json

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
import pytest

import easynas as en
from easynas.data import DataSpec, analyze_classification_target
from easynas.graph import Graph, TabularInput
from easynas.graph._tabular_input import serving_names
from tests.blocks._tabular_table import mixed_table


def _fitted(seed, **kwargs):
    node = TabularInput(column_types={"review": "text"}, **kwargs)
    frame = node.read(mixed_table(seed), "x")
    return node, frame, node.analyze(frame, "x")


def test_tabular_input_config_round_trips_through_json():
    node = TabularInput(column_names=["a", "b"], column_types={"b": "categorical"}, name="t")
    config = json.loads(json.dumps(node.get_config()))
    assert config == {"column_names": ["a", "b"], "column_types": {"b": "categorical"},
                      "name": "t"}
    assert TabularInput.from_config(config).get_config() == config
    assert keras.saving.get_registered_object("easynas>TabularInput") is TabularInput


@pytest.mark.parametrize("kwargs, argument", [
    ({"column_types": {"zip": "category"}}, "column_types"),
    ({"column_types": ["zip"]}, "column_types"),
    ({"column_names": "ab"}, "column_names"),
    ({"column_names": ["a", "a"]}, "column_names"),
])
def test_tabular_input_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        TabularInput(**kwargs)


def test_tabular_input_builds_one_raw_input_per_column(seed):
    node, frame, spec = _fitted(seed)
    inputs, features = node.build(spec, "table")
    assert [(t.name, t.dtype, tuple(t.shape)) for t in inputs] == [
        ("table_age", "float32", (None,)), ("table_colour", "string", (None,)),
        ("table_member", "float32", (None,)), ("table_joined", "float32", (None, 5)),
        ("table_review", "string", (None,)),
    ]
    assert tuple(features.shape) == (None, spec.width)
    model = keras.Model(inputs, features)
    layer_types = {type(layer).__name__ for layer in model.layers}
    assert {"Normalization", "StringLookup", "TextVectorization"} <= layer_types
    values = keras.ops.convert_to_numpy(model(node.conform(spec, frame, "x")))
    assert np.isfinite(values).all()
    assert values[1, 1] == 1.0  # age is missing in row 1: its indicator is set, value 0
    assert values[1, 0] == 0.0


def test_tabular_input_serving_takes_raw_columns_and_matches_predict(seed):
    import tensorflow as tf

    node, frame, spec = _fitted(seed)
    inputs, features = node.build(spec, "table")
    model = keras.Model(inputs, features)
    signature = node.signature(spec, "table")
    assert [(s.name, s.dtype.name) for s in signature] == [
        ("age", "float32"), ("colour", "string"), ("member", "bool"), ("joined", "string"),
        ("review", "string")]
    raw = mixed_table(seed)
    raw.loc[0, "colour"] = "purple"  # unseen
    raw.loc[3, "age"] = np.nan
    raw.loc[4, "joined"] = pd.NaT
    served = [
        tf.constant(raw.age.to_numpy(np.float32)),
        tf.constant(raw.colour.fillna("").tolist()),
        tf.constant(raw.member.to_numpy()),
        tf.constant(raw.joined.dt.strftime("%Y-%m-%d").fillna("").tolist()),
        tf.constant(raw.review.tolist()),
    ]
    from_serving = model(node.serving_inputs(spec, served))
    from_predict = model(node.conform(spec, node.read(raw, "x"), "x"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(from_serving),
                               keras.ops.convert_to_numpy(from_predict), atol=1e-6)


def test_serving_names_keep_identifiers_and_fix_the_others():
    assert serving_names(["age", "native-country", "2nd", "native_country", "a b"]) == [
        "age", "native_country_2", "c_2nd", "native_country", "a_b"]


def test_tabular_input_names_integer_categories_and_serves_them_as_int64(seed):
    frame = pd.DataFrame({"zip": [94103, 10001, 94103, -1], "size": [1.0, 2.0, 3.0, 4.0]})
    node = TabularInput(column_types={"zip": "categorical"})
    spec = node.analyze(node.read(frame, "x"), "x")
    assert [s.dtype.name for s in node.signature(spec, "t")] == ["int64", "float32"]
    inputs, features = node.build(spec, "t")
    model = keras.Model(inputs, features)
    arrays = node.conform(spec, node.read(frame.assign(zip=[94103, 10001, 5, -1]), "x"), "x")
    index = keras.ops.convert_to_numpy(model(arrays))[:, -1]
    assert spec.columns[0].vocabulary == (94103, -1, 10001)  # ties in sorted order
    assert index.tolist() == [1.0, 3.0, 0.0, 2.0]  # 5 is unseen: the OOV bucket; -1 is a value


def test_graph_with_a_tabular_input_builds_and_round_trips(seed):
    node, frame, spec = _fitted(seed)
    table = TabularInput(column_types={"review": "text"})
    head = en.ClassificationHead()(en.blocks.TabularBlock()(table))
    graph = Graph.from_nodes(table, head)
    assert graph.inputs[0].name == "tabular"
    rebuilt = Graph.from_config(json.loads(graph.to_json()))
    assert rebuilt.to_json() == graph.to_json()
    data_spec = DataSpec((spec,), (analyze_classification_target(np.arange(16) % 2),))
    model = graph.build(kt.HyperParameters(), data_spec)
    assert [t.name for t in model.inputs][:2] == ["tabular_age", "tabular_colour"]
    assert model.predict(node.conform(spec, frame, "x"), verbose=0).shape == (16, 2)
