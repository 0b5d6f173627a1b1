"""The `easynas` command line, over the same public API as Python code.

    easynas search DATA --task image-classification --directory runs [--max-trials 10] ...
    easynas search DATA ... --chief 0.0.0.0:8000      # serve the search to workers
    easynas search DATA ... --worker chief-host:8000  # run trials for that chief
    easynas leaderboard runs/image_classifier [--json]
    easynas export runs/image_classifier serving/digits [--format saved_model|keras|tflite|onnx]
    easynas request serving/digits images.npz [--rows 2]

`search` runs a search on a folder of class sub-folders of images or a `.npz`
file (arrays `x` and `y`) and prints the leaderboard; `leaderboard` and
`export` read a finished project folder and need no data; `request` prints
the TF Serving REST body that asks a SavedModel export about some inputs. User errors (a
missing folder, a folder that is no project, bad arguments) print one line to
stderr and exit with code 2; a search in which every candidate failed, or an
export that fails its check, exits with code 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from easynas.export._formats import FORMATS

__all__ = ["main"]

EXIT_FAILED = 1
EXIT_USAGE = 2
TASKS = ("image-classification", "image-regression")
_HYPERPARAMETER_WIDTH = 60


class UsageError(Exception):
    """A mistake on the command line: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors in one line instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --- argument types ---


REFIT_CHOICES = {"auto": "auto", "always": True, "never": False}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**31), got {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def _duration(text: str) -> str | float:
    from easynas.search._budget import parse_duration

    try:
        parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 90, 45s, 10min or 1h30m, got {text!r}"
        ) from None
    try:
        return float(text)
    except ValueError:
        return text


