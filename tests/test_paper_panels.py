"""The paper's panels redrawn with the truth, and the erratum's verdict rules (docs/theory.md §13.1)."""

from __future__ import annotations

import numpy as np
import pytest

from synmi import analytic
from synmi.validation.engine import paper_panels as pp
from synmi.validation.engine.comparison import case_hash
from synmi.validation.engine.sweeps import build_draws_by_n
from synmi.validation.report.paper_panels import ERRATUM_KEYS, FIGURES, paper_step

# --------------------------------------------------------------------------- cases


def test_panel_cases_counts_meta_and_paper_ranges():
    cases = pp.panel_cases()
    assert len(cases) == 2 * len(pp.PANEL_N_VALUES) * 6
    by = {p: [c for c in cases if c.meta["sweep"] == f"paper_{p}"] for p in ("3A", "3B")}
    assert len(by["3A"]) == len(by["3B"]) == 30
    assert sum(c.n_connections == 1 for c in cases) == 12
    mu0 = cases[0].mu
    for c in cases:
        assert c.n_patterns == 10 and c.dim == 20 and c.pattern == 0
        np.testing.assert_array_equal(c.mu, mu0)  # one draw of the means for the whole grid
        np.testing.assert_array_equal(c.ensemble, pp.PAPER_FIG3_CONNECTIONS[:c.n_connections])  # nested
        assert c.meta["axis"] in ("sigma", "rho")
    assert tuple(pp.PAPER_FIG3_CONNECTIONS[0]) == (1, 2)  # w_23, 1-based
    assert len({tuple(map(tuple, pp.PAPER_FIG3_CONNECTIONS))[k] for k in range(16)}) == 16
    for c in by["3A"]:
        assert 0 < c.meta["sigma"] <= 5 and c.meta["rho"] == 0.0
        np.testing.assert_allclose(c.sigma, analytic.exchangeable_covariance(20, c.meta["sigma"], 0.0))
    for c in by["3B"]:
        assert c.meta["sigma"] == 1.0 and -1 / 19 <= c.meta["rho"] <= 0.6
    assert sorted({c.n_connections for c in cases}) == list(pp.PANEL_N_VALUES)


def test_panel_cases_refuses_out_of_range():
    with pytest.raises(ValueError, match="n_values"):
        pp.panel_cases(n_values=(17,))
    with pytest.raises(ValueError, match="rhos"):
        pp.panel_cases(rhos=(-0.2,))
    with pytest.raises(ValueError, match="sigmas"):
        pp.panel_cases(sigmas=(0.0,))


def test_n1_grid_is_the_papers():
    grid = pp.PAPER_N1_GRID
    assert len(grid.sigmas) == 100 and len(grid.rhos) == 100 and tuple(grid.n_patterns) == tuple(range(2, 33))
    assert 0 < min(grid.sigmas) and max(grid.sigmas) == pytest.approx(5.0)
    assert min(grid.rhos) > -1 / 19 and max(grid.rhos) == pytest.approx(1.0)
    small = pp.N1Grid(sigmas=(0.5, 1.0), rhos=(0.0, 0.5, 0.9), n_patterns=(2, 5))
    a, b = pp.n1_cases("sigma", small), pp.n1_cases("rho", small)
    assert len(a) == 4 and len(b) == 6
    assert all(c.n_connections == 1 and tuple(c.ensemble[0]) == (1, 2) and c.pattern == 0 for c in a + b)
    two = [c for c in a if c.n_patterns == 2][0]
    five = [c for c in a if c.n_patterns == 5][0]
    np.testing.assert_array_equal(five.mu[:2], two.mu)  # nested in N
    assert {c.meta["sweep"] for c in a} == {"paper_2A"} and {c.meta["sweep"] for c in b} == {"paper_2B"}


# --------------------------------------------------------------------------- verdicts


def _est(v, lo, hi, cases=100):
    return pp.Estimate(v, lo, hi, cases, "test")


PAPER = [-1.27, -1.10]


