"""The text and tabular suites through the runner: data selection, baselines-only
runs, a stand-in search, a failing search, a missing easynas class, and the report."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from benchmarks import run as runner
from benchmarks import suites
from benchmarks.suites import _per_dataset
from benchmarks.suites._base import Budget, RunConfig


class FakeEstimator:
    """Stands in for TabularClassifier / TabularRegressor: predicts the majority
    class or the mean, and leaves one trial's files the way easynas does."""

    made: list[str] = []

    def __init__(self, *, max_trials, time_budget, epochs, seed, directory, verbose):
        self.directory = directory

    def fit(self, x, y):
        y = np.asarray(y)
        if y.dtype.kind == "f":
            self.value_ = float(y.mean())
        else:
            values, counts = np.unique(y, return_counts=True)
            self.value_ = values[np.argmax(counts)]
        self.project_dir_ = os.path.join(self.directory, "project")
        os.makedirs(os.path.join(self.project_dir_, "trial_000"))
        with open(os.path.join(self.project_dir_, "trial_000", "easynas_trial.json"), "w") as f:
            json.dump({"fit_seconds": 0.0, "trial_seconds": 0.0, "epochs_run": 1,
                       "stopped_by_budget": False}, f)
        self.best_trial_id_ = "000"
        self.best_hyperparameters_ = {"block_type": "fake"}
        self.search_seconds_ = 0.001
        return self

    def predict(self, x):
        return np.full(len(x), self.value_)

    def leaderboard(self):
        return pd.DataFrame([{
            "trial_id": "000", "status": "COMPLETED", "val_loss": 0.5, "params": 10,
            "latency_ms": 0.1, "epochs": 1, "trial_seconds": 0.0,
            "hyperparameters": self.best_hyperparameters_, "message": None,
        }])


class BrokenEstimator(FakeEstimator):
    def fit(self, x, y):
        raise RuntimeError("boom")


def _main(tmp_path, *args):
    out = tmp_path / "results"
    code = runner.main([*args, "--out", str(out), "--work-dir", str(tmp_path), "--verbose", "0"])
    return code, out


def test_text_and_tabular_suites_are_registered():
    assert {"multimodal", "text", "tabular"} <= set(suites.names())
    assert suites.get("text").estimator_name("classification") == "TextClassifier"
    assert suites.get("tabular").estimator_name("regression") == "TabularRegressor"


def test_select_takes_a_comma_separated_subset_and_rejects_unknown_names():
    suite = suites.get("tabular")
    assert [s.name for s in suite.select("wine, diabetes")] == ["wine", "diabetes"]
    assert [s.name for s in suite.select(None, smoke=True)] == ["adult", "auto_mpg"]
    assert len(suite.select(None)) == 6
    with pytest.raises(ValueError, match="adult, auto_mpg, wage, wine, breast_cancer, diabetes"):
        suite.select("adult,nope")


def test_smoke_caps_train_and_test_sizes_with_stratified_subsets(adult):
    suite = suites.get("tabular")
    config = RunConfig(suite="tabular", budgets=(Budget("10s", 10.0),), seeds=(0,),
                       train_size=None, data_seed=0, max_trials=1, epochs=1,
                       baseline_max_epochs=0, smoke=True)
    data = suite.load_dataset(suite.select("adult")[0], config)
    assert len(data.y_train) == len(data.x_train) == 200 and len(data.y_test) == 200
    assert set(data.y_train) == {"<=50K", ">50K"}
    assert data.notes["task"] == "classification" and data.notes["train_pool"] == 32561
    assert data.notes["string_columns"] == 8 and data.notes["missing_cells"] >= 0


def test_baselines_only_run_writes_json_markdown_and_results(tmp_path, adult, auto_mpg):
    code, out = _main(tmp_path, "--suite", "tabular", "--smoke", "--baselines-only",
                      "--datasets", "adult,auto_mpg,wage,wine,breast_cancer,diabetes")
    assert code == 0
    result = json.loads((out / "tabular.json").read_text())
    assert result["layout"] == "per_dataset" and result["complete"] is True
    assert result["config"]["baselines_only"] is True
    assert [r["dataset"] for r in result["runs"]] == [
        "adult", "auto_mpg", "wage", "wine", "breast_cancer", "diabetes"]
    for run in result["runs"]:
        assert run["budget"] == "–" and run["test_score"] is None
        assert [b["name"] for b in run["baselines"]] == ["hgb", "linear"]
        assert run["baseline_test_score"] == run["baselines"][0]["test_score"]
    metrics = {r["dataset"]: r["metric"] for r in result["runs"]}
    assert metrics["adult"] == "accuracy" and metrics["wage"] == "rmse"
    table = (out / "tabular.md").read_text()
    assert "| data set | budget | seed | metric | easynas | HistGB | LogReg / Ridge |" in table
    assert "| wage | – | 0 | rmse | not run |" in table
    assert "## Tabular classification and regression (`tabular`)" in (
        out / "RESULTS.md").read_text()


