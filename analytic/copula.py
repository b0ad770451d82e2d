"""Exact marginals joined by the Gaussian copula of the actual normal scores (docs/theory.md §11.5).

``I_ns = sum_a I(w_S[a] ; x_l) + (1/2) [ln det R_w - ln det R_rest]``

* ``I(w_S[a] ; x_l)``: each connection's exact single-connection information
  (docs/theory.md §8).  For ``n >= 2`` the ``n`` quadratures run together
  (:func:`analytic.batched_folds.batched_sum_information`) at a coarser
  resolution, within 2.5e-7 relative of the refined values on the benchmark's
  draws; for ``n = 1`` refined (:func:`analytic.exact.lognormal_sum_information`:
  the value is then the exact one).
* ``R_w`` and ``R_rest``: the correlation matrices of the normal scores
  ``Phi^-1((rank - 1/2) / M)`` of ``ln w_S`` and ``ln w_S^(-l)`` over one fixed
  sample of ``M = NS_SAMPLES`` draws of the patterns' log-terms, the two from
  the same draws.  The draws are a scrambled Sobol sequence (seed
  ``NS_SEED``) of dimension ``N n`` mapped through ``Phi^-1``: deterministic,
  the same on every machine and thread count, and about half the spread of
  pseudo-random draws.
* ``+inf`` exactly where the true information is infinite
  (:func:`analytic.support.infinite_information_reason`, docs/theory.md §4.1).
* A true ensemble information is at least that of any of its connections
  (docs/theory.md §12), so the value is floored at ``max_a I(w_S[a] ; x_l)``;
  it is therefore never negative.

Why not FW's correlations (docs/theory.md §11.4): see docs/theory.md §11.5.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import qmc

from .batched_folds import batched_sum_information
from .exact import lognormal_sum_information
from .fenton_wilkinson import Status, connection_log_moments, warn_for_status
from .inputs import Case, validate_case
from .support import infinite_information_reason
from .threads import single_blas_thread

__all__ = [
    "NS_SAMPLES",
    "NS_SEED",
    "NormalScoreCopulaResult",
    "normal_score_copula_result",
    "normal_score_copula_information",
]

#: sample size of the normal-score correlations (a power of 2, as a Sobol sequence wants); chosen on the
#: report's resolved ensemble truths (docs/theory.md §11.5): the largest regime median |relative error| was
#: 2.1% at 2048, 1.8% at 4096 and 1.1% at 8192 draws
NS_SAMPLES = 8192
#: seed of the scrambled Sobol sequence (and of the pseudo-random fallback beyond ``_SOBOL_MAX_DIM``)
NS_SEED = 20261207
#: the Sobol table is generated once at this dimension (covers ``N n <= 1024``, the paper's sets) and sliced
_SOBOL_BASE_DIM = 1024
#: scipy's Sobol sequence has at most this many dimensions; beyond, seeded pseudo-random normals
_SOBOL_MAX_DIM = 21201


@dataclass(frozen=True)
class NormalScoreCopulaResult:
    """Exact marginals joined by the normal-score Gaussian copula, for one case (docs/theory.md §11.5).

    Attributes
    ----------
    value : float
        ``I_ns`` in nats: ``>= 0``; ``inf`` exactly where the true information is infinite.
    status : Status
        ``VALID`` or ``INFINITE``.
    reason : str
    marginal_information : ndarray, shape (n,)
        ``I(w_S[a] ; x_l)`` of each connection (docs/theory.md §8); ``nan`` where not computed.
    log_det_r, log_det_r_rest : float
        ``ln det`` of the normal-score correlations of ``w_S`` and ``w_S^(-l)``
        (0 for ``n = 1``; ``nan`` where not computed).
    floored : bool
        True when ``sum_a I_a + (1/2)(ln det R_w - ln det R_rest)`` fell below
        ``max_a I_a`` and the value was raised to it.
    n_samples : int
        ``M`` (0 when no sample was drawn).
    seed : int
        :data:`NS_SEED`.
    """

    value: float
    status: Status
    reason: str
    marginal_information: np.ndarray
    log_det_r: float
    log_det_r_rest: float
    floored: bool
    n_samples: int
    seed: int


@functools.lru_cache(maxsize=2)
def _sobol_table(dim: int, n_samples: int) -> np.ndarray:
    """``(dim, n_samples)`` standard normals: ``Phi^-1`` of a scrambled Sobol sequence (read-only, cached).

    Row ``d`` holds dimension ``d`` of the ``n_samples`` points, contiguous, so
    that the rows of one pattern form a ``(n, M)`` block without a copy.
    """
    z = np.ascontiguousarray(ndtri(qmc.Sobol(dim, scramble=True, seed=NS_SEED).random(n_samples)).T)
    z.flags.writeable = False
    return z


def _normals(dim: int, n_samples: int) -> np.ndarray:
    """``(dim, n_samples)`` standard normals, the same for every call with these sizes.

    The first ``dim`` rows of one cached Sobol table of dimension
    ``_SOBOL_BASE_DIM * 2^j >= dim`` (a lower-dimensional projection of a
    scrambled Sobol sequence is one too), so that cases of different sizes share
    one generation; beyond scipy's largest Sobol dimension, seeded pseudo-random
    normals (not cached).
    """
    base = _SOBOL_BASE_DIM
    while base < dim:
        base *= 2
    if base <= _SOBOL_MAX_DIM:
        return _sobol_table(base, n_samples)[:dim]
    if dim <= _SOBOL_MAX_DIM:
        return _sobol_table(dim, n_samples)
    return np.ascontiguousarray(np.random.default_rng(NS_SEED).standard_normal((n_samples, dim)).T)


@functools.lru_cache(maxsize=4)
def _scores(n_samples: int) -> np.ndarray:
    """Normal scores ``Phi^-1((r - 1/2) / M)`` of the ranks ``r = 1 … M``."""
    out = ndtri((np.arange(n_samples) + 0.5) / n_samples)
    out.flags.writeable = False
    return out


def _row_orders(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, axis=1, kind="stable")`` of a finite ``(n, M)`` array, by one integer sort of packed keys.

    A double's bits read as a signed integer, with the magnitude bits flipped
    when negative, are in the order of the doubles; the lowest
    ``b = bit_length(M - 1)`` bits are replaced by the column index and the
    keys sorted (numpy sorts integers about three times faster than it
    argsorts doubles), so the low bits of the sorted keys are the permutation.
    Values that differ only in their lowest ``b`` mantissa bits (relative
    ``2^(b - 52)``, ``1.8e-12`` at ``M = 8192``) keep their column order: a
    change of the normal scores far below their resolution ``1 / M``.
    """
    low = np.int64((1 << max(1, (x.shape[1] - 1).bit_length())) - 1)
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    keys = bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))
    keys &= ~low
    keys |= np.arange(x.shape[1], dtype=np.int64)
    keys.sort(axis=1)
    keys &= low
    return keys


