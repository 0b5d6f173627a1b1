"""The scikit-learn baselines of the text and tabular suites, on tiny real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import baselines
from benchmarks.suites._per_dataset import subset


def test_task_score_is_accuracy_or_rmse():
    assert baselines.task_score("classification", ["a", "b", "a"], ["a", "a", "a"]) == 2 / 3
    assert baselines.task_score("regression", [1.0, 2.0], [2.0, 4.0]) == pytest.approx(
        np.sqrt(2.5))
    with pytest.raises(ValueError, match="task must be"):
        baselines.task_score("ranking", [1], [1])


def test_tfidf_linear_svc_picks_c_by_cross_validation(rotten_tomatoes):
    x_train, y_train, x_test, y_test = rotten_tomatoes
    x_train, y_train = subset(x_train, y_train, 300, 0, True)
    x_test, y_test = subset(x_test, y_test, 200, 0, True)
    result = baselines.tfidf_linear_svc(x_train, y_train, x_test, y_test, seed=0)
    assert result["metric"] == "accuracy" and 0.5 < result["test_score"] <= 1.0
    assert result["best_c"] in baselines.TEXT_CS and len(result["cv_accuracy"]) == 4
    assert result["wall_seconds"] > 0 and result["features"] > 100


def test_hist_gradient_boosting_uses_native_categoricals(adult):
    x_train, y_train, x_test, y_test = adult
    x_train, y_train = subset(x_train, y_train, 400, 0, True)
    x_test, y_test = subset(x_test, y_test, 200, 0, True)
    result = baselines.hist_gradient_boosting(x_train, y_train, x_test, y_test,
                                              task="classification", seed=0)
    assert "native-country" in result["categorical_columns"] and "age" not in (
        result["categorical_columns"])
    assert 0.7 < result["test_score"] <= 1.0 and result["iterations"] >= 1
    linear = baselines.linear_model(x_train, y_train, x_test, y_test,
                                    task="classification", seed=0)
    assert linear["label"] == "LogReg" and 0.7 < linear["test_score"] <= 1.0


def test_regression_baselines_report_rmse_with_missing_values(auto_mpg):
    x_train, y_train, x_test, y_test = auto_mpg
    assert x_train["Horsepower"].isna().any() or x_test["Horsepower"].isna().any()
    for baseline in (baselines.hist_gradient_boosting, baselines.linear_model):
        result = baseline(x_train, y_train, x_test, y_test, task="regression", seed=0)
        assert result["metric"] == "rmse" and 1.0 < result["test_score"] < 6.0


def test_unseen_test_categories_become_missing():
    x_train = pd.DataFrame({"c": ["a", "b", None, "a"], "n": [1.0, 2.0, 3.0, np.nan]})
    x_test = pd.DataFrame({"c": ["b", "zzz"], "n": [1.0, 2.0]})
    y_train, y_test = pd.Series([1.0, 2.0, 3.0, 4.0]), pd.Series([2.0, 3.0])
    result = baselines.hist_gradient_boosting(x_train, y_train, x_test, y_test,
                                              task="regression", seed=0)
    assert result["categorical_columns"] == ["c"] and np.isfinite(result["test_score"])
    result = baselines.linear_model(x_train, y_train, x_test, y_test, task="regression", seed=0)
    assert result["label"] == "Ridge" and np.isfinite(result["test_score"])


def test_linear_model_reads_text_columns_and_bare_documents_with_tfidf():

    from benchmarks.baselines import linear_model

    words = ["great fun", "awful bore", "great cast", "awful plot"] * 10
    labels = np.array([w.split()[0] for w in words])
    frame = pd.DataFrame({"review": words, "stars": np.arange(40) % 5 * 1.0})
    both = linear_model(frame, labels, frame, labels, task="classification",
                        text_columns=("review",))
    assert both["test_score"] == 1.0 and "TF-IDF 1-2-grams of ['review']" in both["description"]
    documents = linear_model(np.array(words, dtype=object), labels, words, labels,
                             task="classification")
    assert documents["test_score"] == 1.0
    numbers_only = linear_model(frame[["stars"]], labels, frame[["stars"]], labels,
                                task="classification")
    assert numbers_only["test_score"] < 1.0 and "TF-IDF" not in numbers_only["description"]
