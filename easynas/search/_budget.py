"""Wall-clock budgets: parsing "10min"-style durations and a deadline to check."""

from __future__ import annotations

import math
import numbers
import re
import time

__all__ = ["Deadline", "parse_duration"]

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def parse_duration(value: str | float | int) -> float:
    """Seconds in a duration: a positive number of seconds, or a string such as
    "90", "45s", "10min", "1.5h" or "1h30m".

    Raises:
        ValueError: If `value` is not a positive, finite duration.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        pos, seconds, matched = 0, 0.0, False
        for part in _PART.finditer(text):
            if text[pos : part.start()].strip():
                matched = False
                break
            number, unit = part.groups()
            if unit and unit not in _UNITS:
                matched = False
                break
            seconds += float(number) * _UNITS.get(unit or "s")
            pos, matched = part.end(), True
        if not matched or text[pos:].strip():
            raise ValueError(f"cannot read {value!r} as a duration")
    else:
        raise ValueError(f"cannot read {value!r} as a duration")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be positive and finite, not {value!r}")
    return seconds


class Deadline:
    """A point in wall-clock time after which no new work should start.

    Part of the time left can be held back for work that comes after the
    search (refitting the best candidate): `remaining()` and `expired()` then
    count only the time before the held-back part, and `total_remaining()`
    all of it.

    The deadline also counts the seconds spent so far (`spent()`), including
    any spent before it was made, so a resumed search can keep its budget.

    Args:
        seconds: The whole budget in seconds; None means never.
        spent: Seconds of it already used (they shorten the time left).
    """

    def __init__(self, seconds: float | None, spent: float = 0.0) -> None:
        self.seconds = seconds
        self._start = time.monotonic()
        self._spent_before = 0.0
        self._end = None if seconds is None else self._start + seconds
        self.held_back = 0.0
        self.add_spent(spent)

    def add_spent(self, seconds: float) -> None:
        """Count `seconds` more as already spent (time used before this deadline existed)."""
        seconds = max(float(seconds), 0.0)
        self._spent_before += seconds
        if self._end is not None:
            self._end -= seconds

    def spent(self) -> float:
        """Seconds of the budget used so far, earlier ones included."""
        return self._spent_before + (time.monotonic() - self._start)

    def hold_back(self, seconds: float) -> None:
        """Keep the last `seconds` of the budget for later work (replaces any earlier hold)."""
        self.held_back = max(float(seconds), 0.0)

    def total_remaining(self) -> float:
        """Seconds until the end of the whole budget, held-back time included."""
        return math.inf if self._end is None else self._end - time.monotonic()

    def remaining(self) -> float:
        return self.total_remaining() - self.held_back

    def expired(self) -> bool:
        return self.remaining() <= 0
