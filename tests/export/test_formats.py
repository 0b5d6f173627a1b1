"""Every export format round-trips on image, text and tabular models: each export runs in
a fresh interpreter where easynas cannot be imported and gives what `predict_proba` /
`predict` give.

Tolerances (absolute on probabilities; absolute + relative on regression values):
SavedModel and `.keras` 1e-5 (the same TensorFlow kernels), TFLite and ONNX 1e-4 (other
kernels, other summation orders). The SavedModel is fed the body `serving_request` makes,
parsed the way TF Serving parses its row format. Text models and tables with string
columns export their numeric-input variant to TFLite and ONNX; image models and numeric
tables take the SavedModel's raw inputs there too.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

import easynas as en
from easynas.exceptions import InvalidParameterError, NotFittedError
from easynas.export import serving_request
from tests.blocks._tabular_table import mixed_table
from tests.export import SEED, staging_leftovers, tree_digest
from tests.tasks.test_text import make_corpus

TOLERANCE = {"saved_model": 1e-5, "keras": 1e-5, "tflite": 1e-4, "onnx": 1e-4}
FORMATS = tuple(TOLERANCE)
# Which formats each model is exported to: image, text and mixed-table models (one network,
# and the finalists' ensemble) to all; a
# numeric table (raw inputs in TFLite / ONNX too) and count-mode n-grams (integer counts
# declared as float32) to the two that take them differently.
CASES = {"image": FORMATS, "text": FORMATS, "table": FORMATS, "ensemble": FORMATS,
         "numbers": ("tflite", "onnx"), "counts": ("tflite", "onnx")}


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Clears Keras' state as the suite-wide fixture does, without its garbage collection
    (about 0.2 s a test, which would dominate this module's many quick tests)."""
    import keras

    keras.backend.clear_session(free_memory=False)
    yield

# Runs every export in one fresh interpreter without easynas: a SavedModel fed a TF
# Serving REST body (`instances`: one JSON object per row, stacked per input name), a
# `.keras` file in Keras, a `.tflite` file in the LiteRT interpreter and an `.onnx` file in
# onnxruntime, each fed the inputs its JSON names.
RUN = """
import json, sys
import numpy as np
import keras
import onnxruntime
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

assert not [m for m in sys.modules if m.startswith("easynas") and sys.modules[m] is not None]
results = {}
for case, (fmt, path, feeds) in json.loads(sys.argv[1]).items():
    if fmt == "saved_model":
        serve = tf.saved_model.load(path).signatures["serving_default"]
        _, specs = serve.structured_input_signature
        with open(feeds) as f:
            rows = json.load(f)["instances"]
        outputs = serve(**{name: tf.constant([row[name] for row in rows], dtype=spec.dtype)
                           for name, spec in specs.items()})
        outputs = {k: v.numpy() for k, v in outputs.items() if v.dtype != tf.string}
    elif fmt == "keras":
        model = keras.saving.load_model(path)
        data = np.load(feeds)
        x = [data[f"x{i}"] for i in range(len(data.files))]
        x = [a.astype(object) if a.dtype.kind == "U" else a for a in x]  # text as str objects
        outputs = {"outputs": model.predict(x if len(x) > 1 else x[0], verbose=0)}
    else:
        with open(path + ".json") as f:
            schema = json.load(f)["signature"]["inputs"]
        data = np.load(feeds)
        inputs = {i["name"]: data[i["name"]].astype(i["dtype"]) for i in schema}
        if fmt == "tflite":
            runner = Interpreter(model_path=path).get_signature_runner("serving_default")
            outputs = runner(**inputs)
        else:
            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            names = [o.name for o in session.get_outputs()]
            outputs = dict(zip(names, session.run(names, inputs)))
    for key, value in outputs.items():
        results[f"{case}/{key}"] = value
np.savez(sys.argv[2], **results)
"""


