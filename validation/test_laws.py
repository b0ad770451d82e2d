"""Property-based checks of the approximation under test (validation issue, item 5).

The true information ``I(w_S ; x_l)`` obeys four laws that follow from the
model alone (docs/theory.md §§1-2 and 4; :mod:`validation.laws` states and
proves each): non-negativity, monotonicity in the ensemble, data processing in
``N`` (an extra independent pattern adds information about nothing) and equal
values for patterns with equal distributions.  For each law this module

* measures how often the approximation breaks it over simulation sets 1-3
  (docs/theory.md §6; ``quick`` tier 300 cases per set, ``full`` tier 2000; symmetry on half as many),
  with Wilson 95% intervals, undefined values (``nan``) counted apart;
* searches a seeded grid of small cases of the paper's regimes and shrinks the
  smallest violation to a locally minimal counterexample
  (:mod:`validation.engine.counterexamples`; quick tier: the set-3 regime, 20
  draws per size; full tier: all three regimes, 100 draws per size), within a
  fixed budget of formula evaluations per law and regime (``SEARCH_BUDGET``
  below: the same search for every approximation);
* re-checks the minimal counterexamples found when this module was written.

Cost
----
Every formula evaluation of this module goes through
:class:`validation.engine.approximations.CaseEvaluator`: the approximation's
batch form where it has one, else ``$SYNMI_N_JOBS`` worker processes (default
2, like the suite's truths) once a case is measured to cost more than 10 ms.
The values do not depend on the number of workers.  Per run of the quick
tier an approximation is evaluated at most about 5,000 times: the rates
3,600 (300 cases x 3 sets x 3 evaluations for three laws, 150 x 3 x 2 for
symmetry: 900 per law), the searches 3 x 300, the symmetry property 240, the
pinned cases 24, the sensitivity checks about 200; at 0.1 s a case and 2
workers that is at most about 4.5 minutes (measured:
``benchmarks/bench_suite.py``).

Asserted and recorded laws
--------------------------
Equal-distribution symmetry holds for ``I_FW`` by construction (its value
depends on the target only through the target's own moments and the sums over
the others): it is asserted, for every approximation.

``I_FW`` breaks the other three.  Their tests assert the law, and for the
default approximation they carry ``xfail(strict=True)`` with the evidence
measured on the day (full tier, seed 2024) in the reason; the failure message
of a run carries that run's fresh rates, intervals and counterexample.  The
suite stays green while saying plainly that the law fails, and turns red
(XPASS strict) the day ``I_FW`` keeps it.

``--approximation``
-------------------
The xfail marks are conditional: their condition
``default_approximation_under_test(config)`` is evaluated by pytest with the
run's ``config`` and is true only when ``--approximation`` loads
:func:`analytic.mutual_information`.  The recorded evidence is about ``I_FW``;
for any other approximation the same tests are plain assertions: they pass
when it keeps the law and fail, with its rates and counterexample, when it
does not.  Strictness is therefore kept exactly where the evidence applies.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synmi.validation.engine import counterexamples, laws
from synmi.validation.engine.approximations import approximation_name, load_approximation

SETS = ("set1", "set2", "set3")
SEED = 2024
#: Cases per set for the violation rates.  Quick: 300, the report's quick tier (``synmi report --quick``,
#: ``ReportConfig.law_cases``); full: 2000, the recorded evidence's.
N_CASES = {"quick": 300, "full": 2000}
#: Cases per set for equal-distribution symmetry, whose check costs two evaluations where the other laws
#: share one base evaluation and add one: half the cases give every law the same evaluations per set
#: (quick: 300 for each).  With no violation in 3 x 150 cases the Wilson 95% upper bound is 0.85%.
SYMMETRY_CASES = {"quick": 150, "full": 1000}
#: Formula evaluations per law and regime for one counterexample search, finding and shrinking together
#: (``counterexamples.find_counterexample(budget=...)``).  Quick: 300, 3 times what I_FW spends (measured: 96,
#: 62 and 46 evaluations for non-negativity, monotonicity and data processing), so I_FW's counterexamples are
#: those of the unbudgeted search; it covers the whole smallest level (N = 2) of the set-3 grid for
#: non-negativity (240 checks) and 150 of its 200 and 240 draws for the other two.  At 0.1 s a case it costs at
#: most 15 s per law with two workers, which keeps the quick tier within 4 times FW's wall time for any such
#: formula (benchmarks/bench_suite.py).  Full: 11000, the largest grid of the three regimes (5500 checks of
#: 2 evaluations), so in the full tier the budget caps only the shrinking, which I_FW never reaches (it spends
#: at most 6118: 2842 grid checks and 217 shrink checks of 2 evaluations, set-1 data processing).
SEARCH_BUDGET = {"quick": 300, "full": 11000}
SEARCH: dict[str, dict[str, Any]] = {"quick": {"regimes": ("set3",), "draws_per_size": 20, "budget": SEARCH_BUDGET["quick"]},
          "full": {"regimes": SETS, "draws_per_size": 100, "budget": SEARCH_BUDGET["full"]}}
SYMMETRY_EXAMPLES = {"quick": 40, "full": 300}


def _n_jobs() -> int:
    """Worker processes for the approximation under test: ``$SYNMI_N_JOBS``, default 2 (like the truths)."""
    return int(os.environ.get("SYNMI_N_JOBS", "2"))


def default_approximation_under_test(config: pytest.Config) -> bool:
    """True when ``--approximation`` is the default ``I_FW`` (used by the xfail conditions)."""
    return laws.is_default_approximation(load_approximation(config.getoption("--approximation")))


def recorded(reason: str):
    """``xfail(strict=True)`` for the default approximation only, with the recorded evidence.

    Only a failed assertion counts as the expected failure; any other exception is an error.
    """
    return pytest.mark.xfail("default_approximation_under_test(config)", strict=True, reason=reason,
                             raises=(AssertionError, pytest.fail.Exception))


# Evidence measured with this module's machinery on 2026-11-24: law_violation_rates over
# 2000 cases per set (seed 2024) and the former hypothesis counterexample search (max_examples=4000,
# also with min_eigenvalue=0.05; hypothesis 6.170) -- its counterexamples are pinned below, with
# those of the seeded search that replaced it.
EVIDENCE = {
    "non_negativity": (
        "I_FW < 0 with both matrices positive definite (measured 2026-11-24, full tier, seed 2024): "
        "set 3 43/1642 defined cases = 2.62% (95% Wilson CI [1.95%, 3.51%]), worst -9.10 nats (case 1318); "
        "sets 1 and 2 0/1880 and 0/1951 (CI upper 0.20%). Minimal counterexamples (former hypothesis search): "
        "set-3 regime N=7, d=2, n=1, mu=0, I_FW=-0.0898; set-2 regime, six i.i.d. patterns with a shared "
        "Sigma, N=6, d=3, n=2, I_FW=-0.0176; set-1 regime (exchangeable, Sigma >= 0.05 I) N=7, d=4, n=4, "
        "I_FW=-0.120"),
    "ensemble_monotonicity": (
        "I_FW(S + a) < I_FW(S) (measured 2026-11-24, full tier, seed 2024): set 1 3/1834 = 0.16% "
        "[0.06%, 0.48%], set 2 2/1937 = 0.10% [0.03%, 0.38%], set 3 39/1550 = 2.52% [1.85%, 3.42%]; "
        "worst loss 3.01 nats (set 3 case 1318). Minimal counterexamples: set-3 regime N=2, d=3, n=1, "
        "I_FW 0.3877 -> 0.3315; set-2 regime, six i.i.d. patterns, N=6, d=3, n=1, 0.2490 -> -0.0427; "
        "set-1 regime N=4, d=4, n=2, 0.7624 -> 0.7566"),
    "data_processing_N": (
        "appending an independent pattern raises I_FW (measured 2026-11-24, full tier, seed 2024): "
        "set 1 3/1867 = 0.16% [0.05%, 0.47%], set 2 0/1943 (CI upper 0.20%), set 3 49/1616 = 3.03% "
        "[2.30%, 3.99%]; worst gain 8.92 nats (set 3 case 938). Minimal counterexamples: set-3 regime "
        "N=2, d=2, n=1, I_FW 0.2548 -> 0.2719; appending a deterministic pattern (x = 1: w_S + 1, a pure "
        "shift that leaves the true information unchanged) raises I_FW 0.7362 -> 0.7452 (N=3, d=2, n=1); "
        "shared-covariance regimes: set 2 N=7, d=2, n=1 (+6.9e-5 nats), set 1 N=8, d=5, n=3 (+1.6e-4)"),
}


# --------------------------------------------------------------------------- fixtures


def compute_law_rates(approximation, tier: str, laws_checked=laws.LAWS) -> tuple[dict, pd.DataFrame]:
    """Per-case checks and per-law violation rates over sets 1-3 (``N_CASES``; ``SYMMETRY_CASES`` for symmetry)."""
    from synmi.validation.engine.approximations import CaseEvaluator

    asymmetric = [law for law in laws_checked if law != "equal_distribution_symmetry"]
    evaluator = CaseEvaluator(approximation, _n_jobs())  # one cost measurement for all six tables
    checks = {}
    for s in SETS:
        parts = []
        if asymmetric:
            parts.append(laws.law_checks(approximation, s, N_CASES[tier], SEED, laws=asymmetric, evaluator=evaluator))
        if "equal_distribution_symmetry" in laws_checked:
            parts.append(laws.law_checks(approximation, s, SYMMETRY_CASES[tier], SEED,
                                         laws=["equal_distribution_symmetry"], evaluator=evaluator))
        checks[s] = pd.concat(parts, ignore_index=True)
    rates = pd.concat([laws.law_violation_rates(approximation, s, N_CASES[tier], SEED, laws=laws_checked,
                                                checks=checks[s]) for s in SETS], ignore_index=True)
    return checks, rates


@pytest.fixture(scope="module")
def law_rates(approximation, tier):
    """Per-case checks and per-law violation rates over sets 1-3 for the approximation under test."""
    return compute_law_rates(approximation, tier)


def _rates_lines(rates: pd.DataFrame, law: str) -> list[str]:
    lines = []
    for row in rates[rates["law"] == law].itertuples():
        worst = "" if not row.violated else f", worst difference {row.worst:.4g} (case {row.worst_index})"
        lines.append(f"  {row.set}: {row.violated}/{row.checked} violated = {row.rate:.2%} "
                     f"(95% Wilson CI [{row.ci_low:.2%}, {row.ci_high:.2%}]), {row.undefined} undefined{worst}")
    return lines


def _assert_law(law: str, approximation, tier: str, rates: pd.DataFrame) -> None:
    """Fail, with the fresh rates and minimal counterexamples, if the law is broken anywhere."""
    search = SEARCH[tier]
    found = {regime: counterexamples.find_counterexample(approximation, law, regime,
                                                         draws_per_size=search["draws_per_size"],
                                                         budget=search["budget"], n_jobs=_n_jobs())
             for regime in search["regimes"]}
    sub = rates[rates["law"] == law]
    if sub["violated"].sum() == 0 and all(cx is None for cx in found.values()):
        return
    lines = [f"{approximation_name(approximation)} breaks {law} (tier {tier}, seed {SEED}, "
             f"{N_CASES[tier]} cases per set):", *_rates_lines(rates, law)]
    for regime, cx in found.items():
        checked = counterexamples.search_checks(law, regime, draws_per_size=search["draws_per_size"],
                                                budget=search["budget"])
        lines.append(f"  minimal counterexample: {cx.describe()}" if cx else
                     f"  no violation among the first {checked} small {regime}-regime cases of the search grid "
                     f"({search['draws_per_size']} draws per size, budget {search['budget']} evaluations)")
    pytest.fail("\n".join(lines), pytrace=False)


# --------------------------------------------------------------------------- laws I_FW breaks


@recorded(EVIDENCE["non_negativity"])
def test_non_negativity(approximation, tier, law_rates):
    """``I >= 0`` (docs/theory.md §4)."""
    _assert_law("non_negativity", approximation, tier, law_rates[1])


@recorded(EVIDENCE["ensemble_monotonicity"])
def test_ensemble_monotonicity(approximation, tier, law_rates):
    """``I(w_{S + a} ; x_l) >= I(w_S ; x_l)`` (``w_S`` is a function of ``w_{S + a}``)."""
    _assert_law("ensemble_monotonicity", approximation, tier, law_rates[1])


@recorded(EVIDENCE["data_processing_N"])
def test_data_processing_in_N(approximation, tier, law_rates):
    """Appending an independent pattern never adds information (docs/theory.md §2)."""
    _assert_law("data_processing_N", approximation, tier, law_rates[1])


# Minimal counterexamples to the three laws, found for I_FW: the "-pd", "-iid" and "-shift" ones on
# 2026-11-24 by the former hypothesis search (max_examples=M[, min_eigenvalue=0.05]), the "-grid" ones by
# counterexamples.find_counterexample(analytic.mutual_information, law, regime, draws_per_size=D
# [, min_eigenvalue=0.05]); the set-3 "-grid" ones are those of the report.
# The true information obeys each law exactly on each of these inputs (docs/theory.md §2).
_Z2, _Z3 = [0.0, 0.0], [0.0, 0.0, 0.0]
_I2 = [[0.05, 0.0], [0.0, 0.05]]
PINNED = [
    ("non_negativity-set3-pd", "non_negativity",  # set3, M=1000, min_eigenvalue=0.05
     {"mu": [_Z2] * 7, "sigma": [[[1.49, 1.44], [1.44, 1.49]]] + [_I2] * 5 + [[[0.65, 0.6], [0.6, 0.65]]],
      "ensemble": [[0, 1]], "pattern": 0},
     {}, "I_FW = -0.0898 < 0 (N=7, d=2, n=1, mu=0, every Sigma_k >= 0.05 I)"),
    ("non_negativity-set2-iid", "non_negativity",  # set2, M=4000: six i.i.d. patterns
     {"mu": [_Z3] * 6, "sigma": [[0.75, -0.375, 0.0], [-0.375, 1.9583333333333333, 2.8333333333333335],
                                 [0.0, 2.8333333333333335, 4.604166666666667]],
      "ensemble": [[0, 1], [1, 2]], "pattern": 0},
     {}, "I_FW = -0.0176 < 0 for six i.i.d. patterns with a shared Sigma (N=6, d=3, n=2)"),
    ("ensemble_monotonicity-set3-pd", "ensemble_monotonicity",  # set3, M=4000, min_eigenvalue=0.05
     {"mu": [_Z3] * 2,
      "sigma": [[[0.05, 0.0, 0.0], [0.0, 0.05, 0.0], [0.0, 0.0, 0.05]],
                [[2.3425203853826777, 0.08292096106676979, 0.6662124610967292],
                 [0.08292096106676979, 0.05299926920086645, 0.02409704964938724],
                 [0.6662124610967292, 0.02409704964938724, 0.24360309559318194]]],
      "ensemble": [[0, 1]], "pattern": 0},
     {"connection": [0, 2]}, "I_FW falls 0.3877 -> 0.3315 when (0, 2) joins (0, 1) (N=2, d=3)"),
    ("ensemble_monotonicity-set2-iid", "ensemble_monotonicity",  # set2, M=4000, min_eigenvalue=0.05
     {"mu": [_Z3] * 6, "sigma": [[2.55, 1.1875, 0.0625], [1.1875, 0.690625, 0.0625], [0.0625, 0.0625, 0.065625]],
      "ensemble": [[0, 1]], "pattern": 0},
     {"connection": [0, 2]}, "I_FW falls 0.2490 -> -0.0427 when (0, 2) joins (0, 1), six i.i.d. patterns"),
    ("data_processing_N-set3-pd", "data_processing_N",  # set3, M=4000, min_eigenvalue=0.05
     {"mu": [_Z2] * 2, "sigma": [_I2, [[0.05, 0.0], [0.0, 0.3]]], "ensemble": [[0, 1]], "pattern": 0},
     {"mu": _Z2, "sigma": [[0.53, 0.48], [0.48, 0.53]]},
     "I_FW rises 0.2548 -> 0.2719 when a third independent pattern is stored (d=2, n=1)"),
    ("data_processing_N-set3-shift", "data_processing_N",  # set3, M=4000
     {"mu": [_Z2] * 3, "sigma": [[[0.0, 0.0], [0.0, 0.0]], [[0.12, 0.12], [0.12, 0.12]],
                                 [[0.24, 0.24], [0.24, 0.24]]],
      "ensemble": [[0, 1]], "pattern": 2},
     {"mu": _Z2, "sigma": [[0.0, 0.0], [0.0, 0.0]]},
     "appending the deterministic pattern x = 1 shifts w by 1, which leaves the information unchanged, "
     "but I_FW rises 0.7362 -> 0.7452 (N=3, d=2, n=1)"),
    ("non_negativity-set3-grid", "non_negativity",  # set3, D=20, min_eigenvalue=0.05
     {"mu": [[-0.9, -0.6], _Z2], "sigma": [[[3.0, 1.0], [1.0, 2.0]], [[2.0, 0.0], [0.0, 0.6]]],
      "ensemble": [[0, 1]], "pattern": 0},
     {}, "I_FW = -0.2613 < 0 with both matrices positive definite (N=2, d=2, n=1)"),
    ("ensemble_monotonicity-set3-grid", "ensemble_monotonicity",  # set3, D=20, min_eigenvalue=0.05
     {"mu": [[0.0, 0.9, 0.0], _Z3],
      "sigma": [[[0.4, 0.0, 0.0], [0.0, 0.9, 0.0], [0.0, 0.0, 2.0]],
                [[3.0, 0.0, 0.0], [0.0, 2.0, 1.0], [0.0, 1.0, 2.6]]],
      "ensemble": [[0, 2]], "pattern": 1},
     {"connection": [0, 1]}, "I_FW falls 0.7562 -> 0.7505 when (0, 1) joins (0, 2) (N=2, d=3)"),
    ("data_processing_N-set3-grid", "data_processing_N",  # set3, D=20, min_eigenvalue=0.05
     {"mu": [_Z2, [-1.0, 0.0]], "sigma": [[[1.0, 0.0], [0.0, 0.9]], [[2.0, 1.0], [1.0, 2.0]]],
      "ensemble": [[0, 1]], "pattern": 1},
     {"mu": _Z2, "sigma": [[1.0, 0.8], [0.8, 2.0]]},
     "I_FW rises 0.1208 -> 0.3689 when a third independent pattern is stored (d=2, n=1)"),
    ("non_negativity-set2-grid", "non_negativity",  # set2, D=100
     {"mu": [[0.0, -0.8, -0.5], [-0.2, 0.1, 0.8], [-0.2, 0.45, -0.4], [0.0, -0.6, -0.8]],
      "sigma": [[0.65, 0.61, -0.33], [0.61, 1.05, 0.66], [-0.33, 0.66, 2.23]],
      "ensemble": [[0, 2], [1, 2]], "pattern": 1},
     {}, "I_FW = -1.256 < 0 with a shared Sigma (N=4, d=3, n=2)"),
    ("ensemble_monotonicity-set2-grid", "ensemble_monotonicity",  # set2, D=100
     {"mu": [_Z3, [-0.8, 0.0, -1.0]], "sigma": [[2.1, 0.9, 0.1], [0.9, 0.53, -0.33], [0.1, -0.33, 1.3]],
      "ensemble": [[0, 1], [0, 2]], "pattern": 1},
     {"connection": [1, 2]}, "I_FW falls 0.8771 -> 0.8177 when (1, 2) joins, shared Sigma (N=2, d=3, n=2)"),
    ("data_processing_N-set1-grid", "data_processing_N",  # set1, D=100
     {"mu": [[-0.1, 0.3, 0.5, 0.4], [0.0] * 4, [-0.9, 0.0, 0.0, 0.0], [-0.5, 0.36, 0.4, 0.0]],
      "sigma": [[3.0, 1.1, 1.1, 1.0], [1.1, 3.0, 1.1, 1.1], [1.1, 1.1, 3.0, 1.0], [1.0, 1.1, 1.0, 3.0]],
      "ensemble": [[0, 1], [2, 3], [1, 2], [0, 3]], "pattern": 1},
     {"mu": [0.9, 0.6, -0.7, -0.3]},
     "I_FW rises 1.8567 -> 1.8646 when a fifth pattern with the shared Sigma is stored (N=4, d=4, n=4)"),
]


@pytest.mark.parametrize("law, case, perturbation", [pytest.param(*p[1:4], id=p[0], marks=recorded(p[4]))
                                                     for p in PINNED])
def test_pinned_counterexample(approximation, law, case, perturbation):
    """The law on a recorded minimal counterexample of ``I_FW`` (cheap, exact regression check)."""
    check = laws.check_instance(approximation, law, case, perturbation)
    assert not check.violated, (
        f"{law} broken by {approximation_name(approximation)}: before = {check.value_before!r} "
        f"({check.status_before}), after = {check.value_after!r} ({check.status_after}), "
        f"difference = {check.difference:.6g}")


# --------------------------------------------------------------------------- laws I_FW keeps


def test_equal_distribution_symmetry_over_sets(law_rates):
    """Twin patterns (equal ``mu`` and ``Sigma``) get equal values, over sets 1-3."""
    rates = law_rates[1]
    sub = rates[rates["law"] == "equal_distribution_symmetry"]
    assert sub["violated"].sum() == 0, "\n".join(_rates_lines(rates, "equal_distribution_symmetry"))
    assert (sub["checked"] > 0).all()


@pytest.mark.parametrize("regime", SETS)
def test_equal_distribution_symmetry_property(approximation, tier, regime):
    """Hypothesis over small cases of each regime: twins always get equal values.

    Hypothesis draws the examples (``N``, ``d``, ``n``, seed); they are evaluated together, in worker
    processes for a slow formula (:func:`laws.evaluate_many`).  Only if one breaks the law does hypothesis
    run the property one example at a time, to shrink it to a minimal failing example for the message.
    """
    from synmi.validation.engine.approximations import CaseEvaluator

    law = "equal_distribution_symmetry"
    sizes = st.integers(3, 6).flatmap(lambda d: st.tuples(st.just(d), st.integers(1, min(4, d * (d - 1) // 2))))

    def check(n_patterns: int, size: tuple[int, int], seed: int) -> laws.LawCheck:
        case, perturbation = counterexamples.draw_instance(law, regime, seed, n_patterns=n_patterns, dim=size[0],
                                                           n=size[1])
        return laws.check_instance(approximation, law, case, perturbation)

    def run(body):
        settings(max_examples=SYMMETRY_EXAMPLES[tier], derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))(given(st.integers(2, 8), sizes, st.integers(0, 2**32 - 1))(
                     body))()

    drawn: list[tuple] = []
    run(lambda n_patterns, size, seed: drawn.append((n_patterns, size, seed)))
    pairs = [counterexamples.draw_instance(law, regime, seed, n_patterns=n_patterns, dim=size[0], n=size[1])
             for n_patterns, size, seed in drawn]
    instances = [laws.law_instances(law, case, perturbation) for case, perturbation in pairs]
    values = laws.evaluate_many(approximation, [c for group in instances for c in group],
                                CaseEvaluator(approximation, _n_jobs()))
    broken = [laws.judge_law(law, values[2 * k:2 * k + 2]).violated for k in range(len(pairs))]
    assert len(drawn) > 0
    if not any(broken):
        return

    def prop(n_patterns, size, seed):
        c = check(n_patterns, size, seed)
        assert not c.violated, (f"values {c.value_before!r} (target) and {c.value_after!r} "
                                f"(twin) differ by {c.difference:.3g} > {c.tolerance:.3g}")

    run(prop)
    pytest.fail(f"{sum(broken)}/{len(drawn)} examples break the law, but hypothesis's sequential run did not "
                f"reproduce it", pytrace=False)


# --------------------------------------------------------------------------- the checks can fail


def test_every_case_is_classified(law_rates):
    """Each check is holds, violated or undefined; undefined values are never counted as checked."""
    checks, rates = law_rates
    for frame in checks.values():
        assert set(frame["outcome"]) <= {"holds", "violated", "undefined"}
    assert (rates["checked"] + rates["undefined"] == rates["cases"]).all()
    assert (rates["violated"] <= rates["checked"]).all()


def test_checks_catch_a_negative_approximation(approximation):
    """``-|f| - 0.001`` breaks non-negativity on every defined case, and the search finds it."""

    def negative(*args):
        return -abs(approximation(*args)) - 1e-3

    rates = laws.law_violation_rates(negative, "set2", 100, SEED, laws=["non_negativity"], n_jobs=_n_jobs())
    row = rates.iloc[0]
    assert row["checked"] > 0 and row["violated"] == row["checked"] and row["ci_low"] > 0.95
    cx = counterexamples.find_counterexample(negative, "non_negativity", "set1", draws_per_size=1,
                                             budget=SEARCH_BUDGET["quick"], n_jobs=_n_jobs())
    assert cx is not None and cx.check.value_before < 0


def test_checks_catch_an_index_dependent_approximation(approximation):
    """Adding ``0.001 * pattern`` breaks equal-distribution symmetry on every defined case."""

    def by_index(mu, sigma, ensemble, pattern):
        return approximation(mu, sigma, ensemble, pattern) + 1e-3 * pattern

    rates = laws.law_violation_rates(by_index, "set3", 50, SEED, laws=["equal_distribution_symmetry"],
                                     n_jobs=_n_jobs())
    row = rates.iloc[0]
    assert row["checked"] > 0 and row["violated"] == row["checked"]


def test_checks_catch_information_growing_with_N():
    """An approximation that returns ``N`` breaks data processing on every case."""

    def growing(mu, sigma, ensemble, pattern):
        return float(np.shape(mu)[0])

    rates = laws.law_violation_rates(growing, "set1", 100, SEED, laws=["data_processing_N"])
    row = rates.iloc[0]
    assert row["checked"] == 100 and row["violated"] == 100 and row["worst"] == 1.0


def test_batch_form_matches_scalar_form(approximation):
    """Where the approximation has a batch form (``approximations.BATCH_ATTRIBUTE``), it gives the scalar values.

    Checked on 30 cases of each of sets 1-3 (the law checks' first cases) to the laws' floating-point
    tolerance (``laws.RTOL``, ``laws.ATOL``): the suite evaluates the batch form wherever it exists, so a
    batch form that disagrees would be validated in place of the formula.
    """
    from synmi.analytic import generate_set
    from synmi.validation.engine.approximations import CaseEvaluator, batch_form

    if batch_form(approximation) is None:
        pytest.skip("the approximation has no batch form")
    cases = [c for s in SETS for c in generate_set(s, 30, SEED)]
    batch = CaseEvaluator(approximation, 1)(cases)
    scalar = [laws.evaluate(approximation, c)[0] for c in cases]
    for case, b, v in zip(cases, batch, scalar):
        same = (np.isnan(b) and np.isnan(v)) or b == v or abs(b - v) <= laws.RTOL * max(abs(b), abs(v)) + laws.ATOL
        assert same, f"batch form {b!r} != scalar form {v!r} on case {case.meta}"
