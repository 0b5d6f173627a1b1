"""Wall time to a target accuracy with and without zero-cost screening, in one run.

    python -m benchmarks.screening [--trials 8] [--epochs 2] [--seeds 0 1] [--samples 8]
        [--dataset digits|fashion_mnist --train N --val N]

The same seeded random search over the small `ConvBlock` space of
`benchmarks/proxies.py` runs twice per seed on scikit-learn's digits (the
benchmarks' fixed train/test split; the test part scores `val_accuracy`) or
on stratified subsets of Fashion-MNIST's training and test images:
once plain, once with `screening={"proxy": ..., "samples": ...}`, which
trains the best of `samples` untrained candidates by the proxy at every
proposal. The two runs of a seed are interleaved (which goes first alternates
by seed) so both see similar load. A callback stamps the wall time at the end
of every trial's training (screening time included, since it comes before).

Reported per run: best validation accuracy, trials, search seconds, the
seconds spent screening, and the seconds from the start of `fit` until a
trial first reached (a) 98% of the best accuracy the plain run of that seed
reached and (b) a fixed `--target` accuracy, and the best accuracy each run
had when the plain run of its seed finished (the same wall time). Writes `<out>/screening.json`
and `<out>/screening.md` (`screening-fashion_mnist.*` for Fashion-MNIST), then
regenerates RESULTS.md.
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

__all__ = ["best_within", "main", "screening_markdown", "time_to"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
RELATIVE_TARGET = 0.98


def time_to(timeline: list[dict[str, Any]], target: float) -> float | None:
    """Seconds until the first trial whose best accuracy reached `target` (None: never)."""
    return next((t["seconds"] for t in timeline if t["val_accuracy"] >= target), None)


def best_within(timeline: list[dict[str, Any]], seconds: float) -> float | None:
    """The best accuracy of the trials that ended within `seconds` (None: none did)."""
    return max((t["val_accuracy"] for t in timeline if t["seconds"] <= seconds), default=None)


def _search(x, y, x_val, y_val, *, trials: int, epochs: int, seed: int,
            screening: dict[str, Any] | None) -> dict[str, Any]:
    import keras

    import easynas as en
    from easynas.search._screening import SCORE_KEY, SECONDS_KEY

    timeline: list[dict[str, Any]] = []
    started = time.perf_counter()

    class Stamp(keras.callbacks.Callback):
        """The wall time and best val_accuracy at the end of each trial's training."""

        def on_train_begin(self, logs=None):
            self.best = 0.0

        def on_epoch_end(self, epoch, logs=None):
            self.best = max(self.best, float((logs or {}).get("val_accuracy", 0.0)))

        def on_train_end(self, logs=None):
            timeline.append({"seconds": time.perf_counter() - started,
                             "val_accuracy": self.best})

    with tempfile.TemporaryDirectory() as directory:
        image = en.ImageInput()
        block = en.blocks.ConvBlock(num_blocks=[1, 2, 3], num_layers=[1, 2],
                                    filters=[8, 16, 32, 64], kernel_size=[3, 5],
                                    separable=[False, True], dropout=[0.0, 0.25])
        model = en.AutoModel(image, en.ClassificationHead()(block(image)), search="random",
                             max_trials=trials, epochs=epochs, patience=epochs, refit=False,
                             objective="val_accuracy", seed=seed, verbose=0,
                             directory=directory, screening=screening)
        model.fit(x, y, validation_data=(x_val, y_val), callbacks=[Stamp()])
        seconds = time.perf_counter() - started
        records = [r for r in model.trials_]
    completed = [r for r in records if r.score is not None]
    return {
        "screening": screening,
        "seconds": seconds,
        "trials": len(records),
        "completed": len(completed),
        "best_accuracy": max((r.score for r in completed), default=None),
        "screening_seconds": sum(r.values.get(SECONDS_KEY, 0.0) for r in records),
        "timeline": timeline,
        "trials_detail": [{"trial_id": r.trial_id, "val_accuracy": r.score,
                           "params": r.costs.get("params"),
                           "proxy_score": r.values.get(SCORE_KEY)} for r in records],
    }


