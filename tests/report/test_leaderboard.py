"""The leaderboard ranks completed trials best first and keeps failures with reasons."""

import io

import pandas as pd

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


def test_leaderboard_shows_finalist_cv_scores_beside_the_objective():
    objective = Objective("val_loss", "min")
    plain = build_leaderboard(_records(), {}, objective)
    assert "cv_score" not in plain.columns
    board = build_leaderboard(_records(), {"0": {"cv_score": 0.3}, "2": {"cv_score": 0.5}},
                              objective)
    assert list(board.columns[:4]) == ["trial_id", "status", "val_loss", "cv_score"]
    assert list(board["trial_id"]) == ["2", "0", "1"]  # still in search order
    assert list(board["cv_score"][:2]) == [0.5, 0.3] and pd.isna(board.loc[3, "cv_score"])


def test_progress_reporter_reports_the_finalist_cv():
    stream = io.StringIO()
    reporter = ProgressReporter(1, Objective("val_loss", "min"), 3, stream=stream)
    reporter.finalists_started(["2", "0"], 5, 120)
    reporter.finalist_scored("2", [0.5, 0.3])
    reporter.finalists_finished({"chosen": "2", "seconds": 3.0})
    reporter.finalists_finished({"chosen": "0", "best_mean": "2", "standard_error": 0.1,
                                 "seconds": 3.0})
    reporter.finalists_skipped("not enough time budget left")
    lines = stream.getvalue().splitlines()
    assert lines[0] == ("easynas: cross-validating the finalists (trials 2, 0) with 5 folds of "
                        "all 120 samples")
    assert lines[1] == "easynas: trial 2 val_loss by CV=0.4000 (folds: 0.5000, 0.3000)"
    assert lines[2] == "easynas: finalist CV picks trial 2 (3.0s)"
    assert lines[3] == ("easynas: finalist CV picks trial 0, the simplest within one standard "
                        "error (0.1000) of trial 2's best mean (3.0s)")
    assert lines[4].startswith("easynas: no finalist CV: not enough time budget left")
