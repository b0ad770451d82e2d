"""Evaluating approximations on many cases: batch form, worker processes, and the search budget.

``validation/engine/approximations.py`` (:class:`CaseEvaluator`), the batched
law checks of ``validation/engine/laws.py`` and the evaluation budget of
``validation/engine/counterexamples.py``.  The values, tables and
counterexamples must not depend on the number of worker processes.
"""

from __future__ import annotations

import numpy as np
import pytest

from synmi import analytic
from synmi.validation.engine import counterexamples as cx
from synmi.validation.engine import laws, sweeps
from synmi.validation.engine.approximations import CaseEvaluator, batch_form


def _cases(n: int = 12) -> list:
    return list(analytic.generate_set("set3", n, 7))


def _quadratic_mu(mu, sigma, ensemble, pattern):
    return float(np.sum(np.asarray(mu) ** 2)) - 0.1 * int(pattern)


def test_in_process_values_are_the_scalar_values():
    cases = _cases()
    ev = CaseEvaluator(_quadratic_mu, 1)
    assert ev(cases) == [_quadratic_mu(c.mu, c.sigma, c.ensemble, c.pattern) for c in cases]
    assert ev.evaluations == len(cases) and not ev.parallel


def test_workers_give_the_same_values():
    """Forced into two worker processes (threshold 0), the values equal those in process."""
    cases = _cases(20)

    def f(mu, sigma, ensemble, pattern):
        return float(np.sum(np.asarray(mu) ** 2)) - 0.1 * int(pattern)

    serial = CaseEvaluator(f, 1)(cases)
    ev = CaseEvaluator(f, 2, parallel_min_seconds=0.0)
    assert ev(cases) == serial
    assert ev.parallel and ev.workers == 2


def test_cheap_formula_stays_in_process():
    ev = CaseEvaluator(analytic.mutual_information, 2)
    ev(_cases(6))
    assert not ev.parallel


def test_batch_form_is_used():
    calls = []

    def f(mu, sigma, ensemble, pattern):
        raise AssertionError("the scalar form must not be called when a batch form exists")

    def batch(cases):
        calls.append(len(cases))
        return np.array([float(np.shape(mu)[0]) for mu, _s, _e, _p in cases])

    f.batch = batch
    cases = _cases(5)
    assert batch_form(f) is batch
    assert CaseEvaluator(f, 2)(cases) == [float(c.n_patterns) for c in cases]
    assert calls == [5]


def test_batch_form_of_wrong_length_is_an_error():
    def f(mu, sigma, ensemble, pattern):
        return 0.0

    f.batch = lambda cases: np.zeros(len(cases) + 1)
    with pytest.raises(ValueError, match="batch form returned"):
        CaseEvaluator(f, 1)(_cases(3))


def test_non_number_is_an_error():
    with pytest.raises(ValueError, match="not a number"):
        CaseEvaluator(lambda *a: "x", 1)(_cases(1))


def test_law_checks_do_not_depend_on_workers():
    """The batched law table equals the one-check-at-a-time table, in process and with two workers."""

    def f(mu, sigma, ensemble, pattern):
        return float(np.sum(np.asarray(mu)[int(pattern)])) + 0.01 * np.shape(mu)[0]

    one = laws.law_checks(f, "set2", 15, 3, n_jobs=1)
    two = laws.law_checks(f, "set2", 15, 3, evaluator=CaseEvaluator(f, 2, parallel_min_seconds=0.0))
    assert one.equals(two)
    # the same checks, one at a time through check_instance, on the same cases and perturbations
    case = next(iter(analytic.generate_set("set2", 1, 3)))
    row = one[(one["index"] == 0) & (one["law"] == "non_negativity")].iloc[0]
    assert row["value_before"] == laws.check_instance(f, "non_negativity", case, {}).value_before


def test_search_and_shrink_do_not_depend_on_workers():
    def f(mu, sigma, ensemble, pattern):
        return -1.0 if np.shape(mu)[0] >= 3 else 1.0

    one = cx.find_violation(f, "non_negativity", "set3", draws_per_size=2, evaluator=CaseEvaluator(f, 1))
    two = cx.find_violation(f, "non_negativity", "set3", draws_per_size=2,
                            evaluator=CaseEvaluator(f, 2, parallel_min_seconds=0.0))
    assert one[3] == two[3]
    a = cx.shrink(f, "non_negativity", one[0], one[1], evaluator=CaseEvaluator(f, 1))
    b = cx.shrink(f, "non_negativity", two[0], two[1], evaluator=CaseEvaluator(f, 2, parallel_min_seconds=0.0))
    assert a[0].to_dict() == b[0].to_dict() and a[3] == b[3] and a[4] == b[4]


def test_budget_bounds_the_evaluations():
    """A formula that keeps the law is evaluated exactly ``budget`` times (no more, no fewer)."""
    count = [0]

    def keeps(mu, sigma, ensemble, pattern):
        count[0] += 1
        return 1.0

    assert cx.find_counterexample(keeps, "ensemble_monotonicity", "set3", budget=50, n_jobs=1) is None
    assert count[0] == 50
    assert cx.search_checks("ensemble_monotonicity", "set3", budget=50) == 25
    count[0] = 0
    assert cx.find_counterexample(keeps, "non_negativity", "set3", budget=None, n_jobs=1) is None
    assert count[0] == cx.search_checks("non_negativity", "set3") == 20 * len(cx.search_sizes("non_negativity", "set3"))


def test_budget_leaves_fw_counterexamples_unchanged():
    """With the quick tier's budget (300, validation/test_laws.py) I_FW's counterexamples are those of the unbudgeted search."""
    for law in ("non_negativity", "ensemble_monotonicity", "data_processing_N"):
        free = cx.find_counterexample(analytic.mutual_information, law, "set3")
        budgeted = cx.find_counterexample(analytic.mutual_information, law, "set3", budget=300)
        assert free.to_dict() == budgeted.to_dict()


def test_budget_stops_shrinking():
    def negative(mu, sigma, ensemble, pattern):
        return -1.0

    found = cx.find_counterexample(negative, "non_negativity", "set3", draws_per_size=1, budget=3, n_jobs=1)
    assert found is not None and found.evaluations == 2 and not found.locally_minimal


def test_judge_table_does_not_depend_on_workers():
    cases = sweeps.correlated_ensemble_cases()
    truths = [{"truth": 0.5, "truth_stderr": 0.01, "bias_bound": 0.0, "truth_resolved": True} for _ in cases]

    def f(mu, sigma, ensemble, pattern):
        return float(analytic.mutual_information(mu, sigma, ensemble, pattern))

    one = sweeps.judge_table(truths, cases, f, n_jobs=1)
    two = sweeps.judge_table(truths, cases, f, n_jobs=2)
    assert one.equals(two)
