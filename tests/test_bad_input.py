"""The bad-input catalogue: every bad argument or datum gets a ValueError/TypeError that
names the argument and what came, before any training.

"Before any training" is checked on the project folder (`fast` puts it at
`tmp_path/"projects"`): the search creates it, so an error raised while it does not
exist came before the first trial.
"""

import re
import time

import numpy as np
import pytest
from PIL import Image

import easynas as en
from easynas.exceptions import InvalidDataError, InvalidParameterError, NotFittedError

NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                  "nine"], dtype=object)


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: no test here builds a model but the shared fit."""
    yield


def _auto_model(**kwargs) -> en.AutoModel:
    image = en.ImageInput()
    block = en.blocks.ConvBlock(num_blocks=1, num_layers=1, filters=8)
    return en.AutoModel(image, en.ClassificationHead()(block(image)), **kwargs)


def _auto_regressor(**kwargs) -> en.AutoModel:
    image = en.ImageInput()
    block = en.blocks.ConvBlock(num_blocks=1, num_layers=1, filters=8)
    return en.AutoModel(image, en.RegressionHead()(block(image)), **kwargs)


CLASSIFIERS = {"ImageClassifier": en.ImageClassifier, "AutoModel": _auto_model}
ESTIMATORS = {**CLASSIFIERS, "ImageRegressor": en.ImageRegressor}


def _fails_before_training(estimator, tmp_path, error, match, x, y=None, **fit_kwargs):
    started = time.perf_counter()
    with pytest.raises(error, match=match) as caught:
        estimator.fit(x, y, **fit_kwargs)
    assert not (tmp_path / "projects").exists(), "the search started before the error"
    assert time.perf_counter() - started < 30, "the error came late (after analysis?)"
    assert isinstance(caught.value, (ValueError, TypeError))
    return caught.value


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One real search (1 trial, 1 epoch) on the 64 digits with string labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = data.images[:64].astype(np.uint8), NAMES[data.target[:64]]
    model = _auto_model(max_trials=1, epochs=1, batch_size=16, verbose=0, seed=42,
                        directory=str(tmp_path_factory.mktemp("fitted")))
    return model.fit(x, y), x, y


# --- constructor arguments ----------------------------------------------------------------

PARAMETER_CASES = [
    ("search", "genetic"),
    ("search", 3),
    ("time_budget", "soon"),
    ("time_budget", -5),
    ("time_budget", 0),
    ("trial_time_limit", "forever"),
    ("trial_time_limit", -1),
    ("max_trials", 0),
    ("max_trials", 2.5),
    ("epochs", 0),
    ("patience", 0),
    ("batch_size", 0),
    ("validation_split", 1.5),
    ("validation_split", 0),
    ("verbose", 7),
    ("seed", -1),
    ("objective", ""),
    ("overwrite", "no"),
]


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@pytest.mark.parametrize(("name", "value"), PARAMETER_CASES)
def test_bad_parameter_is_named_before_training(digits, fast, tmp_path, estimator, name,
                                                value):
    x, y = digits
    model = ESTIMATORS[estimator](**{**fast, name: value})
    pattern = (rf"^The '{name}' parameter of {type(model).__name__} must be .+\. "
               rf"Got {re.escape(repr(value))} instead\.$")
    _fails_before_training(model, tmp_path, InvalidParameterError, pattern, x, y)


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_parameter_message_has_scikit_learns_shape(digits, fast, tmp_path, estimator):
    model = ESTIMATORS[estimator](**{**fast, "max_trials": 0})
    expected = (f"The 'max_trials' parameter of {type(model).__name__} must be an int in the "
                "range [1, inf). Got 0 instead.")
    error = _fails_before_training(model, tmp_path, InvalidParameterError, re.escape(expected),
                                   *digits)
    assert str(error) == expected


def test_bad_multi_label_is_named(digits, fast, tmp_path):
    model = en.ImageClassifier(**fast, multi_label="yes")
    _fails_before_training(model, tmp_path, InvalidParameterError,
                           r"'multi_label' parameter of ImageClassifier.*Got 'yes'", *digits)


def test_parameters_are_checked_before_the_data(fast, tmp_path):
    model = en.ImageClassifier(**{**fast, "epochs": 0})
    _fails_before_training(model, tmp_path, InvalidParameterError, "'epochs'", None, None)


def test_constructor_accepts_anything_and_fit_rejects_it(digits, tmp_path):
    model = en.ImageClassifier(max_trials="many", seed=-1, directory=str(tmp_path / "projects"))
    assert model.max_trials == "many"  # stored as given (scikit-learn's rule)
    _fails_before_training(model, tmp_path, InvalidParameterError, "'max_trials'", *digits)


# --- training data ------------------------------------------------------------------------


def _with_nan(x, row):
    x = x.astype(np.float32)
    x[row, 3, 4] = np.nan
    return x


DATA_CASES = {
    "length-mismatch": (lambda x, y: (x, y[:-1]), "same number of samples: x has 64, y has 63"),
    "x-shorter": (lambda x, y: (x[:10], y), "x has 10, y has 64"),
    "1-d-x": (lambda x, y: (x.reshape(-1)[:64], y), r"x must be images .*1 dimension\(s\)"),
    "2-d-x": (lambda x, y: (x.reshape(64, 64), y),
              r"x must be images .*2 dimension\(s\), samples of shape \(64,\)"),
    "5-d-x": (lambda x, y: (x.reshape(64, 2, 4, 8, 1), y),
              r"x must be images .*5 dimension\(s\), samples of shape \(2, 4, 8, 1\)"),
    "nan-in-x": (lambda x, y: (_with_nan(x, 50), y), "x must hold finite numbers; sample 50 "
                                                     "contains NaN or inf"),
    "inf-in-x": (lambda x, y: (np.where(np.arange(64)[:, None, None] == 3, np.inf,
                                        x.astype(float)), y),
                 "x must hold finite numbers; sample 3"),
    "strings-as-images": (lambda x, y: (x.astype(str), y),
                          r"x must hold numeric pixels \(uint8, int or float\)\. Got dtype <U"),
    "objects-as-images": (lambda x, y: (x.astype(object), y), "numeric pixels.*dtype object"),
    "ragged-images": (lambda x, y: ([np.zeros((8, 8))] * 63 + [np.zeros((9, 9))], y),
                      r"x holds samples of different shapes: sample 0 is \(8, 8\), "
                      r"sample 63 is \(9, 9\)"),
    "empty": (lambda x, y: (x[:0], y[:0]), "x is empty"),
    "scalar-x": (lambda x, y: (3, y), "x must be an array of samples. Got the scalar 3"),
    "nan-label": (lambda x, y: (x, np.where(np.arange(64) == 3, np.nan, y.astype(float))),
                  "y must not hold NaN or inf labels; sample 3"),
    "none-label": (lambda x, y: (x, np.array([None, *NAMES[y[1:]]], dtype=object)),
                   r"y has a missing label \(None or NaN\) at sample 0"),
    "single-class": (lambda x, y: (x, np.full(64, 7)), r"y holds a single class \(7\)"),
    "single-string-class": (lambda x, y: (x, np.full(64, "cat")), r"single class \('cat'\)"),
    "mixed-labels": (lambda x, y: (x, np.array([1, "a"] * 32, dtype=object)),
                     r"y mixes label types \['int', 'str'\]"),
    "label-matrix-not-0-1": (lambda x, y: (x, np.eye(10)[y] * 3), "y as a 2-D matrix must be "
                                                                  "one-hot or multi-label 0/1"),
    "3-d-labels": (lambda x, y: (x, np.zeros((64, 2, 2))), r"y must be 1-D labels.*\(64, 2, 2\)"),
    "no-y": (lambda x, y: (x, None), r"y is missing \(None\); pass the targets, or a source"),
    "no-x": (lambda x, y: (None, y), r"x is missing \(None\)"),
}


@pytest.mark.parametrize("estimator", list(CLASSIFIERS))
@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_training_data_is_named_before_training(digits, fast, tmp_path, estimator, case):
    make, match = DATA_CASES[case]
    x, y = make(*digits)
    _fails_before_training(CLASSIFIERS[estimator](**fast), tmp_path, InvalidDataError, match,
                           x, y)


REGRESSION_CASES = {
    "nan-target": (lambda y: np.where(np.arange(64) == 3, np.nan, y),
                   "y must be finite; sample 3 is NaN or inf"),
    "string-targets": (lambda y: y.astype(str), "y must hold numbers for regression. Got dtype"),
    "none-target": (lambda y: np.array([None, *y[1:]], dtype=object),
                    r"y has a missing target \(None or NaN\) at sample 0"),
    "3-d-targets": (lambda y: np.zeros((64, 2, 2)), r"shape \(n,\) or \(n, outputs\)"),
    "length-mismatch": (lambda y: y[:32], "x has 64, y has 32"),
}


@pytest.mark.parametrize("estimator", ["ImageRegressor", "AutoModel"])
@pytest.mark.parametrize("case", list(REGRESSION_CASES))
def test_bad_regression_targets_are_named_before_training(digits, fast, tmp_path, estimator,
                                                          case):
    make, match = REGRESSION_CASES[case]
    x, y = digits
    factory = en.ImageRegressor if estimator == "ImageRegressor" else _auto_regressor
    _fails_before_training(factory(**fast), tmp_path, InvalidDataError, match, x,
                           make(y.astype(float)))


def test_multi_label_true_with_one_label_per_image_is_named(digits, fast, tmp_path):
    _fails_before_training(en.ImageClassifier(**fast, multi_label=True), tmp_path,
                           InvalidDataError, "multi_label=True needs y as a 2-D 0/1 matrix",
                           *digits)


def test_too_few_samples_to_split_is_named(digits, fast, tmp_path):
    x, y = digits
    _fails_before_training(en.ImageClassifier(**{**fast, "validation_split": 0.005}), tmp_path,
                           InvalidDataError, r"x has 64 samples; validation_split=0.005 leaves "
                                             r"64 to train on and 0 to validate on", x, y)


def test_a_dict_with_the_wrong_input_name_is_named(digits, fast, tmp_path):
    x, y = digits
    _fails_before_training(_auto_model(**fast), tmp_path, InvalidDataError,
                           r"x as a dict must have exactly the keys \['image'\]; missing "
                           r"\['image'\], unknown \['pixels'\]", {"pixels": x}, y)


# --- validation data ----------------------------------------------------------------------

VALIDATION_CASES = {
    "unseen-label": (lambda x, y: (x[:4], np.array([1, 2, 3, 99])),
                     r"validation_data\[1\] holds the label 99, which was not among the "
                     r"training classes \[0, 1, 2"),
    "string-label": (lambda x, y: (x[:2], np.array(["1", "2"])),
                     r"validation_data\[1\] holds the label '1'"),
    "not-a-tuple": (lambda x, y: x, "validation_data must be a tuple .*Got ndarray"),
    "three-parts": (lambda x, y: (x, y, y), "validation_data must be a tuple .*Got tuple"),
    "a-string": (lambda x, y: "val", r"validation_data is the path 'val', which does not exist"),
    "image-shape": (lambda x, y: (x[:8, :7, :7], y[:8]),
                    r"validation_data\[0\] has images of shape \(7, 7\); the model was fitted "
                    r"on images of shape \(8, 8\)"),
    "lengths": (lambda x, y: (x[:5], y[:4]),
                r"validation_data\[0\] has 5, validation_data\[1\] has 4"),
    "nan": (lambda x, y: (_with_nan(x[:5], 2), y[:5]),
            r"validation_data\[0\] must hold finite numbers; sample 2"),
    "strings-as-images": (lambda x, y: (x[:5].astype(str), y[:5]),
                          r"validation_data\[0\] must hold numeric pixels"),
    "missing-label": (lambda x, y: (x[:2], np.array([1, None], dtype=object)),
                      r"validation_data\[1\] has a missing label .* at sample 1"),
}


@pytest.mark.parametrize("estimator", list(CLASSIFIERS))
@pytest.mark.parametrize("case", list(VALIDATION_CASES))
def test_bad_validation_data_is_named_before_training(digits, fast, tmp_path, estimator,
                                                      case):
    make, match = VALIDATION_CASES[case]
    _fails_before_training(CLASSIFIERS[estimator](**fast), tmp_path, InvalidDataError, match,
                           *digits, validation_data=make(*digits))


def test_a_validation_dataset_is_read_and_checked(digits, fast, tmp_path):
    import tensorflow as tf

    x, y = digits
    validation = tf.data.Dataset.from_tensor_slices((x[:4], np.array([1, 2, 3, 99]))).batch(2)
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           r"validation_data\[1\] holds the label 99", x, y,
                           validation_data=validation)


# --- sources that carry their own labels --------------------------------------------------


def test_a_missing_path_is_named(fast, tmp_path):
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           r"x is the path '.*nope', which does not exist",
                           str(tmp_path / "nope"))


def test_labels_given_twice_are_named(digits, fast, tmp_path):
    import tensorflow as tf

    x, y = digits
    np.savez(tmp_path / "digits.npz", x=x, y=y)
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           "x is a path, which carries its own labels; leave y=None",
                           tmp_path / "digits.npz", y)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           r"x is a tf.data.Dataset of \(inputs, targets\); leave y=None",
                           dataset, y)


def test_a_dataset_without_labels_is_named_at_fit(digits, fast, tmp_path):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(digits[0]).batch(8)
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           "y is missing", dataset)
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           "x is an infinite tf.data.Dataset", dataset.repeat())


def test_a_folder_with_one_class_is_named(digits, fast, tmp_path):
    for i, image in enumerate(digits[0][:3]):
        (tmp_path / "images" / "cat").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image * 15).save(tmp_path / "images" / "cat" / f"{i}.png")
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           r"y holds a single class \('cat'\)", tmp_path / "images")


def test_a_npz_with_other_array_names_is_named(digits, fast, tmp_path):
    np.savez(tmp_path / "data.npz", images=digits[0], labels=digits[1])
    _fails_before_training(en.ImageClassifier(**fast), tmp_path, InvalidDataError,
                           r"must hold arrays named 'x' and 'y'\. It holds \['images', "
                           r"'labels'\]", tmp_path / "data.npz")


# --- using an unfitted estimator ----------------------------------------------------------

UNFITTED_CALLS = {
    "predict": lambda m, x, y: m.predict(x),
    "predict_proba": lambda m, x, y: m.predict_proba(x),
    "evaluate": lambda m, x, y: m.evaluate(x, y),
    "export": lambda m, x, y: m.export("out"),
    "leaderboard": lambda m, x, y: m.leaderboard(),
    "classes_": lambda m, x, y: m.classes_,
}


@pytest.mark.parametrize(
    ("estimator", "method"),
    [(e, m) for e in ESTIMATORS for m in UNFITTED_CALLS if hasattr(getattr(en, e), m)],
)
def test_an_unfitted_estimator_says_fit_first(digits, estimator, method):
    model = ESTIMATORS[estimator]()
    with pytest.raises(NotFittedError, match=rf"^This {type(model).__name__} is not fitted yet; "
                                             rf"call `fit` before `{method}`\.$") as caught:
        UNFITTED_CALLS[method](model, *digits)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttributeError)


# --- using a fitted estimator -------------------------------------------------------------


def test_predict_returns_the_original_labels_1d(fitted):
    model, x, y = fitted
    predicted = model.predict(x)
    assert predicted.shape == (64,) and predicted.dtype == object
    assert set(predicted) <= set(y) and all(type(label) is str for label in predicted)
    probabilities = model.predict_proba(x)
    assert probabilities.shape == (64, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)


def test_predict_reads_every_form_of_the_training_images(fitted):
    import pandas as pd
    import tensorflow as tf

    model, x, y = fitted
    expected = model.predict(x[:8])
    forms = {
        "float": x[:8].astype(np.float64),
        "channel-axis": x[:8, :, :, None],
        "list": list(x[:8]),
        "series": pd.Series(list(x[:8])),
        "dataset": tf.data.Dataset.from_tensor_slices(x[:8]).batch(3),
        "pairs": tf.data.Dataset.from_tensor_slices((x[:8], y[:8].astype(str))),
    }
    for name, form in forms.items():
        np.testing.assert_array_equal(model.predict(form), expected, err_msg=name)


def test_evaluate_accepts_the_training_labels(fitted):
    model, x, y = fitted
    scores = model.evaluate(x, y)
    assert np.isfinite(scores["loss"])


PREDICT_CASES = {
    "image-size": (np.zeros((2, 9, 9), np.uint8),
                   r"x has images of shape \(9, 9\); the model was fitted on images of shape "
                   r"\(8, 8\)"),
    "colour": (np.zeros((2, 8, 8, 3), np.uint8), r"x has images of shape \(8, 8, 3\)"),
    "1-d": (np.zeros(64), r"x has images of shape \(\)"),
    "strings-as-images": (np.full((2, 8, 8), "a"), r"x must hold numeric pixels.*Got dtype <U1"),
    "nan": (np.where(np.arange(3)[:, None, None] == 2, np.nan, np.zeros((3, 8, 8))),
            "x must hold finite numbers; sample 2"),
    "empty": (np.zeros((0, 8, 8)), "x is empty"),
    "none": (None, r"x is missing \(None\)"),
    "missing-path": ("no/such/folder", "x is the path 'no/such/folder', which does not exist"),
}


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize("case", list(PREDICT_CASES))
def test_bad_prediction_input_is_named(fitted, method, case):
    model = fitted[0]
    x, match = PREDICT_CASES[case]
    with pytest.raises(InvalidDataError, match=match):
        getattr(model, method)(x)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda x, y: (x[:4], np.array(["one", "two", "three", "eleven"], dtype=object)),
         "y holds the label 'eleven', which was not among the training classes"),
        (lambda x, y: (x[:4], y[:3]), "x has 4, y has 3"),
        (lambda x, y: (x[:2, :4], y[:2]), r"x has images of shape \(4, 8\)"),
        (lambda x, y: (x[:2], np.array([1, 2])), "y holds the label 1"),
    ],
    ids=["unseen-label", "lengths", "image-shape", "int-for-str"],
)
def test_bad_evaluation_data_is_named(fitted, make, match):
    model, x, y = fitted
    with pytest.raises(InvalidDataError, match=match):
        model.evaluate(*make(x, y))
