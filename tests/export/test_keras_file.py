"""The `.keras` export: stock Keras only, so plain `keras.saving.load_model` opens it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from easynas.exceptions import InvalidParameterError
from easynas.export._keras_file import _easynas_objects
from tests.export import fit_tiny, staging_leftovers, tiny_digits, tree_digest

LOAD_AND_PREDICT = """
import sys
import keras
import numpy as np

model = keras.saving.load_model(sys.argv[1])
x = np.load(sys.argv[2])["x"]
np.save(sys.argv[3], model.predict(x.astype("float32"), verbose=0))
assert not [m for m in sys.modules if m.startswith("easynas") and sys.modules[m] is not None]
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    x, y = tiny_digits()
    labels = np.array([f"digit-{v}" for v in y], dtype=object)
    return fit_tiny(x, labels, tmp_path_factory.mktemp("projects"), augment=True)


def test_keras_export_loads_without_easynas_and_predicts_the_same(
    model, run_without_easynas, tmp_path
):
    x, _ = tiny_digits()
    path = tmp_path / "models" / "digits.keras"
    assert model.export(str(path), format="keras") == str(path)
    np.savez(tmp_path / "x.npz", x=x)
    run_without_easynas(LOAD_AND_PREDICT, path, tmp_path / "x.npz", tmp_path / "out.npy")
    probabilities = np.load(tmp_path / "out.npy")
    assert np.max(np.abs(probabilities - model.predict_proba(x))) < 1e-5
    classes = np.array([f"digit-{d}" for d in range(10)], dtype=object)
    np.testing.assert_array_equal(classes[probabilities.argmax(1)], model.predict(x))
    assert not staging_leftovers(tmp_path)


def test_keras_export_replaces_a_file_only_with_overwrite(model, tmp_path):
    path = tmp_path / "digits.keras"
    path.write_bytes(b"an older model")
    before = tree_digest(tmp_path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.export(str(path), format="keras")
    assert tree_digest(tmp_path) == before
    model.export(str(path), format="keras", overwrite=True)
    assert path.read_bytes()[:2] == b"PK"  # a .keras file is a zip archive
    assert sorted(os.listdir(tmp_path)) == ["digits.keras", "digits.keras.json"]  # + metadata


def test_keras_export_path_must_end_in_dot_keras(model, tmp_path):
    with pytest.raises(InvalidParameterError, match="'path'.*'.keras'"):
        model.export(str(tmp_path / "digits.h5"), format="keras")
    assert os.listdir(tmp_path) == []


def test_keras_export_check_finds_easynas_classes_anywhere_in_a_config():
    config = {
        "class_name": "Functional",
        "config": {"layers": [
            {"class_name": "Dense", "module": "keras.layers", "registered_name": None},
            {"class_name": "ConvBlock", "module": "easynas.blocks._conv",
             "registered_name": "easynas>ConvBlock"},
        ]},
    }
    assert _easynas_objects(config) == {"easynas>ConvBlock"}
    assert _easynas_objects(config["config"]["layers"][0]) == set()
