"""Single-connection informations of many sums at once: the fold chain of docs/theory.md §8, batched.

The normal-score copula (docs/theory.md §11.5) needs ``I(w[a] ; x_l)`` for
every connection ``a`` of an ensemble: ``n`` chains of ``N`` folds each
(:mod:`analytic.exact`).  On the paper's scales one fold is about 1e4 cells
of the ``(y, c)`` quadrature (about 100 grid points by 90 nodes) plus some
thirty small array operations, which cost about as much as the cells.  Here
the ``k``-th fold of every chain is done by one set of array operations over
all chains, on arrays of shape ``(chains, nodes, rows)``:

* one grid step per fold for all chains (the smallest of theirs, each a power
  of ``2^(1/4)``, as in :mod:`analytic.exact`) and one node set in ``c`` (the
  densest of theirs, over the union of their ranges); each chain reads its own
  window of the nodes, padded to the longest window with nodes of weight 0;
* the whole exponent ``ln p_A(y - softplus(-c)) + ln p_B(y - softplus(c)) +
  ln(dc/dt)`` of every cell comes out of one matrix product per chain: the
  interpolation stencil of ``ln p_A`` (as in :mod:`analytic.exact`), extended
  by ``u^2, u, 1`` with ``u`` the stencil's grid position, since the Gaussian
  factor is a quadratic in ``u`` for each node;
* beyond its last point a density is continued by the concave parabola through
  its last three points (falling outward), which lies below the cut-off.

The chains are evaluated at :data:`COPULA_RESOLUTION`, coarser than the exact
quadrature's base resolution: 0.75 nodes per standard deviation and per nat at
the kink instead of 1.5, tails cut at 7 standard deviations instead of 8.5, a
12-point stencil instead of 16.  On the 40 set-2/3 draws of
``benchmarks/bench_approximations.py`` (418 connections of its 38 ensembles) the
largest departure from the refined exact values was 2.5e-7 relative (7.4e-10
nats), and the benchmark prints it on every run; the marginals cost a median
2.55 times less than one chain at a time at the base resolution on the same
draws.  A batch whose arrays would exceed :data:`BATCH_CELLS` cells
(scales far apart) falls back to one chain at a time at the same resolution,
which raises ``ValueError`` where the exact quadrature cannot resolve the scales.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .exact import (
    _LOG_SQRT_2PI,
    _MAX_GRID_INDEX,
    KINK_SCALE,
    MAX_FOLD_CELLS,
    MAX_GRID_POINTS,
    _c_nodes,
    _checked_columns,
    _checked_target,
    _fw_widths,
    _lagrange_weights,
    _quantised,
    _Resolution,
    _step_for,
    _sum_information,
)
from .threads import single_blas_thread

__all__ = ["BATCH_CELLS", "COPULA_RESOLUTION", "batched_sum_information"]

#: quadrature resolution of the batched chains (module docstring; docs/theory.md §11.5)
COPULA_RESOLUTION = _Resolution(nodes_per_sd=0.75, nodes_at_kink=0.75, tail_sd=7.0, stencil=12)
#: largest ``chains x rows x nodes`` array of one batched fold (32 MiB); beyond, chains go one at a time
BATCH_CELLS = 1 << 22


class _TooLarge(Exception):
    """A batched fold would exceed :data:`BATCH_CELLS` or one of the exact quadrature's limits."""


@dataclass(frozen=True)
class _Densities:
    """Log-densities of several chains on one step: chain ``a`` at ``y = (k0[a] + r) step``, ``r < size[a]``.

    ``log_p`` has one row per chain, as wide as the largest ``size``; entries
    beyond a chain's ``size`` are not used.
    """

    k0: np.ndarray
    step: float
    log_p: np.ndarray
    size: np.ndarray

    @property
    def lo(self) -> np.ndarray:
        return self.k0 * self.step

    @property
    def hi(self) -> np.ndarray:
        return (self.k0 + self.size - 1) * self.step


def _softplus_inv(x: np.ndarray) -> np.ndarray:
    """``ln(e^x - 1) = x + ln(1 - e^-x)`` elementwise; ``-inf`` for ``x <= 0``."""
    with np.errstate(divide="ignore"):
        return np.where(x > 0, x + np.log(-np.expm1(-np.maximum(x, 0.0))), -np.inf)


