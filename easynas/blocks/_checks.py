"""Predicates for blocks' argument checks (see `check_searchable`)."""

from __future__ import annotations

import numbers
from typing import Any


def positive_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def non_negative_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def odd_positive_int(value: Any) -> bool:
    return positive_int(value) and value % 2 == 1


def fraction(value: Any) -> bool:
    """A float in [0, 1)."""
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1
    )


def boolean(value: Any) -> bool:
    return isinstance(value, bool)


def one_of(*options: Any):
    def check(value: Any) -> bool:
        return any(type(value) is type(o) and value == o for o in options)

    return check
