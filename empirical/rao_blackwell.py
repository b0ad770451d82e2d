"""A second, independent estimator of the true ``I(w_S ; x_l)``: Rao-Blackwellised densities.

The information is exactly ``I = h(w_S) - h(w_S^(-l))`` (docs/theory.md §2).
This module estimates both entropies from *densities* rather than from nearest
neighbours (docs/theory.md §10), so its errors are unrelated to those of the
kNN estimators of :mod:`empirical.estimate`.

Density of a sum, conditioned on all terms but one
--------------------------------------------------
Let ``K`` be the patterns summed (all ``N`` for ``w_S``, all but ``l`` for
``w_S^(-l)``), ``w = sum_{k in K} z_k``.  Given every term but pattern ``m``,
``w = z_m + S_{-m}`` and ``z_m`` has an explicit ``n``-dimensional log-normal
density ``f_m`` (``ln z_m ~ Normal(m_m, c_m)``, ``c_m = C Sigma_m C^T`` with
``C`` the ``n x d`` incidence matrix of the ensemble; it must be positive
definite).  With ``P_k = prod_a z_k[a]`` the weights ``pi_m = P_m / sum_k P_k``
are a partition of unity at every configuration, so exactly

``p(w) = sum_m E[ f_m(y) * prod_a y_a / (prod_a y_a + sum_{k != m} P_k) ]``,
``y = w - S_{-m}`` (a term is 0 when any ``y_a <= 0``),

the expectation over the other patterns.  Each term is bounded: the weight
removes the ``1 / prod(y)`` spike of ``f_m`` near 0 that ruins the variance of
the plain average ``mean_j f_m(w - S_{-m,j})``.  In logs, with ``u = ln y``,
``ln term = ln phi_m(u) - ln(exp(sum_a u_a) + sum_{k != m} P_k)``, where
``phi_m`` is the ``Normal(m_m, c_m)`` density of ``u`` (the Jacobian
``1 / prod y`` cancels against ``prod y``); everything is computed in log space.

Estimator
---------
One replicate draws ``M = n_samples`` independent configurations of all
patterns with the exact sampler of :mod:`empirical.sampling` (replicate ``r``'s
are the draws of ``sample_hebbian`` seeded with the ``SeedSequence`` child
``(r, 0)`` of the call's root; its control sample, below, uses child ``(r, 1)``).  Per draw
``j`` and point ``w``, ``T_j(w) = sum_m term_m(w; j)``, and
``p_hat(w) = mean_j T_j(w)``, an unbiased estimate.  The first ``P = n_points``
draws are the evaluation points ``w_i`` (and ``w_i^(-l)``, the same draws
without pattern ``l``); the inner average of point ``i`` leaves out its own
draw (leave-one-out, ``M - 1`` terms), which keeps it unbiased.  Then

``D_i = ln p_hat_rest(w_i^(-l)) - ln p_hat_w(w_i) + (J_rest,i - J_w,i)``,

where ``J = (M' / ESS - 1) / (2 (M' - 1))`` (``M' = M - 1``) is the delta-method
(Jensen) correction ``Var(p_hat) / (2 p_hat^2)`` of the log of a mean, with the
variance estimated from the same ``T_j``.

Control variate.  ``g = ln q_rest(w^(-l)) - ln q_w(w)``, with ``q_w``, ``q_rest``
the log-normal densities whose log-scale mean and covariance are the sample
moments of ``ln w_S`` and ``ln w_S^(-l)`` over the draws that are not points
(so ``q`` is independent of the points).  ``g`` costs ``O(n^2)`` per draw, so
its mean is taken over a separate sample of ``n_control`` draws (default
``2^21``), and

``I_hat = mean_i (D_i - g_i) + mean_c g_c``.

Both terms are unbiased given ``q``.  ``D - g = ln(p_rest / q_rest) - ln(p_w / q_w)``
has the heavy-tailed change-of-variables part ``sum_a ln(w[a] / w^(-l)[a])``
and the log-Gaussian part removed, and its spread over points is typically
20-50 times smaller than that of ``D``; the spread of ``g`` is beaten down by
the size of the control sample.  The coefficient of ``g`` is fixed at 1 (the
least-squares slope is within about 1% of it, and estimating it from the points
would add a bias of order ``1 / P`` through the skewness of ``g``).

Uncertainty.  The inner sample is shared by all points, so their errors are
correlated and ``sd(D) / sqrt(P)`` would understate the error.  The draws are
cut into ``JACKKNIFE_GROUPS = G`` interleaved groups (draw ``j`` in group
``j mod G``) and the delete-a-group jackknife recomputes ``I_hat`` without each
group (its points, its inner terms, its share of the control sample):
``se^2 = (G - 1) / G * sum_g (I_g - mean I_g)^2``.  With several replicates,
``value`` is their mean and ``stderr = sqrt(sum se_r^2) / R``; the interval
uses Student ``t`` with ``R (G - 1)`` degrees of freedom.

Diagnostics and standing aside
------------------------------
Effective sample size per point: ``ESS = (sum_j T_j)^2 / sum_j T_j^2`` over the
``M - 1`` per-draw totals ``T_j`` of the density sum at that point (``M - 1``
when all are equal, 1 when one draw carries everything); a point's ESS is the
smaller of its two densities'.  The estimate is ``usable`` only if every
``c_m = C Sigma_m C^T`` is positive definite and at most ``max_frac_low_ess``
of the points have ``ESS < min_ess``.  With many patterns and larger ``n``
(e.g. ``N = 10, n = 8``) the terms concentrate on a few draws: the density
estimates are then dominated by single terms, the Jensen correction (a
first-order expansion) no longer holds, and neither the value nor its
jackknife error can be trusted.

Cost ``O(P * M * (2N - 1) * n^2)`` per replicate (``n`` logarithms and a
triangular quadratic form per term; terms with some ``y_a <= 0`` are skipped
before either), plus ``O(n_control * N * n^2)`` for the control sample.
Memory: about ``16 M N n`` bytes for the draws, plus blocks of
``BLOCK_BUDGET`` doubles per thread.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..analytic.fenton_wilkinson import connection_log_moments
from ..analytic.inputs import Case, validate_case
from ..analytic.threads import single_blas_thread
from ._checks import check_int, check_jobs, child, root_sequence
from .sampling import _block_spans, _case_plan, _draw_normals

__all__ = [
    "BLOCK_BUDGET",
    "DEFAULT_N_CONTROL",
    "DEFAULT_N_POINTS",
    "DEFAULT_N_SAMPLES",
    "JACKKNIFE_GROUPS",
    "PD_RTOL",
    "RaoBlackwellEstimate",
    "rao_blackwell_mi",
]

#: inner draws ``M`` per replicate
DEFAULT_N_SAMPLES = 2**14
#: evaluation points ``P`` per replicate
DEFAULT_N_POINTS = 1000
#: draws for the mean of the control variate per replicate
DEFAULT_N_CONTROL = 2**21
#: groups of the delete-a-group jackknife
JACKKNIFE_GROUPS = 16
#: ``c_m`` counts as singular when its smallest eigenvalue is below ``PD_RTOL`` times its largest
PD_RTOL = 1e-10
#: doubles in one block of (points x draws x n) differences
BLOCK_BUDGET = 2**21
#: smallest ``n_samples`` accepted (each jackknife group needs several draws)
MIN_N_SAMPLES = 4 * JACKKNIFE_GROUPS


@dataclass(frozen=True)
class RaoBlackwellEstimate:
    """The Rao-Blackwellised estimate of ``I(w_S ; x_l)`` in nats (docs/theory.md §10).

    Attributes
    ----------
    value : float
        Mean of the replicate estimates (Jensen-corrected, with the control
        variate).  Reported even when ``usable`` is False; ``nan`` where it
        cannot be computed (a singular ``C Sigma_m C^T``, or a density estimate
        of 0 at some point).
    stderr : float
        Jackknife standard error (see the module docstring); ``inf`` (and the
        estimate not usable) when leaving out one group of draws leaves some
        point without a nonzero term.
    ci_low, ci_high : float
        ``value -+ t * stderr``, Student ``t`` with ``replicates * (JACKKNIFE_GROUPS - 1)``
        degrees of freedom.  Sampling noise only: it says nothing where the
        diagnostics fail.
    usable : bool
        Whether the diagnostics pass; if not, the estimator stands aside.
    reason : str
        Why it is not usable (empty when usable).
    min_ess, median_ess : float
        Minimum and median over evaluation points (and replicates) of the
        per-point effective sample size ``(sum_j T_j)^2 / sum_j T_j^2``, the
        smaller of the point's two densities.
    frac_low_ess : float
        Fraction of evaluation points with ESS below the ``min_ess`` argument.
    n_samples, n_points, replicates : int
        ``M`` draws and ``P`` evaluation points per replicate; replicates.
    seconds : float
        Wall time of the call.
    replicate_values, replicate_stderrs : tuple of float
        Per-replicate estimates and jackknife standard errors.
    raw_stderr : float
        Standard error the plain average of ``D_i`` would have had (jackknife,
        without the control variate), to show what the control variate gains.
    min_ess_threshold, max_frac_low_ess, confidence : float
        The thresholds and confidence level used.
    """

    value: float
    stderr: float
    ci_low: float
    ci_high: float
    usable: bool
    reason: str
    min_ess: float
    median_ess: float
    frac_low_ess: float
    n_samples: int
    n_points: int
    replicates: int
    seconds: float
    replicate_values: tuple = ()
    replicate_stderrs: tuple = ()
    raw_stderr: float = float("nan")
    min_ess_threshold: float = 20.0
    max_frac_low_ess: float = 0.05
    confidence: float = 0.95


# --------------------------------------------------------------------------- argument checks


def _check_float(value: Any, name: str, low: float, high: float = math.inf, *, closed: bool = False) -> float:
    """A finite number in ``(low, high)`` (``[low, high]`` when ``closed``); ``ValueError`` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    inside = low <= v <= high if closed else low < v < high
    if not (math.isfinite(v) and inside):
        interval = f"[{low:g}, {high:g}]" if closed else f"({low:g}, {high:g})"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


