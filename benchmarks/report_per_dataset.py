"""Markdown for suites that run on several data sets (text, tabular): one row per
data set, budget and seed, with every baseline's score and time beside easynas'."""

from __future__ import annotations

from typing import Any

from benchmarks.report import command_lines

__all__ = ["suite_markdown", "table"]


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _score(value: Any, metric: str) -> str:
    return _num(value, ".4f" if metric == "accuracy" else ".3f")


def _baseline_columns(runs: list[dict[str, Any]]) -> dict[str, str]:
    """Baseline name -> column label, in first-seen order ("LogReg / Ridge" when a
    baseline goes by a different label per task)."""
    labels: dict[str, list[str]] = {}
    for run in runs:
        for base in run.get("baselines", []):
            seen = labels.setdefault(base["name"], [])
            label = base.get("label", base["name"])
            if label not in seen:
                seen.append(label)
    return {name: " / ".join(found) for name, found in labels.items()}


def table(runs: list[dict[str, Any]]) -> str:
    """The Markdown table of a per-data-set suite's runs."""
    columns = _baseline_columns(runs)
    first = next(iter(columns.values()), "baseline")
    header = (
        "| data set | budget | seed | metric | easynas | "
        + " | ".join(columns.values())
        + f" | ratio to {first} | diff to {first} | trials ok / failed | easynas s | overhead | "
        + " | ".join(f"{label} s" for label in columns.values())
        + " |"
    )
    lines = [header, "|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|"]
    for run in runs:
        metric = run["metric"]
        by_name = {base["name"]: base for base in run.get("baselines", [])}
        if run.get("error"):
            easynas = "failed"
        elif not run.get("searched", True):
            easynas = "not run"
        else:
            easynas = _score(run.get("test_score"), metric)
        trials = (
            f"{run['trials_completed']} / {run['trials_failed']}"
            if run.get("trials_completed") is not None else "–"
        )
        diff = run.get("score_difference")
        lines.append(
            f"| {run['dataset']} | {run['budget']} | {run['seed']} | {metric} | {easynas} | "
            + " | ".join(_score(by_name.get(n, {}).get("test_score"), metric) for n in columns)
            + f" | {_num(run.get('score_ratio'), '.3f')} | "
            + ("–" if diff is None else f"{diff:+.4f}")
            + f" | {trials} | {_num(run.get('wall_seconds'), '.0f')} "
            + f"| {_num(run.get('overhead_fraction'), '.1%')} | "
            + " | ".join(_num(by_name.get(n, {}).get("wall_seconds"), ".1f") for n in columns)
            + " |"
        )
    return "\n".join(lines)


