"""Stock Keras layers and choices shared by the text blocks.

Every text block tokenises inside the model with `keras.layers.TextVectorization`
built from the input's `TextSpec` (never `adapt`), so an exported model takes
raw strings. Nothing here is a custom layer: exported models hold stock Keras
layers only and load without easynas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras

from easynas.data._spec import TextSpec

__all__ = [
    "embed_positions",
    "sequence_lengths",
    "text_spec",
    "token_ids",
]

# TextVectorization's "int" mode reserves index 0 (padding) and 1 (out of vocabulary).
RESERVED_INT_INDICES = 2


def text_spec(block: Any, inputs: list[Any], input_specs: Sequence[Any] | None) -> TextSpec:
    """The `TextSpec` of a text block's single input, checked.

    Args:
        block: The text block (for messages).
        inputs: The block's input tensors; exactly one, of strings.
        input_specs: The specs the graph passes; the block's input must come
            straight from a `TextInput`.

    Returns:
        The input's `TextSpec`.

    Raises:
        ValueError: If the block has other than one input, the input is not a
            string tensor, or its spec is not a `TextSpec` (the block is fed by
            another block, or by a non-text input).
    """
    owner = type(block).__name__
    if len(inputs) != 1:
        raise ValueError(f"{owner} takes exactly one input. Received: {len(inputs)} inputs")
    spec = input_specs[0] if input_specs else None
    if not isinstance(spec, TextSpec):
        got = "no data spec (the output of another block)" if spec is None else (
            f"a {type(spec).__name__}"
        )
        raise ValueError(
            f"{owner} must be fed by a TextInput: it tokenises raw strings with the "
            f"vocabulary of the training texts. Received: {got}"
        )
    dtype = str(getattr(inputs[0], "dtype", ""))
    if dtype != "string":
        raise ValueError(
            f"{owner} must be fed by a TextInput (a string tensor). Received: a tensor of "
            f"dtype {dtype} and shape {tuple(inputs[0].shape)}"
        )
    return spec


def sequence_lengths(spec: TextSpec, cap: int) -> list[int]:
    """The default `sequence_length` choices for a corpus, the long one first.

    The long choice covers 90 % of the training documents in full (the 90th
    percentile of their lengths, rounded up to a multiple of 16, at most
    `cap`); the short one covers the median document (or is half the long one
    where the median rounds to the same length). Longer documents are
    truncated.

    Args:
        spec: The input's `TextSpec`.
        cap: The longest allowed choice.

    Returns:
        One or two lengths, descending.
    """
    long = min(_round_up(max(spec.length_p90, 1), 16), cap)
    short = min(_round_up(max(spec.length_median, 1), 16), cap)
    if short >= long:
        short = long // 2
    return [long, short] if short >= 8 else [long]


def token_ids(spec: TextSpec, x: Any, sequence_length: int, name: str) -> tuple[Any, int]:
    """Raw strings to padded, truncated token ids with the spec's vocabulary.

    Args:
        spec: The input's `TextSpec`.
        x: The string tensor, shape `(batch,)`.
        sequence_length: Ids per document: shorter ones are padded with 0,
            longer ones truncated.
        name: The layer name.

    Returns:
        The `(batch, sequence_length)` int tensor, and the number of distinct
        ids (the vocabulary plus padding and out-of-vocabulary), the input
        size of an embedding.
    """
    vectorizer = keras.layers.TextVectorization(
        vocabulary=list(spec.vocabulary),
        output_mode="int",
        output_sequence_length=int(sequence_length),
        name=name,
    )
    return vectorizer(x), len(spec.vocabulary) + RESERVED_INT_INDICES


def embed_positions(ids: Any, width: int, name: str) -> Any:
    """A learned position embedding, `(batch, length, width)`, from stock layers.

    The table is the kernel of an `EinsumDense` applied to a tensor of ones
    shaped like `ids` (a `Rescaling` with scale 0 and offset 1), so position
    `i` of every document gets row `i`. This keeps exported models free of
    custom layers.

    Args:
        ids: The `(batch, length)` token ids; only their shape is used.
        width: The embedding width.
        name: Prefix of the two layers' names.

    Returns:
        The position embeddings, to add to the token embeddings.
    """
    length = int(ids.shape[1])
    ones = keras.layers.Rescaling(scale=0.0, offset=1.0, name=f"{name}_ones")(ids)
    return keras.layers.EinsumDense(
        "ab,bc->abc",
        output_shape=(length, int(width)),
        kernel_initializer="uniform",
        name=f"{name}_table",
    )(ones)


def _round_up(value: int, multiple: int) -> int:
    return int(math.ceil(value / multiple) * multiple)