# --------------------------------------------------------------------------- model pieces


@dataclass
class _LogNormal:
    """A log-normal density on ``n`` coordinates: ``ln z ~ Normal(mean, L L^T)``."""

    mean: np.ndarray  # (n,)
    inv_chol_t: np.ndarray  # (n, n) upper triangular (L^{-1})^T: r = (ln z - mean) @ inv_chol_t
    log_norm: float  # -sum ln diag L - (n / 2) ln 2 pi

    @classmethod
    def from_moments(cls, mean: np.ndarray, cov: np.ndarray) -> _LogNormal:
        chol = np.linalg.cholesky(np.atleast_2d(cov))
        n = chol.shape[0]
        return cls(np.ascontiguousarray(mean, dtype=float), np.ascontiguousarray(np.linalg.inv(chol).T),
                   -float(np.log(np.diag(chol)).sum()) - 0.5 * n * math.log(2 * math.pi))

    def log_normal_part(self, u: np.ndarray) -> np.ndarray:
        """``ln phi(u)``, the Gaussian log-density of ``u = ln z`` given coordinate-major ``(n, K)``.

        ``u`` is overwritten (centred).  The product with the triangular factor
        is written out per coordinate: ``n`` is small and this is several
        times faster than a matrix product of a tall, thin array.
        """
        u -= self.mean[:, None]
        quad = np.zeros(u.shape[1])
        r = np.empty(u.shape[1])
        term = np.empty(u.shape[1])
        for b in range(u.shape[0]):
            np.multiply(u[0], self.inv_chol_t[0, b], out=r)
            for a in range(1, b + 1):
                np.multiply(u[a], self.inv_chol_t[a, b], out=term)
                r += term
            np.multiply(r, r, out=r)
            quad += r
        quad *= -0.5
        quad += self.log_norm
        return quad


