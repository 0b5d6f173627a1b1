"""Completing a graph the user gave as inputs and bare heads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from easynas.graph._heads import Head
from easynas.graph._inputs import InputNode

__all__ = ["complete_graph"]


def complete_graph(inputs: Any, outputs: Any) -> tuple[Any, Any]:
    """Connect bare heads (heads not called on a node) to a searched trunk.

    The trunk is each input's default hyper-block (`ImageBlock`,
    `TextBlock`, `TabularBlock`) and, for several inputs, a `Merge` block
    whose way of joining them is searched. Heads already called on nodes
    are left as they are, so a graph may mix both. The user's heads are not
    changed: a copy of each bare head is connected.

    Args:
        inputs: The input node(s), as given to `AutoModel`.
        outputs: Head output node(s) and/or bare heads.

    Returns:
        `(inputs, outputs)` with every bare head replaced by its connected
        copy's output node, in the same single-or-list form as given.
    """
    from easynas.blocks import Merge

    single = not isinstance(outputs, (list, tuple))
    output_list = [outputs] if single else list(outputs)
    bare = [o for o in output_list if isinstance(o, Head) and not o.inputs]
    if not bare:
        return inputs, outputs
    input_list = _inputs(inputs)
    branches = [node.default_block()(node) for node in input_list]
    trunk = branches[0] if len(branches) == 1 else Merge()(branches)
    connected = [
        type(o).from_config(o.get_config())(trunk) if any(o is b for b in bare) else o
        for o in output_list
    ]
    return inputs, connected[0] if single else connected


def _inputs(inputs: Any) -> list[InputNode]:
    items = list(inputs) if isinstance(inputs, Sequence) else [inputs]
    for node in items:
        if not isinstance(node, InputNode):
            raise TypeError(
                "`inputs` must hold easynas input nodes (e.g. easynas.ImageInput()). "
                f"Received: {type(node).__name__}"
            )
    return items

