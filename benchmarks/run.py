"""The benchmark runner.

    python -m benchmarks.run --suite image [--budgets 10min 30min] [--train-size N]
                             [--seeds 0] [--out benchmarks/results]
    python -m benchmarks.run --suite image --smoke      # tiny data: checks the pipeline
    python -m benchmarks.run --suite tabular [--datasets adult,wine] [--baselines-only]

For each budget and seed it runs the suite's easynas search and, right after it
in the same process, the suite's fixed baseline. It writes `<out>/<suite>.json`
(after every run, so an interrupted run keeps what finished) and
`<out>/<suite>.md`, then regenerates RESULTS.md from every JSON file in `<out>`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import suites  # noqa: E402
from benchmarks.suites import Budget, RunConfig, Suite  # noqa: E402

__all__ = ["build_config", "main", "parse_args"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCHMARKS_DIR / "results"
SMOKE_OUT = BENCHMARKS_DIR / "_runs" / "smoke"
RESULTS_MD = BENCHMARKS_DIR / "RESULTS.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (unset options stay None so suites can fill them in)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--suite", required=True, choices=suites.names())
    parser.add_argument("--budgets", nargs="+", metavar="DURATION",
                        help="wall-clock budgets per search, e.g. 10min 30min "
                             "(default 10min 30min; smoke: 30s)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, metavar="SEED",
                        help="search seeds (default 0)")
    parser.add_argument("--train-size", type=int, default=None, metavar="N",
                        help="training examples, a seeded (stratified) subset (image: "
                             "default 10000, smoke: all of digits' split; text, tabular: "
                             "default all; 0 = all)")
    parser.add_argument("--data-seed", type=int, default=0,
                        help="seed of the training subset, fixed across --seeds (default 0)")
    parser.add_argument("--max-trials", type=int, default=None,
                        help="most trials per search (default 100; smoke: 2)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="most epochs per trial (default 20; smoke: 1)")
    parser.add_argument("--baseline-max-epochs", type=int, default=None,
                        help="most epochs for the baseline (default 1000: the budget and "
                             "early stopping end it; smoke: 2)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"folder for <suite>.json and <suite>.md (default "
                             f"{DEFAULT_OUT.relative_to(BENCHMARKS_DIR.parent)}; smoke: "
                             f"{SMOKE_OUT.relative_to(BENCHMARKS_DIR.parent)})")
    parser.add_argument("--name", default=None, metavar="STEM",
                        help="file name stem of the results, <out>/STEM.json and STEM.md "
                             "(default: the suite's name), to keep a run beside the suite's "
                             "main results, e.g. --name tabular-adult-15min")
    parser.add_argument("--results-md", type=Path, default=None,
                        help="RESULTS.md to regenerate (default benchmarks/RESULTS.md when "
                             "--out is the default folder, else <out>/RESULTS.md)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data and budgets to check the pipeline (image: 8x8 digits, "
                             "30 s, 2 trials; text: 300 documents; tabular: 200 rows)")
    parser.add_argument("--datasets", default=None, metavar="NAME,NAME",
                        help="text and tabular suites: the data sets to run, comma-separated "
                             "(default all; smoke: a few)")
    parser.add_argument("--baselines-only", action="store_true",
                        help="text and tabular suites: skip the searches, run the baselines")
    parser.add_argument("--keep-projects", action="store_true",
                        help="keep the searches' project folders (in --work-dir)")
    parser.add_argument("--work-dir", default=None,
                        help="where project folders go (default: the system's temp folder)")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="easynas verbosity (default 1: a line per trial)")
    return parser.parse_args(argv)


def build_config(suite: Suite, args: argparse.Namespace) -> RunConfig:
    """Command line, then the suite's (smoke) defaults."""
    from easynas.search._budget import parse_duration

    defaults = suite.defaults()
    if args.smoke:
        defaults = {**defaults, **suite.smoke_defaults()}

    def pick(name: str) -> Any:
        value = getattr(args, name)
        return defaults.get(name) if value is None else value

    budgets = []
    for label in pick("budgets"):
        try:
            budgets.append(Budget(str(label), parse_duration(label)))
        except ValueError as error:
            raise SystemExit(f"--budgets: {error}") from None
    train_size = pick("train_size")
    return RunConfig(
        suite=suite.name,
        budgets=tuple(budgets),
        seeds=tuple(args.seeds if args.seeds is not None else (0,)),
        train_size=train_size or None,
        data_seed=args.data_seed,
        max_trials=int(pick("max_trials")),
        epochs=int(pick("epochs")),
        baseline_max_epochs=int(pick("baseline_max_epochs")),
        smoke=args.smoke,
        keep_projects=args.keep_projects,
        work_dir=args.work_dir,
        verbose=args.verbose,
    )


