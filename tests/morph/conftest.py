"""Fixtures of the morph tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_keras_session(seed):
    """Reset Keras' global state and seed its random generators before each test.

    Skips clear_session's full garbage collection (about 0.7 s a test), as the
    block tests do; the models are tiny. Overrides the root conftest's fixture.
    """
    import keras

    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(seed)
    yield
