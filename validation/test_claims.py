"""The supplement's claims (docs/theory.md §5) against the Monte Carlo truth.

Each claim is one test; its verdict comes from the decision rules fixed in
``validation/engine/claims.py`` and its failure message carries the measured numbers.
Where the data refute a claim of the paper for the default FW approximation,
the test is marked ``xfail(strict=True)`` with the measured evidence in the
reason (``REFUTED_BY_TIER`` below): the suite stays green while saying plainly that the
claim fails, and turns red the day the claim holds.  The marker is applied only
when the approximation under test is the default one: a researcher's own
approximation is judged plainly.
"""

from __future__ import annotations

import pytest

from synmi.validation.engine import claims as claims_mod

#: Claims the data refute for the FW approximation, by tier, with the evidence measured on that tier
#: (quick: ``pytest validation/``; full: ``synmi report``).  Filled from runs, never guessed.
_N_EVIDENCE = ("Refuted on the quick tier (2026-11-27, exact single-connection truths): the error depends on N far "
               "beyond the truth's uncertainty, though not monotonically. Mean err by N (lambda_max = 1, n = 1, "
               "2 draws): N=2: +0.00027, N=5: +0.021, N=20: +0.0016, N=50: -0.000006 nats; homogeneity chi-square "
               "rejects (p < 1e-16: the exact truths leave only the formula's own variation). The linear slope "
               "on ln N alone, -0.0023 [-0.0103, 0.0013], would have missed it.")
_MU_EVIDENCE = ("Refuted on the quick tier (2026-11-27, exact single-connection truths): mean err by mu range r "
                "(mu ~ U(-r, r)): r=0: +0.0050, r=1: +0.0136, r=3: +0.0026 nats; homogeneity chi-square rejects "
                "(p < 1e-16). The slope alone, -0.0015 [-0.0056, 0.0089], would have missed it.")
REFUTED_BY_TIER: dict[str, dict[str, str]] = {
    "quick": {"N": _N_EVIDENCE, "mu_range": _MU_EVIDENCE},
    "full": {
        "N": ("Refuted on the full tier (synmi report, 2026-11-27, exact single-connection truths): mean err by N "
              "(lambda_max = 1, n = 1, 3 draws): N=2: +0.0011, 3: +0.028, 5: +0.023, 10: +0.0073, 20: +0.00067, "
              "50: -0.00075 nats; homogeneity chi-square rejects (p < 1e-16); slope on ln N -0.0055 "
              "[-0.011, -0.0015]."),
        "mu_range": ("Refuted on the full tier (synmi report, 2026-11-27): mean err by mu range r: r=0: +0.0050, "
                     "0.5: +0.0063, 1: +0.011, 2: +0.0087, 4: +0.0065 nats; homogeneity chi-square rejects "
                     "(p < 1e-16) although the slope alone, 0.00015 [-0.0018, 0.0031], contains 0."),
        "slope_N": ("Refuted on the full tier (synmi report, 2026-11-27): on 90 random set-2/3 cases with resolved "
                    "truths (n = 1-20) the slope of ln I on ln N is -1.49 [-1.83, -1.16] with the truth against "
                    "-1.32 [-1.64, -1.00] with I_FW; paired difference -0.171 [-0.247, -0.096]."),
        "slope_n": ("Refuted on the full tier (synmi report, 2026-11-27): on the same 90 cases the slope of ln I on "
                    "ln n is 1.27 [0.94, 1.61] with the truth against 1.19 [0.90, 1.50] with I_FW; paired "
                    "difference 0.074 [0.003, 0.149]."),
    },
}


def _check(request, is_default_approximation, key: str, result) -> None:
    refuted = REFUTED_BY_TIER[request.config.getoption("--tier")]
    if is_default_approximation and key in refuted:
        request.applymarker(pytest.mark.xfail(strict=True, reason=refuted[key]))
    assert result.verdict == "holds", f"{result.describe()}. {result.detail}"


def test_error_vanishes_with_scale(suite_data, request, is_default_approximation):
    """Claim 1: |err| -> 0 as the log-variance scale -> 0 (the exponent's 95% CI lies above 0)."""
    _check(request, is_default_approximation, "scale", claims_mod.claim_scale(suite_data.table))


def test_error_independent_of_N(suite_data, request, is_default_approximation):
    """Claim 2a: the slope of err on ln N has a 95% CI containing 0."""
    _check(request, is_default_approximation, "N", claims_mod.claim_independent(suite_data.table, "N"))


def test_error_independent_of_mu(suite_data, request, is_default_approximation):
    """Claim 2b: the slope of err on the mu range has a 95% CI containing 0."""
    _check(request, is_default_approximation, "mu_range", claims_mod.claim_independent(suite_data.table, "mu_range"))


def test_error_grows_with_ensemble_size(suite_data, request, is_default_approximation):
    """Claim 3: |err| ~ n^b with b > 0 (95% CI above 0)."""
    _check(request, is_default_approximation, "n", claims_mod.claim_n(suite_data.table))


def test_error_grows_with_correlation(suite_data, request, is_default_approximation):
    """Claim 4: the slope of |err| on rho is positive (95% CI above 0)."""
    _check(request, is_default_approximation, "rho", claims_mod.claim_rho(suite_data.table))


@pytest.mark.parametrize("key", ["slope_N", "slope_n"])
def test_paper_slopes_survive_true_information(suite_data, request, is_default_approximation, key):
    """Claim 5: the ln N and ln n slopes are the same with the truth as with the approximation."""
    _check(request, is_default_approximation, key, claims_mod.claim_slopes(suite_data.table)[key])
