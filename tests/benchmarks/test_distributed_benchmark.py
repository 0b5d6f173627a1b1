"""The distributed benchmark's report: speed-ups are taken within each round."""

from __future__ import annotations

from benchmarks.distributed import distributed_markdown


def _run(name: str, processes: int, wall: float, round_number: int) -> dict:
    return {"name": name, "processes": processes, "wall_seconds": wall, "round": round_number,
            "fit_seconds": wall - 5, "completed": 12, "failed": 0, "best_val_loss": 0.3,
            "workers": [], "load_before": [2.0, 2.0, 2.0], "load_after": [2.0, 2.0, 2.0]}


def _result(runs: list[dict]) -> dict:
    return {"runs": runs, "config": {"trials": 12, "epochs": 2, "rows": 600},
            "date": "2026-11-23 20:00 UTC", "easynas_version": "0", "machine": {"usable_cpus": 2},
            "command": "python -m benchmarks.distributed --rounds 2", "total_seconds": 600}


def test_each_speed_up_is_against_its_own_rounds_in_process_run_and_medians_are_reported():
    # Round 2 ran on a machine twice as busy: every wall time doubled, so the
    # within-round speed-ups are the same and the medians must show 2.00 and 1.00.
    runs = [_run("in-process", 1, 100, 1), _run("n_parallel_trials=2", 2, 50, 1),
            _run("in-process", 1, 200, 2), _run("n_parallel_trials=2", 2, 100, 2)]
    markdown = distributed_markdown(_result(runs))

    assert "2 interleaved rounds" in markdown
    assert "| n_parallel_trials=2 | 2 | 2 | 75 | 2.00 | 2.00-2.00 |" in markdown
    assert "| n_parallel_trials=2 | 2 | 2 | 100 | 2.00 |" in markdown  # round 2's own row
    assert "| in-process | 1 | 2 | 150 | 1.00 | 1.00-1.00 |" in markdown


def test_a_single_round_has_no_median_table():
    markdown = distributed_markdown(_result([_run("in-process", 1, 100, 1),
                                             _run("n_parallel_trials=2", 2, 80, 1)]))
    assert "Median over the rounds" not in markdown
    assert "| n_parallel_trials=2 | 1 | 2 | 80 | 1.25 |" in markdown