def _table(rows: int = 40, seed: int = SEED):
    frame = mixed_table(seed, rows=rows)
    label = (frame.age.fillna(40) > 45) ^ (frame.colour == "red")
    return frame, np.where(label, "yes", "no").astype(object)


def _numeric_table(rows: int = 48):
    rng = np.random.default_rng(SEED)
    frame = pd.DataFrame({"width": rng.normal(10, 3, rows), "height": rng.normal(5, 2, rows),
                          "painted": rng.random(rows) > 0.5})
    frame.loc[3, "width"] = np.nan
    return frame, (frame.width.fillna(10) * 2.0 + frame.height * 30.0).to_numpy()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """An image classifier, a text classifier, a mixed-table classifier (numeric,
    categorical, boolean, datetime and text columns, with gaps), a numeric-table
    regressor and a count-mode n-gram text model: one trial, one epoch each; and the
    mixed-table classifier's two-trial search that deploys its finalists' ensemble;
    with the rows to predict."""
    from easynas.blocks import NgramBlock
    from tests.export import tiny_digits

    fast = dict(max_trials=1, epochs=1, batch_size=16, verbose=0, seed=SEED,
                directory=str(tmp_path_factory.mktemp("projects")))
    x_img, y_img = tiny_digits()
    docs, topics = make_corpus(60, SEED)
    frame, labels = _table()
    numbers, values = _numeric_table()
    rows = frame.head(10).copy()
    rows.loc[0, "colour"] = "purple"  # a category never seen in training
    text = en.TextInput()
    return {
        "image": (en.ImageClassifier(**fast, search="random").fit(x_img, y_img), x_img[:10]),
        "text": (en.TextClassifier(**fast).fit(docs, topics), docs[:10] + ["unseen wörds"]),
        "table": (en.TabularClassifier(**fast, column_types={"review": "text"})
                  .fit(frame, labels), rows),
        # tests/test_ensemble.py's search, whose out-of-fold predictions favour a mix.
        "ensemble": (en.TabularClassifier(**{**fast, "max_trials": 3, "seed": 7},
                                          project_name="ensemble",
                                          finalists_cv=2, column_types={"review": "text"})
                     .fit(*_table(rows=60, seed=1)), rows),
        "numbers": (en.TabularRegressor(**fast).fit(numbers, values), numbers.head(10)),
        "counts": (en.AutoModel(text, en.ClassificationHead()(NgramBlock(output_mode="count")(
            text)), **fast).fit(docs, topics), docs[:10]),
    }


def _model_feeds(estimator, x) -> dict[str, np.ndarray]:
    """The `.keras` model's own inputs for raw `x` (strings as unicode arrays)."""
    features = estimator._features(x, "test")
    return {f"x{i}": (a.astype(str) if a.dtype == object else a) for i, a in enumerate(features)}


def _portable_feeds(estimator, x, schema) -> dict[str, np.ndarray]:
    """The inputs of a TFLite / ONNX export, computed from raw `x` the way a client
    would: raw values where the export takes them, else the cut layers' outputs."""
    import keras

    features = estimator._features(x, "test")
    model = estimator.best_model_
    by_layer = {layer.name: layer for layer in model.layers}
    raw = ({c: x[c].to_numpy() for c in x.columns} if isinstance(x, pd.DataFrame)
           else {"image": np.asarray(x)})
    feeds = {}
    for entry in schema:
        name = entry["name"]
        if name in by_layer:  # a cut string layer: the client computes its output
            front = keras.Model(model.inputs, by_layer[name].output)
            feeds[name] = keras.ops.convert_to_numpy(front(features))  # built on a list
        elif name.endswith("_parts"):  # a datetime column's parts
            index = [t.name for t in model.inputs].index(f"tabular_{entry['from']}")
            feeds[name] = np.asarray(features[index])
        else:
            feeds[name] = np.asarray(raw[name])
    return feeds


