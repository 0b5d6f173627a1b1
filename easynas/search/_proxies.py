"""Zero-cost proxies: scores of an untrained candidate that may predict its trained accuracy.

Each proxy looks at a freshly initialised model and one small batch, with no
training (seconds at most; `benchmarks/proxies.py` times them):

- `synflow` (Tanaka et al., 2020): with every weight made non-negative and a
  constant input, the sum over trainable weights of |w * dR/dw|, where R is
  the sum of the network's pre-activation outputs (logits).
- `jacob_cov` (Mellor et al., 2020, the first version of "Neural
  Architecture Search without Training"): how differently the
  network responds to different inputs: from the per-example Jacobians of
  the summed logits with respect to the inputs, the eigenvalues v of their
  correlation matrix give -sum(log(v + k) + 1 / (v + k)), k = 1e-5.
- `naswot` (Mellor et al., 2021): the log-determinant of the kernel
  K[i, j] = number of ReLU units that agree (both active or both inactive)
  on examples i and j; high when the batch's activation patterns differ.
  Swish, GELU and ELU units count as ReLUs (on when their input is positive).
- `grad_norm` (Abdelfattah et al., 2021): the L2 norm of the loss gradient
  over all trainable weights, on one labelled batch.
- `params`: the parameter count, the baseline a proxy must beat.

Higher is "more promising" for every proxy. Weights a proxy changes
(`synflow`) are restored before it returns. A proxy that cannot be computed
for a model (e.g. `jacob_cov` on string inputs, `naswot` without ReLUs)
gives None.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["PROXIES", "grad_norm", "jacob_cov", "naswot", "param_count", "proxy_scores",
           "synflow"]


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _numeric_inputs(x: Any) -> list[np.ndarray] | None:
    """The inputs as float32 arrays, or None if any is not numeric (e.g. strings)."""
    arrays = [np.asarray(a) for a in _as_list(x)]
    if any(not np.issubdtype(a.dtype, np.number) and a.dtype != bool for a in arrays):
        return None
    return [a.astype("float32") for a in arrays]


def _feed(model: keras.Model, arrays: list[Any]) -> Any:
    return arrays if len(model.inputs) > 1 else arrays[0]


def _logits(model: keras.Model, inputs: Any) -> list[Any]:
    """The model's outputs before a final softmax or sigmoid (the outputs themselves otherwise).

    A classification head is a Dense layer with a softmax: its outputs sum to
    one, so R would not depend on the weights; its logits are computed from
    the layer's input and weights instead.
    """
    import tensorflow as tf

    heads = [next(layer for layer in model.layers if layer.output is t) for t in model.outputs]
    squashed = [isinstance(h, keras.layers.Dense)
                and getattr(h.activation, "__name__", "") in ("softmax", "sigmoid")
                for h in heads]
    if not any(squashed):
        return _as_list(model(inputs, training=False))
    features = keras.Model(model.inputs, [h.input if s else h.output
                                          for h, s in zip(heads, squashed)])
    outputs = _as_list(features(_as_list(inputs), training=False))
    return [tf.matmul(o, h.kernel) + (h.bias if h.use_bias else 0.0) if s else o
            for o, h, s in zip(outputs, heads, squashed)]


def synflow(model: keras.Model, x: Any, y: Any = None) -> float | None:
    """SynFlow: the sum of |w * dR/dw| with |weights| and a constant input.

    Only the shape and the largest value of `x` matter. The model's weights
    are restored afterwards.
    """
    import tensorflow as tf

    arrays = _numeric_inputs(x)
    if arrays is None:
        return None
    # The original's all-ones input, scaled to the batch's largest value: our
    # models standardise their inputs first, and a value at least every mean
    # keeps the standardised input non-negative (all ones would fall below the
    # mean of 0-255 pixels and let no ReLU through).
    ones = [np.full((1, *a.shape[1:]), max(float(a.max()), 1.0), dtype="float32")
            for a in arrays]
    saved = [w.numpy() for w in model.weights]
    try:
        for w in model.weights:
            w.assign(tf.abs(w))
        with tf.GradientTape() as tape:
            total = tf.add_n([tf.reduce_sum(tf.cast(o, "float64"))
                              for o in _logits(model, _feed(model, ones))])
        grads = tape.gradient(total, model.trainable_weights)
        score = sum(float(tf.reduce_sum(tf.abs(tf.cast(w, "float64") * tf.cast(g, "float64"))))
                    for w, g in zip(model.trainable_weights, grads) if g is not None)
    finally:
        for w, value in zip(model.weights, saved):
            w.assign(value)
    return score if math.isfinite(score) else None


def jacob_cov(model: keras.Model, x: Any, y: Any = None) -> float | None:
    """Jacobian covariance: -sum(log(v + k) + 1/(v + k)) over the eigenvalues v
    of the correlation matrix of the per-example input Jacobians."""
    import tensorflow as tf

    arrays = _numeric_inputs(x)
    if arrays is None or len(arrays[0]) < 2:
        return None
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        total = tf.add_n([tf.reduce_sum(o) for o in _logits(model, _feed(model, tensors))])
    grads = tape.gradient(total, tensors)
    jacobians = np.concatenate(
        [np.reshape(g.numpy() if g is not None else np.zeros(t.shape), (len(arrays[0]), -1))
         for g, t in zip(grads, tensors)], axis=1).astype("float64")
    if not np.all(np.isfinite(jacobians)) or np.any(jacobians.std(axis=1) == 0):
        return None  # a constant Jacobian row has no correlation
    values = np.linalg.eigvalsh(np.corrcoef(jacobians))
    k = 1e-5
    score = -float(np.sum(np.log(np.clip(values, 0, None) + k) + 1.0 / (np.clip(values, 0, None)
                                                                      + k)))
    return score if math.isfinite(score) else None


# Activations whose output is positive exactly when their input is: the unit is "on".
_GATES = ("relu", "relu6", "silu", "swish", "gelu", "elu", "selu", "leaky_relu")


def _relu_outputs(model: keras.Model) -> list[Any]:
    """Output tensors of the layers that end in a ReLU-like activation (`_GATES`)."""
    tensors = []
    for layer in model.layers:
        activation = getattr(layer, "activation", None)
        name = getattr(activation, "__name__", "")
        if isinstance(layer, keras.layers.ReLU) or name in _GATES:
            tensors.append(layer.output)
    return tensors


def naswot(model: keras.Model, x: Any, y: Any = None) -> float | None:
    """NASWOT: log|K| for K[i, j] = the ReLUs on which examples i and j agree."""
    arrays = _numeric_inputs(x)
    relus = _relu_outputs(model)
    if arrays is None or not relus or len(arrays[0]) < 2:
        return None
    probe = keras.Model(model.inputs, relus)
    outputs = _as_list(probe(arrays, training=False))
    codes = np.concatenate([np.reshape(np.asarray(o) > 0, (len(arrays[0]), -1))
                            for o in outputs], axis=1).astype("float32")
    kernel = (codes @ codes.T + (1.0 - codes) @ (1.0 - codes).T).astype("float64")
    sign, logdet = np.linalg.slogdet(kernel)
    return float(logdet) if sign > 0 and math.isfinite(logdet) else None


def grad_norm(model: keras.Model, x: Any, y: Any) -> float | None:
    """The L2 norm of the gradient of the model's compiled loss on `(x, y)`."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=prediction)
    grads = [g for g in tape.gradient(loss, model.trainable_weights) if g is not None]
    if not grads:
        return None
    score = float(tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(tf.cast(g, "float64")))
                                    for g in grads])))
    return score if math.isfinite(score) else None


