"""Step ``leaderboard``: every approximation against the same resolved truths (docs/theory.md §13).

Each candidate's law-violation rate (:func:`law_rates_by_candidate`), its
scores (:func:`validation.engine.leaderboard.leaderboard`) and the paper's
claims judged with it in FW's place.  Writes ``tables/leaderboard.csv`` and
``tables/leaderboard_cases.csv``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from ...engine.claims import all_claims
from ...engine.leaderboard import leaderboard
from ...engine.sweeps import judge_table
from .base import ReportContext, Step

__all__ = ["STEP", "run", "law_rates_by_candidate", "pooled_rates"]

SETS = ("set1", "set2", "set3")


def pooled_rates(parts: Sequence[tuple[str, pd.DataFrame]]) -> dict[str, float]:
    """Each candidate's violations over checks, pooled over its tables of :func:`validation.engine.laws.law_violation_rates`.

    Parameters
    ----------
    parts : sequence of (str, pandas.DataFrame)
        ``(candidate name, rates table)`` pairs, several per candidate (one per set).

    Returns
    -------
    dict of str to float
        ``violated / checked`` per candidate; NaN where nothing could be checked.
    """
    counts: dict[str, tuple[int, int]] = {}
    for name, rates in parts:
        checked, violated = counts.get(name, (0, 0))
        counts[name] = (checked + int(rates["checked"].sum()), violated + int(rates["violated"].sum()))
    return {name: violated / checked if checked else float("nan") for name, (checked, violated) in counts.items()}


def law_rates_by_candidate(ctx: ReportContext) -> dict[str, float]:
    """Every candidate's law-violation rate over ``config.leaderboard_law_cases`` cases of each of sets 1-3."""
    from ...engine import laws

    cfg = ctx.config
    tasks = [(name, f, set_name, cfg.seed + 400 + t) for name, f in zip(ctx.names, ctx.approximations)
             for t, set_name in enumerate(SETS)]
    if ctx.n_jobs > 1 and ctx.scheduler is None:
        from joblib import Parallel, delayed

        tables = Parallel(n_jobs=ctx.n_jobs)(delayed(laws.law_violation_rates)(f, set_name, cfg.leaderboard_law_cases,
                                                                                seed) for _, f, set_name, seed in tasks)
    else:
        tables = [laws.law_violation_rates(f, set_name, cfg.leaderboard_law_cases, seed)
                  for _, f, set_name, seed in tasks]
    return pooled_rates([(name, rates) for (name, *_), rates in zip(tasks, tables)])


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``leaderboard`` (one entry per candidate, FW first) and ``leaderboard_cases`` (one row per candidate and case)."""
    cfg, truths, cases = ctx.config, data["truths"], data["cases"]
    board, board_cases = leaderboard(truths, cases, dict(zip(ctx.names, ctx.approximations)),
                                     dict(zip(ctx.names, ctx.specs)), z=cfg.estimation.z,
                                     law_rates=law_rates_by_candidate(ctx), seed=cfg.seed, n_jobs=ctx.local_jobs)
    for entry, f in zip(board, ctx.approximations):
        judged = judge_table(truths, cases, f, cfg.estimation.z)
        entry["claims"] = {k: c.verdict for k, c in all_claims(judged, seed=cfg.seed).items()}
    board_cases.to_csv(ctx.tables / "leaderboard_cases.csv", index=False, float_format="%.6g")
    pd.DataFrame([{k: v for k, v in e.items() if k not in ("by_regime", "vs_reference", "claims")}
                  for e in board]).to_csv(ctx.tables / "leaderboard.csv", index=False, float_format="%.6g")
    return {"leaderboard": board, "leaderboard_cases": board_cases}


STEP = Step("leaderboard", "every approximation against the resolved truths", run, needs=("truths", "cases"),
            gives=("leaderboard", "leaderboard_cases"))
