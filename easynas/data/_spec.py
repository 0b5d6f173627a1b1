"""Frozen descriptions of the data, produced by analysis and read by the graph.

A spec is plain data: it round-trips through JSON (`to_dict` / `spec_from_dict`)
so a finished project can be reloaded, exported or served without the training
data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "ImageSpec",
    "ClassificationTargetSpec",
    "RegressionTargetSpec",
    "DataSpec",
    "spec_from_dict",
]


@dataclass(frozen=True)
class ImageSpec:
    """What an image input looks like.

    Args:
        shape: Shape of one sample as the user gives it: `(H, W)` or `(H, W, C)`.
        dtype: NumPy dtype name of the raw pixels (e.g. "uint8", "float32").
        channel_mean: Mean of each channel over the training images.
        channel_variance: Variance of each channel over the training images.
        num_samples: Number of training images analysed.
    """

    shape: tuple[int, ...]
    dtype: str
    channel_mean: tuple[float, ...]
    channel_variance: tuple[float, ...]
    num_samples: int
    kind: str = "image"

    @property
    def channels(self) -> int:
        """Number of channels the network sees (1 for `(H, W)` images)."""
        return 1 if len(self.shape) == 2 else int(self.shape[-1])

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(asdict(self))


@dataclass(frozen=True)
class ClassificationTargetSpec:
    """What a classification target looks like and how its labels are encoded.

    Args:
        classes: The distinct labels in sorted order, as JSON scalars of the
            user's type (ints, strings, bools). For one-hot and multi-label
            targets, the column indices.
        label_format: How labels came: "int", "str", "bool", "float",
            "one_hot" (one column per class, a single 1 per row) or
            "multi_label" (0/1 columns, any number of 1s per row).
        num_samples: Number of training labels analysed.
    """

    classes: tuple
    label_format: str
    num_samples: int
    kind: str = "classification"

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def multi_label(self) -> bool:
        return self.label_format == "multi_label"

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(asdict(self))


@dataclass(frozen=True)
class RegressionTargetSpec:
    """What a regression target looks like.

    Args:
        output_shape: Shape of one target as given: `()` for a scalar or `(k,)`.
        mean: Per-output mean of the training targets.
        std: Per-output standard deviation (1.0 where it is 0).
        num_samples: Number of training targets analysed.
    """

    output_shape: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    num_samples: int
    kind: str = "regression"

    @property
    def num_outputs(self) -> int:
        return 1 if not self.output_shape else int(self.output_shape[0])

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(asdict(self))


@dataclass(frozen=True)
class DataSpec:
    """The specs of every input and every target of a search, in graph order."""

    inputs: tuple
    targets: tuple

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [s.to_dict() for s in self.inputs],
            "targets": [s.to_dict() for s in self.targets],
        }

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> DataSpec:
        return cls(
            inputs=tuple(spec_from_dict(c) for c in config["inputs"]),
            targets=tuple(spec_from_dict(c) for c in config["targets"]),
        )


_KINDS = {
    "image": ImageSpec,
    "classification": ClassificationTargetSpec,
    "regression": RegressionTargetSpec,
}


def spec_from_dict(config: dict[str, Any]):
    """Rebuild any spec from its `to_dict()` form."""
    kind = config.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"Unknown spec kind {kind!r}; expected one of {sorted(_KINDS)}.")
    fields = dict(config)
    for key, value in fields.items():
        if isinstance(value, list):
            fields[key] = tuple(value)
    return _KINDS[kind](**fields)


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value
