"""Deliberately wrong variants of the FW formula, for checking that the validation suite can fail.

Each function is ``f(mu, sigma, ensemble, pattern) -> float`` (nats), like the
approximation under test, and makes one mistake that a real implementation of
docs/theory.md §3 could make.  ``validation/test_wrong_variants.py`` asserts
that the suite catches every one of them with a named test that the correct
FW formula passes (:data:`CAUGHT_BY`), and any of them can be passed to the
suite like a user's formula::

    pytest validation/ --approximation synmi.validation.wrong_variants:diagonal_covariance

The FW formula (docs/theory.md §3) is

``I_FW = sum_a (mu_w[a] - mu_w^(-l)[a]) + (1/2) (ln det Sigma_w - ln det Sigma_w^(-l))``

with ``Sigma_w[a, b] = ln(1 + V[a, b] / (M1[a] M1[b]))`` and
``mu_w[a] = ln M1[a] - Sigma_w[a, a] / 2``; the ``(-l)`` quantities use the
moments ``M1^(-l)``, ``V^(-l)`` of the other patterns.  The variants are built
from the same exact moments (:func:`synmi.analytic.scaled_weight_moments`) and
return ``nan`` where their matrices are not positive definite.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .. import analytic
from ..analytic.fenton_wilkinson import scaled_weight_moments
from ..analytic.inputs import validate_case

__all__ = ["VARIANTS", "CAUGHT_BY", "diagonal_covariance", "target_kept_in_rest_covariance", "log_det_without_half",
           "mean_without_variance_term", "mean_term_sign_flipped", "weight_covariance_for_log_covariance",
           "wrong_target_pattern"]


def _moments(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ln M1``, ``V / (M1 M1^T)`` of ``w_S`` and the same of the rest ``w_S^(-l)`` (docs/theory.md §2)."""
    case = validate_case(mu, sigma, ensemble, pattern)
    log_m1, v_scaled = scaled_weight_moments(case)
    log_m1_rest, v_scaled_rest = scaled_weight_moments(case, exclude=case.pattern)
    return log_m1, v_scaled, log_m1_rest, v_scaled_rest


def _log_det(matrix: np.ndarray) -> float:
    """``ln det`` of a positive definite matrix, ``nan`` otherwise."""
    eig = np.linalg.eigvalsh(matrix)
    return float(np.log(eig).sum()) if np.all(eig > 0) else float("nan")


def _information(mu_w: np.ndarray, sigma_w: np.ndarray, mu_rest: np.ndarray, sigma_rest: np.ndarray,
                 half: float = 0.5) -> float:
    """The FW expression (docs/theory.md §3) on given log-normal parameters."""
    return float(np.sum(mu_w - mu_rest) + half * (_log_det(sigma_w) - _log_det(sigma_rest)))


