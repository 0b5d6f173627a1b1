"""Per-sample weights: checks of sample_weight and class weights by label."""

import numpy as np
import pytest

from easynas.data import analyze_classification_target, analyze_regression_target
from easynas.data._weights import check_sample_weight, class_weights
from easynas.exceptions import InvalidDataError, InvalidParameterError


def test_check_sample_weight_returns_float32_and_names_bad_values():
    np.testing.assert_array_equal(check_sample_weight([1, 2, 0], 3), [1.0, 2.0, 0.0])
    assert check_sample_weight(np.ones(3), 3).dtype == np.float32
    with pytest.raises(InvalidDataError, match=r"one weight per sample \(3\).*\(2,\)"):
        check_sample_weight([1, 2], 3)
    with pytest.raises(InvalidDataError, match="sample 1 is nan"):
        check_sample_weight([1, np.nan, 1], 3)
    with pytest.raises(InvalidDataError, match="sums to 0"):
        check_sample_weight([0, 0], 2)
    with pytest.raises(InvalidDataError, match="must be numbers"):
        check_sample_weight(["a", "b"], 2)


def test_balanced_class_weights_make_every_class_weigh_the_same():
    y = np.array(["a", "a", "a", "b"], dtype=object)
    spec = analyze_classification_target(y)
    weights = class_weights("balanced", spec, y)
    np.testing.assert_allclose(weights, [4 / 6, 4 / 6, 4 / 6, 2.0])
    assert weights[y == "a"].sum() == pytest.approx(weights[y == "b"].sum())
    # validation labels are weighted by the training counts
    np.testing.assert_allclose(class_weights("balanced", spec, np.array(["b"]), reference=y), [2])


def test_class_weight_dict_weights_named_labels_and_leaves_the_others_at_one():
    y = np.array([0, 1, 2, 1])
    spec = analyze_classification_target(y)
    np.testing.assert_allclose(class_weights({1: 5.0}, spec, y), [1, 5, 1, 5])
    with pytest.raises(InvalidParameterError, match="'class_weight'.*not a class"):
        class_weights({7: 1.0}, spec, y)
    with pytest.raises(InvalidParameterError, match="non-negative"):
        class_weights({1: -1.0}, spec, y)


def test_class_weights_need_single_label_classification():
    with pytest.raises(InvalidParameterError, match="single-label classification"):
        class_weights("balanced", analyze_regression_target(np.ones(3)), np.ones(3))
    matrix = np.array([[1, 0], [1, 1], [0, 1]])
    with pytest.raises(InvalidParameterError, match="single-label classification"):
        class_weights("balanced", analyze_classification_target(matrix), matrix)
