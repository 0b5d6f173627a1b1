"""Several inputs of different kinds and several heads: Merge, bare heads, DataFrames, export."""

from __future__ import annotations

import json

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd
import pytest

import easynas as en
from easynas.blocks import Merge, TabularBlock, TextBlock
from easynas.exceptions import InvalidDataError

SEED = 3


@pytest.mark.parametrize("merge_type, width", [("concatenate", 4 + 6 + 7), ("add", 16),
                                               ("gated", 16)])
def test_merge_joins_branches_of_any_rank_with_stock_layers(merge_type, width):
    branches = [keras.Input((8, 8, 4)), keras.Input((5, 6)), keras.Input((7,))]
    block = Merge(merge_type=merge_type, units=16, name="merge")
    output = block.build(kt.HyperParameters(), branches)
    model = keras.Model(branches, output)
    assert tuple(output.shape) == (None, width)
    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)
    rng = np.random.default_rng(SEED)
    values = model.predict([rng.normal(size=(3, *b.shape[1:])) for b in branches], verbose=0)
    assert values.shape == (3, width) and np.isfinite(values).all()


def test_merge_searches_its_type_and_units_only_where_they_matter():
    hp = kt.HyperParameters()
    Merge(name="merge").build(hp, [keras.Input((4,)), keras.Input((3,))])
    assert hp.values == {"merge_type": "concatenate"}  # units only under add / gated
    single = kt.HyperParameters()
    one = Merge(name="merge").build(single, [keras.Input((4, 4, 2))])
    assert tuple(one.shape) == (None, 2) and single.values == {}
    with pytest.raises(ValueError, match=r"`merge_type` of Merge must be one of"):
        Merge(merge_type="max")
    with pytest.raises(ValueError, match="`units` of Merge"):
        Merge(units=0)
    assert Merge.from_config(Merge(merge_type=["add", "gated"]).get_config()).merge_type == [
        "add", "gated"]


def _reviews(rows: int = 48) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Hotel reviews with a small table of facts: a class and a score to learn."""
    rng = np.random.default_rng(SEED)
    mood = rng.choice(["lovely", "awful"], rows)
    stars = rng.integers(1, 6, rows).astype(float)
    frame = pd.DataFrame({
        "review": [f"the room was {m} and the staff {s}" for m, s in
                   zip(mood, rng.choice(["kind", "slow", "busy"], rows))],
        "stars": stars,
        "city": rng.choice(["Paris", "Oslo", "Lima"], rows).astype(object),
    })
    frame.loc[4, "city"] = None
    y = {"liked": np.where(mood == "lovely", "yes", "no"),
         "score": (stars * 2 + (mood == "lovely") * 3).astype("float32")}
    return frame, y


def _multimodal(**fast) -> en.AutoModel:
    return en.AutoModel(
        [en.TextInput(name="review"), en.TabularInput(name="facts")],
        [en.ClassificationHead(name="liked"), en.RegressionHead(name="score")],
        refit=False, **fast,
    )


def test_bare_heads_get_each_inputs_default_block_joined_by_a_merge():
    heads = [en.ClassificationHead(name="liked"), en.RegressionHead(name="score")]
    model = en.AutoModel([en.TextInput(name="review"), en.TabularInput(name="facts")], heads)
    graph = model._make_graph()
    kinds = {b.name: type(b) for b in graph.blocks}
    assert [kinds[n] for n in ("text_block", "tabular_block", "merge")] == [
        TextBlock, TabularBlock, Merge]
    assert graph.edges["merge"] == ["text_block", "tabular_block"]
    assert graph.edges["liked"] == graph.edges["score"] == ["merge"]
    assert graph.outputs == ["liked", "score"]
    assert all(not head.inputs for head in heads)  # the user's heads stay unconnected


SERVE = """
import json, sys
import numpy as np
import tensorflow as tf

serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
_, kwargs = serve.structured_input_signature
with open(sys.argv[2]) as f:
    request = json.load(f)
out = serve(**{k: tf.constant(v, dtype=kwargs[k].dtype) for k, v in request.items()})
np.savez(sys.argv[3], **{k: v.numpy().astype(bytes).astype(str) if v.dtype == tf.string
                         else v.numpy() for k, v in out.items()})
with open(sys.argv[4], "w") as f:
    json.dump(sorted(kwargs), f)