def _gaussians(m: np.ndarray, s: np.ndarray, step: float, tail_sd: float) -> _Densities:
    k0 = np.floor((m - tail_sd * s) / step).astype(np.int64)
    size = np.ceil((m + tail_sd * s) / step).astype(np.int64) - k0 + 1
    y = (k0[:, None] + np.arange(int(size.max()))) * step
    return _Densities(k0, step, -0.5 * ((y - m[:, None]) / s[:, None]) ** 2 - np.log(s)[:, None] - _LOG_SQRT_2PI,
                      size)


def _extended(dens: _Densities, before: int, after: int) -> np.ndarray:
    """Each chain's log-density at grid offsets ``-before … width + after - 1`` (column ``r + before``).

    Inside its ``size`` points the density itself; beyond them the concave
    parabola through its last three points, with slope and curvature clipped
    so that it falls outward (the points there lie below the cut-off).
    """
    lp = dens.log_p
    n, width = lp.shape
    chains = np.arange(n)
    last = dens.size - 1
    out = np.empty((n, before + width + after))
    out[:, before:before + width] = lp
    if before:
        e0 = lp[:, :1]
        d = np.arange(before, 0, -1, dtype=float)
        out[:, :before] = (e0 + np.minimum(e0 - lp[:, 1:2], 0.0) * d
                           + np.minimum(e0 - 2.0 * lp[:, 1:2] + lp[:, 2:3], 0.0) * (0.5 * d * (d + 1.0)))
    tail = int(last.min()) + 1  # first column beyond some chain's last point
    e1 = lp[chains, last][:, None]
    d = np.maximum(np.arange(tail, width + after, dtype=float) - last[:, None], 0.0)
    extension = (e1 + np.minimum(e1 - lp[chains, last - 1][:, None], 0.0) * d
                 + np.minimum(e1 - 2.0 * lp[chains, last - 1][:, None] + lp[chains, last - 2][:, None], 0.0)
                 * (0.5 * d * (d + 1.0)))
    region = out[:, before + tail:]
    np.copyto(region, extension, where=d > 0)
    return out


