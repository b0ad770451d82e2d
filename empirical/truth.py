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
from ..analytic.inputs import Case, validate_case
from ._checks import check_int, check_jobs, child, generator, root_sequence
from .estimate import _prepared
from .estimators import kl_entropies
from .sampling import DEFAULT_CHUNK_SIZE, _factor, _sample_case

__all__ = ["TRUTH_VERSION", "LadderRung", "CrossCheck", "TrueInformation", "true_information",
           "cross_check_truth", "entropy_difference_ladder"]

#: bump when the truth's definition or estimator changes: committed truth tables are keyed by it
TRUTH_VERSION = "1"
#: default sample-size ladder (each rung 4x the last) and its largest extension
DEFAULT_LADDER = (2_500, 10_000, 40_000)
DEFAULT_MAX_SAMPLES = 160_000
DEFAULT_ORDERS = (3, 8)


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
            "version": self.version,
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


def _cross_check(case: Case, value: float, stderr: float, bias_bound: float, n_samples: int,
                 orders: tuple[int, ...], replicates: int, method: str, root: np.random.SeedSequence,
                 n_jobs: int) -> CrossCheck:
    if method == "none":
        return CrossCheck("none")
    half = float(stats.t.ppf(0.975, replicates - 1)) * stderr + bias_bound
    check = CrossCheck("none")
    if method in ("auto", "rao_blackwell"):
        check = _rao_blackwell_check(case, value, stderr, bias_bound, child(root, 2), n_jobs) or CrossCheck(
            "rao_blackwell", reason="stood aside: its diagnostics failed")
    if method == "gaussian_surrogate" or (method == "auto" and check.agree is None):
        check = _gaussian_surrogate_check(case, value, half, n_samples, orders, replicates, child(root, 3), n_jobs)
    return check


def cross_check_truth(mu: Any, sigma: Any, ensemble: Any, pattern: Any, truth: TrueInformation, *,
                      method: str = "auto", seed: Any = 0, n_jobs: Any = 1) -> CrossCheck:
    """Check an ensemble truth with an independent estimator (docs/theory.md §§10, 10.1).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case the truth belongs to.
    truth : TrueInformation
        From :func:`true_information` (``n >= 2``, with its ladder).
    method : {"auto", "rao_blackwell", "gaussian_surrogate"}
        As ``cross_check`` of :func:`true_information`.
    seed : int, SeedSequence or numpy Generator
        Use another seed than the truth's for an independent check.
    n_jobs : int

    Returns
    -------
    CrossCheck
    """
    case = validate_case(mu, sigma, ensemble, pattern)
    if method not in ("auto", "rao_blackwell", "gaussian_surrogate"):
        raise ValueError(f"method must be 'auto', 'rao_blackwell' or 'gaussian_surrogate', got {method!r}")
    if not isinstance(truth, TrueInformation) or not truth.ladder:
        raise ValueError("truth must be an ensemble TrueInformation with its ladder (n >= 2)")
    top = truth.ladder[-1]
    return _cross_check(case, truth.value, truth.stderr, max(truth.drift, truth.order_gap), top.n_samples,
                        tuple(top.orders), len(top.replicate_values), method, root_sequence(seed),
                        check_jobs(n_jobs))


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


def true_information(mu: Any, sigma: Any, ensemble: Any, pattern: Any, *, seed: Any = 0, precision: Any = 0.03,
                     atol: Any = 0.01, ladder: Any = DEFAULT_LADDER, max_samples: Any = DEFAULT_MAX_SAMPLES,
                     orders: Any = DEFAULT_ORDERS, replicates: Any = 3, log_change_samples: Any = None,
                     cross_check: str = "auto", n_jobs: Any = 1) -> TrueInformation:
    """The true ``I(w_S ; x_l)`` in nats, with its uncertainty, convergence and cross-check.

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case (``mu`` shape ``(N, d)``, ``sigma`` ``(N, d, d)`` or ``(d, d)``,
        0-based ``(i, j)`` pairs, pattern index), validated as everywhere in synmi.
    seed : int, SeedSequence or numpy Generator
        Root of all randomness (``n >= 2``); the same seed gives the same numbers
        whatever ``n_jobs``.
    precision : float
        Requested relative precision of a resolved truth (default 3 %).
    atol : float
        Absolute floor of the precision in nats (tiny informations are resolved
        to ``atol`` rather than to a fraction of themselves).
    ladder : sequence of int
        Sample sizes, at least 3 rungs, each at least 4x the last (``n >= 2``).
    max_samples : int
        Largest rung the ladder may be extended to when it has not resolved.
    orders : pair of int
        Neighbour orders; the first gives the value, the second the order gap.
    replicates : int
        Independent samples per rung (>= 2).
    log_change_samples : int, optional
        Size of the separate sample of the change-of-variables term (default
        ``4 * max_samples``, so that it stays below the kNN part's noise however
        far the ladder is extended).
    cross_check : {"auto", "rao_blackwell", "gaussian_surrogate", "none"}
        ``"auto"``: the Rao-Blackwellised estimator where its diagnostics allow,
        else the Gaussian-surrogate check (module docstring).
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
    n_jobs = check_jobs(n_jobs)
    if cross_check not in ("auto", "rao_blackwell", "gaussian_surrogate", "none"):
        raise ValueError(f"cross_check must be 'auto', 'rao_blackwell', 'gaussian_surrogate' or 'none', "
                         f"got {cross_check!r}")
    log_change_samples = check_int(4 * max_samples if log_change_samples is None else log_change_samples,
                                   "log_change_samples", 2)
    if case.n_connections == 1 or case.n_patterns == 1:
        return _exact_truth(case, precision, atol, start) if case.n_connections == 1 else TrueInformation(
            value=math.inf, stderr=0.0, ci_low=math.inf, ci_high=math.inf, method="infinite", resolved=True,
            precision=precision, atol=atol, seconds=time.perf_counter() - start)
    root = root_sequence(seed)
    log_change = _log_change_term(case, log_change_samples, child(root, 1), n_jobs)
    rungs = entropy_difference_ladder(case, rungs_wanted, orders, replicates, log_change, root, n_jobs)
    value, drift, gap, half, resolved = _resolution(rungs, replicates, precision, atol)
    while not resolved and 4 * rungs[-1].n_samples <= max_samples:
        rungs += entropy_difference_ladder(case, (4 * rungs[-1].n_samples,), orders, replicates, log_change, root,
                                           n_jobs, first_rung=len(rungs))
        value, drift, gap, half, resolved = _resolution(rungs, replicates, precision, atol)
    stderr = rungs[-1].stderrs[0]
    check = _cross_check(case, value, stderr, max(drift, gap), rungs[-1].n_samples, orders, replicates,
                         cross_check, root, n_jobs)
    return TrueInformation(value=value, stderr=stderr, ci_low=value - half, ci_high=value + half,
                           method="entropy_difference_ladder", resolved=resolved, precision=precision, atol=atol,
                           drift=drift, order_gap=gap, ladder=tuple(rungs), cross_check=check,
                           seconds=time.perf_counter() - start)
