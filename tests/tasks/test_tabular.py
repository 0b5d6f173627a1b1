"""TabularClassifier and TabularRegressor end to end on a tiny mixed table, and the bad-input
catalogue for tables: each error comes before training and names the column."""

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import easynas as en
from easynas.exceptions import EasyNASWarning, InvalidDataError, InvalidParameterError
from tests.blocks._tabular_table import mixed_table

ROWS = 48


def _table(seed: int = 42) -> tuple[pd.DataFrame, np.ndarray]:
    frame = mixed_table(seed, rows=ROWS)
    label = (frame.age.fillna(40) > 45) ^ (frame.colour == "red")
    return frame, np.where(label, "yes", "no").astype(object)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One search (1 trial, 1 epoch) on the mixed table; the greedy search's first preset."""
    frame, y = _table()
    clf = en.TabularClassifier(max_trials=1, epochs=1, batch_size=16, verbose=0, seed=42,
                               directory=str(tmp_path_factory.mktemp("projects")))
    return clf.fit(frame, y)


def test_tabular_classifier_fits_a_mixed_table_trying_a_linear_model_first(fitted):
    frame, y = _table()
    first = fitted.trials_[0].values
    assert first["tabular_block/block_type"] == "mlp"
    assert first["tabular_block/mlp/num_layers"] == 0  # a linear model on one-hot categories
    assert fitted.column_types_ == {"age": "numeric", "colour": "categorical",
                                    "member": "boolean", "joined": "datetime",
                                    "review": "categorical"}
    np.testing.assert_array_equal(fitted.classes_, ["no", "yes"])
    predicted = fitted.predict(frame)
    assert predicted.shape == (ROWS,) and set(predicted) <= {"no", "yes"}
    assert fitted.predict_proba(frame).shape == (ROWS, 2)
    assert 0.0 <= fitted.score(frame, y) <= 1.0


def test_tabular_classifier_tries_a_piecewise_linear_model_second(tmp_path):
    frame, y = _table()
    clf = en.TabularClassifier(max_trials=2, epochs=1, batch_size=16, verbose=0, seed=42,
                               refit=False, finalists_cv=False, directory=str(tmp_path))
    first, second = (record.values for record in clf.fit(frame, y).trials_)
    assert first["tabular_block/encoding/numeric"] == "standardized"
    assert second["tabular_block/encoding/numeric"] == "piecewise_linear"
    assert second["tabular_block/mlp/num_layers"] == 0  # still a linear model
    assert {k: v for k, v in first.items() if k != "tabular_block/encoding/numeric"} == {
        k: v for k, v in second.items() if k != "tabular_block/encoding/numeric"}


def test_a_project_saved_before_bin_edges_existed_resumes(tmp_path):
    import json
    import os

    frame, y = _table()
    settings = {"epochs": 1, "batch_size": 16, "verbose": 0, "seed": 42, "refit": False,
                "finalists_cv": False, "directory": str(tmp_path)}
    clf = en.TabularClassifier(max_trials=1, **settings).fit(frame, y)
    project_file = os.path.join(clf.project_dir_, "easynas_project.json")
    with open(project_file) as f:
        project = json.load(f)
    for column in project["spec"]["inputs"][0]["columns"]:
        del column["edges"]  # as an older easynas wrote it
    with open(project_file, "w") as f:
        json.dump(project, f)
    resumed = en.TabularClassifier(max_trials=2, **settings).fit(frame, y)
    assert [r.trial_id for r in resumed.trials_][:1] == [clf.trials_[0].trial_id]
    assert len(resumed.trials_) == 2
    project["spec"]["inputs"][0]["columns"][0]["mean"] = [123.0]  # other data still refused
    with open(project_file, "w") as f:
        json.dump(project, f)
    with pytest.raises(InvalidParameterError, match="another search space or data"):
        en.TabularClassifier(max_trials=3, **settings).fit(frame, y)


def test_tabular_classifier_predicts_unseen_categories_and_missing_values(fitted):
    frame, _ = _table()
    rows = frame.head(4).copy()
    rows.loc[0, "colour"] = "purple"
    rows.loc[1, ["age", "colour", "joined"]] = [np.nan, None, pd.NaT]
    rows["review"] = rows["review"].astype(object)
    rows.loc[2, "review"] = None
    probabilities = fitted.predict_proba(rows)
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    reordered = rows[list(reversed(rows.columns))]  # columns are matched by name
    np.testing.assert_allclose(fitted.predict_proba(reordered), probabilities, rtol=1e-6)


