"""The block graph: a validated, named DAG of inputs, blocks and heads.

A `Graph` is made from the user's nodes once, as copies: the user's blocks are
never renamed or changed. It saves as block configs plus edges by name, and
`build(hp, spec)` makes the same compiled Keras model for the same values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import keras

from easynas.blocks._base import Block, Node
from easynas.graph._heads import Head
from easynas.graph._inputs import InputNode
from easynas.graph._naming import assign_names, snake_case

if TYPE_CHECKING:
    import keras_tuner

    from easynas.data._spec import DataSpec

__all__ = ["LEARNING_RATE", "Graph"]

# The hyperparameter `Graph.build` reads the optimizer's learning rate from.
LEARNING_RATE = "optimizer/learning_rate"

class Graph:
    """A search space: inputs, blocks in topological order and their edges.

    Args:
        inputs: Input nodes, in the order data is given.
        blocks: Blocks and heads in topological order, each named.
        edges: For each block (by name), the names of the nodes it reads.
        outputs: Names of the heads, in the order targets are given.
    """

    def __init__(
        self,
        inputs: Sequence[InputNode],
        blocks: Sequence[Block],
        edges: dict[str, list[str]],
        outputs: Sequence[str],
    ) -> None:
        self.inputs = list(inputs)
        self.blocks = list(blocks)
        self.edges = {k: list(v) for k, v in edges.items()}
        self.outputs = list(outputs)

    # --- construction from user nodes ---------------------------------------
    @classmethod
    def from_nodes(
        cls, inputs: InputNode | Sequence[InputNode], outputs: Node | Sequence[Node]
    ) -> Graph:
        """Validate the user's graph and copy it with names assigned.

        Raises:
            ValueError: If an output is not a head's, an input is unused, a
                block is unconnected, or a node is reached that is not listed
                in `inputs`.
            TypeError: If `inputs` or `outputs` hold the wrong kinds of objects.
        """
        input_nodes = _as_list(inputs, "inputs")
        output_nodes = _as_list(outputs, "outputs")
        for node in input_nodes:
            if not isinstance(node, InputNode):
                raise TypeError(
                    "`inputs` must hold easynas input nodes (e.g. easynas.ImageInput()). "
                    f"Received: {type(node).__name__}"
                )
        if len({id(n) for n in input_nodes}) != len(input_nodes):
            raise ValueError("`inputs` lists the same input node twice.")
        heads: list[Head] = []
        for node in output_nodes:
            if not isinstance(node, Node) or not isinstance(node.producer, Head):
                raise TypeError(
                    "`outputs` must be the nodes returned by heads, e.g. "
                    "`easynas.ClassificationHead()(x)`. Received: "
                    f"{type(getattr(node, 'producer', node)).__name__}"
                )
            heads.append(node.producer)

        order: list[Block] = []
        reached_inputs: set[int] = set()
        state: dict[int, str] = {}

        def visit(block: Block) -> None:
            if state.get(id(block)) == "done":
                return
            if state.get(id(block)) == "active":
                raise ValueError(f"The graph has a cycle through {type(block).__name__}.")
            state[id(block)] = "active"
            if not block.inputs:
                raise ValueError(
                    f"{type(block).__name__} {block.name or ''} has no inputs; call it on a node."
                )
            for node in block.inputs:
                if node.producer is None:
                    if not any(node is n for n in input_nodes):
                        raise ValueError(
                            f"{type(block).__name__} reads an input node that is not listed in "
                            "`inputs`; add it there."
                        )
                    reached_inputs.add(id(node))
                else:
                    visit(node.producer)
            state[id(block)] = "done"
            order.append(block)

        for head in heads:
            visit(head)
        unused = [i for i, n in enumerate(input_nodes) if id(n) not in reached_inputs]
        if unused:
            raise ValueError(
                f"Input {unused[0]} in `inputs` is not connected to any output; every input "
                "must lead to a head."
            )

        input_names = assign_names(
            [n.kind for n in input_nodes],
            [n.name for n in input_nodes],
        )
        block_names = assign_names(
            [snake_case(type(b).__name__) for b in order], [b.name for b in order]
        )
        clash = set(input_names) & set(block_names)
        if clash:
            raise ValueError(f"Input and block names must differ; {sorted(clash)} is both.")
        name_of = {id(n): name for n, name in zip(input_nodes, input_names)}
        name_of.update({id(b): name for b, name in zip(order, block_names)})

        copies_in = [
            type(n).from_config({**n.get_config(), "name": name_of[id(n)]}) for n in input_nodes
        ]
        copies = [type(b).from_config({**b.get_config(), "name": name_of[id(b)]}) for b in order]
        edges = {
            name_of[id(b)]: [
                name_of[id(node)] if node.producer is None else name_of[id(node.producer)]
                for node in b.inputs
            ]
            for b in order
        }
        return cls(copies_in, copies, edges, [name_of[id(h)] for h in heads])

    # --- building -----------------------------------------------------------
    @property
    def heads(self) -> list[Head]:
        by_name = {b.name: b for b in self.blocks}
        return [by_name[name] for name in self.outputs]

    def declare(self, hp: keras_tuner.HyperParameters, spec: DataSpec) -> None:
        """Register every hyperparameter by building once (no training)."""
        self.build(hp, spec)
        keras.backend.clear_session()

    def build(self, hp: keras_tuner.HyperParameters, spec: DataSpec) -> keras.Model:
        """Make the compiled Keras model for the values in `hp`.

        Args:
            hp: Hyperparameter values; unset ones take their defaults.
            spec: The data spec: one input spec per input, one target spec per head.

        Returns:
            A compiled `keras.Model` whose inputs and outputs are named after the
            graph's inputs and heads.
        """
        self._check_spec(spec)
        tensors: dict[str, Any] = {}
        model_inputs = []
        for node, node_spec in zip(self.inputs, spec.inputs):
            keras_inputs, tensors[node.name] = node.build(node_spec, node.name)
            model_inputs.extend(keras_inputs)
        head_specs = dict(zip(self.outputs, spec.targets))
        input_specs = {node.name: node_spec for node, node_spec in zip(self.inputs, spec.inputs)}
        for block in self.blocks:
            inbound = [tensors[name] for name in self.edges[block.name]]
            with hp.name_scope(block.name):
                if isinstance(block, Head):
                    tensors[block.name] = block.build_head(hp, inbound, head_specs[block.name])
                elif block.needs_input_specs:
                    specs = [input_specs.get(name) for name in self.edges[block.name]]
                    tensors[block.name] = block.build(hp, inbound, input_specs=specs)
                else:
                    tensors[block.name] = block.build(hp, inbound)
        model_outputs = [tensors[name] for name in self.outputs]
        model = keras.Model(
            inputs=model_inputs if len(model_inputs) > 1 else model_inputs[0],
            outputs=model_outputs if len(model_outputs) > 1 else model_outputs[0],
            name="easynas_model",
        )
        with hp.name_scope("optimizer"):  # named LEARNING_RATE
            # 1e-2 lets linear and shallow candidates converge within a short budget.
            learning_rate = hp.Choice(
                "learning_rate", [1e-3, 3e-3, 3e-4, 1e-2], default=1e-3
            )
        losses = {h.name: h.loss(head_specs[h.name]) for h in self.heads}
        metrics = {h.name: h.metrics(head_specs[h.name]) for h in self.heads}
        single = len(self.heads) == 1
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)),
            loss=next(iter(losses.values())) if single else losses,
            loss_weights=None if single else {
                h.name: h.weight(head_specs[h.name]) for h in self.heads
            },
            metrics=next(iter(metrics.values())) if single else metrics,
        )
        return model

    def _check_spec(self, spec: DataSpec) -> None:
        if len(spec.inputs) != len(self.inputs) or len(spec.targets) != len(self.outputs):
            raise ValueError(
                f"The graph has {len(self.inputs)} inputs and {len(self.outputs)} heads; the data "
                f"spec has {len(spec.inputs)} inputs and {len(spec.targets)} targets."
            )
        for node, node_spec in zip(self.inputs, spec.inputs):
            if not isinstance(node_spec, node.spec_type):
                raise ValueError(
                    f"Input {node.name!r} is {type(node).__name__}, but its data looks like "
                    f"{getattr(node_spec, 'kind', type(node_spec).__name__)}."
                )
        for head, head_spec in zip(self.heads, spec.targets):
            if not isinstance(head_spec, head.spec_type):
                raise ValueError(
                    f"Head {head.name!r} is {type(head).__name__}, but its target looks like "
                    f"{getattr(head_spec, 'kind', type(head_spec).__name__)}."
                )

    # --- serialisation --------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Block configs plus edges by name: JSON-safe."""
        return {
            "inputs": [_serialize(n) for n in self.inputs],
            "blocks": [_serialize(b) for b in self.blocks],
            "edges": self.edges,
            "outputs": self.outputs,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Graph:
        """Rebuild a graph saved with `get_config`."""
        return cls(
            inputs=[_deserialize(c) for c in config["inputs"]],
            blocks=[_deserialize(c) for c in config["blocks"]],
            edges=config["edges"],
            outputs=config["outputs"],
        )

    def to_json(self) -> str:
        return json.dumps(self.get_config(), sort_keys=True)


def _as_list(value: Any, argument: str) -> list:
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"`{argument}` must not be empty.")
        return list(value)
    return [value]


def _serialize(obj: Any) -> dict[str, Any]:
    return {"class_name": f"easynas>{type(obj).__name__}", "config": obj.get_config()}


def _deserialize(config: dict[str, Any]) -> Any:
    cls = keras.saving.get_registered_object(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown graph member {config['class_name']!r}; is the module that defines it "
            "imported?"
        )
    return cls.from_config(config["config"])
