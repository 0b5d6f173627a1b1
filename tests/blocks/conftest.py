"""Fixtures of the block tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Reset Keras' global state before each test, without a full garbage
    collection: `clear_session()`'s default `gc.collect()` costs about 0.7 s a
    test here, most of this suite's time, and the tests' models are tiny.

    Overrides the root conftest's fixture of the same name for tests/blocks.
    """
    import keras

    keras.backend.clear_session(free_memory=False)
    yield
