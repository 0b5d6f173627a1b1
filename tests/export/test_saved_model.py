"""The SavedModel export: TF Serving's layout, raw inputs, and plain-TensorFlow serving
that gives what `predict` / `predict_proba` give."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import easynas as en
from easynas.exceptions import InvalidParameterError, NotFittedError
from tests.export import fit_tiny, staging_leftovers, tiny_digits, tree_digest

# Serves every export in one fresh interpreter where easynas cannot be imported, and
# saves each output (strings decoded) and each signature's inputs.
SERVE = """
import json, sys
import numpy as np
import tensorflow as tf

assert not [m for m in sys.modules if m.startswith("easynas") and sys.modules[m] is not None]
cases = json.loads(sys.argv[1])
outputs, inputs = {}, {}
for case, (folder, probe) in cases.items():
    serve = tf.saved_model.load(folder).signatures["serving_default"]
    _, kwargs = serve.structured_input_signature
    inputs[case] = {k: [s.dtype.name, s.shape.as_list()] for k, s in kwargs.items()}
    x = np.load(probe)["x"]
    for key, value in serve(image=tf.constant(x)).items():
        value = value.numpy()
        if value.dtype == object:
            value = np.char.decode(value.astype(bytes), "utf-8")
        outputs[f"{case}/{key}"] = value
np.savez(sys.argv[2], **outputs)
with open(sys.argv[3], "w") as f:
    json.dump(inputs, f)
"""


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray, bool]]:
    """(x, y, regression) per case: label types x pixel types x grey / colour."""
    x, y = tiny_digits()
    rng = np.random.default_rng(0)
    colour_float = (np.repeat(x[..., None], 3, axis=-1) / 16.0
                    + rng.normal(0, 0.05, (*x.shape, 3))).astype(np.float32)
    colour_uint8 = np.stack([x * 15, 255 - x * 15, x * 8], axis=-1).astype(np.uint8)
    return {
        # multi-class, string labels, (n, H, W) grey uint8 pixels
        "strings": (x, np.array([f"digit-{v}" for v in y], dtype=object), False),
        # binary, bool labels, (n, H, W, 3) float pixels; random augmentation layers inside
        "bools": (colour_float, y >= 5, False),
        # multi-label 0/1 matrix, grey uint8
        "multi_label": (x, np.stack([y % 2 == 0, y > 4, y == 3], axis=1).astype(int), False),
        # regression in large units, (n, H, W, 3) uint8
        "regression": (colour_uint8, y * 100.0 + 50.0, True),
    }


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One fitted model per case, and its probe inputs."""
    directory = tmp_path_factory.mktemp("projects")
    return {
        case: (fit_tiny(x, y, directory / case, regression=regression,
                        augment=case == "bools"), x[:20])
        for case, (x, y, regression) in _cases().items()
    }


@pytest.fixture(scope="module")
def exported(fitted, tmp_path_factory):
    """Each case exported to `<base>/<case>/1`, with its probe inputs saved beside."""
    base = tmp_path_factory.mktemp("served")
    cases = {}
    for case, (model, x) in fitted.items():
        folder = model.export(str(base / case))
        np.savez(base / f"{case}.npz", x=x)
        cases[case] = (folder, str(base / f"{case}.npz"))
    return cases


def test_export_writes_tf_serving_layout_and_never_overwrites_silently(fitted, tmp_path):
    model, _ = fitted["strings"]
    base = tmp_path / "serving" / "digits"
    assert model.export(str(base)) == str(base / "1")
    assert (base / "1" / "saved_model.pb").is_file()
    assert (base / "1" / "variables").is_dir()
    first = tree_digest(base / "1")
    assert model.export(str(base)) == str(base / "2")  # a second export is a new version
    assert (base / "2" / "saved_model.pb").is_file()
    assert tree_digest(base / "1") == first

    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.export(str(base), version=1)
    assert tree_digest(base / "1") == first

    (base / "1" / "stale.txt").write_text("from an older export")
    assert model.export(str(base), version=1, overwrite=True) == str(base / "1")
    assert not (base / "1" / "stale.txt").exists()
    assert (base / "1" / "saved_model.pb").is_file()
    assert sorted(os.listdir(base)) == ["1", "2"]
    assert not staging_leftovers(tmp_path)


