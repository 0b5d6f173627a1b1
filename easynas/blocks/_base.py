"""The base of every search-space block, and the symbolic nodes that join them.

A block is a recipe for a piece of network. Each constructor argument left as
None is searched over a default range; a list or tuple is searched over exactly
those values; any other value is fixed. `build` turns the recipe plus
hyperparameter values into Keras layers, naming every layer after the block so
that names depend on graph position only, never on Keras' global counters.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras_tuner

__all__ = ["Block", "Node"]


class Node:
    """A symbolic value in a search graph: an input, or the output of a block.

    Users never make nodes directly; inputs (`easynas.ImageInput`, ...) are
    nodes, and calling a block on nodes returns a new one.
    """

    def __init__(self, producer: Block | None = None) -> None:
        self.producer = producer


class Block:
    """Base class of search-space blocks.

    Subclasses store their constructor arguments as same-named attributes and
    implement `build`. `get_config` reads the constructor's signature, so a
    block round-trips through JSON without extra code.

    Blocks that need statistics of the data (a text block's vocabulary, a
    tabular block's column kinds) set `needs_input_specs = True`; the graph
    then calls `build(hp, inputs, input_specs=...)` with, for each input, the
    data spec of the graph input it comes straight from (None for the output
    of another block).

    Args:
        name: Name of the block. It prefixes the block's hyperparameter and
            layer names. None lets the graph name it from its position.
    """

    needs_input_specs: bool = False

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not _is_valid_name(name):
            raise ValueError(
                "Argument `name` must be letters, digits and underscores, starting with a "
                f"letter. Received: name={name!r}"
            )
        self.name = name
        self.inputs: list[Node] = []

    # --- graph construction -------------------------------------------------
    def __call__(self, inputs: Node | Sequence[Node]) -> Node:
        """Connect the block to its input node(s) and return its output node."""
        nodes = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for node in nodes:
            if not isinstance(node, Node):
                raise TypeError(
                    f"{type(self).__name__} must be called on easynas nodes (inputs or block "
                    f"outputs). Received: {type(node).__name__}"
                )
        if self.inputs:
            raise ValueError(
                f"{type(self).__name__} {self.name or ''} is already connected; make a new "
                "block (or use `from_config(block.get_config())`) to reuse its settings."
            )
        self.inputs = nodes
        return Node(producer=self)

    # --- search -------------------------------------------------------------
    def build(self, hp: keras_tuner.HyperParameters, inputs: list[Any]) -> Any:
        """Make the block's layers for one set of hyperparameter values.

        Args:
            hp: The hyperparameters; the caller has opened the block's name scope.
            inputs: The Keras tensors of the block's input nodes.

        Returns:
            The block's output Keras tensor.
        """
        raise NotImplementedError

    def layer_name(self, *parts: Any) -> str:
        """A deterministic Keras layer name: the block name plus `parts`."""
        return "_".join([self.name or type(self).__name__.lower(), *map(str, parts)])

    def searched(
        self,
        hp: keras_tuner.HyperParameters,
        name: str,
        values: Sequence[Any],
        default: Any = None,
        *,
        argument: str | None = None,
    ) -> Any:
        """The value of a hyperparameter of this block.

        Args:
            hp: The hyperparameters.
            name: Hyperparameter name inside the block's scope.
            values: The default search range, used when the argument is None.
            default: The value tried first (the first of `values` if None).
            argument: The constructor argument that fixes or narrows it;
                `name` if None.

        Returns:
            The fixed argument, or the value `hp` holds for this trial.
        """
        given = getattr(self, argument or name)
        if given is None:
            options = list(values)
        elif isinstance(given, (list, tuple)):
            options, default = list(given), None
        else:
            return given
        if all(isinstance(o, bool) for o in options):
            if len(set(options)) == 1:
                return options[0]
            return hp.Boolean(name, default=bool(options[0] if default is None else default))
        return hp.Choice(name, options, default=default)

    # --- serialisation --------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-safe."""
        params = inspect.signature(type(self).__init__).parameters
        config = {}
        for key in params:
            if key == "self" or params[key].kind in (
                inspect.Parameter.VAR_POSITIONAL,
                inspect.Parameter.VAR_KEYWORD,
            ):
                continue
            value = getattr(self, key)
            config[key] = list(value) if isinstance(value, tuple) else value
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Block:
        """Make a block from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if v is not None)
        return f"{type(self).__name__}({args})"


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _is_valid_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_NAME.match(name))


def check_searchable(
    owner: str, argument: str, value: Any, is_valid, expected: str
) -> None:
    """Reject a bad fixed value (or a bad value in a list) in a block's `__init__`.

    Args:
        owner: The block class name.
        argument: The constructor argument.
        value: What the user gave: None, one value, or a list of values.
        is_valid: Predicate for one value.
        expected: Words for a valid value, e.g. "a positive int".

    Raises:
        ValueError: Naming the argument, the expectation and what came.
    """
    if value is None:
        return
    candidates = list(value) if isinstance(value, (list, tuple)) else [value]
    if isinstance(value, (list, tuple)) and not candidates:
        raise ValueError(
            f"Argument `{argument}` of {owner} must be {expected}, or a non-empty list of "
            f"them to search among. Received: {argument}={value!r}"
        )
    for candidate in candidates:
        if not is_valid(candidate):
            raise ValueError(
                f"Argument `{argument}` of {owner} must be {expected} (None to search it). "
                f"Received: {argument}={value!r}"
            )
