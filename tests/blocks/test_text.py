"""The text blocks: raw strings in through a spec-built TextVectorization, a vector out."""

from __future__ import annotations

import math

import keras
import keras_tuner as kt
import numpy as np
import pytest

from easynas.blocks import (
    NgramBlock,
    TextBlock,
    TextConvBlock,
    TextRNNBlock,
    TransformerBlock,
)
from easynas.blocks._text_layers import sequence_lengths
from easynas.data._spec import ImageSpec, TextSpec
from easynas.data._text import analyze_text, read_texts
from tests.blocks import _harness as h

BLOCKS = [NgramBlock, TextConvBlock, TextRNNBlock, TransformerBlock]
# Small fixed settings so that building and training stay fast on 2 CPU cores.
TINY = {
    NgramBlock: {"max_tokens": 50, "units": 8},
    TextConvBlock: {"sequence_length": 16, "embedding_dim": 8, "num_layers": 2, "filters": 8,
                    "kernel_size": 3},
    TextRNNBlock: {"sequence_length": 8, "embedding_dim": 8, "num_layers": 2, "units": 4},
    TransformerBlock: {"sequence_length": 16, "embedding_dim": 8, "num_heads": 2, "ff_dim": 8},
}
ODD_DOCUMENTS = ["", "Élan ÉCOLE ünïcödé 東京 — «quotes»", "good " * 3000, "!!! ..."]
FILLER = "film plot actor scene story music light long short red blue green".split()


def make_corpus(num: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Documents of 3-20 filler words holding "good" (label 1) or "bad" (label 0)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=num)
    docs = []
    for label in labels:
        words = list(rng.choice(FILLER, size=int(rng.integers(2, 20))))
        words.insert(int(rng.integers(0, len(words) + 1)), "good" if label else "bad")
        docs.append(" ".join(words))
    return np.array(docs, dtype=object), labels


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray]:
    return make_corpus()


@pytest.fixture(scope="module")
def spec(corpus) -> TextSpec:
    return analyze_text(read_texts(list(corpus[0])))


def build_text(block, spec, values=None, scope=None):
    """Build `block` on a string input under a fresh `HyperParameters`, in `scope`."""
    keras.backend.clear_session(free_memory=False)
    hp = kt.HyperParameters()
    hp.values.update(values or {})
    inputs = keras.Input(shape=(), dtype="string", name="text")
    if scope is None:
        outputs = block.build(hp, [inputs], input_specs=[spec])
    else:
        with hp.name_scope(scope):
            outputs = block.build(hp, [inputs], input_specs=[spec])
    return hp, keras.Model(inputs, outputs)


def strings(docs) -> np.ndarray:
    return np.array(list(docs), dtype=object)


# --- config, arguments, hyperparameters ---------------------------------------


@pytest.mark.parametrize("cls", [*BLOCKS, TextBlock])
def test_text_blocks_config_round_trip(cls):
    h.check_config_round_trip(cls())
    h.check_config_round_trip(cls(name="t"))
    if cls is TextBlock:
        h.check_config_round_trip(TextBlock(block_type=["conv", "ngram"], name="t"))
    else:
        h.check_config_round_trip(cls(**TINY[cls], dropout=[0.0, 0.5], name="t"))


@pytest.mark.parametrize(
    "cls, argument, bad",
    [(NgramBlock, "output_mode", ["tfidf", ["count", "binary"], []]),
     (NgramBlock, "ngrams", [3, 0, "2", 2.0]), (NgramBlock, "max_tokens", [0, 1.5]),
     (NgramBlock, "num_layers", [-1, True]), (NgramBlock, "dropout", [1.0, -0.1]),
     (TextConvBlock, "sequence_length", [0, "64"]), (TextConvBlock, "kernel_size", [0]),
     (TextRNNBlock, "rnn_type", ["rnn", ["gru", "LSTM"]]), (TextRNNBlock, "units", [0]),
     (TransformerBlock, "num_heads", [0, [2, None]]), (TransformerBlock, "ff_dim", [-1]),
     (TextBlock, "block_type", ["bert", ["ngram", "cnn"], []])],
)
def test_text_blocks_reject_bad_values(cls, argument, bad):
    h.check_rejects(cls, argument, bad)


def test_ngram_block_default_candidate(spec):
    hp, model = build_text(NgramBlock(name="n"), spec)
    assert hp.values == {"output_mode": "tf_idf", "ngrams": 2, "max_tokens": 20000,
                         "num_layers": 1, "units": 256, "dropout": 0.25}
    assert tuple(model.output.shape) == (None, 256)
    vectorizer = model.get_layer("n_vectorizer")
    # The whole (small) n-gram vocabulary, capped below max_tokens, plus [UNK].
    assert vectorizer.vocabulary_size() == len(spec.vocabulary) + len(spec.bigrams) + 1
    assert vectorizer.get_vocabulary()[0] == "[UNK]"