@pytest.fixture(scope="module")
def exported(fitted, tmp_path_factory):
    """Every model in every format, with the inputs to feed each export."""
    base = tmp_path_factory.mktemp("exports")
    cases = {}
    for name, (estimator, x) in fitted.items():
        for fmt in CASES[name]:
            numeric = fmt in ("tflite", "onnx") and name in ("text", "table", "ensemble",
                                                              "counts")
            target = base / (name if fmt == "saved_model" else f"{name}.{fmt}")
            path = estimator.export(str(target), format=fmt, numeric_inputs=numeric)
            feeds = base / f"{name}-{fmt}"
            if fmt == "saved_model":
                feeds = feeds.with_suffix(".json")
                feeds.write_text(json.dumps(serving_request(estimator, x)))
            elif fmt == "keras":
                feeds = feeds.with_suffix(".npz")
                np.savez(feeds, **_model_feeds(estimator, x))
            else:
                feeds = feeds.with_suffix(".npz")
                schema = json.loads(open(path + ".json").read())["signature"]["inputs"]
                np.savez(feeds, **_portable_feeds(estimator, x, schema))
            cases[f"{name}-{fmt}"] = (fmt, path, str(feeds))
    return cases


@pytest.fixture(scope="module")
def served(exported, tmp_path_factory):
    """The outputs of every export, computed in a fresh interpreter without easynas."""
    import subprocess
    import sys
    import textwrap

    out = tmp_path_factory.mktemp("served") / "out.npz"
    prelude = "import sys\nsys.modules['easynas'] = None  # importing easynas now fails\n"
    process = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(RUN), json.dumps(exported), str(out)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return dict(np.load(out))


@pytest.mark.parametrize("name", CASES)
def test_every_format_serves_like_predict_without_easynas(fitted, served, name):
    estimator, x = fitted[name]
    for fmt in CASES[name]:
        key = ("outputs" if fmt == "keras" else "predictions" if name == "numbers"
               else "probabilities")
        got = served[f"{name}-{fmt}/{key}"]
        if name == "numbers":
            np.testing.assert_allclose(got.reshape(-1), estimator.predict(x),
                                       rtol=TOLERANCE[fmt], atol=TOLERANCE[fmt], err_msg=fmt)
            continue
        expected = estimator.predict_proba(x)
        assert got.shape == expected.shape, fmt
        assert np.max(np.abs(got - expected)) < TOLERANCE[fmt], fmt
        if hasattr(estimator, "classes_"):
            np.testing.assert_array_equal(estimator.classes_[got.argmax(1)],
                                          estimator.predict(x), err_msg=fmt)


def test_the_ensemble_case_is_an_ensemble_of_flat_members(fitted, exported):
    estimator = fitted["ensemble"][0]
    assert estimator.ensemble_ is not None and estimator.ensemble_["wins"]
    members = len(estimator.ensemble_["weights"])
    assert members >= 2
    prefixes = {layer.name.split("_")[0] for layer in estimator.best_model_.layers
                if layer.name.startswith("member")}
    assert prefixes == {f"member{i}" for i in range(members)}
    # The numeric-input variant cuts each member's own category lookup.
    schema = json.loads(open(exported["ensemble-onnx"][1] + ".json").read())["signature"]
    lookups = [i for i in schema["inputs"] if i["name"].endswith("category0_lookup")]
    assert sorted(i["name"] for i in lookups) == [f"member{i}_tabular_category0_lookup"
                                                 for i in range(members)]
    assert all(i["from"] == "colour" for i in lookups)


def test_metadata_beside_every_export_records_version_spec_schema_classes_metrics(
    fitted, exported
):
    for case, (fmt, path, _) in exported.items():
        estimator = fitted[case.split("-")[0]][0]
        json_path = (os.path.join(path, "easynas_metadata.json") if fmt == "saved_model"
                     else path + ".json")
        metadata = json.loads(open(json_path).read())
        assert metadata["easynas_version"] == en.__version__, case
        assert metadata["spec"] == estimator.spec_.to_dict(), case
        assert metadata["signature"]["inputs"], case
        assert "val_loss" in metadata["metrics"], case
        if hasattr(estimator, "classes_"):
            assert metadata["classes"] == {
                "classification_head": estimator.classes_.tolist()}, case


