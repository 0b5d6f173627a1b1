"""Property-based fuzzing: malformed data at `fit` and `predict` of every task gets a clean
ValueError/TypeError raised by easynas, before any training, never a crash inside
TensorFlow, Keras, NumPy or pandas."""

import os
import traceback

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import easynas as en

N = 12  # samples in the valid base data


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: fitting only happens in the module fixture."""
    yield


def _images(n=N):
    return np.random.default_rng(0).integers(0, 255, (n, 8, 8), dtype=np.uint8)


def _texts(n=N):
    words = ["good film", "bad plot", "great cast", "dull", "fine acting", "awful"]
    return [words[i % len(words)] for i in range(n)]


def _table(n=N):
    rng = np.random.default_rng(0)
    colours = ["red", "blue", "green"] * (n // 3)
    return pd.DataFrame({"size": rng.normal(size=n), "colour": colours})


TASKS = {
    "ImageClassifier": (en.ImageClassifier, _images, "classes"),
    "ImageRegressor": (en.ImageRegressor, _images, "numbers"),
    "TextClassifier": (en.TextClassifier, _texts, "classes"),
    "TextRegressor": (en.TextRegressor, _texts, "numbers"),
    "TabularClassifier": (en.TabularClassifier, _table, "classes"),
    "TabularRegressor": (en.TabularRegressor, _table, "numbers"),
}


def _targets(kind, n=N):
    return np.arange(n) % 3 if kind == "classes" else np.linspace(0.0, 1.0, n)


_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4), st.binary(max_size=3), st.complex_numbers(max_magnitude=2),
)
# Arbitrary nested Python values, and arrays of any dtype and (small) shape.
GARBAGE = st.one_of(
    st.recursive(_LEAVES, lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.tuples(kids, kids),
        st.dictionaries(st.text(max_size=3), kids, max_size=3)), max_leaves=8),
    hnp.arrays(dtype=st.sampled_from(["uint8", "int64", "float32", "float64", "bool", "<U3",
                                      "complex64", "object"]),
               shape=hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4)),
)
# Labels no task can take: one of them is missing, infinite, a container or complex.
BAD_LABEL = st.one_of(st.none(), st.just(float("nan")), st.just(float("inf")),
                      st.lists(st.integers(), min_size=0, max_size=3),
                      st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                      st.complex_numbers(min_magnitude=1, max_magnitude=2))
FUZZ = settings(max_examples=15, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _length(value):
    try:
        return len(value)
    except TypeError:
        return None


def _assert_clean(error):
    """The error is a ValueError/TypeError raised by easynas's own code."""
    assert isinstance(error, (ValueError, TypeError)), f"{type(error).__name__}: {error}"
    raised_in = traceback.extract_tb(error.__traceback__)[-1].filename
    assert f"{os.sep}easynas{os.sep}" in raised_in, (
        f"{type(error).__name__} raised in {raised_in}, not by easynas: {error}"
    )


def _fit_fails_cleanly(task, tmp_path, x, y):
    cls = TASKS[task][0]
    projects = tmp_path / "projects"
    estimator = cls(max_trials=1, epochs=1, verbose=0, directory=str(projects))
    try:
        estimator.fit(x, y)
    except Exception as error:  # the property under test: which exception, raised where
        _assert_clean(error)
    else:
        raise AssertionError(f"fit accepted malformed data: x={x!r:.200}, y={y!r:.200}")
    assert not projects.exists(), "the search started before the error"


@pytest.mark.parametrize("task", list(TASKS))
@FUZZ
@given(x=GARBAGE)
def test_fit_rejects_malformed_x_cleanly(task, tmp_path, x):
    n = _length(x)
    y = _targets(TASKS[task][2], N if n is None else n + 1)  # wrong length, if nothing else
    _fit_fails_cleanly(task, tmp_path, x, y)


@pytest.mark.parametrize("task", list(TASKS))
@FUZZ
@given(data=st.data())
def test_fit_rejects_malformed_y_cleanly(task, tmp_path, data):
    _, make_x, kind = TASKS[task]
    y = list(_targets(kind))
    where = data.draw(st.integers(0, N - 1), label="where")
    y[where] = data.draw(BAD_LABEL, label="bad label")
    if data.draw(st.booleans(), label="as object array"):
        y = np.array(y + [None], dtype=object)[:-1]
    _fit_fails_cleanly(task, tmp_path, make_x(), y)


@pytest.mark.parametrize("task", list(TASKS))
@FUZZ
@given(y=GARBAGE)
def test_fit_rejects_malformed_y_of_any_shape_cleanly(task, tmp_path, y):
    n = _length(y)
    if n == N and all(isinstance(v, (int, float, str, bytes, bool)) for v in y):
        y = list(y) + [None]  # flat labels of the right length could be valid ones
    _fit_fails_cleanly(task, tmp_path, TASKS[task][1](), y)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One fitted estimator per kind of input (1 trial, 1 epoch, no refit)."""
    estimators = {}
    for task in ("ImageClassifier", "TextClassifier", "TabularRegressor"):
        cls, make_x, kind = TASKS[task]
        estimator = cls(max_trials=1, epochs=1, verbose=0, seed=0, refit=False,
                        validation_split=0.25, directory=str(tmp_path_factory.mktemp(task)))
        estimators[task] = estimator.fit(make_x(), _targets(kind))
    return estimators


@pytest.mark.parametrize("task", ["ImageClassifier", "TextClassifier", "TabularRegressor"])
@FUZZ
@given(x=GARBAGE)
def test_predict_answers_or_rejects_any_input_cleanly(fitted, task, x):
    try:
        predictions = fitted[task].predict(x)
    except Exception as error:  # the property under test: which exception, raised where
        _assert_clean(error)
    else:  # a list of strings is a valid text input
        assert len(predictions) == len(x)
