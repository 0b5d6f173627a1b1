"""The export benchmark: time and size of every export format for an image, a text and
a tabular model.

    python -m benchmarks.exports [--repeats 3] [--train-size 2000] [--epochs 2]
    python -m benchmarks.exports --smoke        # tiny data: checks the pipeline

Each model is the first candidate of its task's search (`max_trials=1`, the preset a
search tries first), trained briefly: export cost depends on the network, not on how
well it was trained. Every format is then exported `--repeats` times; an export's time
includes writing, loading back and checking the written model against the Keras model,
all of which `estimator.export` does. TFLite and ONNX take raw inputs where the model
allows it, else the numeric-input variant (the table says which). Results go to
`<out>/exports.json` and `<out>/exports.md`, then RESULTS.md is regenerated.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["MODELS", "folder_size", "main", "parse_args"]

BENCHMARKS_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCHMARKS_DIR / "results"
SMOKE_OUT = BENCHMARKS_DIR / "_runs" / "smoke"
RESULTS_MD = BENCHMARKS_DIR / "RESULTS.md"
MODELS = ("image", "text", "tabular")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.exports", description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--repeats", type=int, default=None,
                        help="exports per format and model; the table shows the median "
                             "(default 3; smoke: 1)")
    parser.add_argument("--train-size", type=int, default=None, metavar="N",
                        help="training examples per model (default 2000; smoke: 200)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs of each model (default 2; smoke: 1)")
    parser.add_argument("--models", default=",".join(MODELS), metavar="NAME,NAME",
                        help=f"which models (default all: {','.join(MODELS)})")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for exports.json and exports.md (default "
                             "benchmarks/results; smoke: benchmarks/_runs/smoke)")
    parser.add_argument("--smoke", action="store_true",
                        help="small data, one epoch, one repeat: checks the pipeline")
    return parser.parse_args(argv)


def folder_size(path: str) -> int:
    """Bytes of a file, or of every file under a folder."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def _load(model: str, size: int) -> tuple[str, Any, Any, Any]:
    """(data description, estimator class, x, y) for one model kind."""
    import numpy as np

    import easynas as en
    from benchmarks.datasets import stratified_subset

    if model == "image":
        from benchmarks.datasets import DatasetUnavailable, load_fashion_mnist

        try:
            x, y, _, _ = load_fashion_mnist(install=False)
            name = "Fashion-MNIST (28x28 grey)"
        except DatasetUnavailable:
            from benchmarks.datasets import load_digits_split

            x, y, _, _ = load_digits_split()
            name = "digits (8x8 grey)"
        x, y = stratified_subset(x, y, size)
        return name, en.ImageClassifier, x, y
    if model == "text":
        from easynas.datasets import load_rotten_tomatoes

        x, y, _, _ = load_rotten_tomatoes()
        x, y = stratified_subset(np.asarray(x, dtype=object), np.asarray(y), size)
        return "Rotten Tomatoes (review snippets)", en.TextClassifier, list(x), y
    from easynas.datasets import load_adult

    x, y, _, _ = load_adult()
    index, _ = stratified_subset(np.arange(len(y)), np.asarray(y), size)
    return ("Adult (6 numeric, 8 string columns)", en.TabularClassifier,
            x.iloc[index].reset_index(drop=True), np.asarray(y)[index])


def _export_once(estimator: Any, fmt: str, folder: str, numeric: bool) -> tuple[float, str]:
    target = os.path.join(folder, "model" if fmt == "saved_model" else f"model.{fmt}")
    started = time.perf_counter()
    path = estimator.export(target, format=fmt, numeric_inputs=numeric)
    return time.perf_counter() - started, path


