"""The search's data on disk for child processes: saved once, mapped back as it was."""

import numpy as np
import pytest

from easynas.search._shared_data import load_tree, save_tree, tree_problem


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a Keras object."""
    yield


def test_a_nested_tree_of_arrays_comes_back_equal_with_numbers_mapped(tmp_path, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(6, 8, 8), dtype=np.uint8)
    texts = np.array(["a cat", "", "ünïcode", "x" * 300, "b", "c"], dtype=object)
    weights = rng.random(6).astype("float32")
    tree = {
        "x": [images, texts],
        "y": {"label": np.arange(6), "value": rng.normal(size=(6, 1))},
        "validation_data": (images[:2], np.arange(2), None),
        "sample_weight": weights,
        "missing": None,
    }
    manifest = save_tree(tree, str(tmp_path / "data"))
    back = load_tree(manifest, str(tmp_path / "data"))

    assert isinstance(back["x"], list) and isinstance(back["validation_data"], tuple)
    assert back["missing"] is None and back["validation_data"][2] is None
    np.testing.assert_array_equal(back["x"][0], images)
    assert back["x"][0].dtype == np.uint8 and isinstance(back["x"][0], np.memmap)
    assert not back["x"][0].flags.writeable  # the child cannot change the parent's data
    assert list(back["x"][1]) == list(texts) and back["x"][1].dtype == object
    np.testing.assert_array_equal(back["y"]["value"], tree["y"]["value"])
    np.testing.assert_array_equal(back["sample_weight"], weights)


def test_saving_again_replaces_the_files(tmp_path):
    folder = str(tmp_path / "data")
    save_tree({"x": np.zeros(3)}, folder)
    manifest = save_tree({"x": np.ones(5)}, folder)
    np.testing.assert_array_equal(load_tree(manifest, folder)["x"], np.ones(5))


@pytest.mark.parametrize(("tree", "problem"), [
    ({"x": [np.zeros(2), [1, 2]]}, "data['x'][1][0] is a int, not a NumPy array"),
    ({"x": "images/"}, "data['x'] is a str, not a NumPy array"),
    ({1: np.zeros(2)}, "data is a dict with non-string keys"),
])
def test_anything_but_arrays_is_named_before_anything_is_written(tmp_path, tree, problem):
    assert tree_problem(tree) == problem
    with pytest.raises(TypeError, match="Cannot save the training data"):
        save_tree(tree, str(tmp_path / "data"))
    assert not (tmp_path / "data").exists()
