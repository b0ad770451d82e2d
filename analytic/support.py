"""Where the true information is infinite: the dimension of the support of ``w_S^(-l)`` (docs/theory.md §4.1).

``I(w_S ; x_l) = h(w_S) - h(w_S^(-l))`` (docs/theory.md §2).  When the rest of
the weights, ``w_S^(-l) = sum_{k != l} z_k``, lives on a manifold of dimension
below ``n``, its differential entropy is ``-inf`` while ``h(w_S)`` is finite
(or the whole vector is degenerate too), and the information is **infinite**:
knowing ``w_S`` pins ``z_l`` down on a set of measure zero.  No sampling
estimator can show this (a kNN estimate grows only about ``(n / r - 1) ln 4``
nats per 4x in the sample size), so synmi decides it exactly, before any
sampling.

Each term is ``z_k = exp(m_k + B_k g_k)`` with ``B_k B_k^T = c_k = C Sigma_k
C^T`` (``C`` the ``n x d`` incidence matrix of the ensemble, docs/theory.md
§2) and ``g_k`` standard normal of dimension ``r_k = rank c_k``.  The support
of ``w_S^(-l)`` is the image of the smooth map ``(g_k)_{k != l} -> sum_k z_k``;
its dimension is the rank of the Jacobian

``J = [diag(z_k) B_k]_{k != l}``  (``n x sum_k r_k``)

at a generic point, i.e. at a random draw with probability one (the rank is
maximal off an analytic subset of measure zero).  With ``N = 2`` this is
``rank c_m``; with ``N = 1`` there is no ``w_S^(-l)`` at all.

Numerics: the Jacobian is evaluated at draws ``g_k`` scaled so that every
``ln z_k`` varies by at most one unit around its mean (still a point of the
manifold), each row is divided by its largest entry and each column by its
norm (neither changes the rank), and the rank is the number of singular
values above :data:`RANK_RTOL` times the largest.  The largest rank over two
independent draws is taken (a single draw is already generic with probability
one; the second guards against an unlucky near-degenerate draw).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fenton_wilkinson import connection_log_moments
from .inputs import Case

__all__ = ["SupportDimension", "rest_support_dimension", "infinite_information_reason", "RANK_RTOL"]

#: relative threshold on singular values of the scaled Jacobian (and on eigenvalues of ``c_k``)
RANK_RTOL = 1e-10


@dataclass(frozen=True)
class SupportDimension:
    """Dimension of the support of ``w_S^(-l)`` (docs/theory.md §4.1).

    Attributes
    ----------
    n_connections : int
        ``n``.
    dimension : int
        Dimension of the support of ``w_S^(-l)`` (0 when ``N = 1``).
    term_ranks : tuple of int
        ``r_k = rank c_k`` of each pattern ``k != l``.
    """

    n_connections: int
    dimension: int
    term_ranks: tuple[int, ...]

    @property
    def infinite(self) -> bool:
        """True when the support has dimension below ``n``: the information is infinite."""
        return self.dimension < self.n_connections


def _factor(c: np.ndarray) -> np.ndarray:
    """``B`` with ``B B^T = c`` (PSD), one column per eigenvalue above ``RANK_RTOL`` times the largest."""
    lam, q = np.linalg.eigh(c)
    top = lam[-1] if lam.size else 0.0
    if not top > 0:
        return np.zeros((c.shape[0], 0))
    keep = lam > RANK_RTOL * top
    return q[:, keep] * np.sqrt(lam[keep])


def _jacobian_rank(m: np.ndarray, factors: list[np.ndarray], rng: np.random.Generator) -> int:
    blocks = []
    for mk, bk in zip(m, factors):
        if bk.shape[1] == 0:
            continue
        u = bk @ rng.standard_normal(bk.shape[1])
        spread = float(np.max(np.abs(u))) if u.size else 0.0
        if spread > 1.0:
            u = u / spread  # still a point of the manifold: g_k scaled
        blocks.append((mk + u, bk))
    if not blocks:
        return 0
    log_z = np.stack([lz for lz, _ in blocks])  # (K, n)
    row_max = log_z.max(axis=0)  # divide row a by max_k z_k[a]
    jac = np.hstack([np.exp(lz - row_max)[:, None] * bk for lz, bk in blocks])
    norms = np.linalg.norm(jac, axis=0)
    jac = jac[:, norms > 0] / norms[norms > 0]
    if jac.shape[1] == 0:
        return 0
    s = np.linalg.svd(jac, compute_uv=False)
    return int(np.sum(s > RANK_RTOL * s[0]))


def rest_support_dimension(case: Case, seed: int = 0) -> SupportDimension:
    """Dimension of the support of ``w_S^(-l)`` for a validated case (docs/theory.md §4.1).

    Parameters
    ----------
    case : Case
        From :func:`synmi.analytic.validate_case`.
    seed : int
        Seed of the two generic draws at which the Jacobian is evaluated.

    Returns
    -------
    SupportDimension
    """
    n = case.n_connections
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    others = [k for k in range(case.n_patterns) if k != case.pattern]
    if not others:
        return SupportDimension(n, 0, ())
    if case.shared_sigma:
        shared = _factor(c)
        factors = [shared] * len(others)
    else:
        factors = [_factor(c[k]) for k in others]
    ranks = tuple(int(f.shape[1]) for f in factors)
    if len(others) == 1:
        return SupportDimension(n, ranks[0], ranks)  # one term: the rank of its c_k, no draw needed
    if any(r == n for r in ranks):
        return SupportDimension(n, n, ranks)  # one term alone already fills R^n
    rng = np.random.default_rng(seed)
    dim = max(_jacobian_rank(m[others], factors, rng) for _ in range(2))
    return SupportDimension(n, min(dim, n), ranks)


def infinite_information_reason(case: Case, seed: int = 0) -> str | None:
    """Why ``I(w_S ; x_l)`` is infinite for this case, or None when it is finite (docs/theory.md §4.1).

    Parameters
    ----------
    case : Case
        From :func:`synmi.analytic.validate_case`.
    seed : int
        As in :func:`rest_support_dimension`.

    Returns
    -------
    str or None
        A one-line reason (``N = 1``, or the dimension of the support of
        ``w_S^(-l)`` against ``n``), or None.
    """
    if case.n_patterns == 1:
        return "N = 1: there is no w_S^(-l), the ensemble's weights determine z_l"
    support = rest_support_dimension(case, seed)
    if support.infinite:
        return (f"w_S^(-l) lives on a {support.dimension}-dimensional manifold of R^{support.n_connections} "
                f"(term ranks {list(support.term_ranks)}): h(w_S^(-l)) = -inf")
    return None
