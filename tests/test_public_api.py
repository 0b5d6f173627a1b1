"""The public API is exactly the checked-in list, so every API change shows as a diff."""

import importlib
import pathlib

import pytest

PUBLIC_API = pathlib.Path(__file__).with_name("public_api.txt")
MODULES = ["easynas", "easynas.blocks", "easynas.data", "easynas.export", "easynas.search",
           "easynas.graph", "easynas.morph", "easynas.report", "easynas.tasks",
           "easynas.exceptions"]


def _current() -> list[str]:
    names = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.__all__ lists missing {name!r}"
            names.append(f"{module_name}.{name}")
    return sorted(names)


def test_public_api_matches_checked_in_list():
    expected = sorted(PUBLIC_API.read_text().split())
    assert _current() == expected, (
        "The public API changed. If intended, regenerate tests/public_api.txt with "
        "`python -m tests.test_public_api`."
    )


@pytest.mark.parametrize("module_name", MODULES)
def test_all_is_sorted_and_unique(module_name):
    names = importlib.import_module(module_name).__all__
    assert len(names) == len(set(names))


def test_import_does_not_load_optional_heavy_modules():
    import subprocess
    import sys

    # grpc and matplotlib are not listed: TensorFlow itself imports them.
    code = ("import sys, easynas; bad = [m for m in ('tf2onnx', 'onnxruntime', "
            "'ai_edge_litert') if m in sys.modules]; print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


if __name__ == "__main__":
    PUBLIC_API.write_text("\n".join(_current()) + "\n")
