"""Declared parameter constraints, checked once when `fit` starts.

Each estimator lists a `_parameter_constraints` table mapping a parameter name to
a list of constraints; the value must satisfy at least one. A failure raises
`InvalidParameterError` in one message shape:

    The 'max_trials' parameter of ImageClassifier must be an int in the range
    [1, inf). Got 0 instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from easynas.exceptions import InvalidParameterError

__all__ = ["Interval", "Options", "InstanceOf", "Satisfies", "validate_parameters"]


class Constraint:
    """One allowed kind of value for a parameter."""

    def is_satisfied_by(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """A real or integral number in a range.

    Args:
        kind: `int` or `float` (a float interval also accepts ints).
        low: Lower bound, or None for -inf.
        high: Upper bound, or None for +inf.
        closed: Which ends are included: "both", "left", "right" or "neither".
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or math.isnan(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        noun = "an int" if self.kind is int else "a float"
        return f"{noun} in the range {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values (compared with ==, strings case-sensitive)."""

    options: tuple

    def is_satisfied_by(self, value: Any) -> bool:
        return any(type(value) is type(o) and value == o for o in self.options)

    def describe(self) -> str:
        return "one of {" + ", ".join(repr(o) for o in self.options) + "}"


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of a type (or None when `kind` is `type(None)`)."""

    kind: type | tuple[type, ...]
    description: str = ""

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) and self.kind in (int, float):
            return False
        return isinstance(value, self.kind)

    def describe(self) -> str:
        if self.description:
            return self.description
        if self.kind is type(None):
            return "None"
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return "an instance of " + " or ".join(repr(k.__name__) for k in kinds)


@dataclass(frozen=True)
class Satisfies(Constraint):
    """A value for which `check` returns True; `description` says what that means."""

    check: Callable[[Any], bool]
    description: str

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return bool(self.check(value))
        except (TypeError, ValueError):
            return False

    def describe(self) -> str:
        return self.description


NONE = InstanceOf(type(None))


def _join(descriptions: list[str]) -> str:
    if len(descriptions) == 1:
        return descriptions[0]
    return ", ".join(descriptions[:-1]) + " or " + descriptions[-1]


def validate_parameters(
    constraints: Mapping[str, Iterable[Constraint]],
    params: Mapping[str, Any],
    owner: str,
) -> None:
    """Check every parameter against its declared constraints.

    Args:
        constraints: Parameter name to the constraints it may satisfy.
        params: Parameter name to value (e.g. `estimator.get_params(deep=False)`).
        owner: The class name, for the message.

    Raises:
        InvalidParameterError: At the first parameter that satisfies none of its
            constraints.
    """
    for name, value in params.items():
        allowed = list(constraints.get(name, ()))
        if not allowed:
            continue
        if any(c.is_satisfied_by(value) for c in allowed):
            continue
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be "
            f"{_join([c.describe() for c in allowed])}. Got {value!r} instead."
        )
