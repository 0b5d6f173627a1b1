"""Markdown from benchmark JSON: one table per suite, and RESULTS.md over all suites."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["command_lines", "machine_line", "render_results", "save_result", "suite_markdown",
           "table", "write_results_md"]


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def table(runs: list[dict[str, Any]]) -> str:
    """The Markdown table of a suite's runs, one row per budget and seed."""
    header = (
        "| budget | seed | easynas test acc | baseline test acc | ratio | trials ok / failed "
        "| wall s | in-epoch s | overhead | best params | best latency ms "
        "| baseline epochs (stop) | baseline s |"
    )
    lines = [header, "|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|"]
    for run in runs:
        base = run.get("baseline", {})
        lines.append(
            f"| {run['budget']} | {run['seed']} | {_num(run['test_accuracy'], '.4f')} "
            f"| {_num(run['baseline_test_accuracy'], '.4f')} "
            f"| {_num(run.get('accuracy_ratio'), '.3f')} "
            f"| {run['trials_completed']} / {run['trials_failed']} "
            f"| {_num(run['wall_seconds'], '.0f')} | {_num(run['fit_seconds'], '.0f')} "
            f"| {_num(run['overhead_fraction'], '.1%')} "
            f"| {_num(run['best_params'], ',')} | {_num(run['best_latency_ms'], '.2f')} "
            f"| {base.get('epochs_run', '–')} ({base.get('stopped_by', '–')}) "
            f"| {_num(run['baseline_wall_seconds'], '.0f')} |"
        )
    return "\n".join(lines)


def _best_lines(runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for run in runs:
        values = ", ".join(f"{k}={v}" for k, v in sorted(run["best_hyperparameters"].items()))
        lines.append(
            f"- {run['budget']}, seed {run['seed']}: trial {run['best_trial_id']} "
            f"({run['best_epochs_run']} epochs): {values or '(defaults)'}"
        )
    return lines


def _train_desc(data: dict[str, Any], config: dict[str, Any]) -> str:
    pool = data.get("train_pool")
    if pool is None or data["train_size"] >= pool:
        return f"{data['train_size']} training images"
    return (
        f"{data['train_size']} training images (a stratified subset of {pool}, data seed "
        f"{config['data_seed']})"
    )


def run_header() -> dict[str, Any]:
    """The keys every result file starts with: the date (UTC), easynas' version and
    the machine (`_measure.machine_info`)."""
    import datetime as dt

    import easynas
    from benchmarks._measure import machine_info

    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "easynas_version": easynas.__version__, "machine": machine_info()}


def machine_line(machine: dict[str, Any]) -> str:
    """A one-line description of the machine a result was measured on."""
    gpus = ", ".join(machine.get("gpus") or []) or "no GPU"
    return (
        f"{machine.get('cpu_model') or 'unknown CPU'}, {machine.get('usable_cpus')} usable of "
        f"{machine.get('cpu_count')} CPUs, {gpus}; {machine.get('platform')}; Python "
        f"{machine.get('python')}, TensorFlow {machine.get('tensorflow')}, Keras "
        f"{machine.get('keras')}, KerasTuner {machine.get('keras_tuner')}"
    )


def command_lines(command: str) -> list[str]:
    """The Markdown lines that show the command a result came from."""
    return ["Command:", "", "```", command, "```", ""]


def suite_markdown(result: dict[str, Any], level: int = 1) -> str:
    """A suite's result as Markdown: heading, facts, table and best candidates."""
    if result.get("layout") == "memory":  # benchmarks/memory.py
        from benchmarks.memory import memory_markdown

        return memory_markdown(result, level)
    if result.get("layout") == "markdown":  # a standalone script wrote its own section
        return result["markdown"]
    if result.get("layout") == "per_dataset":  # the text and tabular suites
        from benchmarks.report_per_dataset import suite_markdown as per_dataset_markdown

        return per_dataset_markdown(result, level)
    if result.get("layout") == "exports":  # python -m benchmarks.exports
        from benchmarks.report_exports import suite_markdown as exports_markdown

        return exports_markdown(result, level)
    data = result["data"]
    config = result["config"]
    hashes = "#" * level
    parts = [
        f"{hashes} {result['title']} (`{result['suite']}`)"
        + (" — smoke run" if config.get("smoke") else ""),
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Data: {data['name']}, {_train_desc(data, config)}, {data['test_size']} test images",
        f"- Search: {result.get('estimator', 'easynas')} defaults except "
        f"max_trials={config['max_trials']}, epochs={config['epochs']}; the time budget "
        "ends each search",
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        "",
        *command_lines(result["command"]),
        table(result["runs"]),
        "",
        "Best candidates:",
        "",
        *_best_lines(result["runs"]),
        "",
    ]
    baseline = next((r.get("baseline", {}) for r in result["runs"]), {})
    if baseline.get("description"):
        parts += [f"Baseline: {baseline['description']}.", ""]
    return "\n".join(parts)


_PREAMBLE = """# easynas benchmark results

Generated by `python -m benchmarks.run` from the JSON files in `benchmarks/results/`;
do not edit by hand. See `benchmarks/README.md` for what each number means.
"""


def render_results(results_dir: str | Path) -> str:
    """RESULTS.md's text: a section per suite JSON file in `results_dir`."""
    sections = [_PREAMBLE]
    for path in sorted(Path(results_dir).glob("*.json")):
        with open(path, encoding="utf-8") as f:
            result = json.load(f)
        if not isinstance(result, dict) or "suite" not in result or "runs" not in result:
            continue
        sections.append(suite_markdown(result, level=2))
    if len(sections) == 1:
        sections.append("No results yet.\n")
    return "\n".join(sections)


def write_results_md(results_dir: str | Path, path: str | Path) -> Path:
    """Regenerate RESULTS.md at `path` from every suite JSON in `results_dir`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_results(results_dir), encoding="utf-8")
    return path


def save_result(result: dict[str, Any], out: str | Path, name: str,
                markdown: Callable[..., str]) -> str:
    """Write `<out>/<name>.json` and `<out>/<name>.md` for one benchmark run.

    `markdown(result, level=...)` renders the run; its level-2 form is kept in
    the JSON (RESULTS.md's section). RESULTS.md is regenerated when `out` is
    the benchmarks' own results folder. Returns the level-1 Markdown.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result["markdown"] = markdown(result, level=2)
    page = markdown(result, level=1)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / f"{name}.md").write_text(page, encoding="utf-8")
    benchmarks_dir = Path(__file__).resolve().parent
    if out.resolve() == (benchmarks_dir / "results").resolve():
        write_results_md(out, benchmarks_dir / "RESULTS.md")
    return page
