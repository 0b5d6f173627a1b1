"""Shared fixtures: tiny real data, a seed, fast search settings, a clean interpreter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SLOW = os.environ.get("EASYNAS_SLOW_TESTS") == "1"
# Words in a test's id that mean it asserts on wall-clock time (a time limit, a
# budget, a deadline, a killed process, latency, memory): such tests are marked
# `serial`, and `make test` runs them alone after the others have run two at a
# time, so that a busy neighbour cannot make them late.
TIMING_WORDS = re.compile(
    r"time_limit|too_slow|deadline|budget|reserve|stuck|in_time|latency|kill|resume|timing"
    r"|seconds|memory|rss", re.IGNORECASE)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if TIMING_WORDS.search(item.nodeid):
            item.add_marker(pytest.mark.serial)
    if SLOW:
        return
    skip = pytest.mark.skip(reason="slow test; set EASYNAS_SLOW_TESTS=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_keras_session():
    import keras

    keras.backend.clear_session()
    yield


@pytest.fixture
def seed() -> int:
    """The tests' seed (42 unless EASYNAS_TEST_SEED sets another)."""
    return int(os.environ.get("EASYNAS_TEST_SEED", "42"))


@pytest.fixture
def digits():
    """64 real 8x8 digit images (uint8, 0-16) and their int labels, 10 classes."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images[:64].astype(np.uint8), data.target[:64].astype(np.int64)


@pytest.fixture
def fast(tmp_path, seed) -> dict:
    """Constructor arguments for a one-trial, one-epoch, silent search in tmp_path."""
    return {
        "max_trials": 1,
        "epochs": 1,
        "batch_size": 16,
        "verbose": 0,
        "seed": seed,
        "directory": str(tmp_path / "projects"),
    }


@pytest.fixture
def run_without_easynas():
    """Run Python code in a fresh interpreter where `import easynas` fails.

    Returns a function `(code, *args) -> CompletedProcess`; it raises with the
    child's output if the child fails.
    """

    def run(code: str, *args: str) -> subprocess.CompletedProcess:
        prelude = (
            "import sys\n"
            "sys.modules['easynas'] = None  # importing easynas now raises ImportError\n"
        )
        process = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code), *map(str, args)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        if process.returncode != 0:
            raise AssertionError(
                f"fresh interpreter failed ({process.returncode}):\n"
                f"{process.stdout}\n{process.stderr}"
            )
        return process

    return run