def _score_log_det(x: np.ndarray, scores: np.ndarray) -> float:
    """``ln det`` of the correlation matrix of the rows' normal scores (``x`` of shape (n, M)).

    Every row's scores are a permutation of ``scores`` (mean 0), so the
    correlation is ``G G^T / |scores|^2``.  Eigenvalues are floored at ``1 / M``
    (the resolution of a correlation from ``M`` draws): only exactly collinear
    scores reach it.
    """
    n, m = x.shape
    g = np.empty_like(x)
    g[np.arange(n)[:, None], _row_orders(x)] = scores
    r = (g @ g.T) / float(scores @ scores)
    eig = np.linalg.eigvalsh(0.5 * (r + r.T))
    return float(np.log(np.maximum(eig, 1.0 / m)).sum())


def _scaled_weights(m: np.ndarray, c: np.ndarray, pattern: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """``(w_S, w_S^(-l))`` of ``n_samples`` draws, each connection divided by a constant, shape (n, M) each.

    Only the ranks of each connection's draws are used (:func:`_score_log_det`),
    and a positive factor per connection leaves them unchanged, so no logarithm
    is taken.  ``ln z_k = m_k + B_k g_k`` with ``B_k B_k^T = c_k``
    (eigen-factor, negative rounding eigenvalues set to 0), pattern ``k``
    drawing the rows ``k n … k n + n - 1`` of the sample (:func:`_normals`), all
    patterns in one stacked product of ``(n, n)`` by ``(n, M)`` blocks.  The rest
    is summed in place with each connection's largest log-mean
    ``r = max_{k != l} m_k`` factored out, and ``w_S`` with ``t = max(r, m_l)``:
    every exponent is then ``m_k - r + B_k g_k`` or ``m_l - t + B_l g_l``, with
    ``|B g|`` at most a few hundred (``c`` is bounded by the input checks), so
    nothing overflows, and the term with the largest mean is at least
    ``exp(-|B g|)``, so neither sum is zero.
    """
    n_patterns, n = m.shape
    z = _normals(n_patterns * n, n_samples).reshape(n_patterns, n, n_samples)
    lam, q = np.linalg.eigh(c)
    log_z = np.matmul(q * np.sqrt(np.maximum(lam, 0.0))[..., None, :], z)  # (N, n, M)
    others = np.arange(n_patterns) != pattern
    rest_shift = m[others].max(axis=0)
    shift = np.maximum(rest_shift, m[pattern])
    log_z += np.where(others[:, None], m - rest_shift, m - shift)[:, :, None]
    if pattern == n_patterns - 1:  # the canonical order puts the target last: the rest is a view
        rest = log_z[:-1]
    else:
        rest = log_z[others]
    np.exp(rest, out=rest)
    rest_sum = rest.sum(axis=0)
    weight = np.exp(log_z[pattern])
    weight += rest_sum * np.exp(rest_shift - shift)[:, None]
    return weight, rest_sum


def _canonical(m: np.ndarray, c: np.ndarray, pattern: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The log-moments with connections and patterns in an order fixed by their values (docs/theory.md §11.5).

    The sample assigns its coordinates to (pattern, connection) slots, so the
    slots are filled in a canonical order: connections by their log-moments
    across patterns, the other patterns by theirs, the target last.  The value
    is then exactly unchanged by reordering the ensemble or the other patterns.
    """
    n_patterns, n = m.shape
    stack = np.broadcast_to(c, (n_patterns, n, n))
    diag = np.diagonal(stack, axis1=1, axis2=2)  # (N, n)
    others = np.array([k for k in range(n_patterns) if k != pattern], dtype=int)
    # keys that no reordering of the other patterns changes: the target's moments, then the others' sorted
    keys = np.vstack([m[pattern], diag[pattern], stack[pattern].sum(axis=0),
                      np.sort(m[others], axis=0), np.sort(diag[others], axis=0),
                      np.sort(stack[others].sum(axis=1), axis=0)])
    conn = np.lexsort(keys[::-1])
    m, stack = m[:, conn], stack[:, conn[:, None], conn[None, :]]
    key = np.hstack([m[others], stack[others].reshape(others.size, -1)])
    order = np.append(others[np.lexsort(key.T[::-1])], pattern)
    c_out = c[conn[:, None], conn[None, :]] if c.ndim == 2 else stack[order]
    return m[order], c_out, n_patterns - 1


def normal_score_copula_result_for_case(case: Case) -> NormalScoreCopulaResult:
    """:func:`normal_score_copula_result` for an already validated :class:`Case`."""
    with single_blas_thread():
        return _result_for_case(case)


def _result_for_case(case: Case) -> NormalScoreCopulaResult:
    n = case.n_connections
    nan = float("nan")
    infinite = infinite_information_reason(case)
    if infinite is not None:
        return NormalScoreCopulaResult(
            value=float("inf"), status=Status.INFINITE, reason=f"the true information is infinite: {infinite}",
            marginal_information=np.full(n, nan), log_det_r=nan, log_det_r_rest=nan, floored=False,
            n_samples=0, seed=NS_SEED)
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    var = np.broadcast_to(np.diagonal(c, axis1=-2, axis2=-1), m.shape)
    if n == 1:
        marginals, _ = lognormal_sum_information(m, var, case.pattern)
    else:
        marginals = batched_sum_information(m, var, case.pattern)
    if not np.all(np.isfinite(marginals)):  # not expected: infinite_information_reason sees a constant rest
        return NormalScoreCopulaResult(
            value=float("inf"), status=Status.INFINITE,
            reason="a connection's other patterns are all constant: its exact marginal information is infinite",
            marginal_information=marginals, log_det_r=nan, log_det_r_rest=nan, floored=False,
            n_samples=0, seed=NS_SEED)
    varying = np.flatnonzero(var.max(axis=0) > 0)  # a constant connection is independent of everything
    if varying.size <= 1:
        value = float(marginals.sum())
        return NormalScoreCopulaResult(
            value=value, status=Status.VALID,
            reason="one varying connection: the exact single-connection information",
            marginal_information=marginals, log_det_r=0.0, log_det_r_rest=0.0, floored=False,
            n_samples=0, seed=NS_SEED)
    sub_m, sub_c, target = _canonical(m[:, varying], c[..., varying[:, None], varying[None, :]], case.pattern)
    weights, rest = _scaled_weights(sub_m, sub_c, target, NS_SAMPLES)
    scores = _scores(NS_SAMPLES)
    log_det_r = _score_log_det(weights, scores)
    log_det_r_rest = _score_log_det(rest, scores)
    raw = float(marginals.sum() + 0.5 * (log_det_r - log_det_r_rest))
    floor = float(marginals.max())
    floored = raw < floor
    value = max(raw, floor)
    reason = (f"exact marginals joined by the Gaussian copula of the normal scores of {NS_SAMPLES} "
              f"quasi-random draws (seed {NS_SEED})")
    if floored:
        reason += f"; the copula value {raw:.6g} was below the best single connection's {floor:.6g} and is floored there"
    return NormalScoreCopulaResult(
        value=value, status=Status.VALID, reason=reason, marginal_information=marginals,
        log_det_r=log_det_r, log_det_r_rest=log_det_r_rest, floored=floored, n_samples=NS_SAMPLES, seed=NS_SEED)


def normal_score_copula_result(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> NormalScoreCopulaResult:
    """Normal-score Gaussian-copula information with its pieces (docs/theory.md §11.5).

    ``I_ns = sum_a I(w_S[a] ; x_l) + (1/2)(ln det R_w - ln det R_rest)``: exact
    single-connection informations (docs/theory.md §8) joined by the Gaussian
    copula whose correlations are those of the normal scores of ``ln w_S`` and
    ``ln w_S^(-l)`` over a fixed quasi-random sample of :data:`NS_SAMPLES`
    draws (seed :data:`NS_SEED`), floored at ``max_a I(w_S[a] ; x_l)``;
    ``+inf`` where :func:`analytic.support.infinite_information_reason` finds
    the true information infinite.  At ``n = 1`` it is the exact value.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    NormalScoreCopulaResult
        Never warns.

    Raises
    ------
    ValueError
        For malformed input, naming the argument; also where the quadrature
        cannot resolve a connection's scales (see :mod:`analytic.exact`).
    """
    return normal_score_copula_result_for_case(validate_case(mu, sigma, ensemble, pattern))


def normal_score_copula_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """``I_ns(w_S ; x_l)`` in nats: exact marginals, normal-score Gaussian copula (docs/theory.md §11.5).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        As in :func:`~analytic.fenton_wilkinson.mutual_information`.

    Returns
    -------
    float
        ``>= 0`` and finite, or ``inf`` with an
        :class:`~analytic.fenton_wilkinson.InfiniteInformationWarning` exactly
        where the true information is infinite (docs/theory.md §4.1).

    Raises
    ------
    ValueError
        As :func:`normal_score_copula_result`.
    """
    result = normal_score_copula_result(mu, sigma, ensemble, pattern)
    warn_for_status(result)
    return result.value
