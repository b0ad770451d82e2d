"""Monte Carlo draws of the Hebbian weights (docs/theory.md §§1-2).

``ln x_k ~ Normal(mu_k, Sigma_k)`` independently over patterns ``k``, and
``w[a] = sum_k z_k[a]`` with ``z_k[a] = x_k[i] x_k[j]`` for the connection
``a = (i, j)``.  Only the neurons ``V(S)`` touched by the ensemble matter
(docs/theory.md §2, "context invariance"), and :func:`sample_hebbian` draws
nothing else.  ``(ln z_k[a])_a`` is jointly Gaussian with mean ``m_k`` and covariance ``c_k``
(docs/theory.md §2, eq. [22]; :func:`analytic.fenton_wilkinson.connection_log_moments`),
so ``ln z_k = m_k + F_k g`` with ``F_k F_k^T = c_k`` takes ``rank(c_k) <= min(n, |V(S)|)``
standard normals ``g`` per pattern and draw, one matrix product and ``n``
exponentials.  (Drawing ``ln x_k[V]`` and multiplying ``x_k[i] x_k[j]`` needs as
many normals, and its two gathers and product per weight cost about a third of
an exponential on our machine, so it would pay only when ``n`` is several times
``|V(S)|``; it is not implemented.)  :func:`sample_weight_matrices` draws
``ln x_k = mu_k + A_k g`` for all ``d`` neurons.

Both are exact in distribution.  Covariances may be singular (``rho = 1``, the
set-1 boundary ``rho = -1/(d-1)``), so factors come from an eigen-decomposition:
``F = Q diag(sqrt(lambda))`` over the eigenvalues above
``RANK_RTOL * max(lambda)`` (smaller ones are rounding noise of a PSD matrix and
are dropped, so a rank-``r`` covariance costs ``r`` normals).

Reproducibility.  The ``M`` draws are cut into fixed *blocks* of ``B`` draws
(``B`` depends only on the case: a power of two keeping the block's normal
buffer under ``BLOCK_BUDGET`` doubles, between 256 and 16384).  Block ``t``
draws its normals, all patterns at once, row by row, from
``SeedSequence`` child ``t`` of the call's root; every block is computed on a
full ``B``-row buffer (a short last block is zero-padded) so that each row goes
through identical arithmetic.  Consequently the numbers do not depend on
``chunk_size`` (which only groups blocks into tasks) or ``n_jobs`` (threads
working on different tasks), and the first ``M`` draws of a longer run equal a
run of ``M`` draws.  BLAS is limited to one thread during sampling (OpenBLAS'
own threading slows these small products down and would make results depend on
the environment).

Numerical range: the weights are formed on the linear scale in float64, so every
``ln z_k[a]`` actually drawn must stay within about ``[-708, 709]`` and
``ln w[a] < 709``: ``|mu| <= 50`` with log-variances of tens is far inside.
Draws outside raise ``ValueError`` rather than return ``inf`` or ``0``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analytic.fenton_wilkinson import connection_log_moments
from ..analytic.inputs import Case, validate_case
from ..analytic.threads import single_blas_thread
from ._checks import check_int, check_jobs, child, generator, root_sequence

__all__ = ["HebbianSample", "sample_hebbian", "sample_weight_matrices", "RANK_RTOL", "BLOCK_BUDGET",
           "DEFAULT_CHUNK_SIZE"]

#: eigenvalues of a covariance below ``RANK_RTOL * max eigenvalue`` are treated as zero
RANK_RTOL = 1e-12
#: doubles allowed in one block's buffer of standard normals (32 MiB)
BLOCK_BUDGET = 2**22
_MIN_BLOCK, _MAX_BLOCK = 256, 16384
#: default number of draws per task (rounded up to whole blocks)
DEFAULT_CHUNK_SIZE = 2**16


@dataclass(frozen=True)
class HebbianSample:
    """``M`` independent draws of an ensemble's weights split by pattern (docs/theory.md §2).

    Attributes
    ----------
    w : ndarray, shape (M, n)
        ``w_S``, the ensemble's weights.
    z : ndarray, shape (M, n)
        ``z_l``, the term of the target pattern ``l``.
    w_rest : ndarray, shape (M, n)
        ``w_S^(-l) = sum_{k != l} z_k`` (zero when ``N = 1``).
        ``w == z + w_rest`` holds exactly: ``w`` is computed as that sum from the
        same draws (common random numbers).
    ensemble : ndarray of int, shape (n, 2)
        The connections, ``i < j``, in the caller's order (columns of the arrays).
    pattern : int
        The target ``l``.
    neurons : ndarray of int
        ``V(S)``, the only neurons whose patterns were drawn.
    """

    w: np.ndarray
    z: np.ndarray
    w_rest: np.ndarray
    ensemble: np.ndarray
    pattern: int
    neurons: np.ndarray

    @property
    def n_samples(self) -> int:
        """``M``, the number of draws."""
        return int(self.w.shape[0])


# --------------------------------------------------------------------------- plan


def _factor(cov: np.ndarray) -> np.ndarray:
    """``F`` with ``F F^T = cov`` (PSD, possibly singular), ``rank`` columns."""
    lam, q = np.linalg.eigh(cov)
    top = lam[-1] if lam.size else 0.0
    if not top > 0:
        return np.zeros((cov.shape[0], 0))
    keep = lam > RANK_RTOL * top
    return np.ascontiguousarray(q[:, keep] * np.sqrt(lam[keep]))


@dataclass
class _Plan:
    """How to draw: per pattern ``k``, ``exp(means[k] + G[:, offsets[k]:offsets[k+1]] @ factors[k].T)``."""

    means: np.ndarray  # (N, p)
    factors: list  # N arrays (p, r_k); the same object N times when Sigma is shared
    offsets: np.ndarray  # (N + 1,) column offsets of each pattern's normals in G
    block: int

    @property
    def total_rank(self) -> int:
        return int(self.offsets[-1])


def _block_size(doubles_per_row: int) -> int:
    block = _MAX_BLOCK
    while block > _MIN_BLOCK and block * doubles_per_row > BLOCK_BUDGET:
        block //= 2
    return block


def _make_plan(means: np.ndarray, covs: np.ndarray, shared: bool, extra_per_row: int = 0) -> _Plan:
    n_patterns = means.shape[0]
    if shared:
        f = _factor(covs)
        factors = [f] * n_patterns
    else:
        factors = [_factor(c) for c in covs]
    offsets = np.concatenate([[0], np.cumsum([f.shape[1] for f in factors])]).astype(np.int64)
    block = _block_size(int(offsets[-1]) + extra_per_row)
    return _Plan(np.ascontiguousarray(means), factors, offsets, block)


def _case_plan(case: Case) -> _Plan:
    """Connection-level plan: ``ln z_k ~ Normal(m_k, c_k)`` (docs/theory.md §2, eq. [22])."""
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    return _make_plan(m, c, case.shared_sigma)


# --------------------------------------------------------------------------- blocks


def _block_spans(n_samples: int, block: int) -> list[tuple[int, int]]:
    return [(s, min(s + block, n_samples)) for s in range(0, n_samples, block)]


def _run_tasks(fn, spans: list, chunk_size: int, block: int, n_jobs: int) -> None:
    """Apply ``fn(list_of_block_indices)`` over groups of ``ceil(chunk_size / block)`` blocks."""
    per_task = max(1, -(-chunk_size // block))
    tasks = [list(range(s, min(s + per_task, len(spans)))) for s in range(0, len(spans), per_task)]
    with single_blas_thread():
        if n_jobs == 1 or len(tasks) == 1:
            for task in tasks:
                fn(task)
        else:
            with ThreadPoolExecutor(max_workers=min(n_jobs, len(tasks))) as pool:
                for _ in pool.map(fn, tasks):
                    pass


def _pattern_values(plan: _Plan, normals: np.ndarray, k: int, u: np.ndarray) -> np.ndarray:
    """``exp(means[k] + normals[:, cols_k] @ F_k^T)`` into ``u`` (B, p), returned."""
    f = plan.factors[k]
    lo, hi = plan.offsets[k], plan.offsets[k + 1]
    if hi > lo:
        np.matmul(normals[:, lo:hi], f.T, out=u)
        u += plan.means[k]
    else:
        u[...] = plan.means[k]
    np.exp(u, out=u)
    return u


def _draw_normals(plan: _Plan, root: np.random.SeedSequence, t: int, rows: int, buf: np.ndarray) -> None:
    """Block ``t``'s standard normals, row by row from child ``t``; rows past ``rows`` zeroed."""
    if plan.total_rank:
        generator(child(root, t)).standard_normal(out=buf[:rows])
        if rows < plan.block:
            buf[rows:] = 0.0