def param_count(model: keras.Model, x: Any = None, y: Any = None) -> float:
    """The parameter count (the baseline: bigger models often train to higher accuracy)."""
    return float(model.count_params())


PROXIES: dict[str, Callable[[keras.Model, Any, Any], float | None]] = {
    "synflow": synflow,
    "jacob_cov": jacob_cov,
    "naswot": naswot,
    "grad_norm": grad_norm,
    "params": param_count,
}


def proxy_scores(model: keras.Model, x: Any, y: Any,
                 proxies: Sequence[str] = tuple(PROXIES)) -> dict[str, float | None]:
    """Every named proxy's score of an untrained model on one small batch.

    Args:
        model: A freshly built, compiled candidate (its weights are left as they were).
        x: A small batch of inputs (an array, or a list for several inputs), e.g. 32-64 rows.
        y: Their targets, as the model's loss takes them (for `grad_norm`).
        proxies: Names among `PROXIES`.

    Returns:
        `{name: score}`, None where a proxy could not be computed (the reason is logged).

    Raises:
        ValueError: For an unknown proxy name.
    """
    unknown = [p for p in proxies if p not in PROXIES]
    if unknown:
        raise ValueError(f"Unknown proxies {unknown}; expected names among {sorted(PROXIES)}.")
    scores: dict[str, float | None] = {}
    for name in proxies:
        try:
            scores[name] = PROXIES[name](model, x, y)
        except Exception as error:  # a proxy is advisory: report and carry on without it
            logger.warning("Could not compute the %s proxy: %s", name, error)
            scores[name] = None
    return scores
