"""Deterministic names for graph members, from their kind and position."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence


def snake_case(class_name: str) -> str:
    """`ConvBlock` -> `conv_block`; `ImageInput` -> `image_input`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name.lstrip("_")).lower()


def assign_names(kinds: Sequence[str], given: Sequence[str | None]) -> list[str]:
    """Name each member: its given name, else its kind, numbered when a kind repeats.

    Args:
        kinds: The kind of each member in graph order (e.g. "conv_block").
        given: Each member's user-given name, or None.

    Returns:
        Unique names, in the same order.

    Raises:
        ValueError: If two members were given the same name.
    """
    taken = [n for n in given if n is not None]
    duplicates = sorted(n for n, c in Counter(taken).items() if c > 1)
    if duplicates:
        raise ValueError(f"Graph member names must be unique; {duplicates} is used twice.")
    unnamed = Counter(k for k, n in zip(kinds, given) if n is None)
    counters: Counter = Counter()
    names = []
    for kind, name in zip(kinds, given):
        if name is not None:
            names.append(name)
            continue
        if unnamed[kind] == 1 and kind not in taken:
            names.append(kind)
            continue
        while True:
            counters[kind] += 1
            candidate = f"{kind}_{counters[kind]}"
            if candidate not in taken:
                break
        names.append(candidate)
    return names