def _fw_parameters(mu: Any, sigma: Any, ensemble: Any, pattern: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    log_m1, v_scaled, log_m1_rest, v_scaled_rest = _moments(mu, sigma, ensemble, pattern)
    sigma_w, sigma_rest = np.log1p(v_scaled), np.log1p(v_scaled_rest)
    return log_m1 - np.diag(sigma_w) / 2, sigma_w, log_m1_rest - np.diag(sigma_rest) / 2, sigma_rest


def diagonal_covariance(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """Only the diagonals of ``Sigma_w`` and ``Sigma_w^(-l)``: the covariance between connections dropped.

    The mistake of treating the connections of an ensemble as independent.  It
    equals FW for one connection, and differs where connections share a neuron
    or the components of ``ln x`` are correlated.
    """
    mu_w, sigma_w, mu_rest, sigma_rest = _fw_parameters(mu, sigma, ensemble, pattern)
    return _information(mu_w, np.diag(np.diag(sigma_w)), mu_rest, np.diag(np.diag(sigma_rest)))


def target_kept_in_rest_covariance(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """Pattern ``l`` left out of the rest's mean ``M1^(-l)`` but not of its covariance ``V^(-l)``.

    ``Sigma_w^(-l)[a, b] = ln(1 + V[a, b] / (M1^(-l)[a] M1^(-l)[b]))`` with the full ``V``.
    """
    log_m1, v_scaled, log_m1_rest, _ = _moments(mu, sigma, ensemble, pattern)
    shift = np.exp(log_m1 - log_m1_rest)
    sigma_w, sigma_rest = np.log1p(v_scaled), np.log1p(v_scaled * np.outer(shift, shift))
    return _information(log_m1 - np.diag(sigma_w) / 2, sigma_w, log_m1_rest - np.diag(sigma_rest) / 2, sigma_rest)


def log_det_without_half(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``ln det Sigma_w - ln det Sigma_w^(-l)`` without its factor 1/2 (the entropy of a normal has it)."""
    return _information(*_fw_parameters(mu, sigma, ensemble, pattern), half=1.0)


def mean_without_variance_term(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``mu_w = ln M1`` without ``- Sigma_w[a, a] / 2`` (the log of the mean taken for the mean of the log)."""
    log_m1, v_scaled, log_m1_rest, v_scaled_rest = _moments(mu, sigma, ensemble, pattern)
    return _information(log_m1, np.log1p(v_scaled), log_m1_rest, np.log1p(v_scaled_rest))


def mean_term_sign_flipped(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``sum_a (mu_w^(-l)[a] - mu_w[a])``: the mean term with the wrong sign (``h(w_S^(-l)) - h(w_S)`` mixed up)."""
    mu_w, sigma_w, mu_rest, sigma_rest = _fw_parameters(mu, sigma, ensemble, pattern)
    return _information(mu_rest, sigma_w, mu_w, sigma_rest)


def weight_covariance_for_log_covariance(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """The covariance ``V`` of the weights put where the covariance ``Sigma_w`` of their logarithms belongs."""
    log_m1, v_scaled, log_m1_rest, v_scaled_rest = _moments(mu, sigma, ensemble, pattern)
    mu_w, _, mu_rest, _ = _fw_parameters(mu, sigma, ensemble, pattern)
    v = v_scaled * np.exp(log_m1[:, None] + log_m1[None, :])
    v_rest = v_scaled_rest * np.exp(log_m1_rest[:, None] + log_m1_rest[None, :])
    return _information(mu_w, v, mu_rest, v_rest)


def wrong_target_pattern(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """FW about pattern ``(l + 1) mod N`` instead of ``l`` (an off-by-one in the target index)."""
    n_patterns = np.asarray(mu).shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        return float(analytic.mutual_information(mu, sigma, ensemble, (int(pattern) + 1) % n_patterns))


#: Every variant, by name.
VARIANTS: dict[str, Callable[..., float]] = {
    "diagonal_covariance": diagonal_covariance,
    "target_kept_in_rest_covariance": target_kept_in_rest_covariance,
    "log_det_without_half": log_det_without_half,
    "mean_without_variance_term": mean_without_variance_term,
    "mean_term_sign_flipped": mean_term_sign_flipped,
    "weight_covariance_for_log_covariance": weight_covariance_for_log_covariance,
    "wrong_target_pattern": wrong_target_pattern,
}

_CORRELATED = "validation/test_agreement.py::test_agreement_on_correlated_ensembles"
_SYMMETRY = "validation/test_laws.py::test_equal_distribution_symmetry_over_sets"

#: The test of ``pytest validation/`` that catches each variant, and that the FW formula passes
#: (checked by ``validation/test_wrong_variants.py``).  The wrong target keeps every agreement test that
#: FW keeps on some cases but gives twin patterns different values.
CAUGHT_BY: dict[str, str] = {
    "diagonal_covariance": _CORRELATED,
    "target_kept_in_rest_covariance": _CORRELATED,
    "log_det_without_half": _CORRELATED,
    "mean_without_variance_term": _CORRELATED,
    "mean_term_sign_flipped": _CORRELATED,
    "weight_covariance_for_log_covariance": _CORRELATED,
    "wrong_target_pattern": _SYMMETRY,
}