def build_parser() -> argparse.ArgumentParser:
    """The `easynas` argument parser with its three subcommands.

    Returns:
        The parser; `parse_args` raises `UsageError` instead of exiting.
    """
    from easynas._version import __version__
    from easynas.search._registry import STRATEGIES
    from easynas.search._screening import PROXY_NAMES
    from easynas.tasks import ImageClassifier

    defaults = ImageClassifier().get_params()  # the task classes' defaults, for the help
    parser = _Parser(
        prog="easynas",
        description="Neural architecture search: find a good Keras network for your data "
        "and export it ready to serve.",
    )
    parser.add_argument("--version", action="version", version=f"easynas {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    search = commands.add_parser(
        "search", help="search for the best network for a data set",
        description="Search for the best network for DATA and print the leaderboard.",
    )
    search.add_argument(
        "data", metavar="DATA",
        help="a folder of class sub-folders of images, or a .npz file with arrays x and y",
    )
    search.add_argument("--task", required=True, choices=TASKS, help="what to learn")
    search.add_argument("--directory", required=True, metavar="DIR",
                        help="folder for the project (trials, checkpoints, best model)")
    search.add_argument("--project-name", metavar="NAME",
                        help="project sub-folder (default: the task class in snake case, "
                        "e.g. image_classifier)")
    search.add_argument("--max-trials", type=_positive_int, metavar="N",
                        help=f"most candidates to train (default {defaults['max_trials']})")
    search.add_argument("--time-budget", type=_duration, metavar="DURATION",
                        help="wall-clock limit for the search, e.g. 600, 10min or 1h30m "
                        "(default none)")
    search.add_argument("--trial-time-limit", type=_duration, metavar="DURATION",
                        help="wall-clock limit for one candidate, e.g. 300 or 5min; a candidate "
                        "past it is stopped and recorded as failed (default none)")
    search.add_argument("--trial-isolation", choices=["auto", "process", "none"],
                        help="where each candidate trains: 'process' in a child process, so "
                        "a crash or memory blow-up fails only that candidate; 'none' in this "
                        "process; 'auto' in child processes once trials take 5 minutes or more "
                        f"(default {defaults['trial_isolation']})")
    search.add_argument("--epochs", type=_positive_int, metavar="N",
                        help=f"most epochs per candidate (default {defaults['epochs']})")
    search.add_argument("--search", choices=sorted(STRATEGIES),
                        help=f"search strategy (default {defaults['search']})")
    search.add_argument("--screening", choices=PROXY_NAMES, metavar="PROXY",
                        help="zero-cost screening for --search random or bayesian: score "
                        "--screening-samples untrained candidates with PROXY (one of "
                        f"{', '.join(PROXY_NAMES)}) and train only the best (default off)")
    search.add_argument("--screening-samples", type=_positive_int, metavar="N",
                        help="candidates scored per screened proposal (default 8)")
    search.add_argument("--seed", type=_seed, metavar="N",
                        help="seed of the search and the weights (default: drawn at random)")
    search.add_argument("--validation-split", type=_fraction, metavar="F",
                        help="fraction of DATA held out to score candidates "
                        f"(default {defaults['validation_split']})")
    search.add_argument("--refit", choices=tuple(REFIT_CHOICES), default="auto",
                        help="retrain the best architecture on all of DATA (training + "
                        "validation) for its best number of epochs: always, never, or auto "
                        "(when no separate validation data is given; the default)")
    search.add_argument("--overwrite", action="store_true",
                        help="replace an existing project instead of resuming it (and an "
                        "existing --export .keras file)")
    search.add_argument("--export", metavar="PATH",
                        help="export the best model: a .keras file, or else the base folder "
                        "of a TF Serving SavedModel (PATH/<version>/)")
    search.add_argument("--quiet", action="store_true",
                        help="no per-trial progress; print only the leaderboard")
    scale = search.add_argument_group(
        "scale out", "run trials in parallel: local worker processes, or a chief serving "
        "workers on other machines (same DATA, options and --directory, on a shared "
        "filesystem); KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT "
        "set the role too")
    roles = scale.add_mutually_exclusive_group()
    roles.add_argument("--chief", metavar="HOST:PORT",
                       help="serve the search to workers on HOST:PORT, then print the "
                       "leaderboard and keep the best model")
    roles.add_argument("--worker", metavar="HOST:PORT",
                       help="run trials for the chief at HOST:PORT until it ends the search")
    scale.add_argument("--worker-id", metavar="NAME",
                       help="this worker's name in the leaderboard (default HOST-PID)")
    scale.add_argument("--worker-timeout", type=_duration, metavar="DURATION",
                       help="chief: a worker silent this long loses its trial to another "
                       "(default 60s; at least 5s)")
    scale.add_argument("--n-parallel-trials", type=_positive_int, metavar="N",
                       help="run N trials at once in local worker processes, one GPU share "
                       "each (default 1)")
    scale.add_argument("--distribution-strategy", choices=("mirrored",),
                       help="train each candidate on all visible GPUs (MirroredStrategy); "
                       "one device without GPUs")
    search.set_defaults(run=_run_search)

    board = commands.add_parser(
        "leaderboard", help="print the leaderboard of a finished project",
        description="Print the leaderboard of a finished project folder (no data needed).",
    )
    board.add_argument("project", metavar="PROJECT", help="the project folder, DIR/NAME")
    board.add_argument("--json", action="store_true", help="print JSON records instead")
    board.set_defaults(run=_run_leaderboard)

    export = commands.add_parser(
        "export", help="export the best model of a finished project",
        description="Export the best model of a finished project folder (no data needed).",
    )
    export.add_argument("project", metavar="PROJECT", help="the project folder, DIR/NAME")
    export.add_argument("out", metavar="OUT",
                        help="base folder of the SavedModel (OUT/<version>/), or a .keras, "
                             ".tflite or .onnx file")
    export.add_argument("--format", choices=FORMATS, default="saved_model",
                        help="saved_model (TF Serving, plain TensorFlow; default), keras, "
                             "tflite (LiteRT) or onnx")
    export.add_argument("--numeric-inputs", action="store_true",
                        help="tflite and onnx: export the numeric-input variant (needed for "
                             "models with string inputs: text, categorical columns)")
    export.add_argument("--version", type=_positive_int, dest="model_version", metavar="N",
                        help="SavedModel version folder (default: the next free number)")
    export.add_argument("--overwrite", action="store_true",
                        help="replace an existing export at the target")
    export.set_defaults(run=_run_export)

    request = commands.add_parser(
        "request", help="print a TF Serving REST request for some inputs",
        description="Print the body of a TF Serving REST predict request "
        "(POST /v1/models/NAME:predict) asking a SavedModel export about inputs read from "
        "DATA: a .npz file (array x, or the first array), a .csv table, or a .txt file "
        "of documents, one per line.",
    )
    request.add_argument("export", metavar="EXPORT",
                         help="a SavedModel export: its version folder or its base folder")
    request.add_argument("data", metavar="DATA", help="a .npz, .csv or .txt file of inputs")
    request.add_argument("--rows", type=_positive_int, default=None, metavar="N",
                         help="only the first N inputs (default all)")
    request.set_defaults(run=_run_request)
    return parser


