"""Frozen descriptions of the data, produced by analysis and read by the graph.

A spec is plain data: it round-trips through JSON (`to_dict` / `from_dict`, or
`spec_from_dict` for any kind) so a finished project can be reloaded, exported
or served without the training data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "ImageSpec",
    "TextSpec",
    "TabularColumn",
    "TabularSpec",
    "ClassificationTargetSpec",
    "RegressionTargetSpec",
    "DataSpec",
    "spec_from_dict",
    "matches_saved",
]


class _SpecDict:
    """`to_dict` / `from_dict` shared by the single specs (a mixin, no state)."""

    kind: str

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-safe plain data (tuples become lists)."""
        return _to_jsonable(asdict(self))

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> Any:
        """Rebuild the spec from its `to_dict()` form.

        Raises:
            ValueError: If `config` describes another kind of spec.
        """
        spec = spec_from_dict(config)
        if not isinstance(spec, cls):
            raise ValueError(
                f"{cls.__name__}.from_dict got a config of kind {config.get('kind')!r}."
            )
        return spec


@dataclass(frozen=True)
class ImageSpec(_SpecDict):
    """What an image input looks like.

    Args:
        shape: Shape of one sample as the user gives it: `(H, W)` or `(H, W, C)`.
        dtype: NumPy dtype name of the raw pixels (e.g. "uint8", "float32").
        channel_mean: Mean of each channel over the training images.
        channel_variance: Variance of each channel over the training images
            (1.0 where it is 0, so normalising never divides by zero).
        num_samples: Number of training images analysed.
        kind: Always "image"; tells `spec_from_dict` which class to rebuild.
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


@dataclass(frozen=True)
class TextSpec(_SpecDict):
    """What a text input looks like, with the vocabulary learnt from training.

    Tokens are what `keras.layers.TextVectorization`'s default standardisation
    ("lower_and_strip_punctuation") and whitespace split produce, so text
    blocks can hand these lists to the layer as a fixed vocabulary and the
    model needs no `adapt` call.

    Args:
        vocabulary: Unigram tokens, most frequent (by document count) first;
            ties broken alphabetically.
        document_counts: How many training documents hold each token of
            `vocabulary`, same order (for TF-IDF weights).
        bigrams: Two-token n-grams ("new york"), most frequent first.
        bigram_document_counts: Document counts of `bigrams`.
        length_median: Median number of tokens per document.
        length_p90: 90th percentile of tokens per document.
        length_max: Longest document, in tokens.
        num_samples: Number of training documents analysed.
        kind: Always "text".
    """

    vocabulary: tuple[str, ...]
    document_counts: tuple[int, ...]
    bigrams: tuple[str, ...]
    bigram_document_counts: tuple[int, ...]
    length_median: int
    length_p90: int
    length_max: int
    num_samples: int
    kind: str = "text"

    def idf_weights(self, size: int, ngrams: int = 1) -> list[float]:
        """Smoothed inverse document frequencies, `log(1 + n / (1 + df))`, for the
        first `size` terms of the n-gram vocabulary that `ngrams` selects.

        Args:
            size: Number of terms.
            ngrams: 1 for `vocabulary` alone, 2 for `ngram_vocabulary(size, 2)`.
        """
        import math

        counts = dict(zip(self.vocabulary, self.document_counts))
        counts.update(zip(self.bigrams, self.bigram_document_counts))
        return [
            math.log(1.0 + self.num_samples / (1.0 + counts[term]))
            for term in self.ngram_vocabulary(size, ngrams)
        ]

    def ngram_vocabulary(self, size: int, ngrams: int = 1) -> list[str]:
        """The `size` most frequent terms: unigrams, or unigrams and bigrams merged
        by document count when `ngrams` is 2."""
        if ngrams == 1:
            return list(self.vocabulary[:size])
        merged = sorted(
            [*zip(self.vocabulary, self.document_counts),
             *zip(self.bigrams, self.bigram_document_counts)],
            key=lambda term_count: (-term_count[1], term_count[0]),
        )
        return [term for term, _ in merged[:size]]


# The parts a datetime column becomes, in order (see `easynas.data._datetime`).
DATETIME_PARTS = ("year", "month", "day", "day_of_week", "hour")


@dataclass(frozen=True)
class TabularColumn:
    """One column of a table, as analysed on the training split.

    Args:
        name: The column's name (a string).
        kind: "numeric", "categorical", "boolean", "datetime" or "text".
        dtype: The dtype the column is served in: "float32" (numeric; NaN is
            missing), "string" (categorical, text; "" is missing; datetime as
            ISO 8601 text), "int64" (categorical columns of integers) or
            "bool" (boolean).
        missing: How many training values were missing.
        mean: Numeric: the mean of the column; datetime: of each part in
            `DATETIME_PARTS`. Empty for other kinds.
        variance: Matching variances (1.0 where a value is constant).
        vocabulary: Categorical: the categories, most frequent first (ties in
            sorted order; "" stands for missing); text: the tokens, most
            frequent by document count first. Empty for other kinds.
        counts: How many training rows hold each entry of `vocabulary`.
        edges: Numeric: increasing edges of up to 16 quantile bins of the
            training values, in standardised units (see
            `easynas.data._bins.quantile_edges`), for piecewise-linear
            encoding; empty for a constant column, other kinds, and specs
            written before edges existed.
    """

    name: str
    kind: str
    dtype: str
    missing: int
    mean: tuple[float, ...] = ()
    variance: tuple[float, ...] = ()
    vocabulary: tuple = ()
    counts: tuple[int, ...] = ()
    edges: tuple[float, ...] = ()

    @property
    def scalar_width(self) -> int:
        """Scalar features the column adds: its value(s) plus a missing indicator
        for numeric and datetime columns that had missing values."""
        if self.kind == "numeric":
            return 1 + (self.missing > 0)
        if self.kind == "datetime":
            return len(DATETIME_PARTS) + (self.missing > 0)
        return 1 if self.kind == "boolean" else 0


@dataclass(frozen=True)
class TabularSpec(_SpecDict):
    """What a table looks like: every column's kind and statistics.

    `TabularInput` turns a row into one float32 vector laid out as
    `[scalars | text bags | category indices]`:

    - scalars (`scalar_width` values): the standardised numeric columns, then
      the numeric missing indicators, then the booleans (0/1), then the
      standardised datetime parts, then the datetime missing indicators (each
      group in column order; missing values read as the mean, i.e. 0);
    - one TF-IDF bag per text column (`text_slices`: start, width);
    - one category index per categorical column (`categorical_slices`:
      position, cardinality), stored as a float: 0 is the out-of-vocabulary
      bucket, `i` the `i`-th entry of the column's vocabulary.

    Args:
        columns: One `TabularColumn` per column, in the table's order.
        num_samples: Number of training rows analysed.
        kind: Always "tabular".
    """

    columns: tuple[TabularColumn, ...]
    num_samples: int
    kind: str = "tabular"

    def __post_init__(self) -> None:
        columns = tuple(
            c if isinstance(c, TabularColumn)
            else TabularColumn(**{k: _to_tuples(v) for k, v in c.items()})
            for c in self.columns
        )
        object.__setattr__(self, "columns", columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def column_kinds(self) -> dict[str, str]:
        """Each column's kind, by name."""
        return {c.name: c.kind for c in self.columns}

    @property
    def scalar_width(self) -> int:
        """Number of scalar features at the front of the preprocessed vector."""
        return sum(c.scalar_width for c in self.columns)

    @property
    def numeric_edges(self) -> tuple[tuple[int, tuple[float, ...]], ...]:
        """`(position, edges)` of each numeric column with bin edges: the position of
        its standardised value among the scalars, and its `TabularColumn.edges`."""
        numeric = [c for c in self.columns if c.kind == "numeric"]
        return tuple((i, c.edges) for i, c in enumerate(numeric) if len(c.edges) > 1)

    @property
    def text_slices(self) -> tuple[tuple[str, int, int], ...]:
        """`(column, start, width)` of each text column's bag of words."""
        start, slices = self.scalar_width, []
        for column in self.columns:
            if column.kind == "text":
                width = len(column.vocabulary) + 1  # + the out-of-vocabulary slot
                slices.append((column.name, start, width))
                start += width
        return tuple(slices)

    @property
    def categorical_slices(self) -> tuple[tuple[str, int, int], ...]:
        """`(column, position, cardinality)` of each categorical column's index;
        the cardinality counts the out-of-vocabulary bucket."""
        position = self.scalar_width + sum(w for _, _, w in self.text_slices)
        slices = []
        for column in self.columns:
            if column.kind == "categorical":
                slices.append((column.name, position, len(column.vocabulary) + 1))
                position += 1
        return tuple(slices)

    @property
    def width(self) -> int:
        """Length of the preprocessed vector."""
        return (self.scalar_width + sum(w for _, _, w in self.text_slices)
                + len(self.categorical_slices))


