"""TextClassifier and TextRegressor end to end on a tiny corpus."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import easynas as en

_TOPICS = {
    "sport": "match goal team coach season league player score win stadium".split(),
    "food": "recipe oven flour butter sugar bake taste dinner spice kitchen".split(),
    "tech": "software laptop code server network chip update browser memory app".split(),
}
_FILLER = "the a of and to in is it was for on with this that".split()


def make_corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """`n` short documents about one of three topics, with filler words, mixed
    case and punctuation; labels are the topic names."""
    rng = np.random.default_rng(seed)
    topics = sorted(_TOPICS)
    labels = np.array([topics[i % 3] for i in range(n)])
    documents = []
    for label in labels:
        words = list(rng.choice(_TOPICS[label], size=4)) + list(rng.choice(_FILLER, size=6))
        rng.shuffle(words)
        documents.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]))
    return documents, labels


@pytest.fixture
def corpus(seed):
    return make_corpus(90, seed)


@pytest.fixture
def text_fast(fast):
    return {**fast, "epochs": 15, "patience": 15}


def test_text_classifier_learns_topics_and_predicts_original_labels(corpus, text_fast, seed):
    x, y = corpus
    clf = en.TextClassifier(**text_fast).fit(x, y)
    assert clf.trials_[0].values["text_block/block_type"] == "ngram"  # the greedy preset
    np.testing.assert_array_equal(clf.classes_, ["food", "sport", "tech"])
    x_test, y_test = make_corpus(60, seed + 1)
    predicted = clf.predict(x_test)
    assert predicted.shape == (60,) and set(predicted) <= set(clf.classes_)
    assert clf.score(x_test, y_test) >= 0.8
    probabilities = clf.predict_proba(x_test)
    assert probabilities.shape == (60, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_text_input_forms_give_the_same_predictions(corpus, fast):
    x, y = corpus
    clf = en.TextClassifier(**fast).fit(np.array(x), y)
    expected = clf.predict_proba(x)
    as_bytes = np.array([d.encode("utf-8") for d in x], dtype=object)
    for form in (list(x), tuple(x), pd.Series(x), as_bytes, np.array(x)[:, None]):
        np.testing.assert_allclose(clf.predict_proba(form), expected, atol=1e-6)


def test_empty_non_ascii_and_very_long_documents_work(corpus, fast):
    x, y = corpus
    x = list(x)
    x[0] = ""
    x[1] = "Ünïcödé café — naïve résumé 東京 🙂 match goal"
    x[2] = " ".join(["goal"] * 20000)  # far longer than any sequence length: truncated
    clf = en.TextClassifier(**fast).fit(x, y)
    predicted = clf.predict(x[:3])
    assert len(predicted) == 3


def test_missing_documents_are_an_error_unless_asked_to_read_them_as_empty(corpus, fast):
    x, y = corpus
    x = list(x)
    x[5] = None
    with pytest.raises(en.InvalidDataError, match=r"x sample 5 is missing.*missing_text='empty'"):
        en.TextClassifier(**fast).fit(x, y)
    x[6] = float("nan")
    clf = en.TextClassifier(missing_text="empty", **fast).fit(x, y)
    assert len(clf.predict([None, "goal match"])) == 2


@pytest.mark.parametrize(
    ("make_x", "match"),
    [
        (lambda x: np.arange(len(x)), r"x must hold strings .* Sample 0 is int: 0"),
        (lambda x: [[d, d] for d in x], r"x must be a flat sequence of strings.*shape"),
        (lambda x: [d.split() for d in x], r"x must (be a flat sequence|hold strings)"),
        (lambda x: "one long string", r"x is the path 'one long string'.*list of strings"),
        (lambda x: x[:10], r"same number of samples: x has 10, y has 90"),
        (lambda x: ["", " ", "!?"] * 30, r"x holds no words"),
    ],
)
def test_bad_text_is_named_before_training(corpus, fast, make_x, match):
    x, y = corpus
    with pytest.raises(en.InvalidDataError, match=match):
        en.TextClassifier(**fast).fit(make_x(x), y)


def test_missing_labels_are_named(corpus, fast):
    x, _ = corpus
    with pytest.raises(en.InvalidDataError, match="y is missing"):
        en.TextClassifier(**fast).fit(x)


def test_bad_missing_text_parameter_is_named(corpus, fast):
    x, y = corpus
    with pytest.raises(en.InvalidParameterError, match=r"'missing_text' parameter .* 'drop'"):
        en.TextClassifier(missing_text="drop", **fast).fit(x, y)


def test_text_regressor_predicts_in_the_targets_units(corpus, fast):
    x, _ = corpus
    target = np.array([100.0 + 10.0 * d.count("goal") for d in x])
    reg = en.TextRegressor(**fast).fit(x, target)
    predicted = reg.predict(x)
    assert predicted.shape == (90,)
    assert 50.0 < predicted.mean() < 200.0


def test_text_tasks_are_sklearn_clonable():
    clf = en.TextClassifier(max_trials=2, missing_text="empty", multi_label=False)
    assert clone(clf).get_params() == clf.get_params()


def test_text_export_serves_raw_strings_without_easynas(corpus, fast, tmp_path,
                                                        run_without_easynas):
    x, y = corpus
    clf = en.TextClassifier(**fast).fit(x, y)
    folder = clf.export(tmp_path / "served")
    queries = ["goal match team", "", "Ünïcödé recipe oven", " ".join(["code"] * 5000)]
    np.save(tmp_path / "expected.npy", clf.predict_proba(queries))
    (tmp_path / "queries.json").write_text(json.dumps(queries))
    code = """
        import json, sys
        import numpy as np
        import tensorflow as tf
        folder, queries, expected = sys.argv[1:]
        serve = tf.saved_model.load(folder).signatures["serving_default"]
        texts = json.load(open(queries, encoding="utf-8"))
        out = serve(text=tf.constant(texts))
        np.testing.assert_allclose(out["probabilities"].numpy(), np.load(expected), atol=1e-5)
        print(sorted(out), [c.decode() for c in out["classes"].numpy()])
    """
    process = run_without_easynas(code, folder, tmp_path / "queries.json",
                                  tmp_path / "expected.npy")
    predicted = list(clf.predict(queries))
    assert process.stdout.strip() == f"['classes', 'probabilities'] {predicted}"


def test_automodel_composes_a_text_graph(corpus, fast):
    x, y = corpus
    text = en.TextInput(name="review")
    block = en.blocks.TextBlock(block_type="conv")(text)
    output = en.ClassificationHead()(block)
    model = en.AutoModel(inputs=text, outputs=output, **fast).fit({"review": x}, y)
    values = model.trials_[0].values
    assert "text_block/block_type" not in values  # fixed, so not searched
    assert any(name.startswith("text_block/conv/") for name in values)
    assert len(model.predict({"review": x[:4]})) == 4