def _pattern_densities(case: Case) -> tuple[list[_LogNormal] | None, str]:
    """The density of ``ln z_m`` per pattern, or ``None`` and the reason when a ``c_m`` is not positive definite."""
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    covs = np.broadcast_to(c, (case.n_patterns,) + c.shape[-2:]) if case.shared_sigma else c
    out = []
    for k in range(case.n_patterns):
        ck = 0.5 * (covs[k] + covs[k].T)
        lam = np.linalg.eigvalsh(ck)
        if not (lam[-1] > 0 and lam[0] > PD_RTOL * lam[-1]):
            return None, (f"C Sigma_m C^T singular for pattern {k} (eigenvalues {lam[0]:.3g} .. {lam[-1]:.3g}): "
                          "z_m has no density")
        out.append(_LogNormal.from_moments(m[k], ck))
    return out, ""


def _log_term_blocks(case: Case, n_samples: int, root: np.random.SeedSequence):
    """``(a, b, ln z)`` for the sampler's blocks of draws ``a .. b - 1``, ``ln z`` of shape ``(N, b - a, n)``.

    The same draws as :func:`empirical.sample_hebbian` with the same seed.
    """
    plan = _case_plan(case)
    n, block = case.n_connections, plan.block
    normals = np.empty((block, plan.total_rank))
    u = np.empty((block, n))
    for t, (a, b) in enumerate(_block_spans(n_samples, block)):
        _draw_normals(plan, root, t, b - a, normals)
        out = np.empty((case.n_patterns, b - a, n))
        for k in range(case.n_patterns):
            lo, hi = plan.offsets[k], plan.offsets[k + 1]
            if hi > lo:
                np.matmul(normals[:, lo:hi], plan.factors[k].T, out=u)
                u += plan.means[k]
            else:
                u[...] = plan.means[k]
            out[k] = u[: b - a]
        yield a, b, out


