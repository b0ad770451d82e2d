"""Step ``laws``: how often the approximation under test breaks a law of true information (docs/theory.md §12).

Violation rates over random cases of sets 1-3 (``tables/law_violations.csv``)
and one minimal counterexample per law.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from .base import ReportContext, Step

__all__ = ["STEP", "run"]


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``law_rates`` (DataFrame) and ``counterexamples`` (law -> text)."""
    from ...engine import laws
    from ...engine.counterexamples import minimal_counterexamples

    cfg = ctx.config
    law_rates = pd.concat([laws.law_violation_rates(ctx.approximation, set_name, cfg.law_cases, cfg.seed + 300 + t)
                           for t, set_name in enumerate(("set1", "set2", "set3"))], ignore_index=True)
    law_rates.to_csv(ctx.tables / "law_violations.csv", index=False, float_format="%.6g")
    return {"law_rates": law_rates, "counterexamples": minimal_counterexamples(ctx.approximation)}


STEP = Step("laws", "violation rates over sets 1-3", run, needs=(), gives=("law_rates", "counterexamples"))
