"""Values of the Fenton-Wilkinson information (docs/theory.md §§2-3, issue 2).

Expected values come from closed forms written out here or from the independent
loop reference in ``_analytic_reference.py`` (linear space, plain Python), never
from ``analytic`` itself.

Tolerances: both implementations evaluate the same formulas in double precision
with different operation orders (log-sum-exp and ``expm1``/``log1p`` here,
``exp``/``log`` in the reference).  On the moderate inputs used (log-variances
>= ~0.03, |log-moments| < ~20) each side carries relative rounding of a few
1e-15 per entry, amplified by at most the condition numbers of ``Sigma_w`` in the
log-determinants; ``rtol = 1e-9`` leaves a margin of > 1e4 over that and is still
far below any formula error (a wrong factor or a dropped term changes values at
the 1e-3 level or more).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _analytic_reference import moments, random_case, random_psd, reference

from synmi import analytic
from synmi.analytic import Status

RTOL = 1e-9


def close(a, b, rtol=RTOL, atol=1e-12):
    return np.allclose(a, b, rtol=rtol, atol=atol)


# ------------------------------------------------------------- closed forms


def test_docstring_example_closed_form():
    # N = 3 identical patterns, mu = 0, Sigma = 0.25 I, one connection (0, 1):
    # c = 0.5, e = exp(0.25); V / M1^2 = expm1(0.5) / N  (N = 3 with l, 2 without)
    # I = ln(3/2) - (s3 - s2)/2 + ln(s3 / s2)/2, s_N = ln(1 + expm1(0.5) / N)
    s3 = math.log(1 + math.expm1(0.5) / 3)
    s2 = math.log(1 + math.expm1(0.5) / 2)
    expected = math.log(1.5) - (s3 - s2) / 2 + 0.5 * math.log(s3 / s2)
    got = analytic.mutual_information(np.zeros((3, 4)), 0.25 * np.eye(4), [(0, 1)], 0)
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(0.267452, abs=1e-6)


@pytest.mark.parametrize("target", [0, 1])
def test_n2_d2_closed_form(target):
    # N = 2, d = 2, ensemble {(0, 1)}.  For pattern k: m_k = mu_k0 + mu_k1,
    # c_k = S00 + 2 S01 + S11, e_k = exp(m_k + c_k / 2).
    # With l = target and r the other pattern, w^(-l) = z_r is exactly log-normal:
    # mu_w^(-l) = m_r, sigma_w^(-l)^2 = c_r; and
    # s = ln(1 + (e_l^2 expm1(c_l) + e_r^2 expm1(c_r)) / (e_l + e_r)^2),
    # I = ln((e_l + e_r) / e_r) - (s - c_r) / 2 + ln(s / c_r) / 2.
    mu = np.array([[0.3, -0.2], [-0.5, 0.4]])
    sigma = np.array([[[0.5, 0.1], [0.1, 0.3]], [[0.2, -0.05], [-0.05, 0.6]]])
    m = [mu[k, 0] + mu[k, 1] for k in range(2)]
    c = [sigma[k, 0, 0] + 2 * sigma[k, 0, 1] + sigma[k, 1, 1] for k in range(2)]
    e = [math.exp(m[k] + c[k] / 2) for k in range(2)]
    l, r = target, 1 - target
    s = math.log(1 + (e[l] ** 2 * math.expm1(c[l]) + e[r] ** 2 * math.expm1(c[r])) / (e[l] + e[r]) ** 2)
    expected = math.log((e[l] + e[r]) / e[r]) - (s - c[r]) / 2 + 0.5 * math.log(s / c[r])
    res = analytic.fenton_wilkinson_information(mu, sigma, [(0, 1)], target)
    assert res.status is Status.VALID
    assert res.value == pytest.approx(expected, rel=1e-12)
    assert res.sigma_w_rest[0, 0] == pytest.approx(c[r], rel=1e-13)
    assert res.mu_w_rest[0] == pytest.approx(m[r], rel=1e-13, abs=1e-14)
    assert res.sigma_w[0, 0] == pytest.approx(s, rel=1e-13)
    assert res.mu_w[0] == pytest.approx(math.log(e[0] + e[1]) - s / 2, rel=1e-13)


def test_two_connections_closed_form():
    # N = 2 patterns, d = 3, ensemble a = (0, 1), b = (1, 2), diagonal covariances
    # Sigma_k = diag(v_k): c_k = [[v0 + v1, v1], [v1, v1 + v2]] (only neuron 1 shared).
    # The rest is the single pattern r, so Sigma_w^(-l) = c_r, mu_w^(-l) = m_r.
    mu = np.array([[0.1, 0.2, -0.3], [0.0, -0.4, 0.5]])
    v = np.array([[0.4, 0.3, 0.2], [0.25, 0.5, 0.35]])
    sigma = np.stack([np.diag(v[k]) for k in range(2)])
    l, r = 1, 0
    m = [[mu[k, 0] + mu[k, 1], mu[k, 1] + mu[k, 2]] for k in range(2)]
    c = [[[v[k, 0] + v[k, 1], v[k, 1]], [v[k, 1], v[k, 1] + v[k, 2]]] for k in range(2)]
    e = [[math.exp(m[k][a] + c[k][a][a] / 2) for a in range(2)] for k in range(2)]
    m1 = [e[0][a] + e[1][a] for a in range(2)]
    sw = [[math.log(1 + sum(e[k][a] * e[k][b] * math.expm1(c[k][a][b]) for k in range(2)) / (m1[a] * m1[b]))
           for b in range(2)] for a in range(2)]
    mu_w = [math.log(m1[a]) - sw[a][a] / 2 for a in range(2)]
    det = sw[0][0] * sw[1][1] - sw[0][1] ** 2
    det_r = c[r][0][0] * c[r][1][1] - c[r][0][1] ** 2
    expected = sum(mu_w[a] - m[r][a] for a in range(2)) + 0.5 * math.log(det / det_r)
    res = analytic.fenton_wilkinson_information(mu, sigma, [(0, 1), (1, 2)], l)
    assert res.status is Status.VALID
    assert res.value == pytest.approx(expected, rel=1e-12)
    assert close(res.sigma_w, sw, rtol=1e-13)
    assert close(res.sigma_w_rest, c[r], rtol=1e-13)


# --------------------------------------------------- independent loop reference

REFERENCE_CASES = [
    # (seed, N, d, n, scale, shared, target)
    (1, 2, 3, 1, 0.5, False, 0),
    (2, 3, 4, 2, 0.3, True, 2),
    (3, 5, 6, 4, 0.8, False, 1),
    (4, 8, 8, 6, 0.4, True, 5),
    (5, 12, 10, 8, 0.6, False, 11),
    (6, 4, 5, 10, 0.2, False, 3),  # all 10 connections of d = 5
    (7, 20, 12, 5, 1.5, False, 7),
]


@pytest.mark.parametrize("seed,N,d,n,scale,shared,target", REFERENCE_CASES)
def test_matches_loop_reference(seed, N, d, n, scale, shared, target):
    rng = np.random.default_rng(seed)
    mu, sigma, ens = random_case(rng, N, d, n, scale=scale, shared=shared)
    ref = reference(mu, sigma, ens, target)
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, target)
    assert close(res.mu_w, ref["mu_w"])
    assert close(res.sigma_w, ref["sigma_w"])
    assert close(res.mu_w_rest, ref["mu_w_rest"])
    assert close(res.sigma_w_rest, ref["sigma_w_rest"])
    assert res.min_eig == pytest.approx(ref["eig"][0], rel=1e-8)
    assert res.min_eig_rest == pytest.approx(ref["eig_rest"][0], rel=1e-8)
    # these inputs are well inside the valid region (checked independently):
    assert ref["eig"][0] > 1e-4 and ref["eig_rest"][0] > 1e-4
    assert ref["value"] is not None
    if ref["value"] >= 0:
        assert res.status is Status.VALID
    else:
        assert res.status is Status.NEGATIVE
    assert res.value == pytest.approx(ref["value"], rel=RTOL)
    assert res.authors_value == pytest.approx(ref["authors"], rel=RTOL)
    assert res.authors_kept == (ref["authors"] > 0)


@pytest.mark.parametrize("seed", range(5))
def test_n1_general_code_equals_single_connection_formula(seed):
    # docs/theory.md §3, [10]: I = mu_w - mu_w^(-l) + (1/2) ln(s^2 / s_rest^2), with the
    # scalar moments M1, V of one connection computed by the reference loops.
    rng = np.random.default_rng(100 + seed)
    N, d = int(rng.integers(2, 10)), int(rng.integers(4, 8))
    mu, sigma, ens = random_case(rng, N, d, 4, scale=float(rng.uniform(0.1, 2.0)), shared=bool(seed % 2))
    l = int(rng.integers(0, N))
    for conn in ens:
        m1, v = moments(mu, sigma, [conn], range(N))
        m1r, vr = moments(mu, sigma, [conn], [k for k in range(N) if k != l])
        s2 = math.log(1 + v[0, 0] / m1[0] ** 2)
        s2r = math.log(1 + vr[0, 0] / m1r[0] ** 2)
        expected = (math.log(m1[0]) - s2 / 2) - (math.log(m1r[0]) - s2r / 2) + 0.5 * math.log(s2 / s2r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", analytic.NegativeInformationWarning)
            got = analytic.mutual_information(mu, sigma, [conn], l)
        assert got == pytest.approx(expected, rel=RTOL, abs=1e-12)
        # reversing the pair is the same connection
        assert analytic.fenton_wilkinson_information(mu, sigma, [conn[::-1]], l).value == got


# ------------------------------------------------------------------ moments


@pytest.mark.parametrize("seed,shared", [(0, False), (1, True), (2, False)])
def test_weight_moments_match_loops(seed, shared):
    rng = np.random.default_rng(seed)
    mu, sigma, ens = random_case(rng, 6, 7, 5, scale=0.7, shared=shared)
    m1_ref, v_ref = moments(mu, sigma, ens, range(6))
    m1, v = analytic.weight_moments(mu, sigma, ens)
    assert close(m1, m1_ref, rtol=1e-12)
    assert close(v, v_ref, rtol=1e-11)


def lognormal_moments(mu_w, sigma_w):
    """Mean and covariance of LogNormal(mu_w, Sigma_w), written out entry by entry."""
    n = len(mu_w)
    mean = np.array([math.exp(mu_w[a] + sigma_w[a][a] / 2) for a in range(n)])
    cov = np.array([[math.exp(mu_w[a] + mu_w[b] + (sigma_w[a][a] + sigma_w[b][b]) / 2)
                     * (math.exp(sigma_w[a][b]) - 1) for b in range(n)] for a in range(n)])
    return mean, cov


@pytest.mark.parametrize("seed,shared", [(10, False), (11, True), (12, False), (13, True)])
def test_fitted_lognormal_reproduces_m1_and_v(seed, shared):
    # docs/theory.md §3: the fitted log-normal has exactly the first and second moments
    # of docs/theory.md §2 (computed here by independent loops), with and without pattern l.
    rng = np.random.default_rng(seed)
    N = 7
    mu, sigma, ens = random_case(rng, N, 8, 6, scale=float(rng.uniform(0.2, 1.5)), shared=shared)
    l = 3
    for exclude, patterns in ((None, range(N)), (l, [k for k in range(N) if k != l])):
        mu_w, sigma_w = analytic.fenton_wilkinson_params(mu, sigma, ens, exclude=exclude)
        mean, cov = lognormal_moments(mu_w, sigma_w)
        m1_ref, v_ref = moments(mu, sigma, ens, patterns)
        assert close(mean, m1_ref, rtol=1e-12)
        assert close(cov, v_ref, rtol=1e-10)
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, l)
    full = analytic.fenton_wilkinson_params(mu, sigma, ens)
    rest = analytic.fenton_wilkinson_params(mu, sigma, ens, exclude=l)
    assert close(res.mu_w, full[0], rtol=1e-14) and close(res.sigma_w, full[1], rtol=1e-14)
    assert close(res.mu_w_rest, rest[0], rtol=1e-14) and close(res.sigma_w_rest, rest[1], rtol=1e-14)


def test_shared_sigma_equals_repeated_sigma():
    rng = np.random.default_rng(21)
    mu, sigma, ens = random_case(rng, 5, 6, 4, shared=True)
    a = analytic.fenton_wilkinson_information(mu, sigma, ens, 2)
    b = analytic.fenton_wilkinson_information(mu, np.tile(sigma, (5, 1, 1)), ens, 2)
    assert a.value == pytest.approx(b.value, rel=1e-14)
    assert a.status is b.status


def test_mutual_information_is_float_and_silent_when_valid():
    rng = np.random.default_rng(22)
    mu, sigma, ens = random_case(rng, 4, 5, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = analytic.mutual_information(mu, sigma, ens, 1)
    assert type(value) is float
    ref = reference(mu, sigma, ens, 1)["value"]
    assert ref > 0 and value == pytest.approx(ref, rel=RTOL)


# -------------------------------------------------------------------- batch


def _mixed_cases():
    rng = np.random.default_rng(31)
    out = []
    for t in range(14):
        N = int(rng.integers(1, 7))
        d = int(rng.integers(4, 8))
        n = int(rng.integers(1, 5))
        mu, sigma, ens = random_case(rng, N, d, n, scale=float(rng.uniform(0.1, 3.0)), shared=bool(t % 3 == 0))
        out.append((mu, sigma, ens, int(rng.integers(0, N))))
    # a constructed indefinite case (test_analytic_status.py) and an N = 2 singular one
    out.append((np.array([[0, 0, 0], [0, -10, 5.0]]),
                np.array([np.diag([4, 0.01, 0.01]), 0.01 * np.eye(3)]), [(0, 1), (0, 2)], 0))
    out.append((np.zeros((2, 4)), np.stack([random_psd(rng, 4), random_psd(rng, 4)]),
                [(i, j) for i in range(4) for j in range(i + 1, 4)], 1))
    return out


def test_batch_equals_single_calls():
    cases = _mixed_cases()
    as_case = [analytic.validate_case(*c) for c in cases]
    as_dict = [{"mu": c[0], "sigma": c[1], "ensemble": c[2], "pattern": c[3]} for c in cases]
    items = [cases[t] if t % 3 == 0 else as_case[t] if t % 3 == 1 else as_dict[t] for t in range(len(cases))]
    df = analytic.mutual_information_batch(items)
    assert len(df) == len(cases)
    statuses = set()
    for t, c in enumerate(cases):
        single = analytic.fenton_wilkinson_information(*c)
        row = df.iloc[t]
        statuses.add(single.status)
        assert row["status"] == single.status.value
        assert row["n_patterns"] == np.asarray(c[0]).shape[0]
        assert row["dim"] == np.asarray(c[0]).shape[1]
        assert row["n_connections"] == len(c[2])
        assert row["pattern"] == c[3]
        for key in ("value", "authors_value", "min_eig"):
            a, b = row[key], getattr(single, key)
            assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-15), key
        assert bool(row["authors_kept"]) == single.authors_kept
    # the mix must exercise the flags, not only valid cases
    assert {Status.INFINITE, Status.INDEFINITE, Status.SINGULAR} <= statuses


def test_batch_empty_and_error_names_case():
    assert len(analytic.mutual_information_batch([])) == 0
    good = (np.zeros((2, 3)), np.eye(3), [(0, 1)], 0)
    bad = (np.zeros((2, 3)), np.eye(3), [(0, 0)], 0)
    with pytest.raises(ValueError, match=r"cases\[1\].*ensemble"):
        analytic.mutual_information_batch([good, bad])


# --------------------------------------------------------------- invariances


def _fw(mu, sigma, ens, l):
    return analytic.fenton_wilkinson_information(mu, sigma, ens, l)


def _same(a, b, rtol=1e-11):
    assert a.status is b.status
    if np.isfinite(a.value):
        assert b.value == pytest.approx(a.value, rel=rtol, abs=1e-13)
    else:
        assert np.isnan(a.value) == np.isnan(b.value) and np.isinf(a.value) == np.isinf(b.value)


@pytest.fixture
def case_6():
    rng = np.random.default_rng(41)
    mu, sigma, ens = random_case(rng, 6, 7, 5, scale=0.6)
    return mu, sigma, ens, 2


def test_swap_i_j(case_6):
    mu, sigma, ens, l = case_6
    swapped = [(j, i) if t % 2 == 0 else (i, j) for t, (i, j) in enumerate(ens)]
    _same(_fw(mu, sigma, ens, l), _fw(mu, sigma, swapped, l), rtol=0)


def test_relabel_neurons(case_6):
    mu, sigma, ens, l = case_6
    perm = np.random.default_rng(1).permutation(mu.shape[1])  # new neuron t is old neuron perm[t]
    inv = np.argsort(perm)
    mu2 = mu[:, perm]
    sigma2 = sigma[:, perm][:, :, perm]
    ens2 = [(int(inv[i]), int(inv[j])) for i, j in ens]
    base = _fw(mu, sigma, ens, l)
    other = _fw(mu2, sigma2, ens2, l)
    _same(base, other)
    assert close(other.sigma_w, base.sigma_w, rtol=1e-13)


def test_permute_other_patterns(case_6):
    mu, sigma, ens, l = case_6
    N = mu.shape[0]
    order = [k for k in range(N) if k != l]
    order = list(np.random.default_rng(2).permutation(order))
    order.insert(4, l)  # target moves from index 2 to index 4
    _same(_fw(mu, sigma, ens, l), _fw(mu[order], sigma[order], ens, 4))


def test_neurons_outside_ensemble_do_not_matter(case_6):
    # context invariance (docs/theory.md §2): append 3 neurons correlated with the old ones
    mu, sigma, ens, l = case_6
    rng = np.random.default_rng(3)
    N, d = mu.shape
    extra = 3
    mu2 = np.hstack([mu, rng.uniform(-2, 2, size=(N, extra))])
    sigma2 = np.empty((N, d + extra, d + extra))
    for k in range(N):
        g = rng.standard_normal((d, extra)) * 0.5
        dmat = random_psd(rng, extra)
        sigma2[k] = np.block([[sigma[k], sigma[k] @ g], [g.T @ sigma[k], g.T @ sigma[k] @ g + dmat]])
    base = _fw(mu, sigma, ens, l)
    # prepend as well as append: move the new neurons to the front
    perm = np.r_[d:d + extra, 0:d]
    inv = np.argsort(perm)
    ens3 = [(int(inv[i]), int(inv[j])) for i, j in ens]
    _same(base, _fw(mu2, sigma2, ens, l))
    _same(base, _fw(mu2[:, perm], sigma2[:, perm][:, :, perm], ens3, l))
    # and changing the extra neurons' parameters changes nothing either
    mu4 = mu2.copy()
    mu4[:, d:] += 7.0
    _same(base, _fw(mu4, sigma2, ens, l))


def test_reorder_ensemble(case_6):
    mu, sigma, ens, l = case_6
    order = np.random.default_rng(4).permutation(len(ens))
    base = _fw(mu, sigma, ens, l)
    other = _fw(mu, sigma, [ens[t] for t in order], l)
    _same(base, other)
    assert close(other.sigma_w, base.sigma_w[np.ix_(order, order)], rtol=1e-14)
    assert close(other.mu_w, base.mu_w[order], rtol=1e-14)


# ------------------------------------------------- identical patterns, N trend


@pytest.mark.parametrize("ens", [[(0, 1)], [(0, 1), (2, 3), (1, 4)], [(0, 1), (0, 2), (1, 2), (3, 5)]])
def test_information_decreases_as_identical_patterns_are_added(ens):
    rng = np.random.default_rng(51)
    d = 6
    sigma = random_psd(rng, d, 0.8)
    mu0 = rng.uniform(-1, 1, d)
    values = [analytic.mutual_information(np.tile(mu0, (N, 1)), sigma, ens, 0) for N in range(2, 41)]
    assert all(np.isfinite(values)) and min(values) > 0
    assert np.all(np.diff(values) < 0)
    # n = 1 with N identical patterns has the closed form
    # I = ln(N/(N-1)) - (s_N - s_{N-1})/2 + ln(s_N / s_{N-1})/2, s_N = ln(1 + expm1(c)/N)
    if len(ens) == 1:
        c = sigma[0, 0] + 2 * sigma[0, 1] + sigma[1, 1]
        for N, v in zip(range(2, 41), values):
            s, sr = math.log1p(math.expm1(c) / N), math.log1p(math.expm1(c) / (N - 1))
            assert v == pytest.approx(math.log(N / (N - 1)) - (s - sr) / 2 + 0.5 * math.log(s / sr), rel=1e-12)


# ------------------------------------------------------- extreme numerics


def _extreme_sigma(rng, N, d, top=25.0):
    """Per-pattern covariances with eigenvalues in [0.05, 25], the largest exactly 25."""
    out = []
    for _ in range(N):
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        lam = rng.uniform(0.05, top, d)
        lam[0] = top
        s = (q * lam) @ q.T
        out.append(0.5 * (s + s.T))
    return np.stack(out)


@pytest.mark.parametrize("seed", range(4))
def test_extreme_scales_shift_invariance(seed):
    # Adding s to every neuron's mu in every pattern multiplies each z_k[a] by e^{2s}:
    # Sigma_w, Sigma_w^(-l) and I are unchanged, mu_w and mu_w^(-l) shift by 2 s exactly
    # (docs/theory.md §3).  At |mu| <= 50 this is where naive linear-space code
    # overflows or underflows (e^{2*50 + 4*25/2} ~ e^150 per term, squared in V).
    # Tolerance: the log-space shift moves the log-weights by ~100, so p_k = exp(log_e - ln M1)
    # carries absolute rounding ~1e-14; 1e-10 relative is ample and still tight.
    rng = np.random.default_rng(60 + seed)
    N, d = 5, 8
    sigma = _extreme_sigma(rng, N, d)
    mu = rng.uniform(-1, 1, size=(N, d))
    ens = [(0, 1), (2, 3), (1, 4), (0, 5), (6, 7)]
    l = 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning (overflow, invalid) fails
        base = analytic.fenton_wilkinson_information(mu, sigma, ens, l)
        shifted = [analytic.fenton_wilkinson_information(mu + s, sigma, ens, l) for s in (49.0, -49.0)]
    assert np.all(np.isfinite(base.sigma_w)) and np.all(np.isfinite(base.mu_w))
    ref = reference(mu, sigma, ens, l)  # linear space still fits at this scale (e^400 < e^709)
    assert close(base.sigma_w, ref["sigma_w"], rtol=1e-9)
    if ref["authors"] is not None:
        assert base.authors_value == pytest.approx(ref["authors"], rel=1e-9)
    for s, res in zip((49.0, -49.0), shifted):
        assert res.status is base.status
        assert close(res.sigma_w, base.sigma_w, rtol=1e-10)
        assert close(res.sigma_w_rest, base.sigma_w_rest, rtol=1e-10)
        assert close(res.mu_w - base.mu_w, 2 * s, rtol=1e-12)
        assert close(res.mu_w_rest - base.mu_w_rest, 2 * s, rtol=1e-12)
        if np.isfinite(base.value):
            assert res.value == pytest.approx(base.value, rel=1e-10, abs=1e-10)
        else:
            assert np.isnan(res.value) == np.isnan(base.value)
        if np.isfinite(base.authors_value):
            assert res.authors_value == pytest.approx(base.authors_value, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_extreme_mu_50_and_eigenvalues_25(seed):
    # mu entries exactly +-50 (|m_k[a]| up to 100) and eigenvalues up to 25 (c up to 100):
    # e_k[a] spans e^{-100} .. e^{150}; no overflow/underflow warnings, finite parameters,
    # a value or a flag, and agreement with the linear-space reference, which is still
    # representable here (largest term e^{2*150+100} = e^{400}) although it would not be
    # for somewhat larger inputs.
    rng = np.random.default_rng(70 + seed)
    N, d = 4, 6
    sigma = _extreme_sigma(rng, N, d)
    mu = rng.choice([-50.0, 50.0], size=(N, d))
    ens = [(0, 1), (2, 3), (4, 5), (1, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = analytic.fenton_wilkinson_information(mu, sigma, ens, 1)
        batch = analytic.mutual_information_batch([(mu, sigma, ens, 1)])
    assert np.all(np.isfinite(res.mu_w)) and np.all(np.isfinite(res.sigma_w))
    assert np.all(np.isfinite(res.mu_w_rest)) and np.all(np.isfinite(res.sigma_w_rest))
    assert np.isfinite(res.value) or res.status in (Status.INDEFINITE, Status.SINGULAR)
    ref = reference(mu, sigma, ens, 1)
    assert close(res.mu_w, ref["mu_w"], rtol=1e-10)
    assert close(res.sigma_w, ref["sigma_w"], rtol=1e-9, atol=1e-9)
    assert close(res.sigma_w_rest, ref["sigma_w_rest"], rtol=1e-9, atol=1e-9)
    if ref["authors"] is not None and np.isfinite(res.authors_value):
        assert res.authors_value == pytest.approx(ref["authors"], rel=1e-8, abs=1e-8)
    assert batch["status"][0] == res.status.value


def test_far_beyond_the_specified_range():
    # The specification asks for |mu| <= 50; the log-space design goes as far as the weights
    # themselves fit a double.  A common shift of 300 (e^{600} per weight: the linear-scale
    # moments, e^{1200}, overflow a double) must leave the information and Sigma_w unchanged.
    # A shift of 400 (e^{800} per weight) makes the weights themselves overflow: an input error
    # naming mu (analytic.inputs.validate_case), not a result.
    rng = np.random.default_rng(80)
    mu, sigma, ens = random_case(rng, 6, 6, 4, scale=2.0)
    assert np.abs(mu).max() < 4
    base = analytic.fenton_wilkinson_information(mu, sigma, ens, 3)
    assert np.isfinite(base.value)
    for s in (400.0, -400.0):
        with pytest.raises(ValueError, match=r"^mu: .*mean log-weight.*beyond what float64 can hold"):
            analytic.fenton_wilkinson_information(mu + s, sigma, ens, 3)
    for s in (300.0, -300.0):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = analytic.fenton_wilkinson_information(mu + s, sigma, ens, 3)
        assert res.status is base.status
        assert res.value == pytest.approx(base.value, rel=1e-9)
        assert close(res.sigma_w, base.sigma_w, rtol=1e-9)