def _config_dict(config: RunConfig) -> dict[str, Any]:
    return {
        "budgets": [b.label for b in config.budgets],
        "budgets_s": [b.seconds for b in config.budgets],
        "seeds": list(config.seeds),
        "train_size": config.train_size,
        "data_seed": config.data_seed,
        "max_trials": config.max_trials,
        "epochs": config.epochs,
        "baseline_max_epochs": config.baseline_max_epochs,
        "smoke": config.smoke,
    }


def _write_json(path: Path, result: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Run a suite; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.name is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.name):
        raise SystemExit(f"--name must be a file name stem of letters, digits, '_', '.' and "
                         f"'-'. Got {args.name!r}.")
    suite = suites.get(args.suite)
    config = build_config(suite, args)
    out = (args.out or (SMOKE_OUT if args.smoke else DEFAULT_OUT)).resolve()
    results_md = args.results_md or (RESULTS_MD if out == DEFAULT_OUT else out / "RESULTS.md")
    out.mkdir(parents=True, exist_ok=True)

    from benchmarks.suites._per_dataset import PerDatasetSuite, run_per_dataset

    if isinstance(suite, PerDatasetSuite):
        return run_per_dataset(suite, config, args, argv, out, results_md)
    if args.datasets is not None or args.baselines_only:
        raise SystemExit(f"--datasets and --baselines-only do not apply to the {suite.name} "
                         "suite.")

    from benchmarks.datasets import DatasetUnavailable
    from benchmarks.report import run_header, suite_markdown, write_results_md

    started = time.perf_counter()
    try:
        data = suite.load_data(config)
    except DatasetUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result: dict[str, Any] = {
        "suite": suite.name,
        "title": suite.title,
        "estimator": suite.estimator,
        **run_header(),
        "command": "python -m benchmarks.run " + shlex.join(argv),
        "config": _config_dict(config),
        "data": {"name": data.name, "train_size": int(len(data.y_train)),
                 "test_size": int(len(data.y_test)), **data.notes},
        "complete": False,
        "total_seconds": 0.0,
        "runs": [],
    }
    json_path = out / f"{args.name or suite.name}.json"
    print(f"benchmarks: suite {suite.name!r} on {data.name} ({len(data.y_train)} train, "
          f"{len(data.y_test)} test); budgets {[b.label for b in config.budgets]}, "
          f"seeds {list(config.seeds)}", flush=True)
    for budget in config.budgets:
        for seed in config.seeds:
            print(f"benchmarks: budget {budget.label}, seed {seed}", flush=True)
            run = suite.run_one(config, data, budget, seed)
            result["runs"].append(run)
            result["total_seconds"] = time.perf_counter() - started
            _write_json(json_path, result)
            print(
                f"benchmarks: easynas {run['test_accuracy']:.4f} "
                f"({run['trials_completed']} trials, {run['wall_seconds']:.0f}s, overhead "
                f"{run['overhead_fraction']:.1%}) | baseline {run['baseline_test_accuracy']:.4f} "
                f"({run['baseline_wall_seconds']:.0f}s) | ratio {run['accuracy_ratio']:.3f}",
                flush=True,
            )
    result["complete"] = True
    result["total_seconds"] = time.perf_counter() - started
    _write_json(json_path, result)
    md_path = out / f"{args.name or suite.name}.md"
    md_path.write_text(suite_markdown(result), encoding="utf-8")
    write_results_md(out, results_md)
    print(f"benchmarks: wrote {json_path}, {md_path} and {results_md}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
