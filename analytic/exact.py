"""Exact information of a single connection (``n = 1``) by one-dimensional quadrature.

Implements docs/theory.md §8.  For one connection ``a = (i, j)`` every pattern
contributes a scalar log-normal term: ``ln z_k ~ Normal(m_k, s_k^2)`` with
``m_k = mu_k[i] + mu_k[j]`` and ``s_k^2 = Sigma_k[i, i] + Sigma_k[j, j] + 2 Sigma_k[i, j]``
(docs/theory.md §2, eq. [22]), independent over ``k``.  With ``w = sum_k z_k`` and
``w_rest = sum_{k != l} z_k``, exactly

    ``I(w ; x_l) = h(w) - h(w_rest)``,  ``h(w) = h(ln w) + E[ln w]``,

so only densities of logarithms of sums of independent log-normals are needed.

Algorithm
---------
*Folding.*  For independent ``A`` and ``B`` and ``Y = ln(e^A + e^B)``, the
substitution ``A = y - softplus(-c)``, ``B = y - softplus(c)`` (``c = A - B``,
Jacobian 1) gives the exact one-dimensional integral

    ``p_Y(y) = integral p_A(y - softplus(-c)) p_B(y - softplus(c)) dc``

(docs/theory.md §8).  The terms are folded in one at a time: ``A`` is the sum so
far (its log-density known on a uniform grid of ``y``), ``B`` the next Gaussian
term (known in closed form).  The integrand is analytic, so the trapezoid rule in
``c`` converges exponentially; the nodes are placed by a smooth map ``c = c(t)``,
``t`` uniform, whose node density is the sum of the rates at which the two
factors vary, ``sigmoid(c) / s_k`` and ``sigmoid(-c) / scale_A`` (per standard
deviation), plus a term ``~ 1 / sqrt(1 + (c / pi)^2)``: ``softplus`` has poles at
``c = +-i pi``, which caps the width of the strip of analyticity near ``c = 0``
whatever the scales.  ``p_A`` is needed off its grid, at ``y - softplus(-c)``;
its logarithm (close to a parabola) is interpolated by a 16-point Lagrange
polynomial.  All ``y`` grids are integer multiples of their step, so
the interpolation weights depend on the node ``c`` only and the interpolated
values for all ``(y, c)`` pairs come from one matrix product.

*Grid.*  The step of each partial sum is a fixed fraction of its smallest scale
of variation: the smallest ``s_k`` folded so far, the Fenton-Wilkinson width of
the partial sum (docs/theory.md §3) and ``KINK_SCALE`` (``ln(e^A + e^B)`` bends
on a scale of one nat).  Terms are folded widest first, so that a narrow term
refines only the folds after it.  Every density is cut where it falls below
``exp(-tail_sd^2 / 2)`` of its maximum, each Gaussian term at ``tail_sd``
standard deviations.  Entropies and means are trapezoid sums over the grid.

*Constant terms* (``s_k = 0``) shift ``X = e^S + C``: ``h(X) = h(e^S)`` exactly,
and ``h(ln X)``, ``E[ln X]`` follow by the change of variables
``ln X = logaddexp(S, ln C)``.  They do not change ``I`` at all.

*Error bound.*  Each quantity is computed three times: at the base resolution,
with every step halved (grid step and node spacing), and with the tails widened
by one standard deviation.  The reported value is the halved-step one; the
error bound is the sum of the two changes from the base (so at least the larger
of them), plus a rounding allowance.  Convergence in the step is exponential,
so the change overstates the error of the refined value.  While the bound
exceeds ``tol``, the resolution is doubled again (at most
``MAX_REFINEMENTS`` times).  For the information the bound is on
``I = h(w) - h(w_rest)`` itself: both entropies come from the same grids and
most of their discretisation error cancels.

*Cost.*  A fold costs (grid points) x (nodes in ``c``), about 2e4 for the paper's
set-2/3 scales; the nodes and their interpolation weights are cached per
(quantised scales, step), and BLAS runs on one thread (OpenBLAS' threading slows
these small products down by an order of magnitude on a loaded machine).
benchmarks/bench_exact.py times it against the Monte Carlo estimate it
replaces.  Scales far apart (``s_k^2 = 1e-2`` next to 50) cost tens of times
more; a grid that would exceed ``MAX_GRID_POINTS`` points or ``MAX_FOLD_CELLS``
cells raises ``ValueError`` rather than exhaust memory.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .fenton_wilkinson import (
    ApproximationUndefinedWarning,
    InfiniteInformationWarning,
    Status,
    connection_log_moments,
)
from .inputs import validate_case
from .threads import single_blas_thread

__all__ = [
    "KINK_SCALE",
    "MAX_REFINEMENTS",
    "ExactResult",
    "SumEntropy",
    "exact_information",
    "lognormal_sum_entropy",
    "lognormal_sum_information",
    "single_connection_information",
]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

#: scale (nats) on which ``ln(e^A + e^B)`` bends: the grid step never exceeds
#: ``KINK_SCALE / points_per_scale``, however wide the terms
KINK_SCALE = 1.0
#: how many times the resolution may be doubled beyond the first refinement
#: while the error bound exceeds ``tol``
MAX_REFINEMENTS = 2
#: rounding allowance added to every error bound, relative to the magnitudes involved
ROUNDING_RTOL = 64 * np.finfo(float).eps
#: ``y`` rows are processed in blocks of about this many (y, c) cells
_BLOCK_CELLS = 1 << 16
#: refuse grids whose single fold would exceed this many (y, c) cells, or
#: densities of more than ``MAX_GRID_POINTS`` points (scales too far apart)
MAX_FOLD_CELLS = 400_000_000
MAX_GRID_POINTS = 2_000_000


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SumEntropy:
    """Differential entropy of a sum of independent log-normals (docs/theory.md §8).

    ``X = sum_k exp(G_k)``, ``G_k ~ Normal(m_k, s_k^2)`` independent.

    Attributes
    ----------
    value : float
        ``h(X)`` in nats; ``-inf`` when every term is constant.
    log_entropy : float
        ``h(ln X)`` in nats.
    mean_log : float
        ``E[ln X]``.  ``value = log_entropy + mean_log``.
    error : float
        Estimated bound on the absolute error of each of the three numbers above
        (see the module docstring); 0 when they are exact.
    n_grid : int
        Points of the final density's grid at the reported resolution (0 when
        no quadrature was needed).
    n_constant : int
        Terms with ``s_k^2 = 0``, folded in as a shift.
    """

    value: float
    log_entropy: float
    mean_log: float
    error: float
    n_grid: int
    n_constant: int = 0


@dataclass(frozen=True)
class ExactResult:
    """Exact ``I(w ; x_l)`` of a single connection (docs/theory.md §8).

    Attributes
    ----------
    value : float
        ``h(w) - h(w_rest)`` in nats; ``inf`` when ``w_rest`` is constant
        (``N = 1`` or every other pattern's term has ``s_k = 0``), 0 when
        ``s_l = 0``.
    error : float
        Estimated bound on the absolute error of ``value`` (0 when exact).
    h_w, h_rest : float
        ``h(w)`` and ``h(w_rest)`` in nats (``h_rest = -inf`` when infinite).
        Each is typically accurate to ``1e-10``; ``error`` bounds their
        difference, whose discretisation errors largely cancel.
    status : Status
        ``Status.VALID`` or ``Status.INFINITE``.
    reason : str
    seconds : float
        Wall time of the call, validation included.
    """

    value: float
    error: float
    h_w: float
    h_rest: float
    status: Status
    reason: str
    seconds: float


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class _Resolution:
    """Discretisation parameters of one evaluation (see the module docstring)."""

    #: grid points per local scale of the log-density
    points_per_scale: float = 4.0
    #: nodes in ``c`` per standard deviation of either factor of the integrand
    nodes_per_sd: float = 1.5
    #: nodes in ``c`` per nat at ``c = 0`` (decaying like ``1 / sqrt(1 + (c / pi)^2)``)
    nodes_at_kink: float = 1.5
    #: Gaussian terms are cut at this many standard deviations, densities at
    #: ``exp(-tail_sd^2 / 2)`` of their maximum
    tail_sd: float = 8.5
    #: points of the Lagrange interpolation of a log-density (even)
    stencil: int = 16

    def refined(self) -> _Resolution:
        """Every step halved."""
        return replace(self, points_per_scale=2 * self.points_per_scale,
                       nodes_per_sd=2 * self.nodes_per_sd, nodes_at_kink=2 * self.nodes_at_kink)

    def widened(self) -> _Resolution:
        """Tails one standard deviation wider."""
        return replace(self, tail_sd=self.tail_sd + 1.0)

    @property
    def trim(self) -> float:
        return math.exp(-0.5 * self.tail_sd**2)


# --------------------------------------------------------------------------- grid densities


@dataclass(frozen=True)
class _Density:
    """A log-density on the grid ``y = (k0 + r) * step``, ``r = 0 … len(log_p) - 1``."""

    k0: int
    step: float
    log_p: np.ndarray

    @property
    def lo(self) -> float:
        return self.k0 * self.step

    @property
    def hi(self) -> float:
        return (self.k0 + self.log_p.size - 1) * self.step

    @property
    def y(self) -> np.ndarray:
        return (self.k0 + np.arange(self.log_p.size)) * self.step


def _softplus_inv(x: float) -> float:
    """``ln(e^x - 1)`` for ``x > 0``; ``-inf`` for ``x <= 0``."""
    if x <= 0.0:
        return -math.inf
    if x > 1.0:
        return x + math.log(-math.expm1(-x))
    return math.log(math.expm1(x))


def _logaddexp(a: float, b: float) -> float:
    """``ln(e^a + e^b)`` for two floats."""
    hi = max(a, b)
    return hi + math.log1p(math.exp(min(a, b) - hi))


def _sigmoid(c: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * c))


_LAGRANGE_DENOMINATORS: dict[int, np.ndarray] = {}


def _lagrange_weights(frac: np.ndarray, q: int) -> np.ndarray:
    """Weights of the ``q`` nodes ``-(q/2 - 1) … q/2`` for evaluation at ``frac`` in ``[0, 1)``.

    Returns an array of shape ``frac.shape + (q,)``; products of differences are
    formed from prefix and suffix products, so ``frac = 0`` needs no special case.
    """
    offsets = np.arange(q) - (q // 2 - 1)
    if q not in _LAGRANGE_DENOMINATORS:
        d = (offsets[:, None] - offsets[None, :]).astype(float)
        np.fill_diagonal(d, 1.0)
        _LAGRANGE_DENOMINATORS[q] = 1.0 / d.prod(axis=1)
    diff = frac[..., None] - offsets
    prefix = np.ones_like(diff)
    suffix = np.ones_like(diff)
    np.cumprod(diff[..., :-1], axis=-1, out=prefix[..., 1:])
    np.cumprod(diff[..., :0:-1], axis=-1, out=suffix[..., -2::-1])
    return prefix * suffix * _LAGRANGE_DENOMINATORS[q]


@functools.lru_cache(maxsize=8)
def _outward_steps(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``r`` and ``r (r + 1) / 2`` for ``r = 1 … n`` (read-only)."""
    r = np.arange(1.0, n + 1.0)
    out = (r, 0.5 * r * (r + 1.0))
    for arr in out:
        arr.flags.writeable = False
    return out


def _padded(log_p: np.ndarray, n: int) -> np.ndarray:
    """``log_p`` extended by ``n`` points on each side by a concave parabola through its last three points.

    The padding lies below the cut-off of the density; it only gives the
    interpolation stencil something smooth to read near the ends.
    """
    r, rr = _outward_steps(n)
    out = np.empty(log_p.size + 2 * n)
    out[n:n + log_p.size] = log_p
    for edge, inner1, inner2, sl, reverse in ((log_p[0], log_p[1], log_p[2], slice(0, n), True),
                                             (log_p[-1], log_p[-2], log_p[-3], slice(n + log_p.size, None), False)):
        slope = float(edge - inner1)
        curvature = min(float(edge - 2.0 * inner1 + inner2), 0.0)
        values = edge + slope * r + curvature * rr
        out[sl] = values[::-1] if reverse else values
    return out


def _gaussian_density(m: float, s: float, step: float, tail_sd: float) -> _Density:
    k0 = math.floor((m - tail_sd * s) / step)
    k1 = math.ceil((m + tail_sd * s) / step)
    y = np.arange(k0, k1 + 1) * step
    return _Density(k0, step, -0.5 * ((y - m) / s) ** 2 - math.log(s) - _LOG_SQRT_2PI)


def _resample(density: _Density, step: float, q: int) -> _Density:
    """The same log-density interpolated onto the grid of a smaller ``step``."""
    k0 = math.ceil(density.lo / step - 1e-9)
    k1 = math.floor(density.hi / step + 1e-9)
    position = (np.arange(k0, k1 + 1) * step) / density.step - density.k0
    base = np.clip(np.floor(position), 0, density.log_p.size - 1)
    weights = _lagrange_weights(position - base, q)
    padded = _padded(density.log_p, q)
    index = base.astype(np.int64)[:, None] + (q + np.arange(q) - (q // 2 - 1))
    return _Density(k0, step, np.einsum("ij,ij->i", weights, padded[index]))


#: the trapezoid nodes in ``c`` come in cached chunks of this many consecutive ``t``
_NODE_CHUNK = 64


def _t_of(c: np.ndarray | float, per_c_pos: float, per_c_neg: float, at_kink: float) -> np.ndarray:
    """The node map ``t(c) = per_c_pos softplus(c) - per_c_neg softplus(-c) + at_kink pi asinh(c / pi)``."""
    return (per_c_pos * np.logaddexp(0.0, c) - per_c_neg * np.logaddexp(0.0, np.negative(c))
            + at_kink * math.pi * np.arcsinh(np.divide(c, math.pi)))


def _node_density(c: np.ndarray, per_c_pos: float, per_c_neg: float, at_kink: float) -> np.ndarray:
    """``t'(c)``: nodes per unit of ``c``."""
    sig = _sigmoid(c)
    return per_c_pos * sig + per_c_neg * (1.0 - sig) + at_kink / np.sqrt(1.0 + (c / math.pi) ** 2)


def _t_scalar(c: float, per_c_pos: float, per_c_neg: float, at_kink: float) -> float:
    """:func:`_t_of` for one float (plain ``math``: no array overhead)."""
    soft = math.log1p(math.exp(-abs(c)))
    return (per_c_pos * (max(c, 0.0) + soft) - per_c_neg * (max(-c, 0.0) + soft)
            + at_kink * math.pi * math.asinh(c / math.pi))


def _c_of_t(t: float, per_c_pos: float, per_c_neg: float, at_kink: float) -> float:
    """Scalar inverse of :func:`_t_of` by bisection (``t`` is increasing in ``c``)."""
    lo, hi = -1.0, 1.0
    while _t_scalar(lo, per_c_pos, per_c_neg, at_kink) > t:
        lo *= 2.0
    while _t_scalar(hi, per_c_pos, per_c_neg, at_kink) < t:
        hi *= 2.0
    while hi - lo > 1e-12 * max(1.0, abs(lo), abs(hi)):
        mid = 0.5 * (lo + hi)
        if _t_scalar(mid, per_c_pos, per_c_neg, at_kink) < t:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@functools.lru_cache(maxsize=4096)
def _node_chunk(per_c_pos: float, per_c_neg: float, at_kink: float, step: float, q: int,
                chunk: int) -> tuple[np.ndarray, ...]:
    """Nodes ``c(t)`` at ``t = chunk * _NODE_CHUNK + 0 … _NODE_CHUNK - 1`` and what a fold needs of them.

    Returns ``c``, ``ln(dc/dt)``, ``softplus(c)``, and for ``shift = -softplus(-c) / step``
    its floor (int) and the Lagrange weights of its fractional part (``q`` points).
    Cached: folds with equal scales (quantised) reuse their nodes.
    """
    t = chunk * _NODE_CHUNK + np.arange(_NODE_CHUNK, dtype=float)
    ends = [_c_of_t(float(t[0]) - 1.0, per_c_pos, per_c_neg, at_kink),
            _c_of_t(float(t[-1]) + 1.0, per_c_pos, per_c_neg, at_kink)]
    table = np.linspace(ends[0], ends[1], 4 * _NODE_CHUNK)
    c = np.interp(t, _t_of(table, per_c_pos, per_c_neg, at_kink), table)
    for _ in range(50):
        dc = (_t_of(c, per_c_pos, per_c_neg, at_kink) - t) / _node_density(c, per_c_pos, per_c_neg, at_kink)
        c -= dc
        if np.abs(dc).max() <= 1e-13 * (1.0 + np.abs(c).max()):
            break
    log_dc = -np.log(_node_density(c, per_c_pos, per_c_neg, at_kink))
    shift = -np.logaddexp(0.0, -c) / step
    base = np.floor(shift)
    weights = _lagrange_weights(shift - base, q)
    out = (c, log_dc, np.logaddexp(0.0, c), base.astype(np.int64), weights)
    for arr in out:
        arr.flags.writeable = False
    return out


def _c_nodes(c_lo: float, c_hi: float, per_c_pos: float, per_c_neg: float, at_kink: float, step: float,
             q: int) -> tuple[np.ndarray, ...]:
    """The cached nodes (see :func:`_node_chunk`) covering ``[c_lo, c_hi]``, nodes at integer ``t``."""
    first = math.floor(_t_scalar(c_lo, per_c_pos, per_c_neg, at_kink))
    last = math.ceil(_t_scalar(c_hi, per_c_pos, per_c_neg, at_kink))
    nodes = _node_range(per_c_pos, per_c_neg, at_kink, step, q, first // _NODE_CHUNK, last // _NODE_CHUNK)
    lo = first - (first // _NODE_CHUNK) * _NODE_CHUNK
    hi = lo + (last - first) + 1
    return tuple(arr[lo:hi] for arr in nodes)


@functools.lru_cache(maxsize=1024)
def _node_range(per_c_pos: float, per_c_neg: float, at_kink: float, step: float, q: int,
                first_chunk: int, last_chunk: int) -> tuple[np.ndarray, ...]:
    """Chunks ``first_chunk … last_chunk`` of :func:`_node_chunk`, concatenated (cached)."""
    chunks = [_node_chunk(per_c_pos, per_c_neg, at_kink, step, q, k) for k in range(first_chunk, last_chunk + 1)]
    out = tuple(np.concatenate([ch[i] for ch in chunks]) for i in range(5))
    for arr in out:
        arr.flags.writeable = False
    return out


def _quantised(x: float, per_octave: int) -> float:
    """Largest power of ``2^(1/per_octave)`` not above ``x``."""
    return 2.0 ** (math.floor(per_octave * math.log2(x)) / per_octave)


def _fold(density: _Density, m: float, s: float, scale: float, res: _Resolution) -> _Density:
    """Log-density of ``ln(e^A + e^B)``, ``A ~ density``, ``B ~ Normal(m, s^2)``, on ``density``'s step.

    ``scale`` is the local scale of ``A``'s log-density (for the node density in ``c``).
    """
    h = density.step
    q = res.stencil
    a_lo, a_hi = density.lo, density.hi
    b_lo, b_hi = m - res.tail_sd * s, m + res.tail_sd * s
    y_lo, y_hi = _logaddexp(a_lo, b_lo), _logaddexp(a_hi, b_hi)
    k_lo, k_hi = math.floor(y_lo / h), math.ceil(y_hi / h)
    y = np.arange(k_lo, k_hi + 1) * h
    c_lo = max(a_lo - b_hi, -_softplus_inv(y_hi - a_lo))
    c_hi = min(a_hi - b_lo, _softplus_inv(y_hi - b_lo))
    # node densities from scales rounded down to powers of 2^(1/8): more nodes, reusable
    c, log_dc, softplus_pos, col_base, weights = _c_nodes(
        c_lo, c_hi, res.nodes_per_sd / _quantised(s, 8), res.nodes_per_sd / _quantised(scale, 8),
        res.nodes_at_kink, h, q)
    n_c = c.size
    if y.size * n_c > MAX_FOLD_CELLS:
        raise ValueError(f"log-variance scales too far apart for the quadrature grid: one fold would need "
                         f"{y.size} x {n_c} cells (smallest scale {scale:.3g}, term s = {s:.3g})")
    # A = y - softplus(-c) sits at fractional index (y - softplus(-c)) / h - k0 of the
    # density: an integer shift per row plus the node's floor(-softplus(-c) / h) and
    # fraction, whose interpolation weights are the same for every row.
    padded = _padded(density.log_p, q)
    n_windows = padded.size - q + 1
    # interp[pad_lo + r, j]: log p_A at padded index r + q/2 - 1 + frac_j.  Row of (i, j):
    # row0 + i + col_base[j]; rows outside the windows read -inf (beyond the cut-off).
    row0 = (k_lo - density.k0) + q - (q // 2 - 1)
    pad_lo = max(0, -(row0 + int(col_base[0])))  # col_base increases with c
    pad_hi = max(0, row0 + y.size + int(col_base[-1]) - n_windows)
    interp = np.empty((pad_lo + n_windows + pad_hi, n_c))
    interp[:pad_lo] = -np.inf
    interp[pad_lo + n_windows:] = -np.inf
    np.matmul(padded[np.arange(n_windows)[:, None] + np.arange(q)], weights.T, out=interp[pad_lo:pad_lo + n_windows])
    interp_flat = interp.ravel()
    column = (col_base + (row0 + pad_lo)) * n_c + np.arange(n_c)  # flat index of row i = 0
    const = log_dc - math.log(s) - _LOG_SQRT_2PI
    centred = y - m
    half_inv_var = -0.5 / (s * s)
    p = np.empty(y.size)
    rows_per_block = max(1, _BLOCK_CELLS // n_c)
    for start in range(0, y.size, rows_per_block):
        stop = min(start + rows_per_block, y.size)
        ya, yb = y[start], y[stop - 1]
        # nodes where both factors can be non-negligible for some y in the block
        lo = max(_softplus_inv(ya - b_hi), -_softplus_inv(yb - a_lo))
        hi = min(_softplus_inv(yb - b_lo), -_softplus_inv(ya - a_hi))
        j0 = max(int(np.searchsorted(c, lo, side="left")) - 1, 0)
        j1 = min(int(np.searchsorted(c, hi, side="right")) + 1, n_c)
        if j1 <= j0:
            p[start:stop] = 0.0
            continue
        cells = np.subtract.outer(centred[start:stop], softplus_pos[j0:j1])
        cells *= cells
        cells *= half_inv_var
        cells += np.take(interp_flat, np.add.outer(np.arange(start, stop) * n_c, column[j0:j1]))
        cells += const[j0:j1]
        np.exp(cells, out=cells)
        p[start:stop] = cells.sum(axis=1)
    keep = np.flatnonzero(p >= res.trim * p.max())
    first, last = int(keep[0]), int(keep[-1])
    return _Density(k_lo + first, h, np.log(np.maximum(p[first:last + 1], np.finfo(float).tiny)))


# --------------------------------------------------------------------------- sums


def _fw_widths(m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Fenton-Wilkinson log-width of each partial sum ``sum_{k <= j}`` (docs/theory.md §3)."""
    var = s * s
    log_e = m + 0.5 * var
    log_m1 = np.logaddexp.accumulate(log_e)
    # ln V = ln sum_k e_k^2 (exp(s_k^2) - 1), ln(exp(x) - 1) = x + ln(1 - exp(-x))
    log_v = np.logaddexp.accumulate(2.0 * log_e + var + np.log(-np.expm1(-var)))
    return np.sqrt(np.logaddexp(0.0, log_v - 2.0 * log_m1))


def _step_for(scale: float, points_per_scale: float) -> float:
    """Grid step ``<= scale / points_per_scale``, a power of ``2^(1/4)`` (steps repeat across folds)."""
    return _quantised(scale / points_per_scale, 4)


def _fold_order(m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Widest terms first (then larger ``m + s^2/2``), so narrow terms refine only later folds."""
    return np.lexsort((-(m + 0.5 * s * s), -s))


#: largest grid index ``|y| / step`` the grid may use: beyond ``2^52`` neighbouring nodes ``k * step`` are no
#: longer distinct doubles (and numpy falls back to Python integers)
_MAX_GRID_INDEX = 2.0**52


def _sum_densities(m: np.ndarray, s: np.ndarray, res: _Resolution, keep: set[int]) -> dict[int, _Density]:
    """Log-densities of ``ln sum_{k < j} exp(G_k)`` on grids, for ``j`` in ``keep`` (terms in the given order)."""
    scales = np.minimum.accumulate(np.minimum(np.minimum(s, _fw_widths(m, s)), KINK_SCALE))
    reach = float(np.max(np.abs(m) + res.tail_sd * s)) + float(np.sum(s > 0))  # bounds |ln X| on every grid
    finest = _step_for(float(scales[-1]), res.points_per_scale)
    if reach / finest > _MAX_GRID_INDEX:
        raise ValueError(f"sigma: a log-weight standard deviation of {float(scales[-1]):.3g} is below the "
                         f"resolution of double precision at log-weights of magnitude {reach:.3g}: the "
                         "quadrature grid cannot resolve it (the term is constant to rounding)")
    out: dict[int, _Density] = {}
    density = _gaussian_density(float(m[0]), float(s[0]), _step_for(float(scales[0]), res.points_per_scale),
                                res.tail_sd)
    if 1 in keep:
        out[1] = density
    for k in range(1, m.size):
        step = _step_for(float(scales[k]), res.points_per_scale)
        span = max(density.hi, float(np.logaddexp(density.hi, m[k] + res.tail_sd * s[k]))) - density.lo
        if span / step > MAX_GRID_POINTS:
            raise ValueError(f"log-variance scales too far apart for the quadrature grid: a span of "
                             f"{span:.3g} nats at step {step:.3g} (smallest scale {scales[k]:.3g})")
        if step < density.step:
            density = _resample(density, step, res.stencil)
        density = _fold(density, float(m[k]), float(s[k]), float(scales[k - 1]), res)
        if k + 1 in keep:
            out[k + 1] = density
    return out


def _moments(density: _Density, log_const: float) -> tuple[float, float, float]:
    """``(h(X), h(ln X), E ln X)`` for ``ln X = logaddexp(S, log_const)``, ``S ~ density`` (trapezoid sums)."""
    p = np.exp(density.log_p)
    y = density.y
    total = p.sum()
    log_z = math.log(total * density.step)
    h_s = log_z - float(p @ density.log_p) / total
    mean_s = float(p @ y) / total
    if log_const == -math.inf:
        return h_s + mean_s, h_s, mean_s
    log_jacobian = -float(p @ np.logaddexp(0.0, log_const - y)) / total
    mean_log = float(p @ np.logaddexp(y, log_const)) / total
    return h_s + mean_s, h_s + log_jacobian, mean_log


def _refine_until(compute: Callable[[_Resolution], tuple[tuple[float, ...], int]], tol: float,
                  bounded: int | None = None) -> tuple[tuple[float, ...], float, int]:
    """Base, halved-step and widened-tail evaluations; halve again while the bound exceeds ``tol``.

    Returns the halved-step values, the error bound and the final grid size.  The
    bound is the sum of the two changes from the base, of component ``bounded``
    (of the largest over all components when ``None``), plus the rounding
    allowance (relative to the largest component).  Refinement stops early once
    the changes are within the rounding allowance: finer grids cannot do better.
    """
    res = _Resolution()
    base, _ = compute(res)
    for level in range(MAX_REFINEMENTS + 1):
        wide, _ = compute(res.widened())
        fine, n_grid = compute(res.refined())
        changes = [abs(f - b) + abs(w - b) for f, b, w in zip(fine, base, wide)]
        change = max(changes) if bounded is None else changes[bounded]
        rounding = ROUNDING_RTOL * max(1.0, *(abs(v) for v in fine))
        error = change + rounding
        if error <= tol or change <= rounding or level == MAX_REFINEMENTS:
            return tuple(float(v) for v in fine), float(error), n_grid
        res, base = res.refined(), fine
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- input checks


def _as_terms(log_means: Any, log_variances: Any) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, value in (("log_means", log_means), ("log_variances", log_variances)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric array: {exc}") from None
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} has non-finite entries (NaN or inf)")
        arrays.append(arr)
    m, v = arrays
    if m.size != v.size:
        raise ValueError(f"log_means and log_variances must have equal lengths, got {m.size} and {v.size}")
    if np.any(v < 0):
        raise ValueError(f"log_variances must be >= 0, got {v[v < 0][0]!r}")
    return m, v


def _check_tol(tol: Any) -> float:
    try:
        value = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"tol must be a positive number, got {tol!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    return value


# --------------------------------------------------------------------------- public API


def lognormal_sum_entropy(log_means: Any, log_variances: Any, *, tol: float = 1e-10) -> SumEntropy:
    """Differential entropy of a sum of independent log-normals (docs/theory.md §8).

    ``X = sum_k exp(G_k)`` with ``G_k ~ Normal(m_k, s_k^2)`` independent.  The
    density of ``ln X`` is built by folding the terms in one at a time with the
    exact one-dimensional integral of docs/theory.md §8; ``h(X) = h(ln X) + E[ln X]``.

    Parameters
    ----------
    log_means : array_like, shape (K,)
        ``m_k``, ``K >= 1``.
    log_variances : array_like, shape (K,)
        ``s_k^2 >= 0``.  Terms with ``s_k^2 = 0`` are the constants ``exp(m_k)``:
        they shift ``X`` (``h(X)`` is unchanged) and enter ``h(ln X)`` and
        ``E[ln X]`` through the exact change of variables.
    tol : float
        Target for the error bound: the resolution is doubled (at most
        ``MAX_REFINEMENTS`` times) while the bound exceeds it.

    Returns
    -------
    SumEntropy
        ``value = -inf`` (and ``log_entropy = -inf``) when every term is constant.

    Raises
    ------
    ValueError
        Naming the offending argument; also when the scales ``s_k`` are so far
        apart that the grid would exceed ``MAX_FOLD_CELLS`` cells.

    Examples
    --------
    >>> import math
    >>> r = lognormal_sum_entropy([0.5], [2.0])
    >>> abs(r.value - (0.5 + 0.5 * math.log(2 * math.pi * math.e * 2.0))) < 1e-12
    True
    """
    m, v = _as_terms(log_means, log_variances)
    tol = _check_tol(tol)
    constant = v == 0
    log_const = float(np.logaddexp.reduce(m[constant])) if constant.any() else -math.inf
    n_constant = int(constant.sum())
    if constant.all():
        return SumEntropy(value=-math.inf, log_entropy=-math.inf, mean_log=log_const, error=0.0,
                          n_grid=0, n_constant=n_constant)
    order = _fold_order(m[~constant], np.sqrt(v[~constant]))
    m_nc, s_nc = m[~constant][order], np.sqrt(v[~constant])[order]

    def compute(res: _Resolution) -> tuple[tuple[float, ...], int]:
        density = _sum_densities(m_nc, s_nc, res, {m_nc.size})[m_nc.size]
        return _moments(density, log_const), density.log_p.size

    with single_blas_thread():
        (value, log_entropy, mean_log), error, n_grid = _refine_until(compute, tol)
    return SumEntropy(value=value, log_entropy=log_entropy, mean_log=mean_log, error=error,
                      n_grid=n_grid, n_constant=n_constant)


def _checked_columns(log_means: Any, log_variances: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(m, var)`` as (K, n) arrays: each column one sum of ``K`` terms."""
    try:
        m = np.asarray(log_means, dtype=np.float64)
        v = np.asarray(log_variances, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"log_means and log_variances must be numeric arrays: {exc}") from None
    if m.ndim == 1:
        m = m[:, None]
    if v.ndim == 1:
        v = v[:, None]
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"log_means must be a non-empty array of shape (K,) or (K, n), got {np.shape(log_means)}")
    if v.shape != m.shape:
        raise ValueError(f"log_variances must have the shape of log_means {m.shape}, got {v.shape}")
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(v)) and np.all(v >= 0)):
        for column in range(m.shape[1]):
            _as_terms(m[:, column], v[:, column])  # finiteness and signs, naming the argument
    return m, v


def _checked_target(target: Any, n_terms: int) -> int:
    """``target`` as an index into ``n_terms`` terms, or ``ValueError`` naming it."""
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= int(target) < n_terms:
        raise ValueError(f"target must be an integer in [0, {n_terms}), got {target!r}")
    return int(target)


def _fold_sequence(m: np.ndarray, var: np.ndarray, varying_rest: np.ndarray, l: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Log-means and sds in folding order: the varying other terms (:func:`_fold_order`), then term ``l``.

    Constants shift ``w`` and ``w_rest`` alike and change neither entropy, so
    only varying terms are folded; ``w_rest`` is the fold of all but the last.
    """
    order = _fold_order(m[varying_rest], np.sqrt(var[varying_rest]))
    return np.append(m[varying_rest][order], m[l]), np.sqrt(np.append(var[varying_rest][order], var[l]))


def _sum_information(m: np.ndarray, var: np.ndarray, l: int, refine: bool, tol: float,
                     res: _Resolution = _Resolution()) -> tuple[float, float]:
    """``h(sum_k e^G_k) - h(sum_{k != l} e^G_k)`` and its error bound (``nan`` unrefined, at ``res``); see the caller."""
    if var[l] == 0:
        return 0.0, 0.0
    rest = np.arange(m.size) != l
    varying_rest = rest & (var > 0)
    if not varying_rest.any():
        return math.inf, 0.0
    seq_m, seq_s = _fold_sequence(m, var, varying_rest, l)
    n_rest = seq_m.size - 1

    def compute(res: _Resolution) -> tuple[tuple[float, ...], int]:
        dens = _sum_densities(seq_m, seq_s, res, {n_rest, n_rest + 1})
        return (_moments(dens[n_rest + 1], -math.inf)[0] - _moments(dens[n_rest], -math.inf)[0],), 0

    if not refine:
        return float(compute(res)[0][0]), math.nan
    (value,), error, _ = _refine_until(compute, tol)
    return float(value), float(error)


def lognormal_sum_information(log_means: Any, log_variances: Any, target: int, *, refine: bool = True,
                              tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """``h(X) - h(X - exp(G_target))`` for sums ``X`` of independent log-normals (docs/theory.md §8).

    Column ``a`` of the inputs describes one connection's weight
    ``w[a] = sum_k exp(G_k[a])``; its value is the single-connection
    information ``I(w[a] ; x_l)`` of docs/theory.md §8 with ``l = target``.  It
    works from the terms' log-moments alone (no case validation), so that a
    caller holding all connections of one validated case (:mod:`analytic.copula`)
    pays for the quadratures only.

    Parameters
    ----------
    log_means, log_variances : array_like, shape (K,) or (K, n)
        ``m_k[a]`` and ``s_k[a]^2 >= 0``, one column per sum.
    target : int
        Index of the term ``l`` in ``0 … K - 1``.
    refine : bool
        True: the value at halved step with the error bound of the module
        docstring (as :func:`single_connection_information`).  False: one
        evaluation at the base resolution and no bound (``error = nan``), about
        six times cheaper; it departed from the refined value by at most 3.7e-11
        nats on the 40 set-2/3 draws of benchmarks/bench_approximations.py.
        :func:`analytic.batched_folds.batched_sum_information` evaluates all
        columns at once at a coarser resolution (faster still, within 2.5e-7
        relative).
    tol : float
        As in :func:`lognormal_sum_entropy` (used only when ``refine``).

    Returns
    -------
    (values, errors) : tuple of ndarray, shape (n,)
        ``0`` where ``s_target[a] = 0``; ``inf`` where every other term of the
        column is constant (or ``K = 1``).

    Raises
    ------
    ValueError
        Naming the offending argument.
    """
    m, var = _checked_columns(log_means, log_variances)
    tol = _check_tol(tol)
    target = _checked_target(target, m.shape[0])
    values, errors = np.empty(m.shape[1]), np.empty(m.shape[1])
    with single_blas_thread():
        for a in range(m.shape[1]):
            values[a], errors[a] = _sum_information(m[:, a], var[:, a], target, bool(refine), tol)
    return values, errors


def single_connection_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any, *,
                                  tol: float = 1e-10) -> ExactResult:
    """Exact ``I(w ; x_l)`` for an ensemble of one connection (docs/theory.md §8).

    ``I = h(w) - h(w_rest)`` with both entropies from the density of the log of a
    sum of independent log-normals (:func:`lognormal_sum_entropy`'s algorithm;
    the density of ``ln w_rest`` is folded once and reused for ``ln w``).

    Parameters
    ----------
    mu : array_like, shape (N, d)
        Means of ``ln x_k``.
    sigma : array_like, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k``; one ``(d, d)`` matrix is shared by all patterns.
    ensemble : sequence of one (i, j) pair
        The connection, 0-based.
    pattern : int
        Target pattern ``l``, 0-based.
    tol : float
        Target for the error bound (see :func:`lognormal_sum_entropy`).

    Returns
    -------
    ExactResult
        ``value = 0`` when ``s_l = 0``; ``value = inf`` with status
        ``Status.INFINITE`` and an :class:`InfiniteInformationWarning` when
        ``N = 1`` or every other pattern's term is constant.

    Raises
    ------
    ValueError
        Malformed input (naming the argument, via ``validate_case``), or an
        ``ensemble`` of more than one connection.
    """
    start = time.perf_counter()
    case = validate_case(mu, sigma, ensemble, pattern)
    if case.n_connections != 1:
        raise ValueError(f"ensemble must hold exactly one connection for the exact single-connection "
                         f"information, got {case.n_connections}")
    tol = _check_tol(tol)
    m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    m = m[:, 0]
    var = np.broadcast_to(c[..., 0, 0], m.shape).astype(float)
    # s_k^2 = Sigma_ii + Sigma_jj + 2 Sigma_ij >= 0 for a PSD Sigma_k; below the rounding
    # error of that sum it is an exact zero
    i, j = case.ensemble[0]
    sig = case.sigma_stack()
    magnitude = np.abs(sig[:, i, i]) + np.abs(sig[:, j, j]) + 2.0 * np.abs(sig[:, i, j])
    var = np.where(var <= ROUNDING_RTOL * magnitude, 0.0, var)
    l = case.pattern
    rest = np.arange(m.size) != l
    varying_rest = rest & (var > 0)

    def result(value: float, error: float, h_w: float, h_rest: float, status: Status, reason: str) -> ExactResult:
        return ExactResult(value=value, error=error, h_w=h_w, h_rest=h_rest, status=status, reason=reason,
                           seconds=time.perf_counter() - start)

    if var[l] == 0:
        entropy = lognormal_sum_entropy(m[rest], var[rest], tol=tol) if rest.any() else None
        h = entropy.value if entropy is not None else -math.inf
        err = entropy.error if entropy is not None else 0.0
        return result(0.0, 0.0, h, h, Status.VALID,
                      f"s_l^2 = 0: z_l = exp({m[l]:.6g}) is a constant, w = w_rest + z_l carries no information "
                      f"about x_l (entropies known to {err:.2g})")
    if not varying_rest.any():
        entropy_w = lognormal_sum_entropy(m, var, tol=tol)
        why = "N = 1: w_rest is empty" if m.size == 1 else "every other pattern's term is constant (s_k^2 = 0)"
        reason = f"{why}, so z_l is recovered exactly from w and the information is infinite"
        warnings.warn(reason, InfiniteInformationWarning, stacklevel=2)
        return result(math.inf, 0.0, entropy_w.value, -math.inf, Status.INFINITE, reason)

    seq_m, seq_s = _fold_sequence(m, var, varying_rest, l)
    n_rest = seq_m.size - 1

    def compute(res: _Resolution) -> tuple[tuple[float, ...], int]:
        dens = _sum_densities(seq_m, seq_s, res, {n_rest, n_rest + 1})
        h_rest = _moments(dens[n_rest], -math.inf)[0]
        h_w = _moments(dens[n_rest + 1], -math.inf)[0]
        return (h_w - h_rest, h_w, h_rest), dens[n_rest + 1].log_p.size

    with single_blas_thread():
        # the bound is on I itself: h_w and h_rest share most of their discretisation error
        (value, h_w, h_rest), error, _ = _refine_until(compute, tol, bounded=0)
    return result(value, error, h_w, h_rest, Status.VALID,
                  f"exact by quadrature over {n_rest} varying other pattern(s); error bound {error:.2g} nats")


def exact_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any) -> float:
    """Exact ``I(w_S ; x_l)`` in nats where it is available: ensembles of one connection.

    Same signature as :func:`synmi.analytic.mutual_information`, so the
    validation harness can run it as an approximation (docs/theory.md §8).

    Returns
    -------
    float
        :func:`single_connection_information`'s value for ``n = 1`` (``inf`` with
        an :class:`InfiniteInformationWarning` when ``w_rest`` is constant);
        ``nan`` with an :class:`ApproximationUndefinedWarning` for ``n >= 2``.

    Raises
    ------
    ValueError
        Malformed input, naming the argument.
    """
    case = validate_case(mu, sigma, ensemble, pattern)
    if case.n_connections != 1:
        warnings.warn(f"the exact quadrature covers a single connection only; the ensemble has "
                      f"{case.n_connections}: returning nan", ApproximationUndefinedWarning, stacklevel=2)
        return math.nan
    with warnings.catch_warnings():
        # re-issued below with this function's caller as the location
        warnings.simplefilter("ignore", InfiniteInformationWarning)
        result = single_connection_information(case.mu, case.sigma, case.ensemble, case.pattern)
    if result.status is Status.INFINITE:
        warnings.warn(result.reason, InfiniteInformationWarning, stacklevel=2)
    return result.value
