"""The leaderboard: every candidate with its score, cost, time and status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from easynas.search._lineage import PARENT_KEY, describe_ops, split_chain
from easynas.search._records import Objective, TrialRecord, TrialStatus
from easynas.search._screening import SCORE_KEY, SCREENED_KEY

__all__ = ["build_leaderboard", "describe_values", "last_line"]

_INTERNAL = "easynas/"


def describe_values(values: Mapping[str, Any]) -> str:
    """A short `name=value` summary of a candidate's hyperparameters."""
    parts = []
    for name, value in values.items():
        if name.startswith(_INTERNAL):
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def last_line(message: str | None) -> str | None:
    """The last line of a (traceback) message: usually the error itself."""
    lines = (message or "").strip().splitlines()
    return lines[-1] if lines else None


def build_leaderboard(
    records: Sequence[TrialRecord],
    infos: Mapping[str, Mapping[str, Any]],
    objective: Objective,
) -> pd.DataFrame:
    """One row per trial, best first; failed trials last with their reason.

    A screened search (the estimators' `screening`) adds the columns
    `proxy_score` (the zero-cost proxy's score of the proposed candidate) and
    `screened` (how many candidates it was chosen from); trials that were not
    screened have None there.

    Args:
        records: The trials.
        infos: Per-trial cost facts written by the tuner (params, latency, ...).
        objective: Ranks the rows.

    Returns:
        A DataFrame with columns `trial_id, status, <objective>, <metrics...>,
        params, flops, size_mb, latency_ms, latency_batch_ms, [tflite_latency_ms,]
        epochs, trial_seconds, parent, morph_ops, hyperparameters, message`, and
        `worker` (who ran the trial) when the search was distributed. A
        candidate rejected by a cost limit has the status "INFEASIBLE" and the
        limit it broke as its message; `tflite_latency_ms` is there when
        measured. `parent` is the trial a trial continues or was morphed from,
        `morph_ops` the morph ops of its own (e.g. "wider(conv2d) + add_skip(a->b)").
        After a finalist cross-validation (tabular tasks), `cv_score` follows
        the objective: the finalists' mean objective over the folds (None for
        the others); the rows stay in search order, and the estimator's
        `best_trial_id_` is the finalist the CV chose. When the finalists'
        ensemble was deployed, `ensemble_weight` follows `cv_score`: each
        member's weight in it (None for the others). When a
        linear candidate was solved exactly, `solver` ("lbfgs" or "ridge")
        and `solved_l2` (its kernel penalty at the solution, chosen by
        cross-validation under the heads' `l2_cv`) follow `epochs`; None for
        the trials trained by gradient descent.
    """
    screened = any(SCREENED_KEY in record.values for record in records)
    rows = []
    tflite = any("tflite_latency_ms" in info for info in infos.values())
    cross_validated = any("cv_score" in info for info in infos.values())
    ensembled = any("ensemble_weight" in info for info in infos.values())
    solved = any("solver" in info for info in infos.values())
    for record in records:
        info = infos.get(record.trial_id, {})
        infeasible = info.get("feasible") is False
        row = {
            "trial_id": record.trial_id,
            "status": "INFEASIBLE" if infeasible else record.status.value,
            objective.name: record.score,
        }
        if cross_validated:
            row["cv_score"] = info.get("cv_score")
        if ensembled:
            row["ensemble_weight"] = info.get("ensemble_weight")
        for name, value in sorted(record.metrics.items()):
            if name != objective.name:
                row[name] = value
        size = info.get("size_bytes")
        row.update(
            params=info.get("params"),
            flops=info.get("flops"),
            size_mb=None if size is None else size / 2**20,
            latency_ms=info.get("latency_ms"),
            latency_batch_ms=info.get("latency_batch_ms"),
        )
        if tflite:
            row["tflite_latency_ms"] = info.get("tflite_latency_ms")
        row["epochs"] = info.get("epochs_run")
        if solved:
            row.update(solver=info.get("solver"), solved_l2=info.get("solved_l2"))
        row.update(
            trial_seconds=info.get("trial_seconds"),
            parent=record.values.get(PARENT_KEY),
            morph_ops=_own_ops(record.values),
            hyperparameters=describe_values(record.values),
            message=info["infeasible_reason"] if infeasible else last_line(record.message),
        )
        if screened:
            row["proxy_score"] = record.values.get(SCORE_KEY)
            row["screened"] = record.values.get(SCREENED_KEY)
        if record.worker is not None:
            row["worker"] = record.worker
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    order = sorted(
        range(len(records)),
        key=lambda i: (
            records[i].status != TrialStatus.COMPLETED,
            objective.sort_key(records[i].score),
            records[i].trial_id,
        ),
    )
    table = table.iloc[order].reset_index(drop=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table


def _own_ops(values: Mapping[str, Any]) -> str | None:
    """The trial's own morph ops as text; None for a trial that is not a morph child."""
    try:
        own = split_chain(values)[1]
    except ValueError as error:  # a malformed chain: the trial failed and says why
        return f"(unreadable: {error})"
    return describe_ops(own) if own else None
