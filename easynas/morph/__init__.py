"""Function-preserving network morphisms on trained functional Keras models.

Each op (`Deeper`, `Wider`, `AddSkip`, `ConcatSkip`) is a small frozen value:
`op.apply(parent)` returns a new model that computes the parent's function and
starts from its weights, `op.applicable(parent)` says whether (and why not) the
op fits, `Op.candidates(parent)` lists the positions where it fits, and
`op.to_dict()` / `MorphOp.from_dict()` store it as JSON. A child is therefore
data: its parent plus a list of ops, replayed by `apply_ops`. `describe(model)`
reads an architecture as data and `distance(a, b)` compares two descriptions
(what `search="morphism"` models with a Gaussian process).

The method follows Net2Net (Chen et al., arXiv 1511.05641), NASH (Elsken et al.,
arXiv 1711.04528) and Auto-Keras (Jin et al., arXiv 1806.10282).
"""

from easynas.morph._base import MorphOp, apply_ops, candidates
from easynas.morph._deeper import Deeper
from easynas.morph._describe import describe, distance
from easynas.morph._errors import MorphError
from easynas.morph._skip import AddSkip, ConcatSkip
from easynas.morph._wider import Wider

__all__ = [
    "AddSkip",
    "ConcatSkip",
    "Deeper",
    "MorphError",
    "MorphOp",
    "Wider",
    "apply_ops",
    "candidates",
    "describe",
    "distance",
]