@dataclass(frozen=True)
class ClassificationTargetSpec(_SpecDict):
    """What a classification target looks like and how its labels are encoded.

    Args:
        classes: The distinct labels in sorted order, as JSON scalars of the
            user's type (ints, strings, bools, floats; bytes labels are kept
            as their UTF-8 text). For one-hot and multi-label targets, the
            column indices.
        label_format: How labels came: "int", "str", "bytes", "bool", "float",
            "one_hot" (one column per class, a single 1 per row) or
            "multi_label" (0/1 columns, any number of 1s per row).
        num_samples: Number of training labels analysed.
        kind: Always "classification".
    """

    classes: tuple
    label_format: str
    num_samples: int
    kind: str = "classification"

    @property
    def num_classes(self) -> int:
        """Number of classes (or label columns)."""
        return len(self.classes)

    @property
    def multi_label(self) -> bool:
        """Whether each sample may carry several labels."""
        return self.label_format == "multi_label"


@dataclass(frozen=True)
class RegressionTargetSpec(_SpecDict):
    """What a regression target looks like.

    Args:
        output_shape: Shape of one target as given: `()` for a scalar or `(k,)`.
        mean: Per-output mean of the training targets.
        std: Per-output standard deviation (1.0 where it is 0).
        num_samples: Number of training targets analysed.
        kind: Always "regression".
    """

    output_shape: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    num_samples: int
    kind: str = "regression"

    @property
    def num_outputs(self) -> int:
        """Number of values predicted per sample."""
        return 1 if not self.output_shape else int(self.output_shape[0])