def _sample_case(case: Case, n_samples: int, root: np.random.SeedSequence, chunk_size: int,
                 n_jobs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(w, z_l, w_rest)`` for an already validated case; see the module docstring."""
    plan = _case_plan(case)
    n, block, target = case.n_connections, plan.block, case.pattern
    spans = _block_spans(n_samples, block)
    w = np.empty((n_samples, n))
    z = np.empty((n_samples, n))
    rest = np.empty((n_samples, n))
    failures: list[int] = []

    def work(blocks: list[int]) -> None:
        normals = np.empty((block, plan.total_rank))
        u = np.empty((block, n))
        zl = np.empty((block, n))
        acc = np.empty((block, n))
        for t in blocks:
            a, b = spans[t]
            _draw_normals(plan, root, t, b - a, normals)
            acc[...] = 0.0
            with np.errstate(over="ignore", under="ignore"):
                for k in range(case.n_patterns):
                    if k == target:
                        _pattern_values(plan, normals, k, zl)
                    else:
                        acc += _pattern_values(plan, normals, k, u)
            z[a:b] = zl[: b - a]
            rest[a:b] = acc[: b - a]
            np.add(z[a:b], rest[a:b], out=w[a:b])
            if not (np.all(np.isfinite(w[a:b])) and np.all(z[a:b] > 0)
                    and (case.n_patterns == 1 or np.all(rest[a:b] > 0))):
                failures.append(t)

    _run_tasks(work, spans, chunk_size, block, n_jobs)
    if failures:
        raise ValueError("mu, sigma: the drawn weights leave the float64 range (a product x_k[i] x_k[j] "
                         "or a weight overflowed or underflowed); the sampler needs every drawn "
                         "ln z_k[a] within about [-708, 709] (e.g. |mu| <= 50 with log-variances "
                         "up to tens)")
    return w, z, rest


def _check_sampling_args(n_samples: Any, chunk_size: Any, n_jobs: Any) -> tuple[int, int, int]:
    return (check_int(n_samples, "n_samples", 1), check_int(chunk_size, "chunk_size", 1), check_jobs(n_jobs))


# --------------------------------------------------------------------------- public API


def sample_hebbian(mu: Any, sigma: Any, ensemble: Any, pattern: Any, n_samples: Any, seed: Any, *,
                   chunk_size: Any = DEFAULT_CHUNK_SIZE, n_jobs: Any = 1) -> HebbianSample:
    """Draw an ensemble's weights ``w_S``, split into ``z_l`` and ``w_S^(-l)`` (docs/theory.md §2).

    Parameters
    ----------
    mu : array_like, shape (N, d)
        Means of ``ln x_k``.
    sigma : array_like, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k`` (symmetric PSD; may be singular).
    ensemble : sequence of (i, j)
        ``n`` distinct connections, 0-based.
    pattern : int
        Target pattern ``l``, 0-based.
    n_samples : int
        ``M``, the number of independent draws.
    seed : int, SeedSequence or numpy Generator
        Source of all randomness (see :func:`analytic.inputs.as_generator`).
    chunk_size : int
        Draws per task, rounded up to whole internal blocks.  Affects scheduling
        only, never the numbers.
    n_jobs : int
        Threads (``-1``: all CPUs).  Never changes the numbers.

    Returns
    -------
    HebbianSample
        ``w``, ``z``, ``w_rest`` of shape ``(M, n)`` with ``w == z + w_rest``.

    Raises
    ------
    ValueError
        For malformed input (naming the argument, as the analytic API does) and
        for draws outside the float64 range (see the module docstring).

    Notes
    -----
    Only the neurons in ``V(S)`` are drawn; memory is the three outputs plus a
    bounded buffer per thread (at most ``BLOCK_BUDGET`` doubles of normals).
    """
    case = validate_case(mu, sigma, ensemble, pattern)
    n_samples, chunk_size, n_jobs = _check_sampling_args(n_samples, chunk_size, n_jobs)
    root = root_sequence(seed)
    w, z, rest = _sample_case(case, n_samples, root, chunk_size, n_jobs)
    return HebbianSample(w=w, z=z, w_rest=rest, ensemble=case.ensemble.copy(), pattern=case.pattern,
                         neurons=case.neurons)


def sample_weight_matrices(mu: Any, sigma: Any, n_samples: Any, seed: Any, *, chunk_size: Any = DEFAULT_CHUNK_SIZE,
                           n_jobs: Any = 1) -> np.ndarray:
    """Draw full Hebbian weight matrices ``W = sum_k x_k x_k^T`` with zero diagonal (docs/theory.md §1, eq. [2]).

    Parameters
    ----------
    mu : array_like, shape (N, d)
    sigma : array_like, shape (N, d, d) or (d, d)
        As in :func:`sample_hebbian`.
    n_samples : int
        ``M``, the number of matrices.
    seed : int, SeedSequence or numpy Generator
    chunk_size, n_jobs : int
        As in :func:`sample_hebbian`; they never change the numbers.

    Returns
    -------
    ndarray, shape (M, d, d)
        Symmetric, zero diagonal (the network has no self-connections).  Uses
        ``8 M d^2`` bytes: for the weights of a few connections use
        :func:`sample_hebbian`, which draws only ``V(S)``.

    Notes
    -----
    All ``d`` neurons of every pattern are drawn (``ln x_k = mu_k + A_k g``,
    ``A_k A_k^T = Sigma_k`` by eigen-decomposition), so the numbers differ from
    :func:`sample_hebbian`'s for the same seed, though the distributions agree.
    """
    case = validate_case(mu, sigma, [(0, 1)], 0)
    n_samples, chunk_size, n_jobs = _check_sampling_args(n_samples, chunk_size, n_jobs)
    root = root_sequence(seed)
    d = case.dim
    plan = _make_plan(case.mu, case.sigma, case.shared_sigma, extra_per_row=2 * d * d)
    block = plan.block
    spans = _block_spans(n_samples, block)
    out = np.empty((n_samples, d, d))
    failures: list[int] = []

    def work(blocks: list[int]) -> None:
        normals = np.empty((block, plan.total_rank))
        u = np.empty((block, d))
        acc = np.empty((block, d, d))
        outer = np.empty((block, d, d))
        for t in blocks:
            a, b = spans[t]
            _draw_normals(plan, root, t, b - a, normals)
            acc[...] = 0.0
            with np.errstate(over="ignore", under="ignore"):
                for k in range(case.n_patterns):
                    x = _pattern_values(plan, normals, k, u)
                    np.multiply(x[:, :, None], x[:, None, :], out=outer)
                    acc += outer
            out[a:b] = acc[: b - a]
            if not np.all(np.isfinite(out[a:b])):
                failures.append(t)

    _run_tasks(work, spans, chunk_size, block, n_jobs)
    if failures:
        raise ValueError("mu, sigma: the drawn weights overflow float64 (every drawn ln x_k[i] + ln x_k[j] "
                         "must stay below about 709)")
    idx = np.arange(d)
    out[:, idx, idx] = 0.0
    return out
