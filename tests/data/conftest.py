"""The data layer builds no Keras objects, so its tests skip the per-test session reset."""

import pytest


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's fixture: `clear_session` (and its full garbage
    collection) costs up to a second per test and guards nothing here."""
    yield