@pytest.mark.parametrize("cls, expected", [
    (TextConvBlock, {"embedding_dim": 64, "num_layers": 1, "filters": 128, "kernel_size": 5,
                     "dropout": 0.25}),
    (TextRNNBlock, {"embedding_dim": 64, "rnn_type": "gru", "num_layers": 1, "units": 64,
                    "dropout": 0.25}),
    (TransformerBlock, {"embedding_dim": 64, "num_heads": 2, "ff_dim": 128, "num_layers": 1,
                        "dropout": 0.1}),
])
def test_sequence_blocks_default_candidate(spec, cls, expected):
    hp, model = build_text(cls(name="s"), spec)
    lengths = sequence_lengths(spec, 512 if cls is TextConvBlock else 256)
    assert hp.values == {"sequence_length": lengths[0], **expected}
    assert list(h.registered(hp)["sequence_length"].values) == lengths
    assert len(model.output.shape) == 2
    vectorizer = model.get_layer("s_vectorizer")
    assert tuple(vectorizer.output.shape) == (None, lengths[0])
    # Padding (0) and out-of-vocabulary (1) come before the spec's vocabulary.
    assert vectorizer.get_vocabulary()[:3] == ["", "[UNK]", spec.vocabulary[0]]
    assert model.get_layer("s_embedding").input_dim == len(spec.vocabulary) + 2


def test_sequence_lengths_follow_the_corpus_and_their_cap():
    def lengths(median, p90):
        return sequence_lengths(TextSpec(("a",), (1,), (), (), median, p90, 10**5, 9), 256)

    assert lengths(40, 100) == [112, 48]
    assert lengths(300, 2000) == [256, 128]  # capped; very long documents are truncated
    assert lengths(100, 100) == [112, 56]
    assert lengths(0, 3) == [16, 8]
    assert lengths(0, 0) == [16, 8]


@pytest.mark.parametrize("cls", BLOCKS)
def test_text_blocks_fixed_arguments_register_nothing(spec, cls):
    fixed = {**TINY[cls], "dropout": 0.0}
    hp, model = build_text(cls(**fixed, name="b"), spec)
    assert not set(fixed) & set(hp.values)
    assert all(name.startswith("b_") for name in h.layer_names(model)[1:])
    assert not any("dropout" in name for name in h.layer_names(model))


@pytest.mark.parametrize("cls, listed", [
    (NgramBlock, {"output_mode": ["multi_hot", "count"], "ngrams": [1], "max_tokens": [7, 3],
                  "num_layers": [0, 2]}),
    (TextConvBlock, {"sequence_length": [20, 10], "filters": [8, 4], "kernel_size": [7, 3]}),
    (TextRNNBlock, {"rnn_type": ["lstm", "gru"], "units": [4, 8]}),
    (TransformerBlock, {"num_heads": [4, 1], "embedding_dim": [8], "num_layers": [2, 1]}),
])
def test_text_blocks_list_arguments_register_exact_choices(spec, cls, listed):
    hp, model = build_text(cls(**listed, name="b"), spec)
    space = h.registered(hp)
    for name, values in listed.items():
        assert list(space[name].values) == values
        assert hp.values[name] == values[0]
    if cls is NgramBlock:  # unigrams only, 7 of them, counted over the vocabulary plus [UNK]
        vectorizer = model.get_layer("b_vectorizer")
        assert vectorizer.get_vocabulary()[1:] == list(spec.vocabulary[:7])
        assert tuple(model.output.shape) == (None, 8)
        assert vectorizer.get_config()["output_mode"] == "multi_hot"


# --- running, training, saving ----------------------------------------------------


@pytest.mark.parametrize("cls", BLOCKS)
def test_text_blocks_run_on_raw_strings_and_train_one_step(spec, corpus, cls, seed):
    _, model = build_text(cls(**TINY[cls], name="b"), spec)
    assert model.input.dtype == "string"
    features = model.predict(strings(ODD_DOCUMENTS), verbose=0)
    assert features.shape[0] == len(ODD_DOCUMENTS) and np.isfinite(features).all()

    outputs = keras.layers.Dense(2, activation="softmax", name="test_softmax")(model.output)
    classifier = keras.Model(model.input, outputs)
    classifier.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                       loss="sparse_categorical_crossentropy", run_eagerly=True)
    x = strings([*corpus[0][:12], *ODD_DOCUMENTS])
    y = np.array([*corpus[1][:12], 0, 1, 1, 0])
    before = keras.ops.convert_to_numpy(model.trainable_weights[0])
    history = classifier.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert math.isfinite(history.history["loss"][-1])
    after = keras.ops.convert_to_numpy(model.trainable_weights[0])
    assert not np.allclose(before, after), f"{model.trainable_weights[0].path} did not train"


