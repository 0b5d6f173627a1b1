"""The screening benchmark's time-to-target reading."""

from __future__ import annotations

from benchmarks.screening import best_within, time_to


def test_time_to_target_is_the_first_trial_at_or_over_it():
    timeline = [{"seconds": 10.0, "val_accuracy": 0.5}, {"seconds": 25.0, "val_accuracy": 0.9},
                {"seconds": 40.0, "val_accuracy": 0.95}]
    assert time_to(timeline, 0.9) == 25.0
    assert time_to(timeline, 0.3) == 10.0
    assert time_to(timeline, 0.96) is None
    assert time_to([], 0.1) is None


def test_best_within_a_time_reads_only_the_trials_that_ended_by_then():
    timeline = [{"seconds": 10.0, "val_accuracy": 0.5}, {"seconds": 25.0, "val_accuracy": 0.9},
                {"seconds": 40.0, "val_accuracy": 0.7}]
    assert best_within(timeline, 30.0) == 0.9
    assert best_within(timeline, 40.0) == 0.9
    assert best_within(timeline, 9.0) is None
