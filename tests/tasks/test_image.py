"""ImageClassifier and ImageRegressor end to end on tiny real data."""

import numpy as np
import pytest
from sklearn.base import clone

import easynas as en


def test_image_classifier_fits_digits_and_predicts_original_labels(digits, fast):
    x, y = digits
    clf = en.ImageClassifier(**fast)
    clf.fit(x, y)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    predicted = clf.predict(x)
    assert predicted.shape == (64,) and predicted.dtype == np.int64
    probabilities = clf.predict_proba(x)
    assert probabilities.shape == (64, 10)
    np.testing.assert_array_equal(clf.classes_[probabilities.argmax(axis=1)], predicted)
    assert 0.0 <= clf.score(x, y) <= 1.0
    first = clf.trials_[0].values
    assert first["image_block/block_type"] == "conv"  # greedy starts with the known-good preset


def test_image_classifier_takes_bool_labels_and_colour_images_of_odd_size(fast, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((40, 7, 12, 3)).astype(np.float32)
    y = x[:, :, :, 0].mean(axis=(1, 2)) > 0.5
    clf = en.ImageClassifier(**fast).fit(x, y)
    assert clf.predict(x).dtype == np.bool_
    assert clf.predict_proba(x).shape == (40, 2)


def test_image_classifier_multi_label_predicts_a_label_matrix(digits, fast):
    x, y = digits
    labels = np.stack([y % 2 == 0, y > 4, y == 3], axis=1).astype(int)
    clf = en.ImageClassifier(**fast).fit(x, labels)
    predicted = clf.predict(x)
    assert predicted.shape == (64, 3) and set(np.unique(predicted)) <= {0, 1}


def test_image_classifier_one_hot_labels_predict_column_indices(digits, fast):
    x, y = digits
    clf = en.ImageClassifier(**fast).fit(x, np.eye(10)[y])
    assert set(clf.predict(x)) <= set(range(10))


def test_image_regressor_predicts_targets_in_their_units(digits, fast):
    x, y = digits
    target = y.astype(float) * 100.0 + 50.0
    reg = en.ImageRegressor(**fast).fit(x, target)
    predicted = reg.predict(x)
    assert predicted.shape == (64,)
    assert 0.0 < predicted.mean() < 2000.0  # original units, not standardised ones


def test_image_tasks_are_sklearn_clonable():
    clf = en.ImageClassifier(max_trials=3, time_budget="1min", multi_label=False)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()


@pytest.mark.parametrize("search", [
    pytest.param("random", marks=pytest.mark.slow),  # 29 s: random draws a large candidate
    pytest.param("bayesian", marks=pytest.mark.slow),  # 19 s
    "hyperband"])
def test_image_classifier_runs_every_strategy(digits, fast, search):
    x, y = digits
    clf = en.ImageClassifier(**{**fast, "search": search, "max_trials": 2, "epochs": 2})
    clf.fit(x, y)
    assert any(r.status.value == "COMPLETED" for r in clf.trials_)