def _measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    from benchmarks.proxies import image_split

    x, y, x_val, y_val = image_split(args.dataset, args.train, args.val, 0)
    screening = {"proxy": args.proxy, "samples": args.samples}
    rounds = []
    for i, seed in enumerate(args.seeds):
        order = [None, screening] if i % 2 == 0 else [screening, None]
        runs = {}
        for option in order:
            key = "plain" if option is None else "screened"
            load = os.getloadavg()[0]
            runs[key] = _search(x, y, x_val, y_val, trials=args.trials, epochs=args.epochs,
                                seed=seed, screening=option)
            runs[key]["load_before"] = load
            runs[key]["order"] = order.index(option)
        target = RELATIVE_TARGET * runs["plain"]["best_accuracy"]
        for run in runs.values():
            run["target_relative"] = target
            run["seconds_to_relative"] = time_to(run["timeline"], target)
            run["seconds_to_fixed"] = time_to(run["timeline"], args.target)
            run["best_within_plain_seconds"] = best_within(run["timeline"],
                                                           runs["plain"]["seconds"])
        rounds.append({"seed": seed, "runs": runs})
        print(f"seed {seed}: " + ", ".join(
            f"{k} best {r['best_accuracy']:.4f} in {r['seconds']:.0f}s, to target "
            f"{r['seconds_to_relative']}" for k, r in runs.items()), flush=True)
    return rounds


def _num(value: Any, fmt: str) -> str:
    return "not reached" if value is None else format(value, fmt)


def screening_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The benchmark's Markdown section."""
    from benchmarks.report import command_lines, machine_line

    config = result["config"]
    hashes = "#" * level
    lines = [
        f"{hashes} Time to a target accuracy with and without zero-cost screening "
        "(`screening`)", "",
        f"- Date: {result['date']}", f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Load average (1 min) before / after: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f} (other work shared the machine; each run's own "
        "starting load is in its row)",
        _data_line(config),
        f"- Search: random over a small ConvBlock space, {config['trials']} trials of "
        f"{config['epochs']} epochs per run; screened runs take the best of "
        f"{config['samples']} untrained candidates by `{config['proxy']}` on 64 training "
        "images at every proposal; the two runs of a seed are interleaved",
        f"- Targets: {RELATIVE_TARGET:g} x the plain run's best accuracy (per seed), and a "
        f"fixed {config['target']:g}",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min", "",
        *command_lines(result["command"]),
        "| seed | run | load | best val_accuracy | best within the plain run's time | trials "
        "| search s | screening s | target | s to target | s to fixed target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for round_ in result["runs"]:
        for name in ("plain", "screened"):
            run = round_["runs"][name]
            lines.append(
                f"| {round_['seed']} | {name} | {run['load_before']:.1f} "
                f"| {_num(run['best_accuracy'], '.4f')} "
                f"| {_num(run['best_within_plain_seconds'], '.4f')} | {run['trials']} "
                f"| {run['seconds']:.0f} | {run['screening_seconds']:.0f} "
                f"| {run['target_relative']:.4f} | {_num(run['seconds_to_relative'], '.0f')} "
                f"| {_num(run['seconds_to_fixed'], '.0f')} |")
    lines += ["", result["verdict"], ""]
    return "\n".join(lines)


def _data_line(config: dict[str, Any]) -> str:
    if config.get("dataset", "digits") == "digits":
        return ("- Data: scikit-learn digits (8x8), the benchmarks' fixed split: "
                f"{config.get('train', 1347)} training images, {config.get('val', 450)} "
                "validation images")
    return (f"- Data: Fashion-MNIST (28x28), {config['train']} training images and "
            f"{config['val']} validation images (stratified subsets of its training and test "
            "sets, seed 0)")


def _verdict(rounds: list[dict[str, Any]]) -> str:
    """One honest sentence per seed: which run reached the target first."""
    parts = []
    for round_ in rounds:
        plain, screened = round_["runs"]["plain"], round_["runs"]["screened"]
        a, b = plain["seconds_to_relative"], screened["seconds_to_relative"]
        if b is None:
            outcome = "the screened run never reached the target"
        elif b < a:
            outcome = f"screening reached the target {a / b:.1f}x sooner ({b:.0f} s vs {a:.0f} s)"
        else:
            outcome = f"screening reached the target later ({b:.0f} s vs {a:.0f} s)"
        parts.append(f"Seed {round_['seed']}: {outcome}; best accuracy "
                     f"{screened['best_accuracy']:.4f} screened vs {plain['best_accuracy']:.4f} "
                     "plain.")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.proxies import add_image_split_arguments

    parser = argparse.ArgumentParser(prog="python -m benchmarks.screening",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--proxy", default="naswot")
    parser.add_argument("--target", type=float, default=0.95)
    add_image_split_arguments(parser)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    started, load_before = time.perf_counter(), os.getloadavg()
    rounds = _measure(args)
    result = {
        "suite": "screening", "layout": "markdown", "runs": rounds,
        **run_header(),
        "config": {k: getattr(args, k) for k in ("trials", "epochs", "seeds", "samples",
                                                 "proxy", "target", "dataset", "train",
                                                 "val")},
        "command": "python -m benchmarks.screening " + " ".join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "load_before": list(load_before), "load_after": list(os.getloadavg()),
        "verdict": _verdict(rounds),
    }
    name = "screening" if args.dataset == "digits" else f"screening-{args.dataset}"
    print(save_result(result, args.out, name, screening_markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
