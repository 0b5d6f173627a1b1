"""The real data fixtures of tests/datasets, shared with the benchmark tests."""

from tests.datasets.conftest import adult, auto_mpg, load_or_skip, rotten_tomatoes

__all__ = ["adult", "auto_mpg", "load_or_skip", "rotten_tomatoes"]
