"""What a candidate costs to deploy, measured before it trains, and its limits.

`CostMeter.measure` takes a freshly built (untrained) model: its parameter
count, FLOPs, serialized size and inference latency do not depend on the
weights' values, so everything is known before training, and a candidate over
a limit (`CostLimits`) is rejected at once: `InfeasibleCandidate` carries the
reason and what was measured. The cheap facts come first (parameters, then
size), so an over-sized candidate is never timed.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from easynas.search._flops import count_flops

logger = logging.getLogger(__name__)

__all__ = [
    "COST_KEYS", "COST_OBJECTIVES", "CostLimits", "CostMeter", "InfeasibleCandidate",
    "latency_ms", "serialized_bytes", "tflite_latency_ms",
]

# Objective names a multi-objective search takes, and the cost (all minimised) each reads.
COST_OBJECTIVES = {
    "latency": "latency_ms",
    "latency_batch": "latency_batch_ms",
    "tflite_latency": "tflite_latency_ms",
    "params": "params",
    "size": "size_bytes",
    "flops": "flops",
}
# The numeric costs `CostMeter.measure` records (a trial record's `costs`).
COST_KEYS = ("params", "flops", "size_bytes", "latency_ms", "latency_batch",
             "latency_batch_ms", "tflite_latency_ms")
_MB = 1024 * 1024


class InfeasibleCandidate(Exception):
    """A candidate over a cost limit; `costs` holds what was measured."""

    def __init__(self, reason: str, costs: dict[str, Any]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.costs = costs


@dataclass(frozen=True)
class CostLimits:
    """Upper limits on a candidate's cost; None for no limit.

    Args:
        max_params: Most parameters (trainable and not).
        max_latency_ms: Most milliseconds of one batch-1 forward pass (of the
            TFLite model when its latency is measured, else of the Keras model).
        max_size_mb: Most MiB of the saved `.keras` file.
    """

    max_params: int | None = None
    max_latency_ms: float | None = None
    max_size_mb: float | None = None

    def any(self) -> bool:
        """Whether any limit is set."""
        return any(v is not None for v in (self.max_params, self.max_latency_ms,
                                           self.max_size_mb))

    def violation(self, costs: dict[str, Any]) -> str | None:
        """Why `costs` break a limit (the first broken one), or None.

        Costs not measured (absent or None) break nothing.
        """
        params, size = costs.get("params"), costs.get("size_bytes")
        if self.max_params is not None and params is not None and params > self.max_params:
            return f"{params:,} parameters > max_params={self.max_params:,}"
        if self.max_size_mb is not None and size is not None and size > self.max_size_mb * _MB:
            return f"size {size / _MB:.3f} MB > max_size_mb={self.max_size_mb:g}"
        latency = _limited_latency(costs)
        if self.max_latency_ms is not None and latency is not None and (
            latency > self.max_latency_ms
        ):
            return f"latency {latency:.3f} ms > max_latency_ms={self.max_latency_ms:g}"
        return None

    def get_config(self) -> dict[str, Any]:
        return {"max_params": self.max_params, "max_latency_ms": self.max_latency_ms,
                "max_size_mb": self.max_size_mb}


def _limited_latency(costs: dict[str, Any]) -> float | None:
    tflite = costs.get("tflite_latency_ms")
    return tflite if tflite is not None else costs.get("latency_ms")


@dataclass(frozen=True)
class CostMeter:
    """Measures a built candidate's costs and checks them against limits.

    Args:
        limits: The limits to enforce.
        batch_size: The larger batch whose latency is also measured.
        repeats: Timed forward passes at batch 1 (the median is kept); the
            larger batch gets a quarter as many (at least 3).
        tflite: Also convert the model to TFLite and time it in the LiteRT
            interpreter (needs `ai-edge-litert`; seconds per candidate).
    """

    limits: CostLimits = field(default_factory=CostLimits)
    batch_size: int = 32
    repeats: int = 20
    tflite: bool = False

    def measure(self, model: keras.Model, x: Any) -> dict[str, Any]:
        """The costs of `model`, measured on rows of `x`.

        Args:
            model: The built, untrained candidate.
            x: Training inputs (an array, or a list or dict of arrays); the
                latency is timed on their first rows.

        Returns:
            `params`, `flops`, `size_bytes`, `latency_ms` (batch 1),
            `latency_batch` and `latency_batch_ms`, `tflite_latency_ms` (when
            measured), `cost_seconds` (the time measuring took) and `feasible`.

        Raises:
            InfeasibleCandidate: When a limit is broken (its `costs` hold what
                was measured until then).
        """
        started = time.perf_counter()
        costs: dict[str, Any] = {"params": int(model.count_params())}
        self._check(costs, started)
        try:
            costs["flops"] = count_flops(model)
        except Exception as error:  # informative only: never fail a trial on it
            logger.warning("Could not count FLOPs: %s", error)
            costs["flops"] = None
        costs["size_bytes"] = serialized_bytes(model)
        self._check(costs, started)
        costs["latency_ms"] = latency_ms(model, x, 1, self.repeats)
        costs["latency_batch"] = int(self.batch_size)
        costs["latency_batch_ms"] = latency_ms(
            model, x, self.batch_size, max(3, self.repeats // 4)
        )
        if self.tflite:
            costs["tflite_latency_ms"] = tflite_latency_ms(model, x, self.repeats)
        self._check(costs, started)
        costs["feasible"] = True
        costs["cost_seconds"] = time.perf_counter() - started
        return costs

    def _check(self, costs: dict[str, Any], started: float) -> None:
        reason = self.limits.violation(costs)
        if reason is not None:
            costs["feasible"] = False
            costs["infeasible_reason"] = reason
            costs["cost_seconds"] = time.perf_counter() - started
            raise InfeasibleCandidate(f"Infeasible candidate, not trained: {reason}.", costs)

    def get_config(self) -> dict[str, Any]:
        return {"limits": self.limits.get_config(), "batch_size": self.batch_size,
                "repeats": self.repeats, "tflite": self.tflite}


def serialized_bytes(model: keras.Model) -> int:
    """Bytes of `model` saved as a `.keras` file (architecture, weights, vocabularies)."""
    with tempfile.TemporaryDirectory(prefix="easynas-size-") as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return int(os.path.getsize(path))


def _rows(data: Any, n: int) -> Any:
    """The first `n` rows of an array (repeated when it has fewer), or of each in a list/dict."""
    if isinstance(data, dict):
        return {k: _rows(v, n) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_rows(v, n) for v in data]
    return np.take(np.asarray(data), np.arange(n) % len(data), axis=0)


def latency_ms(model: keras.Model, x: Any, batch: int = 1, repeats: int = 20,
               max_seconds: float = 1.0) -> float | None:
    """Median milliseconds of one compiled forward pass on `batch` rows of `x`.

    An untimed pass comes first (tracing), and a second one (warm-up) when
    the first took less than `max_seconds`. Then up to `repeats` timed passes,
    stopping early (after at least one) once they have taken `max_seconds`,
    so that a slow candidate's cost is measured in seconds, not minutes.
    Returns None (and logs a warning) when the model cannot be run this way.
    """
    import tensorflow as tf

    try:
        sample = _rows(x, batch)
        forward = tf.function(lambda t: model(t, training=False))
        start = time.perf_counter()
        forward(sample)
        if time.perf_counter() - start < max_seconds:
            forward(sample)
        times: list[float] = []
        while len(times) < repeats and (not times or sum(times) < max_seconds):
            start = time.perf_counter()
            forward(sample)
            times.append(time.perf_counter() - start)
        return 1000.0 * float(np.median(times))
    except Exception as error:  # latency is informative only; never fail a trial on it
        logger.warning("Could not time inference: %s", error)
        return None


def tflite_latency_ms(model: keras.Model, x: Any, repeats: int = 20) -> float | None:
    """Median milliseconds of one batch-1 inference in the LiteRT interpreter.

    The model is converted with TFLite builtin ops only (as the TFLite export
    does). Returns None (with a warning) for a model that does not convert
    or whose inputs cannot be fed from `x` (e.g. strings).

    Raises:
        ImportError: Without `ai-edge-litert` (`pip install 'easynas[tflite]'`).
    """
    import tensorflow as tf

    from easynas.export._optional import require

    interpreter_module = require("ai_edge_litert.interpreter")
    try:
        with tempfile.TemporaryDirectory(prefix="easynas-tflite-") as folder:
            path = os.path.join(folder, "model.tflite")
            model.export(path, format="litert", verbose=False,
                         target_spec={"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]})
            interpreter = interpreter_module.Interpreter(model_path=path, num_threads=1)
        details = interpreter.get_input_details()
        arrays = x if isinstance(x, (list, tuple)) else [x]
        if isinstance(x, dict) or len(details) != len(arrays):
            raise ValueError("only models whose inputs are arrays in order can be timed")
        for detail, array in zip(details, arrays):
            row = np.asarray(_rows(array, 1)).astype(detail["dtype"])
            interpreter.resize_tensor_input(detail["index"], list(row.shape))
        interpreter.allocate_tensors()
        for detail, array in zip(interpreter.get_input_details(), arrays):
            interpreter.set_tensor(detail["index"],
                                   np.asarray(_rows(array, 1)).astype(detail["dtype"]))
        interpreter.invoke()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            interpreter.invoke()
            times.append(time.perf_counter() - start)
        return 1000.0 * float(np.median(times))
    except Exception as error:  # informative only
        logger.warning("Could not time the TFLite model: %s", error)
        return None