@pytest.mark.parametrize("cls", BLOCKS)
def test_text_blocks_survive_keras_save_and_load(spec, cls, tmp_path):
    _, model = build_text(cls(**TINY[cls], name="b"), spec)
    # Stock Keras layers only: the exported model loads without easynas.
    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = strings(["good film", "a bad plot", *ODD_DOCUMENTS])
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("output_mode", ["tf_idf", "count", "multi_hot"])
def test_ngram_block_every_output_mode_trains_in_graph_mode(spec, corpus, output_mode):
    # "count" and "multi_hot" vectors come out of TextVectorization as int64.
    block = NgramBlock(output_mode=output_mode, num_layers=0, max_tokens=20, name="n")
    _, model = build_text(block, spec)
    outputs = keras.layers.Dense(2, activation="softmax", name="test_softmax")(model.output)
    classifier = keras.Model(model.input, outputs)
    classifier.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = classifier.fit(corpus[0][:16], corpus[1][:16], batch_size=8, verbose=0)
    assert math.isfinite(history.history["loss"][-1])
    assert model.output.dtype == "float32"


def test_ngram_block_learns_a_separable_task(corpus, spec, seed):
    keras.utils.set_random_seed(seed)
    _, model = build_text(NgramBlock(name="n"), spec)
    outputs = keras.layers.Dense(2, activation="softmax", name="test_softmax")(model.output)
    classifier = keras.Model(model.input, outputs)
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = classifier.fit(corpus[0], corpus[1], epochs=3, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("cls", [*BLOCKS, TextBlock])
@pytest.mark.parametrize("bad_spec", [None, ImageSpec((8, 8), "uint8", (0.0,), (1.0,), 4)])
def test_text_blocks_must_be_fed_by_a_text_input(cls, bad_spec):
    with pytest.raises(ValueError, match="must be fed by a TextInput"):
        cls().build(kt.HyperParameters(), [keras.Input(shape=(), dtype="string")],
                    input_specs=[bad_spec])


def test_text_blocks_reject_a_non_string_tensor(spec):
    with pytest.raises(ValueError, match="string tensor"):
        NgramBlock().build(kt.HyperParameters(), [keras.Input((8,))], input_specs=[spec])


# --- TextBlock: conditional scopes ------------------------------------------------


def test_text_block_default_candidate_is_ngram(spec):
    hp, model = build_text(TextBlock(name="text_block"), spec, scope="text_block")
    assert hp.values == {
        "text_block/block_type": "ngram",
        "text_block/ngram/output_mode": "tf_idf",
        "text_block/ngram/ngrams": 2,
        "text_block/ngram/max_tokens": 20000,
        "text_block/ngram/num_layers": 1,
        "text_block/ngram/units": 256,
        "text_block/ngram/dropout": 0.25,
    }
    assert all(n.startswith("text_block_ngram_") for n in h.layer_names(model)[1:])


@pytest.mark.parametrize("block_type", ["conv", "rnn", "transformer"])
def test_text_block_only_the_chosen_block_is_active(spec, block_type):
    hp, model = build_text(TextBlock(name="t"), spec, {"t/block_type": block_type}, scope="t")
    assert len(model.output.shape) == 2
    assert {name.split("/")[1] for name in hp.values if name.count("/") == 2} == {block_type}
    assert all(n.startswith(f"t_{block_type}_") for n in h.layer_names(model)[1:])
    for param in hp.space:
        if param.name != "t/block_type":
            (condition,) = param.conditions
            assert condition.name == "t/block_type"
            assert list(condition.values) == [block_type]


def test_text_block_fixed_and_listed_block_types(spec):
    hp, _ = build_text(TextBlock(block_type="conv", name="t"), spec, scope="t")
    assert "t/block_type" not in hp.values
    assert all(not p.conditions for p in hp.space)
    assert all(name.startswith("t/conv/") for name in hp.values)

    hp, _ = build_text(TextBlock(block_type=["rnn", "ngram"], name="t"), spec, scope="t")
    assert list(h.registered(hp)["t/block_type"].values) == ["rnn", "ngram"]
    assert hp.values["t/block_type"] == "rnn"
    assert not any(name.startswith(("t/conv/", "t/ngram/")) for name in hp.values)


def test_text_block_under_keras_tuner_exposes_conditional_space(spec, tmp_path):
    def hypermodel(hp):
        inputs = keras.Input(shape=(), dtype="string", name="text")
        with hp.name_scope("text_block"):
            x = TextBlock(name="text_block").build(hp, [inputs], input_specs=[spec])
        model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
        model.compile(loss="sparse_categorical_crossentropy")
        return model

    tuner = kt.RandomSearch(hypermodel=hypermodel, objective="val_loss", max_trials=1,
                            directory=str(tmp_path), project_name="text_block")
    by_name = h.registered(tuner.oracle.get_space())
    for block_type in ("ngram", "conv", "rnn", "transformer"):
        conditional = [n for n in by_name if n.startswith(f"text_block/{block_type}/")]
        assert conditional, f"no {block_type} hyperparameters declared"
        for name in conditional:
            (condition,) = by_name[name].conditions
            assert list(condition.values) == [block_type]
