"""Exceptions and warnings raised by easynas.

Every class here can be caught or filtered on its own, the way scikit-learn's
`ConvergenceWarning` can.
"""

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "EasyNASWarning",
    "ExperimentalWarning",
    "InvalidDataError",
    "InvalidParameterError",
    "NotFittedError",
    "ProjectLockedError",
]


class InvalidParameterError(ValueError, TypeError):
    """A constructor argument or method parameter has a value it cannot take.

    It is both a `ValueError` and a `TypeError`, so callers may catch either.
    The message names the parameter, the owner, what is allowed and what came.
    """


class InvalidDataError(ValueError):
    """The data given to `fit`, `predict` or `evaluate` cannot be used.

    The message names the argument (`x`, `y`, `validation_data`, ...), what was
    expected and what was given.
    """


class NotFittedError(_SklearnNotFittedError):
    """A method that needs a fitted estimator was called before `fit`.

    A subclass of scikit-learn's `NotFittedError` (itself a `ValueError` and
    an `AttributeError`), so scikit-learn's tools recognise it.
    """


class ProjectLockedError(RuntimeError):
    """Another search, alive, holds the project folder's lock.

    The message names the folder and the holder's pid, host and start time.
    """


class EasyNASWarning(UserWarning):
    """Something the user can act on: a fallback, a budget too small, ..."""


class ExperimentalWarning(EasyNASWarning):
    """A feature whose API may still change."""
