"""The supplement's claims (docs/theory.md §5) against the Monte Carlo truth.

Each claim is one test; its verdict comes from the decision rules fixed in
``validation/engine/claims.py`` and its failure message carries the measured numbers.
Where the data refute a claim of the paper for the default FW approximation,
the test is marked ``xfail(strict=True)`` with the measured evidence in the
reason (``REFUTED`` below): the suite stays green while saying plainly that the
claim fails, and turns red the day the claim holds.  The marker is applied only
when the approximation under test is the default one: a researcher's own
approximation is judged plainly.
"""

from __future__ import annotations

import pytest

from synmi.validation.engine import claims as claims_mod

#: Claims the data refute for the FW approximation, with the evidence measured
#: on the quick tier (``pytest validation/``, 2026-11-24).  Filled from runs, never guessed.
REFUTED: dict[str, str] = {
    "N": ("Refuted on the quick tier (2026-11-24): the error depends on N far beyond its uncertainty, though not "
          "monotonically. Mean err by N (lambda_max = 1, n = 1, 2 draws): N=2: +0.0020, N=5: +0.0216, "
          "N=20: +0.0017, N=50: -0.0001 nats; homogeneity chi-square 2309 on 6 dof (p < 1e-300). The linear "
          "slope on ln N alone, -0.0028 [-0.0105, 0.0010], would have missed it."),
    "mu_range": ("Refuted on the quick tier (2026-11-24): mean err by mu range r (mu ~ U(-r, r)): r=0: +0.0050, "
                 "r=1: +0.0135, r=3: +0.0026 nats; homogeneity chi-square 3302 on 4 dof (p < 1e-300)."),
    "slope_N": ("Refuted on the quick tier (2026-11-24): on 22 random set-2/3 cases (n <= 4) the slope of ln I on "
                "ln N is -1.38 [-1.91, -0.94] with the Monte Carlo truth against -1.19 [-1.71, -0.76] with I_FW; "
                "paired difference -0.19 [-0.26, -0.09]: I_FW is relatively too large at large N."),
}


def _check(request, is_default_approximation, key: str, result) -> None:
    if is_default_approximation and key in REFUTED:
        request.applymarker(pytest.mark.xfail(strict=True, reason=REFUTED[key]))
    assert result.verdict == "holds", f"{result.describe()}; details: {result.details}"


def test_error_vanishes_with_scale(suite_data, request, is_default_approximation):
    """Claim 1: |err| -> 0 as the log-variance scale -> 0 (positive exponent, agreement at the smallest scale)."""
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
