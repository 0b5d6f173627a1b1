"""Where a trial comes from, as data in its values: a parent and a chain of morph ops.

A trial that continues or morphs another one stores the parent's trial id under
`PARENT_KEY`. A network-morphism child also stores, as a JSON string, the whole
chain of morph ops from its from-scratch ancestor (`MORPH_OPS_KEY`) and how
many of them are its own (`MORPH_NEW_OPS_KEY`), so its architecture is rebuilt
anywhere from its values alone: the graph built from the hyperparameters, then
the chain replayed with `easynas.morph.apply_ops`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from easynas.morph import MorphError

__all__ = ["MORPH_NEW_OPS_KEY", "MORPH_OPS_KEY", "PARENT_KEY", "describe_ops", "lineage",
           "morph_chain", "split_chain"]

PARENT_KEY = "easynas/parent_trial_id"
MORPH_OPS_KEY = "easynas/morph_ops"
MORPH_NEW_OPS_KEY = "easynas/morph_new_ops"


def morph_chain(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The trial's chain of morph ops from its from-scratch ancestor ([] if none).

    Raises:
        MorphError: If the stored chain is not a JSON list of op dicts.
    """
    raw = values.get(MORPH_OPS_KEY)
    if raw is None:
        return []
    try:
        chain = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as error:
        raise MorphError(f"{MORPH_OPS_KEY} must be a JSON list of morph ops; "
                         f"could not parse {raw!r}: {error}") from error
    if not isinstance(chain, list) or not all(isinstance(op, dict) for op in chain):
        raise MorphError(f"{MORPH_OPS_KEY} must be a JSON list of morph op dicts. "
                         f"Received: {raw!r}")
    return chain


def split_chain(values: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`(parent's chain, this trial's own new ops)` of a trial's values.

    Raises:
        MorphError: If the chain is malformed or the count of new ops is not an
            int between 0 and the chain's length.
    """
    chain = morph_chain(values)
    new = values.get(MORPH_NEW_OPS_KEY, len(chain) if PARENT_KEY not in values else 0)
    if isinstance(new, bool) or not isinstance(new, int) or not 0 <= new <= len(chain):
        raise MorphError(f"{MORPH_NEW_OPS_KEY} must be an int in [0, {len(chain)}] (the length "
                         f"of the op chain). Received: {new!r}")
    return chain[: len(chain) - new], chain[len(chain) - new:]


def describe_ops(ops: list[dict[str, Any]]) -> str:
    """A short text for a list of op dicts, e.g. `wider(conv2d) + add_skip(a->b)`."""
    parts = []
    for op in ops:
        kind = op.get("op", "?")
        if "source" in op and "target" in op:
            parts.append(f"{kind}({op['source']}->{op['target']})")
        else:
            parts.append(f"{kind}({op.get('layer', op.get('after', ''))})")
    return " + ".join(parts)


def lineage(trials: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Parent and own morph ops of every trial that has a parent, by trial id.

    Args:
        trials: `(trial_id, values)` pairs.

    Returns:
        `{trial_id: {"parent": parent_id, "ops": [op dict, ...]}}`; a chain
        that cannot be read is reported under "error" instead of "ops".
    """
    found: dict[str, dict[str, Any]] = {}
    for trial_id, values in trials:
        if PARENT_KEY not in values:
            continue
        entry: dict[str, Any] = {"parent": values[PARENT_KEY]}
        try:
            entry["ops"] = split_chain(values)[1]
        except MorphError as error:
            entry["error"] = str(error)
        found[trial_id] = entry
    return found
