"""Exact single-connection information by quadrature (docs/theory.md §8).

Independent checks of ``analytic.exact``:

* one log-normal term: ``h = m + (1/2) ln(2 pi e s^2)`` in closed form;
* two terms: ``h(ln w)`` and ``E[ln w]`` from scipy's adaptive quadrature of the
  density of ``ln(e^A + e^B)`` written with a different substitution
  (``u = ln(y - A)``, not the module's ``c = A - B``), and for ``n = 1``, ``N = 2``
  ``h(w_rest)`` in closed form;
* constant terms: the change of variables by quadrature over the Gaussian;
* convergence: the reported bound is small and covers the difference to the same
  algorithm run at an unrelated, finer resolution, up to ``N = 50``, ``s^2 = 50``,
  mixed scales and large means;
* Monte Carlo (``empirical.estimate_mi``, ``entropy_1d``) covers the exact value;
* invariances, edge cases, bad input, and hypothesis properties (``I >= 0``, and
  appending an independent pattern never increases ``I``: data processing).
"""

from __future__ import annotations

import itertools
import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate

from synmi import analytic
from synmi.analytic import (
    ApproximationUndefinedWarning,
    InfiniteInformationWarning,
    Status,
    SynmiWarning,
    exact,
    exact_information,
    lognormal_sum_entropy,
    single_connection_information,
)
from synmi.empirical import estimate_mi

TWO_PI_E = 2.0 * math.pi * math.e


def gaussian_entropy(var: float) -> float:
    return 0.5 * math.log(TWO_PI_E * var)


# --------------------------------------------------------------------------- references


def log_sum_density(y: float, m1: float, s1: float, m2: float, s2: float) -> float:
    """Density of ``Y = ln(e^A + e^B)`` at ``y`` by adaptive quadrature over ``u = ln(y - A)``.

    ``A = y - e^u`` and ``B = ln(e^y - e^A) = y + ln(1 - exp(-e^u))``; the Jacobian
    of ``(A, B) -> (u, y)`` is ``e^u / (1 - exp(-e^u))``.  Breakpoints where either
    factor is at ``k`` standard deviations keep narrow peaks from being missed.
    """

    def integrand(u: float) -> float:
        d = math.exp(u)
        one_minus = -math.expm1(-d)
        za = (y - d - m1) / s1
        zb = (y + math.log(one_minus) - m2) / s2
        return math.exp(-0.5 * (za * za + zb * zb)) / (2.0 * math.pi * s1 * s2) * d / one_minus

    breaks = []
    for k in range(-8, 9):
        if y > m1 + k * s1:
            breaks.append(math.log(y - m1 - k * s1))
        if y > m2 + k * s2:
            inner = -math.log(-math.expm1(m2 + k * s2 - y))
            if inner > 0:
                breaks.append(math.log(inner))
    edges = [-80.0] + sorted(b for b in breaks if -80.0 < b < 8.0) + [8.0]
    return sum(integrate.quad(integrand, lo, hi, epsabs=1e-16, epsrel=1e-13, limit=400)[0]
               for lo, hi in itertools.pairwise(edges) if hi > lo)


def two_term_reference(m1: float, v1: float, m2: float, v2: float) -> tuple[float, float, float]:
    """``(h(ln w), E[ln w], total mass)`` for ``w = e^A + e^B`` by nested adaptive quadrature."""
    s1, s2 = math.sqrt(v1), math.sqrt(v2)
    lo = max(m1 - 11 * s1, m2 - 11 * s2)
    hi = float(np.logaddexp(m1 + 11 * s1, m2 + 11 * s2))
    ks = np.arange(-8, 9)
    breaks = set((m1 + s1 * ks).tolist()) | set((m2 + s2 * ks).tolist()) | {float(np.logaddexp(m1, m2))}
    points = sorted(b for b in breaks if lo < b < hi)
    cache: dict[float, float] = {}

    def p(y: float) -> float:
        if y not in cache:
            cache[y] = log_sum_density(y, m1, s1, m2, s2)
        return cache[y]

    def quad(f):
        return integrate.quad(f, lo, hi, points=points, epsabs=1e-15, epsrel=1e-13, limit=400)[0]

    h = quad(lambda y: -p(y) * math.log(p(y)) if p(y) > 0 else 0.0)
    mean = quad(lambda y: y * p(y))
    mass = quad(p)
    return h, mean, mass


