"""Exports are atomic: a failed export leaves nothing behind and never harms an old one."""

from __future__ import annotations

import os

import keras
import pytest

from easynas.export import _files, _saved_model
from easynas.export._files import atomic_directory, atomic_file, next_version
from tests.export import fit_tiny, staging_leftovers, tiny_digits, tree_digest


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    x, y = tiny_digits()
    return fit_tiny(x, y, tmp_path_factory.mktemp("projects"))


def _archive_class() -> type:
    """The class `keras.export.ExportArchive()` really makes (a backend subclass)."""
    return type(keras.export.ExportArchive())


def _broken_write_out(self, filepath, **kwargs):
    """Writes part of a SavedModel, then fails as a full disk would."""
    os.makedirs(os.path.join(filepath, "variables"), exist_ok=True)
    with open(os.path.join(filepath, "saved_model.pb"), "wb") as f:
        f.write(b"partial")
    raise OSError(28, "No space left on device")


def test_failed_saved_model_export_leaves_nothing_at_the_target(model, tmp_path, monkeypatch):
    monkeypatch.setattr(_archive_class(), "write_out", _broken_write_out)
    base = tmp_path / "serving" / "digits"
    with pytest.raises(OSError, match="No space left"):
        model.export(str(base))
    assert not (tmp_path / "serving").exists()  # the folders it made are gone too
    assert os.listdir(tmp_path) == []


def test_failed_check_after_writing_leaves_nothing_at_the_target(model, tmp_path, monkeypatch):
    def mismatch(*args, **kwargs):
        raise RuntimeError("The exported SavedModel's 'classes' output differs")

    monkeypatch.setattr(_saved_model, "_check", mismatch)
    (tmp_path / "serving").mkdir()
    with pytest.raises(RuntimeError, match="differs"):
        model.export(str(tmp_path / "serving"))
    assert os.listdir(tmp_path / "serving") == []  # a folder the user made stays


def test_failed_overwrite_keeps_the_old_version_byte_identical(model, tmp_path, monkeypatch):
    base = tmp_path / "serving"
    model.export(str(base))
    before = tree_digest(base / "1")
    monkeypatch.setattr(_archive_class(), "write_out", _broken_write_out)
    with pytest.raises(OSError):
        model.export(str(base), version=1, overwrite=True)
    assert tree_digest(base / "1") == before
    assert os.listdir(base) == ["1"]


def test_failed_keras_export_leaves_no_file(model, tmp_path, monkeypatch):
    def broken_save(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK partial zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", broken_save)
    with pytest.raises(OSError, match="No space left"):
        model.export(str(tmp_path / "models" / "best.keras"), format="keras")
    assert os.listdir(tmp_path) == []


# --- the building blocks, without TensorFlow ------------------------------------------


def test_next_version_counts_up_from_the_highest_number_and_ignores_the_rest(tmp_path):
    assert next_version(str(tmp_path / "missing")) == 1
    for name in ("1", "3", "notes", ".easynas-export-abc"):
        (tmp_path / name).mkdir()
    assert next_version(str(tmp_path)) == 4


def test_atomic_directory_moves_a_complete_folder_into_place(tmp_path):
    target = tmp_path / "a" / "b" / "1"
    with atomic_directory(str(target)) as staging:
        assert os.path.dirname(staging) == str(target.parent)
        with open(os.path.join(staging, "file"), "w") as f:
            f.write("new")
    assert (target / "file").read_text() == "new"
    assert not staging_leftovers(tmp_path)


def test_atomic_directory_on_error_removes_staging_and_the_parents_it_made(tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(ValueError, match="boom"):
        with atomic_directory(str(tmp_path / "kept" / "new" / "deeper" / "1")) as staging:
            open(os.path.join(staging, "half"), "w").close()
            raise ValueError("boom")
    assert os.listdir(tmp_path) == ["kept"]
    assert os.listdir(tmp_path / "kept") == []


def test_atomic_directory_refuses_a_taken_target_before_and_after_writing(tmp_path):
    target = tmp_path / "1"
    target.mkdir()
    (target / "old").write_text("old")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        with atomic_directory(str(target)):
            pytest.fail("must not start writing")

    other = tmp_path / "2"
    with pytest.raises(FileExistsError):
        with atomic_directory(str(other)) as staging:
            open(os.path.join(staging, "mine"), "w").close()
            other.mkdir()  # another writer takes the version meanwhile
            (other / "theirs").write_text("theirs")
    assert os.listdir(other) == ["theirs"]
    assert (target / "old").read_text() == "old"
    assert not staging_leftovers(tmp_path)


def test_atomic_directory_accepts_an_empty_target_folder(tmp_path):
    (tmp_path / "1").mkdir()
    with atomic_directory(str(tmp_path / "1")) as staging:
        open(os.path.join(staging, "file"), "w").close()
    assert os.listdir(tmp_path / "1") == ["file"]


def test_atomic_directory_restores_the_old_folder_if_the_final_rename_fails(
    tmp_path, monkeypatch
):
    target = tmp_path / "1"
    target.mkdir()
    (target / "old").write_text("old")
    replace = os.replace

    def failing_replace(source, destination):
        source = os.fspath(source)
        if os.fspath(destination) == str(target) and os.path.basename(source).startswith(
            ".easynas-export-"
        ) and not source.endswith(".old"):  # the new folder's rename fails, not the restore
            raise OSError("rename failed")
        return replace(source, destination)

    monkeypatch.setattr(_files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename failed"):
        with atomic_directory(str(target), overwrite=True) as staging:
            open(os.path.join(staging, "new"), "w").close()
    monkeypatch.undo()
    assert os.listdir(target) == ["old"]
    assert not staging_leftovers(tmp_path)


def test_atomic_file_writes_under_the_same_name_and_replaces_only_with_overwrite(tmp_path):
    target = tmp_path / "model.keras"
    with atomic_file(str(target)) as temporary:
        assert os.path.basename(temporary) == "model.keras"
        with open(temporary, "w") as f:
            f.write("one")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        with atomic_file(str(target)):
            pytest.fail("must not start writing")
    with atomic_file(str(target), overwrite=True) as temporary:
        with open(temporary, "w") as f:
            f.write("two")
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["model.keras"]
