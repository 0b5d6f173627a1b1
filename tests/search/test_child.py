"""The parent's side of a trial in a child process: what can go there, how an exit reads."""

import signal
import sys

import keras
import pytest

from easynas.search._child import describe_exit, portability_problem


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a model."""
    yield


class _Portable(keras.callbacks.Callback):
    """A callback from an importable module."""


@pytest.mark.parametrize(("returncode", "words"), [
    (-signal.SIGKILL, "was killed by signal 9 (SIGKILL: the kernel's out-of-memory killer"),
    (-signal.SIGSEGV, f"was killed by signal {int(signal.SIGSEGV)} (SIGSEGV: a crash in native"),
    (-signal.SIGTERM, f"was killed by signal {int(signal.SIGTERM)} (SIGTERM)"),
    (3, "exited with code 3"),
    (1, "exited with code 1"),
])
def test_an_exit_is_told_by_its_code_or_signal(returncode, words):
    assert describe_exit(returncode).startswith(words)


def test_objects_from_modules_can_go_to_a_child():
    assert portability_problem([_Portable(), {"a": 1}]) is None


def test_a_lambda_cannot_go_to_a_child_and_says_why():
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    problem = portability_problem([callback])
    assert problem.startswith("they cannot be pickled")


def test_a_class_defined_in_the_running_script_cannot_go_to_a_child(monkeypatch):
    # As if the user's script defined it: it lives in __main__, which a child cannot import.
    script_class = type("ScriptCallback", (keras.callbacks.Callback,), {"__module__": "__main__"})
    monkeypatch.setattr(sys.modules["__main__"], "ScriptCallback", script_class, raising=False)
    problem = portability_problem([script_class()])
    assert "ScriptCallback is defined in __main__" in problem