def test_tflite_and_onnx_metadata_describe_the_variant_and_the_check(fitted, exported):
    image = json.loads(open(exported["image-tflite"][1] + ".json").read())
    assert image["variant"] == "raw"
    assert image["signature"]["inputs"] == [
        {"name": "image", "dtype": "uint8", "shape": [None, 8, 8], "from": "image"}]
    assert image["signature"]["outputs"] == {
        "probabilities": {"dtype": "float32", "shape": [None, 10]}}
    assert image["check"]["max_abs_difference"] <= image["check"]["atol"] == 1e-4

    table = json.loads(open(exported["table-onnx"][1] + ".json").read())
    assert table["variant"] == "numeric"
    by_name = {i["name"]: i for i in table["signature"]["inputs"]}
    assert set(by_name) == {"age", "member", "joined_parts", "tabular_category0_lookup",
                            "tabular_text0"}
    lookup = by_name["tabular_category0_lookup"]
    assert lookup["from"] == "colour" and lookup["computed_as"]["layer"] == "StringLookup"
    assert set(lookup["computed_as"]["vocabulary"]) >= {"red", "green", "blue"}
    assert by_name["tabular_text0"]["computed_as"]["output_mode"] == "tf_idf"

    numbers = json.loads(open(exported["numbers-onnx"][1] + ".json").read())
    assert numbers["variant"] == "raw"
    assert [i["name"] for i in numbers["signature"]["inputs"]] == ["width", "height", "painted"]


def test_serving_request_is_the_same_from_the_estimator_and_from_the_export(
    fitted, exported
):
    for name in ("image", "text", "table"):
        estimator, x = fitted[name]
        folder = exported[f"{name}-saved_model"][1]
        request = serving_request(estimator, x)
        from_export = serving_request(os.path.dirname(folder), x)  # the base folder
        assert json.dumps(request) == json.dumps(from_export)  # NaN != NaN in a dict
        assert request["signature_name"] == "serving_default"
        assert len(request["instances"]) == len(x)
    table = serving_request(fitted["table"][0], fitted["table"][1])["instances"]
    assert table[0]["colour"] == "purple" and table[1]["age"] != table[1]["age"]  # NaN
    assert isinstance(table[0]["member"], bool)
    assert table[0]["joined"].count(":") == 2  # "YYYY-MM-DD HH:MM:SS"


# --- what an export refuses: a clear error, and the disk as it was ------------------------


def test_string_models_are_refused_with_raw_inputs_naming_the_layers(fitted, tmp_path):
    text, _ = fitted["text"]
    for fmt in ("tflite", "onnx"):
        with pytest.raises(InvalidParameterError,
                           match=r"'format'.*TextVectorization.*numeric_inputs=True"):
            text.export(str(tmp_path / f"model.{fmt}"), format=fmt)
    table, _ = fitted["table"]
    with pytest.raises(InvalidParameterError, match=r"StringLookup.*\['colour', 'joined'"):
        table.export(str(tmp_path / "model.tflite"), format="tflite")
    assert os.listdir(tmp_path) == []