def _resample(dens: _Densities, step: float, q: int) -> _Densities:
    """The same log-densities interpolated onto the grid of a smaller ``step`` (``q``-point Lagrange)."""
    k0 = np.ceil(dens.lo / step - 1e-9).astype(np.int64)
    size = np.floor(dens.hi / step + 1e-9).astype(np.int64) - k0 + 1
    position = ((k0[:, None] + np.arange(int(size.max()))) * step) / dens.step - dens.k0[:, None]
    base = np.clip(np.floor(position), 0, (dens.size - 1)[:, None])
    weights = _lagrange_weights(position - base, q)  # (n, width, q)
    extended = _extended(dens, q, q)
    index = base.astype(np.int64)[:, :, None] + (q + np.arange(q) - (q // 2 - 1))
    index = np.minimum(index, extended.shape[1] - 1)
    values = np.take_along_axis(extended, index.reshape(index.shape[0], -1), axis=1).reshape(index.shape)
    return _Densities(k0, step, np.einsum("aij,aij->ai", weights, values), size)


def _fold(dens: _Densities, m: np.ndarray, s: np.ndarray, scale: np.ndarray, res: _Resolution) -> _Densities:
    """:func:`analytic.exact._fold` for every chain at once: ``ln(e^A + e^B)``, ``B ~ Normal(m, s^2)``."""
    h, q, n = dens.step, res.stencil, m.size
    a_lo, a_hi = dens.lo, dens.hi
    b_lo, b_hi = m - res.tail_sd * s, m + res.tail_sd * s
    y_lo, y_hi = np.logaddexp(a_lo, b_lo), np.logaddexp(a_hi, b_hi)
    k_lo = np.floor(y_lo / h).astype(np.int64)
    rows = np.ceil(y_hi / h).astype(np.int64) - k_lo + 1
    n_rows = int(rows.max())
    if n_rows > MAX_GRID_POINTS:
        raise _TooLarge
    # nodes where both factors can be non-negligible for some y of the chain's grid
    bounds = _softplus_inv(np.stack([y_lo - b_hi, y_hi - a_lo, y_hi - b_lo, y_lo - a_hi]))
    c_lo = np.maximum(np.maximum(a_lo - b_hi, bounds[0]), -bounds[1])
    c_hi = np.minimum(np.minimum(a_hi - b_lo, bounds[2]), -bounds[3])
    per_c_pos = res.nodes_per_sd / _quantised(float(s.min()), 8)  # the densest of the chains' node sets
    per_c_neg = res.nodes_per_sd / _quantised(float(scale.min()), 8)
    c, log_dc, softplus_pos, col_base, weights = _c_nodes(float(c_lo.min()), float(c_hi.max()), per_c_pos,
                                                          per_c_neg, res.nodes_at_kink, h, q)
    n_c = c.size
    j0 = np.maximum(np.searchsorted(c, c_lo, side="left") - 1, 0)
    j1 = np.minimum(np.searchsorted(c, c_hi, side="right") + 1, n_c)
    width = int((j1 - j0).max())
    if n_rows * n_c > MAX_FOLD_CELLS or n * n_rows * width > BATCH_CELLS:
        raise _TooLarge
    nodes = np.minimum(j0[:, None] + np.arange(width), n_c - 1)  # (n, W); beyond j1 weight 0 below
    # cell (a, i, t) needs ln p_A at grid offset k_lo + i - k0 - softplus(-c) / h: the stencil window that starts
    # at offset start[a, t] + i, with the node's Lagrange weights (as in analytic.exact._fold)
    start = ((k_lo - dens.k0) - (q // 2 - 1))[:, None] + col_base[nodes]
    before = max(0, int(-start.min()))
    n_windows = int((start + n_rows).max()) + before
    extended = _extended(dens, before, max(0, n_windows - before + q - dens.log_p.shape[1]))
    # the Gaussian factor: y_i - m - softplus(c) = u - v with u = (window - before) h the window's position and
    # v per node, so -(u - v)^2 / (2 s^2) = inv u^2 - 2 inv v u + inv v^2 is linear in (u^2, u, 1)
    windows = np.empty((n, q + 3, n_windows))  # column r: the stencil of window r, then u^2, u, 1
    windows[:, :q, :] = sliding_window_view(extended, n_windows, axis=1)[:, :q]
    u = (np.arange(n_windows) - before) * h
    windows[:, q, :] = u * u
    windows[:, q + 1, :] = u
    windows[:, q + 2, :] = 1.0
    v = (start - k_lo[:, None]) * h + m[:, None] + softplus_pos[nodes]
    inv = (-0.5 / (s * s))[:, None]
    used = np.arange(width) < (j1 - j0)[:, None]
    const = np.where(used, log_dc[nodes] - np.log(s)[:, None] - _LOG_SQRT_2PI, -np.inf)
    coefficients = np.empty((n, width, q + 3))
    coefficients[:, :, :q] = weights[nodes]
    coefficients[:, :, q] = inv
    coefficients[:, :, q + 1] = -2.0 * inv * v
    coefficients[:, :, q + 2] = inv * v * v + const
    exponent = np.matmul(coefficients, windows)  # (n, W, n_windows): entry (t, window) is one cell's exponent
    # cell (a, i, t) is entry (t, start + before + i): for each node a run of n_rows consecutive windows
    cells = sliding_window_view(exponent, n_rows, axis=2)[np.arange(n)[:, None], np.arange(width), start + before]
    np.exp(cells, out=cells)
    p = cells.sum(axis=1)  # (n, rows)
    p[np.arange(n_rows) >= rows[:, None]] = 0.0
    keep = p >= res.trim * p.max(axis=1, keepdims=True)
    first = np.argmax(keep, axis=1)
    size = n_rows - np.argmax(keep[:, ::-1], axis=1) - first
    index = np.minimum(first[:, None] + np.arange(int(size.max())), n_rows - 1)
    log_p = np.log(np.maximum(np.take_along_axis(p, index, axis=1), np.finfo(float).tiny))
    return _Densities(k_lo + first, h, log_p, size)


def _entropies(dens: _Densities) -> np.ndarray:
    """``h(X) = h(ln X) + E[ln X]`` of each chain (trapezoid sums, as :func:`analytic.exact._moments`)."""
    used = np.arange(dens.log_p.shape[1]) < dens.size[:, None]
    log_p = np.where(used, dens.log_p, -np.inf)
    p = np.exp(log_p)
    y = (dens.k0[:, None] + np.arange(dens.log_p.shape[1])) * dens.step
    total = p.sum(axis=1)
    h_log = np.log(total * dens.step) - np.einsum("ai,ai->a", p, np.where(used, log_p, 0.0)) / total
    return h_log + np.einsum("ai,ai->a", p, y) / total


def _fold_sequences(m: np.ndarray, var: np.ndarray, varying: np.ndarray, target: int,
                    count: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`analytic.exact._fold_sequence` of every column, each with ``count`` varying other terms.

    ``varying`` marks each column's varying other terms.  Returns the log-means
    and standard deviations, shape ``(count + 1, n)``: each column's varying
    other terms widest first (then larger ``m + s^2/2``), then its target term.
    """
    rows = np.argsort(~varying, axis=0, kind="stable")[:count]  # the varying terms, in their order
    m_rest, s_rest = np.take_along_axis(m, rows, axis=0), np.sqrt(np.take_along_axis(var, rows, axis=0))
    order = np.lexsort((-(m_rest + 0.5 * s_rest * s_rest), -s_rest), axis=0)
    return (np.vstack([np.take_along_axis(m_rest, order, axis=0), m[target]]),
            np.vstack([np.take_along_axis(s_rest, order, axis=0), np.sqrt(var[target])]))


def _chain_information(seq_m: np.ndarray, seq_s: np.ndarray, res: _Resolution) -> np.ndarray:
    """``h(sum of all K terms) - h(sum of the first K - 1)`` of each column of ``(K, n)`` terms in folding order.

    ``K >= 2``; the last term is the target.
    """
    n_terms = seq_m.shape[0]
    scales = np.minimum.accumulate(np.minimum(np.minimum(seq_s, _fw_widths(seq_m, seq_s)), KINK_SCALE), axis=0)
    steps = [_step_for(float(v), res.points_per_scale) for v in scales.min(axis=1)]  # the finest of the chains'
    # analytic.exact._sum_densities' check: grid indices |ln X| / step beyond 2^52 are not distinct doubles
    if float(np.max(np.abs(seq_m) + res.tail_sd * seq_s)) + n_terms > steps[-1] * _MAX_GRID_INDEX:
        raise _TooLarge
    dens = _gaussians(seq_m[0], seq_s[0], steps[0], res.tail_sd)
    h_rest = np.zeros(seq_m.shape[1])
    for k in range(1, n_terms):
        if k == n_terms - 1:  # the rest is complete: its entropy, before the target is folded in
            h_rest = _entropies(dens)
        if steps[k] < dens.step:
            dens = _resample(dens, steps[k], res.stencil)
        dens = _fold(dens, seq_m[k], seq_s[k], scales[k - 1], res)
    return _entropies(dens) - h_rest


def batched_sum_information(log_means: Any, log_variances: Any, target: int) -> np.ndarray:
    """``h(X) - h(X - exp(G_target))`` of every column at :data:`COPULA_RESOLUTION` (docs/theory.md §8, §11.5).

    The values of :func:`analytic.exact.lognormal_sum_information` with
    ``refine=False``, computed for all columns at once at a coarser resolution
    (module docstring): the normal-score copula's marginals.

    Parameters
    ----------
    log_means, log_variances : array_like, shape (K,) or (K, n)
        ``m_k[a]`` and ``s_k[a]^2 >= 0``, one column per sum.
    target : int
        Index of the term ``l`` in ``0 … K - 1``.

    Returns
    -------
    ndarray, shape (n,)
        ``0`` where ``s_target[a] = 0``; ``inf`` where every other term of the
        column is constant (or ``K = 1``).  The value of a column depends on the
        other columns only through the shared grid step and nodes, below the
        resolution's error.

    Raises
    ------
    ValueError
        Naming the offending argument; also where the quadrature cannot resolve
        a column's scales (as :func:`analytic.exact.lognormal_sum_information`).
    """
    m, var = _checked_columns(log_means, log_variances)
    target = _checked_target(target, m.shape[0])
    varying = (np.arange(m.shape[0]) != target)[:, None] & (var > 0)  # each column's varying other terms
    counts = varying.sum(axis=0)
    values = np.where(var[target] == 0, 0.0, np.where(counts == 0, math.inf, math.nan))
    pending = np.isnan(values)
    with single_blas_thread():
        for count in np.unique(counts[pending]):  # chains of equal length fold together
            columns = np.flatnonzero(pending & (counts == count))
            seq_m, seq_s = _fold_sequences(m[:, columns], var[:, columns], varying[:, columns], target, int(count))
            try:
                values[columns] = _chain_information(seq_m, seq_s, COPULA_RESOLUTION)
            except _TooLarge:
                for a in columns:
                    values[a] = _sum_information(m[:, a], var[:, a], target, False, 1.0, COPULA_RESOLUTION)[0]
    return values
