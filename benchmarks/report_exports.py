"""Markdown for the export benchmark: one row per model and format."""

from __future__ import annotations

from typing import Any

__all__ = ["suite_markdown", "table"]


def _size(count: int) -> str:
    return f"{count / 1e6:.2f} MB" if count >= 1e5 else f"{count / 1e3:.1f} kB"


def table(runs: list[dict[str, Any]]) -> str:
    """The Markdown table: export time and size per model and format."""
    header = ("| model | params | format | inputs | export s (median) | size "
              "| max abs difference to Keras |")
    lines = [header, "|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|"]
    for run in runs:
        for row in run["formats"]:
            difference = row.get("max_abs_difference")
            lines.append(
                f"| {run['model']} | {run['params']:,} | {row['format']} | {row['inputs']} "
                f"| {row['median_seconds']:.2f} | {_size(row['bytes'])} "
                f"| {'–' if difference is None else format(difference, '.1e')} |"
            )
    return "\n".join(lines)


def suite_markdown(result: dict[str, Any], level: int = 1) -> str:
    """The export benchmark's result as Markdown: heading, facts, table, notes."""
    from benchmarks.report import machine_line

    config = result["config"]
    hashes = "#" * level
    parts = [
        f"{hashes} {result['title']} (`{result['suite']}`)"
        + (" — smoke run" if config.get("smoke") else ""),
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Models: the first candidate of each task's search, trained {config['epochs']} "
        f"epoch(s) on {config['train_size']} examples; each format exported "
        f"{config['repeats']} time(s)",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        "",
        "Command:",
        "",
        "```",
        result["command"],
        "```",
        "",
        table(result["runs"]),
        "",
        "Data: " + "; ".join(f"{r['model']}: {r['data']}, {r['estimator']}"
                             for r in result["runs"]) + ".",
        "",
        "An export's time includes writing it, loading it back and checking it against the "
        "Keras model on sample inputs (SavedModel and `.keras` in TensorFlow, TFLite in the "
        "LiteRT interpreter, ONNX in onnxruntime). The SavedModel's size is its whole "
        "version folder. \"numeric variant\": the format cannot run the model's string "
        "layers, so the export takes their outputs (`numeric_inputs=True`).",
        "",
    ]
    return "\n".join(parts)