def measure_model(estimator: Any, repeats: int, work: str) -> list[dict[str, Any]]:
    """Export the fitted `estimator` in every format `repeats` times; one row per format."""
    from easynas.exceptions import InvalidParameterError
    from easynas.export import FORMATS

    rows = []
    for fmt in FORMATS:
        numeric, refusal = False, None
        times, path = [], None
        for repeat in range(repeats):
            folder = tempfile.mkdtemp(prefix=f"{fmt}-{repeat}-", dir=work)
            try:
                seconds, path = _export_once(estimator, fmt, folder, numeric)
            except InvalidParameterError as error:
                if numeric or fmt not in ("tflite", "onnx") or "numeric_inputs" not in str(error):
                    raise
                numeric, refusal = True, str(error).split(":")[0]
                seconds, path = _export_once(estimator, fmt, folder, numeric)
            times.append(seconds)
        metadata = _metadata(path, fmt)
        rows.append({
            "format": fmt,
            "inputs": "numeric variant" if numeric else "raw",
            "raw_refused": refusal,
            "seconds": times,
            "median_seconds": statistics.median(times),
            "bytes": folder_size(path),
            "max_abs_difference": metadata.get("check", {}).get("max_abs_difference"),
        })
        print(f"benchmarks: {fmt}: {statistics.median(times):.2f} s, "
              f"{rows[-1]['bytes'] / 1e6:.2f} MB ({rows[-1]['inputs']})", flush=True)
    return rows


def _metadata(path: str, fmt: str) -> dict[str, Any]:
    file = (os.path.join(path, "easynas_metadata.json") if fmt == "saved_model"
            else path + ".json")
    with open(file, encoding="utf-8") as f:
        return json.load(f)


def _write_json(path: Path, result: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    repeats = args.repeats or (1 if args.smoke else 3)
    size = args.train_size or (200 if args.smoke else 2000)
    epochs = args.epochs or (1 if args.smoke else 2)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; choose from {list(MODELS)}.")
    out = (args.out or (SMOKE_OUT if args.smoke else DEFAULT_OUT)).resolve()
    results_md = RESULTS_MD if out == DEFAULT_OUT else out / "RESULTS.md"
    out.mkdir(parents=True, exist_ok=True)

    from benchmarks.report import run_header, write_results_md
    from benchmarks.report_exports import suite_markdown

    started = time.perf_counter()
    result: dict[str, Any] = {
        "suite": "exports",
        "layout": "exports",
        "title": "Export time and size per format",
        **run_header(),
        "command": ("python -m benchmarks.exports " + shlex.join(argv)).strip(),
        "config": {"repeats": repeats, "train_size": size, "epochs": epochs,
                   "smoke": args.smoke, "models": models},
        "complete": False,
        "total_seconds": 0.0,
        "runs": [],
    }
    json_path = out / "exports.json"
    work = tempfile.mkdtemp(prefix="easynas-bench-exports-")
    try:
        for model in models:
            data_name, estimator_class, x, y = _load(model, size)
            print(f"benchmarks: {model} model on {data_name}, {len(y)} examples", flush=True)
            estimator = estimator_class(max_trials=1, epochs=epochs, seed=0, verbose=0,
                                        directory=os.path.join(work, model))
            fit_started = time.perf_counter()
            estimator.fit(x, y)
            result["runs"].append({
                "model": model,
                "estimator": estimator_class.__name__,
                "data": data_name,
                "train_size": int(len(y)),
                "fit_seconds": time.perf_counter() - fit_started,
                "params": int(estimator.best_model_.count_params()),
                "best_hyperparameters": dict(estimator.best_hyperparameters_),
                "formats": measure_model(estimator, repeats, work),
            })
            result["total_seconds"] = time.perf_counter() - started
            _write_json(json_path, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["complete"] = True
    result["total_seconds"] = time.perf_counter() - started
    _write_json(json_path, result)
    md_path = out / "exports.md"
    md_path.write_text(suite_markdown(result), encoding="utf-8")
    write_results_md(out, results_md)
    print(f"benchmarks: wrote {json_path}, {md_path} and {results_md}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