def finer_entropy(log_means, log_variances) -> float:
    """``h(X)`` by the same algorithm at an unrelated finer resolution (no constant terms).

    2.5x the grid points per scale (so none of the base grids' points), 3x the
    nodes in ``c``, tails two standard deviations wider.
    """
    m = np.asarray(log_means, float)
    s = np.sqrt(np.asarray(log_variances, float))
    order = exact._fold_order(m, s)
    res = exact._Resolution(points_per_scale=10.0, nodes_per_sd=4.5, nodes_at_kink=4.5, tail_sd=10.5)
    density = exact._sum_densities(m[order], s[order], res, {m.size})[m.size]
    return exact._moments(density, -math.inf)[0]


def no_synmi_warning(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    assert not [w for w in rec if issubclass(w.category, SynmiWarning)]
    return out


def pair_case(m: np.ndarray, var: np.ndarray, d: int = 3, seed: int = 0):
    """``(mu, sigma)`` with per-pattern covariances whose connection (0, 1) has log-moments ``m``, ``var``.

    ``Sigma_k`` puts ``var_k / 4`` on the 2x2 block of neurons 0 and 1 (fully
    correlated, so ``s_k^2 = var_k``) plus unrelated random entries elsewhere.
    """
    rng = np.random.default_rng(seed)
    n = len(m)
    mu = rng.uniform(-1, 1, (n, d))
    mu[:, 0] = np.asarray(m) / 2
    mu[:, 1] = np.asarray(m) / 2
    sigma = np.zeros((n, d, d))
    for k in range(n):
        a = rng.standard_normal((d - 2, d - 2))
        sigma[k, 2:, 2:] = a @ a.T / d
        sigma[k, :2, :2] = var[k] / 4
    return mu, sigma


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("m, v", [(0.0, 1.0), (0.5, 2.0), (-3.0, 1e-3), (30.0, 50.0), (-25.0, 0.2)])
def test_single_term_closed_form(m, v):
    r = lognormal_sum_entropy([m], [v])
    assert abs(r.value - (m + gaussian_entropy(v))) <= 1e-12 * max(1, abs(m))
    assert abs(r.log_entropy - gaussian_entropy(v)) <= 1e-12
    assert abs(r.mean_log - m) <= 1e-12 * max(1, abs(m))
    assert r.error <= 1e-12 * max(1, abs(m))
    assert r.n_grid > 0 and r.n_constant == 0


@pytest.mark.parametrize("m1, v1, m2, v2", [
    (0.0, 1.0, 0.0, 1.0),
    (0.3, 0.25, -1.0, 4.0),
    (1.5, 4.0, -0.5, 1.44),
    (0.0, 0.09, 1.0, 9.0),
    (0.0, 0.01, 0.0, 50.0),  # mixed scales
    (12.0, 2.0, 9.0, 6.0),
])
def test_two_terms_against_adaptive_quadrature(m1, v1, m2, v2):
    h_ref, mean_ref, mass = two_term_reference(m1, v1, m2, v2)
    assert abs(mass - 1) < 1e-12  # the reference itself is converged
    r = lognormal_sum_entropy([m1, m2], [v1, v2])
    assert abs(r.log_entropy - h_ref) <= 1e-10
    assert abs(r.mean_log - mean_ref) <= 1e-10
    assert abs(r.value - (h_ref + mean_ref)) <= max(r.error, 1e-12) + 1e-13
    assert r.error <= 1e-10
    # the order of the terms does not matter
    assert abs(lognormal_sum_entropy([m2, m1], [v2, v1]).value - r.value) <= 2 * r.error


@pytest.mark.parametrize("m, var, pattern", [
    ([0.2, -0.4], [1.0, 2.25], 0),
    ([0.2, -0.4], [1.0, 2.25], 1),
    ([3.0, 3.5], [0.3, 0.1], 1),
])
def test_two_patterns_information_against_closed_form_and_quadrature(m, var, pattern):
    mu, sigma = pair_case(np.array(m), np.array(var))
    r = single_connection_information(mu, sigma, [(0, 1)], pattern)
    rest = 1 - pattern
    h_rest = m[rest] + gaussian_entropy(var[rest])  # one log-normal term
    h_ln_w, mean_ln_w, _ = two_term_reference(m[0], var[0], m[1], var[1])
    assert r.status is Status.VALID
    assert abs(r.h_rest - h_rest) <= 1e-12
    assert abs(r.h_w - (h_ln_w + mean_ln_w)) <= 1e-10
    assert abs(r.value - (h_ln_w + mean_ln_w - h_rest)) <= 1e-10
    assert r.error <= 1e-10 and r.seconds > 0


def test_constant_terms_enter_by_change_of_variables():
    m, v, c = 0.4, 1.7, 1.2  # exp(G) + exp(c), G ~ Normal(m, v)
    s = math.sqrt(v)

    def gauss_mean(f):
        g = lambda z: f(m + s * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return integrate.quad(g, -12, 12, epsabs=1e-15, epsrel=1e-13, limit=200)[0]

    # ln X = logaddexp(G, c): h(ln X) = h(G) + E[ln d(ln X)/dG] = h(G) - E[softplus(c - G)]
    log_entropy = gaussian_entropy(v) - gauss_mean(lambda g: float(np.logaddexp(0.0, c - g)))
    mean_log = gauss_mean(lambda g: float(np.logaddexp(g, c)))
    # two constants of total exp(c) behave like one
    for means, variances in (([m, c], [v, 0.0]), ([c - math.log(2), m, c - math.log(2)], [0.0, v, 0.0])):
        r = lognormal_sum_entropy(means, variances)
        assert abs(r.value - (m + gaussian_entropy(v))) <= 1e-12  # h(X) ignores shifts
        assert abs(r.log_entropy - log_entropy) <= 1e-10
        assert abs(r.mean_log - mean_log) <= 1e-10
        assert r.n_constant == len(means) - 1


def test_all_constant_terms():
    r = lognormal_sum_entropy([0.0, math.log(3.0)], [0.0, 0.0])
    assert r.value == -math.inf and r.log_entropy == -math.inf
    assert abs(r.mean_log - math.log(4.0)) < 1e-15
    assert r.error == 0 and r.n_grid == 0 and r.n_constant == 2


# --------------------------------------------------------------------------- convergence


def _cases_for_convergence():
    rng = np.random.default_rng(7)
    return {
        "N50 s2 0.1-50": (rng.uniform(-2, 2, 50), rng.uniform(0.1, 50, 50)),
        "N50 s2 50": (rng.uniform(-1, 1, 50), np.full(50, 50.0)),
        "N50 s2 0.05": (rng.uniform(-1, 1, 50), np.full(50, 0.05)),
        "N2 s2 0.01 and 50": (np.zeros(2), np.array([0.01, 50.0])),
        "N5 mixed": (np.array([0.0, 1.0, -1.0, 0.5, 0.0]), np.array([0.01, 50.0, 1.0, 5.0, 0.1])),
        "N10 means 20-40": (rng.uniform(20, 40, 10), rng.uniform(0.5, 8, 10)),
        "N12 means +-30": (rng.uniform(-30, 30, 12), rng.uniform(0.5, 8, 12)),
        "set3 case": _set3_terms(0),
    }


def _set3_terms(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(m_k, s_k^2)`` of a random set-3 connection."""
    case = analytic.set3_case(seed, n=1)
    m, c = analytic.connection_log_moments(case.mu, case.sigma, case.ensemble)
    return m[:, 0], c[:, 0, 0]


@pytest.mark.parametrize("name", list(_cases_for_convergence()))
def test_error_bound_covers_a_finer_computation(name):
    m, v = _cases_for_convergence()[name]
    reference = finer_entropy(m, v)
    # tol=1: no refinement beyond the first halving, so this checks the base resolution
    for tol in (1.0, 1e-10):
        r = lognormal_sum_entropy(m, v, tol=tol)
        assert r.error <= 1e-8
        assert abs(reference - r.value) <= r.error


def test_refinement_reacts_to_tol():
    m, v = np.array([0.0, 0.5, -0.3]), np.array([1.0, 2.0, 0.5])
    loose = lognormal_sum_entropy(m, v, tol=1.0)
    tight = lognormal_sum_entropy(m, v, tol=1e-13)
    assert tight.error <= loose.error + 1e-15
    assert abs(tight.value - loose.value) <= loose.error


# --------------------------------------------------------------------------- Monte Carlo


def _random_case(n_patterns: int, scale: float, seed: int):
    rng = np.random.default_rng(seed)
    d = 4
    mu = rng.uniform(-1, 1, (n_patterns, d))
    a = rng.standard_normal((d, d))
    return mu, scale * (a @ a.T / d + 0.5 * np.eye(d))


@pytest.mark.parametrize("n_patterns, scale, seed", [(2, 1.0, 3), (3, 0.5, 4), (8, 2.0, 5)])
def test_monte_carlo_interval_covers_exact_value(n_patterns, scale, seed):
    mu, sigma = _random_case(n_patterns, scale, seed)
    r = single_connection_information(mu, sigma, [(0, 2)], 1)
    mc = estimate_mi(mu, sigma, [(0, 2)], 1, n_samples=200_000, seed=11, method="entropy_1d", replicates=5)
    assert mc.ci_low <= r.value <= mc.ci_high, (r.value, mc)


# --------------------------------------------------------------------------- invariances


def test_invariances():
    rng = np.random.default_rng(1)
    n_patterns, d = 6, 5
    mu = rng.uniform(-1, 1, (n_patterns, d))
    a = rng.standard_normal((n_patterns, d, d))
    sigma = a @ np.swapaxes(a, 1, 2) / d
    base = single_connection_information(mu, sigma, [(1, 3)], 2)
    assert base.status is Status.VALID and base.value > 0
    # symmetric in (i, j): bit for bit
    assert single_connection_information(mu, sigma, [(3, 1)], 2).value == base.value
    # permuting the other patterns (target follows its pattern)
    perm = np.array([4, 0, 2, 5, 1, 3])
    permuted = single_connection_information(mu[perm], sigma[perm], [(1, 3)], int(np.flatnonzero(perm == 2)[0]))
    assert abs(permuted.value - base.value) <= base.error
    # neurons outside the connection do not matter: their means, variances and
    # correlations with the connection's neurons (new covariance [[L, 0], [R^T, M]] times
    # its transpose, L L^T = the connection's 2x2 block)
    inside, outside = np.array([1, 3]), np.array([0, 2, 4])
    mu2 = mu.copy()
    mu2[:, outside] += rng.uniform(-5, 5, (n_patterns, 3))
    sigma2 = np.empty_like(sigma)
    for k in range(n_patterns):
        block = sigma[k][np.ix_(inside, inside)]
        lower = np.linalg.cholesky(block)
        r = rng.standard_normal((2, 3))
        other = rng.standard_normal((3, 3))
        sigma2[k][np.ix_(inside, inside)] = block
        sigma2[k][np.ix_(inside, outside)] = lower @ r
        sigma2[k][np.ix_(outside, inside)] = (lower @ r).T
        sigma2[k][np.ix_(outside, outside)] = r.T @ r + other @ other.T
    assert single_connection_information(mu2, sigma2, [(1, 3)], 2).value == base.value
    # shared sigma equals its per-pattern copy
    shared = single_connection_information(mu, sigma[0], [(1, 3)], 2)
    stacked = single_connection_information(mu, np.broadcast_to(sigma[0], sigma.shape), [(1, 3)], 2)
    assert shared.value == stacked.value


def test_exact_information_is_an_approximation_callable():
    mu, sigma = _random_case(4, 1.0, 9)
    value = no_synmi_warning(exact_information, mu, sigma, [(0, 2)], 3)
    assert value == single_connection_information(mu, sigma, [(0, 2)], 3).value
    assert analytic.exact_information is exact_information
    with pytest.warns(ApproximationUndefinedWarning, match="single connection"):
        assert math.isnan(exact_information(mu, sigma, [(0, 2), (1, 3)], 0))


# --------------------------------------------------------------------------- edge cases


def test_zero_variance_target_carries_no_information():
    mu, sigma = pair_case(np.array([0.1, -0.2, 0.4]), np.array([1.0, 0.0, 2.0]))
    r = no_synmi_warning(single_connection_information, mu, sigma, [(0, 1)], 1)
    assert r.value == 0.0 and r.error == 0.0 and r.status is Status.VALID
    assert r.h_w == r.h_rest and math.isfinite(r.h_w)


def test_single_pattern_is_infinite():
    mu = np.array([[0.2, -0.1, 0.4]])
    sigma = np.eye(3) * 0.5
    with pytest.warns(InfiniteInformationWarning, match="N = 1"):
        r = single_connection_information(mu, sigma, [(0, 2)], 0)
    assert r.value == math.inf and r.status is Status.INFINITE and r.h_rest == -math.inf
    assert abs(r.h_w - (0.6 + gaussian_entropy(2 * 0.5))) <= 1e-12  # h(z_l), z_l log-normal
    with pytest.warns(InfiniteInformationWarning):
        assert exact_information(mu, sigma, [(0, 2)], 0) == math.inf


def test_constant_other_patterns_give_infinite_information():
    mu, sigma = pair_case(np.array([0.1, -0.2, 0.4]), np.array([0.0, 1.5, 0.0]))
    with pytest.warns(InfiniteInformationWarning, match="constant"):
        r = single_connection_information(mu, sigma, [(0, 1)], 1)
    assert r.value == math.inf and r.status is Status.INFINITE
    # constants among other varying terms only shift w and w_rest: no effect on I
    var = np.array([0.0, 1.5, 0.7])
    with_constant = single_connection_information(*pair_case(np.array([0.1, -0.2, 0.4]), var), [(0, 1)], 1)
    without = single_connection_information(*pair_case(np.array([-0.2, 0.4]), var[1:]), [(0, 1)], 0)
    assert abs(with_constant.value - without.value) <= with_constant.error + without.error


@pytest.mark.parametrize("kwargs, name", [
    ({"ensemble": [(0, 1), (1, 2)]}, "ensemble"),
    ({"ensemble": [(0, 0)]}, "ensemble"),
    ({"pattern": 3}, "pattern"),
    ({"pattern": 1.0}, "pattern"),
    ({"mu": np.array([[0.0, np.nan, 1.0]] * 3)}, "mu"),
    ({"sigma": -np.eye(3)}, "sigma"),
    ({"tol": 0.0}, "tol"),
    ({"tol": "small"}, "tol"),
])
def test_bad_input_names_the_argument(kwargs, name):
    args = {"mu": np.zeros((3, 3)), "sigma": np.eye(3), "ensemble": [(0, 1)], "pattern": 0}
    args.update(kwargs)
    tol = args.pop("tol", 1e-10)
    with pytest.raises(ValueError, match=name):
        single_connection_information(args["mu"], args["sigma"], args["ensemble"], args["pattern"], tol=tol)


@pytest.mark.parametrize("means, variances, name", [
    ([], [], "log_means"),
    ([0.0, 1.0], [1.0], "log_means and log_variances"),
    ([0.0], [-1.0], "log_variances"),
    ([np.inf], [1.0], "log_means"),
    ([[0.0]], [[1.0]], "log_means"),
    ([0.0], [np.nan], "log_variances"),
])
def test_sum_entropy_bad_input(means, variances, name):
    with pytest.raises(ValueError, match=name):
        lognormal_sum_entropy(means, variances)


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=int(os.environ.get("SYNMI_HYPOTHESIS_EXAMPLES", "20")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def small_cases(draw):
    n_patterns = draw(st.integers(2, 5))
    scale = draw(st.floats(0.05, 4.0))
    mu_scale = draw(st.floats(0.0, 5.0))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = 3
    mu = rng.uniform(-mu_scale, mu_scale, (n_patterns + 1, d))
    a = rng.standard_normal((n_patterns + 1, d, d))
    sigma = scale * (a @ np.swapaxes(a, 1, 2) / d + 0.1 * np.eye(d))
    pattern = draw(st.integers(0, n_patterns - 1))
    return mu, sigma, pattern


@SETTINGS
@given(small_cases())
def test_information_is_nonnegative_and_decreases_with_an_extra_pattern(case):
    mu, sigma, pattern = case
    fewer = single_connection_information(mu[:-1], sigma[:-1], [(0, 1)], pattern)
    more = single_connection_information(mu, sigma, [(0, 1)], pattern)  # one independent pattern appended
    assert fewer.error <= 1e-8 and more.error <= 1e-8
    assert fewer.value >= -fewer.error and more.value >= -more.error
    # data processing: w + z_new is a function of w and noise independent of x_l
    assert more.value <= fewer.value + fewer.error + more.error
