"""Step ``verdict_shift``: each verdict on the previous resolved subset and on the new truth bank (docs/theory.md §§9.2, 13).

Reads the previous resolved subset, ``tables/previous_resolved.csv`` (made by
:func:`validation.engine.verdict_shift.previous_resolved` from the version-1
truth table at git revision ``3d1da55``): from the report folder if it is
there, else next to ``--truth-table``, else from the repository's committed
``reports/tables``.  Approximations are evaluated on the matched previous cases
that the leaderboard did not already evaluate.  Writes ``tables/verdict_shift.csv``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ...engine.leaderboard import evaluate_side_by_side
from ...engine.verdict_shift import meta_id, verdict_shift
from .base import ReportContext, Step

__all__ = ["STEP", "run", "PREVIOUS_FILE", "find_previous"]

PREVIOUS_FILE = "previous_resolved.csv"
#: the committed copy, when synmi runs from a checkout (an editable install)
REPOSITORY_COPY = Path(__file__).resolve().parents[3] / "reports" / "tables" / PREVIOUS_FILE


def find_previous(ctx: ReportContext) -> Path | None:
    """The previous-subset file: in the report folder, next to the truth table given, or the committed one."""
    candidates = [ctx.tables / PREVIOUS_FILE]
    if ctx.truth_table is not None:
        candidates.append(ctx.truth_table.parent / PREVIOUS_FILE)
    candidates.append(REPOSITORY_COPY)
    return next((p for p in candidates if p.exists()), None)


def _values(ctx: ReportContext, data: Mapping[str, Any], previous: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """Each candidate's value by case id: the leaderboard's, plus the matched previous cases it did not evaluate."""
    board = data["leaderboard_cases"]
    values: dict[str, dict[str, float]] = {name: {} for name in ctx.names}
    if len(board):
        for name, g in board.groupby("name"):
            values[str(name)] = dict(zip(g["case_id"].astype(str), g["value"].astype(float)))
    if previous is None or not len(previous):
        return values
    wanted = set(previous["meta_id"])
    results = data["results"]
    todo = [t for t, m in enumerate(results["meta"].map(meta_id)) if m in wanted
            and any(str(results["case_id"].iloc[t]) not in values[name] for name in ctx.names)]
    if todo:
        more, _ = evaluate_side_by_side(dict(zip(ctx.names, ctx.approximations)),
                                        [data["cases"][t] for t in todo], n_jobs=ctx.local_jobs)
        for name in ctx.names:
            for i, t in enumerate(todo):
                values[name].setdefault(str(results["case_id"].iloc[t]), float(more[name][i]))
    return values


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``verdict_shift``: :func:`validation.engine.verdict_shift.verdict_shift`, plus ``source`` (the file read)."""
    source = find_previous(ctx)
    previous = pd.read_csv(source) if source is not None else None
    if source is not None and source.resolve() != (ctx.tables / PREVIOUS_FILE).resolve():
        shutil.copyfile(source, ctx.tables / PREVIOUS_FILE)  # the report folder stays self-contained
    label = "I_FW" if ctx.is_fw else "I_approx"
    shift = verdict_shift(data["results"], previous, _values(ctx, data, previous), label=label, seed=ctx.config.seed)
    shift["source"] = str(source) if source is not None else ""
    rows = []
    for r in shift["rows"]:
        flat: dict[str, Any] = {"key": r["key"], "statistic": r["statistic"]}
        for variant in shift["variants"]:
            v = r[variant] or {}
            ci = v.get("ci", [float("nan")] * 2)
            flat.update({f"{variant}": v.get("estimate"), f"{variant}_ci_low": ci[0], f"{variant}_ci_high": ci[1],
                         f"{variant}_cases": v.get("cases")})
        rows.append(flat)
    pd.DataFrame(rows).to_csv(ctx.tables / "verdict_shift.csv", index=False, float_format="%.6g")
    return {"verdict_shift": shift}


STEP = Step("verdict_shift", "the verdicts on the previous and the new truth bank", run,
            needs=("results", "cases", "leaderboard_cases"), gives=("verdict_shift",))