def test_tabular_classifier_ignores_extra_columns_at_predict_with_a_warning(fitted):
    frame, _ = _table()
    with pytest.warns(EasyNASWarning, match=r"\['extra'\] that the model was not fitted on"):
        predicted = fitted.predict(frame.assign(extra=1.0))
    np.testing.assert_array_equal(predicted, fitted.predict(frame))


@pytest.mark.parametrize("change, match", [
    (lambda f: f.drop(columns=["member", "age"]), r"lacks the column\(s\) \['age', 'member'\]"),
    (lambda f: f.assign(age="old"), "x column 'age' is numeric, but row 0 holds 'old'"),
    (lambda f: f.assign(member="yes"), "x column 'member' is boolean, but row 0 holds 'yes'"),
    (lambda f: f.assign(joined="soon"), "x column 'joined' holds datetimes; row 0 is 'soon'"),
])
def test_tabular_classifier_names_the_column_that_breaks_predict(fitted, change, match):
    frame, _ = _table()
    with pytest.raises(InvalidDataError, match=match):
        fitted.predict(change(frame))


def test_tabular_classifier_reads_a_csv_with_a_named_target(tmp_path, fast):
    frame, y = _table()
    path = tmp_path / "train.csv"
    frame.assign(label=y).to_csv(path, index=False)
    clf = en.TabularClassifier(**fast, column_types={"review": "text"}).fit(str(path), y="label")
    assert clf.column_types_["joined"] == "datetime"  # ISO strings in the file
    assert clf.column_types_["review"] == "text" and "label" not in clf.column_types_
    assert clf.predict(frame).shape == (ROWS,)
    with pytest.warns(EasyNASWarning, match="label"):  # the file's target column is extra
        assert clf.predict(str(path)).shape == (ROWS,)


def test_tabular_regressor_fits_a_numpy_table_with_column_names(fast):
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=40), rng.choice(["a", "b"], 40)]).astype(object)
    x[:, 0] = x[:, 0].astype(float)
    target = 100.0 + 10.0 * x[:, 0].astype(float)
    reg = en.TabularRegressor(**fast, column_names=["size", "kind"]).fit(x, target)
    assert reg.column_types_ == {"size": "numeric", "kind": "categorical"}
    predicted = reg.predict(x)
    assert predicted.shape == (40,) and 50.0 < predicted.mean() < 150.0  # original units
    assert reg.predict(pd.DataFrame({"kind": x[:, 1], "size": x[:, 0]})).shape == (40,)


def test_sample_and_class_weights_reach_training_and_validation(fitted, tmp_path):
    frame, y = _table()
    settings = {**fitted.get_params(), "directory": str(tmp_path)}
    plain = fitted.leaderboard().iloc[0]["val_loss"]
    # The first candidate is the penalised linear model, solved exactly: uniform weights
    # of 2 weigh the data twice against the same penalty, a slightly different model,
    # and multiply the weighted validation loss, which ranks candidates, by 2.
    doubled = en.TabularClassifier(**{**settings, "project_name": "doubled"})
    doubled.fit(frame, y, sample_weight=np.full(ROWS, 2.0))
    weighted = doubled.leaderboard().iloc[0]["val_loss"]
    assert weighted == pytest.approx(2 * plain, rel=0.1)
    assert weighted != pytest.approx(2 * plain, rel=1e-6)  # the weights reached the solve
    # Class weights are sample weights by class: the same fit, the same validation loss.
    by_class = en.TabularClassifier(**{**settings, "project_name": "by_class",
                                       "class_weight": {"yes": 2.0, "no": 2.0}})
    by_class.fit(frame, y)
    assert by_class.leaderboard().iloc[0]["val_loss"] == pytest.approx(weighted, rel=1e-6)


def test_tabular_tasks_are_sklearn_clonable():
    clf = en.TabularClassifier(column_types={"zip": "categorical"}, class_weight="balanced")
    assert clone(clf).get_params() == clf.get_params()
    reg = en.TabularRegressor(column_names=["a", "b"])
    assert clone(reg).get_params() == reg.get_params()


