"""The rebuild: preprocessing state survives, names stay unique, easynas' own models work."""

from __future__ import annotations

import keras
import keras_tuner
import numpy as np
import pytest

from easynas.blocks import ConvBlock
from easynas.data import DataSpec, analyze_classification_target, analyze_images
from easynas.data._labels import encode_labels
from easynas.graph import ClassificationHead, Graph, ImageInput
from easynas.morph import Deeper, MorphError, Wider, apply_ops, candidates
from easynas.morph._graph_edit import ModelGraph
from tests.morph import _harness as h


def _lookup_model(seed: int) -> keras.Model:
    """Adapted StringLookup, IntegerLookup and TextVectorization feeding Dense layers."""
    colour = keras.Input((1,), dtype="string", name="colour")
    size = keras.Input((1,), dtype="int64", name="size")
    text = keras.Input((), dtype="string", name="text")
    colours = keras.layers.StringLookup(output_mode="one_hot", name="colours")
    colours.adapt(np.array([["red"], ["green"], ["blue"], ["red"]]))
    sizes = keras.layers.IntegerLookup(output_mode="one_hot", name="sizes")
    sizes.adapt(np.array([[3], [5], [7], [5]]))
    words = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=4,
                                           name="words")
    words.adapt(np.array(["a cat sat", "the dog ran far", "a dog sat"]))
    embedded = keras.layers.Embedding(12, 4, name="embed")(words(text))
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(embedded)
    joined = keras.layers.Concatenate(name="join")([
        keras.layers.Flatten(name="flat_colour")(colours(colour)),
        keras.layers.Flatten(name="flat_size")(sizes(size)), pooled])
    hidden = keras.layers.Dense(6, activation="relu", name="hidden")(joined)
    model = keras.Model([colour, size, text], keras.layers.Dense(2, name="out")(hidden))
    return h.randomize(model, seed)


def test_adapted_lookup_vocabularies_survive_the_rebuild(seed):
    parent = _lookup_model(seed)
    x = [np.array([["blue"], ["red"], ["pink"]]), np.array([[7], [3], [9]]),
         np.array(["the cat ran", "a a a", "unknown words here"])]
    child = Deeper("hidden").apply(parent, compile=False)
    h.assert_preserves(parent, child, x)
    for name in ("colours", "sizes", "words"):
        assert child.get_layer(name).get_vocabulary() == parent.get_layer(name).get_vocabulary()


def test_adapted_normalization_statistics_survive_the_rebuild(seed):
    parent = h.normalized(seed)
    child = ModelGraph(parent).build()
    np.testing.assert_allclose(child.get_layer("norm").mean, parent.get_layer("norm").mean)
    np.testing.assert_allclose(child.get_layer("norm").variance,
                               parent.get_layer("norm").variance)


def test_child_is_compiled_like_its_parent_or_not_at_all(seed):
    parent = h.mlp(seed)
    child = Deeper("d1").apply(parent)
    assert child.compiled
    assert child.get_compile_config()["loss"] == parent.get_compile_config()["loss"]
    assert child.optimizer is not parent.optimizer
    assert not Deeper("d1").apply(parent, compile=False).compiled


def test_new_layer_names_are_unique_and_repeatable(seed):
    parent = h.mlp(seed)
    child = apply_ops(parent, [Deeper("d1"), Deeper("d1")])
    names = [layer.name for layer in child.layers]
    assert len(names) == len(set(names))
    assert names[:6] == ["x", "d1", "d1_deeper_1", "d1_deeper_1_relu", "d1_deeper",
                         "d1_deeper_relu"]


def test_ops_work_on_a_trained_easynas_model(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(48, 8, 8), dtype=np.uint8)
    y = np.arange(48) % 3
    spec = DataSpec(inputs=(analyze_images(x),), targets=(analyze_classification_target(y),))
    labels = encode_labels(y, spec.targets[0])
    image = ImageInput()
    block = ConvBlock(num_blocks=2, num_layers=1, filters=4, batch_norm=True, dropout=0.25)
    graph = Graph.from_nodes(image, ClassificationHead()(block(image)))
    parent = graph.build(keras_tuner.HyperParameters(), spec)
    parent.fit(x, labels, epochs=1, batch_size=16, verbose=0)
    before = h.snapshot(parent)
    ops = candidates(parent)
    kinds = {op.kind for op in ops}
    assert {"deeper", "wider", "add_skip"} <= kinds
    chosen = [next(op for op in ops if op.kind == kind) for kind in sorted(kinds)]
    child = apply_ops(parent, [op.to_dict() for op in chosen])
    h.assert_preserves(parent, child, x)
    assert isinstance(Wider.candidates(child)[0], Wider)
    h.assert_same_weights(h.snapshot(parent), before)


