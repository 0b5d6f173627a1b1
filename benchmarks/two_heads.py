"""Two heads on one table: Adult's income class and weekly working hours, in one search.

One AutoModel with a TabularInput and two bare heads (a ClassificationHead for
`income`, a RegressionHead for `hours-per-week`, which is taken out of the
features) is searched within a time budget; on the same split (Adult's own
train/test files), HistGradientBoosting is fitted twice, once per target, as
the reference. Writes `<out>/two_heads.json` and `.md` and regenerates
RESULTS.md.

    .venv/bin/python -m benchmarks.two_heads --budget 5min
    .venv/bin/python -m benchmarks.two_heads --smoke     # 300 rows, 15 s, 1 trial
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.report import command_lines, machine_line, run_header, write_results_md  # noqa: E402

HOURS = "hours-per-week"
BENCHMARKS_DIR = Path(__file__).resolve().parent


def _markdown(result: dict[str, Any]) -> str:
    config, run = result["config"], result["run"]
    hgb = run["baselines"]
    return "\n".join([
        "## Two heads on one table: Adult income and hours per week (`two_heads`)"
        + (" — smoke run" if config["smoke"] else ""),
        "",
        f"- Date: {result['date']}; easynas {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Data: Adult, {run['train_size']} train / {run['test_size']} test rows; "
        f"`{HOURS}` is the second target, not a feature",
        f"- Search: AutoModel(TabularInput, [ClassificationHead('income'), "
        f"RegressionHead('hours')]), budget {config['budget']}, max_trials "
        f"{config['max_trials']}, epochs {config['epochs']}, seed {config['seed']}; "
        "objective: the sum of both heads' validation losses",
        "",
        *command_lines(result["command"]),
        "| head | metric | easynas (one model, two heads) "
        "| HistGradientBoosting (one model per head) |",
        "|---|---|---|---|",
        f"| income | accuracy | {run['income_accuracy']:.4f} | {hgb['income_accuracy']:.4f} |",
        f"| hours | RMSE | {run['hours_rmse']:.3f} | {hgb['hours_rmse']:.3f} |",
        f"| | wall seconds | {run['wall_seconds']:.0f} ({run['trials_completed']} trials) "
        f"| {hgb['wall_seconds']:.1f} (both) |",
        "",
    ])


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.two_heads",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="5min", help="time budget of the search")
    parser.add_argument("--max-trials", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="300 rows, 15 s, 1 trial, 1 epoch")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default benchmarks/results; smoke: "
                             "benchmarks/_runs/smoke)")
    args = parser.parse_args(argv)

    import easynas as en
    from benchmarks.baselines import hist_gradient_boosting, task_score
    from easynas.datasets import load_adult

    if args.smoke:
        args.budget, args.max_trials, args.epochs = "15s", 1, 1
    out = args.out or BENCHMARKS_DIR / ("_runs/smoke" if args.smoke else "results")
    out.mkdir(parents=True, exist_ok=True)
    x_train, y_train, x_test, y_test = load_adult()
    if args.smoke:
        x_train, y_train = x_train.head(300), y_train.head(300)
        x_test, y_test = x_test.head(300), y_test.head(300)
    hours_train = x_train.pop(HOURS).to_numpy(dtype="float32")
    hours_test = x_test.pop(HOURS).to_numpy(dtype="float32")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="easynas-bench-two-heads-") as work:
        model = en.AutoModel(
            en.TabularInput(), [en.ClassificationHead(name="income"),
                                en.RegressionHead(name="hours")],
            max_trials=args.max_trials, time_budget=args.budget, epochs=args.epochs,
            seed=args.seed, directory=work,
        )
        model.fit(x_train, {"income": y_train, "hours": hours_train})
        wall = time.perf_counter() - started
        predicted = model.predict(x_test)
        completed = int((model.leaderboard_["status"] == "COMPLETED").sum())
    income = hist_gradient_boosting(x_train, y_train, x_test, y_test, task="classification",
                                    seed=args.seed)
    hours = hist_gradient_boosting(x_train, hours_train, x_test, hours_test,
                                   task="regression", seed=args.seed)
    result = {
        "suite": "two_heads",
        "layout": "markdown",
        **run_header(),
        "command": "python -m benchmarks.two_heads " + shlex.join(argv),
        "config": {"budget": args.budget, "max_trials": args.max_trials,
                   "epochs": args.epochs, "seed": args.seed, "smoke": args.smoke},
        "run": {
            "train_size": int(len(y_train)), "test_size": int(len(y_test)),
            "income_accuracy": task_score("classification", y_test, predicted["income"]),
            "hours_rmse": task_score("regression", hours_test, predicted["hours"]),
            "wall_seconds": wall, "trials_completed": completed,
            "best_hyperparameters": dict(model.best_hyperparameters_),
            "refit": model.refit_info_,
            "baselines": {"income_accuracy": income["test_score"],
                          "hours_rmse": hours["test_score"],
                          "wall_seconds": income["wall_seconds"] + hours["wall_seconds"]},
        },
        "runs": [],
    }
    result["markdown"] = _markdown(result)
    with open(out / "two_heads.json", "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)
    (out / "two_heads.md").write_text(result["markdown"], encoding="utf-8")
    results_md = BENCHMARKS_DIR / "RESULTS.md" if args.out is None and not args.smoke \
        else out / "RESULTS.md"
    write_results_md(out, results_md)
    print(result["markdown"])
    print(f"benchmarks: wrote {out / 'two_heads.json'} and {results_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
