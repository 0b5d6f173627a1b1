"""Memory and wall time of a long search: easynas next to KerasTuner's RandomSearch.

    python -m benchmarks.memory [--trials 100] [--epochs 2] [--out benchmarks/results]

Both searches run on scikit-learn's digits (1797 8x8 images, 20% held out to
score candidates) over the same space: 1-3 dense layers of 32-512 units with
dropout 0/0.25/0.5 and an Adam learning rate among four, picked at random. Each
runs in its own fresh process, which records its resident memory (RSS) after
every trial. Writes `<out>/memory.json` and `<out>/memory.md`, then regenerates
RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["main", "memory_markdown"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
UNITS, DROPOUTS, RATES = [32, 64, 128, 256, 512], [0.0, 0.25, 0.5], [1e-3, 3e-3, 3e-4, 1e-2]


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="utf-8") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images.astype("uint8"), data.target.astype("int64")


def _recorder():
    import keras

    class RecordRSS(keras.callbacks.Callback):
        """RSS and seconds since the search began, at the end of each trial's training.

        The record is kept on the class: KerasTuner deep-copies callbacks per trial.
        """

        started = time.perf_counter()
        points: list[tuple[float, float]] = []

        def on_train_end(self, logs: dict | None = None) -> None:
            type(self).points.append((time.perf_counter() - type(self).started, _rss_mb()))

    return RecordRSS()


def _run_easynas(trials: int, epochs: int, directory: str) -> dict[str, Any]:
    import easynas as en

    x, y = _digits()
    image = en.ImageInput()
    block = en.blocks.DenseBlock(units=UNITS, dropout=DROPOUTS, batch_norm=False)
    model = en.AutoModel(image, en.ClassificationHead(dropout=0.0)(block(image)),
                         search="random", max_trials=trials, epochs=epochs, refit=False,
                         verbose=0, seed=0, directory=directory)
    record, before = _recorder(), _rss_mb()
    model.fit(x, y, callbacks=[record])
    scores = [r.score for r in model.trials_ if r.score is not None]
    return {"rss_before_mb": before, "points": record.points, "trials": len(model.trials_),
            "best_val_loss": min(scores), "rss_after_mb": _rss_mb()}


def _run_keras_tuner(trials: int, epochs: int, directory: str) -> dict[str, Any]:
    import keras
    import keras_tuner as kt
    from sklearn.model_selection import train_test_split

    x, y = _digits()
    x = x.reshape(len(x), -1).astype("float32") / 16.0
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state=0,
                                                      stratify=y)

    def build(hp: kt.HyperParameters) -> keras.Model:
        inputs = keras.Input((64,))
        h = inputs
        for _ in range(hp.Choice("num_layers", [1, 2, 3])):
            h = keras.layers.Dense(hp.Choice("units", UNITS), activation="relu")(h)
            h = keras.layers.Dropout(hp.Choice("dropout", DROPOUTS))(h)
        model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
        model.compile(keras.optimizers.Adam(hp.Choice("learning_rate", RATES)),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build, objective="val_loss", max_trials=trials, seed=0,
                            directory=directory, project_name="kt", overwrite=True)
    record, before = _recorder(), _rss_mb()
    tuner.search(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
                 batch_size=32, verbose=0, callbacks=[record])
    best = tuner.oracle.get_best_trials(1)[0]
    return {"rss_before_mb": before, "points": record.points,
            "trials": len(tuner.oracle.trials), "best_val_loss": best.score,
            "rss_after_mb": _rss_mb()}


def _child(which: str, trials: int, epochs: int) -> dict[str, Any]:
    """Run one search in a fresh interpreter and return its measurements."""
    code = ("import json, sys; from benchmarks import memory; "
            f"print(json.dumps(memory._run_{which}({trials}, {epochs}, sys.argv[1])))")
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        process = subprocess.run([sys.executable, "-c", code, directory], capture_output=True,
                                 text=True, cwd=BENCHMARKS_DIR.parent, check=False)
        if process.returncode != 0:
            raise RuntimeError(f"the {which} search failed:\n{process.stderr[-4000:]}")
        result = json.loads(process.stdout.strip().splitlines()[-1])
        result["wall_seconds"] = time.perf_counter() - started
    return result


def _summary(name: str, run: dict[str, Any]) -> dict[str, Any]:
    points = run["points"]
    first, last = points[0][1], points[-1][1]
    tenth = points[min(9, len(points) - 1)][1]
    return {
        "name": name, "trials": run["trials"], "wall_seconds": run["wall_seconds"],
        "search_seconds": points[-1][0], "best_val_loss": run["best_val_loss"],
        "rss_after_first_trial_mb": first, "rss_after_10_mb": tenth, "rss_last_mb": last,
        "growth_mb": last - first, "growth_after_10_mb": last - tenth,
        "growth_per_trial_mb": (last - first) / max(len(points) - 1, 1),
        "curve_mb": [round(p[1], 1) for p in points],
    }


def memory_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The memory benchmark as Markdown (a section of RESULTS.md)."""
    from benchmarks.report import machine_line

    rows = [
        f"| {r['name']} | {r['trials']} | {r['wall_seconds']:.0f} | {r['best_val_loss']:.4f} | "
        f"{r['rss_after_first_trial_mb']:.0f} | {r['rss_last_mb']:.0f} | {r['growth_mb']:.0f} | "
        f"{r['growth_after_10_mb']:.0f} | {r['growth_per_trial_mb']:.2f} |"
        for r in result["runs"]
    ]
    curves = [
        f"- {r['name']}: " + " ".join(f"{v:.0f}" for v in r["curve_mb"][::10])
        for r in result["runs"]
    ]
    return "\n".join([
        f"{'#' * level} Memory over a long search (`memory`)",
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Search: {result['config']['trials']} random trials of {result['config']['epochs']} "
        "epochs on digits (1797 8x8 images, 20% validation): 1-3 dense layers of 32-512 units, "
        "dropout 0/0.25/0.5, Adam learning rate among 4; each tool in its own fresh process",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        *([f"- Note: {result['note']}"] if result.get("note") else []),
        "",
        "Command:", "", "```", result["command"], "```", "",
        "| search | trials | wall s | best val_loss | RSS after trial 1 MB | RSS at end MB | "
        "growth MB | growth after trial 10 MB | MB per trial |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "RSS (MB) after every 10th trial:",
        "",
        *curves,
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    parser.add_argument("--note", help="a line on the conditions of the run, for the report")
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    started = time.perf_counter()
    runs = [_summary("easynas (AutoModel, random)", _child("easynas", args.trials, args.epochs)),
            _summary("KerasTuner RandomSearch", _child("keras_tuner", args.trials, args.epochs))]
    result = {
        "suite": "memory", "layout": "memory", "runs": runs,
        **run_header(),
        "config": {"trials": args.trials, "epochs": args.epochs},
        "command": "python -m benchmarks.memory " + " ".join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "note": args.note,
    }
    print(save_result(result, args.out, "memory", memory_markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
