"""Step ``checks``: independent checks of the truths (docs/theory.md §§8, 9, 9.2, 10).

Cross-checks of resolved ensemble truths (``config.cross_checks_per_n`` at
every ensemble size, or ``config.cross_check_cases`` overall), stored in
``tables/cross_checks.csv`` and reused by key; the 1-D spacing estimator
against exact single-connection values (``tables/exact_vs_monte_carlo.csv``);
KSG's bias against resolved truths (``tables/ksg_lower_bound.csv``).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..truth_steps import cross_checks, exact_against_monte_carlo, ksg_against_truth
from .base import ReportContext, Step

__all__ = ["STEP", "run"]


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``cross_checks``, ``exact_checks`` and ``ksg`` (DataFrames), each written as CSV."""
    cfg, cases, truths = ctx.config, data["cases"], data["truths"]
    checks = cross_checks(cases, truths, cfg.estimation, cfg.cross_check_cases, ctx.tables / "cross_checks.csv",
                          n_jobs=ctx.local_jobs, per_n=cfg.cross_checks_per_n)
    exact_checks = exact_against_monte_carlo(cases, truths, cfg.exact_check_cases, seed=cfg.seed)
    exact_checks.to_csv(ctx.tables / "exact_vs_monte_carlo.csv", index=False, float_format="%.8g")
    ksg = ksg_against_truth(cases, truths, cfg.ksg_cases, n_samples=cfg.ksg_samples, seed=cfg.seed)
    ksg.to_csv(ctx.tables / "ksg_lower_bound.csv", index=False, float_format="%.6g")
    return {"cross_checks": checks, "exact_checks": exact_checks, "ksg": ksg}


STEP = Step("checks", "cross-checks, exact against Monte Carlo, KSG", run, needs=("cases", "truths"),
            gives=("cross_checks", "exact_checks", "ksg"))
