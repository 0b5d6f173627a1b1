"""Atomic writes: the target holds the old content or the new, never a part."""

import json
import os

import pytest

from easynas._atomic import replacing, write_json, write_text


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a Keras object."""
    yield


def test_write_json_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "state.json"
    write_json(str(path), {"a": 1})
    write_json(str(path), {"a": 2}, indent=2)
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "state.json"
    write_text(str(path), "old")
    with pytest.raises(ZeroDivisionError), replacing(str(path)) as tmp:
        with open(tmp, "w") as f:
            f.write("half of the new cont")
        raise ZeroDivisionError("the writer dies mid-way")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_replacing_keeps_the_suffix_keras_needs(tmp_path):
    with replacing(str(tmp_path / "best_model.keras"), ".keras") as tmp:
        assert tmp.endswith(".keras") and os.path.dirname(tmp) == str(tmp_path)
        open(tmp, "w").close()
    assert os.listdir(tmp_path) == ["best_model.keras"]


def test_unserialisable_data_leaves_the_old_file(tmp_path):
    path = tmp_path / "state.json"
    write_json(str(path), [1])
    with pytest.raises(TypeError):
        write_json(str(path), {"bad": object()})
    assert json.loads(path.read_text()) == [1]
