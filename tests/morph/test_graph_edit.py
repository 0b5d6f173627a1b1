"""The rebuild: preprocessing state survives, names stay unique, easynas' own models work."""

from __future__ import annotations

import keras
import keras_tuner
import numpy as np

from easynas.blocks import ConvBlock
from easynas.data import DataSpec, analyze_classification_target, analyze_images
from easynas.data._labels import encode_labels
from easynas.graph import ClassificationHead, Graph, ImageInput
from easynas.morph import Deeper, Wider, apply_ops, candidates
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
    return h._randomize(model, seed)


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
