"""The true information ``I(w_S ; x_l)`` with its evidence: one public function (docs/theory.md §§8-10).

:func:`true_information` is what the rest of synmi calls the *truth*:

* ``n = 1``: exact, by quadrature of the density of the log of a sum of
  independent log-normals (docs/theory.md §8, :mod:`synmi.analytic.exact`); the
  uncertainty is the quadrature's error bound (below ``1e-8`` nats).
* ``n >= 2``: the entropy difference ``h(w_S) - h(w_S^(-l))`` (docs/theory.md §2)
  with Kozachenko-Leonenko entropies of ``ln w_S`` and ``ln w_S^(-l)`` on common
  random numbers, Euclidean norm, at two neighbour orders, on a **sample-size
  ladder** (docs/theory.md §9.1).  The change-of-variables term
  ``E[sum_a ln(1 + z_l[a] / w_S^(-l)[a])]`` is a plain mean; it comes from one
  separate, larger sample shared by every rung (docs/theory.md §9).

Resolution rule (docs/theory.md §9.1)
-------------------------------------
At each rung ``M`` (each 4 times the last) the kNN part is averaged over
``replicates`` independent samples.  With ``v(M, k)`` the rung's value at order
``k``, ``M*`` the top rung, ``M'`` the one below and ``k0, k1`` the two orders:

* ``value = v(M*, k0)`` (the largest-M value; no extrapolation);
* ``drift = |v(M*, k0) - v(M', k0)|`` bounds the bias left at ``M*`` (kNN
  biases shrink as ``M`` grows, so the bias at ``M*`` is at most the last change);
* ``order_gap = |v(M*, k0) - v(M*, k1)|``: two orders with different biases
  must agree when the bias is gone;
* ``half_width = t_{0.975} * stderr + max(drift, order_gap)``, the interval
  ``value -+ half_width``;
* ``resolved`` when ``half_width <= max(precision * |value|, atol)``.

If the first ladder does not resolve, it is extended by one rung (``4 M*``)
at a time up to ``max_samples``.  A truth that does not resolve keeps its wide,
honest interval and ``resolved = False``.

Cross-check (docs/theory.md §§10, 10.1)
---------------------------------------
``"rao_blackwell"``: the partition-of-unity density estimator, independent of
the kNN machinery, where its own diagnostics allow (positive-definite
``C Sigma_m C^T`` for every pattern, enough effective samples per point).
Where it stands aside: ``"gaussian_surrogate"``, the bias of the primary at the
case's own dimension, top rung and order on the jointly Gaussian surrogate with
the case's log-scale covariance (known truth); it agrees when that bias lies
inside the primary's interval.  KSG is not a cross-check (docs/theory.md §9).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from ..analytic.exact import single_connection_information
from ..analytic.fenton_wilkinson import connection_log_moments
from ..analytic.inputs import Case, validate_case
from ..analytic.support import infinite_information_reason
from ._checks import check_int, check_jobs, child, generator, root_sequence
from .copula import copula_replicate, gaussian_part, marginal_informations
from .estimate import _prepared
from .estimators import kl_entropies
from .sampling import DEFAULT_CHUNK_SIZE, _factor, _sample_case

__all__ = ["TRUTH_VERSION", "LadderRung", "CrossCheck", "TrueInformation", "true_information",
           "cross_check_truth", "entropy_difference_ladder"]

#: bump when the truth's definition or estimator changes: committed truth tables are keyed by it
TRUTH_VERSION = "2"
#: default sample-size ladder (each rung 4x the last) and its largest extension
DEFAULT_LADDER = (625, 2_500, 10_000)
DEFAULT_MAX_SAMPLES = 40_000
DEFAULT_ORDERS = (3, 8)
#: default precision of a resolved truth: relative, and the absolute floor in nats
DEFAULT_PRECISION = 0.02
DEFAULT_ATOL = 0.01
#: draws of the Gaussian part of the copula decomposition over all replicates, per draw of the top rung
#: (docs/theory.md §9.2): 20 x 10_000 = 200_000 for the default ladder
GAUSSIAN_SAMPLES_PER_TOP_DRAW = 20
PRIMARY_METHODS = ("copula", "entropy_difference")
CROSS_CHECKS = ("auto", "entropy_difference", "rao_blackwell", "gaussian_surrogate", "none")


@dataclass(frozen=True)
class LadderRung:
    """One rung of the sample-size ladder: the entropy difference at ``n_samples`` draws.

    ``values[t]`` and ``stderrs[t]`` belong to neighbour order ``orders[t]``; each
    value is the mean over replicates of the kNN part plus the change-of-variables term.
    """

    n_samples: int
    orders: tuple
    values: tuple
    stderrs: tuple
    replicate_values: tuple
    seconds: float


@dataclass(frozen=True)
class CrossCheck:
    """An independent check of a truth (docs/theory.md §§10, 10.1).

    ``method`` is ``"rao_blackwell"``, ``"gaussian_surrogate"``, ``"exact"`` (n = 1:
    nothing to check against but the quadrature's own refinement) or ``"none"``.
    ``agree`` is None when no check ran.
    """

    method: str
    value: float = float("nan")
    stderr: float = float("nan")
    agree: bool | None = None
    reason: str = ""
    diagnostics: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class TrueInformation:
    """The true ``I(w_S ; x_l)`` in nats with its evidence.

    Attributes
    ----------
    value : float
        Exact (``n = 1``) or the top rung's entropy difference (``n >= 2``).
    stderr : float
        Replicate standard error at the top rung (the change-of-variables term's
        included); the quadrature error bound for ``n = 1``.
    ci_low, ci_high : float
        ``value -+ half_width`` (module docstring): noise *and* the ladder's
        drift and order gap, so an unresolved truth has a wide interval.
    method : str
        ``"exact_quadrature"`` or ``"entropy_difference_ladder"`` (or ``"infinite"``).
    resolved : bool
        Whether the truth is known to the requested precision.
    precision, atol : float
        The requested relative precision and absolute floor.
    drift, order_gap : float
        The ladder's last change and the gap between neighbour orders (0 for ``n = 1``).
    error_bound : float
        The quadrature's error bound (``n = 1``), else ``nan``.
    ladder : tuple of LadderRung
    cross_check : CrossCheck
    seconds : float
    version : str
        :data:`TRUTH_VERSION`.
    """

    value: float
    stderr: float
    ci_low: float
    ci_high: float
    method: str
    resolved: bool
    precision: float
    atol: float
    drift: float = 0.0
    order_gap: float = 0.0
    error_bound: float = float("nan")
    ladder: tuple = ()
    cross_check: CrossCheck = field(default_factory=lambda: CrossCheck("none"))
    seconds: float = 0.0
    version: str = TRUTH_VERSION
    components: dict = field(default_factory=dict)
    reason: str = ""

    @property
    def half_width(self) -> float:
        """Half the width of ``[ci_low, ci_high]``."""
        return 0.5 * (self.ci_high - self.ci_low)

    def evidence(self) -> dict[str, Any]:
        """The evidence as plain data (for tables and JSON)."""
        return {
            "method": self.method, "resolved": self.resolved, "precision": self.precision, "atol": self.atol,
            "drift": self.drift, "order_gap": self.order_gap, "error_bound": self.error_bound,
            "ladder": [{"n_samples": r.n_samples, "orders": list(r.orders), "values": list(r.values),
                        "stderrs": list(r.stderrs)} for r in self.ladder],
            "cross_check": {"method": self.cross_check.method, "value": self.cross_check.value,
                            "stderr": self.cross_check.stderr, "agree": self.cross_check.agree,
                            "reason": self.cross_check.reason, **self.cross_check.diagnostics},
            "version": self.version, "components": dict(self.components), "reason": self.reason,
        }


# --------------------------------------------------------------------------- checks


def _check_fraction(value: Any, name: str, low: float = 0.0, high: float = math.inf) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (low < v < high):
        raise ValueError(f"{name} must be in ({low}, {high}), got {value!r}")
    return v


def check_ladder(ladder: Any, orders: tuple[int, ...]) -> tuple[int, ...]:
    """A sample-size ladder of at least 3 rungs, each at least 4x the last (docs/theory.md §9.1); ValueError naming ``ladder``."""
    try:
        rungs = tuple(ladder)
    except TypeError:
        raise ValueError(f"ladder must be a sequence of sample sizes, got {ladder!r}") from None
    if len(rungs) < 3:
        raise ValueError(f"ladder needs at least 3 rungs to show convergence, got {len(rungs)}")
    rungs = tuple(check_int(m, "ladder", max(orders) + 2) for m in rungs)
    if any(b < 4 * a for a, b in zip(rungs, rungs[1:])):
        raise ValueError(f"ladder rungs must each be at least 4x the last, got {rungs}")
    return rungs


def check_orders(orders: Any) -> tuple[int, ...]:
    """Two different neighbour orders; ValueError naming ``orders``."""
    try:
        ks = tuple(orders)
    except TypeError:
        raise ValueError(f"orders must be two neighbour orders, got {orders!r}") from None
    if len(ks) != 2:
        raise ValueError(f"orders must be two neighbour orders, got {orders!r}")
    ks = tuple(check_int(k, "orders", 1) for k in ks)
    if ks[0] == ks[1]:
        raise ValueError(f"orders must be two different neighbour orders, got {orders!r}")
    return ks


# --------------------------------------------------------------------------- the ladder


def _log_change_term(case: Case, n_samples: int, root: np.random.SeedSequence, n_jobs: int) -> tuple[float, float]:
    """``E[sum_a ln(1 + z_l[a] / w_rest[a])]`` and its standard error, from a separate sample."""
    _, z, rest = _sample_case(case, n_samples, root, DEFAULT_CHUNK_SIZE, n_jobs)
    terms = np.log1p(z / rest).sum(axis=1)
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n_samples))


def _knn_difference(x: np.ndarray, y: np.ndarray, orders: tuple[int, ...], rng: np.random.Generator,
                    n_jobs: int) -> np.ndarray:
    """``h(x) - h(y)`` at each order (Euclidean Kozachenko-Leonenko), each side z-scored and jittered
    exactly as :func:`estimate_mi` prepares its data (``sum ln sd`` added back)."""
    (u, su), (v, sv) = _prepared(x, rng), _prepared(y, rng)
    return kl_entropies(u, orders, n_jobs) + su - kl_entropies(v, orders, n_jobs) - sv


def entropy_difference_ladder(case: Case, ladder: tuple[int, ...], orders: tuple[int, ...], replicates: int,
                              log_change: tuple[float, float], root: np.random.SeedSequence,
                              n_jobs: int = 1, first_rung: int = 0) -> list[LadderRung]:
    """The rungs of the ladder for a validated case (module docstring).

    Rung ``r`` (counting from ``first_rung``) replicate ``j`` draws from child
    ``(10, r, j)`` of ``root`` and jitters from child ``(11, r, j)``, so an
    extended ladder repeats the rungs it already had exactly.
    """
    term, term_se = log_change
    rungs = []
    for r, m in enumerate(ladder, start=first_rung):
        t0 = time.perf_counter()
        reps = []
        for j in range(replicates):
            w, _, rest = _sample_case(case, m, child(root, 10, r, j), DEFAULT_CHUNK_SIZE, n_jobs)
            reps.append(_knn_difference(np.log(w), np.log(rest), orders, generator(child(root, 11, r, j)), n_jobs))
        arr = np.asarray(reps)  # (replicates, orders)
        se = arr.std(axis=0, ddof=1) / math.sqrt(replicates)
        rungs.append(LadderRung(n_samples=m, orders=orders, values=tuple(float(v) for v in arr.mean(axis=0) + term),
                                stderrs=tuple(float(s) for s in np.hypot(se, term_se)),
                                replicate_values=tuple(tuple(float(v) for v in row) for row in arr + term),
                                seconds=time.perf_counter() - t0))
    return rungs


def _resolution(rungs: list[LadderRung], replicates: int, precision: float, atol: float):
    top, below = rungs[-1], rungs[-2]
    value = top.values[0]
    drift = abs(value - below.values[0])
    order_gap = abs(value - top.values[1])
    t = float(stats.t.ppf(0.975, replicates - 1))
    half = t * top.stderrs[0] + max(drift, order_gap)
    return value, drift, order_gap, half, bool(half <= max(precision * abs(value), atol))


# --------------------------------------------------------------------------- cross-checks


def _gaussian_surrogate_check(case: Case, value: float, half: float, n_samples: int, orders: tuple[int, ...],
                              replicates: int, root: np.random.SeedSequence, n_jobs: int) -> CrossCheck:
    """Bias of the primary on the case's Gaussian surrogate at the same dimension, rung and order."""
    t0 = time.perf_counter()
    w, _, rest = _sample_case(case, n_samples, child(root, 0), DEFAULT_CHUNK_SIZE, n_jobs)
    n = case.n_connections
    cov = np.cov(np.hstack([np.log(w), np.log(rest)]), rowvar=False)
    del w, rest
    lam = np.linalg.eigvalsh(cov)
    if not lam[0] > 1e-12 * lam[-1]:
        return CrossCheck("gaussian_surrogate", reason="the log-scale covariance is singular",
                          seconds=time.perf_counter() - t0)
    logdet = lambda c: float(np.linalg.slogdet(c)[1])  # noqa: E731
    truth = 0.5 * (logdet(cov[:n, :n]) - logdet(cov[n:, n:]))
    factor = _factor(cov)
    biases = []
    for j in range(replicates):
        g = generator(child(root, 1, j)).standard_normal((n_samples, factor.shape[1])) @ factor.T
        est = _knn_difference(g[:, :n], g[:, n:], orders[:1], generator(child(root, 2, j)), n_jobs)[0]
        biases.append(est - truth)
    bias = float(np.mean(biases))
    bias_se = float(np.std(biases, ddof=1) / math.sqrt(replicates)) if replicates > 1 else float("nan")
    agree = bool(abs(bias) <= half)
    return CrossCheck("gaussian_surrogate", value=value - bias, stderr=bias_se, agree=agree,
                      reason=f"surrogate bias {bias:+.4f} nats at n = {n}, M = {n_samples}, k = {orders[0]}",
                      diagnostics={"surrogate_bias": bias, "surrogate_truth": truth},
                      seconds=time.perf_counter() - t0)


def _rao_blackwell_check(case: Case, value: float, stderr: float, bias_bound: float,
                         root: np.random.SeedSequence, n_jobs: int) -> CrossCheck | None:
    """The Rao-Blackwellised density estimator where its diagnostics allow it, else None."""
    from .rao_blackwell import DEFAULT_N_SAMPLES, rao_blackwell_mi

    t0 = time.perf_counter()
    # A pilot at 1/8 of the draws: an effective sample size grows in proportion to the draws, so a
    # point whose pilot ESS is below min_ess / 8 is predicted to fail at full size.  Where more points
    # than allowed are predicted to fail, the estimator stands aside without the full (costly) run.
    pilot = rao_blackwell_mi(case.mu, case.sigma, case.ensemble, case.pattern, seed=child(root, 9),
                             n_samples=DEFAULT_N_SAMPLES // 8, n_points=200, n_control=2**16,
                             min_ess=20.0 / 8, n_jobs=n_jobs)
    if not pilot.usable:
        return None
    rb = rao_blackwell_mi(case.mu, case.sigma, case.ensemble, case.pattern, seed=root, n_jobs=n_jobs)
    diag = {"min_ess": rb.min_ess, "median_ess": rb.median_ess, "frac_low_ess": rb.frac_low_ess}
    if not rb.usable:
        return None
    # both estimators' noise at 95 %, plus the primary's own bias bound (drift, order gap)
    tol = float(stats.norm.ppf(0.975)) * math.hypot(stderr, rb.stderr) + bias_bound
    return CrossCheck("rao_blackwell", value=rb.value, stderr=rb.stderr, agree=bool(abs(rb.value - value) <= tol),
                      reason=f"|difference| {abs(rb.value - value):.4f} against tolerance {tol:.4f}",
                      diagnostics=diag, seconds=time.perf_counter() - t0)


def _entropy_difference_check(case: Case, value: float, half: float, ladder: tuple[int, ...],
                              orders: tuple[int, ...], replicates: int, root: np.random.SeedSequence,
                              n_jobs: int) -> CrossCheck:
    """The entropy-difference ladder (docs/theory.md §9.1) as an independent value of the same truth.

    Same ladder, orders and replicates, its own draws, no extension.  Agree
    when the two intervals overlap: ``|difference| <= half_primary + half_check``
    (each half-width is noise at 95 % plus its own bias bound).
    """
    t0 = time.perf_counter()
    log_change = _log_change_term(case, 4 * ladder[-1], child(root, 1), n_jobs)
    rungs = entropy_difference_ladder(case, ladder, orders, replicates, log_change, root, n_jobs)
    other, drift, gap, other_half, resolved = _resolution(rungs, replicates, 1.0, 0.0)
    tol = half + other_half
    return CrossCheck("entropy_difference", value=other, stderr=rungs[-1].stderrs[0],
                      agree=bool(abs(other - value) <= tol),
                      reason=f"|difference| {abs(other - value):.4f} against tolerance {tol:.4f} "
                             f"(half-widths {half:.4f} + {other_half:.4f})",
                      diagnostics={"half_width": other_half, "drift": drift, "order_gap": gap,
                                   "n_samples": ladder[-1]},
                      seconds=time.perf_counter() - t0)


def _cross_check(case: Case, value: float, stderr: float, bias_bound: float, n_samples: int,
                 orders: tuple[int, ...], replicates: int, method: str, root: np.random.SeedSequence,
                 n_jobs: int, ladder: tuple[int, ...] | None = None,
                 check_replicates: int | None = None) -> CrossCheck:
    if method == "none":
        return CrossCheck("none")
    half = float(stats.t.ppf(0.975, replicates - 1)) * stderr + bias_bound
    check = CrossCheck("none")
    if method in ("auto", "rao_blackwell"):
        check = _rao_blackwell_check(case, value, stderr, bias_bound, child(root, 2), n_jobs) or CrossCheck(
            "rao_blackwell", reason="stood aside: its diagnostics failed")
    if method == "entropy_difference" or (method == "auto" and check.agree is None):
        rungs = ladder or (n_samples // 16, n_samples // 4, n_samples)
        check = _entropy_difference_check(case, value, half, tuple(rungs), orders, check_replicates or replicates,
                                          child(root, 4), n_jobs)
    if method == "gaussian_surrogate":
        check = _gaussian_surrogate_check(case, value, half, n_samples, orders, replicates, child(root, 3), n_jobs)
    return check


def cross_check_truth(mu: Any, sigma: Any, ensemble: Any, pattern: Any, truth: TrueInformation, *,
                      method: str = "auto", seed: Any = 0, n_jobs: Any = 1, replicates: Any = None) -> CrossCheck:
    """Check an ensemble truth with an independent estimator (docs/theory.md §§9.1, 10, 11.1).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case the truth belongs to.
    truth : TrueInformation
        From :func:`true_information` (``n >= 2``, with its ladder).
    method : {"auto", "entropy_difference", "rao_blackwell", "gaussian_surrogate"}
        As ``cross_check`` of :func:`true_information`.
    seed : int, SeedSequence or numpy Generator
        Use another seed than the truth's for an independent check.
    n_jobs : int
    replicates : int, optional
        Replicates of the check's own estimator (default: as many as the
        truth's top rung; the check's interval is its own either way).

    Returns
    -------
    CrossCheck
    """
    case = validate_case(mu, sigma, ensemble, pattern)
    if method not in CROSS_CHECKS or method == "none":
        raise ValueError(f"method must be one of {[m for m in CROSS_CHECKS if m != 'none']}, got {method!r}")
    if not isinstance(truth, TrueInformation) or not truth.ladder:
        raise ValueError("truth must be an ensemble TrueInformation with its ladder (n >= 2)")
    top = truth.ladder[-1]
    reps = len(top.replicate_values)
    check_reps = reps if replicates is None else check_int(replicates, "replicates", 2)
    return _cross_check(case, truth.value, truth.stderr, max(truth.drift, truth.order_gap), top.n_samples,
                        tuple(top.orders), reps, method, root_sequence(seed),
                        check_jobs(n_jobs), ladder=tuple(r.n_samples for r in truth.ladder[-3:]),
                        check_replicates=check_reps)


# --------------------------------------------------------------------------- the public function


def _exact_truth(case: Case, precision: float, atol: float, start: float) -> TrueInformation:
    res = single_connection_information(case.mu, case.sigma, case.ensemble, case.pattern)
    err = float(res.error)
    value = float(res.value)
    if math.isinf(value):
        return TrueInformation(value=value, stderr=0.0, ci_low=value, ci_high=value, method="infinite",
                               resolved=True, precision=precision, atol=atol, error_bound=0.0,
                               cross_check=CrossCheck("exact", reason=res.reason),
                               seconds=time.perf_counter() - start)
    return TrueInformation(value=value, stderr=err, ci_low=value - err, ci_high=value + err,
                           method="exact_quadrature", resolved=bool(err <= max(precision * abs(value), atol)),
                           precision=precision, atol=atol, error_bound=err,
                           cross_check=CrossCheck("exact", reason="quadrature error bound from step and tail "
                                                                  "refinement"),
                           seconds=time.perf_counter() - start)


def _infinite_truth(reason: str, precision: float, atol: float, start: float) -> TrueInformation:
    return TrueInformation(value=math.inf, stderr=0.0, ci_low=math.inf, ci_high=math.inf, method="infinite",
                           resolved=True, precision=precision, atol=atol, error_bound=0.0,
                           cross_check=CrossCheck("exact", reason="decided before sampling (docs/theory.md §4.1)"),
                           seconds=time.perf_counter() - start, reason=reason)


def _informative_connections(case: Case) -> Case:
    """The case without connections whose weight is constant (zero log-variance in every pattern).

    A constant weight carries no information and adds nothing to the others'
    (``I(w_S ; x_l) = I(w_S' ; x_l)`` with ``S'`` the rest), while it would make
    every density in ``R^n`` degenerate.
    """
    _, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
    var = np.diagonal(c, axis1=-2, axis2=-1).reshape(-1, case.n_connections)
    keep = np.flatnonzero(np.max(var, axis=0) > 0)
    if keep.size == case.n_connections:
        return case
    return Case(case.mu, case.sigma, case.ensemble[keep], case.pattern, dict(case.meta))


def _copula_rungs(ladder: tuple[int, ...], orders: tuple[int, ...], brackets: np.ndarray, gaussian: np.ndarray,
                  constant: float, constant_error: float, seconds: float) -> list[LadderRung]:
    """Rungs from the replicates' brackets ``(replicates, rungs, orders)`` and Gaussian parts ``(replicates,)``.

    The rungs are nested (docs/theory.md §9.2), so the top rung carries all the time.
    """
    replicates = brackets.shape[0]
    per = brackets + gaussian[:, None, None] + constant
    se = np.hypot(per.std(axis=0, ddof=1) / math.sqrt(replicates), constant_error)
    return [LadderRung(n_samples=m, orders=orders, values=tuple(float(v) for v in per[:, t].mean(axis=0)),
                       stderrs=tuple(float(v) for v in se[t]),
                       replicate_values=tuple(tuple(float(v) for v in row) for row in per[:, t]),
                       seconds=seconds if t == len(ladder) - 1 else 0.0)
            for t, m in enumerate(ladder)]


def _copula_truth(case: Case, rungs_wanted: tuple[int, ...], max_samples: int, orders: tuple[int, ...],
                  replicates: int, max_replicates: int, gaussian_samples: int, precision: float, atol: float,
                  root: np.random.SeedSequence, n_jobs: int) -> tuple[list[LadderRung], dict[str, float]]:
    """The copula decomposition on a nested ladder that grows where the evidence says (docs/theory.md §9.2).

    While unresolved, the replicates are doubled first (up to
    ``max_replicates``; each new replicate has its own seeds, the old ones are
    kept), then the ladder is extended by 4x (up to ``max_samples``; the rungs
    below reproduce exactly).  Replicates first because they are cheap (the
    top rung's kNN costs ~ M^2 from 7 dimensions up) and because, measured on
    the report's draws at n = 7-8, the drift between the two top rungs was
    the lower rung's noise, which replicates shrink, not bias: going on from
    1e4 to 4e4 draws moved the value by at most 0.006 nats where that drift
    had reached 0.03.
    """
    t0 = time.perf_counter()
    marginals, marginal_errors = marginal_informations(case)
    constant, constant_error = float(marginals.sum()), float(marginal_errors.sum())
    per_replicate = max(gaussian_samples // replicates, 4 * case.n_connections)

    def gaussian_of(j: int) -> float:
        return gaussian_part(case, per_replicate, child(root, 21, j), n_jobs)

    def bracket_of(j: int, ladder: tuple[int, ...]) -> np.ndarray:
        return copula_replicate(case, ladder, orders, child(root, 20, j), n_jobs)

    ladder = rungs_wanted
    gaussian = np.array([gaussian_of(j) for j in range(replicates)])
    if not np.all(np.isfinite(gaussian)):
        raise ValueError("the normal scores' correlation is singular: the copula has no density")
    brackets = np.stack([bracket_of(j, ladder) for j in range(replicates)])
    while True:
        rungs = _copula_rungs(ladder, orders, brackets, gaussian, constant, constant_error,
                              time.perf_counter() - t0)
        _, drift, gap, half, resolved = _resolution(rungs, len(gaussian), precision, atol)
        if resolved:
            break
        if 2 * len(gaussian) <= max_replicates:
            new = range(len(gaussian), 2 * len(gaussian))
            gaussian = np.concatenate([gaussian, [gaussian_of(j) for j in new]])
            brackets = np.concatenate([brackets, np.stack([bracket_of(j, ladder) for j in new])])
        elif 4 * ladder[-1] <= max_samples:
            ladder = ladder + (4 * ladder[-1],)
            brackets = np.stack([bracket_of(j, ladder) for j in range(len(gaussian))])
        else:
            break
    top = rungs[-1].values[0]
    components = {"marginal_sum": constant, "marginal_error": constant_error,
                  "gaussian_part": float(gaussian.mean()),
                  "gaussian_stderr": float(gaussian.std(ddof=1) / math.sqrt(len(gaussian))),
                  "bracket": top - constant - float(gaussian.mean()), "gaussian_samples": per_replicate * len(gaussian),
                  "replicates": len(gaussian)}
    return rungs, components


def _entropy_difference_truth(case: Case, rungs_wanted: tuple[int, ...], max_samples: int, orders: tuple[int, ...],
                              replicates: int, log_change_samples: int, precision: float, atol: float,
                              root: np.random.SeedSequence, n_jobs: int) -> list[LadderRung]:
    log_change = _log_change_term(case, log_change_samples, child(root, 1), n_jobs)
    rungs = entropy_difference_ladder(case, rungs_wanted, orders, replicates, log_change, root, n_jobs)
    while not _resolution(rungs, replicates, precision, atol)[-1] and 4 * rungs[-1].n_samples <= max_samples:
        rungs += entropy_difference_ladder(case, (4 * rungs[-1].n_samples,), orders, replicates, log_change, root,
                                           n_jobs, first_rung=len(rungs))
    return rungs


def true_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any, *, seed: Any = 0,
                     precision: Any = DEFAULT_PRECISION, atol: Any = DEFAULT_ATOL, ladder: Any = DEFAULT_LADDER,
                     max_samples: Any = DEFAULT_MAX_SAMPLES, orders: Any = DEFAULT_ORDERS, replicates: Any = 5,
                     max_replicates: Any = None, method: str = "copula", gaussian_samples: Any = None,
                     log_change_samples: Any = None, cross_check: str = "auto", n_jobs: Any = 1) -> TrueInformation:
    """The true ``I(w_S ; x_l)`` in nats, with its uncertainty, convergence and cross-check.

    In order (docs/theory.md §§4.1, 8, 11.1):

    1. an infinite information is decided exactly, before any sampling
       (``N = 1``, or a support of ``w_S^(-l)`` of dimension below ``n``):
       ``value = inf``, ``method = "infinite"``, with the ``reason``;
    2. connections whose weight is constant are dropped (they carry nothing);
    3. one connection: exact by quadrature;
    4. an ensemble: the copula decomposition (``method="copula"``, the default)
       ``sum_a I(w_a ; x_l) - TC(w_S) + TC(w_S^(-l))`` with exact marginal
       terms, the Gaussian part from its own sample and the kNN bracket on a
       nested sample-size ladder with replicates and two orders; or the
       entropy-difference ladder (``method="entropy_difference"``, docs/theory.md §9.1).

    Resolution rule (both methods): ``value = v(M*, k0)``;
    ``half_width = t_{0.975} * stderr + max(drift, order_gap)`` with ``drift``
    the change over the last 4x in ``M`` and ``order_gap`` between the two
    orders; ``resolved`` when ``half_width <= max(precision * |value|, atol)``;
    otherwise the ladder is extended 4x at a time up to ``max_samples``.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case (``mu`` shape ``(N, d)``, ``sigma`` ``(N, d, d)`` or ``(d, d)``,
        0-based ``(i, j)`` pairs, pattern index), validated as everywhere in synmi.
    seed : int, SeedSequence or numpy Generator
        Root of all randomness; the same seed gives the same numbers whatever ``n_jobs``.
    precision : float
        Requested relative precision of a resolved truth (default 2 %).
    atol : float
        Absolute floor of the precision in nats (default 0.01).
    ladder : sequence of int
        Sample sizes, at least 3 rungs, each at least 4x the last.
    max_samples : int
        Largest rung the ladder may be extended to when it has not resolved.
    orders : pair of int
        Neighbour orders; the first gives the value, the second the order gap.
    replicates : int
        Independent samples per rung (>= 2).
    max_replicates : int, optional
        The copula decomposition doubles its replicates up to this number where
        noise, not bias, keeps a truth unresolved (default ``4 * replicates``;
        ``replicates``: never).
    method : {"copula", "entropy_difference"}
        The primary estimator of an ensemble truth.
    gaussian_samples : int, optional
        Draws of the copula's Gaussian part, over all replicates (default
        ``20 * ladder[-1]``: its noise then stays below the bracket's).
    log_change_samples : int, optional
        Size of the separate sample of the entropy difference's
        change-of-variables term (default ``4 * max_samples``).
    cross_check : {"auto", "entropy_difference", "rao_blackwell", "gaussian_surrogate", "none"}
        ``"auto"``: the Rao-Blackwellised estimator where its diagnostics allow,
        else the entropy-difference ladder (docs/theory.md §§9.1, 10).
    n_jobs : int
        Threads (``-1``: all CPUs).

    Returns
    -------
    TrueInformation

    Raises
    ------
    ValueError
        Malformed input, naming the argument.
    """
    start = time.perf_counter()
    case = validate_case(mu, sigma, ensemble, pattern)
    precision = _check_fraction(precision, "precision", 0.0, 1.0)
    atol = _check_fraction(atol, "atol", 0.0)
    orders = check_orders(orders)
    rungs_wanted = check_ladder(ladder, orders)
    max_samples = check_int(max_samples, "max_samples", rungs_wanted[-1])
    replicates = check_int(replicates, "replicates", 2)
    max_replicates = check_int(4 * replicates if max_replicates is None else max_replicates, "max_replicates",
                               replicates)
    n_jobs = check_jobs(n_jobs)
    if method not in PRIMARY_METHODS:
        raise ValueError(f"method must be one of {list(PRIMARY_METHODS)}, got {method!r}")
    if cross_check not in CROSS_CHECKS:
        raise ValueError(f"cross_check must be one of {list(CROSS_CHECKS)}, got {cross_check!r}")
    gaussian_samples = check_int(GAUSSIAN_SAMPLES_PER_TOP_DRAW * rungs_wanted[-1] if gaussian_samples is None
                                 else gaussian_samples, "gaussian_samples", 2 * replicates)
    log_change_samples = check_int(4 * max_samples if log_change_samples is None else log_change_samples,
                                   "log_change_samples", 2)
    informative = _informative_connections(case)
    reason = infinite_information_reason(informative) if informative.n_connections else None
    if reason is not None:
        return _infinite_truth(reason, precision, atol, start)
    if informative.n_connections == 0:
        return TrueInformation(value=0.0, stderr=0.0, ci_low=0.0, ci_high=0.0, method="exact_zero", resolved=True,
                               precision=precision, atol=atol, error_bound=0.0, seconds=time.perf_counter() - start,
                               reason="every weight of the ensemble is constant")
    if informative.n_connections == 1:
        return _exact_truth(informative, precision, atol, start)
    root = root_sequence(seed)
    components: dict[str, float] = {}
    used, note = method, ""
    if method == "copula":
        try:
            rungs, components = _copula_truth(informative, rungs_wanted, max_samples, orders, replicates,
                                              max_replicates, gaussian_samples, precision, atol, root, n_jobs)
        except ValueError as exc:  # a degenerate copula: the entropy difference needs no correlation matrix
            used, note = "entropy_difference", f"copula decomposition impossible ({exc}); entropy difference used"
    if used == "entropy_difference":
        rungs = _entropy_difference_truth(informative, rungs_wanted, max_samples, orders, replicates,
                                          log_change_samples, precision, atol, root, n_jobs)
    used_replicates = len(rungs[-1].replicate_values)
    value, drift, gap, half, resolved = _resolution(rungs, used_replicates, precision, atol)
    stderr = rungs[-1].stderrs[0]
    check = _cross_check(informative, value, stderr, max(drift, gap), rungs[-1].n_samples, orders, used_replicates,
                         cross_check, root, n_jobs, ladder=tuple(r.n_samples for r in rungs[-3:]),
                         check_replicates=replicates)
    return TrueInformation(value=value, stderr=stderr, ci_low=value - half, ci_high=value + half,
                           method="copula_decomposition" if used == "copula" else "entropy_difference_ladder",
                           resolved=resolved, precision=precision, atol=atol, drift=drift, order_gap=gap,
                           ladder=tuple(rungs), cross_check=check, seconds=time.perf_counter() - start,
                           components=components, reason=note)
