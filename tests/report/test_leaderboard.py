"""The leaderboard ranks completed trials best first and keeps failures with reasons."""

import io

from easynas.report import ProgressReporter, build_leaderboard, describe_values
from easynas.search import Objective, TrialRecord, TrialStatus


def _records():
    return [
        TrialRecord("0", TrialStatus.COMPLETED, {"a/filters": 16}, score=0.9,
                    metrics={"val_loss": 0.9, "val_accuracy": 0.7}),
        TrialRecord("1", TrialStatus.FAILED, {"a/filters": 64}, message="Traceback\nOOM: too big"),
        TrialRecord("2", TrialStatus.COMPLETED, {"a/filters": 32, "easynas/parent_trial_id": "0"},
                    score=0.4, metrics={"val_loss": 0.4, "val_accuracy": 0.8}),
    ]


def test_leaderboard_ranks_best_first_and_failed_last():
    board = build_leaderboard(_records(), {"2": {"params": 1234, "latency_ms": 0.5}},
                              Objective("val_loss", "min"))
    assert list(board["trial_id"]) == ["2", "0", "1"]
    assert list(board.index) == [1, 2, 3]
    assert board.loc[1, "params"] == 1234 and board.loc[1, "parent"] == "0"
    assert board.loc[3, "message"] == "OOM: too big"
    assert "easynas/" not in board.loc[1, "hyperparameters"]


def test_leaderboard_respects_a_maximised_objective():
    board = build_leaderboard(_records(), {}, Objective("val_loss", "max"))
    assert list(board["trial_id"]) == ["0", "2", "1"]


def test_describe_values_formats_floats_and_hides_internal_keys():
    assert describe_values({"lr": 0.001, "easynas/epochs": 3, "k": "conv"}) == "lr=0.001, k=conv"


def test_progress_reporter_is_silent_at_verbose_0_and_reports_at_1():
    records = _records()
    quiet, loud = io.StringIO(), io.StringIO()
    for verbose, stream in ((0, quiet), (1, loud)):
        reporter = ProgressReporter(verbose, Objective("val_loss", "min"), 3, stream=stream)
        for record in records:
            reporter.trial_finished(record, {"trial_seconds": 1.0, "params": 10})
        reporter.search_finished(2, 3, 5.0)
    assert quiet.getvalue() == ""
    lines = loud.getvalue().splitlines()
    assert lines[0].startswith("[trial 1/3] val_loss=0.9000 (best 0.9000)")
    assert lines[1] == "[trial 2/3] FAILED: OOM: too big"
    assert "(best 0.4000)" in lines[2]
    assert "best val_loss=0.4000" in lines[3]


def test_leaderboard_shows_costs_and_marks_infeasible_candidates():
    infos = {
        "2": {"params": 1234, "flops": 5000, "size_bytes": 2**20, "latency_ms": 0.5,
              "latency_batch_ms": 2.0, "feasible": True},
        "1": {"params": 99999, "feasible": False,
              "infeasible_reason": "99,999 parameters > max_params=1,000"},
    }
    board = build_leaderboard(_records(), infos, Objective("val_loss", "min"))
    best = board.loc[1]
    assert (best["flops"], best["size_mb"], best["latency_batch_ms"]) == (5000, 1.0, 2.0)
    failed = board.loc[3]
    assert failed["status"] == "INFEASIBLE" and failed["params"] == 99999
    assert failed["message"] == "99,999 parameters > max_params=1,000"
    assert "tflite_latency_ms" not in board.columns
