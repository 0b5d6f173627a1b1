"""Durations and deadlines."""

from __future__ import annotations

import math

import pytest

from easynas.search._budget import Deadline, parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90), ("45s", 45), ("10min", 600), ("1.5h", 5400), ("1h30m", 5400),
     (" 2 minutes ", 120), ("1H", 3600), (30, 30), (0.5, 0.5)],
)
def test_parse_duration_reads_numbers_and_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad", ["", "soon", "10 parsecs", "-5", "0", "5m and more", 0, -1, math.inf,
            math.nan, True, None, [10]],
)
def test_parse_duration_rejects_what_is_not_a_positive_duration(bad):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_deadline_without_seconds_never_expires():
    deadline = Deadline(None)
    assert deadline.remaining() == math.inf
    assert not deadline.expired()


def test_deadline_expires_after_its_seconds():
    assert Deadline(1e-9).expired() or Deadline(1e-9).remaining() <= 1e-9
    long = Deadline(3600)
    assert not long.expired()
    assert 3590 < long.remaining() <= 3600


def test_deadline_hold_back_ends_the_search_part_early_and_keeps_the_total():
    deadline = Deadline(100)
    deadline.hold_back(30)
    assert 69 < deadline.remaining() <= 70
    assert 99 < deadline.total_remaining() <= 100
    deadline.hold_back(100)  # a later estimate replaces the earlier one
    assert deadline.expired() and not deadline.total_remaining() <= 0
    deadline.hold_back(-5)
    assert deadline.held_back == 0.0 and not deadline.expired()


def test_deadline_counts_seconds_spent_before_it_was_made():
    fresh, resumed = Deadline(100), Deadline(100, spent=30)
    assert resumed.total_remaining() == pytest.approx(fresh.total_remaining() - 30, abs=0.5)
    assert 30 <= resumed.spent() < 31
    resumed.add_spent(80)  # a resumed search's earlier runs
    assert resumed.expired() and resumed.spent() >= 110


def test_deadline_without_budget_still_counts_what_was_spent():
    deadline = Deadline(None, spent=5)
    deadline.add_spent(2)
    assert 7 <= deadline.spent() < 8 and not deadline.expired()
