"""Laws of the true information, checked on an approximation (docs/theory.md §12).

The true information ``I(w_S ; x_l)`` obeys laws that follow from the model alone
(docs/theory.md §§1-2, stated and proved in §12); an approximation such as
``I_FW`` (docs/theory.md §3) may keep or break them:

``non_negativity``
    ``I >= 0``: mutual information is never negative (docs/theory.md §4).
``ensemble_monotonicity``
    ``I(w_{S + a} ; x_l) >= I(w_S ; x_l)`` for a connection ``a`` not in ``S``:
    ``w_S`` is a function of ``w_{S + a}``, so adding a connection never loses
    information (data processing over the ensemble).
``data_processing_N``
    Appending an independent pattern ``x_{N+1}`` never adds information about
    ``x_l``: the new weights are ``w_S + z_{N+1}[S]`` with ``z_{N+1}``
    independent of ``(x_l, w_S)`` (docs/theory.md §2), so
    ``x_l -> w_S -> w_S + z_{N+1}`` is a Markov chain and
    ``I(w_S + z_{N+1} ; x_l) <= I(w_S ; x_l)``.
``equal_distribution_symmetry``
    Two patterns with the same distribution (equal ``mu_k`` and ``Sigma_k``) are
    exchangeable in the model, so the ensemble holds equal information about
    either. ``I_FW`` keeps this by construction: its value depends on pattern
    ``l`` only through ``(m_l, c_l)`` and through the other patterns' sums
    (docs/theory.md §3), which are the same for either target.

This module holds the checks and their rates: each ``check_*`` function
evaluates the approximation on a case and on its perturbation and returns a
:class:`LawCheck`; :func:`check_instance` does so for a ``(case,
perturbation)`` pair, in two steps that can be batched: :func:`law_instances`
(the cases whose values the law compares) and :func:`judge_law` (the check
from their values), with :func:`evaluate_many` in between (the approximation's
batch form, or worker processes for a slow formula:
:class:`~.approximations.CaseEvaluator`; the values do not depend on the
number of workers); :func:`extra_connection`, :func:`extra_pattern` and
:func:`symmetric_partner` draw or build the perturbations;
:func:`law_checks` and :func:`law_violation_rates` count violations over the
paper's simulation sets (docs/theory.md §6) with binomial confidence
intervals (:func:`binomial_ci`).  Minimal counterexamples are searched for and
shrunk in :mod:`synmi.validation.engine.counterexamples`.

Outcomes
--------
Every check has one of three outcomes:

``holds``
    The values are defined and satisfy the law within the floating-point
    tolerance (:data:`RTOL`, :data:`ATOL`).
``violated``
    The values are defined and break the law by more than the tolerance.
``undefined``
    A value needed by the law is ``nan`` (e.g. ``I_FW`` of an indefinite
    ``Sigma_w``, docs/theory.md §4) or, for the laws comparing two values, not
    finite.  Such a case is neither a success nor a failure of the law: it is a
    failure of a different kind (the approximation has no value), counted
    separately.  Non-negativity accepts ``+inf`` (infinite information is not
    negative).

Tolerance
---------
A law ``a <= b`` is violated when ``a - b > RTOL * max(|a|, |b|) + ATOL``, with
``RTOL = 1e-9`` and ``ATOL = 1e-10`` nats: a floating-point allowance only.
``I_FW`` is a sum of log-moments and half a difference of log-determinants,
each of size up to tens of nats, so its rounding error is ~1e-14 absolute.
Measured (2000 cases of each of sets 1-3, seed 2024): the equal-distribution
differences of ``I_FW``, which are pure rounding, reach 5.9e-12 nats and
9.5e-13 relative, 17 times below ``ATOL`` and 1000 times below ``RTOL``; the
smallest genuine violation found is 6.9e-5 nats, 5 orders above the tolerance.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ... import analytic
from ...analytic.fenton_wilkinson import fenton_wilkinson_information
from ...analytic.generators import SET_GENERATORS, all_connections, generate_set, set3_case
from ...analytic.inputs import Case, validate_case
from .approximations import CaseEvaluator

__all__ = [
    "LAWS",
    "RTOL",
    "ATOL",
    "Approximation",
    "LawCheck",
    "evaluate",
    "is_default_approximation",
    "check_non_negativity",
    "check_ensemble_monotonicity",
    "check_data_processing",
    "check_equal_distribution_symmetry",
    "check_instance",
    "law_instances",
    "judge_law",
    "evaluate_many",
    "with_extra_connection",
    "with_extra_pattern",
    "extra_connection",
    "extra_pattern",
    "symmetric_partner",
    "law_checks",
    "law_violation_rates",
    "binomial_ci",
]

#: The laws, in report order.
LAWS = ("non_negativity", "ensemble_monotonicity", "data_processing_N", "equal_distribution_symmetry")

#: Relative floating-point tolerance for deciding a violation (see the module docstring).
RTOL = 1e-9
#: Absolute floating-point tolerance, in nats.
ATOL = 1e-10

Approximation = Callable[..., float]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class LawCheck:
    """One law checked on one case.

    Attributes
    ----------
    law : str
        One of :data:`LAWS`.
    outcome : str
        ``"holds"``, ``"violated"`` or ``"undefined"`` (module docstring).
    value_before, value_after : float
        The compared values, in nats.  ``ensemble_monotonicity``: ``I(S)`` and
        ``I(S + a)``; ``data_processing_N``: ``I`` with ``N`` and with ``N + 1``
        patterns; ``equal_distribution_symmetry``: ``I`` about the target and
        about its twin; ``non_negativity``: the value twice.
    difference : float
        ``value_after - value_before`` (for ``non_negativity`` the value itself).
        The law requires it ``>= 0`` (monotonicity, non-negativity), ``<= 0``
        (data processing) or ``== 0`` (symmetry).
    tolerance : float
        The floating-point slack used, ``RTOL * max(|before|, |after|) + ATOL``.
    status_before, status_after : str
        Validity of each value: the FW status (docs/theory.md §4) for the default
        approximation, otherwise the class of the value (``valid``,
        ``negative``, ``undefined`` for ``nan``, ``infinite``).
    """

    law: str
    outcome: str
    value_before: float
    value_after: float
    difference: float
    tolerance: float
    status_before: str
    status_after: str

    @property
    def holds(self) -> bool:
        """True when the law was checked and holds."""
        return self.outcome == "holds"

    @property
    def violated(self) -> bool:
        """True when the law was checked and is broken beyond the tolerance."""
        return self.outcome == "violated"

    @property
    def checked(self) -> bool:
        """True when the values were defined, so that the law could be checked."""
        return self.outcome != "undefined"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for DataFrames and JSON)."""
        return asdict(self)


