"""How well zero-cost proxies rank candidates of our image search space.

    python -m benchmarks.proxies [--dataset digits] [--candidates 24] [--epochs 2]

A random search over a small `ConvBlock` space (1-3 blocks of 1-2 conv
layers, 8-64 filters, 3x3 or 5x5, plain or separable, dropout, and the
learning rate) trains `--candidates` candidates on
scikit-learn's digits (the benchmarks' fixed train/test split; the test part
scores `val_accuracy`) or on stratified Fashion-MNIST subsets
(`--dataset fashion_mnist --train 3000 --val 1000`: too slow for a shared
2-core machine). Each candidate's untrained model is then rebuilt exactly
as its trial started (same values, same seeded initial weights) and scored by
every proxy in `easynas.search._proxies` on 64 training images. Reported: each
proxy's Spearman rank correlation with the trained validation accuracy, its
time per candidate, and what screening would have bought on these same
candidates: the best accuracy among the top third by the proxy against the
expected best of a random third. Writes `<out>/proxies.json` (`proxies-fashion_mnist.json`
for Fashion-MNIST) and
`<out>/proxies.md`, then regenerates RESULTS.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["add_image_split_arguments", "expected_best_of_random", "image_split", "main",
           "proxies_markdown"]

BENCHMARKS_DIR = Path(__file__).resolve().parent


def expected_best_of_random(values: list[float], k: int) -> float:
    """The expected largest of `k` values drawn without replacement from `values`."""
    ordered = sorted(values)
    n = len(ordered)
    total = math.comb(n, k)
    return sum(v * math.comb(i, k - 1) for i, v in enumerate(ordered)) / total


def add_image_split_arguments(parser: argparse.ArgumentParser) -> None:
    """`--dataset`, `--train` and `--val`, as `image_split` takes them (default: all digits)."""
    parser.add_argument("--dataset", choices=("digits", "fashion_mnist"), default="digits")
    parser.add_argument("--train", type=int, default=1347, help="training images")
    parser.add_argument("--val", type=int, default=450, help="validation images")


def image_split(dataset: str, train: int, val: int, seed: int):
    """Seeded stratified `train` training and `val` validation images (from the test part)."""
    from benchmarks.datasets import load_digits_split, load_fashion_mnist, stratified_subset

    x, y, x_test, y_test = (load_digits_split() if dataset == "digits"
                            else load_fashion_mnist())
    x_train, y_train = stratified_subset(x, y, train, seed)
    x_val, y_val = stratified_subset(x_test, y_test, val, seed)
    return x_train, y_train.astype("int64"), x_val, y_val.astype("int64")


def _measure(dataset: str, candidates: int, epochs: int, train: int, val: int,
             seed: int) -> dict[str, Any]:
    import keras
    import keras_tuner as kt
    from scipy.stats import spearmanr

    import easynas as en
    from easynas.search._proxies import PROXIES, proxy_scores

    x_train, y_train, x_val, y_val = image_split(dataset, train, val, seed)
    with tempfile.TemporaryDirectory() as directory:
        image = en.ImageInput()
        block = en.blocks.ConvBlock(num_blocks=[1, 2, 3], num_layers=[1, 2],
                                    filters=[8, 16, 32, 64], kernel_size=[3, 5],
                                    separable=[False, True], dropout=[0.0, 0.25])
        clf = en.AutoModel(image, en.ClassificationHead()(block(image)), search="random",
                           max_trials=candidates, epochs=epochs, patience=epochs,
                           refit=False, objective="val_accuracy", seed=seed, verbose=0,
                           directory=directory)
        started = time.perf_counter()
        clf.fit(x_train, y_train, validation_data=(x_val, y_val))
        search_seconds = time.perf_counter() - started
        batch_x = x_train[:64].astype("float32")
        batch_y = y_train[:64]  # labels 0-9 are their own class indices
        rows = []
        for record in clf.trials_:
            if record.score is None:
                continue
            keras.backend.clear_session()
            keras.utils.set_random_seed((seed + int(record.trial_id)) % 2**31)
            hp = kt.HyperParameters()
            hp.values.update(record.values)
            model = clf.graph_.build(hp, clf.spec_)
            timed = {}
            scores = {}
            for name in PROXIES:
                start = time.perf_counter()
                scores.update(proxy_scores(model, batch_x, batch_y, [name]))
                timed[name] = time.perf_counter() - start
            rows.append({
                "trial_id": record.trial_id, "val_accuracy": record.score,
                "values": {k: v for k, v in record.values.items()
                           if not k.startswith("easynas/")},
                "params": int(model.count_params()), "scores": scores, "seconds": timed,
            })
    accuracies = [r["val_accuracy"] for r in rows]
    k = max(1, len(rows) // 3)
    proxies = {}
    for name in PROXIES:
        pairs = [(r["scores"][name], r["val_accuracy"]) for r in rows
                 if r["scores"][name] is not None]
        rho = spearmanr(*zip(*pairs)).statistic if len(pairs) >= 3 else None
        ranked = sorted(rows, key=lambda r: -math.inf if r["scores"][name] is None
                        else r["scores"][name], reverse=True)
        proxies[name] = {
            "spearman": None if rho is None or not math.isfinite(rho) else float(rho),
            "scored": len(pairs),
            "median_seconds": sorted(r["seconds"][name] for r in rows)[len(rows) // 2],
            "best_of_top_third": max(r["val_accuracy"] for r in ranked[:k]),
        }
    return {
        "rows": rows, "proxies": proxies, "search_seconds": search_seconds,
        "screen_k": k, "best_accuracy": max(accuracies),
        "expected_best_of_random_third": expected_best_of_random(accuracies, k),
    }


_DATASETS = {"digits": "scikit-learn digits (8x8)", "fashion_mnist": "Fashion-MNIST (28x28)"}


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def proxies_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The benchmark's Markdown section."""
    from benchmarks.report import command_lines, machine_line

    run, config = result["runs"][0], result["config"]
    hashes = "#" * level
    lines = [
        f"{hashes} Zero-cost proxies vs trained accuracy (`proxies`)", "",
        f"- Date: {result['date']}", f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Load average (1 min) before / after: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f} (other work shared the machine)",
        f"- Data: {_DATASETS[config['dataset']]}, {config['train']} training images, "
        f"{config['val']} validation images (stratified subsets, data seed "
        f"{config['seed']}); proxies on 64 training images",
        f"- Candidates: {len(run['rows'])} of a random search over a small ConvBlock space "
        f"(seed {config['seed']}), {config['epochs']} epochs each, "
        f"{run['search_seconds'] / 60:.1f} min of search",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min", "",
        *command_lines(result["command"]),
        "| proxy | Spearman ρ vs val_accuracy | candidates scored | median s / candidate "
        f"| best val_accuracy in its top {run['screen_k']} |",
        "|---|---|---|---|---|",
    ]
    for name, p in run["proxies"].items():
        lines.append(f"| {name} | {_num(p['spearman'], '+.3f')} | {p['scored']} "
                     f"| {p['median_seconds']:.3f} | {p['best_of_top_third']:.4f} |")
    lines += [
        "",
        f"Best val_accuracy of all {len(run['rows'])} candidates: {run['best_accuracy']:.4f}; "
        f"expected best of {run['screen_k']} picked at random: "
        f"{run['expected_best_of_random_third']:.4f}. A proxy helps screening only where "
        "its top third beats that random third.", "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proxies",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=2)
    add_image_split_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    started, load_before = time.perf_counter(), os.getloadavg()
    run = _measure(args.dataset, args.candidates, args.epochs, args.train, args.val, args.seed)
    result = {
        "suite": "proxies", "layout": "markdown", "runs": [run],
        **run_header(),
        "config": {k: getattr(args, k) for k in ("dataset", "candidates", "epochs", "train",
                                                 "val", "seed")},
        "command": "python -m benchmarks.proxies " + " ".join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "load_before": list(load_before), "load_after": list(os.getloadavg()),
    }
    name = "proxies" if args.dataset == "digits" else f"proxies-{args.dataset}"
    print(save_result(result, args.out, name, proxies_markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
