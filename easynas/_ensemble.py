"""Ensembles of the finalists: weights chosen on out-of-fold predictions, one flat Keras model.

After the finalists' cross-validation (`easynas._finalists`) every finalist
has predicted every row of training + validation data once, from a model
that did not train on it. `select_weights` grows a weighted average of
those predictions by greedy forward selection with replacement (Caruana
et al., "Ensemble selection from libraries of models", ICML 2004): each of
`ROUNDS` steps adds one more share of whichever finalist improves the
averaged objective most, and the best mix met on the way (the earliest, on
ties) is kept; so the weights are multiples of 1/`ROUNDS` at most, and a
finalist that helps nothing gets none. Two good models that err on
different rows (a linear model and an MLP, say) average to a better one
than either. When no mix beats the best finalist alone, the selection is
that one finalist; a mix of two or more is deployed only when it also wins
the finalists' one-standard-error rule (`easynas._finalists.ensemble_verdict`).

`assemble` makes the ensemble one flat functional model: each member's
layers are cloned onto shared inputs (their names prefixed by the member),
and its outputs are weighted and added per head. It is a stock Keras model
like any single candidate, so `predict`, `.keras` saving, the SavedModel's
raw-column signature and the TFLite / ONNX numeric-input cut all work on it
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

    from easynas.search._records import Objective

__all__ = ["CHECK_ROWS", "ENSEMBLE_NAME", "ROUNDS", "TOLERANCE", "assemble", "combine",
           "heaviest", "member_prefix", "mismatch", "outputs_of", "select_weights"]

# Selection steps: weights come in twentieths. More steps fit the out-of-fold
# rows finer, which on a few hundred rows is fitting their noise.
ROUNDS = 20
ENSEMBLE_NAME = "easynas_ensemble"
# `mismatch` compares an assembled ensemble with its members on this many
# rows; float32 sums of the same numbers in another order differ by ~1e-7.
CHECK_ROWS = 64
TOLERANCE = 1e-4


def combine(predictions: Mapping[str, Sequence[np.ndarray]],
            weights: Mapping[str, float]) -> list[np.ndarray]:
    """The weighted sum of members' predictions, per head.

    Args:
        predictions: Per trial id, one array per head.
        weights: Per trial id (members absent here weigh nothing).
    """
    members = [t for t, w in weights.items() if w > 0]
    heads = len(predictions[members[0]])
    return [sum(weights[t] * np.asarray(predictions[t][h], dtype="float64") for t in members)
            .astype("float32") for h in range(heads)]


def select_weights(
    predictions: Mapping[str, Sequence[np.ndarray]],
    score: Callable[[list[np.ndarray]], float | None],
    objective: Objective,
    order: Sequence[str],
    rounds: int = ROUNDS,
) -> dict[str, Any]:
    """Ensemble weights by greedy forward selection with replacement.

    Args:
        predictions: Each finalist's out-of-fold predictions (one array per
            head, rows aligned across finalists), by trial id.
        score: Averaged predictions -> the objective on those rows (None if
            it cannot be computed).
        objective: Its direction says which score is better.
        order: Trial ids in rank order; they break ties.
        rounds: Selection steps.

    Returns:
        {"weights": {trial id: weight}, weights summing to 1, in rank order,
        zero-weight finalists left out: the best mix met in `rounds` steps,
        the earliest of equals; "score": the ensemble's score;
        "scores": each finalist's own score}. One finalist with weight 1
        means no mix beat the best alone.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}.")
    candidates = [t for t in order if t in predictions]
    alone: dict[str, float] = {}
    for trial_id in candidates:
        value = score([np.asarray(p) for p in predictions[trial_id]])
        if value is not None and math.isfinite(value):
            alone[trial_id] = float(value)
    if not alone:
        raise ValueError("No finalist's out-of-fold predictions could be scored.")
    candidates = [t for t in candidates if t in alone]
    counts: dict[str, int] = dict.fromkeys(candidates, 0)
    kept: tuple[float, dict[str, int]] | None = None  # the best mix so far, and its counts
    for step in range(1, rounds + 1):
        step_best: tuple[float, str] | None = None
        for trial_id in candidates:
            trial_counts = {**counts, trial_id: counts[trial_id] + 1}
            value = score(combine(predictions, {t: c / step for t, c in trial_counts.items()}))
            if value is None or not math.isfinite(value):
                continue
            # Ties keep the earlier (better ranked) finalist.
            if step_best is None or objective.sort_key(value) < objective.sort_key(step_best[0]):
                step_best = (float(value), trial_id)
        if step_best is None:
            break
        counts[step_best[1]] += 1
        # A later step must improve strictly to replace the kept mix: a share
        # that changes nothing (a tie) is not worth another network.
        if kept is None or objective.sort_key(step_best[0]) < objective.sort_key(kept[0]):
            kept = (step_best[0], dict(counts))
    if kept is None:  # the finalists scored alone, yet no mix of them could be
        raise ValueError("No mix of the finalists' out-of-fold predictions could be scored.")
    value, kept_counts = kept
    total = sum(kept_counts.values())
    weights = {t: kept_counts[t] / total for t in candidates if kept_counts[t]}
    return {"weights": weights, "score": value, "scores": alone}


