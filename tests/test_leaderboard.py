"""The leaderboard of approximations: scores against resolved truths only, side-by-side evaluation, paired CIs."""

from __future__ import annotations

import numpy as np
import pytest

from synmi import analytic
from synmi.validation.engine import leaderboard as lb
from synmi.validation.engine.sweeps import make_exchangeable_case


def _fw(mu, sigma, ensemble, pattern):
    return analytic.mutual_information(mu, sigma, ensemble, pattern)


def _half(mu, sigma, ensemble, pattern):
    return 0.5 * analytic.mutual_information(mu, sigma, ensemble, pattern)


def _nan(mu, sigma, ensemble, pattern):
    return float("nan")


def _rows(cases, resolved):
    rows = []
    for t, (case, ok) in enumerate(zip(cases, resolved)):
        fw = analytic.mutual_information(case.mu, case.sigma, case.ensemble, case.pattern)
        rows.append({"case_id": f"c{t}", "sweep": "s", "truth": fw, "truth_stderr": 0.0, "bias_bound": 0.0,
                     "truth_resolved": ok, "n_connections": case.n_connections, "scale_vs": 2.0})
    return rows


def test_scores_use_resolved_truths_and_count_undefined_as_misses():
    cases = [make_exchangeable_case(seed=s, n_patterns=4, n=1 + s % 3, scale=0.5, rho=0.0, mu_range=1.0, dim=5)
             for s in range(8)]
    truths = _rows(cases, [True] * 6 + [False] * 2)  # the truth is FW itself on these fake rows
    entries, long = lb.leaderboard(truths, cases, {"fw": _fw, "half": _half, "none": _nan},
                                   {"fw": "a:fw", "half": "a:half", "none": "a:none"})
    by = {e["name"]: e for e in entries}
    assert all(e["cases"] == 6 for e in entries)  # the two unresolved truths are left out
    assert by["fw"]["median_abs_rel_err"] == pytest.approx(0.0, abs=1e-12) and by["fw"]["within_10pct"] == 1.0
    assert by["half"]["median_abs_rel_err"] == pytest.approx(0.5) and by["half"]["within_10pct"] == 0.0
    assert by["none"]["defined_fraction"] == 0.0 and by["none"]["within_10pct"] == 0.0
    assert by["half"]["vs_reference"]["difference"] == pytest.approx(0.5)
    assert set(long["name"]) == {"fw", "half", "none"} and len(long) == 18
    assert all(e["seconds_per_case"] > 0 for e in entries)


def test_side_by_side_values_do_not_depend_on_jobs():
    cases = [make_exchangeable_case(seed=s, n_patterns=3, n=2, scale=1.0, rho=0.0, mu_range=1.0, dim=4)
             for s in range(6)]
    approximations = {"fw": analytic.mutual_information, "lin": analytic.linear_gaussian_information}
    one, _ = lb.evaluate_side_by_side(approximations, cases, n_jobs=1)
    two, _ = lb.evaluate_side_by_side(approximations, cases, n_jobs=2)
    for name in approximations:
        np.testing.assert_array_equal(one[name], two[name])


def test_paired_median_difference_ci_covers_a_known_shift():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, 200)
    out = lb.paired_median_difference(a + 0.3, a, seed=1)
    assert out["difference"] == pytest.approx(0.3)
    lo, hi = out["ci"]
    assert lo <= 0.3 <= hi and hi - lo < 0.05
    assert np.isnan(lb.paired_median_difference(a[:3], a[:3])["difference"])  # too few cases
