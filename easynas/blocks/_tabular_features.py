"""Reading the preprocessed vector of a `TabularInput` (helpers of the tabular blocks)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import keras

from easynas.data._spec import TabularSpec

__all__ = ["TabularFeatures", "split_features", "tabular_spec", "when"]


class TabularFeatures:
    """The parts of a preprocessed table row.

    Attributes:
        scalars: `(n, scalar_width)` float tensor, or None if there are none.
        texts: One `(n, width)` TF-IDF tensor per text column.
        categories: One `(column, index, cardinality)` per categorical column;
            `index` is an int32 `(n,)` tensor in `[0, cardinality)`.
    """

    def __init__(self, scalars: Any, texts: list[Any], categories: list[tuple[str, Any, int]]):
        self.scalars = scalars
        self.texts = texts
        self.categories = categories


def tabular_spec(owner: str, inputs: Sequence[Any], input_specs: Sequence[Any] | None) -> Any:
    """The `TabularSpec` of a block's single input.

    Raises:
        ValueError: If the block reads more than one node, or a node that is not
            a `TabularInput` (another block's output has no column layout).
    """
    specs = list(input_specs or [None] * len(inputs))
    if len(inputs) != 1 or not isinstance(specs[0], TabularSpec):
        raise ValueError(
            f"{owner} must read a TabularInput directly (it needs the table's column "
            f"layout). Received: {len(inputs)} input(s) with specs "
            f"{[type(s).__name__ for s in specs]}"
        )
    return specs[0]


def split_features(x: Any, spec: TabularSpec) -> TabularFeatures:
    """Cut the preprocessed vector `x` into the parts `spec` lays out."""
    width = spec.scalar_width
    scalars = x[:, :width] if width else None
    texts = [x[:, start : start + size] for _, start, size in spec.text_slices]
    categories = [
        (column, keras.ops.cast(x[:, position], "int32"), cardinality)
        for column, position, cardinality in spec.categorical_slices
    ]
    return TabularFeatures(scalars, texts, categories)


def when(hp, name: str, values: Sequence[Any]) -> contextlib.AbstractContextManager:
    """A conditional scope on hyperparameter `name` (in the current scope) taking
    one of `values`, if it was registered; a fixed argument registers none."""
    if name in hp:
        return hp.conditional_scope(name, list(values))
    return contextlib.nullcontext()
