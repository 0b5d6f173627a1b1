"""Heads: outputs, losses and the in-model target scaling."""

import json

import keras
import keras_tuner as kt
import numpy as np
import pytest

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
        ClassificationHead(multi_label=True, dropout=0.25, l2=1e-3),
        RegressionHead(dropout=[0.0, 0.5], l2=[0.0, 1e-2]),
    )
    for head in heads:
        config = json.loads(json.dumps(head.get_config()))
        assert type(head).from_config(config).get_config() == config


def _fit_kernel_norm(head, spec, x, y):
    model, _ = _build(head, spec)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss=head.loss(spec))
    keras.utils.set_random_seed(0)
    model.fit(x, y, epochs=12, batch_size=32, verbose=0)
    kernel = model.get_layer("head" if isinstance(head, ClassificationHead)
                             else "head_dense").get_weights()[0]
    return float(np.sum(kernel**2)), model


def test_head_l2_shrinks_the_output_kernel_of_a_real_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    labels = (x[:, 0] - x[:, 1] > 0).astype(int)  # separable: unpenalised weights grow
    spec = analyze_classification_target(labels)
    free, _ = _fit_kernel_norm(ClassificationHead(l2=0.0), spec, x, labels)
    penalised, model = _fit_kernel_norm(ClassificationHead(l2=0.1), spec, x, labels)
    assert penalised < 0.5 * free
    regulariser = model.get_layer("head").kernel_regularizer
    assert type(regulariser) is keras.regularizers.L2  # stock: exports load without easynas
    assert regulariser.l2 == np.float32(0.1)


def test_regression_head_l2_is_scaled_by_the_target_variance():
    y = np.array([100.0, 200.0, 300.0, 400.0])
    spec = analyze_regression_target(y)
    model, _ = _build(RegressionHead(l2=1e-3), spec)
    kernel = model.get_layer("head_dense").get_weights()[0]
    penalty = float(keras.ops.sum(keras.ops.stack(model.losses)))
    assert penalty == pytest.approx(1e-3 * spec.std[0] ** 2 * np.sum(kernel**2), rel=1e-5)


def test_head_l2_defaults_to_no_penalty_and_a_list_is_searched():
    spec = analyze_classification_target(np.array([0, 1] * 4))
    plain, _ = _build(ClassificationHead(), spec)
    assert not plain.losses
    head = ClassificationHead(l2=[0.0, 1e-2], dropout=0.0)
    head = type(head).from_config({**head.get_config(), "name": "head"})
    hp = kt.HyperParameters()
    with hp.name_scope("head"):
        head.build_head(hp, [keras.Input((5,))], spec)
    assert hp.values == {"head/l2": 0.0}  # the first value is tried first


@pytest.mark.parametrize("bad", [-1e-3, float("nan"), "strong", True, [0.0, -1.0], []])
def test_head_l2_rejects_bad_values_naming_the_argument(bad):
    for cls in (ClassificationHead, RegressionHead):
        with pytest.raises(ValueError, match=r"Argument `l2` of \w+Head must be a non-negative"):
            cls(l2=bad)


@pytest.mark.parametrize("bad", [1, 0, 2.5, True, "5", [3, 5]])
def test_head_l2_cv_rejects_anything_but_two_or_more_folds(bad):
    for cls in (ClassificationHead, RegressionHead):
        with pytest.raises(ValueError, match=r"Argument `l2_cv` of \w+Head must be None or an "
                                             r"int >= 2 \(folds\)\. Received: l2_cv="):
            cls(l2_cv=bad)


def test_head_l2_cv_round_trips_through_its_config():
    for cls in (ClassificationHead, RegressionHead):
        head = cls(l2=None, l2_cv=np.int64(5))
        clone = cls.from_config(head.get_config())
        assert clone.l2_cv == 5 and type(clone.l2_cv) is int