# --- subcommands ---


def _run_search(args: argparse.Namespace) -> int:
    from easynas.tasks import ImageClassifier, ImageRegressor

    data = args.data
    if not os.path.exists(data):
        raise UsageError(f"DATA {data!r} does not exist.")
    if not (os.path.isdir(data) or data.endswith(".npz")):
        raise UsageError(
            f"DATA must be a folder of class sub-folders of images or a .npz file. Got {data!r}."
        )
    options = {
        "max_trials": args.max_trials,
        "time_budget": args.time_budget,
        "trial_time_limit": args.trial_time_limit,
        "trial_isolation": args.trial_isolation,
        "epochs": args.epochs,
        "search": args.search,
        "seed": args.seed,
        "validation_split": args.validation_split,
        "project_name": args.project_name,
        "n_parallel_trials": args.n_parallel_trials,
        "distribution_strategy": args.distribution_strategy,
        "screening": _screening(args),
    }
    role = _role(args)
    estimator_class = ImageClassifier if args.task == "image-classification" else ImageRegressor
    estimator = estimator_class(
        directory=args.directory, overwrite=args.overwrite, verbose=0 if args.quiet else 1,
        refit=REFIT_CHOICES[args.refit],
        **{k: v for k, v in options.items() if v is not None},
    )
    estimator.fit(data, role=role)
    if hasattr(estimator, "worker_trials_"):
        ran = ", ".join(r.trial_id for r in estimator.worker_trials_) or "none"
        how = "the chief ended the search" if estimator.worker_ended_by_chief_ else (
            "the chief stopped answering")
        print(f"worker done ({how}); trials run here: {ran}")
        return 0
    print()
    print(format_leaderboard(estimator.leaderboard(), estimator.objective_.name))
    print()
    print(f"best trial: {estimator.best_trial_id_}; project: {estimator.project_dir_}")
    if args.export:
        fmt = "keras" if args.export.endswith(".keras") else "saved_model"
        written = estimator.export(args.export, format=fmt, overwrite=args.overwrite)
        print(f"exported the best model to {written}")
    return 0


def _screening(args: argparse.Namespace) -> dict[str, Any] | None:
    """The estimator's `screening` from --screening and --screening-samples (None: off)."""
    if args.screening is None:
        if args.screening_samples is not None:
            raise UsageError("--screening-samples needs --screening PROXY.")
        return None
    samples = {} if args.screening_samples is None else {"samples": args.screening_samples}
    return {"proxy": args.screening, **samples}


def _role(args: argparse.Namespace) -> Any:
    """The `Chief` or `Worker` the options ask for (None: local, or the environment's)."""
    from easynas.search import Chief, Worker

    if args.worker_id is not None and args.worker is None:
        raise UsageError("--worker-id applies to --worker only.")
    if args.worker_timeout is not None and args.chief is None:
        raise UsageError("--worker-timeout applies to --chief only.")
    if args.chief is not None:
        timeout = 60.0 if args.worker_timeout is None else _seconds(args.worker_timeout)
        return Chief(args.chief, worker_timeout=timeout)
    if args.worker is not None:
        return Worker(args.worker, worker_id=args.worker_id)
    return None


def _seconds(value: str | float) -> float:
    from easynas.search._budget import parse_duration

    return parse_duration(value)


