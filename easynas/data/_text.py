"""Reading and analysing raw text: strings in, a `TextSpec` with vocabularies out.

Tokenisation here mirrors `keras.layers.TextVectorization`'s defaults
(lower-case ASCII letters, strip ASCII punctuation, split on whitespace), so the vocabulary
found on the training split can be handed to that layer unchanged and the
exported model tokenises raw strings the same way.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any

import numpy as np

from easynas.data._spec import TextSpec
from easynas.exceptions import InvalidDataError

__all__ = ["MISSING_POLICIES", "analyze_text", "read_texts", "tokenize"]

MISSING_POLICIES = ("error", "empty")
# The characters TextVectorization's "lower_and_strip_punctuation" removes.
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# TextVectorization lower-cases with `tf.strings.lower`, which maps ASCII only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# ...and splits on ASCII whitespace only (not on no-break or ideographic spaces).
_ASCII_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]+")
_MAX_VOCABULARY = 50000
_MAX_BIGRAMS = 50000


def tokenize(text: str) -> list[str]:
    """The tokens `TextVectorization` makes of `text` with its default settings
    (ASCII letters lower-cased, ASCII punctuation removed, split on whitespace)."""
    standardized = _PUNCTUATION.sub("", text.translate(_ASCII_LOWER))
    return [token for token in _ASCII_WHITESPACE.split(standardized) if token]


def read_texts(part: Any, name: str = "x", missing: str = "error") -> np.ndarray:
    """One document per sample as a 1-D object array of `str`.

    Args:
        part: A list, tuple, NumPy array or pandas Series of `str` or `bytes`
            (bytes are decoded as UTF-8, bad bytes replaced). An `(n, 1)`
            array or one-column DataFrame is read as its column.
        name: Argument name for messages.
        missing: What None / NaN / pandas NA entries mean: "error" (raise) or
            "empty" (an empty document).

    Returns:
        The documents, dtype object.

    Raises:
        InvalidDataError: On a scalar, a nested or multi-column input, a
            non-text entry, a missing entry (unless `missing="empty"`), or no
            samples at all.
    """
    if isinstance(part, (str, bytes)):
        raise InvalidDataError(
            f"{name} must be a sequence of documents (a list, array or Series of strings). "
            f"Got a single {type(part).__name__}; wrap it in a list."
        )
    if hasattr(part, "to_numpy"):
        values = part.to_numpy(dtype=object)
    else:
        try:
            values = np.asarray(part, dtype=object)
        except ValueError as error:  # ragged nesting
            raise InvalidDataError(
                f"{name} must be a flat sequence of strings, one per sample. Got nested "
                f"sequences of different lengths ({error})."
            ) from None
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise InvalidDataError(
            f"{name} must be a flat sequence of strings, one per sample. Got an array of "
            f"shape {values.shape}."
        )
    if len(values) == 0:
        raise InvalidDataError(f"{name} is empty; at least one document is needed.")
    documents = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if isinstance(value, str):
            documents[i] = value
        elif isinstance(value, (bytes, np.bytes_)):
            documents[i] = bytes(value).decode("utf-8", errors="replace")
        elif _is_missing(value):
            if missing == "empty":
                documents[i] = ""
                continue
            raise InvalidDataError(
                f"{name} sample {i} is missing ({value!r}). Fill it in, drop the row, or pass "
                "missing_text='empty' to read missing documents as empty strings."
            )
        else:
            raise InvalidDataError(
                f"{name} must hold strings (str or bytes), one document per sample. Sample "
                f"{i} is {type(value).__name__}: {_short(value)}."
            )
    return documents


def analyze_text(
    x: np.ndarray,
    name: str = "x",
    max_vocabulary: int = _MAX_VOCABULARY,
    max_bigrams: int = _MAX_BIGRAMS,
) -> TextSpec:
    """Describe training documents: vocabularies with document counts and lengths.

    Args:
        x: Documents as returned by `read_texts`.
        name: Argument name for messages.
        max_vocabulary: Most unigrams to keep.
        max_bigrams: Most bigrams to keep.

    Returns:
        The frozen `TextSpec`.

    Raises:
        InvalidDataError: If no document holds a single token.
    """
    unigram_counts: Counter[str] = Counter()
    bigram_counts: Counter[str] = Counter()
    lengths = np.empty(len(x), dtype=np.int64)
    for i, document in enumerate(x):
        tokens = tokenize(document)
        lengths[i] = len(tokens)
        unigram_counts.update(set(tokens))
        bigram_counts.update({f"{a} {b}" for a, b in zip(tokens, tokens[1:])})
    if not unigram_counts:
        raise InvalidDataError(
            f"{name} holds no words: every document is empty or punctuation only."
        )
    vocabulary, counts = _most_common(unigram_counts, max_vocabulary)
    bigrams, bigram_doc_counts = _most_common(bigram_counts, max_bigrams, minimum=2)
    return TextSpec(
        vocabulary=vocabulary,
        document_counts=counts,
        bigrams=bigrams,
        bigram_document_counts=bigram_doc_counts,
        length_median=int(np.median(lengths)),
        length_p90=int(np.percentile(lengths, 90)),
        length_max=int(lengths.max()),
        num_samples=int(len(x)),
    )


def _most_common(
    counts: Counter[str], limit: int, minimum: int = 1
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The `limit` terms with the highest counts (at least `minimum`), ties by name."""
    ranked = sorted(
        ((term, n) for term, n in counts.items() if n >= minimum),
        key=lambda item: (-item[1], item[0]),
    )[:limit]
    return tuple(t for t, _ in ranked), tuple(int(n) for _, n in ranked)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
