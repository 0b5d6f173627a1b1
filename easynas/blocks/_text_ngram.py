"""NgramBlock: a bag of n-grams, then a small dense network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable
from easynas.blocks._text_layers import text_spec

__all__ = ["NgramBlock"]

OUTPUT_MODES = ("tf_idf", "count", "multi_hot")


@keras.saving.register_keras_serializable(package="easynas")
class NgramBlock(Block):
    """A bag of n-grams: each document becomes one vector over a fixed n-gram
    vocabulary, followed by `num_layers` x (dropout, Dense, ReLU) and a final
    dropout.

    The vocabulary is the `max_tokens` n-grams found in the most training
    documents (from the input's `TextSpec`; fewer if the corpus has fewer).
    Vector entry 0 counts out-of-vocabulary n-grams. "tf_idf" and "count"
    vectors are scaled to unit L2 norm, so a long document and a short one on
    the same topic look alike (as in a classic TF-IDF pipeline); without it,
    documents of thousands of words saturate the first layer. With `num_layers=0` a head
    on this block is a linear model on the n-gram vector: the fast, strong
    baseline of text classification.

    Args:
        output_mode: How an n-gram's entry is weighed: "tf_idf" (count times
            smoothed inverse document frequency), "count" or "multi_hot"
            (0 or 1). Searched in that set, "tf_idf" first.
        ngrams: 1 for unigrams, 2 for unigrams and bigrams. Searched in
            {1, 2}, 2 first.
        max_tokens: Largest vocabulary (n-grams kept). Searched in
            {5000, 10000, 20000, 50000}, 20000 first.
        num_layers: Dense layers after the n-gram vector; 0 for none.
            Searched in {0, 1, 2}, 1 first.
        units: Units of each dense layer. Searched in {64, 128, 256}, 256
            first (wide layers learn a bag of n-grams in far fewer steps).
        dropout: Dropout rate before each dense layer and at the output.
            Searched in {0, 0.25, 0.5}, 0.25 first.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.NgramBlock(num_layers=0)(en.TextInput())
    """

    needs_input_specs = True

    def __init__(
        self,
        output_mode: str | list[str] | None = None,
        ngrams: int | list[int] | None = None,
        max_tokens: int | list[int] | None = None,
        num_layers: int | list[int] | None = None,
        units: int | list[int] | None = None,
        dropout: float | list[float] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        check_searchable(
            owner, "output_mode", output_mode, _checks.one_of(*OUTPUT_MODES),
            f"one of {list(OUTPUT_MODES)}",
        )
        check_searchable(owner, "ngrams", ngrams, _checks.one_of(1, 2), "1 or 2")
        check_searchable(owner, "max_tokens", max_tokens, _checks.positive_int, "a positive int")
        check_searchable(
            owner, "num_layers", num_layers, _checks.non_negative_int, "a non-negative int"
        )
        check_searchable(owner, "units", units, _checks.positive_int, "a positive int")
        check_searchable(owner, "dropout", dropout, _checks.fraction, "a float in [0, 1)")
        self.output_mode = output_mode
        self.ngrams = ngrams
        self.max_tokens = max_tokens
        self.num_layers = num_layers
        self.units = units
        self.dropout = dropout

    def build(self, hp, inputs: list[Any], input_specs: Sequence[Any] | None = None) -> Any:
        spec = text_spec(self, inputs, input_specs)
        (x,) = inputs
        output_mode = str(self.searched(hp, "output_mode", OUTPUT_MODES, default="tf_idf"))
        ngrams = int(self.searched(hp, "ngrams", [1, 2], default=2))
        max_tokens = int(
            self.searched(hp, "max_tokens", [5000, 10000, 20000, 50000], default=20000)
        )
        num_layers = int(self.searched(hp, "num_layers", [0, 1, 2], default=1))
        units = int(self.searched(hp, "units", [64, 128, 256], default=256))
        dropout = float(self.searched(hp, "dropout", [0.0, 0.25, 0.5], default=0.25))

        vocabulary = spec.ngram_vocabulary(max_tokens, ngrams)
        x = keras.layers.TextVectorization(
            vocabulary=vocabulary,
            idf_weights=spec.idf_weights(max_tokens, ngrams) if output_mode == "tf_idf" else None,
            output_mode=output_mode,
            ngrams=ngrams if ngrams > 1 else None,
            name=self.layer_name("vectorizer"),
        )(x)
        if output_mode != "tf_idf":
            # TextVectorization declares float outputs but returns int64 counts
            # in "count" and "multi_hot" modes; Rescaling casts them.
            x = keras.layers.Rescaling(1.0, name=self.layer_name("to_float"))(x)
        if output_mode != "multi_hot":
            x = keras.layers.UnitNormalization(axis=-1, name=self.layer_name("l2_normalize"))(x)
        for layer in range(num_layers):
            where = f"layer{layer}"
            if dropout > 0:
                x = keras.layers.Dropout(dropout, name=self.layer_name(where, "dropout"))(x)
            x = keras.layers.Dense(units, name=self.layer_name(where, "dense"))(x)
            x = keras.layers.ReLU(name=self.layer_name(where, "relu"))(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=self.layer_name("dropout"))(x)
        return x
