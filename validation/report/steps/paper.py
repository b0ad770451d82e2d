"""Step ``paper``: every panel of the paper redrawn with the truth, and the erratum (docs/theory.md §13.1).

Runs :func:`validation.report.paper_panels.paper_step` on the report's truth
rows and cases, with the recommended approximation as the third layer
(:data:`RECOMMENDED_APPROXIMATION`).  The ``n = 1`` panels (Figs. 2A, 2B) use
the exact value on a grid thinned from the paper's (:data:`N1_GRIDS`) so that
the default report stays within its time budget; the full grid is
``paper_panels.PAPER_N1_GRID``.  Writes ``tables/paper_erratum.csv`` and the
figures ``paper_fig2.png``, ``paper_fig3.png`` and ``paper_fig4.png``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ....analytic.copula import normal_score_copula_information
from ...engine.paper_panels import PAPER_N1_GRID, N1Grid
from ..paper_panels import paper_step
from .base import ReportContext, Step

__all__ = ["STEP", "run", "RECOMMENDED_APPROXIMATION", "N1_GRIDS"]

#: the approximation the README recommends (docs/theory.md §11.5), the third layer of every panel
RECOMMENDED_APPROXIMATION = "synmi.analytic.copula:normal_score_copula_information"

#: the ``n = 1`` grids of Figs. 2A/2B per tier: every 4th of the paper's 100 values in the full tier
#: (25 x 31 = 775 exact values per panel, about 1 minute on 2 cores), every 10th in the quick tier
N1_GRIDS = {
    "full": N1Grid(sigmas=PAPER_N1_GRID.sigmas[::4], rhos=PAPER_N1_GRID.rhos[::4]),
    "quick": N1Grid(sigmas=PAPER_N1_GRID.sigmas[::10], rhos=PAPER_N1_GRID.rhos[::10],
                    n_patterns=PAPER_N1_GRID.n_patterns[::3]),
}
#: fresh FW cases per set for the paper's own regressions (the paper's count: 1000)
FW_CASES = {"full": 1000, "quick": 200}


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    tier = ctx.config.name if ctx.config.name in N1_GRIDS else "quick"
    res = paper_step(list(data["truths"]), list(data["cases"]), ctx.figures,
                     approximation=normal_score_copula_information, n_jobs=ctx.local_jobs,
                     n1_grid=N1_GRIDS[tier], fw_cases=FW_CASES[tier], seed=ctx.config.seed)
    entries = [{k: v for k, v in e.items() if k != "details"} for e in res["erratum"]]
    pd.DataFrame([{k: (json.dumps(v, default=str) if isinstance(v, (dict, list)) else v) for k, v in e.items()}
                  for e in entries]).to_csv(ctx.tables / "paper_erratum.csv", index=False)
    captions = {"paper_fig2.png": "The paper's Fig. 2 redrawn: FW as the paper computed it, the truth with its 95% "
                                  "interval, and the recommended approximation.",
                "paper_fig3.png": "The paper's Fig. 3 redrawn (same layers).",
                "paper_fig4.png": "The paper's Fig. 4 redrawn (same layers)."}
    figures = {name.split(".")[0]: (name, captions.get(name, "")) for name in res["figures"]}
    n1 = N1_GRIDS[tier]
    return {"paper": {**res, "n1_grid": {"sigmas": len(n1.sigmas), "rhos": len(n1.rhos),
                                         "n_patterns": len(n1.n_patterns)}},
            "extra_figures": figures,
            "extra_summary": {"paper": entries, "recommended_approximation": RECOMMENDED_APPROXIMATION,
                              "paper_n1_grid": {"sigmas": len(n1.sigmas), "rhos": len(n1.rhos),
                                                "n_patterns": int(np.size(n1.n_patterns))}}}


STEP = Step("paper", "the paper's panels redrawn with the truth, and the erratum", run, needs=("truths", "cases"),
            gives=("paper", "extra_figures", "extra_summary"))