def test_export_refuses_bad_requests_and_leaves_the_disk_as_it_was(fitted, tmp_path):
    image, _ = fitted["image"]
    (tmp_path / "model.onnx").write_bytes(b"an older model")
    (tmp_path / "serving" / "1").mkdir(parents=True)
    (tmp_path / "serving" / "1" / "saved_model.pb").write_bytes(b"an older model")
    before = tree_digest(tmp_path)
    with pytest.raises(FileExistsError, match="model.onnx.*overwrite=True"):
        image.export(str(tmp_path / "model.onnx"), format="onnx")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        image.export(str(tmp_path / "serving"), version=1)
    with pytest.raises(InvalidParameterError, match=r"'format'.*\['saved_model', 'keras', "
                                                    r"'tflite', 'onnx'\].*'pmml'"):
        image.export(str(tmp_path / "model.pmml"), format="pmml")
    with pytest.raises(InvalidParameterError, match="'path'.*'.tflite'"):
        image.export(str(tmp_path / "model.lite"), format="tflite")
    with pytest.raises(InvalidParameterError, match="'version'.*'tflite'"):
        image.export(str(tmp_path / "m.tflite"), format="tflite", version=2)
    with pytest.raises(InvalidParameterError, match="'numeric_inputs'.*'saved_model'"):
        image.export(str(tmp_path / "serving"), numeric_inputs=True)
    for fmt, name in zip(FORMATS, ("served", "m.keras", "m.tflite", "m.onnx")):
        with pytest.raises(NotFittedError, match="call `fit` before `export`"):
            en.ImageClassifier().export(str(tmp_path / name), format=fmt)
    assert tree_digest(tmp_path) == before
    image.export(str(tmp_path / "model.onnx"), format="onnx", overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["model.onnx", "model.onnx.json", "serving"]
    assert not staging_leftovers(tmp_path)


def _wrapped(estimator, layer):
    """The estimator's model with `layer` applied to its output (a stand-in for a
    model a format cannot take, built from stock Keras parts)."""
    import keras

    model = estimator.best_model_
    return keras.Model(model.inputs, layer(model.outputs[0]))


@pytest.mark.parametrize("fmt", ["tflite", "onnx"])
def test_an_op_the_format_lacks_is_named_and_nothing_is_written(fitted, tmp_path, fmt):
    import keras
    import tensorflow as tf

    from easynas.export import export_onnx, export_tflite

    image, _ = fitted["image"]
    bessel = _wrapped(image, keras.layers.Lambda(tf.math.bessel_i0, name="bessel"))
    write = export_tflite if fmt == "tflite" else export_onnx
    with pytest.raises(InvalidParameterError, match=rf"cannot be '{fmt}'.*BesselI0.*bessel"):
        write(bessel, image.spec_, str(tmp_path / "out" / f"model.{fmt}"),
              input_nodes=image.graph_.inputs, head_names=["classification_head"])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fmt", ["tflite", "onnx"])
def test_a_converted_model_that_computes_otherwise_is_refused_and_not_written(
    fitted, tmp_path, fmt
):
    import keras
    import tensorflow as tf

    from easynas.export import export_onnx, export_tflite

    image, _ = fitted["image"]
    # Fresh noise on every call: the converted model cannot match the Keras model.
    noisy = _wrapped(image, keras.layers.Lambda(
        lambda p: p + tf.random.normal(tf.shape(p), stddev=0.1), name="noise"))
    write = export_tflite if fmt == "tflite" else export_onnx
    (tmp_path / f"model.{fmt}").write_bytes(b"an older model")
    with pytest.raises(RuntimeError, match="differs from the Keras model's"):
        write(noisy, image.spec_, str(tmp_path / f"model.{fmt}"), overwrite=True,
              input_nodes=image.graph_.inputs, head_names=["classification_head"])
    assert os.listdir(tmp_path) == [f"model.{fmt}"]
    assert (tmp_path / f"model.{fmt}").read_bytes() == b"an older model"


@pytest.mark.parametrize("fmt, module", [("tflite", "ai_edge_litert"), ("onnx", "tf2onnx")])
def test_a_missing_optional_package_names_the_extra(fitted, tmp_path, monkeypatch, fmt,
                                                    module):
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    image, _ = fitted["image"]
    with pytest.raises(ImportError, match=r"pip install 'easynas\[export\]'"):
        image.export(str(tmp_path / f"model.{fmt}"), format=fmt)
    assert os.listdir(tmp_path) == []