def test_graphs_with_bare_keras_ops_rebuild_and_refuse_the_ops(seed):
    x = keras.Input((6,), name="x")
    h1 = keras.layers.Dense(4, activation="relu", name="d1")(x)
    half = keras.ops.cast(keras.ops.cast(h1, "float16"), "float32")
    model = keras.Model(x, keras.layers.Dense(2, name="out")(
        keras.layers.Dense(4, activation="relu", name="d2")(half)))
    model = h.randomize(model, seed)
    op_name = next(name for name in ModelGraph(model).names()
                   if not ModelGraph(model).is_layer(name))
    data = np.random.default_rng(seed).normal(size=(16, 6)).astype("float32")
    h.assert_preserves(model, Deeper("d2").apply(model, compile=False), data)
    ok, why = Deeper(op_name, relu=False).applicable(model)
    assert not ok and "operation, not a layer" in why
    with pytest.raises(MorphError, match="widen through .*operation, not a layer"):
        Wider("d1").apply(model)


def _searched_model(kind: str, tmp_path) -> tuple[keras.Model, list]:
    """The best model of a one-trial, one-epoch easynas search, and model inputs."""
    import tensorflow as tf

    import easynas as en
    from tests.blocks._tabular_table import mixed_table
    from tests.tasks.test_text import make_corpus

    family, block_type = kind.split(":")
    rng = np.random.default_rng(0)
    if family == "text":
        docs, labels = make_corpus(60, 0)
        inp, x, y = en.TextInput(), np.array(docs), labels
        node = en.blocks.TextBlock(block_type=block_type)(inp)
    elif family == "tabular":
        x = mixed_table(0, rows=60)
        inp, y = en.TabularInput(), np.where(x.age.fillna(40) > 45, "old", "young")
        node = en.blocks.TabularBlock(block_type=block_type)(inp)
    else:
        x, y = rng.integers(0, 256, size=(48, 8, 8), dtype=np.uint8), np.arange(48) % 3
        inp = en.ImageInput()
        node = {"mbconv": en.blocks.MBConvBlock, "resnet": en.blocks.ResNetBlock,
                "image": en.blocks.ImageBlock}[block_type]()(inp)
    search = en.AutoModel(inp, en.ClassificationHead()(node), max_trials=1, epochs=1,
                          verbose=0, seed=0, refit=False, directory=str(tmp_path))
    model = search.fit(x, y).best_model_
    inputs = []
    for tensor in model.inputs:
        shape = (16, *tensor.shape[1:])
        if tensor.dtype == "string":
            words = np.array(["red", "blue", "green", "the team won", "code bake", ""])
            inputs.append(tf.constant(rng.choice(words, size=shape)))
        else:
            inputs.append(tf.constant(rng.normal(0, 50, size=shape).astype(tensor.dtype)))
    return model, inputs if len(inputs) > 1 else inputs[0]


@pytest.mark.slow
@pytest.mark.parametrize("kind", [
    "text:ngram", "text:conv", "text:rnn", "text:transformer", "tabular:mlp",
    "tabular:transformer", "image:mbconv", "image:resnet", "image:image",
])
def test_every_candidate_preserves_searched_easynas_models(kind, tmp_path):
    model, x = _searched_model(kind, tmp_path)
    for op in candidates(model):
        h.assert_preserves(model, op.apply(model, compile=False), x)


def _lambda_model() -> keras.Model:
    x = keras.Input((4,), name="x")
    h1 = keras.layers.Dense(4, activation="relu", name="d1")(x)
    doubled = keras.layers.Lambda(lambda t: t * 2.0, name="double")(h1)
    return keras.Model(x, keras.layers.Dense(2, name="out")(doubled))


def _tf_idf_model() -> keras.Model:
    text = keras.Input((), dtype="string", name="text")
    words = keras.layers.TextVectorization(output_mode="tf_idf", name="words")
    words.adapt(np.array(["a b", "b c c"]))
    hidden = keras.layers.Dense(2, activation="relu", name="d1")(words(text))
    return keras.Model(text, keras.layers.Dense(1, name="out")(hidden))


@pytest.mark.parametrize(("build", "reason"), [
    (_lambda_model, "Lambda layer 'double' is not rebuilt"),
    (_tf_idf_model, "idf weights of adapted tf_idf layer 'words' are not public"),
])
def test_a_model_that_cannot_be_rebuilt_is_refused_up_front(build, reason):
    model = build()
    ok, why = Deeper("d1").applicable(model)
    assert not ok and reason in why
    with pytest.raises(MorphError, match=reason):
        candidates(model)