def test_saved_model_serves_raw_inputs_like_predict_without_easynas(
    fitted, exported, run_without_easynas, tmp_path
):
    run_without_easynas(SERVE, json.dumps(exported), tmp_path / "out.npz", tmp_path / "in.json")
    outputs = dict(np.load(tmp_path / "out.npz"))
    inputs = json.loads((tmp_path / "in.json").read_text())

    assert inputs["strings"] == {"image": ["uint8", [None, 8, 8]]}
    assert inputs["bools"] == {"image": ["float32", [None, 8, 8, 3]]}
    assert inputs["multi_label"] == {"image": ["uint8", [None, 8, 8]]}
    assert inputs["regression"] == {"image": ["uint8", [None, 8, 8, 3]]}
    assert {k for k in outputs if k.startswith("multi_label/")} == {
        "multi_label/probabilities", "multi_label/labels"}
    assert {k for k in outputs if k.startswith("regression/")} == {"regression/predictions"}

    for case in ("strings", "bools", "multi_label"):
        model, x = fitted[case]
        probabilities = outputs[f"{case}/probabilities"]
        expected = model.predict_proba(x)
        assert probabilities.shape == expected.shape, case
        assert np.max(np.abs(probabilities - expected)) < 1e-5, case
    for case in ("strings", "bools"):
        model, x = fitted[case]
        np.testing.assert_array_equal(outputs[f"{case}/classes"], model.predict(x).astype(str))
    assert set(outputs["bools/classes"]) <= {"True", "False"}
    assert outputs["strings/classes"][0].startswith("digit-")
    model, x = fitted["multi_label"]
    np.testing.assert_array_equal(outputs["multi_label/labels"], model.predict(x))
    model, x = fitted["regression"]
    predicted = model.predict(x)
    assert outputs["regression/predictions"].shape == predicted.shape == (20,)
    np.testing.assert_allclose(outputs["regression/predictions"], predicted, rtol=1e-4)


def test_metadata_beside_the_model_holds_signature_classes_and_spec(fitted, exported):
    strings = json.loads(open(os.path.join(exported["strings"][0],
                                           "easynas_metadata.json")).read())
    model, _ = fitted["strings"]
    assert strings["signature"]["inputs"] == {"image": {"dtype": "uint8", "shape": [None, 8, 8]}}
    assert strings["signature"]["outputs"] == {
        "classes": {"dtype": "string", "shape": [None]},
        "probabilities": {"dtype": "float32", "shape": [None, 10]},
    }
    assert strings["classes"] == {"classification_head": [f"digit-{d}" for d in range(10)]}
    assert strings["spec"] == model.spec_.to_dict()
    assert strings["best_trial_id"] == model.best_trial_id_

    bools = json.loads(open(os.path.join(exported["bools"][0], "easynas_metadata.json")).read())
    assert bools["classes"] == {"classification_head": [False, True]}
    regression = json.loads(open(os.path.join(exported["regression"][0],
                                              "easynas_metadata.json")).read())
    assert regression["classes"] == {}
    assert regression["signature"]["outputs"] == {
        "predictions": {"dtype": "float32", "shape": [None]}}
    assert regression["spec"]["targets"][0]["kind"] == "regression"


def test_export_before_fit_raises_not_fitted(tmp_path):
    image = en.ImageInput()
    model = en.AutoModel(image, en.ClassificationHead()(image))
    with pytest.raises(NotFittedError, match="fit"):
        model.export(str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version", [0, -1, 1.5, "2", True])
def test_export_rejects_a_version_that_is_not_a_positive_int(fitted, tmp_path, version):
    model, _ = fitted["strings"]
    with pytest.raises(InvalidParameterError, match="'version'"):
        model.export(str(tmp_path / "out"), version=version)
    assert not (tmp_path / "out").exists()


def test_export_rejects_an_unknown_format_naming_it(fitted, tmp_path):
    model, _ = fitted["strings"]
    with pytest.raises(InvalidParameterError, match="'format'.*'pmml'"):
        model.export(str(tmp_path / "out"), format="pmml")
    assert not (tmp_path / "out").exists()