def _dataset_lines(datasets: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name, info in datasets.items():
        facts = [info["task"], f"{info['train_size']} train / {info['test_size']} test"]
        pool = info.get("train_pool")
        if pool is not None and pool > info["train_size"]:
            facts[-1] += f" (a seeded subset of {pool} training rows)"
        if info.get("classes") is not None:
            facts.append(f"{info['classes']} classes")
        if info.get("columns") is not None:
            strings, missing = info.get("string_columns", 0), info.get("missing_cells", 0)
            facts.append(f"{info['columns']} columns ({strings} string"
                         f"{'' if strings == 1 else 's'}, {missing} missing training cell"
                         f"{'' if missing == 1 else 's'})")
        lines.append(f"- {name}: {', '.join(facts)}; {info.get('source', '')}")
    return lines


def _best_lines(runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for run in runs:
        values = run.get("best_hyperparameters")
        if run.get("error") or values is None:
            continue
        text = ", ".join(f"{k}={v}" for k, v in sorted(values.items()))
        lines.append(
            f"- {run['dataset']}, {run['budget']}, seed {run['seed']}: trial "
            f"{run['best_trial_id']} ({run['best_epochs_run']} epochs, "
            f"{_num(run.get('best_params'), ',')} params): {text or '(defaults)'}"
        )
    return lines


def _finalist_lines(runs: list[dict[str, Any]]) -> list[str]:
    """Each search's finalist cross-validation (mean fold score per trial) and the load."""
    lines = []
    for run in runs:
        head = f"- {run['dataset']}, {run['budget']}, seed {run['seed']}"
        load = ""
        if run.get("load_before") and run.get("load_after"):
            load = (f" Load average (1 min) {run['load_before'][0]:.1f} before the search, "
                    f"{run['load_after'][0]:.1f} after.")
        cv = run.get("finalists")
        if cv is None:
            if load:
                lines.append(f"{head}: no finalist CV.{load}")
            continue
        means = ", ".join(f"trial {t} {m:.4f}" for t, m in cv.get("means", {}).items())
        if cv.get("chosen") is None:
            lines.append(f"{head}: no finalist CV ({cv.get('reason')})."
                         + (f" {means}." if means else "") + load)
        else:
            lines.append(
                f"{head}: {cv['folds']}-fold {cv['metric']} {means}; picked trial "
                f"{cv['chosen']} (search's best: trial {run['trials'][0]['trial_id']}), "
                f"{cv.get('seconds', 0.0):.0f}s.{_ensemble_words(run)}{load}"
            )
    return lines


def _ensemble_words(run: dict[str, Any]) -> str:
    """What the finalists' ensemble selection chose, and whether it was deployed."""
    mix = (run.get("finalists") or {}).get("ensemble")
    if not mix:
        return ""
    members = ", ".join(f"trial {t} x{w:.2f}" for t, w in mix["weights"].items())
    if len(mix["weights"]) < 2:
        return f" Ensemble selection kept {members} alone."
    if mix.get("deployed"):
        verdict = "deployed"
    elif "wins" in mix and not mix["wins"]:
        cv = sum(mix["fold_scores"]) / len(mix["fold_scores"])
        verdict = (f"CV mean {cv:.4f}, not deployed: not better than one network by more than "
                   f"a standard error ({mix['standard_error']:.4f})")
    else:
        verdict = f"not deployed ({mix.get('reason')})"
    return f" Ensemble {members}, out-of-fold {mix['score']:.4f}: {verdict}."


def suite_markdown(result: dict[str, Any], level: int = 1) -> str:
    """A per-data-set suite's result as Markdown: heading, facts, table, notes."""
    from benchmarks.report import machine_line

    config = result["config"]
    hashes = "#" * level
    runs = result["runs"]
    searched = not config.get("baselines_only")
    parts = [
        f"{hashes} {result['title']} (`{result['suite']}`)"
        + (" — smoke run" if config.get("smoke") else "")
        + ("" if searched else " — baselines only"),
        "",
        f"- Date: {result['date']}",
        f"- easynas: {result['easynas_version']}",
        f"- Machine: {machine_line(result['machine'])}",
        f"- Search: {result.get('estimator', 'easynas')} defaults except "
        f"max_trials={config['max_trials']}, epochs={config['epochs']}; the time budget "
        "ends each search" + ("" if searched else " (not run: --baselines-only)"),
        f"- Whole run: {result['total_seconds'] / 60:.1f} min",
        "",
        "Data sets:",
        "",
        *_dataset_lines(result.get("datasets", {})),
        "",
        *command_lines(result["command"]),
        table(runs),
        "",
        "Accuracy: higher is better; RMSE: lower is better. The ratio is easynas' score "
        "over the first baseline's, so above 1 is a win for accuracy and below 1 a win "
        "for RMSE; diff is easynas minus that baseline. Seconds are wall-clock seconds of "
        "fitting (model selection included), measured in the same process one after the "
        "other.",
        "",
    ]
    errors = [f"- {r['dataset']}, {r['budget']}, seed {r['seed']}: {r['error']}"
              for r in runs if r.get("error")]
    if errors:
        parts += ["Failed searches:", "", *errors, ""]
    best = _best_lines(runs)
    if best:
        parts += ["Best candidates:", "", *best, ""]
    finalists = _finalist_lines(runs)
    if finalists:
        parts += ["Finalist cross-validation (tabular tasks) and machine load:", "",
                  *finalists, ""]
    descriptions: dict[str, str] = {}  # description -> label, in first-seen order
    for run in runs:
        for base in run.get("baselines", []):
            descriptions.setdefault(base.get("description", ""), base.get("label", base["name"]))
    if descriptions:
        parts += ["Baselines:", "", *(f"- {v}: {k}." for k, v in descriptions.items()), ""]
    return "\n".join(parts)
