"""Closed-form Fenton-Wilkinson (FW) information of a synaptic ensemble.

Implements docs/theory.md §§2-4 (the paper's equations [4-10], [15-36]):

* exact log-moments of the per-pattern products ``z_k[a] = x_k[i] x_k[j]``
  ([22]): ``m_k[a] = mu_k[i] + mu_k[j]`` and
  ``c_k[a, b] = Sigma_k[i, i'] + Sigma_k[i, j'] + Sigma_k[j, i'] + Sigma_k[j, j']``;
* exact weight moments ``M1[a] = sum_k e_k[a]`` ([24]) and
  ``V[a, b] = sum_k e_k[a] e_k[b] (exp(c_k[a, b]) - 1)`` ([25, 31-34]),
  ``e_k[a] = exp(m_k[a] + c_k[a, a] / 2)``;
* the moment-matched log-normal
  ``Sigma_w[a, b] = ln(1 + V[a, b] / (M1[a] M1[b]))``,
  ``mu_w[a] = ln M1[a] - Sigma_w[a, a] / 2`` ([4-8, 17-18, 21-27, 30, 35]) and
  the same with pattern ``l`` left out ([9, 15, 19, 28-29, 36]);
* ``I_FW = sum_a (mu_w[a] - mu_w^(-l)[a]) + (ln det Sigma_w - ln det Sigma_w^(-l)) / 2``
  ([10, 16, 20]).

Everything is computed in log space so that ``|mu| <= 50`` and eigenvalues of
``Sigma_k`` up to 25 neither overflow nor underflow: with
``p_k[a] = e_k[a] / M1[a]`` (weights summing to one over ``k``),
``V[a, b] / (M1[a] M1[b]) = sum_k p_k[a] p_k[b] expm1(c_k[a, b])``, so no
exponential of a mean is ever formed.

The vectorised core works on a stack of cases with equal ``(N, n)``; the
single-case and batch APIs both call it, so they cannot disagree.  ``c_k`` and
``V`` are symmetric, so it computes them on the ``n (n + 1) / 2`` connection
pairs ``a <= b`` only, with the pattern axis last: its cost is dominated by the
``N n (n + 1) / 2`` exponentials (benchmarks/bench_analytic.py prints that floor).
"""

from __future__ import annotations

import enum
import functools
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .inputs import Case, validate_case, validate_pattern

__all__ = [
    "Status",
    "SynmiWarning",
    "ApproximationUndefinedWarning",
    "InfiniteInformationWarning",
    "NegativeInformationWarning",
    "FWResult",
    "connection_log_moments",
    "weight_moments",
    "scaled_weight_moments",
    "fenton_wilkinson_params",
    "fenton_wilkinson_information",
    "mutual_information",
    "mutual_information_batch",
    "warn_for_status",
    "SINGULAR_RTOL",
]

#: A symmetric matrix whose smallest eigenvalue lies within
#: ``SINGULAR_RTOL * n * max|eigenvalue|`` of zero is treated as singular: its
#: log-determinant is then dominated by rounding error.
SINGULAR_RTOL = 1e-10

#: doubles in the main arrays of one block of the batch computation (4 MiB): the
#: core makes a dozen passes over arrays of ``B * N * n (n + 1) / 2`` doubles,
#: and blocks that stay in cache run 1.5-2x faster than large ones on our machine
#: (benchmarks/bench_analytic.py)
BATCH_BLOCK_DOUBLES = 2**19


class Status(str, enum.Enum):
    """Validity of an FW information value (docs/theory.md §4)."""

    VALID = "valid"
    #: ``Sigma_w`` or ``Sigma_w^(-l)`` has a negative eigenvalue: no log-normal exists.
    INDEFINITE = "indefinite"
    #: ``Sigma_w`` or ``Sigma_w^(-l)`` is singular: the value diverges or is undefined.
    SINGULAR = "singular"
    #: ``N = 1``: nothing but pattern ``l`` contributes, the information is infinite.
    INFINITE = "infinite"
    #: both matrices positive definite but ``I_FW < 0``: an approximation failure.
    NEGATIVE = "negative"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


