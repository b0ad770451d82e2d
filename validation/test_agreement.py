"""Agreement with the Monte Carlo truth where the approximation should hold, and the suite's power.

Claim 1 of the validation issue: at small log-variance scale the approximation
lies within the combined uncertainty of the truth (standard error plus
the bias bound of its ladder; ``validation/engine/comparison.py``).  Claim 4: the suite can
fail — deliberately wrong approximations are caught on the same truths.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synmi import analytic

#: "small scale": lambda_max <= 0.05, the bottom of the scale sweeps (the paper's sets have 3-30)
SMALL_SCALE = 0.05
#: the smallest grid value of every tier's scale sweeps
SMALLEST_SCALE = 0.01

#: Tiers on which FW is measured to disagree at lambda_max <= 0.05, with the evidence
#: (filled from runs, never guessed).  On the quick tier the tolerance, widened by the
#: M/4 -> M convergence bound of the 1-D estimator, covers the small-scale errors.
SMALL_SCALE_EVIDENCE: dict[str, str] = {
    "full": ("Refuted on the full tier (synmi report, 2026-11-24): at lambda_max = 0.05, scale_n1 draw 2 (N = 10, "
             "n = 1) gives I_FW = 0.006787 nats against a truth of 0.006112 +/- 0.000115 (1-D spacing estimator, "
             "5 x 2e5 draws), an error of +11% against a tolerance of 0.000605; the 17 other cases at "
             "lambda_max <= 0.05 agree. The error grows about linearly with the scale (exponent 1.04 "
             "[0.94, 1.16]), so small-information cases are resolved as wrong already at lambda_max = 0.05."),
}


def _small_scale(table: pd.DataFrame, limit: float = SMALL_SCALE) -> pd.DataFrame:
    return table[(table["axis"] == "scale") & (table["scale"] <= limit + 1e-12)]


def _describe(df: pd.DataFrame) -> str:
    cols = ["sweep", "scale", "n_connections", "approx_value", "truth", "truth_stderr", "bias_bound", "tolerance", "err",
            "verdict"]
    return df[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")


def test_agreement_at_smallest_scale(suite_data):
    """Every case at lambda_max = 0.01 agrees within tolerance (z = 3 standard errors + |bias|)."""
    small = _small_scale(suite_data.table, SMALLEST_SCALE)
    assert len(small) >= 2, "the tier has too few smallest-scale cases to test agreement"
    bad = small[small["verdict"] != "agree"]
    assert bad.empty, f"{len(bad)}/{len(small)} cases at lambda_max = 0.01 disagree:\n{_describe(bad)}"


def test_agreement_at_small_scale(suite_data, request, is_default_approximation):
    """Every case with lambda_max <= 0.05 agrees within tolerance."""
    if is_default_approximation and suite_data.tier in SMALL_SCALE_EVIDENCE:
        request.applymarker(pytest.mark.xfail(strict=True, reason=SMALL_SCALE_EVIDENCE[suite_data.tier]))
    small = _small_scale(suite_data.table)
    assert len(small) >= 3, "the tier has too few small-scale cases to test agreement"
    bad = small[small["verdict"] != "agree"]
    assert bad.empty, f"{len(bad)}/{len(small)} small-scale cases disagree:\n{_describe(bad)}"


# ------------------------------------------------------------------ deliberately wrong approximations


def _fw(mu, sigma, ensemble, pattern):
    return analytic.fenton_wilkinson_information(mu, sigma, ensemble, pattern)


def scaled_by_1_2(mu, sigma, ensemble, pattern):
    """The FW value times 1.2."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        return 1.2 * analytic.mutual_information(mu, sigma, ensemble, pattern)


def without_log_determinant(mu, sigma, ensemble, pattern):
    """FW with the log-determinant term left out: ``sum_a (mu_w - mu_w^(-l))`` only."""
    r = _fw(mu, sigma, ensemble, pattern)
    if not r.is_valid:
        return float("nan")
    return float(np.sum(r.mu_w - r.mu_w_rest))


def wrong_target(mu, sigma, ensemble, pattern):
    """FW information about the next pattern ``(l + 1) mod N`` instead of ``l``."""
    n_patterns = np.asarray(mu).shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        return analytic.mutual_information(mu, sigma, ensemble, (pattern + 1) % n_patterns)


def diagonal_sigma_w(mu, sigma, ensemble, pattern):
    """FW with the off-diagonal entries of ``Sigma_w`` and ``Sigma_w^(-l)`` set to zero."""
    r = _fw(mu, sigma, ensemble, pattern)
    if not r.is_valid:
        return float("nan")
    d, d_rest = np.diag(r.sigma_w), np.diag(r.sigma_w_rest)
    return float(np.sum(r.mu_w - r.mu_w_rest) + 0.5 * (np.log(d).sum() - np.log(d_rest).sum()))


WRONG = {
    "times 1.2": scaled_by_1_2,
    "log-determinant term left out": without_log_determinant,
    "wrong target pattern": wrong_target,
    "Sigma_w off-diagonal zeroed": diagonal_sigma_w,
}


@pytest.mark.parametrize("name", list(WRONG))
def test_wrong_approximation_is_caught(suite_data, name):
    """The agreement check rejects each deliberately wrong approximation at the smallest scale, where FW agrees.

    The diagonal-``Sigma_w`` variant differs from FW only where connections share a
    neuron or are correlated, so it is judged on the chain-ensemble cases.
    """
    wrong = suite_data.judge(WRONG[name])
    small = _small_scale(wrong, SMALLEST_SCALE)
    if name == "Sigma_w off-diagonal zeroed":
        small = small[small["n_connections"] > 1]
    assert len(small) >= 1
    caught = small[small["verdict"] != "agree"]
    assert len(caught) >= 1, (f"'{name}' passed the agreement check on all {len(small)} small-scale cases:\n"
                              f"{_describe(small)}")


def test_correct_approximation_passes_where_wrong_ones_fail(suite_data, is_default_approximation):
    """Control for the sensitivity tests: the FW formula itself agrees on the same cases."""
    if not is_default_approximation:
        pytest.skip("control of the sensitivity tests: meaningful for the default FW approximation only")
    fw = suite_data.judge(analytic.mutual_information)
    small = _small_scale(fw, SMALLEST_SCALE)
    assert (small["verdict"] == "agree").all(), _describe(small[small["verdict"] != "agree"])
