"""Wall time of one search run by 1, 2 and 4 local worker processes, side by side.

    python -m benchmarks.distributed [--trials 12] [--epochs 2] [--rows 600] [--rounds 1]
    python -m benchmarks.distributed --render   # rewrite the Markdown from the JSON

The same random search (a small conv net on scikit-learn's 8x8 digits,
`--rows` images, 20% held out, `--trials` trials, no refit, seed 0) runs four
times, each in a fresh interpreter: in the search's own process
(`n_parallel_trials=1`, the default), with a chief and one worker process
(`fit(..., role=Chief(...))` plus one `role=Worker(...)` process), and with
`n_parallel_trials=2` and `4` (the chief starts that many local worker
processes). Every wall time counts everything a user waits for, interpreter
and TensorFlow start-up of every process included. The machine's load
average is recorded before and after each run, since other work may share it.
With `--rounds N` the four configurations run N times, interleaved (1, 2, 4,
1, 2, 4, ...), and each speed-up is taken against the in-process run of its own
round, so that a change of load between rounds does not pass for scaling; the
report gives each configuration's median over the rounds.
Writes `<out>/distributed.json` and `<out>/distributed.md`, then regenerates
RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["distributed_markdown", "main"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
ROOT = BENCHMARKS_DIR.parent


def _search(role: str, address: str, directory: str, trials: int, epochs: int, rows: int,
            n_parallel: int) -> dict[str, Any]:
    """One search (or one worker of it) in this process; returns what it measured."""
    import easynas as en
    from benchmarks.datasets import load_digits_split

    x, y, _, _ = load_digits_split()
    x, y = x[:rows], y[:rows]
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.ConvBlock(num_blocks=1)(image))
    model = en.AutoModel(image, head, search="random", max_trials=trials, epochs=epochs,
                         batch_size=32, seed=0, directory=directory, verbose=0, refit=False,
                         n_parallel_trials=n_parallel)
    started = time.perf_counter()
    if role == "worker":
        model.fit(x, y, role=en.search.Worker(address, worker_id="w1"))
        return {"ran": [r.trial_id for r in model.worker_trials_]}
    model.fit(x, y, role=en.search.Chief(address) if role == "chief" else None)
    records = model.trials_
    return {
        "fit_seconds": time.perf_counter() - started,
        "completed": sum(r.status.value == "COMPLETED" for r in records),
        "failed": sum(r.status.value == "FAILED" for r in records),
        "best_val_loss": min(r.score for r in records if r.score is not None),
        "workers": sorted({r.worker for r in records if r.worker is not None}),
    }


def _python(role: str, address: str, directory: str, args: argparse.Namespace,
            n_parallel: int) -> subprocess.Popen:
    code = ("import json, sys; from benchmarks import distributed as d; "
            "print(json.dumps(d._search(*sys.argv[1:4], *map(int, sys.argv[4:]))))")
    return subprocess.Popen(
        [sys.executable, "-c", code, role, address, directory, str(args.trials),
         str(args.epochs), str(args.rows), str(n_parallel)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _output(process: subprocess.Popen, what: str) -> dict[str, Any]:
    out, err = process.communicate(timeout=3600)
    if process.returncode != 0:
        raise RuntimeError(f"{what} failed ({process.returncode}):\n{err[-4000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(name: str, setup: str, processes: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run one configuration in fresh interpreters; wall time from the first start."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="easynas-bench-") as directory:
        started = time.perf_counter()
        if setup == "chief+1":
            address = f"127.0.0.1:{_free_port()}"
            chief = _python("chief", address, directory, args, 1)
            worker = _python("worker", address, directory, args, 1)
            result = _output(chief, name)
            result["worker_ran"] = len(_output(worker, name + " (worker)")["ran"])
        else:
            result = _output(_python("local", "-", directory, args, processes), name)
        wall = time.perf_counter() - started
    return {"name": name, "processes": processes, "wall_seconds": wall, **result,
            "load_before": [round(v, 2) for v in load_before],
            "load_after": [round(v, 2) for v in os.getloadavg()]}


def _speedups(runs: list[dict[str, Any]]) -> list[float]:
    """Each run's speed-up: its round's first (in-process) wall time over its own."""
    base = {}
    for run in runs:
        base.setdefault(run.get("round", 1), run["wall_seconds"])
    return [base[r.get("round", 1)] / r["wall_seconds"] for r in runs]


def _median_rows(runs: list[dict[str, Any]], speedups: list[float]) -> list[str]:
    """Per configuration: the median wall time and speed-up over the rounds."""
    import statistics

    names = list(dict.fromkeys(r["name"] for r in runs))
    rows = []
    for name in names:
        mine = [(r, s) for r, s in zip(runs, speedups) if r["name"] == name]
        walls = [r["wall_seconds"] for r, _ in mine]
        ups = [s for _, s in mine]
        rows.append(f"| {name} | {mine[0][0]['processes']} | {len(mine)} "
                    f"| {statistics.median(walls):.0f} | {statistics.median(ups):.2f} "
                    f"| {min(ups):.2f}-{max(ups):.2f} |")
    return ["Median over the rounds (speed-up against the same round's in-process run):", "",
            "| run | worker processes | rounds | median wall s | median speed-up "
            "| speed-up range |", "|---|---|---|---|---|---|", *rows, ""]


def distributed_markdown(result: dict[str, Any], level: int = 2) -> str:
    """The benchmark as Markdown (a section of RESULTS.md)."""
    from benchmarks.report import command_lines, machine_line

    config = result["config"]
    runs = result["runs"]
    speedups = _speedups(runs)
    rounds = max(r.get("round", 1) for r in runs)
    rows = [
        f"| {r['name']} | {r.get('round', 1)} | {r['processes']} | {r['wall_seconds']:.0f} "
        f"| {up:.2f} "
        f"| {r['fit_seconds']:.0f} | {r['completed']} / {r['failed']} | {r['best_val_loss']:.4f} "
        f"| {', '.join(r['workers']) or '-'} "
        f"| {r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} |"
        for r, up in zip(runs, speedups)
    ]
    return "\n".join([
        f"{'#' * level} Trials in parallel: 1, 2 and 4 local worker processes (`distributed`)",
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Search: {config['trials']} random trials of {config['epochs']} epochs, a conv net "
        f"(ConvBlock, 1 block) on {config['rows']} digits (8x8, 20% validation), batch 32, "
        "no refit, seed 0; every configuration in fresh interpreters, one after the other"
        + (f", {rounds} interleaved rounds" if rounds > 1 else ""),
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        *([f"- Note: {result['note']}"] if result.get("note") else []),
        "",
        *command_lines(result["command"]),
        *(_median_rows(runs, speedups) if rounds > 1 else []),
        "| run | round | worker processes | wall s | speed-up | chief's fit s "
        "| trials ok / failed | best val_loss | workers seen | load (1 min) before / after |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Wall s counts every process's start (each imports TensorFlow); speed-up is the "
        "wall time of the same round's in-process run over the row's. The machine has "
        f"{result['machine'].get('usable_cpus')} usable CPUs and the trials are CPU-bound, so "
        "more worker processes than cores share the same cores.",
        *_load_warning(result["runs"], result["machine"].get("usable_cpus") or 1),
        "",
    ])


def _load_warning(runs: list[dict[str, Any]], cpus: int) -> list[str]:
    """A caution when the machine's load changed much between the runs."""
    loads = [v for r in runs for v in (r["load_before"][0], r["load_after"][0])]
    if max(loads) - min(loads) < cpus:
        return []
    return ["", f"Caution: the 1-minute load moved between {min(loads):.1f} and "
            f"{max(loads):.1f} during these runs (other work on the machine), more than its "
            f"{cpus} CPUs; a run made at lower load looks faster than it is, so a speed-up above "
            f"{cpus} (the number of cores) shows the load falling, not the workers."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--out", default=str(BENCHMARKS_DIR / "results"))
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the four configurations this many times, interleaved")
    parser.add_argument("--note", help="a line on the conditions of the run, for the report")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite the Markdown (and RESULTS.md) from "
                        "<out>/distributed.json")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.render:
        return _render(Path(args.out))

    from benchmarks.report import run_header

    started = time.perf_counter()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    configurations = [("in-process (n_parallel_trials=1)", "local", 1),
                      ("chief + 1 worker process", "chief+1", 1),
                      ("n_parallel_trials=2", "local", 2),
                      ("n_parallel_trials=4", "local", 4)]
    runs = []
    for round_number in range(1, args.rounds + 1):
        for name, setup, processes in configurations:
            run = _run(name, setup, processes, args)
            runs.append({**run, "round": round_number})
            print(f"round {round_number}: {name}: {run['wall_seconds']:.0f} s", flush=True)
    result = {
        "suite": "distributed", "layout": "markdown", "runs": runs,
        **run_header(),
        "config": {"trials": args.trials, "epochs": args.epochs, "rows": args.rows,
                   "rounds": args.rounds},
        "command": "python -m benchmarks.distributed " + shlex.join(argv),
        "total_seconds": time.perf_counter() - started,
        "note": args.note,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write(result, out)
    print(distributed_markdown(result, level=1))
    return 0


def _write(result: dict[str, Any], out: Path) -> None:
    from benchmarks.report import save_result

    save_result(result, out, "distributed", distributed_markdown)


def _render(out: Path) -> int:
    """Rewrite the Markdown of a measured result (after a change of its layout)."""
    result = json.loads((out / "distributed.json").read_text(encoding="utf-8"))
    _write(result, out)
    print(distributed_markdown(result, level=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
