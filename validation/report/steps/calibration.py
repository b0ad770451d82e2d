"""Step ``calibration``: bias and spread of each truth estimator on Gaussian data with a known answer (docs/theory.md §7).

Writes ``tables/calibration.csv``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..tiers import ReportConfig
from .base import ReportContext, Step

__all__ = ["STEP", "run", "calibration_table"]


def calibration_table(cfg: ReportConfig, seed: int) -> pd.DataFrame:
    """Gaussian calibration of each estimator at the report's dimensions and sample sizes.

    ``X`` and ``Y`` are ``n``-dimensional with per-coordinate correlation ``r``
    (independent across coordinates), so ``I = -n/2 ln(1 - r^2)``; ``r`` is set
    for a total information of 0.5 nats, the typical size of the sweep cases.

    Parameters
    ----------
    cfg : ReportConfig
        ``calibration_dims``, ``calibration_samples`` and ``calibration_replicates``.
    seed : int
        Root seed.

    Returns
    -------
    pandas.DataFrame
        One row per (estimator, dimension, sample size): true value, mean estimate, bias and its
        standard error, spread, replicates.
    """
    from .... import empirical

    rows = []
    ss = np.random.SeedSequence(seed)
    for method in (name for name, est in empirical.ESTIMATORS.items() if est.max_connections is None):
        for dim in cfg.calibration_dims:
            for m in cfg.calibration_samples:
                if method == "ksg" and (dim > 4 or (dim == 4 and m > 10_000)):
                    continue  # 8- and 16-D range counts: minutes, and KSG cross-checks only n <= 3
                info = 0.5
                r = float(np.sqrt(1 - np.exp(-2 * info / dim)))
                cov = np.block([[np.eye(dim), r * np.eye(dim)], [r * np.eye(dim), np.eye(dim)]])
                res = empirical.gaussian_calibration(method, cov, dim, m, cfg.calibration_replicates,
                                                     np.random.default_rng(ss.spawn(1)[0]))
                rows.append({"method": method, "dim": dim, "n_samples": m, "true_value": res.true_value,
                             "mean_estimate": res.mean_estimate, "bias": res.bias, "bias_stderr": res.bias_stderr,
                             "spread": res.spread, "replicates": res.replicates})
    return pd.DataFrame(rows)


def run(ctx: ReportContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """``calibration``: :func:`calibration_table` at seed ``config.seed + 200``, written as CSV."""
    calib = calibration_table(ctx.config, ctx.config.seed + 200)
    calib.to_csv(ctx.tables / "calibration.csv", index=False, float_format="%.6g")
    return {"calibration": calib}


STEP = Step("calibration", "estimators on Gaussian cases", run, needs=(), gives=("calibration",))
