"""Bad input gets a clear ValueError/TypeError naming the argument, before any training.

"Before any training" is checked by the project folder: a search creates it, so an
error raised while it does not exist came before the search started.
"""

import numpy as np
import pytest

import easynas as en
from easynas.exceptions import InvalidDataError, InvalidParameterError, NotFittedError


def _raises_before_training(estimator, tmp_path, x, y, error, match, **fit_kwargs):
    with pytest.raises(error, match=match):
        estimator.fit(x, y, **fit_kwargs)
    assert not (tmp_path / "projects").exists(), "the search started before the error"


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("max_trials", 0, r"The 'max_trials' parameter of ImageClassifier must be an int in the "
                          r"range \[1, inf\)\. Got 0 instead\."),
        ("max_trials", 2.5, "'max_trials'.*Got 2.5"),
        ("epochs", 0, "'epochs'.*Got 0"),
        ("time_budget", "soon", "'time_budget'.*'10min'.*Got 'soon'"),
        ("time_budget", -5, "'time_budget'.*Got -5"),
        ("time_budget", 0, "'time_budget'.*Got 0"),
        ("search", "genetic", "'search'.*greedy.*Got 'genetic'"),
        ("validation_split", 1.5, "'validation_split'.*Got 1.5"),
        ("verbose", 7, "'verbose'.*Got 7"),
        ("seed", -1, "'seed'.*Got -1"),
        ("objective", "", "'objective'.*Got ''"),
        ("multi_label", "yes", "'multi_label'.*Got 'yes'"),
    ],
)
def test_bad_parameter_is_named_before_training(digits, fast, tmp_path, name, value, match):
    x, y = digits
    clf = en.ImageClassifier(**{**fast, name: value})
    _raises_before_training(clf, tmp_path, x, y, InvalidParameterError, match)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda x, y: (x, y[:-1]), InvalidDataError, "same number of samples: x has 64, y has 63"),
        (lambda x, y: (x.reshape(64, -1)[:, 0], y), InvalidDataError, r"x must be images.*1 dimension"),
        (lambda x, y: (x[..., None, None], y), InvalidDataError, r"x must be images.*5 dimension.*\(8, 8, 1, 1\)"),
        (lambda x, y: (np.where(np.arange(64)[:, None, None] == 5, np.nan, x.astype(float)), y),
         InvalidDataError, "x must hold finite numbers; sample 5"),
        (lambda x, y: (np.full(x.shape, np.inf), y), InvalidDataError, "finite"),
        (lambda x, y: (x, np.where(np.arange(64) == 3, np.nan, y.astype(float))),
         InvalidDataError, "NaN.*sample 3"),
        (lambda x, y: (x, np.array([None] + [1] * 63, dtype=object)), InvalidDataError,
         "missing label.*sample 0"),
        (lambda x, y: (x, np.zeros(64, dtype=int)), InvalidDataError, "single class"),
        (lambda x, y: (x[:0], y[:0]), InvalidDataError, "empty"),
        (lambda x, y: (np.array([["a"] * 8] * 8 * 64).reshape(64, 8, 8), y), InvalidDataError,
         "numeric pixels"),
        (lambda x, y: (x, None), InvalidDataError, "y is missing"),
        (lambda x, y: (x, np.array([1, "a"] * 32, dtype=object)), InvalidDataError, "mixes label types"),
    ],
    ids=["length-mismatch", "1-d", "5-d", "nan-x", "inf-x", "nan-label", "none-label",
         "single-class", "empty", "string-pixels", "no-y", "mixed-labels"],
)
def test_bad_data_is_named_before_training(digits, fast, tmp_path, make, error, match):
    x, y = make(*digits)
    _raises_before_training(en.ImageClassifier(**fast), tmp_path, x, y, error, match)


def test_unseen_validation_label_is_named(digits, fast, tmp_path):
    x, y = digits
    _raises_before_training(
        en.ImageClassifier(**fast), tmp_path, x, y, InvalidDataError,
        r"validation_data\[1\] holds the label 99",
        validation_data=(x[:4], np.array([1, 2, 3, 99])),
    )


def test_validation_data_must_be_a_pair(digits, fast, tmp_path):
    x, y = digits
    _raises_before_training(en.ImageClassifier(**fast), tmp_path, x, y, InvalidDataError,
                            "validation_data must be a tuple", validation_data=x)


def test_validation_images_of_another_shape_are_named(digits, fast, tmp_path):
    x, y = digits
    _raises_before_training(
        en.ImageClassifier(**fast), tmp_path, x, y, InvalidDataError,
        r"validation_data\[0\] has images of shape \(7, 7\)",
        validation_data=(x[:8, :7, :7], y[:8]),
    )


def test_missing_path_is_named(fast, tmp_path):
    _raises_before_training(en.ImageClassifier(**fast), tmp_path, str(tmp_path / "nope"), None,
                            InvalidDataError, "does not exist")


@pytest.mark.parametrize("method", ["predict", "predict_proba", "evaluate", "export", "leaderboard"])
def test_using_an_unfitted_estimator_says_fit_first(digits, method):
    x, y = digits
    clf = en.ImageClassifier()
    args = {"predict": (x,), "predict_proba": (x,), "evaluate": (x, y), "export": ("out",),
            "leaderboard": ()}[method]
    with pytest.raises(NotFittedError, match=f"call `fit` before `{method}`"):
        getattr(clf, method)(*args)


def test_predict_with_the_wrong_image_shape_is_named(digits, fast):
    x, y = digits
    clf = en.ImageClassifier(**fast).fit(x, y)
    with pytest.raises(InvalidDataError, match=r"x has images of shape \(9, 9\); the model was "
                                               r"fitted on images of shape \(8, 8\)"):
        clf.predict(np.zeros((2, 9, 9), dtype=np.uint8))
    with pytest.raises(InvalidDataError, match="finite"):
        clf.predict(np.full((2, 8, 8), np.nan))
    with pytest.raises(InvalidParameterError, match="'format'"):
        clf.export("out", format="pickle")
