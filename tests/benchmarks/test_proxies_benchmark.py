"""The proxies benchmark's screening arithmetic, checked against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np

from benchmarks.proxies import expected_best_of_random


def test_expected_best_of_random_matches_every_subset_counted(seed):
    values = list(np.random.default_rng(seed).random(9).round(3))
    for k in (1, 3, 9):
        subsets = list(itertools.combinations(values, k))
        brute = sum(max(s) for s in subsets) / len(subsets)
        assert math.isclose(expected_best_of_random(values, k), brute)
    assert math.isclose(expected_best_of_random(values, 1), float(np.mean(values)))