def _run_leaderboard(args: argparse.Namespace) -> int:
    table, objective = read_leaderboard(args.project)
    if args.json:
        records = json.loads(table.reset_index().to_json(orient="records")) if len(table) else []
        print(json.dumps(records, indent=2))
    else:
        print(format_leaderboard(table, objective))
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from easynas.export import export_project

    if args.format != "saved_model" and args.model_version is not None:
        raise UsageError("--version applies to --format saved_model only.")
    if args.numeric_inputs and args.format not in ("tflite", "onnx"):
        raise UsageError("--numeric-inputs applies to --format tflite and onnx only.")
    written = export_project(
        args.project, args.out, args.format, version=args.model_version,
        overwrite=args.overwrite, numeric_inputs=args.numeric_inputs,
    )
    print(f"exported the best model to {written}")
    return 0


def _run_request(args: argparse.Namespace) -> int:
    from easynas.export import serving_request

    data = args.data
    if not os.path.isfile(data):
        raise UsageError(f"DATA {data!r} does not exist.")
    try:
        x = _read_inputs_file(data)
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"DATA {data!r} cannot be read: {error}") from None
    if args.rows is not None:
        x = x[: args.rows] if not hasattr(x, "iloc") else x.iloc[: args.rows]
    print(json.dumps(serving_request(args.export, x)))
    return 0


