"""The paper's simulation sets and random ensembles (docs/theory.md §6, issue 2).

Distributions are checked from the generated matrices themselves where they can
be (e.g. ``sigma`` and ``rho`` of set 1 are read off ``Sigma``), with statistical
tolerances of ``Z = 5`` standard errors: for a correct generator a single check
fails with probability ~6e-7, and all seeds are fixed, so the suite is
deterministic.  A wrong distribution parameter (e.g. ``U(0, 1)`` instead of
``U(0, 1.44)``, a missing absolute value, ``N(0, 1)`` instead of ``N(0.01, 1.2)``)
moves the statistics by tens of standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synmi import analytic
from synmi.analytic import generate_set, random_ensemble, set1_case, set2_case, set3_case

Z = 5.0
D = 20


def within(sample, expected, z=Z):
    """Sample mean within ``z`` standard errors (from the sample) of ``expected``."""
    sample = np.asarray(sample, dtype=float)
    se = sample.std(ddof=1) / math.sqrt(sample.size)
    return abs(sample.mean() - expected) <= z * se, (sample.mean(), expected, se)


def is_psd(s, rtol=1e-10):
    lo = np.linalg.eigvalsh(s)
    return lo[..., 0] >= -rtol * np.abs(lo).max(axis=-1)


def _distinct_connections(ens, dim):
    ens = np.asarray(ens)
    assert ens.ndim == 2 and ens.shape[1] == 2
    assert np.all(ens[:, 0] < ens[:, 1])
    assert ens.min() >= 0 and ens.max() < dim
    assert len({tuple(r) for r in ens.tolist()}) == len(ens)


def _same_case(a, b):
    assert np.array_equal(a.mu, b.mu) and np.array_equal(a.sigma, b.sigma)
    assert np.array_equal(a.ensemble, b.ensemble) and a.pattern == b.pattern


# -------------------------------------------------------------------- set 1


@pytest.fixture(scope="module")
def set1_cases():
    return generate_set("set1", 400, 123)


def test_set1_structure(set1_cases):
    lo = -1.0 / (D - 1)
    for case in set1_cases:
        N = case.n_patterns
        assert case.mu.shape == (N, D) and 2 <= N <= 32
        assert case.sigma.shape == (D, D) and case.shared_sigma  # one Sigma for all patterns
        s = case.sigma
        var = s[0, 0]
        off = s[~np.eye(D, dtype=bool)]
        assert np.allclose(np.diag(s), var, rtol=0, atol=0)
        assert np.allclose(off, off[0], rtol=0, atol=0)  # exchangeable
        sigma, rho = math.sqrt(var), off[0] / var
        assert 0 < sigma <= 5
        assert lo - 1e-12 <= rho <= 1 + 1e-12
        assert case.meta["sigma"] == pytest.approx(sigma) and case.meta["rho"] == pytest.approx(rho)
        assert np.all(case.mu >= -1) and np.all(case.mu < 1)
        assert case.pattern == 0  # target x_1
        assert 1 <= case.n_connections <= 16
        assert tuple(case.ensemble[0]) == (1, 2)  # w_23 in the paper's 1-based labels
        _distinct_connections(case.ensemble, D)
        assert is_psd(s)


def test_set1_distributions(set1_cases):
    lo = -1.0 / (D - 1)
    s = np.array([c.sigma for c in set1_cases])
    sigma = np.sqrt(s[:, 0, 0])
    rho = s[:, 0, 1] / s[:, 0, 0]
    ok, info = within(sigma, 2.5)  # U(0, 5]
    assert ok, info
    ok, info = within(rho, (lo + 1) / 2)  # U(-1/(d-1), 1)
    assert ok, info
    ok, info = within(rho < 0, (-lo) / (1 - lo))  # P(rho < 0) = 0.05 reaches the lower end
    assert ok and rho.min() < 0, info
    n = [c.n_connections for c in set1_cases]
    N = [c.n_patterns for c in set1_cases]
    assert (min(N), max(N), min(n), max(n)) == (2, 32, 1, 16)
    mu = np.concatenate([c.mu.ravel() for c in set1_cases])
    ok, info = within(mu, 0.0)
    assert ok, info
    ok, info = within(mu ** 2, 1 / 3)  # Var U(-1, 1) = 1/3
    assert ok, info
    N = np.array([c.n_patterns for c in set1_cases])
    ok, info = within(N, 17.0)  # U{2..32}
    assert ok, info


def test_set1_fixed_parameters():
    c = set1_case(0, n_patterns=10, sigma=2.0, rho=0.0, n=16)
    assert c.n_patterns == 10 and c.n_connections == 16
    assert np.allclose(c.sigma, 4.0 * np.eye(D))
    assert np.array_equal(c.ensemble, analytic.paper_fig3_ensemble(16))
    c = set1_case(0, sigma=1.5, rho=-1.0 / (D - 1))
    assert np.linalg.eigvalsh(c.sigma)[0] == pytest.approx(0.0, abs=1e-12)  # boundary of PSD
    # the Fig. 3 ensembles are nested: the first n of the same 16 connections
    full = analytic.paper_fig3_ensemble(16)
    for n in (1, 5, 16):
        assert np.array_equal(set1_case(n, n=n).ensemble, full[:n])
    _distinct_connections(full, D)


def test_set1_explicit_sigma_is_respected():
    # an explicit sigma is used as given: 0 is a (degenerate but valid) zero covariance,
    # a negative one is an error -- neither may be replaced by a default
    c = set1_case(0, sigma=0.0, rho=0.3)
    assert np.array_equal(c.sigma, np.zeros((D, D)))
    with pytest.raises(ValueError, match="sigma"):
        set1_case(0, sigma=-1.0)
    with pytest.raises(ValueError, match="rho"):
        set1_case(0, sigma=1.0, rho=1.5)
    with pytest.raises(ValueError, match="rho"):
        set1_case(0, sigma=1.0, rho=-0.2)  # < -1/19
    with pytest.raises(ValueError, match="n"):
        set1_case(0, n=17)


# -------------------------------------------------------------------- set 2


@pytest.fixture(scope="module")
def set2_cases():
    return generate_set("set2", 400, 456)


def test_set2_structure(set2_cases):
    for case in set2_cases:
        N, n = case.n_patterns, case.n_connections
        assert 2 <= N <= 50 and 1 <= n <= 20
        assert 0 <= case.pattern < N
        assert case.mu.shape == (N, D) and np.all(np.abs(case.mu) <= 1)
        assert case.sigma.shape == (D, D)  # shared
        assert np.array_equal(case.sigma, case.sigma.T)
        assert is_psd(case.sigma)
        _distinct_connections(case.ensemble, D)
        sigma, rho = case.meta["sigma"], case.meta["rho"]
        assert sigma >= 0 and -1 / (D - 1) <= rho <= 1
        rest = case.sigma - analytic.exchangeable_covariance(D, sigma, rho)
        assert is_psd(rest)  # A^T A / d
        assert np.linalg.matrix_rank(rest) == D  # full rank almost surely


def test_set2_distributions(set2_cases):
    M = len(set2_cases)
    ok, info = within([c.n_patterns for c in set2_cases], 26.0)  # U{2..50}
    assert ok, info
    ok, info = within([c.n_connections for c in set2_cases], 10.5)  # U{1..20}
    assert ok, info
    # target uniform on 0..N-1: (l + 1/2) / N has mean exactly 1/2
    ok, info = within([(c.pattern + 0.5) / c.n_patterns for c in set2_cases], 0.5)
    assert ok, info
    ok, info = within([c.meta["sigma"] for c in set2_cases], math.sqrt(2 / math.pi))  # |N(0,1)|
    assert ok, info
    ok, info = within([c.meta["sigma"] ** 2 for c in set2_cases], 1.0)
    assert ok, info
    rho = np.array([c.meta["rho"] for c in set2_cases])
    ok, info = within(rho, (1 - 1 / (D - 1)) / 2)
    assert ok, info
    # the lower end -1/(d-1) of U(-1/(d-1), 1): P(rho < 0) = (1/19) / (20/19) = 0.05
    ok, info = within(rho < 0, 0.05)
    assert ok and rho.min() < 0, info
    # the ends of U{2..50} and U{1..20} are reached (P(max N < 50) = (48/49)^400 ~ 3e-4
    # for a correct generator, and the seed is fixed)
    N = [c.n_patterns for c in set2_cases]
    n = [c.n_connections for c in set2_cases]
    assert (min(N), max(N), min(n), max(n)) == (2, 50, 1, 20)
    # A^T A / d with N(0, 1) entries: diagonal mean 1 (var 2/d), off-diagonal mean 0 (var 1/d)
    rest = np.array([c.sigma - analytic.exchangeable_covariance(D, c.meta["sigma"], c.meta["rho"])
                     for c in set2_cases])
    diag = np.diagonal(rest, axis1=1, axis2=2)
    ok, info = within(diag.mean(axis=1), 1.0)
    assert ok, info
    # Var of a diagonal entry (chi^2_d / d) is 2/d; 8000 entries pin the estimate to ~2%
    assert abs(diag.var(ddof=1) - 2.0 / D) < 0.1 * 2.0 / D, diag.var(ddof=1)
    iu = np.triu_indices(D, 1)
    off = rest[:, iu[0], iu[1]]
    ok, info = within(off.mean(axis=1), 0.0)
    assert ok, info
    # variance of an off-diagonal entry is 1/d; with M*190 entries the estimate is within ~1%
    assert abs(off.var() - 1.0 / D) < 0.05 / D, off.var()
    assert M == 400


# -------------------------------------------------------------------- set 3


def folded_normal_mean(m, s):
    """E|X| for X ~ Normal(m, s^2)."""
    return s * math.sqrt(2 / math.pi) * math.exp(-m * m / (2 * s * s)) + m * math.erf(m / (s * math.sqrt(2)))


@pytest.fixture(scope="module")
def set3_cases():
    return generate_set("set3", 300, 789)


def test_set3_structure(set3_cases):
    for case in set3_cases:
        N = case.n_patterns
        assert 2 <= N <= 50 and 1 <= case.n_connections <= 20 and 0 <= case.pattern < N
        assert case.mu.shape == (N, D) and np.all(np.abs(case.mu) <= 1)
        assert case.sigma.shape == (N, D, D)  # one covariance per pattern
        assert np.array_equal(case.sigma, np.swapaxes(case.sigma, 1, 2))
        assert np.all(is_psd(case.sigma))
        assert not np.allclose(case.sigma[0], case.sigma[1])
        _distinct_connections(case.ensemble, D)
    N = [c.n_patterns for c in set3_cases]
    n = [c.n_connections for c in set3_cases]
    assert (min(N), max(N), min(n), max(n)) == (2, 50, 1, 20)  # fixed seed; see set 2
    ok, info = within([(c.pattern + 0.5) / c.n_patterns for c in set3_cases], 0.5)
    assert ok, info


def test_set3_eigenvalue_and_offset_distributions(set3_cases):
    # Sigma_k = Q diag(lambda) Q^T + c 1 1^T with Q orthogonal.  With P = I - 1 1^T / d:
    #   tr(P Sigma_k P) = sum_m lambda_m |P q_m|^2, and sum_m |P q_m|^2 = tr(P) = d - 1,
    #   so E tr(P Sigma_k P) / (d - 1) = E lambda = E|Normal(0.01, 1.2)|  (c drops out);
    #   1^T Sigma_k 1 = sum_m lambda_m (1.q_m)^2 + c d^2 with sum_m (1.q_m)^2 = d, so
    #   c_hat = (1^T Sigma 1 - tr(P Sigma P) d / (d - 1)) / d^2 has mean E c = 0.72.
    sig = np.concatenate([c.sigma for c in set3_cases])
    one = np.ones(D)
    P = np.eye(D) - np.outer(one, one) / D
    tr_p = np.einsum("ij,kji->k", P, sig @ P)
    lam_hat = tr_p / (D - 1)
    c_hat = (np.einsum("i,kij,j->k", one, sig, one) - tr_p * D / (D - 1)) / D ** 2
    ok, info = within(lam_hat, folded_normal_mean(0.01, 1.2))
    assert ok, info
    ok, info = within(c_hat, 0.72)  # U(0, 1.44)
    assert ok, info
    # the total trace: d (E lambda + E c)
    ok, info = within(np.trace(sig, axis1=1, axis2=2), D * (folded_normal_mean(0.01, 1.2) + 0.72))
    assert ok, info
    # every eigenvalue of Q diag(lambda) Q^T is >= 0, so Sigma_k - c 1 1^T >= 0 and
    # Sigma_k >= 0; the largest eigenvalue of Sigma_k is at most max(lambda) + c d,
    # a loose but exact bound: max|N(0.01, 1.2)| over ~8e4 draws < 7, c <= 1.44
    top = np.linalg.eigvalsh(sig)[:, -1]
    assert top.max() < 7 + 1.44 * D


def test_set3_lambda_is_folded_normal():
    # d = 2: the offset c 1 1^T vanishes along u = (1, -1)/sqrt(2), and
    # u^T Sigma_k u = lambda_1 (u.q_1)^2 + lambda_2 (u.q_2)^2 is a convex combination of
    # the two lambdas ((u.q_1)^2 + (u.q_2)^2 = 1): mean E lambda, never negative.
    cases = generate_set("set3", 600, 99, dim=2, n=1)
    u = np.array([1.0, -1.0]) / math.sqrt(2)
    vals = np.concatenate([np.einsum("i,kij,j->k", u, c.sigma, u) for c in cases])
    assert vals.min() >= -1e-12
    ok, info = within(vals, folded_normal_mean(0.01, 1.2))
    assert ok, info


# ---------------------------------------------------------- reproducibility


@pytest.mark.parametrize("name", ["set1", "set2", "set3"])
def test_reproducible_and_chunk_independent(name):
    whole = generate_set(name, 9, 2024)
    again = generate_set(name, 9, 2024)
    parts = generate_set(name, 4, 2024) + generate_set(name, 5, 2024, start=4)
    odd = generate_set(name, 1, 2024, start=7)
    for a, b, c in zip(whole, again, parts):
        _same_case(a, b)
        _same_case(a, c)
    _same_case(whole[7], odd[0])
    assert [c.meta["index"] for c in whole] == list(range(9))
    assert all(c.meta["seed"] == 2024 for c in whole)
    # case t uses the t-th child of SeedSequence(seed)
    gen = analytic.SET_GENERATORS[name]
    child = np.random.SeedSequence(2024).spawn(9)[5]
    _same_case(whole[5], gen(np.random.default_rng(child)))
    # different seeds give different cases
    other = generate_set(name, 9, 2025)
    assert not any(np.array_equal(a.mu[0], b.mu[0]) for a, b in zip(whole, other))


@pytest.mark.parametrize("gen", [set1_case, set2_case, set3_case])
def test_single_case_seeded(gen):
    _same_case(gen(7), gen(7))
    _same_case(gen(7), gen(np.random.default_rng(7)))
    assert not np.array_equal(gen(7).mu[:2], gen(8).mu[:2])
    with pytest.raises(ValueError, match="seed"):
        gen(None)


def test_overrides():
    c = set3_case(1, n_patterns=50, n=20)
    assert c.n_patterns == 50 and c.n_connections == 20 and c.sigma.shape == (50, D, D)
    c = set2_case(1, dim=6, n_patterns=3, n=15)
    assert c.mu.shape == (3, 6) and c.n_connections == 15
    with pytest.raises(ValueError, match="n = 16"):
        set2_case(1, dim=6, n=16)
    cs = generate_set("set3", 3, 5, n_patterns=4)
    assert all(c.n_patterns == 4 for c in cs)


def test_generate_set_arguments():
    with pytest.raises(ValueError, match="name"):
        generate_set("set4", 3, 0)
    with pytest.raises(ValueError, match="seed"):
        generate_set("set1", 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="seed"):
        generate_set("set1", 3, -1)
    with pytest.raises(ValueError, match="n_cases"):
        generate_set("set1", -1, 0)
    assert generate_set("set1", 0, 0) == []


# --------------------------------------------------------- random ensembles


def test_random_ensemble_distinct_and_uniform():
    dim, n, M = 5, 3, 4000
    counts = np.zeros((dim, dim))
    for s in range(M):
        ens = random_ensemble(dim, n, s)
        _distinct_connections(ens, dim)
        assert len(ens) == n
        for i, j in ens:
            counts[i, j] += 1
    # each of the 10 connections is included with probability n / 10 = 0.3
    p = n / 10
    freq = counts[np.triu_indices(dim, 1)] / M
    se = math.sqrt(p * (1 - p) / M)
    assert np.all(np.abs(freq - p) <= Z * se), freq


def test_random_ensemble_edge_cases():
    full = random_ensemble(6, 15, 0)
    assert {tuple(r) for r in full.tolist()} == {(i, j) for i in range(6) for j in range(i + 1, 6)}
    assert np.array_equal(random_ensemble(20, 20, 11), random_ensemble(20, 20, 11))
    assert not np.array_equal(random_ensemble(20, 20, 11), random_ensemble(20, 20, 12))
    with pytest.raises(ValueError, match="n = 16"):
        random_ensemble(6, 16, 0)
    with pytest.raises(ValueError, match="n"):
        random_ensemble(6, 0, 0)
    with pytest.raises(ValueError, match="dim"):
        random_ensemble(1, 1, 0)
    with pytest.raises(ValueError, match="seed"):
        random_ensemble(6, 2, None)


def test_exchangeable_covariance_and_connections():
    for rho in (-1 / 19, 0.0, 0.4, 1.0):
        s = analytic.exchangeable_covariance(20, 0.7, rho)
        eig = np.linalg.eigvalsh(s)
        expected = np.sort(np.r_[np.full(19, 0.49 * (1 - rho)), 0.49 * (1 + 19 * rho)])
        assert np.allclose(eig, expected, atol=1e-12)
    with pytest.raises(ValueError, match="rho"):
        analytic.exchangeable_covariance(20, 0.7, -0.06)
    with pytest.raises(ValueError, match="sigma"):
        analytic.exchangeable_covariance(20, -0.7, 0.0)
    conns = analytic.all_connections(5)
    assert len(conns) == 10 and tuple(conns[0]) == (0, 1) and tuple(conns[-1]) == (3, 4)
    _distinct_connections(conns, 5)
