"""Reading and sampling a KerasTuner hyperparameter space with public API only."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras_tuner

__all__ = ["active_values", "defaults", "mutate", "preset_values", "sample", "sample_one"]


def _kind(hp: Any) -> str:
    return type(hp).__name__


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def sample_one(hp: Any, rng: np.random.Generator) -> Any:
    """A random value of one hyperparameter, as a Python scalar."""
    kind = _kind(hp)
    if kind == "Choice":
        return _python(hp.values[int(rng.integers(len(hp.values)))])
    if kind == "Boolean":
        return bool(rng.random() < 0.5)
    if kind == "Fixed":
        return hp.value
    if kind == "Int":
        step = hp.step or 1
        if hp.sampling == "log":
            value = math.exp(rng.uniform(math.log(hp.min_value), math.log(hp.max_value)))
            return int(min(hp.max_value, max(hp.min_value, round(value))))
        count = (hp.max_value - hp.min_value) // step + 1
        return int(hp.min_value + step * int(rng.integers(count)))
    if kind == "Float":
        if hp.sampling == "log":
            return float(math.exp(rng.uniform(math.log(hp.min_value), math.log(hp.max_value))))
        value = float(rng.uniform(hp.min_value, hp.max_value))
        if hp.step:
            value = hp.min_value + round((value - hp.min_value) / hp.step) * hp.step
        return float(min(hp.max_value, value))
    raise TypeError(f"Cannot sample a hyperparameter of type {kind}.")


def _fill(space: keras_tuner.HyperParameters, choose) -> dict[str, Any]:
    """Walk the space in declaration order, giving each active hp a value."""
    hps = space.copy()
    hps.values = {}
    for hp in hps.space:
        if hps.is_active(hp):
            hps.values[hp.name] = choose(hp)
    return dict(hps.values)


def defaults(space: keras_tuner.HyperParameters) -> dict[str, Any]:
    """Every active hyperparameter at its default value."""
    return _fill(space, lambda hp: _python(hp.default))


def sample(space: keras_tuner.HyperParameters, rng: np.random.Generator) -> dict[str, Any]:
    """A uniformly random candidate (conditional hyperparameters respected)."""
    return _fill(space, lambda hp: sample_one(hp, rng))


def active_values(
    space: keras_tuner.HyperParameters, values: dict[str, Any]
) -> dict[str, Any]:
    """Complete `values` into a full candidate: given values kept where valid,
    defaults elsewhere, inactive entries dropped.

    Entries of `values` that are not hyperparameters of the space (e.g. a parent
    trial id) are kept as they are.
    """
    names = {hp.name for hp in space.space}

    def choose(hp):
        if hp.name in values and _is_valid(hp, values[hp.name]):
            return _python(values[hp.name])
        return _python(hp.default)

    filled = _fill(space, choose)
    filled.update({k: v for k, v in values.items() if k not in names})
    return filled


def preset_values(
    space: keras_tuner.HyperParameters, preset: dict[str, Any]
) -> dict[str, Any]:
    """Complete a known-good (partial) candidate into a full one (`active_values`),
    dropping its entries that name no hyperparameter of this space.

    A task's presets are written for every data set; a category encoding, say,
    is no hyperparameter of a table without categories. Kept, it would make
    the preset's values differ from the same candidate reached by a mutation.
    """
    names = {hp.name for hp in space.space}
    return active_values(space, {k: v for k, v in preset.items() if k in names})


def _is_valid(hp: Any, value: Any) -> bool:
    kind = _kind(hp)
    if kind == "Choice":
        return any(type(value) is type(v) and value == v for v in map(_python, hp.values))
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "Fixed":
        return value == hp.value
    if kind in ("Int", "Float"):
        return hp.min_value <= value <= hp.max_value
    return False


def mutate(
    space: keras_tuner.HyperParameters,
    values: dict[str, Any],
    rng: np.random.Generator,
    num_changes: int = 1,
) -> dict[str, Any]:
    """A neighbour of `values`: `num_changes` active hyperparameters redrawn to a
    different value, the rest kept (conditional children follow their parent).
    """
    current = active_values(space, values)
    hps = space.copy()
    hps.values = dict(current)
    changeable = [
        hp for hp in hps.space
        if hps.is_active(hp) and _kind(hp) != "Fixed" and _cardinality(hp) > 1
    ]
    if not changeable:
        return current
    picks = rng.choice(len(changeable), size=min(num_changes, len(changeable)), replace=False)
    changed = dict(current)
    for index in picks:
        hp = changeable[int(index)]
        for _ in range(20):
            value = sample_one(hp, rng)
            if value != current.get(hp.name):
                break
        changed[hp.name] = value
    return active_values(space, changed)


def _cardinality(hp: Any) -> float:
    kind = _kind(hp)
    if kind == "Choice":
        return len(hp.values)
    if kind == "Boolean":
        return 2
    if kind == "Int":
        return (hp.max_value - hp.min_value) // (hp.step or 1) + 1
    return math.inf
