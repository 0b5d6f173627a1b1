"""`export_project`: a finished project folder exports as its estimator would, without data."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest

from easynas.exceptions import InvalidParameterError
from easynas.export import export_project
from tests.export import fit_tiny, tiny_digits


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    x, y = tiny_digits()
    return fit_tiny(x, y % 3 == 0, tmp_path_factory.mktemp("projects"))


def _serve(folder, x):
    import tensorflow as tf

    outputs = tf.saved_model.load(folder).signatures["serving_default"](image=tf.constant(x))
    return {k: v.numpy() for k, v in outputs.items()}


def test_export_project_writes_what_the_estimator_export_writes(model, tmp_path):
    x, _ = tiny_digits()
    from_project = export_project(model.project_dir_, str(tmp_path / "project"))
    from_estimator = model.export(str(tmp_path / "estimator"))
    assert from_project == str(tmp_path / "project" / "1")
    served, expected = _serve(from_project, x), _serve(from_estimator, x)
    assert set(served) == set(expected) == {"probabilities", "classes"}
    np.testing.assert_array_equal(served["classes"], expected["classes"])
    assert np.max(np.abs(served["probabilities"] - model.predict_proba(x))) < 1e-5

    def metadata(folder):
        with open(os.path.join(folder, "easynas_metadata.json")) as f:
            return json.load(f)

    assert metadata(from_project) == metadata(from_estimator)
    assert export_project(model.project_dir_, str(tmp_path / "project")).endswith("2")


def test_export_project_writes_a_keras_file(model, tmp_path):
    x, _ = tiny_digits()
    path = export_project(model.project_dir_, str(tmp_path / "best.keras"), "keras")
    loaded = keras.saving.load_model(path)
    probabilities = loaded.predict(x.astype("float32"), verbose=0)
    assert np.max(np.abs(probabilities - model.predict_proba(x))) < 1e-5


def test_export_project_names_a_missing_folder_or_a_folder_that_is_no_project(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_project(str(tmp_path / "missing"), str(tmp_path / "out"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidParameterError, match="not a finished easynas project"):
        export_project(str(tmp_path / "empty"), str(tmp_path / "out"))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "easynas_result.json").write_text("{not json")
    with pytest.raises(InvalidParameterError, match="not valid JSON"):
        export_project(str(tmp_path / "broken"), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_export_project_rejects_an_unknown_format_or_a_version_for_keras(model, tmp_path):
    with pytest.raises(InvalidParameterError, match="'format'"):
        export_project(model.project_dir_, str(tmp_path / "out"), "pmml")
    with pytest.raises(InvalidParameterError, match="'version'"):
        export_project(model.project_dir_, str(tmp_path / "m.keras"), "keras", version=2)
    assert list(tmp_path.iterdir()) == []