@pytest.mark.parametrize("est, kwargs, expected", [
    (_est(-1.2, -1.3, -1.1), {"claimed_sign": -1, "paper_ci": PAPER}, "holds"),
    (_est(-0.5, -0.6, -0.4), {"claimed_sign": -1, "paper_ci": PAPER}, "holds in direction only"),
    (_est(0.5, 0.4, 0.6), {"claimed_sign": -1, "paper_ci": PAPER}, "refuted"),
    (_est(-0.1, -0.5, 0.3), {"claimed_sign": -1, "paper_ci": PAPER}, "refuted"),
    (_est(-0.8, -1.2, 0.1), {"claimed_sign": -1, "paper_ci": PAPER}, "not testable"),
    (_est(-1.2, -1.3, -1.1, cases=3), {"claimed_sign": -1, "paper_ci": PAPER}, "not testable"),
    (_est(0.1, 0.05, 0.2), {"claimed_sign": 1}, "holds"),
    (_est(0.1, -0.05, 0.2), {"claimed_sign": 1}, "refuted"),
    (_est(1.9, 1.33, 2.5), {"claimed_sign": 1, "reference": 1.0, "paper_ci": [0.94, 1.32]}, "holds in direction only"),
    (_est(1.1, 0.95, 1.25), {"claimed_sign": 1, "reference": 1.0, "paper_ci": [0.94, 1.32]}, "not testable"),
    (_est(0.8, 0.7, 0.9), {"claimed_sign": 1, "reference": 1.0, "paper_ci": [0.94, 1.32]}, "refuted"),
])
def test_verdict_statistic_rules(est, kwargs, expected):
    verdict, reason = pp.verdict_statistic(est, **kwargs)
    assert verdict == expected, reason
    assert verdict in pp.VERDICTS and reason


def test_verdict_statistic_nan_is_not_testable():
    assert pp.verdict_statistic(_est(np.nan, np.nan, np.nan), claimed_sign=1)[0] == "not testable"
    with pytest.raises(ValueError):
        pp.verdict_statistic(_est(1, 0.5, 1.5), claimed_sign=0)


def test_verdict_steps_rules():
    assert pp.verdict_steps([0.1, 0.2], [0.01, 0.01], claimed_sign=1)[0] == "holds"
    assert pp.verdict_steps([0.1, -0.2], [0.01, 0.01], claimed_sign=1)[0] == "refuted"
    assert pp.verdict_steps([-0.1, -0.2], [0.01, 0.01], claimed_sign=-1)[0] == "holds"
    assert pp.verdict_steps([0.001, -0.001], [0.01, 0.01], claimed_sign=1)[0] == "not testable"
    v, _, counts = pp.verdict_steps([0.1, 0.005, -0.005], [0.01] * 3, claimed_sign=1)
    assert v == "holds" and counts == {"agree": 1, "contradict": 0, "undecided": 2, "steps": 3}
    assert pp.verdict_steps([], [], claimed_sign=1)[0] == "not testable"


def test_combine_verdicts_takes_the_weakest():
    assert pp.combine_verdicts(["holds", "holds in direction only"]) == "holds in direction only"
    assert pp.combine_verdicts(["holds", "not testable"]) == "not testable"
    assert pp.combine_verdicts(["not testable", "refuted", "holds"]) == "refuted"
    assert pp.combine_verdicts([]) == "not testable"
    with pytest.raises(ValueError):
        pp.combine_verdicts(["maybe"])


def test_slope_estimate_recovers_a_known_slope():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, 400)
    y = -1.2 * x + 0.3 * rng.standard_normal(400)
    ols = pp.slope_estimate(x, y)
    boot = pp.slope_estimate(x, y, np.full(400, 0.05), n_boot=500, seed=2)
    for est in (ols, boot):
        assert est.ci_low < -1.2 < est.ci_high and est.cases == 400
    assert ols.method == "ols-t" and boot.method == "bootstrap+se"
    wide = pp.slope_estimate(x, y, np.full(400, 2.0), n_boot=500, seed=2)  # the truths' own errors widen the CI
    assert wide.ci_high - wide.ci_low > boot.ci_high - boot.ci_low
    assert np.isnan(pp.slope_estimate([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]).value)


# --------------------------------------------------------------------------- truth rows and the step


def _row(case, truth, half, *, resolved=True, method="copula_decomposition"):
    return {"case_id": case_hash(case)[:16], "sweep": case.meta.get("sweep", ""), "generator": case.meta["generator"],
            "n_connections": case.n_connections, "n_patterns": case.n_patterns,
            "axis_value": case.meta.get("axis_value", np.nan), "truth": truth, "truth_ci_low": truth - half,
            "truth_ci_high": truth + half, "truth_resolved": resolved, "truth_method": method}