# --------------------------------------------------------------------------- evaluation


def is_default_approximation(approximation: Any) -> bool:
    """True when ``approximation`` is :func:`analytic.mutual_information` (``I_FW``)."""
    return approximation is analytic.mutual_information


def _as_case(case: Any) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return validate_case(case["mu"], case["sigma"], case["ensemble"], case["pattern"])
    return validate_case(*case)


def _value_class(value: float) -> str:
    if np.isnan(value):
        return "undefined"
    if np.isinf(value):
        return "infinite"
    return "negative" if value < 0 else "valid"


def evaluate(approximation: Approximation, case: Any) -> tuple[float, str]:
    """Value of ``approximation`` on ``case`` and its validity status, warnings silenced.

    Parameters
    ----------
    approximation : callable
        ``f(mu, sigma, ensemble, pattern) -> float`` in nats.
    case : Case, mapping or (mu, sigma, ensemble, pattern)

    Returns
    -------
    value : float
    status : str
        The FW status (docs/theory.md §4: ``valid``, ``negative``,
        ``indefinite``, ``singular``, ``infinite``) when ``approximation`` is the
        default ``I_FW`` (evaluated through
        :func:`analytic.fenton_wilkinson_information`, whose value is the same
        number); otherwise the class of the value (``valid``, ``negative``,
        ``undefined``, ``infinite``).
    """
    case = _as_case(case)
    if is_default_approximation(approximation):
        result = fenton_wilkinson_information(case.mu, case.sigma, case.ensemble, case.pattern)
        return float(result.value), result.status.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(approximation(case.mu, case.sigma, case.ensemble, case.pattern))
    return value, _value_class(value)


