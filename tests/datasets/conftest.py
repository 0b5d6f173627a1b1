"""Real text and tabular data for tests; each fixture skips when its archive
cannot be fetched (no network and nothing cached)."""

from __future__ import annotations

import pytest

from easynas.datasets import DatasetUnavailable


def load_or_skip(loader, *args):
    """`loader(*args)`, or skip the test, saying why, when the data cannot be had."""
    try:
        return loader(*args)
    except DatasetUnavailable as error:
        pytest.skip(f"data set unavailable: {error}")


@pytest.fixture(scope="session")
def adult():
    from easynas.datasets import load_adult

    return load_or_skip(load_adult)


@pytest.fixture(scope="session")
def auto_mpg():
    from easynas.datasets import load_auto_mpg

    return load_or_skip(load_auto_mpg)


@pytest.fixture(scope="session")
def rotten_tomatoes():
    from easynas.datasets import load_rotten_tomatoes

    return load_or_skip(load_rotten_tomatoes)