def _fails_before_training(estimator, tmp_path, error, match, x, y=None, **fit_kwargs):
    started = time.perf_counter()
    with pytest.raises(error, match=match):
        estimator.fit(x, y, **fit_kwargs)
    assert not (tmp_path / "projects").exists(), "the search started before the error"
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize("make, match", [
    (lambda f, y: (f, "nope"), "target column 'nope', which x lacks"),
    (lambda f, y: (f.assign(label=np.where(np.arange(ROWS) == 3, None, y)), "label"),
     r"target column 'label' has 1 missing value\(s\) \(rows \[3\]\)"),
    (lambda f, y: (f.assign(empty=np.nan), y), "x column 'empty' has no values"),
])
def test_tabular_classifier_rejects_bad_tables_before_training(tmp_path, fast, make, match):
    frame, y = _table()
    x, target = make(frame, y)
    _fails_before_training(en.TabularClassifier(**fast), tmp_path, InvalidDataError, match, x,
                           target)


def test_a_bad_value_in_the_rows_split_off_for_validation_is_named_by_its_row_in_x(tmp_path,
                                                                                   fast):
    frame, y = _table()
    frame["age"] = frame["age"].astype(object)
    # With seed 42, row 30 lands in the 20% split off for validation (the numbering
    # the user knows is x's, not the split's).
    frame.loc[30, "age"] = "old"
    _fails_before_training(en.TabularClassifier(**fast), tmp_path, InvalidDataError,
                           "x column 'age' is numeric, but row 30 holds 'old'", frame, y)


def test_tabular_regressor_rejects_a_single_training_row(tmp_path, fast):
    frame, _ = _table()
    target = frame.age.fillna(0.0).to_numpy()
    reg = en.TabularRegressor(**fast)
    _fails_before_training(reg, tmp_path, InvalidDataError, "x has 1 samples", frame.head(1),
                           target[:1])
    _fails_before_training(reg, tmp_path, InvalidDataError, "x has 1 row; at least 2",
                           frame.head(1), target[:1], validation_data=(frame, target))


@pytest.mark.parametrize("params, fit_kwargs, error, match", [
    ({"column_types": {"age": "number"}}, {}, InvalidParameterError, "'column_types'"),
    ({"column_types": {"nope": "numeric"}}, {}, InvalidDataError, r"names \['nope'\]"),
    ({"class_weight": "balance"}, {}, InvalidParameterError, "'class_weight'"),
    ({"class_weight": {"maybe": 2.0}}, {}, InvalidParameterError, "'class_weight'.*'maybe'"),
    ({}, {"sample_weight": np.ones(3)}, InvalidDataError, "sample_weight must be 1-D"),
    ({}, {"sample_weight": -np.ones(ROWS)}, InvalidDataError, "non-negative"),
])
def test_tabular_classifier_rejects_bad_options_before_training(tmp_path, fast, params,
                                                                 fit_kwargs, error, match):
    frame, y = _table()
    clf = en.TabularClassifier(**fast, **params)
    _fails_before_training(clf, tmp_path, error, match, frame, y, **fit_kwargs)


TABULAR_BAD_VALUES = {
    "column_names": ("ab", "'ab'"),
    "column_types": ({"age": "number"}, "{'age': 'number'}"),
    "class_weight": ("balance", "'balance'"),
    "finalists_cv": ("sometimes", "'sometimes'"),
    "ensemble": ("yes", "'yes'"),
}


@pytest.mark.parametrize("cls", [en.TabularClassifier, en.TabularRegressor])
def test_tabular_tasks_constrain_every_parameter_in_one_shape(cls):
    import inspect
    import re

    from tests.test_validation import BAD_VALUES

    parameters = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert parameters == set(cls._parameter_constraints)
    cls()._validate_params()  # the defaults pass
    for parameter in sorted(parameters):
        value, shown = {**BAD_VALUES, **TABULAR_BAD_VALUES}[parameter]
        pattern = (rf"^The '{parameter}' parameter of {cls.__name__} must be .+\. "
                   rf"Got {re.escape(shown)} instead\.$")
        with pytest.raises(InvalidParameterError, match=pattern):
            cls(**{parameter: value})._validate_params()
