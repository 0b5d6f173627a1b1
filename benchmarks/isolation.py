"""What a trial in a child process costs: one search with trial_isolation "none" and "process".

    python -m benchmarks.isolation [--trials 10] [--epochs 2] [--out benchmarks/results]

Each mode runs the same seeded random search on scikit-learn's digits (1797
8x8 images, 20% held out): 1-3 dense layers of 32-512 units, dropout, an Adam
learning rate among four; no refit. Each search runs in its own fresh
interpreter, which samples its own resident memory (RSS) every 0.2 s from
before `fit` to after it. A child trial's start-up (a fresh Python importing
TensorFlow and easynas, unpickling the job, mapping the data) is read from
its trial info (`child_start_seconds`), and the per-trial overhead is the
difference of the two searches' wall times per trial. The machine's load is
recorded before and after, since the start-up depends on it. Writes
`<out>/isolation.json` and `<out>/isolation.md`, then regenerates RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["isolation_markdown", "main"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
UNITS, DROPOUTS = [32, 64, 128, 256, 512], [0.0, 0.25, 0.5]
MODES = ("none", "process")


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="utf-8") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Sampler:
    """This process's RSS every `interval` seconds, in a background thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.samples = interval, [_rss_mb()]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(_rss_mb())

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(_rss_mb())


def _run(mode: str, trials: int, epochs: int, directory: str) -> dict[str, Any]:
    """One search in this process with `trial_isolation=mode`; its measurements."""
    from sklearn.datasets import load_digits

    import easynas as en

    data = load_digits()
    x, y = data.images.astype("uint8"), data.target.astype("int64")
    image = en.ImageInput()
    block = en.blocks.DenseBlock(units=UNITS, dropout=DROPOUTS, batch_norm=False)
    model = en.AutoModel(image, en.ClassificationHead(dropout=0.0)(block(image)),
                         search="random", max_trials=trials, epochs=epochs, refit=False,
                         verbose=0, seed=0, directory=directory, trial_isolation=mode)
    children_before = _children_cpu_seconds()
    started = time.perf_counter()
    with _Sampler() as sampler:
        model.fit(x, y)
    wall = time.perf_counter() - started
    children_cpu = _children_cpu_seconds() - children_before
    infos = []
    for record in model.trials_:
        path = Path(model.project_dir_, f"trial_{record.trial_id}", "easynas_trial.json")
        infos.append(json.loads(path.read_text()) if path.exists() else {})
    return {
        "mode": mode, "trials": len(model.trials_), "fit_seconds": wall,
        "completed": sum(r.status.value == "COMPLETED" for r in model.trials_),
        "best_val_loss": min(r.score for r in model.trials_ if r.score is not None),
        "rss_before_mb": sampler.samples[0], "rss_after_mb": sampler.samples[-1],
        "rss_peak_mb": max(sampler.samples),
        "trial_seconds": [i.get("trial_seconds") for i in infos],
        "child_start_seconds": [i.get("child_start_seconds") for i in infos],
        "isolation": [i.get("isolation") for i in infos],
        "values": [r.values for r in model.trials_],
        "children_cpu_seconds": children_cpu,
    }


def _children_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process's finished child processes so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(mode: str, trials: int, epochs: int) -> dict[str, Any]:
    """Run one search in a fresh interpreter and return its measurements."""
    code = ("import json, sys; from benchmarks import isolation; "
            f"print(json.dumps(isolation._run({mode!r}, {trials}, {epochs}, sys.argv[1])))")
    with tempfile.TemporaryDirectory() as directory:
        load_before = os.getloadavg()
        process = subprocess.run([sys.executable, "-c", code, directory], capture_output=True,
                                 text=True, cwd=BENCHMARKS_DIR.parent, check=False)
        if process.returncode != 0:
            raise RuntimeError(f"the {mode} search failed:\n{process.stderr[-4000:]}")
        result = json.loads(process.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = load_before, os.getloadavg()
    return result


def _median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by_mode = {r["mode"]: r for r in runs}
    none, process = by_mode["none"], by_mode["process"]
    overhead = (process["fit_seconds"] - none["fit_seconds"]) / max(process["trials"], 1)
    return {
        "overhead_per_trial_seconds": overhead,
        "median_child_start_seconds": _median(process["child_start_seconds"]),
        "median_trial_seconds_in_process": _median(none["trial_seconds"]),
        # A trial this long pays at most 10% for its child process.
        "trial_seconds_for_10_percent": overhead / 0.10,
        "same_candidates": none["values"] == process["values"],
        # CPU time depends less on the machine's load than wall time does.
        "child_cpu_seconds_per_trial": (process.get("children_cpu_seconds", 0.0)
                                        / max(process["trials"], 1)),
    }


def isolation_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The isolation benchmark as Markdown (a section of RESULTS.md)."""
    from benchmarks.report import command_lines, machine_line

    summary = result["summary"]
    rows = [
        f"| {r['mode']} | {r['trials']} ({r['completed']} completed) | {r['fit_seconds']:.1f} | "
        f"{_median(r['trial_seconds']):.2f} | "
        + (f"{_median(r['child_start_seconds']):.1f}" if r["mode"] == "process" else "-")
        + f" | {r['best_val_loss']:.4f} | {r['rss_before_mb']:.0f} | {r['rss_peak_mb']:.0f} | "
        f"{r['rss_after_mb']:.0f} | {r['rss_after_mb'] - r['rss_before_mb']:+.0f} | "
        f"{r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} |"
        for r in result["runs"]
    ]
    return "\n".join([
        f"{'#' * level} Trials in child processes (`isolation`)",
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Search: {result['config']['trials']} random trials of {result['config']['epochs']} "
        "epochs on digits (1797 8x8 images, 20% validation), 1-3 dense layers of 32-512 "
        "units, seed 0, no refit; the same search with trial_isolation='none' and 'process', "
        "each in its own fresh interpreter",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        *([f"- Note: {result['note']}"] if result.get("note") else []),
        "",
        *command_lines(result["command"]),
        "| trial_isolation | trials | fit s | median trial s | median child start s | "
        "best val_loss | parent RSS before MB | peak MB | after MB | growth MB | "
        "load 1-min before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"A trial in a child process cost {summary['overhead_per_trial_seconds']:.1f} s more "
        f"than in the search's process (median child start-up "
        f"{summary['median_child_start_seconds']:.1f} s), so a trial of "
        f"{summary['trial_seconds_for_10_percent']:.0f} s or more pays at most 10% for its "
        "isolation. Each child process used "
        f"{summary.get('child_cpu_seconds_per_trial', float('nan')):.1f} CPU seconds in all "
        "(start-up and its trial; CPU time depends less on the machine's load than wall "
        "time). Both searches tried the same candidates: "
        f"{'yes' if summary['same_candidates'] else 'no'}.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.isolation",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    parser.add_argument("--note", help="a line on the conditions of the run, for the report")
    args = parser.parse_args(argv)

    from benchmarks.report import run_header, save_result

    started = time.perf_counter()
    runs = [_child(mode, args.trials, args.epochs) for mode in MODES]
    result = {
        "suite": "isolation", "layout": "markdown", "runs": runs, "summary": _summary(runs),
        **run_header(),
        "config": {"trials": args.trials, "epochs": args.epochs},
        "command": "python -m benchmarks.isolation " + " ".join(argv or sys.argv[1:]),
        "total_seconds": time.perf_counter() - started,
        "note": args.note,
    }
    print(save_result(result, args.out, "isolation", isolation_markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