def test_search_run_reports_score_ratio_trials_and_overhead(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(_per_dataset, "_lookup_estimator",
                        lambda name: asked.append(name) or FakeEstimator)
    code, out = _main(tmp_path, "--suite", "tabular", "--smoke", "--datasets", "wine,diabetes",
                      "--budgets", "5s")
    assert code == 0
    assert set(asked) == {"TabularClassifier", "TabularRegressor"}
    result = json.loads((out / "tabular.json").read_text())
    wine, diabetes = result["runs"]
    assert wine["metric"] == "accuracy" and 0.3 < wine["test_accuracy"] < 0.5  # majority class
    assert diabetes["metric"] == "rmse" and diabetes["test_rmse"] > 50
    for run in result["runs"]:
        assert run["budget"] == "5s" and run["trials_completed"] == 1 and not run["error"]
        assert run["score_ratio"] == pytest.approx(run["test_score"] / run["baseline_test_score"])
        assert run["score_difference"] == pytest.approx(
            run["test_score"] - run["baseline_test_score"])
        assert 0.0 <= run["overhead_fraction"] <= 1.0 and run["best_trial_id"] == "000"
    table = (out / "tabular.md").read_text()
    assert f"| wine | 5s | 0 | accuracy | {wine['test_score']:.4f} |" in table
    assert "| 1 / 0 |" in table and "block_type=fake" in table
    assert not list(tmp_path.glob("easynas-bench-*"))


def test_a_failing_search_is_recorded_and_the_baselines_still_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_per_dataset, "_lookup_estimator", lambda name: BrokenEstimator)
    code, out = _main(tmp_path, "--suite", "tabular", "--smoke", "--datasets", "wine")
    assert code == 1
    run = json.loads((out / "tabular.json").read_text())["runs"][0]
    assert run["error"] == "RuntimeError: boom" and run["baseline_test_score"] > 0.8
    table = (out / "tabular.md").read_text()
    assert "| wine | 10s | 0 | accuracy | failed |" in table and "Failed searches" in table
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_a_missing_easynas_class_stops_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(type(suites.get("tabular")), "estimator_name",
                        lambda self, task: "NoSuchRegressor")
    code, out = _main(tmp_path, "--suite", "tabular", "--smoke", "--datasets", "diabetes")
    assert code == 2 and not (out / "tabular.json").exists()
    err = capsys.readouterr().err
    assert "has no NoSuchRegressor" in err and "--baselines-only" in err


def test_unknown_dataset_and_image_only_options_are_refused(tmp_path, capsys):
    code, _ = _main(tmp_path, "--suite", "text", "--smoke", "--datasets", "imdb")
    assert code == 2 and "20newsgroups, rotten_tomatoes" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="do not apply to the image suite"):
        _main(tmp_path, "--suite", "image", "--smoke", "--datasets", "digits")


def test_text_baselines_only_smoke_run(tmp_path, rotten_tomatoes):
    code, out = _main(tmp_path, "--suite", "text", "--smoke", "--baselines-only",
                      "--datasets", "rotten_tomatoes")
    assert code == 0
    result = json.loads((out / "text.json").read_text())
    run = result["runs"][0]
    assert result["datasets"]["rotten_tomatoes"]["train_size"] == 300
    assert run["baseline_name"] == "tfidf_svm" and 0.5 < run["baseline_test_score"] <= 1.0
    assert "| rotten_tomatoes | – | 0 | accuracy | not run |" in (out / "text.md").read_text()


def test_name_keeps_a_run_beside_the_suites_main_results(tmp_path):
    code, out = _main(tmp_path, "--suite", "tabular", "--smoke", "--baselines-only",
                      "--datasets", "wine", "--name", "tabular-wine")
    assert code == 0
    assert json.loads((out / "tabular-wine.json").read_text())["runs"][0]["dataset"] == "wine"
    assert (out / "tabular-wine.md").is_file() and not (out / "tabular.json").exists()
    with pytest.raises(SystemExit, match="--name must be a file name stem"):
        _main(tmp_path, "--suite", "tabular", "--smoke", "--name", "../elsewhere")


def test_multimodal_suite_has_three_views_each_with_its_estimator(tmp_path):
    from benchmarks.suites._base import Budget, RunConfig

    suite = suites.get("multimodal")
    assert [spec.name for spec in suite.catalog()] == [
        "election_text", "election_tabular", "election_both"]
    config = RunConfig(suite="multimodal", budgets=(Budget("1min", 60.0),), seeds=(0,),
                       train_size=None, data_seed=0, max_trials=1, epochs=1,
                       baseline_max_epochs=0, smoke=True, keep_projects=False,
                       work_dir=None, verbose=0)
    made = {name: suite.make_estimator(config, config.budgets[0], 0, str(tmp_path),
                                       dataset=name)
            for name in ("election_text", "election_tabular", "election_both")}
    assert [type(e).__name__ for e in made.values()] == [
        "TextClassifier", "TabularClassifier", "AutoModel"]
    assert made["election_both"].inputs[0].name == "Content"


def test_markdown_lists_each_finalist_cv_and_the_machine_load():
    from benchmarks.report_per_dataset import _finalist_lines

    run = {"dataset": "wine", "budget": "2min", "seed": 0, "load_before": [4.9, 3.0, 2.0],
           "load_after": [5.4, 3.0, 2.0], "trials": [{"trial_id": "001"}, {"trial_id": "000"}],
           "finalists": {"folds": 2, "metric": "val_loss", "means": {"001": 0.11, "000": 0.09},
                         "chosen": "000", "seconds": 16.4}}
    skipped = {**run, "seed": 1, "finalists": {"folds": 5, "metric": "val_loss", "means": {},
                                                "chosen": None, "reason": "no time"}}
    assert _finalist_lines([run, skipped, {**run, "seed": 2, "finalists": None}]) == [
        "- wine, 2min, seed 0: 2-fold val_loss trial 001 0.1100, trial 000 0.0900; picked trial "
        "000 (search's best: trial 001), 16s. Load average (1 min) 4.9 before the search, 5.4 "
        "after.",
        "- wine, 2min, seed 1: no finalist CV (no time). Load average (1 min) 4.9 before the "
        "search, 5.4 after.",
        "- wine, 2min, seed 2: no finalist CV. Load average (1 min) 4.9 before the search, 5.4 "
        "after.",
    ]
