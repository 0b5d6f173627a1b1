"""The export benchmark's report and sizes, on a canned result (no TensorFlow work)."""

from __future__ import annotations

from benchmarks.exports import folder_size, parse_args
from benchmarks.report import suite_markdown

RESULT = {
    "suite": "exports", "layout": "exports", "title": "Export time and size per format",
    "date": "2026-11-23 12:00 UTC", "command": "python -m benchmarks.exports --smoke",
    "easynas_version": "0.1.0", "machine": {"cpu_model": "CPU", "usable_cpus": 2,
                                            "cpu_count": 2},
    "config": {"repeats": 1, "train_size": 200, "epochs": 1, "smoke": True},
    "total_seconds": 60.0,
    "runs": [{
        "model": "text", "estimator": "TextClassifier", "data": "Rotten Tomatoes",
        "params": 90306, "formats": [
            {"format": "saved_model", "inputs": "raw", "median_seconds": 0.74,
             "bytes": 870_000, "max_abs_difference": None},
            {"format": "tflite", "inputs": "numeric variant", "median_seconds": 1.35,
             "bytes": 29_200, "max_abs_difference": 6e-8},
        ],
    }],
}


def test_export_report_has_a_row_per_model_and_format():
    text = suite_markdown(RESULT, level=2)
    assert text.startswith("## Export time and size per format (`exports`) — smoke run")
    assert "| text | 90,306 | saved_model | raw | 0.74 | 0.87 MB | – |" in text
    assert "| text | 90,306 | tflite | numeric variant | 1.35 | 29.2 kB | 6.0e-08 |" in text


def test_folder_size_adds_every_file_under_a_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(b"12345")
    (tmp_path / "y.bin").write_bytes(b"123")
    assert folder_size(str(tmp_path)) == 8
    assert folder_size(str(tmp_path / "y.bin")) == 3


def test_smoke_arguments_parse():
    args = parse_args(["--smoke", "--models", "image,text"])
    assert args.smoke and args.models == "image,text" and args.repeats is None