def _tolerance(a: float, b: float) -> float:
    return RTOL * max(abs(a), abs(b)) + ATOL


def _pair(law: str, before: tuple[float, str], after: tuple[float, str], relation: str) -> LawCheck:
    """Compare two values: ``relation`` is ``">="`` (after >= before), ``"<="`` or ``"=="``."""
    (a, sa), (b, sb) = before, after
    diff = b - a if np.isfinite(a) and np.isfinite(b) else np.nan
    if not (np.isfinite(a) and np.isfinite(b)):
        return LawCheck(law, "undefined", a, b, diff, np.nan, sa, sb)
    tol = _tolerance(a, b)
    ok = {">=": diff >= -tol, "<=": diff <= tol, "==": abs(diff) <= tol}[relation]
    return LawCheck(law, "holds" if ok else "violated", a, b, diff, tol, sa, sb)


def _replace(case: Case, **changes: Any) -> Case:
    data = {"mu": case.mu, "sigma": case.sigma, "ensemble": case.ensemble, "pattern": case.pattern}
    data.update(changes)
    return validate_case(data["mu"], data["sigma"], data["ensemble"], data["pattern"],
                         meta=dict(case.meta), check_covariance=False)


# --------------------------------------------------------------------------- the laws


def check_non_negativity(approximation: Approximation, case: Any, *,
                         base: tuple[float, str] | None = None) -> LawCheck:
    """``I >= 0`` (docs/theory.md §4: true mutual information is never negative).

    ``nan`` is ``undefined``; ``+inf`` holds; a value below ``-ATOL`` is a violation.
    ``base`` reuses an already computed :func:`evaluate` result.
    """
    value, status = base if base is not None else evaluate(approximation, case)
    if np.isnan(value):
        return LawCheck("non_negativity", "undefined", value, value, value, np.nan, status, status)
    ok = value >= -ATOL
    return LawCheck("non_negativity", "holds" if ok else "violated", value, value, value, ATOL, status, status)


def check_ensemble_monotonicity(approximation: Approximation, case: Any, connection: Sequence[int] | np.ndarray, *,
                                base: tuple[float, str] | None = None) -> LawCheck:
    """``I(w_{S + a} ; x_l) >= I(w_S ; x_l)``: adding a connection never loses information.

    ``w_S`` is a function of ``w_{S + a}`` (docs/theory.md §1), so this is the
    data-processing inequality over the ensemble.

    Parameters
    ----------
    approximation : callable
    case : Case, mapping or tuple
        The ensemble ``S``.
    connection : (i, j)
        A connection ``a`` not in ``S``; appended at the end of the ensemble.
    base : (value, status), optional
        :func:`evaluate` of ``case``, if already known.
    """
    case = _as_case(case)
    before = base if base is not None else evaluate(approximation, case)
    bigger = with_extra_connection(case, connection)
    return _pair("ensemble_monotonicity", before, evaluate(approximation, bigger), ">=")


