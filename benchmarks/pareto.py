"""The accuracy / latency trade-off one multi-objective search finds.

    python -m benchmarks.pareto [--dataset digits] [--trials 12] [--epochs 3] [--budget 300]

An `ImageClassifier` with `objectives=["val_accuracy", "latency"]` (batch-1
latency, measured on this machine) searches under a time budget; every point
of its Pareto front is then scored on the held-out test images. Writes
`<out>/pareto.json`, `<out>/pareto.md` and `benchmarks/pareto_front.png` (named
`pareto-fashion_mnist.*` and `pareto_front_fashion_mnist.png` for Fashion-MNIST),
then regenerates RESULTS.md. The issue's 30-minute Fashion-MNIST run:
`--dataset fashion_mnist --train 5000 --trials 100 --budget 1800`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["main", "pareto_markdown"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
_DATASETS = {"digits": "scikit-learn digits (8x8)", "fashion_mnist": "Fashion-MNIST (28x28)"}


def _data(dataset: str, train: int | None, seed: int):
    from benchmarks.datasets import load_digits_split, load_fashion_mnist, stratified_subset

    x, y, x_test, y_test = (load_digits_split() if dataset == "digits"
                            else load_fashion_mnist())
    x, y = stratified_subset(x, y, train, seed)
    return x, y.astype("int64"), x_test, y_test.astype("int64")


def _search(args: argparse.Namespace, png: Path) -> dict[str, Any]:
    import numpy as np

    import easynas as en

    x, y, x_test, y_test = _data(args.dataset, args.train, args.seed)
    with tempfile.TemporaryDirectory() as directory:
        clf = en.ImageClassifier(objectives=["val_accuracy", "latency"], max_trials=args.trials,
                                 epochs=args.epochs, time_budget=args.budget, refit=False,
                                 seed=args.seed, verbose=0, directory=directory)
        started = time.perf_counter()
        clf.fit(x, y)
        search_seconds = time.perf_counter() - started
        front = clf.pareto_front()
        # Parameters do not vary with the machine's load the way latency does.
        params_front = [p["trial_id"] for p in clf.pareto_front(["val_accuracy", "params"])]
        for point in front:
            model = clf.trial_model(point["trial_id"])
            predicted = np.argmax(model.predict(x_test.astype("float32"), verbose=0), axis=1)
            point["test_accuracy"] = float(np.mean(predicted == y_test))
        clf.plot_pareto_front(str(png))
        trials = [{"trial_id": r.trial_id, "status": r.status.value, "val_accuracy": r.score,
                   **{k: r.costs.get(k) for k in ("params", "flops", "size_bytes",
                                                  "latency_ms", "latency_batch_ms")}}
                  for r in clf.trials_]
    return {"search_seconds": search_seconds, "trials": trials, "front": front,
            "params_front": params_front,
            "best_trial_id": clf.best_trial_id_, "train_size": len(y),
            "test_size": len(y_test)}


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def pareto_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The benchmark's Markdown section."""
    from benchmarks.report import command_lines, machine_line

    run, config = result["runs"][0], result["config"]
    hashes = "#" * level
    done = sum(t["status"] == "COMPLETED" for t in run["trials"])
    lines = [
        f"{hashes} Pareto front on {_DATASETS[config['dataset']].split(' (')[0]}: val_accuracy "
        "vs batch-1 latency (`pareto`)", "",
        f"- Date: {result['date']}", f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Load average (1 min) before / after: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f} (other work shared the machine, so latencies are "
        "noisy)",
        f"- Data: {_DATASETS[config['dataset']]}, {run['train_size']} training images "
        f"(20% held out to score candidates), {run['test_size']} test images",
        f"- Search: ImageClassifier(objectives=['val_accuracy', 'latency'], "
        f"max_trials={config['trials']}, epochs={config['epochs']}, "
        f"time_budget={config['budget']}, seed={config['seed']}): {done} of "
        f"{len(run['trials'])} trials completed in {run['search_seconds'] / 60:.1f} min",
        f"- Front plot: `benchmarks/{result['png']}`", "",
        *command_lines(result["command"]),
        "| trial | on the latency front | on the params front | val_accuracy "
        "| test accuracy | latency ms (batch 1) | params | FLOPs | size KB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    on_front = {p["trial_id"]: p for p in run["front"]}
    for t in sorted(run["trials"], key=lambda t: -(t["val_accuracy"] or -1)):
        point = on_front.get(t["trial_id"], {})
        size = None if t["size_bytes"] is None else t["size_bytes"] / 1024
        lines.append(
            f"| {t['trial_id']} | {'yes' if point else ''} "
            f"| {'yes' if t['trial_id'] in run.get('params_front', []) else ''} "
            f"| {_num(t['val_accuracy'], '.4f')} "
            f"| {_num(point.get('test_accuracy'), '.4f')} | {_num(t['latency_ms'], '.3f')} "
            f"| {_num(t['params'], ',')} | {_num(t['flops'], ',')} | {_num(size, '.0f')} |"
        )
    lines += ["", "Test accuracy is measured for each point of the latency front (its "
              "trained model read back with `trial_model`).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pareto",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=tuple(_DATASETS), default="digits")
    parser.add_argument("--train", type=int, default=None, help="training images (all: None)")
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of search")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    in_results = out.resolve() == (BENCHMARKS_DIR / "results").resolve()
    suffix = "" if args.dataset == "digits" else f"_{args.dataset}"
    png = (BENCHMARKS_DIR if in_results else out) / f"pareto_front{suffix}.png"
    started, load_before = time.perf_counter(), os.getloadavg()
    run = _search(args, png)
    result = {
        "suite": "pareto", "layout": "markdown", "runs": [run],
        **run_header(),
        "config": {k: getattr(args, k) for k in ("dataset", "train", "trials", "epochs",
                                                 "budget", "seed")},
        "command": "python -m benchmarks.pareto " + " ".join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "load_before": list(load_before), "load_after": list(os.getloadavg()),
        "png": png.name,
    }
    name = "pareto" if args.dataset == "digits" else f"pareto-{args.dataset}"
    print(save_result(result, out, name, pareto_markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
