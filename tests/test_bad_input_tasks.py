"""The bad-input catalogue for the text and table tasks (images: tests/test_bad_input.py).

Every case is a ValueError/TypeError that names the argument and what came,
raised before the search creates its project folder, for the task's
estimator and for an AutoModel on the same kind of input.
"""

import time

import numpy as np
import pandas as pd
import pytest

import easynas as en
from easynas.exceptions import InvalidDataError, InvalidParameterError, NotFittedError

N = 30  # samples of the valid base data: three classes of ten


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here trains."""
    yield


def _texts(n=N):
    words = ["good film", "bad plot", "great cast", "dull", "fine acting", "awful"]
    return [words[i % len(words)] for i in range(n)]


def _table(n=N):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"size": rng.normal(size=n),
                         "colour": (["red", "blue", "green"] * n)[:n]})


def _labels(n=N):
    return np.array(["a", "b", "c"] * (n // 3), dtype=object)


def _auto_model(kind, head):
    def make(**kwargs):
        node = en.TextInput() if kind == "text" else en.TabularInput()
        return en.AutoModel(node, head(), **kwargs)
    return make


CLASSIFIERS = {
    "TextClassifier": (en.TextClassifier, _texts),
    "TabularClassifier": (en.TabularClassifier, _table),
    "AutoModel-text": (_auto_model("text", en.ClassificationHead), _texts),
    "AutoModel-table": (_auto_model("table", en.ClassificationHead), _table),
}
REGRESSORS = {
    "TextRegressor": (en.TextRegressor, _texts),
    "TabularRegressor": (en.TabularRegressor, _table),
    "AutoModel-text": (_auto_model("text", en.RegressionHead), _texts),
    "AutoModel-table": (_auto_model("table", en.RegressionHead), _table),
}


def _rows(x, rows):
    """Some rows (a list of indices or a slice) of a list of texts or a table."""
    return x.iloc[rows] if isinstance(x, pd.DataFrame) else list(np.asarray(x, object)[rows])


def _fails_before_training(make, tmp_path, match, x, y, error=InvalidDataError, **fit_kwargs):
    projects = tmp_path / "projects"
    estimator = make(max_trials=1, epochs=1, verbose=0, directory=str(projects))
    started = time.perf_counter()
    with pytest.raises(error, match=match) as caught:
        estimator.fit(x, y, **fit_kwargs)
    assert isinstance(caught.value, (ValueError, TypeError))
    assert not projects.exists(), "the search started before the error"
    assert time.perf_counter() - started < 30, "the error came late"


CLASSIFICATION_CASES = {
    "empty": (lambda x, y: (_rows(x, slice(0, 0)), y[:0]), r"x is empty"),
    "mismatched-lengths": (lambda x, y: (x, y[:-1]),
                           "same number of samples: x has 30, y has 29"),
    "single-class": (lambda x, y: (x, np.full(N, "a", dtype=object)),
                     r"y holds a single class \('a'\)"),
    "nan-label": (lambda x, y: (x, np.where(np.arange(N) == 4, np.nan, np.arange(N) % 3 * 1.0)),
                  "y must not hold NaN or inf labels; sample 4"),
    "missing-label": (lambda x, y: (x, np.array([None, *y[1:]], dtype=object)),
                      r"y has a missing label \(None or NaN\) at sample 0"),
    "3-d-labels": (lambda x, y: (x, np.zeros((N, 2, 2))), r"y must be 1-D labels.*\(30, 2, 2\)"),
    "no-x": (lambda x, y: (None, y), r"x is missing \(None\)"),
    "no-y": (lambda x, y: (x, None), r"y is missing"),
}


@pytest.mark.parametrize("task", list(CLASSIFIERS))
@pytest.mark.parametrize("case", list(CLASSIFICATION_CASES))
def test_bad_training_data_is_named_before_training(tmp_path, task, case):
    make, inputs = CLASSIFIERS[task]
    change, match = CLASSIFICATION_CASES[case]
    _fails_before_training(make, tmp_path, match, *change(inputs(), _labels()))


WRONG_TYPE_CASES = {
    "text-scalar": ("text", 3, r"x must be a flat sequence of strings.*shape \(\)"),
    "text-numbers": ("text", np.arange(N), r"x must hold strings .* Sample 0 is int: 0"),
    "text-nested": ("text", [["a", "b"]] * N, r"x must be a flat sequence of strings"),
    "table-scalar": ("table", 3, r"x must be a table: a pandas DataFrame, a 2-D array or a CSV "
                                 r"path\. Got int"),
    "table-3-d": ("table", np.zeros((N, 2, 2)), r"x must be a table of shape \(rows, columns\); "
                                                r"got an array of shape \(30, 2, 2\)"),
    "table-complex": ("table", _table().assign(size=np.ones(N, dtype=complex)),
                      r"x column 'size' holds complex numbers \(dtype complex128\)"),
    "table-inf": ("table", _table().assign(size=[1.0, np.inf] * (N // 2)),
                  "x column 'size' must hold finite numbers; row 1 is infinite"),
}


@pytest.mark.parametrize("case", list(WRONG_TYPE_CASES))
def test_inputs_of_the_wrong_type_or_shape_are_named(tmp_path, case):
    kind, x, match = WRONG_TYPE_CASES[case]
    make = en.TextClassifier if kind == "text" else en.TabularClassifier
    _fails_before_training(make, tmp_path, match, x, _labels())


VALIDATION_CASES = {
    "unseen-label": (lambda x: (_rows(x, [0, 1, 2]), np.array(["a", "b", "zzz"], dtype=object)),
                     r"validation_data\[1\] holds the label 'zzz', which was not among the "
                     r"training classes \['a', 'b', 'c'\]"),
    "mismatched-lengths": (lambda x: (_rows(x, [0, 1, 2]), _labels()[:2]),
                           r"validation_data\[0\] has 3, validation_data\[1\] has 2"),
    "not-a-tuple": (lambda x: x, "validation_data must be a tuple"),
}


@pytest.mark.parametrize("task", list(CLASSIFIERS))
@pytest.mark.parametrize("case", list(VALIDATION_CASES))
def test_bad_validation_data_is_named_before_training(tmp_path, task, case):
    make, inputs = CLASSIFIERS[task]
    change, match = VALIDATION_CASES[case]
    _fails_before_training(make, tmp_path, match, inputs(), _labels(),
                           validation_data=change(inputs()))


@pytest.mark.parametrize("task", ["TabularClassifier", "AutoModel-table"])
def test_validation_columns_with_other_names_are_named(tmp_path, task):
    make, inputs = CLASSIFIERS[task]
    renamed = _table().iloc[:3].rename(columns={"size": "SIZE"})
    _fails_before_training(make, tmp_path, r"validation_data\[0\] lacks the column\(s\) "
                                           r"\['size'\].*It has \['SIZE', 'colour'\]",
                           inputs(), _labels(), validation_data=(renamed, _labels()[:3]))


REGRESSION_CASES = {
    "nan-target": (lambda y: np.where(np.arange(N) == 3, np.nan, y),
                   "y must be finite; sample 3 is NaN or inf"),
    "inf-target": (lambda y: np.where(np.arange(N) == 5, np.inf, y),
                   "y must be finite; sample 5 is NaN or inf"),
    "string-targets": (lambda y: y.astype(str), "y must hold numbers for regression. Got dtype"),
    "mismatched-lengths": (lambda y: y[:10], "x has 30, y has 10"),
}


@pytest.mark.parametrize("task", list(REGRESSORS))
@pytest.mark.parametrize("case", list(REGRESSION_CASES))
def test_bad_regression_targets_are_named_before_training(tmp_path, task, case):
    make, inputs = REGRESSORS[task]
    change, match = REGRESSION_CASES[case]
    _fails_before_training(make, tmp_path, match, inputs(), change(np.linspace(0.0, 1.0, N)))


@pytest.mark.parametrize("task", ["TextClassifier", "TextRegressor", "TabularClassifier",
                                  "TabularRegressor"])
@pytest.mark.parametrize("method", ["predict", "evaluate", "export", "leaderboard"])
def test_an_unfitted_task_says_fit_first(task, method):
    model = getattr(en, task)()
    x = _texts() if task.startswith("Text") else _table()
    calls = {"predict": lambda: model.predict(x), "evaluate": lambda: model.evaluate(x, _labels()),
             "export": lambda: model.export("out"), "leaderboard": model.leaderboard}
    with pytest.raises(NotFittedError, match=rf"^This {task} is not fitted yet; call `fit` "
                                             rf"before `{method}`\.$"):
        calls[method]()


@pytest.mark.parametrize("task", ["TextClassifier", "TabularClassifier"])
@pytest.mark.parametrize(("files", "match"), [
    ({"easynas_project.json": "{not json"}, "is corrupt: easynas_project.json cannot be read"),
    ({"oracle.json": "{}", "tuner0.json": "{}"}, "holds a search that easynas did not start"),
])
def test_a_corrupt_or_foreign_project_is_refused_before_training(tmp_path, task, files, match):
    make, inputs = CLASSIFIERS[task]
    model = make(max_trials=1, epochs=1, verbose=0, directory=str(tmp_path), project_name="p")
    project = tmp_path / "p"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text)
    with pytest.raises(InvalidParameterError, match=match) as caught:
        model.fit(inputs(), _labels())
    assert "overwrite=True" in str(caught.value)
    assert sorted(p.name for p in project.iterdir()) == sorted(files)  # nothing written