def check_data_processing(approximation: Approximation, case: Any, extra_mu: Any, extra_sigma: Any = None, *,
                          base: tuple[float, str] | None = None) -> LawCheck:
    """``I(w_S + z_{N+1} ; x_l) <= I(w_S ; x_l)``: an extra independent pattern adds no information.

    The appended pattern's weights are independent of ``(x_l, w_S)`` (docs/theory.md
    section 2), so ``x_l -> w_S -> w_S + z_{N+1}`` is a Markov chain.

    Parameters
    ----------
    approximation : callable
    case : Case, mapping or tuple
    extra_mu : array_like, shape (d,)
        Mean of ``ln x_{N+1}``.
    extra_sigma : array_like, shape (d, d), optional
        Covariance of ``ln x_{N+1}``.  Required when ``case`` has a covariance per
        pattern; must be omitted (or equal the shared one) when it is shared.
    base : (value, status), optional
    """
    case = _as_case(case)
    bigger = with_extra_pattern(case, extra_mu, extra_sigma)
    before = base if base is not None else evaluate(approximation, case)
    return _pair("data_processing_N", before, evaluate(approximation, bigger), "<=")


def with_extra_pattern(case: Any, extra_mu: Any, extra_sigma: Any = None) -> Case:
    """``case`` with one more pattern appended (``mu = extra_mu``, ``Sigma = extra_sigma``).

    See :func:`check_data_processing` for when ``extra_sigma`` is required.
    """
    case = _as_case(case)
    extra_mu = np.asarray(extra_mu, dtype=float)
    if extra_mu.shape != (case.dim,):
        raise ValueError(f"extra_mu must have shape ({case.dim},), got {extra_mu.shape}")
    mu = np.vstack([case.mu, extra_mu[None]])
    if case.shared_sigma:
        if extra_sigma is not None and not np.array_equal(np.asarray(extra_sigma), case.sigma):
            sigma = np.concatenate([case.sigma_stack(), np.asarray(extra_sigma, dtype=float)[None]])
        else:
            sigma = case.sigma
    else:
        if extra_sigma is None:
            raise ValueError("extra_sigma is required when every pattern has its own covariance")
        sigma = np.concatenate([case.sigma, np.asarray(extra_sigma, dtype=float)[None]])
    return _replace(case, mu=mu, sigma=sigma)


def with_extra_connection(case: Any, connection: Sequence[int] | np.ndarray) -> Case:
    """``case`` with ``connection`` appended at the end of its ensemble."""
    case = _as_case(case)
    return _replace(case, ensemble=np.vstack([case.ensemble, np.asarray(connection, dtype=np.int64)[None]]))


def symmetric_partner(case: Any, twin: int) -> Case:
    """``case`` with pattern ``twin`` given the target's distribution (``mu`` and ``Sigma``)."""
    case = _as_case(case)
    if not 0 <= twin < case.n_patterns or twin == case.pattern:
        raise ValueError(f"twin must be a pattern index other than the target {case.pattern}, got {twin}")
    mu = case.mu.copy()
    mu[twin] = case.mu[case.pattern]
    sigma = case.sigma
    if not case.shared_sigma:
        sigma = case.sigma.copy()
        sigma[twin] = case.sigma[case.pattern]
    return _replace(case, mu=mu, sigma=sigma)


def check_equal_distribution_symmetry(approximation: Approximation, case: Any, twin: int) -> LawCheck:
    """Equal information about two patterns with equal distributions.

    Pattern ``twin`` is given the target's ``mu`` and ``Sigma``
    (:func:`symmetric_partner`); the law compares ``I(w_S ; x_l)`` with
    ``I(w_S ; x_twin)`` on that case.  ``I_FW`` keeps it by construction (module
    docstring; docs/theory.md §3), up to rounding.
    """
    twin_case = symmetric_partner(case, twin)
    before = evaluate(approximation, twin_case)
    after = evaluate(approximation, _replace(twin_case, pattern=twin))
    return _pair("equal_distribution_symmetry", before, after, "==")


# --------------------------------------------------------------------------- perturbations


def extra_connection(case: Any, rng: np.random.Generator) -> np.ndarray:
    """A connection drawn uniformly among those of the network not in the ensemble."""
    case = _as_case(case)
    conns = all_connections(case.dim)
    code = case.ensemble[:, 0] * case.dim + case.ensemble[:, 1]
    free = conns[~np.isin(conns[:, 0] * case.dim + conns[:, 1], code)]
    if len(free) == 0:
        raise ValueError("the ensemble already holds every connection of the network")
    return free[rng.integers(len(free))]


