"""Fixtures of the search tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Reset Keras's global state without a full garbage collection.

    Overrides the project-wide fixture of the same name: with TensorFlow loaded,
    the `gc.collect()` inside `clear_session()` takes ~0.3 s, which is most of
    the run time of these ~130 fast, Keras-free strategy tests.
    """
    import keras

    keras.backend.clear_session(free_memory=False)
    yield
