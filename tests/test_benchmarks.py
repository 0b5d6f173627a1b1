"""The benchmark runner: the IDX reader, the loaders, and one smoke run end to end."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import datasets, suites
from benchmarks.report import render_results

ROOT = Path(__file__).resolve().parents[1]


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_reads_gzipped_images_and_labels(tmp_path):
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    (tmp_path / "images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(images)))
    (tmp_path / "labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(labels)))
    (tmp_path / "labels-idx1-ubyte").write_bytes(_idx_bytes(labels))

    got_images = datasets.read_idx(tmp_path / "images-idx3-ubyte.gz")
    got_labels = datasets.read_idx(tmp_path / "labels-idx1-ubyte.gz")

    assert got_images.dtype == np.uint8 and got_images.shape == (3, 4, 5)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "labels-idx1-ubyte"), labels)
    # The standard layout: images' data start at byte 16, labels' at byte 8.
    raw = gzip.decompress((tmp_path / "images-idx3-ubyte.gz").read_bytes())
    np.testing.assert_array_equal(np.frombuffer(raw, np.uint8, offset=16), images.ravel())


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(b"\x1f\x00\x08\x01abcd"))
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(bad)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(_idx_bytes(np.zeros(4, np.uint8))[:-1]))
    with pytest.raises(ValueError, match="needs 4"):
        datasets.read_idx(short)


def test_fashion_mnist_missing_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIR", tmp_path / "nowhere")
    with pytest.raises(datasets.DatasetUnavailable, match="apt-get install -y dataset-fashion"):
        datasets.load_fashion_mnist(install=False, cache=False)


def test_digits_split_is_fixed_and_stratified():
    x_train, y_train, x_test, y_test = datasets.load_digits_split()
    again = datasets.load_digits_split()
    assert x_train.shape[1:] == (8, 8) and x_train.dtype == np.uint8
    assert len(y_train) + len(y_test) == 1797
    np.testing.assert_array_equal(y_test, again[3])
    assert set(np.unique(y_test)) == set(range(10))
    x_sub, y_sub = datasets.stratified_subset(x_train, y_train, 500, seed=0)
    assert len(y_sub) == 500 and np.bincount(y_sub).min() >= 45


def test_suite_registry_and_empty_results(tmp_path):
    assert "image" in suites.names()
    with pytest.raises(KeyError, match="known suites: .*image"):
        suites.get("nope")
    assert "No results yet" in render_results(tmp_path)
    # A standalone script's result carries its own Markdown section.
    (tmp_path / "two_heads.json").write_text(json.dumps(
        {"suite": "two_heads", "layout": "markdown", "runs": [], "markdown": "## Two heads\n"}))
    assert "## Two heads" in render_results(tmp_path)


RUN_FIELDS = {
    "dataset", "budget", "budget_s", "seed", "train_size", "test_size", "test_accuracy",
    "trials_completed", "trials_failed", "trials_stopped_by_budget", "wall_seconds",
    "over_budget_s", "search_seconds", "fit_seconds", "trial_seconds", "overhead_fraction",
    "best_trial_id", "best_score", "best_metrics", "best_params", "best_latency_ms",
    "best_epochs_run", "best_hyperparameters", "easynas_version", "baseline",
    "baseline_test_accuracy", "baseline_wall_seconds", "accuracy_ratio", "trials",
}


@pytest.mark.slow  # 29 s: a whole benchmark smoke run
def test_smoke_run_writes_sane_results(tmp_path):
    out = tmp_path / "results"
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--suite", "image", "--smoke",
         "--out", str(out), "--work-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]

    result = json.loads((out / "image.json").read_text())
    assert result["suite"] == "image" and result["complete"] is True
    assert result["config"]["smoke"] is True
    assert result["command"].startswith("python -m benchmarks.run --suite image --smoke")
    machine = result["machine"]
    assert machine["cpu_count"] >= 1 and machine["tensorflow"] and machine["platform"]
    assert len(result["runs"]) == 1
    run = result["runs"][0]
    assert RUN_FIELDS <= set(run), RUN_FIELDS - set(run)
    assert run["dataset"] == "digits-8x8" and run["budget_s"] == 30
    assert 0.0 <= run["test_accuracy"] <= 1.0
    assert 0.0 <= run["baseline_test_accuracy"] <= 1.0
    assert 0.0 <= run["overhead_fraction"] <= 1.0
    assert 1 <= run["trials_completed"] <= 2
    assert run["trials_completed"] + run["trials_failed"] == len(run["trials"])
    assert 0.0 < run["fit_seconds"] <= run["trial_seconds"] <= run["wall_seconds"]
    assert run["best_params"] > 0 and run["best_hyperparameters"]
    assert run["baseline"]["epochs_run"] >= 1
    assert run["accuracy_ratio"] == pytest.approx(
        run["test_accuracy"] / run["baseline_test_accuracy"]
    )

    table = (out / "image.md").read_text()
    assert "| budget | seed | easynas test acc" in table and "| 30s | 0 |" in table
    results_md = (out / "RESULTS.md").read_text()
    assert "## Image classification (`image`)" in results_md and "| 30s | 0 |" in results_md
    # The project folders were cleaned up.
    assert not list(tmp_path.glob("easynas-bench-*"))
