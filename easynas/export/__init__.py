"""Exporters: TF Serving SavedModel and `.keras`, each checked after writing."""

from easynas.export._keras_file import export_keras
from easynas.export._project import FORMATS, export_project
from easynas.export._saved_model import export_saved_model

__all__ = ["FORMATS", "export_keras", "export_project", "export_saved_model"]
