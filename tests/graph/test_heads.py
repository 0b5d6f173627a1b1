"""Heads: outputs, losses and the in-model target scaling."""

import json

import keras
import keras_tuner as kt
import numpy as np

from easynas.data import analyze_classification_target, analyze_regression_target
from easynas.graph import ClassificationHead, RegressionHead


def _build(head, spec):
    head = type(head).from_config({**head.get_config(), "name": "head"})
    inputs = keras.Input((5,))
    hp = kt.HyperParameters()
    with hp.name_scope("head"):
        outputs = head.build_head(hp, [inputs], spec)
    return keras.Model(inputs, outputs), head


def test_classification_head_outputs_probabilities_for_binary_and_multiclass():
    for labels, classes in (([True, False] * 4, 2), (list("abcabcab"), 3)):
        spec = analyze_classification_target(np.asarray(labels))
        model, head = _build(ClassificationHead(), spec)
        out = model.predict(np.random.default_rng(0).random((4, 5)), verbose=0)
        assert out.shape == (4, classes)
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
        assert head.loss(spec) == "sparse_categorical_crossentropy"


def test_classification_head_multi_label_uses_sigmoid_per_label():
    y = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]])
    spec = analyze_classification_target(y)
    assert spec.multi_label
    model, head = _build(ClassificationHead(), spec)
    out = model.predict(np.zeros((2, 5)), verbose=0)
    assert out.shape == (2, 3)
    assert head.loss(spec) == "binary_crossentropy"


def test_regression_head_returns_targets_units():
    y = np.array([100.0, 200.0, 300.0, 400.0])
    spec = analyze_regression_target(y)
    model, _ = _build(RegressionHead(dropout=0.0), spec)
    dense = model.get_layer("head_dense")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    out = model.predict(np.ones((2, 5)), verbose=0)
    np.testing.assert_allclose(out, 250.0, rtol=1e-5)


def test_heads_config_round_trip():
    heads = (
        ClassificationHead(multi_label=True, dropout=0.25),
        RegressionHead(dropout=[0.0, 0.5]),
    )
    for head in heads:
        config = json.loads(json.dumps(head.get_config()))
        assert type(head).from_config(config).get_config() == config
