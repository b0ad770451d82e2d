"""The copula decomposition of the true information (docs/theory.md §9.2).

Total correlation ``TC(y) = sum_a h(y_a) - h(y)`` is unchanged by strictly
monotone maps of each coordinate and by shifts.  With ``w_S = z_l + w_S^(-l)``
(docs/theory.md §2),

``I(w_S ; x_l) = sum_a I(w_a ; x_l) - TC(w_S) + TC(w_S^(-l))``.

* ``I(w_a ; x_l)``: single-connection informations, exact by quadrature
  (:func:`synmi.analytic.single_connection_information`, docs/theory.md §8);
* each ``TC`` from the **normal scores** ``g_a = Phi^-1((rank_a - 1/2) / M)``
  of a sample, split as ``TC(g) = -1/2 ln det R + B``, ``R`` the correlation of
  ``g`` and ``B = h(N(0, R)) - h(g) >= 0`` the copula's distance from Gaussian:

  - the **Gaussian part** ``1/2 (ln det R_w - ln det R_rest)`` needs no
    neighbours, so it comes from its own, larger sample (``w`` and ``w_rest``
    from the same draws);
  - the **bracket** ``B`` is a difference of two Kozachenko-Leonenko entropies,
    of ``g`` and of a sample ``s`` of ``N(0, R)`` of the same size, normal-scored
    the same way, at the same orders, so that their kNN biases nearly cancel;
    computed pointwise with the Gaussian log-density as a control variate:
    ``B = mean_g[ln f(g) - ln phi_R(g)] - mean_s[ln f(s) - ln phi_R(s)]``
    (``f`` the kNN density estimate), which removes the spread of ``ln f`` itself.

This module holds the pieces; :func:`synmi.empirical.true_information` runs
them on a sample-size ladder with replicates and two orders and decides
whether the result is resolved.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats
from scipy.linalg import solve_triangular
from scipy.special import ndtri

from ..analytic.exact import single_connection_information
from ..analytic.inputs import Case
from ._checks import child, generator
from .estimate import JITTER
from .estimators import knn_log_distances
from .sampling import DEFAULT_CHUNK_SIZE, _sample_case

__all__ = ["normal_scores", "marginal_informations", "gaussian_part", "copula_bracket", "copula_replicate"]


def normal_scores(x: np.ndarray) -> np.ndarray:
    """Normal scores ``Phi^-1((rank - 1/2) / M)`` of every column (ties share their average rank).

    Parameters
    ----------
    x : ndarray, shape (M, n)

    Returns
    -------
    ndarray, shape (M, n)
        Every column holds the same ``M`` values (up to ties), in the order of ``x``'s ranks.
    """
    m = x.shape[0]
    ranks = stats.rankdata(x, method="average", axis=0)
    return ndtri((ranks - 0.5) / m)


def _log_det_correlation(g: np.ndarray) -> float:
    """``ln det R`` of the correlation of ``g``'s columns; ``-inf`` when ``R`` is singular."""
    r = np.corrcoef(g, rowvar=False)
    sign, logdet = np.linalg.slogdet(np.atleast_2d(r))
    return float(logdet) if sign > 0 else -math.inf


def marginal_informations(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """``I(w_a ; x_l)`` of every connection, exact by quadrature (docs/theory.md §8), and their error bounds."""
    values, errors = [], []
    for a in range(case.n_connections):
        res = single_connection_information(case.mu, case.sigma, case.ensemble[a:a + 1], case.pattern)
        values.append(float(res.value))
        errors.append(float(res.error))
    return np.asarray(values), np.asarray(errors)


def gaussian_part(case: Case, n_samples: int, root: np.random.SeedSequence, n_jobs: int = 1) -> float:
    """``1/2 (ln det R_w - ln det R_rest)`` from normal scores of one sample of ``n_samples`` draws."""
    w, _, rest = _sample_case(case, n_samples, root, DEFAULT_CHUNK_SIZE, n_jobs)
    return 0.5 * (_log_det_correlation(normal_scores(w)) - _log_det_correlation(normal_scores(rest)))


def copula_bracket(x: np.ndarray, z: np.ndarray, jitter: np.ndarray, orders: Sequence[int],
                   n_jobs: int = 1) -> np.ndarray:
    """``B = h(N(0, R)) - h(g)`` at each order, ``g`` the normal scores of ``x`` (module docstring).

    Parameters
    ----------
    x : ndarray, shape (M, n)
        A sample (any monotone transform of each column gives the same result).
    z : ndarray, shape (M, n)
        Standard normals; ``z L^T`` (``L L^T = R``) is the Gaussian sample ``s``.
        Passing the same ``z`` for ``w_S`` and ``w_S^(-l)`` (common random numbers)
        makes the noise of their two Gaussian samples cancel in ``B_rest - B_w``.
    jitter : ndarray, shape (M, 2 n)
        Added to ``g`` and ``s`` (first and last ``n`` columns) to break ties
        (equal weights give equal scores); far below the scores' spacing.
    orders : sequence of int
        Neighbour orders.
    n_jobs : int
        Threads of the neighbour search.

    Returns
    -------
    ndarray, shape (len(orders),)

    Raises
    ------
    ValueError
        When the normal scores' correlation is singular (a coordinate is a
        function of the others: the copula has no density).
    """
    m, dim = x.shape
    g = normal_scores(x)
    r = np.corrcoef(g, rowvar=False).reshape(dim, dim)
    try:
        chol = np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        raise ValueError("the normal scores' correlation is singular: the copula has no density") from None
    s = normal_scores(z @ chol.T)
    g += jitter[:, :dim]
    s += jitter[:, dim:]
    log_eps_g = knn_log_distances(g, orders, n_jobs)
    log_eps_s = knn_log_distances(s, orders, n_jobs)
    # x^T R^-1 x from the Cholesky factor: |L^-1 x|^2
    quad_g = np.square(solve_triangular(chol, g.T, lower=True)).sum(axis=0).mean()
    quad_s = np.square(solve_triangular(chol, s.T, lower=True)).sum(axis=0).mean()
    return -dim * (log_eps_g.mean(axis=0) - log_eps_s.mean(axis=0)) + 0.5 * (quad_g - quad_s)


def copula_replicate(case: Case, rungs: Sequence[int], orders: Sequence[int], root: np.random.SeedSequence,
                     n_jobs: int = 1) -> np.ndarray:
    """``B_rest - B_w`` at every rung and order from one replicate (docs/theory.md §9.2).

    The rungs are nested: rung ``M`` uses the first ``M`` draws of the top
    rung's sample (the sampler is prefix-consistent: the first ``M`` of ``4 M``
    draws with one seed are the ``M`` draws), so the change between rungs is
    measured on the same points, with little noise of its own.  Draws come from
    child ``0`` of ``root``, the Gaussian samples' normals from child ``1``, the
    jitter from child ``2``.

    Returns
    -------
    ndarray, shape (len(rungs), len(orders))
    """
    top, n = max(rungs), case.n_connections
    w, _, rest = _sample_case(case, top, child(root, 0), DEFAULT_CHUNK_SIZE, n_jobs)
    z = generator(child(root, 1)).standard_normal((top, n))
    jitter = JITTER * generator(child(root, 2)).standard_normal((top, 4 * n))
    out = np.empty((len(rungs), len(orders)))
    for t, m in enumerate(rungs):
        b_w = copula_bracket(w[:m], z[:m], jitter[:m, :2 * n], orders, n_jobs)
        b_rest = copula_bracket(rest[:m], z[:m], jitter[:m, 2 * n:], orders, n_jobs)
        out[t] = b_rest - b_w
    return out
