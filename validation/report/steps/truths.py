"""Step ``truths``: every Monte Carlo case's truth, from the committed table, the cache, or computed (docs/theory.md §§8-9.2).

Reuses the committed truth table (a random 5 % of the reused Monte Carlo truths
recomputed with another seed, :func:`validation.report.truth_steps.truths_with_table`),
and judges the approximation under test against every truth
(:func:`validation.engine.sweeps.judge_table`).  Writes ``tables/truths.csv.gz``,
``tables/truth_reproduction.csv`` and ``tables/comparisons.csv``.
"""

from __future__ import annotations

import shutil
from typing import Any, Mapping

from ...engine.comparison import case_hash
from ...engine.sweeps import judge_table
from ..tiers import tier_cases
from ..truth_steps import truths_with_table
from .base import ReportContext, Step

__all__ = ["STEP", "run"]


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """The tier's cases, their truth rows, the reproduction check and the judged comparisons.

    Returns
    -------
    dict
        ``cases`` (list of Case), ``truths`` (one row per case), ``reproduction``
        (DataFrame), ``truth_table_info`` (counts), ``cases_from_cache`` (int) and
        ``results`` (the comparisons, one row per case).
    """
    cfg = ctx.config
    cases = tier_cases(cfg)
    cached = sum((ctx.cache / "cases" / f"{case_hash(c, cfg.estimation)}.json").exists() for c in cases)
    table_out = ctx.tables / "truths.csv.gz"
    if ctx.truth_table is not None and ctx.truth_table != table_out and ctx.truth_table.exists() \
            and not ctx.recompute_truths:
        shutil.copyfile(ctx.truth_table, table_out)
    truths, reproduction, info = truths_with_table(cases, cfg.estimation, table_out, cache=ctx.cache,
                                                   n_jobs=ctx.n_jobs, scheduler=ctx.scheduler,
                                                   recompute=ctx.recompute_truths)
    reproduction.to_csv(ctx.tables / "truth_reproduction.csv", index=False, float_format="%.6g")
    results = judge_table(truths, cases, ctx.approximation, cfg.estimation.z)
    results.to_csv(ctx.tables / "comparisons.csv", index=False, float_format="%.6g")
    return {"cases": cases, "truths": truths, "reproduction": reproduction, "truth_table_info": info,
            "cases_from_cache": int(cached), "results": results}


STEP = Step("truths", "exact, reused from the truth table, or computed", run, needs=(),
            gives=("cases", "truths", "reproduction", "truth_table_info", "cases_from_cache", "results"))