class SynmiWarning(UserWarning):
    """Base class of synmi's warnings."""


class ApproximationUndefinedWarning(SynmiWarning):
    """The FW approximation is undefined for this case (indefinite or singular matrix)."""


class InfiniteInformationWarning(SynmiWarning):
    """The information is infinite (``N = 1`` or singular ``Sigma_w^(-l)``)."""


class NegativeInformationWarning(SynmiWarning):
    """``I_FW`` is negative although true mutual information never is."""


@dataclass(frozen=True)
class FWResult:
    """Everything the FW approximation says about one case.

    Attributes
    ----------
    value : float
        ``I_FW(w_S ; x_l)`` in nats; ``nan`` when undefined, ``inf`` when infinite,
        negative (and flagged) when the approximation fails that way.
    status : Status
    reason : str
        Human-readable explanation of ``status``.
    mu_w, sigma_w : ndarray, shapes (n,), (n, n)
        Moment-matched log-normal of ``w_S`` (docs/theory.md §3).
    mu_w_rest, sigma_w_rest : ndarray
        The same for ``w_S^(-l)``; ``-inf`` / ``nan`` when ``N = 1``.
    min_eig, min_eig_rest : float
        Smallest eigenvalues of ``sigma_w`` and ``sigma_w_rest``.
    authors_value : float
        What the authors' published procedure returns: the same formula with
        ``ln(det Sigma_w / det Sigma_w^(-l))`` taken whenever that ratio is
        positive (even if both matrices are indefinite), ``nan`` otherwise.
    authors_kept : bool
        Whether the authors' filter keeps the case (finite and positive value).
    """

    value: float
    status: Status
    reason: str
    mu_w: np.ndarray
    sigma_w: np.ndarray
    mu_w_rest: np.ndarray
    sigma_w_rest: np.ndarray
    min_eig: float
    min_eig_rest: float
    authors_value: float
    authors_kept: bool

    @property
    def is_valid(self) -> bool:
        """True only for ``Status.VALID``."""
        return self.status is Status.VALID


# --------------------------------------------------------------------------- moments