@dataclass(frozen=True)
class DataSpec:
    """The specs of every input and every target of a search, in graph order.

    Args:
        inputs: One input spec (e.g. `ImageSpec`) per graph input.
        targets: One target spec per head.
    """

    inputs: tuple
    targets: tuple

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-safe plain data."""
        return {
            "inputs": [s.to_dict() for s in self.inputs],
            "targets": [s.to_dict() for s in self.targets],
        }

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> DataSpec:
        """Rebuild a `DataSpec` from its `to_dict()` form."""
        return cls(
            inputs=tuple(spec_from_dict(c) for c in config["inputs"]),
            targets=tuple(spec_from_dict(c) for c in config["targets"]),
        )


_KINDS = {
    "image": ImageSpec,
    "text": TextSpec,
    "tabular": TabularSpec,
    "classification": ClassificationTargetSpec,
    "regression": RegressionTargetSpec,
}


def spec_from_dict(
    config: dict[str, Any],
) -> ImageSpec | TextSpec | TabularSpec | ClassificationTargetSpec | RegressionTargetSpec:
    """Rebuild any single spec from its `to_dict()` form.

    Args:
        config: A dict with a "kind" key, as written by `to_dict()` (lists may
            stand for tuples, as after a JSON round trip).

    Returns:
        The spec, equal to the one that wrote `config`.

    Raises:
        ValueError: On an unknown kind.
    """
    kind = config.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"Unknown spec kind {kind!r}; expected one of {sorted(_KINDS)}.")
    fields = {key: _to_tuples(value) for key, value in config.items()}
    return _KINDS[kind](**fields)


# Fields added to the specs after their first release (a spec written before
# them reads as their default): (spec kind, part holding them, field).
_LATER_FIELDS = (("tabular", "columns", "edges"),)


def matches_saved(saved: dict[str, Any] | None, spec: DataSpec) -> bool:
    """Whether `saved` (a `DataSpec.to_dict()` read back from a project) describes the
    same data as `spec`.

    A spec written before a later field existed (`TabularColumn.edges`) matches
    when everything else does: the field only enables hyperparameter values
    whose defaults rebuild the old trials' models unchanged, so an older
    project resumes.
    """
    current = spec.to_dict()
    if saved == current or not isinstance(saved, dict):
        return saved == current
    stripped = json.loads(json.dumps(current))
    for saved_input, input_ in zip(saved.get("inputs", []), stripped["inputs"]):
        for kind, part, name in _LATER_FIELDS:
            if input_.get("kind") != kind or not isinstance(saved_input.get(part), list):
                continue
            for saved_item, item in zip(saved_input[part], input_[part]):
                if isinstance(saved_item, dict) and name not in saved_item:
                    item.pop(name, None)
    return saved == stripped


def _to_tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_to_tuples(v) for v in value)
    return value


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return value.item()
    return value
