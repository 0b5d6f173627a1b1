"""The estimators' cost arguments: limits, objectives, and what they pick.

`max_params`, `max_latency_ms`, `max_size_mb`, `objectives` and
`measure_tflite` are checked here when `fit` starts (after the constraint
table), turned into the search's `CostMeter` and `ParetoObjectives`, and used
again at the end: the model a search returns is never over a limit, and with
several objectives its Pareto front is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from easynas import _validation as v
from easynas.exceptions import InvalidParameterError
from easynas.search._costs import COST_OBJECTIVES, CostLimits, CostMeter
from easynas.search._pareto import ParetoObjectives
from easynas.search._records import Objective, TrialRecord, TrialStatus

__all__ = [
    "COST_CONSTRAINTS", "COST_OBJECTIVES", "CostLimits", "check_cost_options", "cost_meter",
    "eligible", "limits_of", "pareto_of", "primary_objective", "valid_objectives",
]

_DEFAULT_OBJECTIVE = "val_loss"


def valid_objectives(value: Any) -> bool:
    """Whether `value` is a list of a metric name followed by distinct cost names."""
    return (
        isinstance(value, (list, tuple)) and len(value) >= 2
        and all(isinstance(name, str) and name for name in value)
        and len(set(value)) == len(value)
        and value[0] not in COST_OBJECTIVES
        and all(name in COST_OBJECTIVES for name in value[1:])
    )


COST_CONSTRAINTS: dict[str, list] = {
    "max_params": [v.NONE, v.Interval(int, 1, None)],
    "max_latency_ms": [v.NONE, v.Interval(float, 0.0, None, closed="neither")],
    "max_size_mb": [v.NONE, v.Interval(float, 0.0, None, closed="neither")],
    "objectives": [v.NONE, v.Satisfies(
        valid_objectives,
        "None or a list of at least two distinct names: a metric first (e.g. "
        "'val_accuracy'), then costs among " + ", ".join(repr(k) for k in COST_OBJECTIVES),
    )],
    "measure_tflite": [v.InstanceOf(bool)],
}


def check_cost_options(params: dict[str, Any], owner: str) -> None:
    """Checks across the cost arguments, after each passed its own constraint.

    Raises:
        InvalidParameterError: `objectives` disagrees with `objective`, or asks
            for the TFLite latency without `measure_tflite=True`.
        ImportError: `measure_tflite=True` without `ai-edge-litert`.
    """
    objectives, objective = params.get("objectives"), params.get("objective")
    if objectives is not None:
        primary = objective[0] if isinstance(objective, tuple) else objective
        if primary not in (_DEFAULT_OBJECTIVE, objectives[0]):
            raise InvalidParameterError(
                f"The 'objectives' parameter of {owner} starts with {objectives[0]!r} but "
                f"'objective' is {objective!r}; the first objective is the one the search "
                "trains for, so leave 'objective' unset or make them agree. "
                f"Got objectives={list(objectives)!r} instead."
            )
        if "tflite_latency" in objectives and not params.get("measure_tflite"):
            raise InvalidParameterError(
                f"The 'objectives' parameter of {owner} names 'tflite_latency', which is "
                f"measured only with measure_tflite=True. Got objectives={list(objectives)!r} "
                "and measure_tflite=False instead."
            )
    if params.get("measure_tflite"):
        from easynas.export._optional import require

        require("ai_edge_litert.interpreter")


def limits_of(params: dict[str, Any]) -> CostLimits:
    """The cost limits an estimator's parameters set."""
    size = params.get("max_size_mb")
    latency = params.get("max_latency_ms")
    return CostLimits(
        max_params=params.get("max_params"),
        max_latency_ms=None if latency is None else float(latency),
        max_size_mb=None if size is None else float(size),
    )


def cost_meter(params: dict[str, Any], batch_size: int) -> CostMeter:
    """The `CostMeter` for a search: its limits, the training batch size for
    the batch latency, and the TFLite timing if asked for."""
    return CostMeter(limits=limits_of(params), batch_size=int(batch_size),
                     tflite=bool(params.get("measure_tflite")))


def primary_objective(params: dict[str, Any], parse: Any) -> Objective:
    """The objective the search trains for: `objectives[0]` if given, else `objective`."""
    objectives = params.get("objectives")
    return parse(objectives[0] if objectives else params["objective"])


def pareto_of(params: dict[str, Any], primary: Objective) -> ParetoObjectives | None:
    """The search's `ParetoObjectives`, or None for a single objective."""
    objectives = params.get("objectives")
    if not objectives:
        return None
    return ParetoObjectives(primary, (primary.name, *objectives[1:]))


def eligible(records: Sequence[TrialRecord], limits: CostLimits) -> list[TrialRecord]:
    """Completed trials within the limits (a resumed search may have tighter ones)."""
    return [r for r in records
            if r.status == TrialStatus.COMPLETED and limits.violation(r.costs) is None]
