"""What a benchmark records besides scores: the machine, and each trial's cost."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = ["machine_info", "trial_costs", "summarize_trials"]

TRIAL_INFO = "easynas_trial.json"  # written by easynas.search._kt_adapter per trial


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # not installed under that distribution name
        return None


def machine_info() -> dict[str, Any]:
    """CPU count and model, platform, Python and library versions, visible GPUs."""
    import keras
    import tensorflow as tf

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_tuner": _version("keras-tuner"),
        "numpy": _version("numpy"),
        "gpus": gpus,
    }


def trial_costs(project_dir: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Each trial's `easynas_trial.json` (fit_seconds, trial_seconds, params, ...),
    by trial id. Trials that failed before writing one are absent."""
    costs = {}
    for path in sorted(Path(project_dir).glob(f"trial_*/{TRIAL_INFO}")):
        trial_id = path.parent.name[len("trial_"):]
        with open(path, encoding="utf-8") as f:
            costs[trial_id] = json.load(f)
    return costs


def _clean(value: Any) -> Any:
    """A JSON-safe scalar: NumPy scalars become Python ones, NaN and missing become None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def summarize_trials(
    leaderboard: Any, costs: dict[str, dict[str, Any]], objective: str
) -> list[dict[str, Any]]:
    """One JSON-ready row per trial: the leaderboard's facts plus its timings."""
    fixed = {"trial_id", "status", objective, "params", "latency_ms", "epochs",
             "trial_seconds", "parent", "hyperparameters", "message"}
    rows = []
    for record in leaderboard.to_dict("records"):
        trial_id = str(record["trial_id"])
        info = costs.get(trial_id, {})
        rows.append({
            "trial_id": trial_id,
            "status": record.get("status"),
            "score": _clean(record.get(objective)),
            "metrics": {k: _clean(v) for k, v in record.items() if k not in fixed},
            "params": _clean(record.get("params")),
            "latency_ms": _clean(record.get("latency_ms")),
            "epochs_run": _clean(info.get("epochs_run", record.get("epochs"))),
            "fit_seconds": _clean(info.get("fit_seconds")),
            "trial_seconds": _clean(info.get("trial_seconds", record.get("trial_seconds"))),
            "stopped_by_budget": _clean(info.get("stopped_by_budget")),
            "hyperparameters": record.get("hyperparameters"),
            "message": record.get("message"),
        })
    return rows