def extra_pattern(case: Any, set_name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """A pattern drawn like the others of ``set_name`` (docs/theory.md §6).

    ``mu ~ U(-1, 1)^d`` in every set; sets 1 and 2 share one covariance (returned
    as ``None``: the appended pattern uses it), set 3 draws its own
    ``Q diag(lambda) Q^T + c 1 1^T`` with :func:`analytic.set3_case`.
    """
    case = _as_case(case)
    if set_name not in SET_GENERATORS:
        raise ValueError(f"set_name must be one of {sorted(SET_GENERATORS)}, got {set_name!r}")
    if set_name == "set3" or not case.shared_sigma:
        fresh = set3_case(rng, dim=case.dim, n_patterns=1, n=1)
        return fresh.mu[0], fresh.sigma[0]
    return rng.uniform(-1.0, 1.0, size=case.dim), None


def law_instances(law: str, case: Any, perturbation: Mapping[str, Any]) -> list[Case]:
    """The cases whose values ``law`` compares on a ``(case, perturbation)`` pair, in order.

    ``non_negativity``: ``[case]``; ``ensemble_monotonicity``: ``[case, case + a]``;
    ``data_processing_N``: ``[case, case with N + 1 patterns]``;
    ``equal_distribution_symmetry``: ``[twin case about the target, twin case about the twin]``
    (:func:`symmetric_partner`).  :func:`judge_law` turns their values into a
    :class:`LawCheck`; the two together are :func:`check_instance`, split so that
    many pairs can be evaluated in one batch (:func:`evaluate_many`).
    """
    case = _as_case(case)
    if law == "non_negativity":
        return [case]
    if law == "ensemble_monotonicity":
        return [case, with_extra_connection(case, perturbation["connection"])]
    if law == "data_processing_N":
        sigma = None if case.shared_sigma else perturbation["sigma"]
        return [case, with_extra_pattern(case, perturbation["mu"], sigma)]
    if law == "equal_distribution_symmetry":
        twin = int(perturbation["twin"])
        twin_case = symmetric_partner(case, twin)
        return [twin_case, _replace(twin_case, pattern=twin)]
    raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")


def judge_law(law: str, values: Sequence[tuple[float, str]]) -> LawCheck:
    """The :class:`LawCheck` of ``law`` from the :func:`evaluate` results of its :func:`law_instances`."""
    if law == "non_negativity":
        value, status = values[0]
        if np.isnan(value):
            return LawCheck(law, "undefined", value, value, value, np.nan, status, status)
        ok = value >= -ATOL
        return LawCheck(law, "holds" if ok else "violated", value, value, value, ATOL, status, status)
    relation = {"ensemble_monotonicity": ">=", "data_processing_N": "<=", "equal_distribution_symmetry": "=="}
    if law not in relation:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    return _pair(law, values[0], values[1], relation[law])


def evaluate_many(approximation: Approximation, cases: Sequence[Any],
                  evaluator: CaseEvaluator | None = None) -> list[tuple[float, str]]:
    """:func:`evaluate` on every case, in order: batch form or worker processes where they pay.

    The default ``I_FW`` is evaluated in process (about 1 ms a case, with its
    status); any other approximation through ``evaluator``
    (:class:`~.approximations.CaseEvaluator`, one made with
    :func:`~.approximations.default_n_jobs` workers if ``None``).  The values are
    those of ``[evaluate(approximation, c) for c in cases]`` whatever the
    number of workers.
    """
    cases = [_as_case(c) for c in cases]
    if is_default_approximation(approximation):
        return [evaluate(approximation, c) for c in cases]
    evaluator = evaluator if evaluator is not None else CaseEvaluator(approximation)
    return [(v, _value_class(v)) for v in evaluator(cases)]


def check_instance(approximation: Approximation, law: str, case: Any, perturbation: Mapping[str, Any]) -> LawCheck:
    """Check ``law`` on a ``(case, perturbation)`` pair.

    ``perturbation`` is what the law changes (see
    :class:`synmi.validation.engine.counterexamples.Counterexample`):
    ``{"connection": [i, j]}`` for ``ensemble_monotonicity``, ``{"mu": [...]}``
    plus ``"sigma"`` (required when every pattern has its own covariance) for
    ``data_processing_N``, ``{"twin": k}`` for ``equal_distribution_symmetry``
    and ``{}`` for ``non_negativity``.
    """
    if law not in LAWS:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    return judge_law(law, [evaluate(approximation, c) for c in law_instances(law, case, perturbation)])


# --------------------------------------------------------------------------- rates over the sets


def _law_rng(seed: int, index: int, law: str) -> np.random.Generator:
    # Case t of generate_set uses spawn_key (t,); the perturbations use (t, 1 + law index),
    # so they are reproducible per case and independent of the case's own draws.
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(index, 1 + LAWS.index(law))))


