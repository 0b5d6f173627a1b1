"""The `easynas` command line, used as a user would: search, leaderboard, export, errors.

Each real subprocess pays TensorFlow's import, so one search runs once in a real
`python -m easynas` subprocess and its project is reused; the other commands run
through `easynas.cli.main`, the function the console script calls, and one fresh
interpreter without easynas serves the exports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from easynas.cli import main

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVE = """
import json, sys
import keras
import numpy as np
import tensorflow as tf

export, keras_file, best_model, data, out = sys.argv[1:]
x = np.load(data)["x"]
serve = tf.saved_model.load(export).signatures["serving_default"]
served = serve(image=tf.constant(x))
best = keras.saving.load_model(best_model, compile=False)
np.savez(
    out,
    probabilities=served["probabilities"].numpy(),
    classes=np.char.decode(served["classes"].numpy().astype(bytes), "utf-8"),
    best=best.predict(x.astype("float32"), verbose=0),
    keras=keras.saving.load_model(keras_file).predict(x.astype("float32"), verbose=0),
)
"""


def _easynas(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "easynas", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=600,
        # The checkout under test, not whichever easynas is installed.
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": os.pathsep.join(
            p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)},
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("cli")
    digits = load_digits()
    np.savez(folder / "digits.npz", x=digits.images[:64].astype(np.uint8),
             y=digits.target[:64])
    return folder


@pytest.fixture(scope="module")
def searched(workspace):
    """One real `python -m easynas search` on the .npz, exporting the best model."""
    process = _easynas(
        "search", "digits.npz", "--task", "image-classification", "--directory", "runs",
        "--max-trials", "1", "--epochs", "1", "--seed", "0", "--export", "serving",
        "--trial-isolation", "process", cwd=workspace,
    )
    assert process.returncode == 0, process.stderr
    return process


def test_search_runs_prints_the_leaderboard_and_exports(searched, workspace):
    lines = searched.stdout.splitlines()
    header = next(line for line in lines if line.startswith("rank"))
    assert header.split()[:7] == ["rank", "trial", "status", "val_loss", "params",
                                  "latency_ms", "seconds"]
    first = lines[lines.index(header) + 1].split()
    assert first[:3] == ["1", "0", "COMPLETED"]
    assert "image_block/block_type=conv" in lines[lines.index(header) + 1]
    assert any(line.startswith("[trial 1/1]") for line in lines)  # progress, not --quiet
    assert f"project: {os.path.join('runs', 'image_classifier')}" in searched.stdout
    assert (workspace / "runs" / "image_classifier" / "best_model.keras").is_file()
    assert (workspace / "serving" / "1" / "saved_model.pb").is_file()
    assert "Traceback" not in searched.stderr
    # --refit auto (the default): the winner is retrained on all 64 images
    assert "refitting the best candidate (trial 0) on all 64 samples" in searched.stdout
    result = json.loads((workspace / "runs" / "image_classifier" / "easynas_result.json")
                        .read_text())
    assert result["refit"]["samples"] == 64
    trial = json.loads((workspace / "runs" / "image_classifier" / "trial_0"
                        / "easynas_trial.json").read_text())
    assert trial["isolation"] == "process"  # --trial-isolation reached the search


def test_screening_flags_reach_the_search(workspace, capsys):
    assert main(["search", str(workspace / "digits.npz"), "--task", "image-classification",
                 "--directory", str(workspace / "screened"), "--search", "random",
                 "--max-trials", "1", "--epochs", "1", "--seed", "0", "--quiet",
                 "--screening", "params", "--screening-samples", "2"]) == 0
    trial = json.loads((workspace / "screened" / "image_classifier" / "trial_0"
                        / "trial.json").read_text())
    values = trial["hyperparameters"]["values"]
    assert values["easynas/proxy"] == "params" and values["easynas/screened"] == 2
    assert "COMPLETED" in capsys.readouterr().out


def test_leaderboard_reads_a_finished_project_without_its_data(searched, workspace, capsys):
    assert main(["leaderboard", str(workspace / "runs" / "image_classifier")]) == 0
    # the same table the search printed, read back from the project's files
    table = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert table == [line for line in searched.stdout.splitlines()
                     if line.startswith(("rank", "   1"))]


def test_leaderboard_json_prints_records(searched, workspace, capsys):
    assert main(["leaderboard", str(workspace / "runs" / "image_classifier"), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 1
    record = records[0]
    assert record["rank"] == 1 and record["trial_id"] == "0" and record["status"] == "COMPLETED"
    assert np.isfinite(record["val_loss"]) and record["params"] > 0
    assert record["hyperparameters"].startswith("image_block/block_type=conv")


def test_export_serves_the_projects_best_model_in_a_fresh_interpreter(
    searched, workspace, capsys, run_without_easynas
):
    project = str(workspace / "runs" / "image_classifier")
    out = workspace / "exported"
    assert main(["export", project, str(out)]) == 0
    assert main(["export", project, str(out), "--version", "7"]) == 0
    assert main(["export", project, str(workspace / "best.keras"), "--format", "keras"]) == 0
    assert main(["export", project, str(workspace / "best.onnx"), "--format", "onnx"]) == 0
    printed = capsys.readouterr().out
    assert f"exported the best model to {out / '1'}" in printed
    assert sorted(os.listdir(out)) == ["1", "7"]
    metadata = json.loads((out / "1" / "easynas_metadata.json").read_text())
    assert metadata["signature"]["inputs"] == {"image": {"dtype": "uint8",
                                                         "shape": [None, 8, 8]}}
    onnx = json.loads((workspace / "best.onnx.json").read_text())
    assert onnx["format"] == "onnx" and onnx["variant"] == "raw"

    run_without_easynas(SERVE, out / "1", workspace / "best.keras",
                        os.path.join(project, "best_model.keras"), workspace / "digits.npz",
                        workspace / "served.npz")
    served = np.load(workspace / "served.npz")
    assert np.max(np.abs(served["probabilities"] - served["best"])) < 1e-5
    assert np.max(np.abs(served["keras"] - served["best"])) < 1e-5
    np.testing.assert_array_equal(served["classes"],
                                  served["best"].argmax(axis=1).astype(str))


def test_search_reads_a_folder_of_class_folders(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cat", "dog"):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(10):
            pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "images" / label / f"{i}.png")
    status = main(["search", str(tmp_path / "images"), "--task", "image-classification",
                   "--directory", str(tmp_path / "runs"), "--project-name", "pets",
                   "--max-trials", "1", "--epochs", "1", "--seed", "1", "--quiet",
                   "--refit", "never", "--export", str(tmp_path / "pets.keras")])
    out = capsys.readouterr().out
    assert status == 0
    assert "[trial" not in out  # --quiet: no progress lines
    assert any(line.split()[:3] == ["1", "0", "COMPLETED"] for line in out.splitlines())
    assert (tmp_path / "pets.keras").is_file()
    result = json.loads((tmp_path / "runs" / "pets" / "easynas_result.json").read_text())
    assert result["spec"]["targets"][0]["classes"] == ["cat", "dog"]
    assert result["spec"]["inputs"][0]["shape"] == [8, 8, 3]
    assert result["refit"] is None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["search", "{tmp}/missing.npz", "--task", "image-classification", "--directory", "r"],
         "missing.npz' does not exist"),
        (["search", "{tmp}", "--task", "image-classification", "--directory", "r"],
         "one sub-folder per class"),
        (["search", "{tmp}/x.npz", "--task", "text", "--directory", "r"], "--task"),
        (["search", "{tmp}/x.npz", "--task", "image-regression"], "--directory"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--max-trials", "0"], "--max-trials"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--time-budget", "soon"], "--time-budget"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--search", "exhaustive"], "--search"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--trial-isolation", "fork"], "--trial-isolation"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--validation-split", "1.5"], "--validation-split"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--screening", "accuracy"], "--screening"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--screening-samples", "3"], "--screening-samples needs --screening PROXY"),
        (["search", "{tmp}/x.npz", "--task", "image-regression", "--directory", "r",
          "--screening", "naswot", "--search", "greedy"], "screening"),
        (["leaderboard", "{tmp}/missing"], "'{tmp}/missing' does not exist"),
        (["leaderboard", "{tmp}"], "not a finished easynas project"),
        (["export", "{tmp}", "{tmp}/out"], "not a finished easynas project"),
        (["export", "{tmp}", "{tmp}/out", "--format", "pmml"], "--format"),
        (["export", "{tmp}", "{tmp}/o.keras", "--format", "keras", "--numeric-inputs"],
         "--numeric-inputs"),
        (["request", "{tmp}", "{tmp}/missing.npz"], "missing.npz' does not exist"),
        (["request", "{tmp}", "{tmp}/x.npz"], "x.npz' cannot be read"),
        (["request", "{tmp}", "{tmp}/ok.npz"], "is not an easynas SavedModel export"),
        (["export", "{tmp}", "{tmp}/o.keras", "--format", "keras", "--version", "2"],
         "--version"),
        (["train"], "invalid choice: 'train'"),
        ([], "COMMAND"),
    ],
)
def test_user_errors_exit_2_with_one_line_naming_the_problem(tmp_path, capsys, argv, message):
    (tmp_path / "x.npz").write_bytes(b"")
    np.savez(tmp_path / "ok.npz", x=np.zeros((1, 8, 8), np.uint8))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("easynas")
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert captured.out == ""


def test_request_prints_a_tf_serving_body_for_the_first_rows(searched, workspace, capsys):
    assert main(["request", str(workspace / "serving"), str(workspace / "digits.npz"),
                 "--rows", "2"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["signature_name"] == "serving_default" and len(body["instances"]) == 2
    images = np.load(workspace / "digits.npz")["x"]
    np.testing.assert_array_equal(np.array(body["instances"][1]["image"]), images[1])


def test_export_refuses_to_overwrite_and_says_how(searched, workspace, capsys):
    project = str(workspace / "runs" / "image_classifier")
    target = workspace / "serving"  # the search exported version 1 here
    assert main(["export", project, str(target), "--version", "1"]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["export", project, str(target), "--version", "1", "--overwrite"]) == 0


def test_easynas_console_script_is_the_cli_main():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "easynas"]
    assert script.value == "easynas.cli:main" and script.load() is main


def _write_trial(project, trial_id, status, score, values, message=None, info=None):
    folder = project / f"trial_{trial_id}"
    folder.mkdir()
    observations = [] if score is None else [{"value": [score], "step": 0}]
    state = {
        "trial_id": trial_id, "status": status, "score": score, "best_step": 0,
        "message": message, "hyperparameters": {"space": [], "values": values},
        "metrics": {"metrics": {"val_loss": {"direction": "min",
                                             "observations": observations}}},
    }
    (folder / "trial.json").write_text(json.dumps(state))
    if info is not None:
        (folder / "easynas_trial.json").write_text(json.dumps(info))


def test_leaderboard_ranks_trials_from_files_and_shows_why_one_failed(tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "easynas_result.json").write_text(json.dumps({
        "graph": {"inputs": [], "outputs": []}, "spec": {}, "objective": ["val_loss", "min"],
    }))
    _write_trial(project, "0", "COMPLETED", 0.9, {"a/filters": 16},
                 info={"params": 1234567, "latency_ms": 0.5, "trial_seconds": 3.25})
    _write_trial(project, "1", "FAILED", None, {"a/filters": 64},
                 message="Traceback (most recent call last):\nResourceExhaustedError: OOM")
    _write_trial(project, "2", "COMPLETED", 0.4, {"a/filters": 32})
    _write_trial(project, "3", "COMPLETED", float("nan"), {"a/filters": 8})  # diverged
    (project / "trial_4").mkdir()  # a trial that never wrote its file is skipped

    assert main(["leaderboard", str(project)]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[:3] for row in rows] == [
        ["1", "2", "COMPLETED"], ["2", "0", "COMPLETED"], ["3", "1", "FAILED"],
        ["4", "3", "FAILED"]]
    assert "1,234,567" in rows[1] and "0.50" in rows[1] and "3.2" in rows[1]
    assert "error: ResourceExhaustedError: OOM; a/filters=64" in rows[2]
    assert main(["leaderboard", str(project), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["trial_id"] for r in records] == ["2", "0", "1", "3"]
    assert records[0]["val_loss"] == 0.4 and records[2]["val_loss"] is None