def heaviest(weights: Mapping[str, float]) -> str:
    """The member with the largest weight (the first in rank order, on ties): the trial
    that stands for the ensemble as the estimator's `best_trial_id_`."""
    return max(weights, key=lambda t: weights[t])


def member_prefix(index: int) -> str:
    """The prefix of member `index`'s layer names in an assembled ensemble."""
    return f"member{index}_"


def assemble(members: Sequence[keras.Model], weights: Sequence[float],
             name: str = ENSEMBLE_NAME) -> keras.Model:
    """One flat, compiled functional model: the weighted sum of `members`' outputs.

    Every member must take the same inputs (names, shapes, dtypes) and have
    the same outputs, as candidates of one search do. Each member's layers
    are cloned onto the shared inputs with `member_prefix(i)` before their
    names and given the member's weights; each head's outputs are scaled by
    the weights (`Rescaling`) and added (`Add`, named as the head's output
    layer). The ensemble is compiled as the first member was.

    Args:
        members: Trained functional models.
        weights: One per member, summing to 1.
        name: The ensemble model's name.
    """
    import keras

    if len(members) != len(weights) or len(members) < 2:
        raise ValueError(f"An ensemble needs two or more members with a weight each; got "
                         f"{len(members)} members and {len(weights)} weights.")
    if not math.isclose(sum(weights), 1.0, rel_tol=1e-6):
        raise ValueError(f"Ensemble weights must sum to 1; got {list(weights)}.")
    first = members[0]
    inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype, name=layer_name)
              for t, layer_name in zip(first.inputs, _input_names(first))]
    per_head: list[list[Any]] = [[] for _ in first.outputs]
    for index, (member, weight) in enumerate(zip(members, weights)):
        if _input_names(member) != _input_names(first) or len(member.outputs) != len(per_head):
            raise ValueError(f"Member {index} takes other inputs or gives other outputs than "
                             "member 0; an ensemble's members must come from one search.")
        clone = _clone_onto(member, inputs, member_prefix(index))
        for head, output in enumerate(clone.outputs):
            per_head[head].append(
                keras.layers.Rescaling(float(weight), name=f"{member_prefix(index)}weight_{head}")
                (output))
    outputs = [keras.layers.Add(name=_output_layer_name(first, head))(tensors)
               for head, tensors in enumerate(per_head)]
    ensemble = keras.Model(inputs if len(inputs) > 1 else inputs[0],
                           outputs if len(outputs) > 1 else outputs[0], name=name)
    config = first.get_compile_config()
    if config:
        ensemble.compile_from_config(config)
    return ensemble


def _input_names(model: keras.Model) -> list[str]:
    return [t.name for t in model.inputs]


def _output_layer_name(model: keras.Model, head: int) -> str:
    """The name of the layer that makes `model`'s output `head` (the head's name)."""
    return model.output_names[head] if hasattr(model, "output_names") else f"output_{head}"


def _clone_onto(member: keras.Model, inputs: list[Any], prefix: str) -> keras.Model:
    """`member`'s graph rebuilt on `inputs` with renamed layers holding its weights."""
    import keras

    def renamed(layer: Any) -> Any:
        config = layer.get_config()
        config["name"] = prefix + layer.name
        return type(layer).from_config(config)

    clone = keras.models.clone_model(member, input_tensors=inputs if len(inputs) > 1
                                     else inputs[0], clone_function=renamed)
    sources = {layer.name: layer for layer in member.layers}
    for layer in clone.layers:
        source = sources.get(layer.name[len(prefix):]) if layer.name.startswith(prefix) else None
        if source is not None and source.weights:
            layer.set_weights(source.get_weights())
    return clone


def outputs_of(model: keras.Model, x: Sequence[np.ndarray]) -> list[np.ndarray]:
    """`model`'s outputs on `x` (one array per model input), one NumPy array per head."""
    import keras

    values = model(list(x) if len(x) > 1 else x[0], training=False)
    return [np.asarray(keras.ops.convert_to_numpy(v))
            for v in (values if isinstance(values, (list, tuple)) else [values])]


def mismatch(ensemble: keras.Model, members: Sequence[keras.Model], weights: Sequence[float],
             x: Sequence[np.ndarray]) -> float:
    """The largest absolute difference between `ensemble`'s outputs on `x` and its
    members' outputs weighted and summed (0 when assembly kept every layer's state)."""
    expected = combine({str(i): outputs_of(m, x) for i, m in enumerate(members)},
                       {str(i): float(w) for i, w in enumerate(weights)})
    return max(float(np.max(np.abs(a - b), initial=0.0))
               for a, b in zip(outputs_of(ensemble, x), expected))