def _weights(log_z: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z``, ``w`` and ``w^(-l)`` (linear scale) from ``ln z`` of shape ``(N, M, n)``; range-checked."""
    with np.errstate(over="ignore", under="ignore"):
        z = np.exp(log_z)
    w = z.sum(axis=0)
    rest = z[np.arange(z.shape[0]) != target].sum(axis=0)
    if not (np.all(np.isfinite(w)) and np.all(z > 0) and np.all(rest > 0)):
        raise ValueError("mu, sigma: the drawn weights leave the float64 range (a product x_k[i] x_k[j] "
                         "or a weight overflowed or underflowed); every drawn ln z_k[a] must stay within "
                         "about [-708, 709]")
    return z, w, rest


def _log_leave_one_out_sums(log_p: np.ndarray) -> np.ndarray:
    """``ln sum_{k != m} exp(log_p[k])`` for each ``m`` (axis 0), by prefix and suffix log-sum-exp."""
    n_terms = log_p.shape[0]
    prefix = np.full((n_terms + 1,) + log_p.shape[1:], -np.inf)
    suffix = np.full_like(prefix, -np.inf)
    for k in range(n_terms):
        prefix[k + 1] = np.logaddexp(prefix[k], log_p[k])
        suffix[n_terms - 1 - k] = np.logaddexp(suffix[n_terms - k], log_p[n_terms - 1 - k])
    return np.logaddexp(prefix[:-1], suffix[1:])


@dataclass
class _SumDensity:
    """What the density estimate of ``sum_{k in members} z_k`` needs, coordinate-major."""

    points: np.ndarray  # (n, P): evaluation points, the first P draws of the sum
    total: np.ndarray  # (n, M): the sum at every draw
    terms: np.ndarray  # (N, n, M): z_k of every pattern (shared by both densities)
    members: list  # the patterns summed
    log_q: np.ndarray  # (len(members), M): ln sum_{k in members, k != m} P_k
    densities: list  # per member m: _LogNormal of ln z_m


def _sum_density(terms: np.ndarray, log_prod: np.ndarray, members: list[int], densities: list[_LogNormal],
                 n_points: int) -> _SumDensity:
    total = terms[members].sum(axis=0)
    return _SumDensity(np.ascontiguousarray(total[:, :n_points]), total, terms, list(members),
                       _log_leave_one_out_sums(log_prod[members]), [densities[m] for m in members])


class _Workspace:
    """Buffers of one thread, reused across point blocks (fresh large arrays cost page faults)."""

    def __init__(self, n: int, n_draws: int, rows: int) -> None:
        size = rows * n_draws
        self.y = np.empty((n, size))
        self.u = np.empty((n, size))
        self.valid = np.empty(size, bool)
        self.tmp = np.empty(size, bool)
        self.total = np.empty(size)
        self.others = np.empty((n, n_draws))  # S_{-m} = total - z_m, one member at a time


def _point_block(dens: _SumDensity, p0: int, p1: int, groups: int,
                 ws: _Workspace) -> tuple[np.ndarray, np.ndarray]:
    """Log group sums of ``T_j`` and ``T_j^2`` for points ``p0 .. p1 - 1``, shape ``(p1 - p0, G)``.

    ``T_j`` is draw ``j``'s total over the members of the bounded terms
    (module docstring); draw ``j`` is in group ``j mod G``; point ``i``'s own
    draw ``j = i`` is left out.  Terms with some ``y_a <= 0`` are dropped before
    any logarithm, so the work is proportional to the surviving terms.
    """
    n, n_draws = dens.total.shape
    rows = p1 - p0
    size = rows * n_draws
    y = ws.y[:, :size]
    valid, tmp = ws.valid[:size], ws.tmp[:size]
    total = ws.total[:size]
    total.fill(0.0)
    scale = np.full(rows, -np.inf)  # running max of the log terms per point
    row_base = np.arange(rows) * n_draws
    own = row_base + np.arange(p0, p1)
    others = ws.others
    for m, log_q, dens_m in zip(dens.members, dens.log_q, dens.densities):
        if len(dens.members) == 1:
            others.fill(0.0)
        else:
            np.subtract(dens.total, dens.terms[m], out=others)
        for a in range(n):
            np.subtract(dens.points[a, p0:p1, None], others[a][None, :], out=y[a].reshape(rows, n_draws))
            if a == 0:
                np.greater(y[0], 0.0, out=valid)
            else:
                np.greater(y[a], 0.0, out=tmp)
                valid &= tmp
        valid[own] = False
        flat = np.flatnonzero(valid)
        n_terms = flat.size
        if n_terms == 0:
            continue
        u = ws.u[:, :n_terms]
        for a in range(n):
            np.take(y[a], flat, out=u[a])
        np.log(u, out=u)
        log_prod_y = u.sum(axis=0)
        # ln term = ln phi(u) - ln(prod y + Q) = ln phi(u) - s - softplus(x), s = sum u, x = ln Q - s.
        # With softplus(x) = max(x, 0) + ln(1 + exp(-|x|)): a = ln phi(u) - s - max(x, 0) bounds ln term
        # within ln 2 (so the running max of a keeps exp() in range) and
        # term = exp(a - scale) / (1 + exp(-|x|)) * exp(scale), two exponentials and no logarithm.
        x = log_q[flat % n_draws]
        x -= log_prod_y
        vals = dens_m.log_normal_part(u)
        vals -= log_prod_y
        vals -= np.maximum(x, 0.0)
        starts = np.searchsorted(flat, row_base)
        counts = np.diff(np.append(starts, n_terms))
        seg_max = np.full(rows, -np.inf)
        hit = counts > 0
        seg_max[hit] = np.maximum.reduceat(vals, starts[hit])
        new_scale = np.maximum(scale, seg_max)
        grown = np.isfinite(scale) & (new_scale > scale)
        if np.any(grown):
            view = total.reshape(rows, n_draws)
            view[grown] *= np.exp(scale[grown] - new_scale[grown])[:, None]
        scale = new_scale
        vals -= np.repeat(scale, counts)
        np.exp(vals, out=vals)
        np.abs(x, out=x)
        np.negative(x, out=x)
        np.exp(x, out=x)
        x += 1.0
        vals /= x
        total[flat] += vals
    pad = (-n_draws) % groups
    per_row = total.reshape(rows, n_draws)
    if pad:
        per_row = np.concatenate([per_row, np.zeros((rows, pad))], axis=1)
    shaped = per_row.reshape(rows, -1, groups)
    safe = np.where(np.isfinite(scale), scale, 0.0)[:, None]
    with np.errstate(divide="ignore"):
        log_s1 = np.log(shaped.sum(axis=1)) + safe
        log_s2 = np.log(np.square(shaped).sum(axis=1)) + 2 * safe
    return log_s1, log_s2


def _group_sums(dens: _SumDensity, groups: int, n_jobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Log group sums for all points, over blocks of points (threads when ``n_jobs > 1``).

    The blocks depend on ``M`` and ``n`` only, so the numbers do not depend on ``n_jobs``.
    """
    n, n_draws = dens.total.shape
    n_points = dens.points.shape[1]
    rows = max(1, min(n_points, BLOCK_BUDGET // (n_draws * n)))
    spans = [(s, min(s + rows, n_points)) for s in range(0, n_points, rows)]
    s1 = np.empty((n_points, groups))
    s2 = np.empty((n_points, groups))
    n_threads = min(n_jobs, len(spans))
    per_thread = [spans[t::n_threads] for t in range(n_threads)]

    def work(my_spans: list[tuple[int, int]]) -> None:
        ws = _Workspace(n, n_draws, rows)
        for a, b in my_spans:
            s1[a:b], s2[a:b] = _point_block(dens, a, b, groups, ws)

    if n_threads == 1:
        work(spans)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(work, per_thread))
    return s1, s2


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(a, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(np.log(np.exp(a - safe).sum(axis=axis, keepdims=True)) + safe, axis=axis)


def _log_density(s1: np.ndarray, s2: np.ndarray, counts: float) -> tuple[np.ndarray, np.ndarray]:
    """Jensen-corrected ``ln p_hat`` and ESS per point from the group sums of the kept groups.

    A point without any nonzero term gets ``ln p_hat = -inf`` and ``ESS = 0``.
    """
    lse1, lse2 = _logsumexp(s1, 1), _logsumexp(s2, 1)
    empty = ~np.isfinite(lse1)
    lse1_safe, lse2_safe = np.where(empty, 0.0, lse1), np.where(empty, 0.0, lse2)
    ess = np.where(empty, 0.0, np.exp(2 * lse1_safe - lse2_safe))
    jensen = np.where(empty, 0.0, (counts / np.where(empty, 1.0, ess) - 1.0) / (2.0 * (counts - 1.0)))
    return lse1 - math.log(counts) + jensen, ess


@dataclass
class _Control:
    """The control variate ``g = ln q_rest(w^(-l)) - ln q_w(w)`` (log-normal ``q``)."""

    q_w: _LogNormal
    q_rest: _LogNormal

    @classmethod
    def fit(cls, w: np.ndarray, rest: np.ndarray) -> _Control:
        lw, lr = np.log(w), np.log(rest)
        return cls(_LogNormal.from_moments(lw.mean(axis=0), np.cov(lw, rowvar=False)),
                   _LogNormal.from_moments(lr.mean(axis=0), np.cov(lr, rowvar=False)))

    def __call__(self, w: np.ndarray, rest: np.ndarray) -> np.ndarray:
        lw, lr = np.log(w).T.copy(), np.log(rest).T.copy()
        # ln q(w) = ln phi(ln w) - sum ln w
        sum_diff = lw.sum(axis=0) - lr.sum(axis=0)
        return self.q_rest.log_normal_part(lr) - self.q_w.log_normal_part(lw) + sum_diff


def _combine(d: np.ndarray, g_points: np.ndarray, g_mean: float) -> tuple[float, float]:
    """Control-variate estimate ``mean (D - g) + g_mean`` and the plain ``mean D``."""
    plain = float(d.mean())
    return plain - (float(g_points.mean()) - g_mean), plain


def _replicate(case: Case, densities: list[_LogNormal], n_samples: int, n_points: int, n_control: int,
               root: np.random.SeedSequence, n_jobs: int) -> dict[str, Any]:
    """One replicate: estimate, jackknife standard errors and per-point ESS."""
    groups = JACKKNIFE_GROUPS
    target = case.pattern
    rest_members = [k for k in range(case.n_patterns) if k != target]
    log_z = np.concatenate([blk for _, _, blk in _log_term_blocks(case, n_samples, child(root, 0))], axis=1)
    z, w, w_rest = _weights(log_z, target)
    log_prod = log_z.sum(axis=2)
    del log_z
    z = np.ascontiguousarray(z.transpose(0, 2, 1))  # (N, n, M), coordinate-major
    dens_w = _sum_density(z, log_prod, list(range(case.n_patterns)), densities, n_points)
    dens_rest = _sum_density(z, log_prod, rest_members, densities, n_points)
    del z, log_prod
    s1_w, s2_w = _group_sums(dens_w, groups, n_jobs)
    s1_r, s2_r = _group_sums(dens_rest, groups, n_jobs)
    del dens_w, dens_rest

    # control variate: q fitted on the non-point draws, its mean from a separate large sample
    g_sum = np.zeros(groups)
    g_count = np.ones(groups)
    try:
        control = _Control.fit(w[n_points:], w_rest[n_points:])
    except np.linalg.LinAlgError:  # a numerically singular log-scale covariance: no control variate
        control = None
    if control is None:
        g_points = np.zeros(n_points)
    else:
        g_points = control(w[:n_points], w_rest[:n_points])
        g_count[:] = 0.0
        for a, b, blk in _log_term_blocks(case, n_control, child(root, 1)):
            _, cw, crest = _weights(blk, target)
            grp = np.arange(a, b) % groups
            g_sum += np.bincount(grp, weights=control(cw, crest), minlength=groups)
            g_count += np.bincount(grp, minlength=groups)

    draw_group = np.arange(n_samples) % groups
    group_size = np.bincount(draw_group, minlength=groups).astype(float)
    point_group = draw_group[:n_points]

    def estimate(drop: int | None) -> tuple[float, float, np.ndarray]:
        keep = np.ones(groups, bool)
        if drop is not None:
            keep[drop] = False
        points = np.ones(n_points, bool) if drop is None else point_group != drop
        # inner terms per point: the kept groups' draws less the point's own draw
        counts = group_size[keep].sum() - 1.0
        lw, ess_w = _log_density(s1_w[points][:, keep], s2_w[points][:, keep], counts)
        lr, ess_r = _log_density(s1_r[points][:, keep], s2_r[points][:, keep], counts)
        ess = np.minimum(ess_w, ess_r)
        if not (np.all(np.isfinite(lw)) and np.all(np.isfinite(lr))):
            # Some point's density estimate has no nonzero term (ln p_hat = -inf): its D_i, hence the
            # estimate, is undefined.  Say so with NaN rather than let -inf - (-inf) or +inf + -inf
            # turn into a NaN inside the mean (rao_blackwell_mi reports it as not usable).
            return math.nan, math.nan, ess
        g_mean = float(g_sum[keep].sum() / g_count[keep].sum())
        value, plain = _combine(lr - lw, g_points[points], g_mean)
        return value, plain, ess

    value, _, ess = estimate(None)
    jack = np.array([estimate(g)[:2] for g in range(groups)])
    return {"value": value, "se": _jackknife_se(jack[:, 0]), "raw_se": _jackknife_se(jack[:, 1]), "ess": ess}


def _jackknife_se(values: np.ndarray) -> float:
    """Delete-a-group jackknife standard error; ``inf`` when a deletion leaves some point without a
    nonzero term (its log density, hence that replicate, is infinite)."""
    if not np.all(np.isfinite(values)):
        return math.inf
    groups = values.size
    return math.sqrt((groups - 1) / groups * float(np.square(values - values.mean()).sum()))


# --------------------------------------------------------------------------- public API


def rao_blackwell_mi(mu: Any, sigma: Any, ensemble: Any, pattern: Any, *, n_samples: Any = DEFAULT_N_SAMPLES,
                     n_points: Any = DEFAULT_N_POINTS, seed: Any = 0, replicates: Any = 1, n_jobs: Any = 1,
                     n_control: Any = DEFAULT_N_CONTROL,
                     min_ess: Any = 20.0, max_frac_low_ess: Any = 0.05,
                     confidence: Any = 0.95) -> RaoBlackwellEstimate:
    """Estimate ``I(w_S ; x_l)`` from Rao-Blackwellised densities (docs/theory.md §10).

    Independent of the kNN estimators of :func:`empirical.estimate_mi`; see the
    module docstring for the construction, the jackknife error and the
    diagnostics.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case, as in :func:`analytic.mutual_information` (same validation).
    n_samples : int
        ``M``, draws of all patterns per replicate (the inner sample of every
        density estimate), at least ``n_points + MIN_N_SAMPLES`` (the control
        variate is fitted on the draws that are not points).
    n_points : int
        ``P``, evaluation points per replicate (the first ``P`` draws), ``>= 2``.
    seed : int, SeedSequence or numpy Generator
        Replicate ``r`` draws from child ``r`` of the root ``SeedSequence``.
    replicates : int
        Independent replicates; ``value`` is their mean.
    n_jobs : int
        Threads over blocks of evaluation points (``-1``: all CPUs); never changes the numbers.
    n_control : int
        Draws per replicate for the mean of the control variate (cheap: ``O(N n^2)``
        each); its noise, ``sd(g) / sqrt(n_control)``, dominates the error when it
        is small (``sd(g)`` is 2-4 nats in typical cases).
    min_ess : float
        A point whose effective sample size is below this counts as poorly resolved.
    max_frac_low_ess : float
        The estimate stands aside (``usable=False``) when more than this fraction
        of the points are poorly resolved.
    confidence : float
        Level of ``[ci_low, ci_high]``.

    Returns
    -------
    RaoBlackwellEstimate

    Raises
    ------
    ValueError
        Malformed input (naming the argument); ``N = 1`` (the information is
        infinite); weights outside the float64 range.
    """
    start = time.perf_counter()
    case = validate_case(mu, sigma, ensemble, pattern)
    n_points = check_int(n_points, "n_points", 2)
    n_samples = check_int(n_samples, "n_samples", MIN_N_SAMPLES)
    if n_samples < n_points + MIN_N_SAMPLES:
        raise ValueError(f"n_samples ({n_samples}) must exceed n_points ({n_points}) by at least {MIN_N_SAMPLES}: "
                         "the points are the first draws, the control variate is fitted on the others")
    n_control = check_int(n_control, "n_control", MIN_N_SAMPLES)
    replicates = check_int(replicates, "replicates", 1)
    n_jobs = check_jobs(n_jobs)
    min_ess = _check_float(min_ess, "min_ess", 0.0)
    max_frac_low_ess = _check_float(max_frac_low_ess, "max_frac_low_ess", 0.0, 1.0, closed=True)
    confidence = _check_float(confidence, "confidence", 0.0, 1.0)
    if case.n_patterns == 1:
        raise ValueError("mu: N = 1 pattern, so w_S^(-l) = 0 and the information is infinite")
    root = root_sequence(seed)
    common = {"n_samples": n_samples, "n_points": n_points, "replicates": replicates,
              "min_ess_threshold": min_ess, "max_frac_low_ess": max_frac_low_ess, "confidence": confidence}

    densities, reason = _pattern_densities(case)
    if densities is None:
        nan = float("nan")
        return RaoBlackwellEstimate(value=nan, stderr=nan, ci_low=nan, ci_high=nan, usable=False, reason=reason,
                                    min_ess=nan, median_ess=nan, frac_low_ess=nan,
                                    seconds=time.perf_counter() - start, **common)

    with single_blas_thread():
        reps = [_replicate(case, densities, n_samples, n_points, n_control, child(root, r), n_jobs)
                for r in range(replicates)]
    values = np.array([r["value"] for r in reps])
    ses = np.array([r["se"] for r in reps])
    ess = np.concatenate([r["ess"] for r in reps])
    value = float(values.mean())
    se = float(math.sqrt(float(np.square(ses).sum())) / replicates)
    raw_se = float(math.sqrt(sum(r["raw_se"] ** 2 for r in reps)) / replicates)
    half = float(stats.t.ppf(0.5 + confidence / 2, replicates * (JACKKNIFE_GROUPS - 1))) * se
    frac_low = float(np.mean(ess < min_ess))

    reasons = []
    if not math.isfinite(value):
        value = float("nan")
        reasons.append(f"a density estimate is 0 at {int(np.sum(ess == 0))} of {ess.size} points")
    if math.isfinite(value) and not math.isfinite(se):
        reasons.append("the jackknife standard error is infinite: without one group of draws some point's "
                       "density estimate has no nonzero term")
    if frac_low > max_frac_low_ess:
        reasons.append(f"effective sample size < {min_ess:g} at {100 * frac_low:.0f}% of points "
                       f"(allowed: {100 * max_frac_low_ess:g}%)")
    return RaoBlackwellEstimate(value=value, stderr=se, ci_low=value - half, ci_high=value + half,
                                usable=not reasons, reason="; ".join(reasons), min_ess=float(ess.min()),
                                median_ess=float(np.median(ess)), frac_low_ess=frac_low,
                                seconds=time.perf_counter() - start,
                                replicate_values=tuple(float(v) for v in values),
                                replicate_stderrs=tuple(float(s) for s in ses), raw_stderr=raw_se, **common)
