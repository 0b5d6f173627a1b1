"""What every export records beside it, and the check of a converted model's outputs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from easynas.data._spec import ClassificationTargetSpec

__all__ = ["ATOL", "RTOL", "check_outputs", "export_facts", "write_json"]

# A converted model's outputs must match the Keras model's within
# |got - expected| <= ATOL + RTOL * |expected| (probabilities: 1e-4 absolute).
ATOL = 1e-4
RTOL = 1e-4


def export_facts(spec: Any, head_names: list[str]) -> dict[str, Any]:
    """The classes of each classification head and the data spec."""
    return {
        "classes": {
            head: list(head_spec.classes)
            for head, head_spec in zip(head_names, spec.targets)
            if isinstance(head_spec, ClassificationTargetSpec)
        },
        "spec": spec.to_dict(),
    }


def write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def check_outputs(
    expected: dict[str, np.ndarray], got: dict[str, np.ndarray], what: str
) -> float:
    """Raise RuntimeError unless `got` matches `expected` (ATOL, RTOL); return the
    largest absolute difference."""
    if set(got) != set(expected):
        raise RuntimeError(f"The {what} returns {sorted(got)}; expected {sorted(expected)}.")
    worst = 0.0
    for key, value in expected.items():
        other = np.asarray(got[key])
        if other.shape != value.shape:
            raise RuntimeError(
                f"The {what}'s {key!r} output has shape {other.shape}; expected {value.shape}."
            )
        if not np.allclose(other, value, rtol=RTOL, atol=ATOL):
            difference = float(np.max(np.abs(other - value)))
            raise RuntimeError(
                f"The {what}'s {key!r} output differs from the Keras model's by up to "
                f"{difference:.3g} (allowed: {ATOL} + {RTOL} * |value|); nothing was written."
            )
        worst = max(worst, float(np.max(np.abs(other - value))) if value.size else 0.0)
    return worst
