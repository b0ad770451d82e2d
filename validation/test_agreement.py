"""Agreement with the Monte Carlo truth where the approximation should hold, and the suite's power.

Claim 1 of the validation issue: at small log-variance scale the approximation
lies within the combined uncertainty of the truth (standard error plus
the bias bound of its ladder; ``validation/engine/comparison.py``).  Claim 4: the suite can
fail — deliberately wrong approximations are caught on the same truths.

``test_agreement_on_correlated_ensembles`` judges the approximation under test on
chain ensembles with correlated ``ln x`` (:func:`sweeps.correlated_ensemble_cases`),
where FW is measured to agree and where the covariance between connections
matters; it is the test that catches most of :mod:`synmi.validation.wrong_variants`
(``validation/test_wrong_variants.py``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synmi import analytic
from synmi.validation import wrong_variants

#: "small scale": lambda_max <= 0.05, the bottom of the scale sweeps (the paper's sets have 3-30)
SMALL_SCALE = 0.05
#: the smallest grid value of every tier's scale sweeps
SMALLEST_SCALE = 0.01

#: FW is measured to disagree with the exact single-connection truth even at the smallest scale
#: (filled from runs, never guessed).
SMALLEST_SCALE_EVIDENCE = (
    "Refuted by the exact single-connection truth (quick tier, 2026-11-27): at lambda_max = 0.01 FW gives "
    "0.001761 nats against an exact 0.001698 (+3.7%, error bound 2e-14) and 0.00784 against 0.007774 (+0.8%); "
    "the two 3-connection chain cases agree within their ladder tolerance. FW's error falls with the scale "
    "(claim 1) but is not zero at any finite scale.")

#: Tiers on which FW is measured to disagree at lambda_max <= 0.05, with the evidence.
SMALL_SCALE_EVIDENCE: dict[str, str] = {
    "quick": SMALLEST_SCALE_EVIDENCE,
    "full": SMALLEST_SCALE_EVIDENCE,
}


def _small_scale(table: pd.DataFrame, limit: float = SMALL_SCALE) -> pd.DataFrame:
    return table[(table["axis"] == "scale") & (table["scale"] <= limit + 1e-12)]


def _describe(df: pd.DataFrame) -> str:
    cols = ["sweep", "scale", "n_connections", "approx_value", "truth", "truth_stderr", "bias_bound", "tolerance", "err",
            "verdict"]
    return df[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")


def test_agreement_at_smallest_scale(suite_data, request, is_default_approximation):
    """Every case at lambda_max = 0.01 agrees within tolerance (z = 3 standard errors + the truth's bias bound)."""
    if is_default_approximation:
        request.applymarker(pytest.mark.xfail(strict=True, reason=SMALLEST_SCALE_EVIDENCE))
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


#: What a correct formula may differ from the truth on the correlated chain ensembles beyond the truth's own
#: tolerance, as a fraction of the truth: FW's first-order error (docs/theory.md §5, claim 1).  Measured
#: 2026-12-07 at lambda_max = 0.2 against three long runs of the copula truth (ladder to 4e4-1.6e5, 8-32
#: replicates): 0.9291 [0.9245, 0.9337], 0.9287 [0.9252, 0.9321], 0.9266 [0.9242, 0.9290], and FW 0.9323, so
#: FW is 0.35-0.6% high there; the nearest wrong variant (``mu_w`` without ``- Sigma_w / 2``) is 5.6% low.
#: The allowance lies between the two, about at their geometric mean.
CORRELATED_ALLOWANCE = 0.015


def test_agreement_on_correlated_ensembles(suite_data, approximation):
    """Every correlated chain-ensemble case is within the truth's tolerance plus FW's first-order error
    (``CORRELATED_ALLOWANCE`` of the truth) of its truth (any approximation, FW included; no xfail).

    Chains ``(0, 1), (1, 2), (2, 3)`` with the target's ``ln x`` correlated (rho = 0.9) and the other
    patterns' at 0.5 or -0.3, at ``lambda_max`` = 0.01, 0.01, 0.02 and 0.2 (Monte Carlo truths, n = 3).  The
    covariance between the connections is large there, so a formula that drops or mishandles it is off by
    0.1-0.5 nats (9 to 18 tolerances); one without the ``- Sigma_w / 2`` of ``mu_w`` is off by 5.6% at
    ``lambda_max = 0.2`` (``validation/test_wrong_variants.py``).  FW's own error at 0.2 is 0.35-0.6%: a test
    of exact agreement there passed or failed with the truth's seed (it failed once the seed changed and the
    truth's tolerance narrowed to 0.0064 nats), so the allowance above is part of the claim.
    """
    table = suite_data.judge_correlated(approximation)
    assert len(table) == 4
    excess = (table["abs_err"].astype(float) - table["tolerance"].astype(float)
              - CORRELATED_ALLOWANCE * table["truth"].astype(float).abs())
    bad = table[~(excess <= 0)]  # an undefined value (NaN) is a miss
    assert bad.empty, (f"{len(bad)}/{len(table)} correlated chain-ensemble cases are further from the truth than "
                       f"its tolerance plus {100 * CORRELATED_ALLOWANCE:g}%:\n{_describe(bad)}")


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


WRONG = {
    "times 1.2": scaled_by_1_2,
    "log-determinant term left out": without_log_determinant,
    "wrong target pattern": wrong_variants.wrong_target_pattern,
    "Sigma_w off-diagonal zeroed": wrong_variants.diagonal_covariance,
}


def _where_fw_agrees(suite_data) -> pd.Series:
    """case_ids of the smallest-scale cases on which the FW formula agrees with the truth."""
    fw = _small_scale(suite_data.judge(analytic.mutual_information), SMALLEST_SCALE)
    return fw.loc[fw["verdict"] == "agree", "case_id"]


@pytest.mark.parametrize("name", list(WRONG))
def test_wrong_approximation_is_caught(suite_data, name):
    """The agreement check rejects each deliberately wrong approximation at the smallest scale, on the
    cases where the FW formula itself agrees (so the check discriminates rather than failing everything).

    The diagonal-``Sigma_w`` variant differs from FW only where connections share a
    neuron or are correlated, so it is judged on the chain-ensemble cases.
    """
    wrong = suite_data.judge(WRONG[name])
    small = _small_scale(wrong, SMALLEST_SCALE)
    small = small[small["case_id"].isin(_where_fw_agrees(suite_data))]
    if name == "Sigma_w off-diagonal zeroed":
        small = small[small["n_connections"] > 1]
    assert len(small) >= 1, "no smallest-scale case where FW agrees: the sensitivity check would be vacuous"
    caught = small[small["verdict"] != "agree"]
    assert len(caught) >= 1, (f"'{name}' passed the agreement check on all {len(small)} small-scale cases:\n"
                              f"{_describe(small)}")


def test_fw_agrees_on_ensembles_at_smallest_scale(suite_data):
    """Control for the sensitivity tests: FW agrees on the smallest-scale ensemble cases (within the ladder's
    tolerance), so the cases the wrong variants are judged on exist and FW passes there."""
    fw = _small_scale(suite_data.judge(analytic.mutual_information), SMALLEST_SCALE)
    ensembles = fw[fw["n_connections"] > 1]
    assert len(ensembles) >= 1, "no smallest-scale ensemble cases in the tier"
    assert (ensembles["verdict"] == "agree").all(), _describe(ensembles[ensembles["verdict"] != "agree"])
