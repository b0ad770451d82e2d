"""Step ``figures``: ``summary.json``'s numbers, the figures and ``report.md``, from everything measured.

Every output of the steps before it goes into one
:class:`~validation.report.data.ReportData`, from which
:mod:`~validation.report.figures` draws and :mod:`~validation.report.writer`
writes.  Outputs that are not a field of ``ReportData`` (those of a step added
after the standard ones) are kept in ``ReportData.extras``; figures a step drew
itself (``extra_figures``) join the drawn ones, and ``extra_summary`` entries
join ``summary.json``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Mapping

import pandas as pd

from ...engine.jsonable import to_jsonable
from ...engine.sweeps import provenance
from ...engine.truth_analysis import cross_check_summary
from ..data import ReportData, TruthEvidence
from .base import MERGED_OUTPUTS, ReportContext, Step

__all__ = ["STEP", "run", "summary"]


def summary(*, approximations: tuple[str, ...], name: str, results: pd.DataFrame, regressions: dict,
            census_out: dict, claims: dict, truth: TruthEvidence, fig4: dict, law_rates: pd.DataFrame,
            tier: str, board: list, verdict_shift: dict | None = None) -> dict[str, Any]:
    """The numbers of ``summary.json`` (keys are a contract: ``validation/test_report.py``)."""
    return {
        **{key: {"slope": v["slope"], "ci": v["ci"], "slope_authors_filter": v["slope_authors_filter"],
                 "ci_authors_filter": v["ci_authors_filter"], "n_used": v["n_used"],
                 "n_used_authors_filter": v["n_used_authors_filter"], "paper_slope": v["paper_slope"],
                 "paper_ci": v["paper_ci"], "paper_in_ci": v["paper_in_ci"]}
           for key, v in regressions.items()},
        "census": census_out,
        "claims": {k: c.to_dict() for k, c in claims.items()},
        "truth_coverage": truth.coverage,
        "cross_check": cross_check_summary(truth.cross_checks),
        "truth_slopes": truth.slopes,
        "fw_error_by_n": truth.error_by_n,
        "truth_table": {**truth.table, "reproduction_agree": truth.table.get("reproduced")},
        "leaderboard": board,
        "verdict_shift": verdict_shift or {},
        "fig4": {"slope_ln_per_connection_vs_n": fig4["slope_vs_n"].to_dict(),
                 "slope_ln_per_connection_vs_ln_n": fig4["slope_vs_ln_n"].to_dict()},
        "agreement": {"cases": int(len(results)),
                      "agree": int((results["verdict"] == "agree").sum()),
                      "disagree": int((results["verdict"] == "disagree").sum()),
                      "undefined": int((results["verdict"] == "undefined").sum())},
        "laws": law_rates.to_dict(orient="records"),
        "approximation": approximations[0],
        "approximation_name": name,
        "approximations": list(approximations),
        "tier": tier,
    }


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``summary``, ``provenance`` and ``report_data``; draws ``figures/*.png`` and writes ``report.md``."""
    from .. import figures, writer

    cfg = ctx.config
    numbers = summary(approximations=ctx.specs, name=ctx.approximation_name, results=data["results"],
                      regressions=data["regressions"], census_out=data["census"], claims=data["claims"],
                      truth=data["truth"], fig4=data["fig4"], law_rates=data["law_rates"], tier=cfg.name,
                      board=data["leaderboard"], verdict_shift=data.get("verdict_shift"))
    numbers.update(data.get("extra_summary", {}))
    prov = provenance(cfg.estimation, {
        "tier": cfg.name, "report_config": to_jsonable(cfg.__dict__ | {"estimation": cfg.estimation.to_dict()}),
        "approximations": list(ctx.specs), "approximation_name": ctx.approximation_name, "n_jobs": ctx.n_jobs,
        "scheduler": ctx.scheduler, "cache_dir": str(ctx.cache), "cases_from_cache": data["cases_from_cache"],
        "cases_total": len(data["cases"]), "steps_seconds": dict(ctx.timings)})
    known = {f.name for f in fields(ReportData)}
    extras = {k: v for k, v in data.items() if k not in known and k not in MERGED_OUTPUTS}
    report = ReportData(config=cfg, approximations=ctx.specs, approximation_name=ctx.approximation_name,
                        approximation_is_fw=ctx.is_fw, results=data["results"], set_tables=data["set_tables"],
                        census=data["census"], regressions=data["regressions"], fig4=data["fig4"],
                        calibration=data["calibration"], claims=data["claims"], truth=data["truth"],
                        law_rates=data["law_rates"], leaderboard=data["leaderboard"],
                        leaderboard_cases=data["leaderboard_cases"], counterexamples=data["counterexamples"],
                        verdict_shift=data.get("verdict_shift", {}), summary=numbers, provenance=prov,
                        timings=dict(ctx.timings), extras=extras)
    drawn = {**figures.make_all(ctx.figures, report), **data.get("extra_figures", {})}
    report = replace(report, figures=drawn)
    writer.write_report(ctx.out, report)
    return {"summary": numbers, "provenance": prov, "report_data": report}


STEP = Step("figures", "figures and report", run,
            needs=("results", "set_tables", "census", "regressions", "fig4", "calibration", "claims", "truth",
                   "law_rates", "counterexamples", "leaderboard", "leaderboard_cases", "cases",
                   "cases_from_cache"),
            gives=("summary", "provenance", "report_data"))
