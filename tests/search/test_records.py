"""Trial records, statuses, objectives and the history strategies read."""

from __future__ import annotations

import math

import pytest

from easynas.search import History, Objective, TrialRecord, TrialStatus


def test_record_round_trips_through_json():
    record = TrialRecord(
        "3", TrialStatus.COMPLETED, {"units": 32, "kind": "a"}, score=0.25,
        metrics={"val_loss": 0.25}, best_step=2,
    )
    again = TrialRecord.from_json(record.to_json())
    assert again == record
    assert again.status is TrialStatus.COMPLETED


@pytest.mark.parametrize("score", [None, math.nan, math.inf])
def test_record_completed_needs_a_finite_score(score):
    with pytest.raises(ValueError, match="finite score"):
        TrialRecord("1", TrialStatus.COMPLETED, {}, score=score)


def test_record_failed_may_have_no_score():
    record = TrialRecord("1", TrialStatus.FAILED, {}, message="out of memory")
    assert TrialRecord.from_json(record.to_json()).message == "out of memory"


def test_record_is_frozen():
    record = TrialRecord("1", TrialStatus.FAILED, {})
    with pytest.raises(AttributeError):
        record.score = 1.0


def test_objective_orders_by_direction():
    low, high = Objective("val_loss", "min"), Objective("val_accuracy", "max")
    assert low.better(0.1, 0.2) and not low.better(0.2, 0.1)
    assert high.better(0.9, 0.8)
    assert sorted([0.3, None, 0.1], key=low.sort_key) == [0.1, 0.3, None]
    assert sorted([0.3, math.nan, 0.9], key=high.sort_key)[:2] == [0.9, 0.3]


def test_objective_rejects_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        Objective("val_loss", "down")


def test_history_ranks_completed_trials_and_lists_tried_values():
    records = [
        TrialRecord("0", TrialStatus.COMPLETED, {"x": 1}, score=0.5),
        TrialRecord("1", TrialStatus.FAILED, {"x": 2}),
        TrialRecord("2", TrialStatus.COMPLETED, {"x": 3}, score=0.1),
        TrialRecord("3", TrialStatus.RUNNING, {"x": 4}),
    ]
    history = History(records, Objective("val_loss", "min"))
    assert len(history) == 4
    assert [r.trial_id for r in history.best(2)] == ["2", "0"]
    assert [r.trial_id for r in history.running()] == ["3"]
    assert len(history.tried()) == 4


def _solved(trial_id: str, values: dict, status=None, ignored=("lr", "l2")):
    status = status or TrialStatus.COMPLETED
    return TrialRecord(trial_id=trial_id, status=status, values=values,
                       score=0.1 if status == TrialStatus.COMPLETED else None,
                       ignored=tuple(ignored))


def test_tried_holds_candidates_that_differ_only_where_a_solved_trial_ignored_them():
    from easynas.search._strategy import values_key

    solved = {"layers": 0, "lr": 0.01, "l2": 0.001}
    tried = History([_solved("0", solved)], Objective("val_loss", "min")).tried()
    assert values_key(solved) in tried
    assert values_key({"layers": 0, "lr": 0.003, "l2": 0.01}) in tried  # the same model
    assert values_key({"layers": 0, "lr": 0.003, "l2": 0.0}) not in tried  # no penalty: SGD
    assert values_key({"layers": 2, "lr": 0.01, "l2": 0.001}) not in tried
    assert values_key({"layers": 0, "lr": 0.01}) not in tried  # another space's candidate
    twin = tried.copy()
    assert values_key({"layers": 0, "lr": 0.3, "l2": 0.1}) in twin
    twin.add(values_key({"layers": 5}))
    assert values_key({"layers": 5}) in twin and values_key({"layers": 5}) not in tried
    # Only completed trials vouch for their equivalents.
    failed = History([_solved("1", solved, TrialStatus.FAILED)],
                     Objective("val_loss", "min")).tried()
    assert values_key({"layers": 0, "lr": 0.003, "l2": 0.01}) not in failed


def test_a_record_keeps_what_it_ignored_through_json():
    record = _solved("7", {"layers": 0}, ignored=("optimizer/learning_rate",))
    assert TrialRecord.from_json(record.to_json()) == record