def _read_inputs_file(data: str) -> Any:
    """Inputs from a .npz (array `x`, or the first), a .csv table or a .txt of documents."""
    lower = data.lower()
    if lower.endswith(".npz"):
        import numpy as np

        with np.load(data, allow_pickle=False) as arrays:
            if not arrays.files:
                raise ValueError("it holds no arrays")
            return arrays["x" if "x" in arrays.files else arrays.files[0]]
    if lower.endswith(".csv"):
        import pandas as pd

        return pd.read_csv(data)
    if lower.endswith(".txt"):
        with open(data, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    raise ValueError("DATA must be a .npz, .csv or .txt file")


# --- reading a finished project ---


def read_leaderboard(project_dir: str) -> tuple[Any, str]:
    """The leaderboard of a finished project folder, read without its data.

    Reads `easynas_result.json` (for the objective) and each trial folder's
    KerasTuner `trial.json` and easynas `easynas_trial.json`.

    Args:
        project_dir: The project folder (`<directory>/<project_name>`).

    Returns:
        `(table, objective_name)`: the leaderboard DataFrame, best first, and
        the name of the metric that ranks it.

    Raises:
        FileNotFoundError: If `project_dir` does not exist.
        InvalidParameterError: If it is not a finished easynas project.
    """
    from easynas.export._project import read_result
    from easynas.report import build_leaderboard
    from easynas.search import Objective

    result = read_result(project_dir)
    objective = Objective(*result.get("objective", ("val_loss", "min")))
    records, infos = [], {}
    for name in os.listdir(project_dir):
        folder = os.path.join(project_dir, name)
        if not (name.startswith("trial_") and os.path.isfile(os.path.join(folder, "trial.json"))):
            continue
        record = _read_trial(os.path.join(folder, "trial.json"))
        records.append(record)
        infos[record.trial_id] = _read_json(os.path.join(folder, "easynas_trial.json")) or {}
    # The finalists' cross-validation (tabular tasks) is in the result, not the trial folders.
    for trial_id, scores in ((result.get("finalists") or {}).get("scores") or {}).items():
        if trial_id in infos and scores:
            infos[trial_id] = {**infos[trial_id], "cv_score": sum(scores) / len(scores),
                               "cv_scores": scores}
    for trial_id, weight in ((result.get("ensemble") or {}).get("weights") or {}).items():
        if trial_id in infos:  # the deployed ensemble of finalists
            infos[trial_id] = {**infos[trial_id], "ensemble_weight": weight}
    return build_leaderboard(records, infos, objective), objective.name


def _read_json(path: str) -> Any:
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _read_trial(path: str) -> Any:
    """A `TrialRecord` from a KerasTuner `trial.json` (read as plain JSON)."""
    from easynas.exceptions import InvalidParameterError
    from easynas.search import TrialRecord, TrialStatus

    try:
        state = _read_json(path)
        trial_id = str(state["trial_id"])
    except (ValueError, KeyError, TypeError):
        raise InvalidParameterError(f"{path!r} is not a readable KerasTuner trial file.") from None
    try:
        status = TrialStatus(state.get("status"))
    except ValueError:
        status = TrialStatus.INVALID
    score = state.get("score")
    score = None if score is None else float(score)
    if status == TrialStatus.COMPLETED and (score is None or not math.isfinite(score)):
        status = TrialStatus.FAILED
    metrics = {}
    for metric, history in ((state.get("metrics") or {}).get("metrics") or {}).items():
        means = [
            sum(o["value"]) / len(o["value"])
            for o in history.get("observations", []) if o.get("value")
        ]
        means = [m for m in means if not math.isnan(m)]
        if means:
            metrics[metric] = max(means) if history.get("direction") == "max" else min(means)
    return TrialRecord(
        trial_id=trial_id,
        status=status,
        values=dict((state.get("hyperparameters") or {}).get("values") or {}),
        score=score,
        metrics=metrics,
        best_step=state.get("best_step"),
        message=state.get("message"),
        worker=_last_worker(state),
    )


def _last_worker(state: dict[str, Any]) -> str | None:
    """The worker that ran a trial last, from easynas' entry in a trial.json (if distributed)."""
    attempts = (state.get("easynas") or {}).get("attempts") or []
    last = attempts[-1] if attempts and isinstance(attempts[-1], dict) else {}
    worker = last.get("worker")
    return worker if isinstance(worker, str) else None


# --- printing ---


def _cell(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def _text(value: Any) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def format_leaderboard(table: Any, objective: str) -> str:
    """A compact text table of a leaderboard, one line per trial.

    Args:
        table: A leaderboard DataFrame (as `estimator.leaderboard()` returns).
        objective: The column that holds the score.

    Returns:
        The table: rank, trial, status, score (and the finalists' `cv_score`
        after a cross-validation, and `ensemble_weight` when their ensemble
        was deployed), params, latency, seconds and the
        hyperparameters (shortened; a failed trial shows its error first).
    """
    header = ["rank", "trial", "status", objective, "params", "latency_ms", "seconds",
              "hyperparameters"]
    columns = getattr(table, "columns", ())
    workers = "worker" in columns
    if workers:
        header.insert(3, "worker")
    cv = "cv_score" in columns
    if cv:
        header.insert(4 + workers, "cv_score")
    mixed = "ensemble_weight" in columns
    if mixed:
        header.insert(4 + workers + cv, "ensemble_weight")
    if len(table) == 0:
        return "no trials yet"
    rows = []
    for rank, row in table.iterrows():
        described = row.get("hyperparameters") or ""
        message = row.get("message")
        if isinstance(message, str) and message:
            described = f"error: {message}; {described}"
        params = row.get("params")
        rows.append([
            str(rank),
            str(row["trial_id"]),
            str(row["status"]),
            *([_text(row.get("worker"))] if workers else []),
            _cell(row.get(objective), ".4f"),
            *([_cell(row.get("cv_score"), ".4f")] if cv else []),
            *([_cell(row.get("ensemble_weight"), ".2f")] if mixed else []),
            _cell(None if params is None or math.isnan(params) else int(params), ","),
            _cell(row.get("latency_ms"), ".2f"),
            _cell(row.get("trial_seconds"), ".1f"),
            _shorten(described, _HYPERPARAMETER_WIDTH),
        ])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {0, *(i + workers for i in (3, 4, 5, 6, *((7,) if cv else ())))}
    lines = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if i in numeric else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# --- entry point ---


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `easynas` command line.

    Args:
        argv: The arguments after the program name; None reads `sys.argv`.

    Returns:
        The exit status: 0 on success, 1 when the search or export fails, 2 on
        a user error (reported in one line on stderr).
    """
    from easynas.exceptions import InvalidDataError, InvalidParameterError, NotFittedError

    user_errors = (
        UsageError, InvalidParameterError, InvalidDataError, NotFittedError, FileNotFoundError,
        FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError,
    )
    parser = build_parser()
    command = "easynas"
    try:
        args = parser.parse_args(argv)
        command = f"easynas {args.command}"
        return args.run(args)
    except user_errors as error:
        _report(command, error)
        return EXIT_USAGE
    except RuntimeError as error:
        _report(command, error)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130


def _report(command: str, error: BaseException) -> None:
    message = " ".join(str(error).split()) or type(error).__name__
    message = message.replace("overwrite=True", "--overwrite")  # the flag, not the argument
    print(f"{command}: error: {message}", file=sys.stderr)
