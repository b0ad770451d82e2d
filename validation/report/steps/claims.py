"""Step ``claims``: verdicts on the paper's claims and the analysis over its whole range of ``n`` (docs/theory.md §§5, 13).

Gives the claims (:func:`validation.engine.claims.all_claims`) and the
:class:`~validation.report.data.TruthEvidence`: coverage by ``n`` (infinite
truths resolved, in their own column), the approximation's error by ``n`` and
the slopes with the truth (:mod:`validation.engine.truth_analysis`).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...engine.claims import all_claims
from ...engine.truth_analysis import approximation_error_by_n, truth_coverage, truth_slopes
from ..data import TruthEvidence
from .base import ReportContext, Step

__all__ = ["STEP", "run"]


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``claims`` (dict of ClaimResult) and ``truth`` (TruthEvidence)."""
    results, seed = data["results"], ctx.config.seed
    claims = all_claims(results, seed=seed, approximation_label="FW" if ctx.is_fw else "approx.")
    truth = TruthEvidence(table=data["truth_table_info"], reproduction=data["reproduction"],
                          cross_checks=data["cross_checks"], exact_checks=data["exact_checks"], ksg=data["ksg"],
                          coverage=truth_coverage(results), error_by_n=approximation_error_by_n(results),
                          slopes=truth_slopes(results, seed=seed))
    return {"claims": claims, "truth": truth}


STEP = Step("claims", "trend fits and verdicts", run,
            needs=("results", "truth_table_info", "reproduction", "cross_checks", "exact_checks", "ksg"),
            gives=("claims", "truth"))
