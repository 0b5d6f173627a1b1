"""Merge: joins the branches of a multi-input graph into one feature vector."""

from __future__ import annotations

from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._tabular_features import when

__all__ = ["Merge"]

MERGE_TYPES = ("concatenate", "add", "gated")


@keras.saving.register_keras_serializable(package="easynas")
class Merge(Block):
    """Joins several branches (one per input, say) into one feature vector.

    Each branch is first made a vector: a feature map is averaged over its
    positions, a sequence over its steps. Then, by `merge_type`:

    - "concatenate": the vectors side by side (no new weights);
    - "add": each vector projected to `units` by a dense layer, then summed;
    - "gated": each vector projected to `units`, and each projection scaled
      by a learned sigmoid gate computed from all of them together, then
      summed; a branch that does not help can be gated off, sample by
      sample (in the spirit of gated multimodal units).

    Only stock Keras layers are used, so exports load without easynas.

    Args:
        merge_type: How to join. Searched in {"concatenate", "add", "gated"},
            "concatenate" first.
        units: Width of the projections of "add" and "gated". Searched in
            {32, 64, 128}, 64 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> image, table = en.ImageInput(), en.TabularInput()
    >>> merged = en.blocks.Merge()([en.blocks.ImageBlock()(image),
    ...                             en.blocks.TabularBlock()(table)])
    """

    def __init__(
        self,
        merge_type: str | list[str] | None = None,
        units: int | list[int] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(owner, "merge_type", merge_type, _checks.one_of(*MERGE_TYPES),
                         f"one of {list(MERGE_TYPES)}")
        check_searchable(owner, "units", units, _checks.positive_int, "a positive int")
        self.merge_type = merge_type
        self.units = units

    def build(self, hp, inputs: list[Any]) -> Any:
        vectors = [self._vector(x, i) for i, x in enumerate(inputs)]
        if len(vectors) == 1:
            return vectors[0]
        merge_type = str(self.searched(hp, "merge_type", list(MERGE_TYPES)))
        if merge_type == "concatenate":
            return keras.layers.Concatenate(axis=-1, name=self.layer_name("concat"))(vectors)
        with when(hp, "merge_type", ["add", "gated"]):
            units = int(self.searched(hp, "units", [32, 64, 128], default=64))
        projected = [
            keras.layers.Dense(units, activation="relu", name=self.layer_name("project", i))(v)
            for i, v in enumerate(vectors)
        ]
        if merge_type == "gated":
            joined = keras.layers.Concatenate(axis=-1, name=self.layer_name("gate_input"))(
                projected
            )
            projected = [
                keras.layers.Multiply(name=self.layer_name("gated", i))([
                    keras.layers.Dense(units, activation="sigmoid",
                                       name=self.layer_name("gate", i))(joined),
                    p,
                ])
                for i, p in enumerate(projected)
            ]
        return keras.layers.Add(name=self.layer_name("add"))(projected)

    def _vector(self, x: Any, index: int) -> Any:
        """A branch as a (batch, features) tensor."""
        rank = len(x.shape)
        if rank == 4:
            return keras.layers.GlobalAveragePooling2D(name=self.layer_name("pool", index))(x)
        if rank == 3:
            return keras.layers.GlobalAveragePooling1D(name=self.layer_name("pool", index))(x)
        if rank != 2:
            x = keras.layers.Flatten(name=self.layer_name("flatten", index))(x)
        return x
