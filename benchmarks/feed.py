"""Search wall time with small data fed as arrays vs as a tf.data pipeline.

    python -m benchmarks.feed [--trials 2] [--epochs 30] [--repeats 2]

Since the pipeline change, every trial's `fit` reads data of at most
`easynas.search._feed.SMALL_DATA_BYTES` from a shuffled, batched `tf.data`
pipeline instead of handing Keras the arrays. This runs the same seeded
search (same candidates, same epochs, refit off) both ways, one after the
other in one process, alternating which goes first, on scikit-learn's small
sets and digits. The "arrays" side sets the size limit to 0, which sends every
fit down Keras's NumPy path (the behaviour before the change). Writes
`<out>/feed.json` and `<out>/feed.md`, then regenerates RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["main"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
DATASETS = ["breast_cancer", "wine", "diabetes", "digits"]


def _data(name: str) -> tuple[Any, Any, Any, Any, Any]:
    """`(estimator class, x_train, y_train, x_test, y_test)` for a data set."""
    import easynas as en

    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        x, y = digits.images.astype("float32")[..., None], digits.target
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.2, random_state=0, stratify=y)
        return en.ImageClassifier, x_train, y_train, x_test, y_test
    from easynas.datasets import load_sklearn_set

    x_train, y_train, x_test, y_test = load_sklearn_set(name)
    estimator = en.TabularRegressor if name == "diabetes" else en.TabularClassifier
    return estimator, x_train, y_train, x_test, y_test


def _search_seconds(estimator_class: Any, data: tuple, feed: str, trials: int,
                    epochs: int) -> dict[str, Any]:
    from easynas.search import _feed

    x_train, y_train, x_test, y_test = data
    saved = _feed.SMALL_DATA_BYTES
    _feed.SMALL_DATA_BYTES = 0 if feed == "arrays" else saved
    try:
        with tempfile.TemporaryDirectory() as directory:
            estimator = estimator_class(max_trials=trials, epochs=epochs, seed=0, refit=False,
                                        verbose=0, directory=directory)
            started = time.perf_counter()
            estimator.fit(x_train, y_train)
            seconds = time.perf_counter() - started
            score = float(estimator.score(x_test, y_test))
    finally:
        _feed.SMALL_DATA_BYTES = saved
    return {"feed": feed, "seconds": seconds, "test_score": score,
            "load": os.getloadavg()[0]}


def _row(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(feed: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["feed"] == feed)

    arrays, pipeline = median("arrays", "seconds"), median("pipeline", "seconds")
    return {"dataset": name, "arrays_seconds": arrays, "pipeline_seconds": pipeline,
            "speedup": arrays / pipeline,
            "arrays_score": median("arrays", "test_score"),
            "pipeline_score": median("pipeline", "test_score"),
            "runs": runs}


def _markdown(result: dict[str, Any]) -> str:
    from benchmarks.report import command_lines, machine_line

    config = result["config"]
    rows = [
        f"| {r['dataset']} | {r['arrays_seconds']:.1f} | {r['pipeline_seconds']:.1f} | "
        f"{r['speedup']:.2f}x | {r['arrays_score']:.4f} | {r['pipeline_score']:.4f} |"
        for r in result["rows"]
    ]
    loads = [run["load"] for row in result["rows"] for run in row["runs"]]
    return "\n".join([
        "## Feeding small data to fit (`feed`)",
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}; 1-min load average during the run "
        f"{min(loads):.1f}-{max(loads):.1f}",
        f"- Search: task estimator defaults except max_trials={config['trials']}, "
        f"epochs={config['epochs']}, seed=0, refit=False; the same search fed both ways, "
        f"{config['repeats']} times each, alternating which goes first (medians shown)",
        "- Score: accuracy (classification) or R² (diabetes) on a held-out 20%",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        "",
        *command_lines(result["command"]),
        "| data | arrays s | pipeline s | speedup | arrays score | pipeline score |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, write_results_md

    started = time.perf_counter()
    rows = []
    for name in args.datasets:
        estimator_class, *data = _data(name)
        runs = []
        for repeat in range(args.repeats):
            order = ["arrays", "pipeline"] if repeat % 2 == 0 else ["pipeline", "arrays"]
            for feed in order:
                runs.append(_search_seconds(estimator_class, tuple(data), feed, args.trials,
                                            args.epochs))
                print(name, runs[-1], flush=True)
        rows.append(_row(name, runs))
    result = {
        "suite": "feed", "layout": "markdown", "rows": rows, "runs": rows,
        **run_header(),
        "config": {"trials": args.trials, "epochs": args.epochs, "repeats": args.repeats},
        "total_seconds": time.perf_counter() - started,
        "command": "python -m benchmarks.feed " + " ".join(argv or sys.argv[1:]),
    }
    result["markdown"] = _markdown(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feed.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / "feed.md").write_text(result["markdown"], encoding="utf-8")
    write_results_md(out, BENCHMARKS_DIR / "RESULTS.md")
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
