"""Search strategies at equal wall-clock budgets: morphism, bayesian, random, greedy.

    python -m benchmarks.strategies [--budget 8min] [--epochs 4] [--train 6000] [--test 2000]
                                    [--strategies morphism bayesian random greedy] [--seed 0]

Each strategy runs an `ImageClassifier` search on the same stratified subset of
Fashion-MNIST (28x28 grey images, 10 classes; 20% of the training subset is
held out to score candidates), one after the other, each in its own fresh
process, under the same `time_budget`. After every trial the candidate (at its
best epoch) is scored on the test subset; the curve is the test accuracy of the
search's current best candidate (by validation loss, as the search picks it)
against the seconds since the search began, test scoring included. Writes
`<out>/strategies.json`, `<out>/strategies.md` and `benchmarks/strategies.png`,
then regenerates RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["main", "strategies_markdown", "summarize"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
STRATEGIES = ("morphism", "bayesian", "random", "greedy")


def _data(train: int, test: int, seed: int):
    from benchmarks.datasets import load_fashion_mnist, stratified_subset

    x_train, y_train, x_test, y_test = load_fashion_mnist()
    x_train, y_train = stratified_subset(x_train, y_train, train, seed)
    x_test, y_test = stratified_subset(x_test, y_test, test, seed)
    return x_train, y_train, x_test, y_test


def _recorder(x_test, y_test):
    import keras
    import numpy as np

    class Record(keras.callbacks.Callback):
        """Per trial: seconds since the search began, best val_loss, test accuracy, load.

        Kept on the class: KerasTuner deep-copies callbacks per trial. When
        training ends the tuner has restored the trial's best epoch's weights.
        """

        started = time.perf_counter()
        points: list[dict[str, Any]] = []
        test_seconds = 0.0

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.val_losses: list[float] = []

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            value = (logs or {}).get("val_loss")
            if value is not None and np.isfinite(value):
                self.val_losses.append(float(value))

        def on_train_end(self, logs: dict | None = None) -> None:
            cls = type(self)
            begin = time.perf_counter()
            probs = self.model.predict(x_test, batch_size=256, verbose=0)
            accuracy = float(np.mean(np.argmax(probs, axis=-1) == y_test))
            cls.test_seconds += time.perf_counter() - begin
            cls.points.append({
                "seconds": time.perf_counter() - cls.started,
                "val_loss": min(self.val_losses) if self.val_losses else None,
                "test_accuracy": accuracy,
                "params": int(self.model.count_params()),
                "load": os.getloadavg()[0],
            })

    return Record()


def run_one(strategy: str, budget: str, epochs: int, train: int, test: int, seed: int,
            directory: str) -> dict[str, Any]:
    """One strategy's search; its per-trial points and trial facts (run in a fresh process)."""
    import easynas as en

    x_train, y_train, x_test, y_test = _data(train, test, seed)
    load_before = os.getloadavg()
    clf = en.ImageClassifier(search=strategy, max_trials=10_000, epochs=epochs,
                             time_budget=budget, seed=seed, refit=False, verbose=0,
                             directory=directory)
    record = _recorder(x_test, y_test)
    type(record).started = time.perf_counter()
    clf.fit(x_train, y_train, callbacks=[record])
    board = clf.leaderboard()
    trials = [
        {"trial_id": str(row.trial_id), "status": row.status, "val_loss": _num(row.val_loss),
         "parent": row.parent if isinstance(row.parent, str) else None,
         "morph_ops": row.morph_ops if isinstance(row.morph_ops, str) else None,
         "epochs": _num(row.epochs), "params": _num(row.params)}
        for row in board.itertuples()
    ]
    return {
        "strategy": strategy, "points": type(record).points, "trials": trials,
        "search_seconds": clf.search_seconds_, "test_seconds": type(record).test_seconds,
        "final_test_accuracy": float(clf.score(x_test, y_test)),
        "best_trial_id": clf.best_trial_id_,
        "load_before": load_before, "load_after": os.getloadavg(),
    }


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _child(strategy: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one strategy in a fresh interpreter and return its measurements."""
    call = (f"strategies.run_one({strategy!r}, {args.budget!r}, {args.epochs}, {args.train}, "
            f"{args.test}, {args.seed}, sys.argv[1])")
    code = f"import json, sys; from benchmarks import strategies; print(json.dumps({call}))"
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        process = subprocess.run([sys.executable, "-c", code, directory], capture_output=True,
                                 text=True, cwd=BENCHMARKS_DIR.parent, check=False)
        if process.returncode != 0:
            raise RuntimeError(f"the {strategy} search failed:\n{process.stderr[-4000:]}")
        result = json.loads(process.stdout.strip().splitlines()[-1])
        result["wall_seconds"] = time.perf_counter() - started
    return result


def best_curve(points: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """`(seconds, test accuracy of the best candidate so far by val_loss)` after each trial."""
    curve, best = [], None
    for point in points:
        value = point["val_loss"]
        if value is not None and (best is None or value < best["val_loss"]):
            best = point
        if best is not None:
            curve.append((point["seconds"], best["test_accuracy"]))
    return curve


def _reached(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((seconds for seconds, accuracy in curve if accuracy >= target), None)


def summarize(run: dict[str, Any], reference: float | None) -> dict[str, Any]:
    """A strategy's row: trials, children, final accuracy, time to reach `reference`."""
    curve = best_curve(run["points"])
    trials = run["trials"]
    loads = [p["load"] for p in run["points"]]
    return {
        "strategy": run["strategy"],
        "trials": len(trials),
        "completed": sum(t["status"] == "COMPLETED" for t in trials),
        "children": sum(t["parent"] is not None for t in trials),
        "search_seconds": run["search_seconds"],
        "test_seconds": run["test_seconds"],
        "final_test_accuracy": run["final_test_accuracy"],
        "curve_final_accuracy": curve[-1][1] if curve else None,
        "seconds_to_reference": None if reference is None else _reached(curve, reference),
        "mean_load": sum(loads) / len(loads) if loads else None,
        "curve": [(round(s, 1), round(a, 4)) for s, a in curve],
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """Best test accuracy so far against wall time, one line per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row in result["summary"]:
        if row["curve"]:
            seconds, accuracy = zip(*row["curve"])
            end = result["runs_by_name"][row["strategy"]]["search_seconds"]
            axes.step([*seconds, end], [*accuracy, accuracy[-1]], where="post",
                      label=row["strategy"], marker="o", markersize=3)
    axes.set_xlabel("wall-clock seconds since the search began")
    axes.set_ylabel("test accuracy of the best candidate so far")
    axes.set_title(f"Fashion-MNIST subset, {result['config']['budget']} per strategy")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def strategies_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The benchmark as Markdown (a section of RESULTS.md)."""
    from benchmarks.report import command_lines, machine_line

    config = result["config"]
    reference = result["reference_accuracy"]

    def fmt(value: Any, pattern: str) -> str:
        return "-" if value is None else format(value, pattern)

    rows = [
        f"| {r['strategy']} | {r['trials']} | {r['completed']} | {r['children']} | "
        f"{fmt(r['search_seconds'], '.0f')} | {fmt(r['final_test_accuracy'], '.4f')} | "
        f"{fmt(r['seconds_to_reference'], '.0f')} | {fmt(r['mean_load'], '.1f')} |"
        for r in result["summary"]
    ]
    curves = [
        f"- {r['strategy']}: " + ", ".join(f"{s:.0f}s {a:.3f}" for s, a in r["curve"])
        for r in result["summary"]
    ]
    return "\n".join([
        f"{'#' * level} Search strategies at equal wall-clock budgets (`strategies`)",
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}; load average (1 min) "
        f"{result['load_start'][0]:.1f} at the start, {result['load_end'][0]:.1f} at the end",
        f"- Data: Fashion-MNIST, {config['train']} training images (20% held out for "
        f"validation), {config['test']} test images, seed {config['seed']}",
        f"- Search: ImageClassifier defaults except search=..., time_budget="
        f"{config['budget']}, epochs={config['epochs']} (morphism children: half), "
        "refit=False; one strategy after the other, each in a fresh process",
        f"- Reference: random search's final test accuracy, {fmt(reference, '.4f')}",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        *([f"- Note: {result['note']}"] if result.get("note") else []),
        "",
        *command_lines(result["command"]),
        "| search | trials | completed | morph children | search s | final test acc | "
        "s to reach random's final acc | mean load |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Test accuracy of the best candidate so far (by validation loss) after each trial:",
        "",
        *curves,
        "",
        "Plot: `benchmarks/strategies.png`.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.strategies",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="8min", help="time_budget of each search")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train", type=int, default=6000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES),
                        choices=STRATEGIES)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    parser.add_argument("--plot", default=str(BENCHMARKS_DIR / "strategies.png"))
    parser.add_argument("--note", help="a line on the conditions of the run, for the report")
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    started, load_start = time.perf_counter(), os.getloadavg()
    runs = {}
    for strategy in args.strategies:
        print(f"running {strategy} ...", flush=True)
        runs[strategy] = _child(strategy, args)
    reference = None
    if "random" in runs:
        curve = best_curve(runs["random"]["points"])
        reference = curve[-1][1] if curve else None
    result = {
        "suite": "strategies", "layout": "markdown",
        **run_header(),
        "config": {"budget": args.budget, "epochs": args.epochs, "train": args.train,
                   "test": args.test, "seed": args.seed},
        "command": "python -m benchmarks.strategies " + shlex.join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "load_start": load_start, "load_end": os.getloadavg(),
        "reference_accuracy": reference,
        "summary": [summarize(runs[s], reference) for s in args.strategies],
        "runs_by_name": runs,
        "note": args.note,
        "runs": [],
    }
    page = save_result(result, args.out, "strategies", strategies_markdown)
    plot(result, Path(args.plot))
    print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