"""


def test_text_and_table_with_two_heads_fit_predict_and_serve_by_name(
    tmp_path, fast, run_without_easynas
):
    frame, y = _reviews()
    model = _multimodal(**fast).fit(frame, y)  # one DataFrame: "review" + the rest
    assert type(model.spec_.inputs[1]).__name__ == "TabularSpec"
    assert list(model.spec_.inputs[1].column_names) == ["stars", "city"]

    predicted = model.predict(frame.head(5))
    assert set(predicted) == {"liked", "score"}
    assert set(predicted["liked"]) <= {"yes", "no"} and predicted["score"].shape == (5,)
    same = model.predict({"review": frame["review"].head(5), "facts": frame.head(5)[
        ["stars", "city"]]})
    np.testing.assert_array_equal(same["liked"], predicted["liked"])
    np.testing.assert_allclose(same["score"], predicted["score"], rtol=1e-6)

    folder = model.export(str(tmp_path / "serving"))
    request = {"review": frame["review"].head(5).tolist(),
               "stars": frame["stars"].head(5).tolist(),
               "city": frame["city"].head(5).fillna("").tolist()}
    (tmp_path / "request.json").write_text(json.dumps(request))
    run_without_easynas(SERVE, folder, tmp_path / "request.json", tmp_path / "out.npz",
                        tmp_path / "inputs.json")
    served = np.load(tmp_path / "out.npz")
    assert json.loads((tmp_path / "inputs.json").read_text()) == ["city", "review", "stars"]
    np.testing.assert_allclose(served["liked_probabilities"],
                               model.predict_proba(frame.head(5))["liked"], atol=1e-5)
    np.testing.assert_array_equal(served["liked_classes"], predicted["liked"])
    np.testing.assert_allclose(served["score_predictions"], predicted["score"], rtol=1e-4)


def test_a_dataframe_must_have_a_column_for_each_named_input(fast):
    frame, y = _reviews()
    model = en.AutoModel([en.TextInput(name="comment"), en.TabularInput()],
                         [en.ClassificationHead(name="liked"), en.RegressionHead(name="score")],
                         **fast)
    with pytest.raises(InvalidDataError, match=r"no column is named 'comment' for the text "
                                               r"input"):
        model.fit(frame, y)


def test_head_loss_weights_weigh_the_total_loss_that_ranks_candidates():
    from easynas.data import DataSpec, analyze_classification_target, analyze_regression_target
    from easynas.data._conform import encode_target
    from easynas.graph import Graph

    frame, y = _reviews()
    table = en.TabularInput(name="facts")
    x = en.blocks.DenseBlock(num_layers=1, units=8)(table)
    heads = [en.ClassificationHead(name="liked", loss_weight=3.0)(x),
             en.RegressionHead(name="score", loss_weight=0.5)(x)]
    graph = Graph.from_nodes(table, heads)
    data = graph.inputs[0].read(frame[["stars", "city"]], "x")
    spec = DataSpec(inputs=(graph.inputs[0].analyze(data, "x"),),
                    targets=(analyze_classification_target(y["liked"]),
                             analyze_regression_target(y["score"])))
    model = graph.build(kt.HyperParameters(), spec)
    targets = [encode_target(s, y[n], "y") for s, n in zip(spec.targets, ["liked", "score"])]
    result = model.evaluate(graph.inputs[0].conform(spec.inputs[0], data, "x"), targets,
                            batch_size=len(frame), verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(3.0 * result["liked_loss"]
                                           + 0.5 * result["score_loss"], rel=1e-4)
    # Left unset, a regression head weighs its squared error by 1 / the variance.
    heads = [en.ClassificationHead(name="liked")(x), en.RegressionHead(name="score")(x)]
    model = Graph.from_nodes(table, heads).build(kt.HyperParameters(), spec)
    result = model.evaluate(graph.inputs[0].conform(spec.inputs[0], data, "x"), targets,
                            batch_size=len(frame), verbose=0, return_dict=True)
    variance = float(np.var(y["score"]))
    assert result["loss"] == pytest.approx(result["liked_loss"]
                                           + result["score_loss"] / variance, rel=1e-3)
    with pytest.raises(ValueError, match="`loss_weight` of RegressionHead must be a positive"):
        en.RegressionHead(loss_weight=0)


def test_hand_made_graphs_are_checked_before_any_search():
    from easynas.graph import Graph

    text, table = en.TextInput(name="review"), en.TabularInput()
    only_text = en.ClassificationHead()(Merge()([TextBlock()(text)]))
    with pytest.raises(ValueError, match="Input 1 in `inputs` is not connected"):
        Graph.from_nodes([text, table], only_text)
    first = en.blocks.DenseBlock()
    second = en.blocks.DenseBlock()
    head = en.ClassificationHead()(second(first(table)))
    first.inputs = [head.producer.inputs[0]]  # rewired into a loop behind the API's back
    with pytest.raises(ValueError, match="cycle through DenseBlock"):
        Graph.from_nodes(table, head)
    with pytest.raises(TypeError, match="`outputs` must be the nodes returned by heads"):
        Graph.from_nodes(table, TextBlock()(text))


def test_images_with_a_table_train_through_their_default_blocks(digits, fast):
    # A synthetic pairing (no real image + table set loads offline here): each digit
    # image with two facts derived from it, its ink and a category.
    images, labels = digits
    facts = pd.DataFrame({"ink": images.reshape(len(images), -1).mean(axis=1),
                          "parity": np.where(labels % 2 == 0, "even", "odd").astype(object)})
    model = en.AutoModel([en.ImageInput(name="digit"), en.TabularInput(name="facts")],
                         en.ClassificationHead(name="label"), refit=False, **fast)
    model.fit({"digit": images, "facts": facts}, labels)
    assert [type(b).__name__ for b in model.graph_.blocks[:3]] == [
        "ImageBlock", "TabularBlock", "Merge"]
    predicted = model.predict([images[:4], facts.head(4)])
    assert predicted.shape == (4,) and set(predicted) <= set(labels)
