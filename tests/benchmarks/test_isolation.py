"""The isolation benchmark's report, from its recorded result (no search runs here)."""

import json
from pathlib import Path

import pytest

from benchmarks.isolation import _median, _summary, isolation_markdown

RESULT = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "isolation.json"


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a Keras object."""
    yield


def test_the_recorded_result_renders_one_row_per_mode_with_its_load():
    result = json.loads(RESULT.read_text())
    markdown = isolation_markdown(result)
    rows = [line for line in markdown.splitlines() if line.startswith(("| none", "| process"))]
    assert [row.split("|")[1].strip() for row in rows] == ["none", "process"]
    load = result["runs"][1]["load_before"][0]
    assert f"{load:.1f} /" in rows[1]
    assert f"{result['summary']['overhead_per_trial_seconds']:.1f} s more" in markdown


def test_the_summary_is_the_difference_of_the_two_searches_per_trial():
    runs = [
        {"mode": "none", "fit_seconds": 10.0, "trials": 2, "trial_seconds": [4.0, 6.0],
         "child_start_seconds": [None, None], "values": [{"a": 1}]},
        {"mode": "process", "fit_seconds": 30.0, "trials": 2, "trial_seconds": [5.0, 7.0],
         "child_start_seconds": [8.0, 9.0], "values": [{"a": 1}],
         "children_cpu_seconds": 12.0},
    ]
    summary = _summary(runs)
    assert summary["overhead_per_trial_seconds"] == 10.0
    assert summary["median_child_start_seconds"] == 8.5
    assert summary["trial_seconds_for_10_percent"] == 100.0
    assert summary["child_cpu_seconds_per_trial"] == 6.0
    assert summary["same_candidates"] is True
    assert _median([3.0, None, 1.0, 2.0]) == 2.0