def law_checks(approximation: Approximation, set_name: str, n_cases: int, seed: int, *,
               laws: Iterable[str] = LAWS, start: int = 0, n_jobs: int | None = None,
               evaluator: CaseEvaluator | None = None, **set_params: Any):
    """Every law checked on cases ``start … start + n_cases - 1`` of a simulation set.

    Parameters
    ----------
    approximation : callable
        ``f(mu, sigma, ensemble, pattern) -> float``.
    set_name : {"set1", "set2", "set3"}
        docs/theory.md §6, through :func:`analytic.generate_set`.
    n_cases : int
    seed : int
        Seed of the case sequence; the perturbations (extra connection, extra
        pattern, twin) are drawn from streams derived from ``(seed, case index)``.
    laws : iterable of str
        Subset of :data:`LAWS`.
    start : int
    n_jobs : int, optional
        Worker processes for the approximation (:class:`~.approximations.CaseEvaluator`;
        default :func:`~.approximations.default_n_jobs`).  The table does not
        depend on it: every case and perturbation is drawn in this process first.
    evaluator : CaseEvaluator, optional
        An evaluator to reuse (its measured cost decides on worker processes);
        overrides ``n_jobs``.
    **set_params
        Passed to the set's generator (e.g. ``dim``).

    Returns
    -------
    pandas.DataFrame
        One row per (case, law): ``set``, ``index``, ``law``, the
        :class:`LawCheck` fields, and ``n_patterns``, ``n_connections``, ``dim``.
    """
    import pandas as pd

    laws = tuple(laws)
    unknown = sorted(set(laws) - set(LAWS))
    if unknown:
        raise ValueError(f"laws: unknown law(s) {unknown}; choose from {list(LAWS)}")
    # Draw every case and perturbation first (the same streams as one check at a time), then evaluate
    # all the cases the laws compare in one batch; the base case is shared by the first three laws.
    todo: list[Case] = []
    planned = []
    for case in generate_set(set_name, n_cases, seed, start=start, **set_params):
        t = case.meta["index"]
        base = -1  # the index of the base case in todo, where a law needs it
        if {"non_negativity", "ensemble_monotonicity", "data_processing_N"} & set(laws):
            base = len(todo)
            todo.append(case)
        for law in laws:
            rng = _law_rng(seed, t, law)
            if law == "non_negativity":
                slots = [base]
            elif law == "ensemble_monotonicity":
                todo.append(with_extra_connection(case, extra_connection(case, rng)))
                slots = [base, len(todo) - 1]
            elif law == "data_processing_N":
                mu, sigma = extra_pattern(case, set_name, rng)
                todo.append(with_extra_pattern(case, mu, sigma))
                slots = [base, len(todo) - 1]
            else:
                others = [k for k in range(case.n_patterns) if k != case.pattern]
                todo += law_instances(law, case, {"twin": int(rng.choice(others))})
                slots = [len(todo) - 2, len(todo) - 1]
            planned.append((case, t, law, slots))
    values = evaluate_many(approximation, todo, evaluator if evaluator is not None else CaseEvaluator(approximation,
                                                                                                     n_jobs))
    rows = []
    for case, t, law, slots in planned:
        check = judge_law(law, [values[k] for k in slots])
        rows.append({"set": set_name, "index": t, **check.to_dict(), "n_patterns": case.n_patterns,
                     "n_connections": case.n_connections, "dim": case.dim})
    columns = ["set", "index", "law", "outcome", "value_before", "value_after", "difference", "tolerance",
               "status_before", "status_after", "n_patterns", "n_connections", "dim"]
    return pd.DataFrame(rows, columns=columns)


