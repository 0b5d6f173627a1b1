"""Training data on disk, saved once per search and read by every trial's child process.

A trial run in a child process (`trial_isolation="process"`) needs the
search's arrays. They are saved once per search as `.npy` files in the
project folder, and each child maps them read-only (`numpy.load(...,
mmap_mode="r")`), so the data is neither pickled nor copied per trial, and
the operating system's page cache shares it between consecutive children.
Object arrays (raw strings for text inputs) cannot be mapped; those are
pickled inside their `.npy` file and read whole.

The data is any nesting of NumPy arrays in lists, tuples and dicts with
string keys (Keras' forms for several inputs, heads and validation data),
with None where a part is absent; a manifest (JSON-safe) records the nesting.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from easynas._atomic import replacing

__all__ = ["load_tree", "save_tree", "tree_problem"]


def tree_problem(tree: Any, where: str = "data") -> str | None:
    """Why `tree` cannot be saved by `save_tree` (its first non-array leaf), or None."""
    if tree is None or isinstance(tree, np.ndarray):
        return None
    if isinstance(tree, (list, tuple)):
        items = enumerate(tree)
    elif isinstance(tree, dict):
        if not all(isinstance(k, str) for k in tree):
            return f"{where} is a dict with non-string keys"
        items = tree.items()
    else:
        return f"{where} is a {type(tree).__name__}, not a NumPy array"
    for key, value in items:
        problem = tree_problem(value, f"{where}[{key!r}]")
        if problem is not None:
            return problem
    return None


def save_tree(tree: Any, folder: str) -> dict[str, Any]:
    """Save every array in `tree` under `folder` and return the manifest `load_tree` reads.

    Each file is written atomically. Files already in `folder` with the same
    names are replaced.

    Raises:
        TypeError: If a leaf of `tree` is neither a NumPy array nor None.
    """
    problem = tree_problem(tree)
    if problem is not None:
        raise TypeError(f"Cannot save the training data for a child process: {problem}.")
    os.makedirs(folder, exist_ok=True)
    counter = iter(range(1 << 62))

    def save(node: Any) -> dict[str, Any]:
        if node is None:
            return {"kind": "none"}
        if isinstance(node, np.ndarray):
            name = f"array_{next(counter)}.npy"
            with replacing(os.path.join(folder, name), ".npy") as tmp:
                np.save(tmp, node, allow_pickle=node.dtype.hasobject)
            return {"kind": "array", "file": name, "mapped": not node.dtype.hasobject}
        if isinstance(node, dict):
            return {"kind": "dict", "items": {k: save(v) for k, v in node.items()}}
        kind = "tuple" if isinstance(node, tuple) else "list"
        return {"kind": kind, "items": [save(v) for v in node]}

    return save(tree)


def load_tree(manifest: dict[str, Any], folder: str) -> Any:
    """The tree saved by `save_tree`: numeric arrays memory-mapped read-only."""
    kind = manifest["kind"]
    if kind == "none":
        return None
    if kind == "array":
        path = os.path.join(folder, manifest["file"])
        if manifest["mapped"]:
            return np.load(path, mmap_mode="r")
        return np.load(path, allow_pickle=True)
    if kind == "dict":
        return {k: load_tree(v, folder) for k, v in manifest["items"].items()}
    items = [load_tree(v, folder) for v in manifest["items"]]
    return tuple(items) if kind == "tuple" else items
