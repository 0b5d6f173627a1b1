"""The morph op contract: a small serialisable value that turns a parent into a child."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import keras

from easynas.exceptions import InvalidParameterError
from easynas.morph._errors import MorphError
from easynas.morph._graph_edit import ModelGraph

__all__ = ["MorphOp", "apply_ops", "candidates"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class MorphOp:
    """A function-preserving change to a trained functional Keras model.

    An op is data: it names its target layers and holds its random choices as
    a seed, so the same op applied to the same parent gives the same child, and
    a child can be stored as (parent, list of `to_dict()` values). The child
    computes the parent's function (in inference mode, up to float rounding)
    and starts from the parent's weights; the parent is never modified.

    Subclasses implement `_check` (read only: raise `MorphError` with the reason
    when the op cannot apply, else return a plan), `_edit` (carry the plan out
    on a `ModelGraph`) and `candidates`.
    """

    kind: ClassVar[str] = ""

    # ------------------------------------------------------------ contract
    def _check(self, graph: ModelGraph) -> Any:
        raise NotImplementedError

    def _edit(self, graph: ModelGraph, plan: Any) -> None:
        raise NotImplementedError

    @classmethod
    def candidates(cls, model: keras.Model) -> list[MorphOp]:
        """Every position in `model` where an op of this kind applies.

        Args:
            model: A functional `keras.Model`.

        Returns:
            One op per position, with default settings, in layer order.
        """
        raise NotImplementedError

    # ------------------------------------------------------------ use
    def applicable(self, model: keras.Model) -> tuple[bool, str]:
        """Whether the op applies to `model`, and if not, why.

        Returns:
            `(True, "")`, or `(False, reason)`.
        """
        try:
            self._check(ModelGraph(model))
        except MorphError as error:
            return False, str(error)
        return True, ""

    def apply(self, model: keras.Model, *, compile: bool = True) -> keras.Model:
        """Make the child model.

        Args:
            model: The trained parent, a functional `keras.Model`; left unchanged.
            compile: Compile the child with the parent's compile config (a fresh
                optimizer) when the parent is compiled.

        Returns:
            A new `keras.Model` computing the same function as `model`.

        Raises:
            MorphError: If the op cannot apply to `model`; the message says why.
        """
        graph = ModelGraph(model)
        plan = self._check(graph)
        self._edit(graph, plan)
        child = graph.build(compile=compile)
        logger.debug("applied %r to %r", self, model.name)
        return child

    def to_dict(self) -> dict[str, Any]:
        """The op as a JSON-safe dict: `{"op": kind, **fields}`."""
        return {"op": self.kind, **dataclasses.asdict(self)}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> MorphOp:
        """Rebuild an op from `to_dict()`'s output.

        Raises:
            MorphError: If the op kind is unknown or a field is missing or unknown.
        """
        kinds = {cls.kind: cls for cls in _subclasses(MorphOp) if cls.kind}
        data = dict(data)
        kind = data.pop("op", None)
        if kind not in kinds:
            raise MorphError(f"unknown morph op {kind!r}; known ops: {sorted(kinds)}")
        cls = kinds[kind]
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise MorphError(f"{kind} op has no field(s) {unknown}; its fields: {sorted(names)}")
        try:
            return cls(**data)
        except TypeError as error:
            raise MorphError(f"cannot rebuild {kind} op from {data}: {error}") from error

    # ------------------------------------------------------------ helpers for subclasses
    def _require(self, name: str, value: Any, ok: bool, allowed: str) -> None:
        if not ok:
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(self).__name__} must be {allowed}. "
                f"Got {value!r} instead."
            )


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def apply_ops(
    model: keras.Model,
    ops: Sequence[MorphOp | Mapping[str, Any]],
    *,
    compile: bool = True,
) -> keras.Model:
    """Apply morph ops one after another; the child of the last is returned.

    Args:
        model: The trained parent; left unchanged.
        ops: Ops, or their `to_dict()` values, applied in order.
        compile: See `MorphOp.apply`.

    Returns:
        The child model (`model` itself when `ops` is empty).

    Raises:
        MorphError: If an op cannot apply; the message names the op.
    """
    child = model
    for index, op in enumerate(ops):
        op = op if isinstance(op, MorphOp) else MorphOp.from_dict(op)
        try:
            child = op.apply(child, compile=compile)
        except MorphError as error:
            raise MorphError(f"op {index} ({op.to_dict()}): {error}") from error
    return child


def candidates(model: keras.Model, kinds: Sequence[str] | None = None) -> list[MorphOp]:
    """Every op, of every kind (or the given kinds), that applies to `model`.

    Args:
        model: A functional `keras.Model`.
        kinds: Op kinds to list (e.g. `["wider", "deeper"]`); all when None.

    Returns:
        The applicable ops with default settings, grouped by kind.

    Raises:
        MorphError: If `model` cannot be morphed at all (not functional, or a
            layer that cannot be rebuilt from its config).
    """
    classes = {cls.kind: cls for cls in _subclasses(MorphOp) if cls.kind}
    if kinds is not None:
        unknown = sorted(set(kinds) - set(classes))
        if unknown:
            raise MorphError(f"unknown morph op kind(s) {unknown}; known: {sorted(classes)}")
    found: list[MorphOp] = []
    for kind in sorted(classes) if kinds is None else kinds:
        found.extend(classes[kind].candidates(model))
    return found
