"""Validity status of the FW information on deliberately constructed cases (docs/theory.md §4).

Each case is built by hand so that the property that decides its status can be
checked independently (with the loop reference of ``_analytic_reference.py``
and numpy eigenvalues) before the status of ``analytic`` is asserted.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _analytic_reference import random_psd, reference

from synmi import analytic
from synmi.analytic import (
    ApproximationUndefinedWarning,
    InfiniteInformationWarning,
    NegativeInformationWarning,
    Status,
    SynmiWarning,
)


def no_synmi_warning(fn, *args):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*args)
    assert not [w for w in rec if issubclass(w.category, SynmiWarning)]
    return out


# ------------------------------------------------------------------- N = 1


@pytest.mark.parametrize("ens", [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (0, 2), (1, 2)]])
def test_single_pattern_is_infinite(ens):
    mu = np.array([[0.2, -0.1, 0.4]])
    sigma = random_psd(np.random.default_rng(0), 3)
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, 0)
    assert res.status is Status.INFINITE
    assert res.value == math.inf
    assert "N = 1" in res.reason
    assert not res.is_valid
    assert math.isnan(res.authors_value) and res.authors_kept is False
    # the full-ensemble log-normal of one pattern is exact: Sigma_w = c (docs/theory.md §2)
    ref = reference(mu, sigma, ens, 0)
    assert np.allclose(res.sigma_w, ref["sigma_w"], rtol=1e-12)
    with pytest.warns(InfiniteInformationWarning, match="N = 1"):
        assert analytic.mutual_information(mu, sigma, ens, 0) == math.inf
    df = analytic.mutual_information_batch([(mu, sigma, ens, 0)])
    assert df["status"][0] == "infinite" and df["value"][0] == math.inf


def test_single_pattern_excluding_it_is_an_error():
    with pytest.raises(ValueError, match="exclude"):
        analytic.fenton_wilkinson_params(np.zeros((1, 3)), np.eye(3), [(0, 1)], exclude=0)


# ---------------------------------------------------------------- singular


def test_singular_rest_rank_one_pattern():
    # N = 2.  Without the target, w_S^(-l) = z_r of the one remaining pattern, whose
    # log-covariance c_r = B Sigma_r B^T has the rank of Sigma_r = v v^T, i.e. 1 < n = 2:
    # Sigma_w^(-l) = c_r is singular, Sigma_w is not, and I_FW diverges to +inf.
    v = np.array([1.0, 0.5, -0.3])
    mu = np.zeros((2, 3))
    sigma = np.array([0.5 * np.eye(3) + 0.1, np.outer(v, v)])
    ens = [(0, 1), (1, 2)]
    ref = reference(mu, sigma, ens, 0)
    assert abs(ref["eig_rest"][0]) < 1e-12 * ref["eig_rest"][-1]
    assert ref["eig"][0] > 0.1
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, 0)
    assert res.status is Status.SINGULAR
    assert res.value == math.inf
    assert "Sigma_w^(-l) is singular" in res.reason
    with pytest.warns(InfiniteInformationWarning):
        assert analytic.mutual_information(mu, sigma, ens, 0) == math.inf
    # taking the other pattern as target: the rest (the full-rank pattern) is regular
    other = analytic.fenton_wilkinson_information(mu, sigma, ens, 1)
    assert other.status in (Status.VALID, Status.NEGATIVE) and np.isfinite(other.value)


@pytest.mark.parametrize("seed", range(3))
def test_singular_rest_more_connections_than_neurons(seed):
    # N = 2, d = 4, all n = 6 connections: c_r = B Sigma_r B^T has rank <= |V(S)| = 4 < 6.
    rng = np.random.default_rng(seed)
    sigma = np.stack([random_psd(rng, 4, 0.1), random_psd(rng, 4, 0.1)])
    mu = rng.uniform(-1, 1, (2, 4))
    ens = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    ref = reference(mu, sigma, ens, 1)
    assert np.sum(np.abs(ref["eig_rest"]) < 1e-12 * ref["eig_rest"][-1]) == 2  # two null directions
    assert ref["eig"][0] > 1e-6 * ref["eig"][-1]  # Sigma_w itself regular (checked independently)
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, 1)
    assert res.status is Status.SINGULAR and res.value == math.inf
    with pytest.warns(InfiniteInformationWarning):
        analytic.mutual_information(mu, sigma, ens, 1)


def test_singular_sigma_w_duplicate_neuron():
    # Neuron 3 is an exact copy of neuron 2 (same mu, same row/column of Sigma), so the
    # connections (0, 2) and (0, 3) carry identical weights: Sigma_w and Sigma_w^(-l) both
    # have two equal rows.  h(w_S) = -inf - h(w^(-l)) = -inf: undefined, reported as nan.
    rng = np.random.default_rng(5)
    N = 4
    mu = rng.uniform(-1, 1, (N, 3))
    mu = np.hstack([mu, mu[:, 2:3]])
    sigma = []
    for _ in range(N):
        s3 = random_psd(rng, 3, 0.5)
        t = np.zeros((4, 3))
        t[:3, :3] = np.eye(3)
        t[3, 2] = 1.0
        sigma.append(t @ s3 @ t.T)
    sigma = np.stack(sigma)
    ens = [(0, 2), (0, 3), (1, 2)]
    ref = reference(mu, sigma, ens, 1)
    assert abs(ref["eig"][0]) < 1e-12 * ref["eig"][-1]
    res = analytic.fenton_wilkinson_information(mu, sigma, ens, 1)
    assert res.status is Status.SINGULAR
    assert math.isnan(res.value)
    assert "Sigma_w is singular" in res.reason
    with pytest.warns(ApproximationUndefinedWarning):
        assert math.isnan(analytic.mutual_information(mu, sigma, ens, 1))


def test_zero_covariance_is_singular():
    # Sigma_k = 0: the weights are constants, Sigma_w = Sigma_w^(-l) = 0.
    res = analytic.fenton_wilkinson_information(np.zeros((3, 3)), np.zeros((3, 3)), [(0, 1)], 0)
    assert res.status is Status.SINGULAR and math.isnan(res.value)
    with pytest.warns(ApproximationUndefinedWarning):
        analytic.mutual_information(np.zeros((3, 3)), np.zeros((3, 3)), [(0, 1)], 0)


# -------------------------------------------------------------- indefinite
#
# Pattern 0 has a large log-variance on neuron 0 only, so z_0[(0,1)] and z_0[(0,2)]
# move together (correlation ~1).  Pattern 1 adds an almost constant, large mean e^5
# to connection (0,2) only.  Then V / (M1 M1^T) is a nearly rank-one PSD matrix with
# very different diagonal entries (~54 and ~0.12), and its entry-wise log1p is
# indefinite: log1p(r_ab)^2 > log1p(r_aa) log1p(r_bb) (concavity of log1p).

IND_MU = np.array([[0.0, 0.0, 0.0], [0.0, -10.0, 5.0]])
IND_SIGMA = np.array([np.diag([4.0, 0.01, 0.01]), 0.01 * np.eye(3)])
IND_ENS = [(0, 1), (0, 2)]


@pytest.mark.parametrize("target", [0, 1])
def test_indefinite_sigma_w(target):
    ref = reference(IND_MU, IND_SIGMA, IND_ENS, target)
    assert ref["eig"][0] < -0.1  # independently: Sigma_w indefinite
    assert ref["eig_rest"][0] > 1e-3  # the single-pattern rest is fine
    res = analytic.fenton_wilkinson_information(IND_MU, IND_SIGMA, IND_ENS, target)
    assert res.status is Status.INDEFINITE
    assert math.isnan(res.value)
    assert res.min_eig == pytest.approx(ref["eig"][0], rel=1e-9)
    assert "Sigma_w is indefinite" in res.reason
    # det Sigma_w < 0 < det Sigma_w^(-l): the authors' ratio is negative, dropped too
    assert ref["authors"] is None
    assert math.isnan(res.authors_value) and not res.authors_kept
    with pytest.warns(ApproximationUndefinedWarning, match="indefinite"):
        assert math.isnan(analytic.mutual_information(IND_MU, IND_SIGMA, IND_ENS, target))


def test_indefinite_rest_only():
    # A third pattern, the target, with large independent noise on neurons 1 and 2 makes
    # Sigma_w positive definite; Sigma_w^(-l) is the indefinite matrix above.
    mu = np.vstack([IND_MU, [3.0, 3.0, 3.0]])
    sigma = np.concatenate([IND_SIGMA, np.diag([0.01, 2.0, 2.0])[None]])
    ref = reference(mu, sigma, IND_ENS, 2)
    assert ref["eig"][0] > 0.5 and ref["eig_rest"][0] < -0.1
    res = analytic.fenton_wilkinson_information(mu, sigma, IND_ENS, 2)
    assert res.status is Status.INDEFINITE and math.isnan(res.value)
    assert "Sigma_w^(-l) is indefinite" in res.reason and "Sigma_w is indefinite" not in res.reason
    with pytest.warns(ApproximationUndefinedWarning):
        analytic.mutual_information(mu, sigma, IND_ENS, 2)


def test_both_indefinite_authors_keep_it():
    # A tiny third pattern as target: both matrices indefinite with negative determinants,
    # so det A / det B > 0 and the authors' procedure returns (and keeps) a positive number.
    # The harness must still say nan / indefinite (docs/theory.md §4).
    mu = np.vstack([IND_MU, [-3.0, -3.0, -3.0]])
    sigma = np.concatenate([IND_SIGMA, np.diag([0.01, 2.0, 2.0])[None]])
    ref = reference(mu, sigma, IND_ENS, 2)
    assert ref["eig"][0] < -0.1 and ref["eig_rest"][0] < -0.1
    assert ref["det"] < 0 and ref["det_rest"] < 0
    assert ref["authors"] is not None and ref["authors"] > 0
    res = analytic.fenton_wilkinson_information(mu, sigma, IND_ENS, 2)
    assert res.status is Status.INDEFINITE and math.isnan(res.value)
    assert res.authors_value == pytest.approx(ref["authors"], rel=1e-9)
    assert res.authors_kept is True
    df = analytic.mutual_information_batch([(mu, sigma, IND_ENS, 2)])
    assert df["status"][0] == "indefinite" and math.isnan(df["value"][0])
    assert df["authors_kept"][0]


# ---------------------------------------------------------------- negative


def test_negative_constructed():
    # n = 1, N = 2.  Target: small mean e_l = 0.1 with log-variance c_l = 16
    # (Sigma_l = 4 * ones(2, 2), so c = 4 + 2*4 + 4); rest: mu = 0, c_r = 0.005, e_r = e^{c_r/2}.
    # Adding x_l raises sigma_w^2 from c_r = 0.005 to ~11.2 while ln M1 rises only by ~ln 1.1:
    # I = ln((e_l + e_r)/e_r) - (s - c_r)/2 + ln(s / c_r)/2 < 0 with
    # s = ln(1 + (e_l^2 expm1(16) + e_r^2 expm1(c_r)) / (e_l + e_r)^2).
    m_l = math.log(0.1) - 8.0
    mu = np.array([[m_l / 2, m_l / 2], [0.0, 0.0]])
    sigma = np.array([[[4.0, 4.0], [4.0, 4.0]], 0.0025 * np.eye(2)])
    c_r = 0.005
    e_l, e_r = 0.1, math.exp(c_r / 2)
    s = math.log(1 + (e_l ** 2 * math.expm1(16.0) + e_r ** 2 * math.expm1(c_r)) / (e_l + e_r) ** 2)
    expected = math.log((e_l + e_r) / e_r) - (s - c_r) / 2 + 0.5 * math.log(s / c_r)
    assert expected < -1.0
    res = analytic.fenton_wilkinson_information(mu, sigma, [(0, 1)], 0)
    assert res.status is Status.NEGATIVE
    assert res.value == pytest.approx(expected, rel=1e-12)
    assert res.min_eig > 0 and res.min_eig_rest > 0
    assert "never negative" in res.reason
    # the authors' filter drops negative results
    assert res.authors_value == pytest.approx(expected, rel=1e-12) and not res.authors_kept
    with pytest.warns(NegativeInformationWarning):
        assert analytic.mutual_information(mu, sigma, [(0, 1)], 0) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------- valid


def test_valid_is_silent_and_kept():
    rng = np.random.default_rng(9)
    mu = rng.uniform(-1, 1, (5, 6))
    sigma = random_psd(rng, 6, 0.5)
    ens = [(0, 1), (2, 5), (3, 4)]
    ref = reference(mu, sigma, ens, 4)
    assert ref["eig"][0] > 0 and ref["eig_rest"][0] > 0 and ref["value"] > 0
    res = no_synmi_warning(analytic.fenton_wilkinson_information, mu, sigma, ens, 4)
    assert res.status is Status.VALID and res.is_valid
    assert res.authors_kept and res.authors_value == pytest.approx(res.value, rel=1e-12)
    value = no_synmi_warning(analytic.mutual_information, mu, sigma, ens, 4)
    assert value == pytest.approx(ref["value"], rel=1e-9)


def test_fenton_wilkinson_information_never_warns():
    # the rich call reports through status only
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for args in ((IND_MU, IND_SIGMA, IND_ENS, 0), (np.zeros((1, 3)), np.eye(3), [(0, 1)], 0)):
            analytic.fenton_wilkinson_information(*args)


# ------------------------------------------- set-3 draws against the reference


def test_set3_statuses_agree_with_reference_classification():
    # Realistic inputs: set-3 draws with small ensembles (so the loop reference is cheap).
    # The status is re-derived from the reference's Sigma_w eigenvalues and sign of the
    # value; cases within 1e-8 (relative) of a boundary are skipped as ambiguous.
    seen = set()
    for t in range(80):
        rng = np.random.default_rng(1000 + t)
        case = analytic.set3_case(rng, dim=8, n=int(rng.integers(2, 7)), n_patterns=int(rng.integers(2, 12)))
        ens = case.ensemble.tolist()
        ref = reference(case.mu, case.sigma, ens, case.pattern)
        res = analytic.fenton_wilkinson_information(case.mu, case.sigma, ens, case.pattern)
        lo, lo_r = ref["eig"][0], ref["eig_rest"][0]
        scale, scale_r = abs(ref["eig"]).max(), abs(ref["eig_rest"]).max()
        if abs(lo) < 1e-8 * scale or abs(lo_r) < 1e-8 * scale_r:
            continue
        if lo < 0 or lo_r < 0:
            expected = Status.INDEFINITE
        elif ref["value"] < 0:
            expected = Status.NEGATIVE
        else:
            expected = Status.VALID
        assert res.status is expected, (t, res.reason)
        if expected is not Status.INDEFINITE:
            assert res.value == pytest.approx(ref["value"], rel=1e-8, abs=1e-10)
        else:
            assert math.isnan(res.value)
        seen.add(expected)
    assert {Status.VALID, Status.INDEFINITE} <= seen
