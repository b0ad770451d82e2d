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

#: Regimes where the two estimators are measured to disagree, with the evidence.
#: Filled from runs, never guessed.
KNOWN_DISAGREEMENT: dict[str, str] = {}


def _cross_checked(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["cross_method"].astype(str) != ""]


def _describe(df: pd.DataFrame) -> str:
    cols = ["sweep", "scale", "n_connections", "n_patterns", "truth", "truth_stderr", "cross_value", "cross_stderr",
            "bias", "cross_bias", "estimators_diff", "estimators_tolerance"]
    return df[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")


@pytest.mark.parametrize("n_kind", ["one connection", "ensembles"])
def test_estimators_agree(suite_data, request, n_kind):
    table = _cross_checked(suite_data.table)
    table = table[(table["n_connections"] == 1) if n_kind == "one connection" else (table["n_connections"] > 1)]
    if table.empty:
        pytest.fail(f"no cross-checked {n_kind} cases in tier {suite_data.tier}: the check would be vacuous")
    if n_kind in KNOWN_DISAGREEMENT:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENT[n_kind]))
    bad = table[~table["estimators_agree"].astype(bool)]
    assert bad.empty, f"{len(bad)}/{len(table)} {n_kind} cases: estimators disagree:\n{_describe(bad)}"


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
