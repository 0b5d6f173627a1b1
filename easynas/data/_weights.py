"""Per-sample training weights: the user's `sample_weight` times class weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from easynas.data._labels import encode_labels
from easynas.data._spec import ClassificationTargetSpec
from easynas.exceptions import InvalidDataError, InvalidParameterError

__all__ = ["check_sample_weight", "class_weights"]


def check_sample_weight(sample_weight: Any, n: int, name: str = "sample_weight") -> np.ndarray:
    """`sample_weight` as a float32 `(n,)` array.

    Raises:
        InvalidDataError: If it is not 1-D of length `n`, holds a negative or
            non-finite number, or sums to 0.
    """
    try:
        weights = np.asarray(
            sample_weight.to_numpy() if hasattr(sample_weight, "to_numpy") else sample_weight,
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise InvalidDataError(
            f"{name} must be numbers, one per sample. Got {type(sample_weight).__name__}."
        ) from None
    if weights.shape != (n,):
        raise InvalidDataError(
            f"{name} must be 1-D with one weight per sample ({n}). Got shape {weights.shape}."
        )
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidDataError(
            f"{name} must be finite and non-negative; sample {row} is {weights[row]}."
        )
    if weights.sum() <= 0:
        raise InvalidDataError(f"{name} sums to 0; at least one sample must have weight.")
    return weights.astype(np.float32)


def class_weights(
    class_weight: str | Mapping[Any, float], spec: Any, y: Any, reference: Any = None
) -> np.ndarray:
    """Each sample's class weight.

    Args:
        class_weight: "balanced" (`n / (classes * count of the class)`, so every
            class weighs the same in total) or a dict of label -> weight
            (labels not in it weigh 1).
        spec: The target's spec: single-label classification.
        y: The labels to weight, in the user's form.
        reference: The labels "balanced" counts (default: `y`).

    Returns:
        float32 `(n,)` weights.

    Raises:
        InvalidParameterError: If the target is not single-label
            classification, a dict names an unknown class, or a weight is
            negative or not finite.
    """
    if not isinstance(spec, ClassificationTargetSpec) or spec.label_format in (
        "one_hot", "multi_label"
    ):
        raise InvalidParameterError(
            "The 'class_weight' parameter needs a single-label classification target (one "
            "label per sample). Got a target of kind "
            f"{getattr(spec, 'label_format', getattr(spec, 'kind', '?'))!r}; use sample_weight."
        )
    indices = encode_labels(y, spec, "y")
    if isinstance(class_weight, str):  # "balanced"
        counts = np.bincount(encode_labels(y if reference is None else reference, spec, "y"),
                             minlength=spec.num_classes).astype(np.float64)
        present = counts > 0
        per_class = np.ones(spec.num_classes)
        per_class[present] = counts.sum() / (present.sum() * counts[present])
    else:
        per_class = np.ones(spec.num_classes)
        labels = list(class_weight)
        try:
            keys = encode_labels(np.asarray(labels, dtype=object), spec, "class_weight")
        except InvalidDataError as error:
            raise InvalidParameterError(
                f"The 'class_weight' parameter names a label that is not a class of y: "
                f"{error}. Classes: {list(spec.classes)}."
            ) from None
        for key, label in zip(keys, labels):
            value = class_weight[label]
            number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            if not number or not np.isfinite(value) or value < 0:
                raise InvalidParameterError(
                    "The 'class_weight' parameter must map labels to finite, non-negative "
                    f"numbers. Got {value!r} for {label!r} instead."
                )
            per_class[key] = float(value)
    return per_class[indices].astype(np.float32)
