"""The strategies benchmark's curve, summary and report, on canned runs (no TensorFlow work)."""

from __future__ import annotations

from benchmarks.report import suite_markdown
from benchmarks.strategies import best_curve, strategies_markdown, summarize


def _point(seconds, val_loss, accuracy, load=2.0):
    return {"seconds": seconds, "val_loss": val_loss, "test_accuracy": accuracy,
            "params": 10, "load": load}


def _run(name, points, parents=()):
    trials = [{"trial_id": str(i), "status": "COMPLETED", "parent": parent}
              for i, parent in enumerate([None] * (len(points) - len(parents)) + list(parents))]
    return {"strategy": name, "points": points, "trials": trials, "search_seconds": 100.0,
            "test_seconds": 1.0, "final_test_accuracy": points[-1]["test_accuracy"]}


def test_best_curve_follows_the_best_validation_loss_not_the_best_test_accuracy():
    points = [_point(5, None, 0.1), _point(10, 0.5, 0.7), _point(20, 0.6, 0.9),
              _point(30, 0.4, 0.8)]
    assert best_curve(points) == [(10, 0.7), (20, 0.7), (30, 0.8)]


def test_summary_counts_children_and_the_time_to_reach_the_reference():
    run = _run("morphism", [_point(10, 0.5, 0.7, load=1.0), _point(20, 0.4, 0.8, load=3.0)],
               parents=["0"])
    row = summarize(run, reference=0.75)
    assert (row["trials"], row["completed"], row["children"]) == (2, 2, 1)
    assert row["seconds_to_reference"] == 20 and row["mean_load"] == 2.0
    assert summarize(run, reference=0.9)["seconds_to_reference"] is None


def test_report_has_a_row_per_strategy_the_note_and_the_load():
    runs = {"morphism": _run("morphism", [_point(10, 0.5, 0.7)]),
            "random": _run("random", [_point(50, 0.6, 0.6)])}
    result = {
        "suite": "strategies", "layout": "markdown", "date": "2026-11-23 12:00 UTC",
        "easynas_version": "0.1.0",
        "machine": {"cpu_model": "CPU", "usable_cpus": 2, "cpu_count": 2},
        "config": {"budget": "1min", "epochs": 2, "train": 100, "test": 50, "seed": 0},
        "command": "python -m benchmarks.strategies --budget 1min", "total_seconds": 120.0,
        "load_start": [1.5, 1.0, 1.0], "load_end": [2.5, 1.0, 1.0],
        "reference_accuracy": 0.6, "note": "a short run",
        "summary": [summarize(runs[s], 0.6) for s in runs], "runs_by_name": runs,
    }
    result["markdown"] = strategies_markdown(result, level=2)
    text = suite_markdown(result, level=2)
    assert "| morphism | 1 | 1 | 0 | 100 | 0.7000 | 10 | 2.0 |" in text
    assert "| random | 1 | 1 | 0 | 100 | 0.6000 | 50 | 2.0 |" in text
    assert "- Note: a short run" in text and "1.5 at the start, 2.5 at the end" in text
