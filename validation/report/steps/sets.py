"""Step ``sets``: FW on thousands of random cases of the paper's sets 1-3 (docs/theory.md §§4, 6).

Gives the validity census, the paper's regressions regenerated and Fig. 4's
per-connection information (about FW as published, whatever the approximation
under test); writes ``tables/sets_fw.csv.gz``.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ...engine.paper import census, paper_regressions, per_connection_information, set_table
from .base import ReportContext, Step

__all__ = ["STEP", "run"]

#: columns of ``tables/sets_fw.csv.gz``
KEEP = ["set", "index", "n_patterns", "n_connections", "pattern", "value", "status", "authors_value", "authors_kept",
        "min_eig", "min_eig_rest", "sigma", "rho"]


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """FW values of ``config.set_cases`` cases per set, their census, regressions and Fig. 4.

    Parameters
    ----------
    ctx : ReportContext
    data : mapping
        Not read.

    Returns
    -------
    dict
        ``set_tables`` (one table per set), ``census``, ``regressions``
        (:func:`validation.engine.paper.paper_regressions`) and ``fig4``.
    """
    cfg = ctx.config
    seeds = {"set1": cfg.seed + 101, "set2": cfg.seed + 102, "set3": cfg.seed + 103}
    set_tables = {name: set_table(name, cfg.set_cases, s, progress=True) for name, s in seeds.items()}
    pd.concat([tb[KEEP] for tb in set_tables.values()]).to_csv(ctx.tables / "sets_fw.csv.gz", index=False,
                                                                float_format="%.6g")
    return {"set_tables": set_tables, "census": {name: census(tb) for name, tb in set_tables.items()},
            "regressions": paper_regressions(set_tables, seed=cfg.seed),
            "fig4": per_connection_information(set_tables["set3"], seed=cfg.seed)}


STEP = Step("sets", "FW on random cases of sets 1-3", run, needs=(),
            gives=("set_tables", "census", "regressions", "fig4"))
