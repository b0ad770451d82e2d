"""Bad input raises a ``ValueError`` that names the offending argument (issue 2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from synmi import analytic

N, D = 3, 4
MU = np.zeros((N, D))
SIGMA = 0.3 * np.eye(D)
SIGMAS = np.stack([0.3 * np.eye(D)] * N)
ENS = [(0, 1), (2, 3)]


def _not_symmetric():
    s = SIGMAS.copy()
    s[1, 0, 2] = 0.1
    return s


def _not_psd_shared():
    s = 0.3 * np.eye(D)
    s[0, 1] = s[1, 0] = 0.5  # 2x2 block [[.3,.5],[.5,.3]] has eigenvalue -0.2
    return s


def _not_psd_pattern2():
    s = SIGMAS.copy()
    s[2] = np.diag([0.3, 0.3, -0.01, 0.3])
    return s


def _nan(a, idx):
    a = np.array(a, dtype=float)
    a[idx] = np.nan
    return a


def _inf(a, idx):
    a = np.array(a, dtype=float)
    a[idx] = np.inf
    return a


def _set(a, idx, value):
    a = np.array(a, dtype=float)
    a[idx] = value
    return a


# (id, mu, sigma, ensemble, pattern, argument name, extra regex the message must match)
BAD = [
    # shapes and dimensions
    ("mu-1d", np.zeros(D), SIGMA, ENS, 0, "mu", r"shape"),
    ("mu-3d", np.zeros((N, D, 1)), SIGMA, ENS, 0, "mu", r"shape"),
    ("mu-ragged", [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0]], SIGMA, ENS, 0, "mu", r""),
    ("mu-text", [["a", "b"], ["c", "d"]], np.eye(2), [(0, 1)], 0, "mu", r"numeric"),
    ("N-zero", np.zeros((0, D)), SIGMA, ENS, 0, "mu", r"N >= 1"),
    ("d-one", np.zeros((N, 1)), np.eye(1), [(0, 0)], 0, "mu", r"d >= 2"),
    ("sigma-wrong-d", MU, np.eye(D + 1), ENS, 0, "sigma", r"shape"),
    ("sigma-wrong-N", MU, np.stack([np.eye(D)] * (N + 1)), ENS, 0, "sigma", r"shape"),
    ("sigma-not-square", MU, np.zeros((D, D - 1)), ENS, 0, "sigma", r"shape"),
    ("sigma-1d", MU, np.ones(D), ENS, 0, "sigma", r"shape"),
    ("sigma-4d", MU, SIGMAS[None], ENS, 0, "sigma", r"shape"),
    ("ensemble-triples", MU, SIGMA, [(0, 1, 2)], 0, "ensemble", r"pair"),
    ("ensemble-array-shape", MU, SIGMA, np.array([[0, 1, 2]]), 0, "ensemble", r"shape"),
    ("ensemble-not-sequence", MU, SIGMA, 5, 0, "ensemble", r"sequence"),
    ("ensemble-scalar-items", MU, SIGMA, [0, 1], 0, "ensemble", r"pair"),
    # non-finite entries
    ("mu-nan", _nan(MU, (1, 2)), SIGMA, ENS, 0, "mu", r"non-finite"),
    ("mu-inf", _inf(MU, (0, 0)), SIGMA, ENS, 0, "mu", r"non-finite"),
    ("sigma-nan", MU, _nan(SIGMAS, (2, 1, 1)), ENS, 0, "sigma", r"non-finite"),
    ("sigma-inf", MU, _inf(SIGMA, (3, 3)), ENS, 0, "sigma", r"non-finite"),
    # values a double cannot hold (analytic.inputs.LOG_FLOAT_MAX = ln(float64 max) ~ 709.78)
    ("mu-1e308", np.full((N, D), 1e308), SIGMA, ENS, 0, r"mu\[0, 0\]", r"beyond what float64 can hold"),
    ("mu-exp-overflows", _set(MU, (1, 2), -710.0), SIGMA, ENS, 0, r"mu\[1, 2\]", r"\|mu\| <= 709\.78"),
    ("mu-weight-overflows", _set(_set(MU, (2, 0), 355.0), (2, 3), 355.0), SIGMA, ENS, 0, "mu",
     r"mean log-weight mu\[2, 0\] \+ mu\[2, 3\] = 710 on connection \(0, 3\)"),
    ("mu-weight-underflows", _set(_set(MU, (0, 1), -355.0), (0, 2), -355.0), SIGMA, ENS, 0, "mu",
     r"= -710 on connection \(1, 2\)"),
    ("sigma-1e300", MU, 1e300 * np.eye(D), ENS, 0, r"sigma\[0, 0\]", r"beyond what float64 can hold"),
    ("sigma-huge-asymmetric", MU, _set(SIGMA, (0, 1), -1e308), ENS, 0, r"sigma\[0, 1\]", r"float64"),
    ("sigma-weight-variance", MU, 178.0 * np.ones((D, D)) + 0.1 * np.eye(D), ENS, 0, "sigma",
     r"log-weight variance .* = 712\.2 on connection \(0, 1\)"),
    ("sigma-weight-variance-pattern", MU, _set(SIGMAS, (1,), 400.0 * np.eye(D)), ENS, 0, r"sigma\[1\]",
     r"log-weight variance .* = 800 on connection \(0, 1\)"),
    # other things numpy would quietly take for numbers
    ("mu-numeric-text", [["0", "1"], ["1", "0"]], np.eye(2), [(0, 1)], 0, "mu", r"numeric"),
    ("mu-bool", np.ones((N, D), bool), SIGMA, ENS, 0, "mu", r"booleans"),
    ("sigma-complex", MU, SIGMA + 0j, ENS, 0, "sigma", r"numeric"),
    ("mu-huge-int", [[10**400, 0], [0, 0]], np.eye(2), [(0, 1)], 0, "mu", r"numeric"),
    ("index-beyond-int64", MU, SIGMA, [(0, 2**70)], 0, "ensemble", r"out of range"),
    # covariances
    ("sigma-not-symmetric", MU, _not_symmetric(), ENS, 0, r"sigma\[1\]", r"symmetric"),
    ("sigma-not-psd-shared", MU, _not_psd_shared(), ENS, 0, "sigma", r"positive semi-definite"),
    ("sigma-not-psd-pattern", MU, _not_psd_pattern2(), ENS, 0, r"sigma\[2\]", r"positive semi-definite"),
    # ensembles
    ("self-connection", MU, SIGMA, [(0, 1), (2, 2)], 0, "ensemble", r"i == j"),
    ("duplicate", MU, SIGMA, [(0, 1), (2, 3), (0, 1)], 0, "ensemble", r"more than once"),
    ("duplicate-reversed", MU, SIGMA, [(0, 1), (1, 0)], 0, "ensemble", r"more than once"),
    ("duplicate-array", MU, SIGMA, np.array([[3, 2], [2, 3]]), 0, "ensemble", r"more than once"),
    ("index-too-large", MU, SIGMA, [(0, D)], 0, "ensemble", r"out of range"),
    ("index-negative", MU, SIGMA, [(-1, 2)], 0, "ensemble", r"out of range"),
    ("index-too-large-array", MU, SIGMA, np.array([[0, 1], [1, 7]]), 0, "ensemble", r"out of range"),
    ("empty-list", MU, SIGMA, [], 0, "ensemble", r"at least one"),
    ("empty-array", MU, SIGMA, np.zeros((0, 2), dtype=int), 0, "ensemble", r"at least one"),
    ("index-float", MU, SIGMA, [(0, 1.0)], 0, "ensemble", r"non-integer"),
    ("index-fractional", MU, SIGMA, [(0.5, 1)], 0, "ensemble", r"non-integer"),
    ("index-numpy-float", MU, SIGMA, [(np.float64(0), 1)], 0, "ensemble", r"non-integer"),
    ("index-bool", MU, SIGMA, [(True, 2)], 0, "ensemble", r"non-integer"),
    ("index-str", MU, SIGMA, [("0", "1")], 0, "ensemble", r"non-integer"),
    ("index-float-array", MU, SIGMA, np.array([[0.0, 1.0]]), 0, "ensemble", r"integer"),
    # pattern
    ("pattern-too-large", MU, SIGMA, ENS, N, "pattern", r"out of range"),
    ("pattern-negative", MU, SIGMA, ENS, -1, "pattern", r"out of range"),
    ("pattern-float", MU, SIGMA, ENS, 1.0, "pattern", r"integer"),
    ("pattern-bool", MU, SIGMA, ENS, True, "pattern", r"integer"),
    ("pattern-none", MU, SIGMA, ENS, None, "pattern", r"integer"),
    ("pattern-str", MU, SIGMA, ENS, "0", "pattern", r"integer"),
]


@pytest.mark.parametrize("case_id,mu,sigma,ens,pattern,name,extra", BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("entry", ["mutual_information", "fenton_wilkinson_information", "batch"])
def test_bad_input_names_argument(entry, case_id, mu, sigma, ens, pattern, name, extra):
    if entry == "batch":
        good = (MU, SIGMA, ENS, 0)
        with pytest.raises(ValueError, match=r"^cases\[1\]: .*" + name) as info:
            analytic.mutual_information_batch([good, (mu, sigma, ens, pattern)])
    else:
        with pytest.raises(ValueError, match=name) as info:
            getattr(analytic, entry)(mu, sigma, ens, pattern)
    assert info.type is ValueError
    assert re.search(extra, str(info.value)), str(info.value)


def test_argument_is_named_at_the_start():
    # the message leads with the argument so that it is unambiguous
    cases = {
        "mu": (np.zeros(D), SIGMA, ENS, 0),
        "sigma": (MU, np.eye(D + 1), ENS, 0),
        "ensemble": (MU, SIGMA, [(1, 1)], 0),
        "pattern": (MU, SIGMA, ENS, 9),
    }
    for name, args in cases.items():
        with pytest.raises(ValueError) as info:
            analytic.mutual_information(*args)
        assert str(info.value).startswith(name), str(info.value)


def test_valid_variants_are_accepted():
    # numpy integer indices, numpy arrays, tuples and lists, (j, i) order, shared and stacked sigma
    for ens in (ENS, np.array(ENS), [(np.int64(1), np.int32(0)), (3, 2)], [[0, 1], [2, 3]]):
        for sigma in (SIGMA, SIGMAS, SIGMA.tolist()):
            for pattern in (0, np.int64(2)):
                assert np.isfinite(analytic.mutual_information(MU, sigma, ens, pattern))
    # PSD (not definite) covariance is valid input, and a tiny negative rounding is tolerated
    v = np.array([1.0, 2.0, 0.5, -1.0])
    s = np.outer(v, v)
    s[0, 0] -= 1e-13
    analytic.fenton_wilkinson_information(MU, s, ENS, 0)


def test_weight_moments_and_params_validate():
    with pytest.raises(ValueError, match="sigma"):
        analytic.weight_moments(MU, np.eye(D + 1), ENS)
    with pytest.raises(ValueError, match="ensemble"):
        analytic.weight_moments(MU, SIGMA, [(0, 0)])
    with pytest.raises(ValueError, match="exclude"):
        analytic.fenton_wilkinson_params(MU, SIGMA, ENS, exclude=N)
    with pytest.raises(ValueError, match="exclude"):
        analytic.fenton_wilkinson_params(MU, SIGMA, ENS, exclude=0.5)


def test_batch_rejects_malformed_items():
    with pytest.raises(ValueError, match=r"cases\[0\]"):
        analytic.mutual_information_batch([(MU, SIGMA, ENS)])  # pattern missing
    with pytest.raises(ValueError, match=r"cases\[0\]"):
        analytic.mutual_information_batch([42])
    with pytest.raises(ValueError, match=r"cases\[0\].*pattern"):
        analytic.mutual_information_batch([{"mu": MU, "sigma": SIGMA, "ensemble": ENS}])
    with pytest.raises(ValueError, match=r"cases\[0\].*unknown"):
        analytic.mutual_information_batch([{"mu": MU, "sigma": SIGMA, "ensemble": ENS, "pattern": 0, "x": 1}])
