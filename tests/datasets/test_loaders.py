"""The text and tabular loaders: sizes, types and quirks of each real data set."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.datasets.conftest import load_or_skip


def test_newsgroups_is_the_standard_split_of_raw_strings():
    from easynas.datasets import load_newsgroups

    x_train, y_train, x_test, y_test = load_or_skip(load_newsgroups)
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (11293, 11293, 7528, 7528)
    assert isinstance(x_train[0], str) and len(x_train[0]) > 100
    assert len(np.unique(y_train)) == 20 and set(np.unique(y_test)) == set(np.unique(y_train))
    assert "sci.space" in set(y_train)


def test_rotten_tomatoes_split_is_fixed_and_stratified(rotten_tomatoes):
    x_train, y_train, x_test, y_test = rotten_tomatoes
    assert (len(x_train), len(x_test)) == (10246, 2562)
    assert set(y_train) == set(y_test) == {"fresh", "rotten"}
    share = np.mean(y_train == "fresh")
    assert abs(share - 7403 / 12808) < 1e-3 and abs(np.mean(y_test == "fresh") - share) < 2e-3
    assert all(isinstance(doc, str) for doc in x_test[:50])


def test_adult_keeps_raw_strings_and_missing_values(adult):
    x_train, y_train, x_test, y_test = adult
    assert x_train.shape == (32561, 14) and x_test.shape == (16281, 14)
    assert set(y_train) == set(y_test) == {"<=50K", ">50K"}  # the test file's "." removed
    assert not pd.api.types.is_numeric_dtype(x_train["workclass"])
    assert x_train["age"].dtype.kind == "i" and x_test["age"].iloc[0] == 25  # comment skipped
    assert x_train["workclass"].isna().sum() > 0 and x_test["occupation"].isna().sum() > 0
    assert not x_train["workclass"].astype(str).str.startswith(" ").any()


def test_auto_mpg_drops_unknown_targets_and_keeps_missing_horsepower(auto_mpg):
    x_train, y_train, x_test, y_test = auto_mpg
    assert len(y_train) + len(y_test) == 398 and len(y_test) == 80
    assert y_train.notna().all() and y_train.dtype == np.float64
    assert "Name" not in x_train and "Miles_per_Gallon" not in x_train
    assert pd.concat([x_train, x_test])["Horsepower"].isna().sum() == 6
    assert set(x_train["Origin"]) == {"USA", "Europe", "Japan"}
    assert x_train["Year"].between(1970, 1982).all()


def test_wage_drops_the_log_of_its_target():
    from easynas.datasets import load_wage

    x_train, y_train, x_test, y_test = load_or_skip(load_wage)
    assert x_train.shape == (2400, 9) and len(y_test) == 600
    assert "logwage" not in x_train and "wage" not in x_train
    assert sum(not pd.api.types.is_numeric_dtype(x_train[c]) for c in x_train) == 7


def test_sklearn_sets_split_80_20_and_stratified():
    from easynas.datasets import load_sklearn_set

    x_train, y_train, x_test, y_test = load_sklearn_set("wine")
    assert x_train.shape == (142, 13) and len(y_test) == 36
    assert np.bincount(y_test).min() >= 9
    assert load_sklearn_set("breast_cancer")[0].shape == (455, 30)
    x_train, y_train, _, _ = load_sklearn_set("diabetes")
    assert x_train.shape == (353, 10) and y_train.dtype == np.float64
    again = load_sklearn_set("diabetes")
    pd.testing.assert_series_equal(y_train, again[1])


def test_penguins_is_the_raw_table_with_its_missing_cells():
    from easynas.datasets import load_penguins

    table = load_or_skip(load_penguins)
    assert table.shape == (344, 8)
    assert set(table["species"]) == {"Adelie", "Chinstrap", "Gentoo"}
    assert pd.api.types.is_string_dtype(table["island"])
    assert int(table.isna().sum().sum()) == 19


def test_election_tweets_are_text_and_facts_without_the_leaking_source():
    from easynas.datasets import load_election_tweets

    x_train, y_train, x_test, y_test = load_or_skip(load_election_tweets)
    assert (len(x_train), len(x_test)) == (5155, 1289)
    assert list(x_train.columns) == ["Content", "Is retweet", "Time", "Language",
                                     "Retweet count", "Favorite count"]
    assert "Source URL" not in x_train.columns
    assert set(y_train) == set(y_test) == {"HillaryClinton", "realDonaldTrump"}
    assert abs((y_train == "HillaryClinton").mean() - (y_test == "HillaryClinton").mean()) < 0.01
    assert x_train["Is retweet"].dtype == bool and x_train["Retweet count"].dtype == float
    assert any('"' in text for text in x_train["Content"])  # CSV-quoted texts parsed
    pd.to_datetime(x_train["Time"])  # every time stamp parses
