"""Reading and analysing raw text."""

import json

import keras
import numpy as np
import pandas as pd
import pytest

from easynas.data._spec import TextSpec, spec_from_dict
from easynas.data._text import analyze_text, read_texts, tokenize
from easynas.exceptions import InvalidDataError

DOCUMENTS = [
    "The cat sat on the mat.",
    "THE CAT, the hat!",
    "Don't stop-me now (please)",
    "Ünïcödé Café naïve 東京",
    "",
    "tabs\tand\nnewlines   spaces",
    "no\xa0break\u3000ideographic\x1cseparator\x0bvertical tab",
]


def test_tokenize_matches_text_vectorization_defaults():
    vocabulary = sorted({t for d in DOCUMENTS for t in tokenize(d)})
    layer = keras.layers.TextVectorization(vocabulary=vocabulary, output_mode="int")
    for document in DOCUMENTS:
        ids = [int(i) for i in np.asarray(layer([document]))[0] if i != 0]
        words = [layer.get_vocabulary()[i] for i in ids]
        assert words == tokenize(document), document


@pytest.mark.parametrize(
    "make",
    [list, tuple, np.array, pd.Series, lambda d: np.array(d)[:, None],
     lambda d: pd.DataFrame({"text": d}), lambda d: [s.encode("utf-8") for s in d]],
)
def test_read_texts_accepts_the_common_forms(make):
    documents = read_texts(make(DOCUMENTS), "x")
    assert documents.dtype == object and documents.ndim == 1
    assert list(documents) == DOCUMENTS


def test_read_texts_replaces_undecodable_bytes():
    (document,) = read_texts([b"caf\xe9 ok"], "x")
    assert document == "caf\ufffd ok"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_missing_entries_are_named_or_read_as_empty(missing):
    given = ["a b", missing, "c"]
    with pytest.raises(InvalidDataError, match=r"x sample 1 is missing"):
        read_texts(given, "x")
    assert list(read_texts(given, "x", missing="empty")) == ["a b", "", "c"]


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ("just one string", r"x must be a sequence of documents.*single str"),
        (b"just bytes", r"single bytes"),
        ([1, 2, 3], r"Sample 0 is int: 1"),
        (["ok", ["nested", "list"]], r"x must (hold strings|be a flat sequence)"),
        (np.zeros((3, 2), dtype=object), r"flat sequence of strings.*shape \(3, 2\)"),
        ([], r"x is empty"),
        ([{"a": 1}], r"Sample 0 is dict"),
    ],
)
def test_read_texts_names_bad_input(given, match):
    with pytest.raises(InvalidDataError, match=match):
        read_texts(given, "x")


def test_analyze_text_counts_documents_not_occurrences():
    spec = analyze_text(read_texts(["a a a b", "b c", "b"], "x"))
    assert spec.vocabulary == ("b", "a", "c")  # b in 3 docs; a, c in 1 (ties by name)
    assert spec.document_counts == (3, 1, 1)
    assert spec.num_samples == 3
    assert (spec.length_median, spec.length_max) == (2, 4)


def test_analyze_text_keeps_bigrams_seen_in_two_documents():
    spec = analyze_text(read_texts(["new york city", "new york", "york city"], "x"))
    assert spec.bigrams == ("new york", "york city")
    assert spec.bigram_document_counts == (2, 2)


def test_analyze_text_caps_the_vocabulary():
    documents = read_texts([f"w{i} common" for i in range(50)], "x")
    spec = analyze_text(documents, max_vocabulary=10)
    assert len(spec.vocabulary) == 10 and spec.vocabulary[0] == "common"


def test_analyze_text_rejects_a_corpus_without_words():
    with pytest.raises(InvalidDataError, match="x holds no words"):
        analyze_text(read_texts(["", "!!", " "], "x"))


def test_text_spec_round_trips_through_json():
    spec = analyze_text(read_texts(DOCUMENTS, "x"))
    again = spec_from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec and isinstance(again, TextSpec)


def test_ngram_vocabulary_and_idf_weights():
    spec = analyze_text(read_texts(["new york", "new york", "new", "york city"], "x"))
    assert spec.ngram_vocabulary(2) == ["new", "york"]
    assert spec.ngram_vocabulary(3, ngrams=2) == ["new", "york", "new york"]
    weights = spec.idf_weights(3, ngrams=2)
    assert weights[0] == pytest.approx(np.log(1 + 4 / (1 + 3)))
    assert weights[2] == pytest.approx(np.log(1 + 4 / (1 + 2)))
