"""Optional packages the TFLite and ONNX exporters need, imported on first use.

`import easynas` loads none of them; they come with the `export` extra
(`pip install 'easynas[export]'`, or `easynas[tflite]` / `easynas[onnx]` for one
format).
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]

# module -> (pip package, the easynas extra that installs it)
_PACKAGES = {
    "ai_edge_litert": ("ai-edge-litert", "tflite"),
    "tf2onnx": ("tf2onnx", "onnx"),
    "onnx": ("onnx", "onnx"),
    "onnxruntime": ("onnxruntime", "onnx"),
}


def require(module: str) -> ModuleType:
    """Import `module`, or raise an ImportError naming the pip package and extra.

    Args:
        module: A module of one of the packages above (`"ai_edge_litert.interpreter"`).

    Returns:
        The module.

    Raises:
        ImportError: If the package is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package, extra = _PACKAGES[module.split(".")[0]]
        raise ImportError(
            f"This export needs the {package!r} package, which is not installed: "
            f"pip install 'easynas[export]' (all exporters) or 'easynas[{extra}]' "
            f"(or pip install {package})."
        ) from None
