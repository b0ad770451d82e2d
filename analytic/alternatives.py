"""Candidate approximations that may replace FW (docs/theory.md §11).

Every candidate has FW's signature ``f(mu, sigma, ensemble, pattern) -> float``
(nats) and behaves as :func:`~analytic.fenton_wilkinson.mutual_information`
does: ``nan`` with an :class:`ApproximationUndefinedWarning` where it is
undefined, ``inf`` with an :class:`InfiniteInformationWarning` where the value
is infinite, a negative value with a :class:`NegativeInformationWarning`.  Each
also has a ``*_result`` function returning a frozen dataclass with ``value``,
``status`` (:class:`Status`), ``reason`` and the intermediate quantities; those
never warn.

* :func:`fw_pd_repaired_information` -- FW with indefinite matrices projected to
  the nearest positive-definite ones, diagonal kept (§11.1);
* :func:`linear_gaussian_information` -- the information of the Gaussian channel
  with the exact covariances ``V``, ``V^(-l)`` (§11.2);
* :func:`gaussian_copula_information` -- exact marginal entropies joined by FW's
  Gaussian copula (§11.4).

:data:`APPROXIMATIONS` lists these with FW and the exact ``n = 1`` value
(§11.3) as importable ``module:function`` paths.

The moments come from :mod:`analytic.fenton_wilkinson`
(:func:`fw_result_for_case`, :func:`scaled_weight_moments`,
:func:`connection_log_moments`); nothing here recomputes them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

import numpy as np

from .exact import single_connection_information
from .fenton_wilkinson import (
    SINGULAR_RTOL,
    FWResult,
    InfiniteInformationWarning,
    Status,
    connection_log_moments,
    fw_result_for_case,
    scaled_weight_moments,
    warn_for_status,
)
from .inputs import Case, validate_case

__all__ = [
    "PD_REPAIR_FLOOR",
    "PDRepair",
    "repair_positive_definite",
    "PDRepairedResult",
    "fw_pd_repaired_result",
    "fw_pd_repaired_information",
    "LinearGaussianResult",
    "linear_gaussian_result",
    "linear_gaussian_information",
    "GaussianCopulaResult",
    "gaussian_copula_result",
    "gaussian_copula_information",
    "ApproximationSpec",
    "APPROXIMATIONS",
]

#: Eigenvalue floor of the positive-definite repair, relative to the largest
#: eigenvalue (docs/theory.md §11.1, ``eps``).
PD_REPAIR_FLOOR = 1e-8


# --------------------------------------------------------------------------- shared pieces


def _definiteness(eig: np.ndarray) -> str:
    """``"pd"``, ``"singular"`` or ``"indefinite"`` from ascending eigenvalues.

    The rule of the FW module (docs/theory.md §4): singular when the smallest
    eigenvalue lies within ``SINGULAR_RTOL * n * max|eigenvalue|`` of zero.
    """
    if not np.all(np.isfinite(eig)):
        return "indefinite"
    tol = SINGULAR_RTOL * eig.size * np.abs(eig).max()
    if eig[0] > tol:
        return "pd"
    if abs(eig[0]) <= tol:
        return "singular"
    return "indefinite"


def _log_e_target(case: Case) -> np.ndarray:
    """``ln e_l[a] = m_l[a] + c_l[a, a] / 2`` of the target pattern (docs/theory.md §2)."""
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    c_l = c if case.shared_sigma else c[case.pattern]
    return m[case.pattern] + np.diagonal(c_l) / 2


def _log_mean_ratio(case: Case, log_m1_rest: np.ndarray) -> np.ndarray:
    """``ln M1[a] - ln M1^(-l)[a] = ln(1 + e_l[a] / M1^(-l)[a])``, without cancellation (docs/theory.md §3)."""
    return np.logaddexp(0.0, _log_e_target(case) - log_m1_rest)


# --------------------------------------------------------------------------- §11.1 PD repair


class PDRepair(NamedTuple):
    """A symmetric matrix projected to a positive-definite one with the same diagonal (docs/theory.md §11.1)."""

    #: the repaired matrix; its diagonal is the input's
    matrix: np.ndarray
    #: ``ln det`` of ``matrix``, from the construction (not re-decomposed)
    log_det: float
    #: how many eigenvalues were raised to the floor
    n_clipped: int


def repair_positive_definite(matrix: Any, floor: float = PD_REPAIR_FLOOR) -> PDRepair:
    """Nearest positive-definite matrix with the same diagonal (docs/theory.md §11.1).

    1. ``matrix = Q diag(lambda) Q^T`` (symmetric eigen-decomposition);
    2. ``A' = Q diag(max(lambda, floor * lambda_max)) Q^T``;
    3. ``A'' = D^(1/2) A' D^(1/2)`` with ``D = diag(matrix) / diag(A')``, so that
       ``A''`` has the input's diagonal (a congruence by a positive diagonal
       matrix keeps positive definiteness).

    Every eigenvalue below the floor is raised, so a positive-definite matrix
    with a condition number above ``1 / floor`` is changed too; callers that
    must leave positive-definite matrices alone test definiteness first.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Symmetric, finite, with a positive diagonal.
    floor : float
        Eigenvalue floor relative to the largest eigenvalue, in ``(0, 1)``.

    Returns
    -------
    PDRepair
        ``ln det A'' = sum ln max(lambda, floor * lambda_max) + sum ln D``.

    Raises
    ------
    ValueError
        Naming ``matrix`` or ``floor``.
    """
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"matrix must be a non-empty square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("matrix has non-finite entries (NaN or inf)")
    diag = np.diagonal(a).copy()
    if np.any(diag <= 0):
        raise ValueError(f"matrix must have a positive diagonal, smallest entry {diag.min():.3g}")
    if np.abs(a - a.T).max() > 1e-12 * np.abs(a).max():
        raise ValueError("matrix is not symmetric")
    if not (isinstance(floor, (int, float, np.floating)) and 0.0 < float(floor) < 1.0):
        raise ValueError(f"floor must be a number in (0, 1), got {floor!r}")
    lam, q = np.linalg.eigh(0.5 * (a + a.T))
    threshold = float(floor) * lam[-1]  # lam[-1] >= trace / n > 0
    clipped = np.maximum(lam, threshold)
    raised = (q * clipped) @ q.T
    scale = np.sqrt(diag / np.diagonal(raised))
    out = raised * scale[:, None] * scale[None, :]
    out = 0.5 * (out + out.T)
    np.fill_diagonal(out, diag)
    log_det = float(np.log(clipped).sum() + 2.0 * np.log(scale).sum())
    return PDRepair(matrix=out, log_det=log_det, n_clipped=int(np.count_nonzero(lam < threshold)))


@dataclass(frozen=True)
class PDRepairedResult:
    """FW with positive-definite repair for one case (docs/theory.md §11.1).

    Attributes
    ----------
    value : float
        ``I`` in nats: FW's formula on the repaired matrices; ``nan`` where
        undefined (``Sigma_w`` singular), ``inf`` where infinite (``N = 1`` or a
        singular ``Sigma_w^(-l)``).
    status : Status
        ``VALID``/``NEGATIVE`` for a finite value (repaired or not), ``SINGULAR``
        or ``INFINITE`` as FW; ``INDEFINITE`` only if the FW moments are not finite.
    reason : str
    fw : FWResult
        The unrepaired FW result (its ``sigma_w`` and ``sigma_w_rest`` are FW's).
    sigma_w, sigma_w_rest : ndarray, shape (n, n)
        The matrices the value is computed from: FW's, or their repairs.
    log_det, log_det_rest : float
        Their ``ln det`` (``nan`` where not positive definite or absent).
    repaired, repaired_rest : bool
        Whether ``Sigma_w`` / ``Sigma_w^(-l)`` was indefinite and repaired.
    n_clipped, n_clipped_rest : int
        Eigenvalues raised to the floor in each.
    floor : float
        The relative eigenvalue floor used (:data:`PD_REPAIR_FLOOR`).
    """

    value: float
    status: Status
    reason: str
    fw: FWResult
    sigma_w: np.ndarray
    sigma_w_rest: np.ndarray
    log_det: float
    log_det_rest: float
    repaired: bool
    repaired_rest: bool
    n_clipped: int
    n_clipped_rest: int
    floor: float

    @property
    def any_repaired(self) -> bool:
        """True when at least one matrix was repaired (the value then differs from FW's)."""
        return self.repaired or self.repaired_rest

    @property
    def mu_w(self) -> np.ndarray:
        """``mu_w``; the repair leaves it unchanged (it depends on the diagonal only)."""
        return self.fw.mu_w

    @property
    def mu_w_rest(self) -> np.ndarray:
        """``mu_w^(-l)``, unchanged by the repair."""
        return self.fw.mu_w_rest


def _log_det_if_pd(matrix: np.ndarray) -> float:
    """``ln det`` of a positive-definite matrix, ``nan`` for any other (or non-finite) one."""
    if not np.all(np.isfinite(matrix)):
        return float("nan")
    eig = np.linalg.eigvalsh(matrix)
    return float(np.log(eig).sum()) if _definiteness(eig) == "pd" else float("nan")


def _kept_fw(fw: FWResult, reason: str | None = None) -> PDRepairedResult:
    """FW's own answer, nothing repaired."""
    return PDRepairedResult(
        value=fw.value, status=fw.status, reason=reason or fw.reason, fw=fw,
        sigma_w=fw.sigma_w, sigma_w_rest=fw.sigma_w_rest,
        log_det=_log_det_if_pd(fw.sigma_w), log_det_rest=_log_det_if_pd(fw.sigma_w_rest),
        repaired=False, repaired_rest=False, n_clipped=0, n_clipped_rest=0, floor=PD_REPAIR_FLOOR,
    )


def _log_det_or_repair(matrix: np.ndarray) -> tuple[str, np.ndarray, float, bool, int]:
    """``(state, matrix, ln det, repaired, n_clipped)``: an indefinite matrix is repaired, others kept.

    A connection of zero log-variance (a zero diagonal entry) has no density:
    such a matrix is singular whatever its other eigenvalues, and is not repaired.
    """
    eig = np.linalg.eigvalsh(matrix)
    state = _definiteness(eig)
    if state == "indefinite" and np.diagonal(matrix).min() <= 0:
        state = "singular"
    if state == "indefinite":
        fix = repair_positive_definite(matrix)
        return "pd", fix.matrix, fix.log_det, True, fix.n_clipped
    log_det = float(np.log(eig).sum()) if state == "pd" else float("nan")
    return state, matrix, log_det, False, 0


def pd_repaired_result_for_case(case: Case) -> PDRepairedResult:
    """:func:`fw_pd_repaired_result` for an already validated :class:`Case`."""
    fw = fw_result_for_case(case)
    if fw.status is not Status.INDEFINITE:
        # valid, negative, genuinely singular or N = 1: nothing to repair (§11.1)
        return _kept_fw(fw)
    if not (np.all(np.isfinite(fw.sigma_w)) and np.all(np.isfinite(fw.sigma_w_rest))):
        return _kept_fw(fw, "the FW moments are not finite: nothing to repair, the value is undefined")
    state, sigma_w, log_det, repaired, n_clipped = _log_det_or_repair(fw.sigma_w)
    state_rest, sigma_w_rest, log_det_rest, repaired_rest, n_clipped_rest = _log_det_or_repair(fw.sigma_w_rest)
    what = " and ".join(name for name, done in (("Sigma_w", repaired), ("Sigma_w^(-l)", repaired_rest)) if done)
    clipped = n_clipped + n_clipped_rest
    if what:
        done = f"{what} indefinite, repaired ({clipped} eigenvalue(s) raised to {PD_REPAIR_FLOOR:g} x the largest)"
    else:
        done = "FW's indefinite matrix has a connection of zero log-variance and is not repaired"
    if state == "singular":
        value, status = float("nan"), Status.SINGULAR
        reason = f"{done}; Sigma_w is singular: the entropy of w_S is -inf, the value is undefined"
    elif state_rest == "singular":
        value, status = float("inf"), Status.SINGULAR
        reason = f"{done}; Sigma_w^(-l) is singular while Sigma_w is not: the value diverges"
    else:
        log_m1_rest = fw.mu_w_rest + np.diagonal(fw.sigma_w_rest) / 2
        mean_term = float((_log_mean_ratio(case, log_m1_rest)
                           - (np.diagonal(fw.sigma_w) - np.diagonal(fw.sigma_w_rest)) / 2).sum())
        value = mean_term + 0.5 * (log_det - log_det_rest)
        status = Status.NEGATIVE if value < 0 else Status.VALID
        reason = done + (f"; the repaired value {value:.6g} is negative" if value < 0 else "")
    return PDRepairedResult(
        value=float(value), status=status, reason=reason, fw=fw,
        sigma_w=sigma_w, sigma_w_rest=sigma_w_rest, log_det=log_det, log_det_rest=log_det_rest,
        repaired=repaired, repaired_rest=repaired_rest, n_clipped=n_clipped, n_clipped_rest=n_clipped_rest,
        floor=PD_REPAIR_FLOOR,
    )


def fw_pd_repaired_result(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> PDRepairedResult:
    """FW with positive-definite repair, with its matrices and status (docs/theory.md §11.1).

    Where FW's ``Sigma_w`` or ``Sigma_w^(-l)`` is indefinite, that matrix is
    replaced by :func:`repair_positive_definite` (eigenvalues clipped at
    :data:`PD_REPAIR_FLOOR` times the largest, diagonal restored by a diagonal
    congruence, so every marginal moment still matches and ``mu_w`` is
    unchanged) and FW's formula is applied.  Everywhere else (valid, negative,
    singular, ``N = 1``) the result is FW's own, bit for bit.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    PDRepairedResult
        Never warns.

    Raises
    ------
    ValueError
        For malformed input, naming the argument.
    """
    return pd_repaired_result_for_case(validate_case(mu, sigma, ensemble, pattern))


def fw_pd_repaired_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``I_FW`` with positive-definite repair, in nats (docs/theory.md §11.1).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    float
        Defined wherever the FW moments exist.  ``inf`` with an
        :class:`InfiniteInformationWarning` for ``N = 1`` or a genuinely singular
        ``Sigma_w^(-l)``; ``nan`` with an :class:`ApproximationUndefinedWarning`
        for a singular ``Sigma_w``; a negative value with a
        :class:`NegativeInformationWarning`.

    Raises
    ------
    ValueError
        For malformed input, naming the argument.
    """
    result = fw_pd_repaired_result(mu, sigma, ensemble, pattern)
    warn_for_status(result)
    return result.value


# --------------------------------------------------------------------------- §11.2 linear Gaussian


@dataclass(frozen=True)
class LinearGaussianResult:
    """The linear-Gaussian information of one case (docs/theory.md §11.2).

    Attributes
    ----------
    value : float
        ``I_lin = (1/2) ln det V - (1/2) ln det V^(-l)`` in nats, ``>= 0``;
        ``inf`` for ``N = 1`` or a singular ``V^(-l)`` with ``V`` nonsingular,
        ``nan`` when ``V`` is singular too.
    status : Status
        ``VALID``, ``SINGULAR`` or ``INFINITE`` (never ``NEGATIVE``: see
        :func:`linear_gaussian_result`).
    reason : str
    log_m1, log_m1_rest : ndarray, shape (n,)
        ``ln M1`` and ``ln M1^(-l)`` (``-inf`` when ``N = 1``).
    v_scaled, v_scaled_rest : ndarray, shape (n, n)
        ``V / (M1 M1^T)`` and ``V^(-l) / (M1^(-l) M1^(-l)^T)``.
    log_det_v, log_det_v_rest : float
        ``ln det V`` and ``ln det V^(-l)`` (linear scale, computed in scaled form);
        ``nan`` where singular.
    min_eig_corr, min_eig_corr_rest : float
        Smallest eigenvalues of the correlation matrices of ``V`` and ``V^(-l)``
        (the singularity test's input).
    """

    value: float
    status: Status
    reason: str
    log_m1: np.ndarray
    log_m1_rest: np.ndarray
    v_scaled: np.ndarray
    v_scaled_rest: np.ndarray
    log_det_v: float
    log_det_v_rest: float
    min_eig_corr: float
    min_eig_corr_rest: float


class _ScaledCovariance(NamedTuple):
    state: str  # "pd" or "singular"
    log_det: float  # ln det of the linear-scale covariance; nan when singular
    min_eig: float  # smallest eigenvalue of the correlation matrix
    sd: np.ndarray  # sqrt(V[a, a]) / M1[a]
    eig: np.ndarray  # correlation matrix eigenvalues (ascending)
    vecs: np.ndarray  # and eigenvectors


def _scaled_covariance(log_m1: np.ndarray, v_scaled: np.ndarray) -> _ScaledCovariance:
    """Definiteness and ``ln det V`` of ``V = diag(M1 sd) R diag(M1 sd)``, ``R`` the correlation matrix.

    ``ln det V = ln det R + 2 sum_a (ln sd[a] + ln M1[a])``; the singularity test
    (:data:`SINGULAR_RTOL`) is applied to ``R``, whose largest eigenvalue lies in
    ``[1, n]``.  A connection of zero variance makes ``V`` singular.
    """
    var = np.diagonal(v_scaled)
    n = var.size
    if not (np.all(np.isfinite(v_scaled)) and np.all(var > 0)):
        nan = float("nan")
        return _ScaledCovariance("singular", nan, nan, np.full(n, nan), np.full(n, nan), np.full((n, n), nan))
    sd = np.sqrt(var)
    corr = v_scaled / sd[:, None] / sd[None, :]
    np.fill_diagonal(corr, 1.0)
    eig, vecs = np.linalg.eigh(corr)
    state = "pd" if _definiteness(eig) == "pd" else "singular"  # V is PSD: not positive means singular
    log_det = float(np.log(eig).sum() + 2.0 * (np.log(sd) + log_m1).sum()) if state == "pd" else float("nan")
    return _ScaledCovariance(state, log_det, float(eig[0]), sd, eig, vecs)


def linear_gaussian_result_for_case(case: Case) -> LinearGaussianResult:
    """:func:`linear_gaussian_result` for an already validated :class:`Case`."""
    n = case.n_connections
    log_m1, v_scaled = scaled_weight_moments(case)
    full = _scaled_covariance(log_m1, v_scaled)
    if case.n_patterns == 1:
        nan = float("nan")
        return LinearGaussianResult(
            value=float("inf"), status=Status.INFINITE,
            reason="N = 1: w_S^(-l) is empty, so x_l is recovered exactly and the information is infinite",
            log_m1=log_m1, log_m1_rest=np.full(n, -np.inf), v_scaled=v_scaled, v_scaled_rest=np.zeros((n, n)),
            log_det_v=full.log_det, log_det_v_rest=nan, min_eig_corr=full.min_eig, min_eig_corr_rest=nan,
        )
    log_m1_rest, v_scaled_rest = scaled_weight_moments(case, exclude=case.pattern)
    rest = _scaled_covariance(log_m1_rest, v_scaled_rest)
    if rest.state == "singular":
        if full.state == "pd":
            value, reason = float("inf"), (f"V^(-l) is singular (smallest correlation eigenvalue {rest.min_eig:.3g}) "
                                           "while V is not: the Gaussian channel has infinite capacity")
        else:
            value, reason = float("nan"), (f"V is singular (smallest correlation eigenvalue {full.min_eig:.3g}): "
                                           "I_lin is undefined")
        status = Status.SINGULAR
    else:
        value = _gaussian_channel_information(case, log_m1_rest, rest)
        if not np.isfinite(value):  # the scaled channel matrix overflowed: fall back on the two determinants
            value = 0.5 * (full.log_det - rest.log_det)
        status = Status.VALID
        reason = "V and V^(-l) nonsingular: I_lin = (1/2) ln det(1 + V^(-l)^(-1) V_l) >= 0"
    return LinearGaussianResult(
        value=float(value), status=status, reason=reason, log_m1=log_m1, log_m1_rest=log_m1_rest,
        v_scaled=v_scaled, v_scaled_rest=v_scaled_rest, log_det_v=full.log_det, log_det_v_rest=rest.log_det,
        min_eig_corr=full.min_eig, min_eig_corr_rest=rest.min_eig,
    )


def _gaussian_channel_information(case: Case, log_m1_rest: np.ndarray, rest: _ScaledCovariance) -> float:
    """``(1/2) ln det(1 + V^(-l)^(-1) V_l)`` with ``V_l = V - V^(-l)`` the exact covariance of ``z_l``.

    Equal to ``(1/2) (ln det V - ln det V^(-l))`` (docs/theory.md §11.2) but free
    of the cancellation between two large log-determinants.  In the scale of
    ``V^(-l)``'s correlation matrix ``R = U diag(r) U^T``:
    ``V_l`` becomes ``B = diag(g) expm1(c_l) diag(g)``,
    ``g[a] = e_l[a] / (M1^(-l)[a] sd^(-l)[a])``, and the value is
    ``(1/2) sum ln(1 + eig(diag(r)^(-1/2) U^T B U diag(r)^(-1/2)))``.  That matrix
    is positive semi-definite by construction (``expm1(c_l)`` is, by the Schur
    product theorem), so eigenvalues below 0 are rounding and are set to 0.
    """
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    c_l = c if case.shared_sigma else c[case.pattern]
    log_e_l = m[case.pattern] + np.diagonal(c_l) / 2
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.exp(log_e_l - log_m1_rest) / rest.sd
        b = np.expm1(c_l) * g[:, None] * g[None, :]
        w = rest.vecs / np.sqrt(rest.eig)[None, :]
        k = w.T @ b @ w
    if not np.all(np.isfinite(k)):
        return float("nan")
    eig = np.linalg.eigvalsh(0.5 * (k + k.T))
    return float(0.5 * np.log1p(np.maximum(eig, 0.0)).sum())


def linear_gaussian_result(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> LinearGaussianResult:
    """Linear-Gaussian information with its moments and status (docs/theory.md §11.2).

    ``I_lin = (1/2) ln det V - (1/2) ln det V^(-l)``, the exact information of an
    additive Gaussian channel with the true covariances.  Computed as
    ``(1/2) ln det(1 + V^(-l)^(-1) V_l)`` in the correlation scale of ``V^(-l)``
    (see docs/theory.md §11.2), which is non-negative by construction and exact
    for small values; ``ln det V`` and ``ln det V^(-l)`` are reported too.  A
    covariance is singular when its correlation matrix's smallest eigenvalue is
    within ``SINGULAR_RTOL * n * max eigenvalue`` of zero (the FW module's rule).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    LinearGaussianResult
        Never warns.

    Raises
    ------
    ValueError
        For malformed input, naming the argument.
    """
    return linear_gaussian_result_for_case(validate_case(mu, sigma, ensemble, pattern))


def linear_gaussian_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``I_lin(w_S ; x_l)`` in nats (docs/theory.md §11.2).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    float
        ``>= 0``.  ``inf`` with an :class:`InfiniteInformationWarning` for
        ``N = 1`` or a singular ``V^(-l)`` (``V`` nonsingular); ``nan`` with an
        :class:`ApproximationUndefinedWarning` when ``V`` is singular.

    Raises
    ------
    ValueError
        For malformed input, naming the argument.
    """
    result = linear_gaussian_result(mu, sigma, ensemble, pattern)
    warn_for_status(result)
    return result.value


# --------------------------------------------------------------------------- §11.4 Gaussian copula


@dataclass(frozen=True)
class GaussianCopulaResult:
    """Exact marginals joined by FW's Gaussian copula, for one case (docs/theory.md §11.4).

    Attributes
    ----------
    value : float
        ``I_cop`` in nats; ``inf``/``nan`` where the PD-repaired FW copula is
        singular or ``N = 1`` (as :class:`PDRepairedResult`).
    status : Status
        ``VALID``, ``NEGATIVE`` (``I_cop < 0``: not the information of one joint
        distribution, it can be), or the PD-repaired FW status where that is
        ``SINGULAR``/``INFINITE``.
    reason : str
    copula : PDRepairedResult
        The PD-repaired FW matrices whose correlations give ``R_w`` and ``R_rest``.
    marginal_information : ndarray, shape (n,)
        ``h(w_S[a]) - h(w_S^(-l)[a])``: each connection's exact single-connection
        information (docs/theory.md §8); ``nan`` where not computed.
    marginal_entropy, marginal_entropy_rest : ndarray, shape (n,)
        ``h(w_S[a])`` and ``h(w_S^(-l)[a])`` in nats.
    marginal_error : float
        Sum of the quadratures' error bounds on ``marginal_information``.
    log_det_r, log_det_r_rest : float
        ``ln det R_w`` and ``ln det R_rest``.
    """

    value: float
    status: Status
    reason: str
    copula: PDRepairedResult
    marginal_information: np.ndarray
    marginal_entropy: np.ndarray
    marginal_entropy_rest: np.ndarray
    marginal_error: float
    log_det_r: float
    log_det_r_rest: float


def gaussian_copula_result_for_case(case: Case) -> GaussianCopulaResult:
    """:func:`gaussian_copula_result` for an already validated :class:`Case`."""
    copula = pd_repaired_result_for_case(case)
    n = case.n_connections
    nan_n = np.full(n, np.nan)
    if copula.status in (Status.SINGULAR, Status.INFINITE, Status.INDEFINITE):
        return GaussianCopulaResult(
            value=copula.value, status=copula.status, reason=f"FW copula: {copula.reason}", copula=copula,
            marginal_information=nan_n, marginal_entropy=nan_n, marginal_entropy_rest=nan_n.copy(),
            marginal_error=float("nan"), log_det_r=float("nan"), log_det_r_rest=float("nan"),
        )
    info, h_w, h_rest, errors = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for a in range(n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteInformationWarning)  # read from the status instead
            marginal = single_connection_information(case.mu, case.sigma, case.ensemble[a:a + 1], case.pattern)
        info[a], h_w[a], h_rest[a], errors[a] = marginal.value, marginal.h_w, marginal.h_rest, marginal.error
    # ln det Sigma = sum_a ln Sigma[a, a] + ln det R; the repair keeps the diagonal
    log_det_r = copula.log_det - np.log(np.diagonal(copula.sigma_w)).sum()
    log_det_r_rest = copula.log_det_rest - np.log(np.diagonal(copula.sigma_w_rest)).sum()
    value = float(info.sum() + 0.5 * (log_det_r - log_det_r_rest))
    where = "PD-repaired " if copula.any_repaired else ""
    if np.isnan(value):  # not expected: every piece above is finite or +inf
        status, reason = Status.SINGULAR, "the marginal quadratures or the copula determinants gave nan"
    elif value == np.inf:
        status = Status.INFINITE
        reason = "a connection's other patterns are all constant: its exact marginal information is infinite"
    elif value < 0:
        status = Status.NEGATIVE
        reason = (f"I_cop = {value:.6g} < 0: exact marginals with the {where}FW copula give a negative value, "
                  "which no joint distribution has")
    else:
        status = Status.VALID
        reason = f"exact marginals (error bound {errors.sum():.2g} nats) joined by the {where}FW copula"
    return GaussianCopulaResult(
        value=value, status=status, reason=reason, copula=copula, marginal_information=info,
        marginal_entropy=h_w, marginal_entropy_rest=h_rest, marginal_error=float(errors.sum()),
        log_det_r=float(log_det_r), log_det_r_rest=float(log_det_r_rest),
    )


def gaussian_copula_result(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> GaussianCopulaResult:
    """Gaussian-copula information with its marginals and correlations (docs/theory.md §11.4).

    ``I_cop = sum_a [h(w_S[a]) - h(w_S^(-l)[a])] + (1/2) [ln det R_w - ln det R_rest]``.
    The marginal differences are the exact single-connection informations of
    docs/theory.md §8 (:func:`analytic.exact.single_connection_information`,
    one quadrature per connection that gives both entropies); ``R_w`` and
    ``R_rest`` are the correlation matrices of the PD-repaired FW log-covariances
    (:func:`fw_pd_repaired_result`).  At ``n = 1``, ``R = 1`` and ``I_cop`` is exact.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    GaussianCopulaResult
        Never warns.

    Raises
    ------
    ValueError
        For malformed input, naming the argument; also where the quadrature
        cannot resolve a connection's scales (see :mod:`analytic.exact`).
    """
    return gaussian_copula_result_for_case(validate_case(mu, sigma, ensemble, pattern))


def gaussian_copula_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``I_cop(w_S ; x_l)`` in nats: exact marginals, FW's Gaussian copula (docs/theory.md §11.4).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    float
        ``inf`` with an :class:`InfiniteInformationWarning` for ``N = 1`` or a
        singular ``Sigma_w^(-l)``; ``nan`` with an
        :class:`ApproximationUndefinedWarning` for a singular ``Sigma_w``; a
        negative value with a :class:`NegativeInformationWarning`.

    Raises
    ------
    ValueError
        As :func:`gaussian_copula_result`.
    """
    result = gaussian_copula_result(mu, sigma, ensemble, pattern)
    warn_for_status(result)
    return result.value


# --------------------------------------------------------------------------- registry


class ApproximationSpec(NamedTuple):
    """An entry of :data:`APPROXIMATIONS`."""

    #: importable ``package.module:function`` with FW's signature
    path: str
    #: one line saying what it is
    description: str


#: The candidate approximations, FW first, by short name (read-only; docs/theory.md §11).
#: Each path loads with ``synmi.validation.engine.approximations.load_approximation``.
APPROXIMATIONS: Mapping[str, ApproximationSpec] = MappingProxyType({
    "fw": ApproximationSpec(
        "synmi.analytic:mutual_information",
        "Fenton-Wilkinson: moment-matched log-normals for w_S and w_S^(-l) (§3)"),
    "fw_pd_repaired": ApproximationSpec(
        "synmi.analytic.alternatives:fw_pd_repaired_information",
        "FW with indefinite log-covariances projected to positive definite, diagonal kept (§11.1)"),
    "linear_gaussian": ApproximationSpec(
        "synmi.analytic.alternatives:linear_gaussian_information",
        "Gaussian channel with the exact covariances: (1/2) ln det V - (1/2) ln det V^(-l) (§11.2)"),
    "exact_n1": ApproximationSpec(
        "synmi.analytic.exact:exact_information",
        "exact single-connection information by quadrature; n = 1 only (§§8, 11.3)"),
    "gaussian_copula": ApproximationSpec(
        "synmi.analytic.alternatives:gaussian_copula_information",
        "exact marginal entropies joined by FW's (PD-repaired) Gaussian copula (§11.4)"),
    "normal_score_copula": ApproximationSpec(
        "synmi.analytic.copula:normal_score_copula_information",
        "recommended: exact marginals joined by the Gaussian copula of the normal scores of a fixed "
        "quasi-random sample; +inf exactly where the truth is infinite (§11.5)"),
})