def _synthetic_bank():
    """Synthetic truths (no Monte Carlo): ``I = 0.1 n^1.3 / N`` times noise, on real set-2/3 and 3A cases."""
    rng = np.random.default_rng(5)
    cases = build_draws_by_n("set2", (1, 4, 20), 4, 11) + build_draws_by_n("set3", (1, 4, 20), 4, 12)
    cases += pp.panel_cases(n_values=(1, 2), sigmas=(1.0, 2.0), rhos=(0.0, 0.3))
    rows = []
    for c in cases:
        if c.meta["sweep"].startswith("paper_3"):
            v = 0.05 * c.n_connections * (1 + c.meta["axis_value"])
        else:
            v = 0.1 * c.n_connections ** 1.3 / c.n_patterns * np.exp(0.2 * rng.standard_normal())
        rows.append(_row(c, v, 0.01 * v))
    rows[0] = {**rows[0], "truth": float("inf"), "truth_method": "infinite"}
    rows[1] = {**rows[1], "truth_resolved": False}
    rows[2] = {**rows[2], "truth": 0.0, "truth_method": "exact_zero", "truth_ci_low": 0.0, "truth_ci_high": 0.0}
    return rows, cases


def test_truth_frame_classifies_and_joins():
    rows, cases = _synthetic_bank()
    tf = pp.truth_frame(rows, cases, analytic.mutual_information)
    assert len(tf) == len(rows)
    assert list(tf["status"][:3]) == ["infinite", "unresolved", "nonpositive"]
    assert (tf["status"][3:] == "resolved").all()
    assert np.isfinite(tf["fw_authors"]).sum() > 0 and np.isfinite(tf["approx"]).sum() > 0
    ok = tf["status"] == "resolved"
    assert np.all(tf.loc[ok, "se_ln"] > 0)
    # a row whose case is not given keeps no approximation of its own
    lone = pp.truth_frame(rows[3:4], [], analytic.mutual_information)
    assert np.isnan(lone["approx"].iloc[0])


def test_paper_step_smoke(tmp_path):
    rows, cases = _synthetic_bank()
    grid = pp.N1Grid(sigmas=(0.5, 2.0), rhos=(0.0, 0.5), n_patterns=(2, 4))
    out = paper_step(rows, cases, tmp_path, analytic.mutual_information, n1_grid=grid, fw_cases=30,
                     marginals=False, n_boot=200)
    assert [f for f in out["figures"]] == list(FIGURES)
    for name in FIGURES:
        assert (tmp_path / name).stat().st_size > 10_000
    entries = out["erratum"]
    assert [e["panel"] for e in entries] == list(pp.PANEL_IDS + pp.DERIVED_IDS)
    for e in entries:
        assert set(ERRATUM_KEYS) <= set(e)
        assert e["verdict"] in pp.VERDICTS
        assert isinstance(e["cases"], int) and e["cases"] >= 0
    by = {e["panel"]: e for e in entries}
    # 2A: exact n = 1 values on a nested grid: the true information falls with N (data processing, §12)
    assert by["2A"]["details"]["truth"]["along_N"]["contradict"] == 0
    # 3A: synthetic truths rise with sigma and n, resolved, so the direction holds
    assert by["3A"]["verdict"] == "holds" and by["3A"]["cases"] == 4
    # the infinite, unresolved and zero truths are said, not used
    assert "infinite" in by["2C"]["reason"] and "unresolved" in by["2C"]["reason"]
    assert "| panel | paper |" in out["markdown"] and "capacity" in out["markdown"]


def test_paper_step_marks_3ab_not_testable_without_truths(tmp_path):
    rows, cases = _synthetic_bank()
    rows = [r for r in rows if not str(r["sweep"]).startswith("paper_3")]
    grid = pp.N1Grid(sigmas=(0.5, 2.0), rhos=(0.0, 0.5), n_patterns=(2, 3))
    out = paper_step(rows, cases, tmp_path, analytic.mutual_information, n1_grid=grid, fw_cases=0,
                     marginals=False, n_boot=100)
    by = {e["panel"]: e for e in out["erratum"]}
    assert by["3A"]["verdict"] == by["3B"]["verdict"] == "not testable"
    assert "no truths" in by["3A"]["reason"]
