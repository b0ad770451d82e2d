"""Hypothesis properties of the FW information over random valid inputs (issue 2).

Inputs vary ``N`` (1-7), ``d`` (2-7), ``n``, shared or per-pattern covariances,
log-variance scale (0.01-6), correlation structure (exchangeable ``rho`` over its
whole range, mixed with a random full-rank part, possibly rank-deficient) and mean
scale (up to |mu| = 10).  Properties:

* every result is a finite value with status valid/negative, or is flagged
  (nan: indefinite/singular, inf: infinite/singular) -- never a silent NaN;
* ``mutual_information`` warns with a synmi warning exactly when flagged;
* the status agrees with independent eigenvalues of the returned matrices;
* valid values agree with the independent linear-space loop reference;
* the invariances of docs/theory.md §2 hold.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
from _analytic_reference import reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synmi import analytic
from synmi.analytic import Status, SynmiWarning

# 60 examples per property keep the analytic tests well under a minute; set
# SYNMI_HYPOTHESIS_EXAMPLES for a deeper search.
SETTINGS = settings(max_examples=int(os.environ.get("SYNMI_HYPOTHESIS_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw, max_n_patterns=7, max_dim=7):
    n_patterns = draw(st.integers(1, max_n_patterns))
    dim = draw(st.integers(2, max_dim))
    total = dim * (dim - 1) // 2
    n = draw(st.integers(1, min(total, 6)))
    scale = draw(st.floats(0.01, 6.0))
    mu_scale = draw(st.floats(0.0, 10.0))
    rho = draw(st.floats(-1.0 / (dim - 1), 1.0))
    mix = draw(st.floats(0.0, 1.0))  # weight of the random full-rank part
    shared = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)

    def one_sigma():
        exch = np.full((dim, dim), rho)
        np.fill_diagonal(exch, 1.0)
        a = rng.standard_normal((dim, dim))
        s = scale * ((1 - mix) * exch + mix * a @ a.T / dim)
        return 0.5 * (s + s.T)

    sigma = one_sigma() if shared else np.stack([one_sigma() for _ in range(n_patterns)])
    mu = rng.uniform(-mu_scale, mu_scale, size=(n_patterns, dim))
    pairs = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    ens = [pairs[t] for t in rng.choice(total, size=n, replace=False)]
    pattern = draw(st.integers(0, n_patterns - 1))
    return mu, sigma, ens, pattern


def _stack(sigma, n_patterns):
    return np.broadcast_to(sigma, (n_patterns,) + sigma.shape[-2:]).copy() if sigma.ndim == 2 else sigma


def _check_consistent(res, n_patterns):
    v = res.value
    assert isinstance(v, float)
    if res.status is Status.VALID:
        assert math.isfinite(v) and v >= 0
        assert res.min_eig > 0 and res.min_eig_rest > 0
    elif res.status is Status.NEGATIVE:
        assert math.isfinite(v) and v < 0
        assert res.min_eig > 0 and res.min_eig_rest > 0
    elif res.status is Status.INDEFINITE:
        assert math.isnan(v)
        assert res.min_eig < 0 or res.min_eig_rest < 0
    elif res.status is Status.SINGULAR:
        assert math.isnan(v) or v == math.inf
    elif res.status is Status.INFINITE:
        assert v == math.inf
    assert (res.status is Status.INFINITE) == (n_patterns == 1)
    if math.isnan(v):
        assert res.status in (Status.INDEFINITE, Status.SINGULAR)
    # parameters are finite (the N = 1 rest is documented as -inf / nan)
    assert np.all(np.isfinite(res.mu_w)) and np.all(np.isfinite(res.sigma_w))
    if n_patterns > 1:
        assert np.all(np.isfinite(res.mu_w_rest)) and np.all(np.isfinite(res.sigma_w_rest))
        # independent eigenvalues of the returned matrices; a clear sign decides the status
        lo = np.linalg.eigvalsh(res.sigma_w)
        lo_r = np.linalg.eigvalsh(res.sigma_w_rest)
        tol, tol_r = 1e-8 * np.abs(lo).max(), 1e-8 * np.abs(lo_r).max()
        if lo[0] < -tol or lo_r[0] < -tol_r:
            assert res.status is Status.INDEFINITE
        elif lo[0] > tol and lo_r[0] > tol_r:
            assert res.status in (Status.VALID, Status.NEGATIVE)
    if res.status in (Status.VALID, Status.NEGATIVE):
        # both determinants positive: the authors' ln(det ratio) is the same number
        assert abs(res.authors_value - v) <= 1e-9 * max(1.0, abs(v))
        assert res.authors_kept == (v > 0)
    if res.authors_kept:
        assert math.isfinite(res.authors_value) and res.authors_value > 0


@SETTINGS
@given(cases())
def test_result_is_finite_valid_or_flagged(case):
    mu, sigma, ens, pattern = case
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = analytic.fenton_wilkinson_information(mu, sigma, ens, pattern)
    _check_consistent(res, mu.shape[0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        value = analytic.mutual_information(mu, sigma, ens, pattern)
    synmi = [w for w in rec if issubclass(w.category, SynmiWarning)]
    assert not [w for w in rec if issubclass(w.category, RuntimeWarning)]
    assert (value == res.value) or (math.isnan(value) and math.isnan(res.value))
    if res.status is Status.VALID:
        assert not synmi
    else:
        assert len(synmi) == 1  # never a silent nan, inf or negative value
        expected = {
            Status.INDEFINITE: analytic.ApproximationUndefinedWarning,
            Status.INFINITE: analytic.InfiniteInformationWarning,
            Status.NEGATIVE: analytic.NegativeInformationWarning,
            Status.SINGULAR: (analytic.InfiniteInformationWarning if value == math.inf
                              else analytic.ApproximationUndefinedWarning),
        }[res.status]
        assert synmi[0].category is expected


@SETTINGS
@given(cases(max_n_patterns=6, max_dim=6))
def test_valid_values_match_loop_reference(case):
    mu, sigma, ens, pattern = case
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, pattern)
    if mu.shape[0] == 1 or np.abs(mu).max() > 6 or (np.abs(sigma).max() > 5):
        return  # keep the linear-space reference far from overflow and cancellation
    if connection_log_variances(mu, sigma, ens).min() < 1e-3:
        return  # exp(c) - 1 cancels in the reference for tiny log-variances
    ref = reference(mu, sigma, ens, pattern)
    # error budget: entry rounding ~1e-13 relative (reference), amplified by the condition
    # numbers in the log-determinants
    cond = 1.0
    for key in ("eig", "eig_rest"):
        e = np.abs(ref[key])
        cond += e.max() / max(e.min(), 1e-300)
    assert np.allclose(res.sigma_w, ref["sigma_w"], rtol=1e-9, atol=1e-13)
    assert np.allclose(res.sigma_w_rest, ref["sigma_w_rest"], rtol=1e-9, atol=1e-13)
    assert np.allclose(res.mu_w, ref["mu_w"], rtol=1e-11, atol=1e-11)
    if res.status in (Status.VALID, Status.NEGATIVE) and cond < 1e6:
        assert ref["value"] is not None
        assert abs(res.value - ref["value"]) <= 1e-12 * cond * max(1.0, abs(ref["value"])) + 1e-10


def connection_log_variances(mu, sigma, ens):
    """``c_k[a, a]`` for every pattern and connection, shape (N, n)."""
    s = _stack(np.asarray(sigma), mu.shape[0])
    return np.array([[s[k, i, i] + 2 * s[k, i, j] + s[k, j, j] for i, j in ens] for k in range(mu.shape[0])])


def _same(a, b, rtol=1e-9):
    assert a.status is b.status, (a.reason, b.reason)
    if math.isfinite(a.value):
        assert abs(a.value - b.value) <= rtol * max(1.0, abs(a.value))
    else:
        assert (math.isnan(a.value) and math.isnan(b.value)) or a.value == b.value


def _borderline(res):
    # a matrix eigenvalue within 1e-7 (relative) of the singular threshold may legitimately
    # flip status under a re-ordering of floating-point sums; such draws are skipped
    for lo, m in ((res.min_eig, res.sigma_w), (res.min_eig_rest, res.sigma_w_rest)):
        if math.isfinite(lo):
            scale = np.abs(np.linalg.eigvalsh(m)).max()
            if abs(lo) < 1e-7 * scale:
                return True
    return bool(res.status is Status.NEGATIVE and abs(res.value) < 1e-9) or \
        bool(res.status is Status.VALID and abs(res.value) < 1e-9)


@SETTINGS
@given(cases(), st.data())
def test_invariances(case, data):
    mu, sigma, ens, pattern = case
    n_patterns, dim = mu.shape
    base = analytic.fenton_wilkinson_information(mu, sigma, ens, pattern)
    if _borderline(base):
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    sig3 = _stack(np.asarray(sigma), n_patterns)

    # swapping i and j in some connections: exactly the same connection
    flip = [(j, i) if rng.random() < 0.5 else (i, j) for i, j in ens]
    _same(base, analytic.fenton_wilkinson_information(mu, sigma, flip, pattern), rtol=0)

    # reordering the ensemble
    order = rng.permutation(len(ens))
    _same(base, analytic.fenton_wilkinson_information(mu, sigma, [ens[t] for t in order], pattern))

    # relabelling neurons consistently
    perm = rng.permutation(dim)
    inv = np.argsort(perm)
    ens_p = [(int(inv[i]), int(inv[j])) for i, j in ens]
    sig_p = sigma[perm][:, perm] if sigma.ndim == 2 else sigma[:, perm][:, :, perm]
    _same(base, analytic.fenton_wilkinson_information(mu[:, perm], sig_p, ens_p, pattern))

    # permuting the patterns other than l (l moves to a random position)
    others = [k for k in range(n_patterns) if k != pattern]
    others = list(rng.permutation(others)) if others else []
    pos = int(rng.integers(0, n_patterns))
    order = others[:pos] + [pattern] + others[pos:]
    _same(base, analytic.fenton_wilkinson_information(mu[order], sig3[order], ens, pos))

    # adding neurons outside V(S) (correlated with the existing ones)
    extra = int(rng.integers(1, 4))
    g = rng.standard_normal((n_patterns, dim, extra))
    big = np.empty((n_patterns, dim + extra, dim + extra))
    for k in range(n_patterns):
        b = rng.standard_normal((extra, extra))
        big[k] = np.block([[sig3[k], sig3[k] @ g[k]], [g[k].T @ sig3[k], g[k].T @ sig3[k] @ g[k] + b @ b.T]])
    mu_big = np.hstack([mu, rng.uniform(-3, 3, (n_patterns, extra))])
    _same(base, analytic.fenton_wilkinson_information(mu_big, big, ens, pattern))

    # the batch agrees with the single call
    df = analytic.mutual_information_batch([(mu, sigma, ens, pattern), (mu_big, big, ens, pattern)])
    assert list(df["status"]) == [base.status.value] * 2
    for v in df["value"]:
        if math.isfinite(base.value):
            assert abs(v - base.value) <= 1e-9 * max(1.0, abs(base.value))


@SETTINGS
@given(cases(max_n_patterns=5), st.floats(-40.0, 40.0))
def test_common_shift_of_mu(case, shift):
    # z_k[a] -> e^{2 shift} z_k[a] for all k, a: Sigma_w, Sigma_w^(-l), I unchanged
    mu, sigma, ens, pattern = case
    base = analytic.fenton_wilkinson_information(mu, sigma, ens, pattern)
    if _borderline(base):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        moved = analytic.fenton_wilkinson_information(mu + shift, sigma, ens, pattern)
    _same(base, moved, rtol=1e-9)
    assert np.allclose(moved.sigma_w, base.sigma_w, rtol=1e-9, atol=1e-12)
    assert np.allclose(moved.mu_w - base.mu_w, 2 * shift, rtol=0, atol=1e-9)