def binomial_ci(k: int, n: int, confidence: float = 0.95, method: str = "wilson") -> tuple[float, float]:
    """Confidence interval of a binomial proportion ``k / n`` (scipy's ``binomtest``).

    ``method`` is ``"wilson"`` (default) or ``"exact"`` (Clopper-Pearson).
    Returns ``(nan, nan)`` when ``n == 0``.
    """
    from scipy.stats import binomtest

    if n == 0:
        return (np.nan, np.nan)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method=method)
    return float(ci.low), float(ci.high)


def law_violation_rates(approximation: Approximation, set_name: str, n_cases: int, seed: int, *,
                        laws: Iterable[str] = LAWS, confidence: float = 0.95, checks=None, n_jobs: int | None = None,
                        **set_params: Any):
    """How often each law fails over ``n_cases`` cases of a simulation set.

    Parameters
    ----------
    approximation, set_name, n_cases, seed, laws, n_jobs, **set_params
        As in :func:`law_checks`.
    confidence : float
        Level of the Wilson interval of the violation rate.
    checks : pandas.DataFrame, optional
        A :func:`law_checks` table to summarise instead of computing one.

    Returns
    -------
    pandas.DataFrame
        One row per law: ``set``, ``law``, ``cases``, ``checked`` (both values
        defined), ``violated``, ``undefined``, ``rate`` (``violated / checked``),
        ``ci_low``, ``ci_high`` (Wilson), ``worst`` (the violating difference of
        largest magnitude, ``nan`` if none), ``worst_index`` (its case index),
        ``seconds`` (time spent computing the checks here, split equally among
        the laws; about 0 when ``checks`` is given).
        ``attrs`` of the frame hold ``seed`` and ``confidence``; to keep the
        per-case table, compute it with :func:`law_checks` and pass it as ``checks``.
    """
    import pandas as pd

    laws = tuple(laws)
    t0 = time.perf_counter()
    if checks is None:
        checks = law_checks(approximation, set_name, n_cases, seed, laws=laws, n_jobs=n_jobs, **set_params)
    elapsed = time.perf_counter() - t0
    rows = []
    for law in laws:
        sub = checks[checks["law"] == law]
        violated = sub[sub["outcome"] == "violated"]
        k, m = len(violated), int((sub["outcome"] != "undefined").sum())
        low, high = binomial_ci(k, m, confidence)
        if k:
            w = violated["difference"].abs().idxmax()
            worst, worst_index = float(violated.loc[w, "difference"]), int(violated.loc[w, "index"])
        else:
            worst, worst_index = np.nan, -1
        rows.append({"set": set_name, "law": law, "cases": len(sub), "checked": m, "violated": k,
                     "undefined": int((sub["outcome"] == "undefined").sum()),
                     "rate": k / m if m else np.nan, "ci_low": low, "ci_high": high,
                     "worst": worst, "worst_index": worst_index, "seconds": elapsed / max(len(laws), 1)})
    out = pd.DataFrame(rows)
    out.attrs.update({"seed": seed, "confidence": confidence})
    return out