def connection_log_moments(mu: np.ndarray, sigma: np.ndarray, ensemble: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact log-moments of ``z_k[a] = x_k[i] x_k[j]`` (docs/theory.md §2, eq. [22]).

    Parameters
    ----------
    mu : ndarray, shape (N, d)
    sigma : ndarray, shape (N, d, d) or (d, d)
    ensemble : ndarray of int, shape (n, 2)

    Returns
    -------
    m : ndarray, shape (N, n)
        ``m_k[a] = mu_k[i] + mu_k[j]``.
    c : ndarray, shape (N, n, n) or (n, n) when ``sigma`` is shared
        ``c_k[a, b] = Sigma_k[i, i'] + Sigma_k[i, j'] + Sigma_k[j, i'] + Sigma_k[j, j']``.
    """
    i, j = ensemble[:, 0], ensemble[:, 1]
    m = mu[:, i] + mu[:, j]
    ii, jj = i[:, None], j[:, None]
    ip, jp = i[None, :], j[None, :]
    c = sigma[..., ii, ip] + sigma[..., ii, jp] + sigma[..., jj, ip] + sigma[..., jj, jp]
    return m, c


#: below this ``|c|`` the exact ``expm1`` is used; above it ``exp(c) - 1``, whose
#: relative rounding error is at most ``~1.2e-15`` there (and ``exp`` is several
#: times faster than ``expm1`` in numpy).
EXPM1_SWITCH = 0.1


def _expm1(c: np.ndarray) -> np.ndarray:
    """``exp(c) - 1`` to full relative precision (see :data:`EXPM1_SWITCH`)."""
    out = np.exp(c)
    out -= 1.0
    small = np.abs(c) < EXPM1_SWITCH
    if small.any():
        out[small] = np.expm1(c[small])
    return out


@functools.lru_cache(maxsize=None)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connection pairs ``(a, b)``, ``a <= b``, in ``np.triu_indices(n)`` order, and the positions of ``a == b``.

    ``c_k`` and ``V`` are symmetric, so the core works on these
    ``n (n + 1) / 2`` pairs only: half the exponentials of the full matrices.
    """
    ta, tb = np.triu_indices(n)
    for arr in (ta, tb):
        arr.flags.writeable = False
    diag = np.flatnonzero(ta == tb)
    diag.flags.writeable = False
    return ta, tb, diag


def _symmetric(pairs: np.ndarray, n: int) -> np.ndarray:
    """(B, n, n) symmetric matrices from their upper-triangle ``pairs`` (B, P)."""
    ta, tb, _ = _pairs(n)
    out = np.empty(pairs.shape[:-1] + (n, n))
    out[..., ta, tb] = pairs
    out[..., tb, ta] = pairs
    return out


def _stacked_log_moments(mu: np.ndarray, sigma: np.ndarray, ens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-moments of ``z_k`` (docs/theory.md §2, eq. [22]) for a stack of B cases of equal shapes.

    Parameters
    ----------
    mu : ndarray, shape (B, N, d)
    sigma : ndarray, shape (B, d, d) (shared by the patterns) or (B, N, d, d)
    ens : ndarray of int, shape (B, n, 2)

    Returns
    -------
    log_e : ndarray, shape (B, N, n)
        ``ln e_k[a] = m_k[a] + c_k[a, a] / 2`` with ``m_k[a] = mu_k[i] + mu_k[j]``.
    c : ndarray, shape (B, P) when shared, else (B, P, N)
        ``c_k[a, b] = Sigma_k[i, i'] + Sigma_k[i, j'] + Sigma_k[j, i'] + Sigma_k[j, j']``
        on the pairs of :func:`_pairs` (the pattern axis last, contiguous).
    """
    n_cases, n_patterns, d = mu.shape
    n = ens.shape[1]
    ta, tb, diag = _pairs(n)
    i, j = ens[..., 0], ens[..., 1]
    m = np.take_along_axis(mu, i[:, None, :], axis=2) + np.take_along_axis(mu, j[:, None, :], axis=2)
    ia, ja, ib, jb = i[:, ta], j[:, ta], i[:, tb], j[:, tb]
    rows = np.arange(n_cases)[:, None]
    if sigma.ndim == 3:
        flat = sigma.reshape(n_cases, d * d)
    else:
        # (B, d*d, N): each gathered entry brings all N patterns along, contiguously
        flat = np.ascontiguousarray(np.swapaxes(sigma.reshape(n_cases, n_patterns, d * d), 1, 2))
    c = flat[rows, ia * d + ib]
    c += flat[rows, ia * d + jb]
    c += flat[rows, ja * d + ib]
    c += flat[rows, ja * d + jb]
    c_diag = c[:, diag, None] if c.ndim == 2 else c[:, diag, :]  # (B, n, 1) or (B, n, N)
    log_e = m + np.swapaxes(c_diag, 1, 2) / 2
    return log_e, c


def _scaled_moments(log_e: np.ndarray, expm1_c: np.ndarray, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(ln M1, V / (M1 M1^T))`` over the patterns selected by ``keep``, in log space (docs/theory.md §2).

    ``log_e`` has shape (B, N, n); ``expm1_c`` is ``expm1(c_k)`` on the pairs of
    :func:`_pairs`, shape (B, P, N), or (B, P) when all patterns share one
    covariance; ``keep`` a boolean (B, N) mask or ``None`` for all patterns.  With
    ``p_k[a] = e_k[a] / M1[a]``,
    ``V[a, b] / (M1[a] M1[b]) = sum_k p_k[a] p_k[b] expm1(c_k[a, b])`` (returned
    on the pairs, shape (B, P)); for a shared covariance the sum is
    ``expm1(c)[a, b] * (P^T P)[a, b]``, one matrix product.
    """
    n = log_e.shape[2]
    ta, tb, _ = _pairs(n)
    masked = log_e if keep is None else np.where(keep[:, :, None], log_e, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = masked.max(axis=1)  # (B, n); -inf where nothing is kept
        e = np.exp(masked - shift[:, None, :])
        e = np.nan_to_num(e, nan=0.0)
        total = e.sum(axis=1)  # >= 1 wherever a pattern is kept
        log_m1 = np.log(total) + shift
        p = np.nan_to_num(e / total[:, None, :], nan=0.0)  # (B, N, n), sums to 1 over N
    pt = np.swapaxes(p, 1, 2)  # (B, n, N)
    if expm1_c.ndim == 2:
        ratio = expm1_c * np.matmul(pt, p)[:, ta, tb]
    else:
        pt = np.ascontiguousarray(pt)
        prod = pt[:, ta]
        prod *= pt[:, tb]
        prod *= expm1_c
        ratio = prod.sum(axis=2)
    return log_m1, ratio


def _fw_log_params(log_e: np.ndarray, expm1_c: np.ndarray, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(ln M1, Sigma_w)`` with ``Sigma_w = log1p(V / (M1 M1^T))`` (docs/theory.md §3) as (B, n, n); see :func:`_scaled_moments`."""
    log_m1, ratio = _scaled_moments(log_e, expm1_c, keep)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma_w = _symmetric(np.log1p(ratio), log_e.shape[2])
    return log_m1, sigma_w


def _diag(c: np.ndarray) -> np.ndarray:
    return np.diagonal(c, axis1=-2, axis2=-1)


def _case_log_moments(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """``(ln e, expm1(c))`` of one case as a stack of one (see :func:`_stacked_log_moments`)."""
    log_e, c = _stacked_log_moments(case.mu[None], case.sigma[None], case.ensemble[None])
    return log_e, _expm1(c)


def weight_moments(mu: Any, sigma: Any, ensemble: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact first and second moments of the ensemble's weights (docs/theory.md §2).

    ``M1[a] = sum_k exp(m_k[a] + c_k[a, a] / 2)`` (eq. [24]) and
    ``V[a, b] = sum_k e_k[a] e_k[b] (exp(c_k[a, b]) - 1)`` (eqs. [25, 31-34]).
    Computed in log space; the returned linear-scale values overflow only where
    the moments themselves exceed the float range.

    Returns
    -------
    M1 : ndarray, shape (n,)
    V : ndarray, shape (n, n)
    """
    case = validate_case(mu, sigma, ensemble, 0)
    log_m1, v_scaled = scaled_weight_moments(case)
    with np.errstate(over="ignore"):
        m1 = np.exp(log_m1)
        v = v_scaled * np.exp(log_m1[:, None] + log_m1[None, :])
    return m1, v


def scaled_weight_moments(case: Case, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(ln M1, V / (M1 M1^T))`` of ``w_S`` for a validated case, in log space (docs/theory.md §2).

    The scaled form of :func:`weight_moments`, which never overflows.

    Parameters
    ----------
    case : Case
        An already validated case (:func:`~analytic.inputs.validate_case`).
    exclude : int, optional
        Leave this pattern out of every sum: the moments ``M1^(-l)``, ``V^(-l)``
        of ``w_S^(-l)``.  With ``N = 1`` nothing is left: ``ln M1 = -inf`` and the
        scaled covariance is 0.

    Returns
    -------
    log_m1 : ndarray, shape (n,)
    v_scaled : ndarray, shape (n, n)
        ``V[a, b] / (M1[a] M1[b])``.
    """
    keep = None
    if exclude is not None:
        try:
            exclude = validate_pattern(exclude, case.n_patterns)
        except ValueError as exc:
            raise ValueError(f"exclude: {exc}") from None
        keep = np.ones((1, case.n_patterns), dtype=bool)
        keep[0, exclude] = False
    log_m1, v_scaled = _scaled_moments(*_case_log_moments(case), keep)
    return log_m1[0], _symmetric(v_scaled[0], case.n_connections)


def fenton_wilkinson_params(mu: Any, sigma: Any, ensemble: Any, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched log-normal ``(mu_w, Sigma_w)`` of ``w_S`` (docs/theory.md §3).

    Parameters
    ----------
    mu, sigma, ensemble
        As in :func:`mutual_information`.
    exclude : int, optional
        Leave this pattern out of every sum, giving ``(mu_w^(-l), Sigma_w^(-l))``
        (eqs. [9, 15, 19, 28-29, 36]).

    Returns
    -------
    mu_w : ndarray, shape (n,)
    sigma_w : ndarray, shape (n, n)
        May be indefinite: FW builds it entry by entry.
    """
    case = validate_case(mu, sigma, ensemble, 0)
    if exclude is not None:
        try:
            case = validate_case(case.mu, case.sigma, case.ensemble, exclude, check_covariance=False)
        except ValueError as exc:
            raise ValueError(f"exclude: {exc}") from None
    if exclude is not None and case.n_patterns == 1:
        raise ValueError("exclude: leaving out the only pattern (N = 1) leaves no weights to approximate")
    log_e, expm1_c = _case_log_moments(case)
    keep = None
    if exclude is not None:
        keep = np.ones((1, case.n_patterns), dtype=bool)
        keep[0, case.pattern] = False
    log_m1, sigma_w = _fw_log_params(log_e, expm1_c, keep)
    mu_w = log_m1 - _diag(sigma_w) / 2
    return mu_w[0], sigma_w[0]


# --------------------------------------------------------------------------- core


def _classify(eig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positive definite, singular, indefinite) masks from ascending eigenvalues (B, n)."""
    n = eig.shape[-1]
    with np.errstate(invalid="ignore"):
        scale = np.abs(eig).max(axis=-1)
        tol = SINGULAR_RTOL * n * scale
        finite = np.all(np.isfinite(eig), axis=-1)
        lo = eig[:, 0]
        pd = finite & (lo > tol)
        singular = finite & (np.abs(lo) <= tol)
        indefinite = ~pd & ~singular
    return pd, singular, indefinite


def _fw_core(log_e: np.ndarray, expm1_c: np.ndarray, pattern: np.ndarray) -> dict[str, np.ndarray]:
    """FW information for a stack of B cases with equal ``(N, n)``.

    Parameters
    ----------
    log_e : ndarray, shape (B, N, n)
        ``ln e_k[a]`` (see :func:`_stacked_log_moments`).
    expm1_c : ndarray, shape (B, P, N), or (B, P) when each case's patterns share one covariance
        ``expm1(c_k)`` on the pairs of :func:`_pairs`.
    pattern : ndarray of int, shape (B,)

    One symmetric eigen-decomposition per matrix gives the classification
    (positive definite / singular / indefinite), ``ln det`` of the positive
    definite ones, and the sign and ``ln |det|`` the authors' procedure uses.
    """
    n_cases, n_patterns, n = log_e.shape
    log_m1, sigma_w = _fw_log_params(log_e, expm1_c, None)
    keep = np.ones((n_cases, n_patterns), dtype=bool)
    keep[np.arange(n_cases), pattern] = False
    log_m1_rest, sigma_w_rest = _fw_log_params(log_e, expm1_c, keep)
    mu_w = log_m1 - _diag(sigma_w) / 2
    with np.errstate(invalid="ignore"):
        mu_w_rest = log_m1_rest - _diag(sigma_w_rest) / 2

    # sum_a (mu_w - mu_w^(-l)): ln M1 - ln M1^(-l) = ln(1 + e_l / M1^(-l)) exactly,
    # computed without cancellation.
    log_e_l = log_e[np.arange(n_cases), pattern]  # (B, n)
    with np.errstate(invalid="ignore"):
        log_ratio_m1 = np.logaddexp(0.0, log_e_l - log_m1_rest)
        mean_term = (log_ratio_m1 - (_diag(sigma_w) - _diag(sigma_w_rest)) / 2).sum(axis=-1)

    infinite = np.full(n_cases, n_patterns == 1)
    safe_rest = np.where(infinite[:, None, None], np.eye(n), sigma_w_rest)
    safe_rest = np.nan_to_num(safe_rest, nan=0.0, posinf=0.0, neginf=0.0)
    eig = np.linalg.eigvalsh(sigma_w)
    eig_rest = np.linalg.eigvalsh(safe_rest)
    pd, sing, indef = _classify(eig)
    pd_r, sing_r, indef_r = _classify(eig_rest)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_abs = np.log(np.abs(eig)).sum(axis=-1)
        log_abs_rest = np.log(np.abs(eig_rest)).sum(axis=-1)
    value = mean_term + 0.5 * (np.where(pd, log_abs, np.nan) - np.where(pd_r, log_abs_rest, np.nan))

    status = np.full(n_cases, Status.VALID.value, dtype=object)
    status[value < 0] = Status.NEGATIVE.value
    status[sing | sing_r] = Status.SINGULAR.value
    status[indef | indef_r] = Status.INDEFINITE.value
    status[infinite] = Status.INFINITE.value
    value = np.where(status == Status.SINGULAR.value, np.where(pd & sing_r, np.inf, np.nan), value)
    value = np.where(status == Status.INDEFINITE.value, np.nan, value)
    value = np.where(infinite, np.inf, value)

    # The authors' procedure: ln(det A / det B) whenever the ratio is positive.
    # a singular matrix's determinant is rounding noise: its sign counts as 0 (the
    # authors' ratio is then 0 or infinite, which their filter drops)
    sign_a = np.where(sing, 0.0, np.prod(np.sign(eig), axis=-1))
    sign_b = np.where(sing_r, 0.0, np.prod(np.sign(eig_rest), axis=-1))
    with np.errstate(invalid="ignore"):
        authors_value = np.where((sign_a * sign_b > 0) & ~infinite, mean_term + 0.5 * (log_abs - log_abs_rest),
                                 np.nan)
        authors_kept = np.isfinite(authors_value) & (authors_value > 0)

    mu_w_rest = np.where(infinite[:, None], -np.inf, mu_w_rest)
    sigma_w_rest = np.where(infinite[:, None, None], np.nan, sigma_w_rest)
    return {
        "value": value,
        "status": status,
        "mu_w": mu_w,
        "sigma_w": sigma_w,
        "mu_w_rest": mu_w_rest,
        "sigma_w_rest": sigma_w_rest,
        "min_eig": eig[:, 0],
        "min_eig_rest": np.where(infinite, np.nan, eig_rest[:, 0]),
        "authors_value": authors_value,
        "authors_kept": authors_kept,
        "pd": pd,
        "pd_rest": pd_r,
        "sing": sing,
        "sing_rest": sing_r,
    }


def _reason(core: dict[str, np.ndarray], b: int, n_patterns: int) -> str:
    status = core["status"][b]
    lo, lo_r = core["min_eig"][b], core["min_eig_rest"][b]
    if status == Status.INFINITE.value:
        return "N = 1: w_S^(-l) is empty, so x_l is recovered exactly and the information is infinite"
    if status == Status.INDEFINITE.value:
        parts = []
        if not (core["pd"][b] or core["sing"][b]):
            parts.append(f"Sigma_w is indefinite (smallest eigenvalue {lo:.3g})")
        if not (core["pd_rest"][b] or core["sing_rest"][b]):
            parts.append(f"Sigma_w^(-l) is indefinite (smallest eigenvalue {lo_r:.3g})")
        return "; ".join(parts) + ": no log-normal has these moments, I_FW is undefined"
    if status == Status.SINGULAR.value:
        if core["sing_rest"][b] and core["pd"][b]:
            return (f"Sigma_w^(-l) is singular (smallest eigenvalue {lo_r:.3g}) while Sigma_w is not: "
                    "the FW information diverges")
        return (f"Sigma_w is singular (smallest eigenvalue {lo:.3g}): the FW entropy of w_S is -inf, "
                "I_FW is undefined")
    if status == Status.NEGATIVE.value:
        return (f"I_FW = {core['value'][b]:.6g} < 0 with both matrices positive definite: "
                "true mutual information is never negative, the approximation fails here")
    return "both Sigma_w and Sigma_w^(-l) positive definite, I_FW >= 0"


def _result_from_core(core: dict[str, np.ndarray], b: int, n_patterns: int) -> FWResult:
    return FWResult(
        value=float(core["value"][b]),
        status=Status(core["status"][b]),
        reason=_reason(core, b, n_patterns),
        mu_w=core["mu_w"][b].copy(),
        sigma_w=core["sigma_w"][b].copy(),
        mu_w_rest=core["mu_w_rest"][b].copy(),
        sigma_w_rest=core["sigma_w_rest"][b].copy(),
        min_eig=float(core["min_eig"][b]),
        min_eig_rest=float(core["min_eig_rest"][b]),
        authors_value=float(core["authors_value"][b]),
        authors_kept=bool(core["authors_kept"][b]),
    )


# --------------------------------------------------------------------------- public API


def fenton_wilkinson_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> FWResult:
    """FW information with its parameters, validity status and the authors' value.

    Implements docs/theory.md §§3-4 (the paper's eqs. [10, 16, 20]).

    Parameters
    ----------
    mu : array_like, shape (N, d)
        Means of ``ln x_k``.
    sigma : array_like, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k`` (one ``(d, d)`` matrix is shared by all patterns).
    ensemble : sequence of (i, j)
        ``n`` distinct connections, 0-based.
    pattern : int
        Target pattern ``l``, 0-based.

    Returns
    -------
    FWResult
        Never warns; :func:`mutual_information` turns the status into warnings.
    """
    case = validate_case(mu, sigma, ensemble, pattern)
    return fw_result_for_case(case)


def fw_result_for_case(case: Case) -> FWResult:
    """:func:`fenton_wilkinson_information` for an already validated :class:`Case`."""
    core = _fw_core(*_case_log_moments(case), np.array([case.pattern]))
    return _result_from_core(core, 0, case.n_patterns)


def warn_for_status(result: Any, stacklevel: int = 3) -> None:
    """Turn a result's ``status`` into the matching synmi warning (as :func:`mutual_information` does).

    ``result`` is any object with ``status``, ``value`` and ``reason``
    (:class:`FWResult` or the results of ``analytic.alternatives``).  Valid
    results warn nothing.
    """
    if result.status is Status.INDEFINITE:
        warnings.warn(result.reason, ApproximationUndefinedWarning, stacklevel=stacklevel)
    elif result.status is Status.SINGULAR:
        cls = InfiniteInformationWarning if np.isinf(result.value) else ApproximationUndefinedWarning
        warnings.warn(result.reason, cls, stacklevel=stacklevel)
    elif result.status is Status.INFINITE:
        warnings.warn(result.reason, InfiniteInformationWarning, stacklevel=stacklevel)
    elif result.status is Status.NEGATIVE:
        warnings.warn(result.reason, NegativeInformationWarning, stacklevel=stacklevel)


def mutual_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``I_FW(w_S ; x_l)`` in nats (docs/theory.md §3, the paper's eqs. [10, 16, 20]).

    Parameters
    ----------
    mu : array_like, shape (N, d)
        Means of ``ln x_k``.
    sigma : array_like, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k``; one ``(d, d)`` matrix is shared by all patterns.
    ensemble : sequence of (i, j)
        ``n`` distinct connections, 0-based; ``(i, j)`` and ``(j, i)`` are the same.
    pattern : int
        Target pattern ``l``, 0-based.

    Returns
    -------
    float
        The information in nats.  ``nan`` with an
        :class:`ApproximationUndefinedWarning` when ``Sigma_w`` or
        ``Sigma_w^(-l)`` is indefinite (or ``Sigma_w`` singular); ``inf`` with an
        :class:`InfiniteInformationWarning` when ``N = 1`` or ``Sigma_w^(-l)`` is
        singular; a negative value with a :class:`NegativeInformationWarning`.
        Never a finite number computed from an indefinite matrix.

    Raises
    ------
    ValueError
        For malformed input, naming the argument.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.zeros((3, 4)); sigma = 0.25 * np.eye(4)
    >>> round(mutual_information(mu, sigma, [(0, 1)], 0), 6)
    0.267452
    """
    result = fenton_wilkinson_information(mu, sigma, ensemble, pattern)
    warn_for_status(result)
    return result.value


def mutual_information_batch(cases: Iterable[Case | dict | Sequence], *, validate: bool = True):
    """FW information for many cases at once, vectorised over cases of equal ``(N, n, d)``.

    Parameters
    ----------
    cases : iterable
        :class:`~analytic.inputs.Case` objects, mappings with keys ``mu``,
        ``sigma``, ``ensemble``, ``pattern``, or ``(mu, sigma, ensemble, pattern)``
        tuples.  Cases may differ in ``N``, ``d``, ``n`` and target.
    validate : bool
        Re-validate :class:`Case` objects (mappings and tuples are always validated).

    Returns
    -------
    pandas.DataFrame
        One row per case, in input order, with columns ``value``, ``status``,
        ``authors_value``, ``authors_kept``, ``min_eig``, ``min_eig_rest``,
        ``n_patterns``, ``n_connections``, ``dim``, ``pattern``.  No warnings are
        emitted: read ``status``.
    """
    import pandas as pd

    checked: list[Case] = []
    for t, item in enumerate(cases):
        try:
            if isinstance(item, Case):
                case = validate_case(item.mu, item.sigma, item.ensemble, item.pattern, meta=item.meta) if validate else item
            elif isinstance(item, dict):
                case = Case.from_dict(item)
            else:
                try:
                    fields = tuple(item)
                except TypeError:
                    fields = ()
                if len(fields) != 4:
                    raise ValueError("expected a Case, a mapping or a (mu, sigma, ensemble, pattern) "
                                     f"tuple, got {type(item).__name__}")
                case = validate_case(*fields)
        except ValueError as exc:
            raise ValueError(f"cases[{t}]: {exc}") from None
        checked.append(case)
    total = len(checked)
    cols = {k: np.empty(total) for k in ("value", "authors_value", "min_eig", "min_eig_rest")}
    status = np.empty(total, dtype=object)
    kept = np.zeros(total, dtype=bool)
    groups: dict[tuple, list[int]] = {}
    for t, case in enumerate(checked):
        key = (case.n_patterns, case.n_connections, case.dim, case.shared_sigma)
        groups.setdefault(key, []).append(t)
    for (n_patterns, n, dim, shared), members in groups.items():
        # cache-sized blocks: per case, the covariances, the pair moments and the weights
        per_case = (1 if shared else n_patterns) * (n * (n + 1) // 2 + dim * dim) + n_patterns * n
        step = max(1, min(len(members), int(BATCH_BLOCK_DOUBLES // max(per_case, 1))))
        for start in range(0, len(members), step):
            idx = members[start:start + step]
            mu = np.stack([checked[t].mu for t in idx])
            sig = np.stack([checked[t].sigma for t in idx])
            ens = np.stack([checked[t].ensemble for t in idx])
            log_e, c = _stacked_log_moments(mu, sig, ens)
            core = _fw_core(log_e, _expm1(c), np.array([checked[t].pattern for t in idx]))
            for col in cols:
                cols[col][idx] = core[col]
            status[idx] = core["status"]
            kept[idx] = core["authors_kept"]
    return pd.DataFrame({
        "value": cols["value"],
        "status": status.astype(str) if total else np.array([], dtype=str),
        "authors_value": cols["authors_value"],
        "authors_kept": kept,
        "min_eig": cols["min_eig"],
        "min_eig_rest": cols["min_eig_rest"],
        "n_patterns": [c.n_patterns for c in checked],
        "n_connections": [c.n_connections for c in checked],
        "dim": [c.dim for c in checked],
        "pattern": [c.pattern for c in checked],
    })
