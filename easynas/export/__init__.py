"""Exporters: TF Serving SavedModel, `.keras`, TFLite and ONNX, each checked after writing."""

from easynas.export._formats import FORMATS
from easynas.export._keras_file import export_keras
from easynas.export._onnx import export_onnx
from easynas.export._project import export_project
from easynas.export._request import serving_request
from easynas.export._saved_model import export_saved_model
from easynas.export._tflite import export_tflite

__all__ = [
    "FORMATS",
    "export_keras",
    "export_onnx",
    "export_project",
    "export_saved_model",
    "export_tflite",
    "serving_request",
]
