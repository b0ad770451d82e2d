"""Estimator sanity: on every sweep the two truth estimators agree within their uncertainties.

The primary truth is the 1-D spacing entropy difference (one connection) or the
Kozachenko-Leonenko entropy difference on common random numbers (ensembles);
the cross-check is KSG on ``(ln w_S, ln z_l)`` for ensembles of up to
``cross_max_n`` connections.  Agreement: ``|primary - KSG| <= z * sqrt(sum of
squared standard errors, biases' included) + |bias_primary| + |bias_KSG|``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

#: Boundary between moderate and large log-variance scale (lambda_max of the covariance).
LARGE_SCALE = 4.0

#: Regimes where the two estimators are measured to disagree, with the evidence.
#: Filled from runs, never guessed.
KNOWN_DISAGREEMENT: dict[str, str] = {
    "large scale": (
        "KSG (k = 3) is biased low where ln w_S is a strongly curved function of ln z_l, and its Gaussian "
        "calibration cannot see that bias. Quick tier, 2026-11-24: 3 large-scale cases disagree, e.g. "
        "lambda_max = 16, n = 1: 1-D truth 0.174 +/- 0.0003 vs KSG 0.160 (M = 5e4); set 3, n = 2: 0.614 vs 0.482. "
        "On that lambda_max = 16 case KSG rises with the sample size (0.146 +/- 0.003 at M = 5e4, 0.158 +/- 0.001 "
        "at M = 2e5) toward the 1-D spacing estimate (0.169-0.172), so the primary estimator stands and KSG's "
        "finite-sample bias is the known cause (Gao, Ver Steeg & Galstyan 2015)."),
}


def _cross_checked(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["cross_method"].astype(str) != ""]


def _describe(df: pd.DataFrame) -> str:
    cols = ["sweep", "scale", "n_connections", "n_patterns", "truth", "truth_stderr", "cross_value", "cross_stderr",
            "bias", "cross_bias", "estimators_diff", "estimators_tolerance"]
    return df[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")


@pytest.mark.parametrize("regime", ["moderate scale", "large scale"])
def test_estimators_agree(suite_data, request, regime):
    """Moderate scale: lambda_max <= 4; large scale: lambda_max > 4 (the paper's sets 2-3 live there)."""
    table = _cross_checked(suite_data.table)
    large = table["scale"].astype(float) > LARGE_SCALE
    table = table[large] if regime == "large scale" else table[~large]
    if table.empty:
        pytest.fail(f"no cross-checked {regime} cases in tier {suite_data.tier}: the check would be vacuous")
    if regime in KNOWN_DISAGREEMENT:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENT[regime]))
    bad = table[~table["estimators_agree"].astype(bool)]
    assert bad.empty, f"{len(bad)}/{len(table)} {regime} cases: estimators disagree:\n{_describe(bad)}"


def test_every_sweep_is_cross_checked(suite_data):
    """Each sweep has at least one cross-checked case (the n sweep from its small ensembles)."""
    table = suite_data.table
    checked = set(_cross_checked(table)["sweep"])
    missing = sorted(set(table["sweep"]) - checked)
    assert not missing, f"sweeps without any cross-checked case: {missing}"


def test_truth_uncertainties_are_finite_and_positive(suite_data):
    t = suite_data.table
    finite = t[np.isfinite(t["truth"].astype(float))]
    assert len(finite) == len(t), "some truths are not finite"
    assert (finite["truth_stderr"] > 0).all() and (finite["tolerance"] > 0).all()
