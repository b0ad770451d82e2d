"""Laws of the true information, checked on an approximation (validation issue, item 5).

The true information ``I(w_S ; x_l)`` obeys laws that follow from the model alone
(docs/theory.md §§1-2); an approximation such as ``I_FW`` (docs/theory.md §3) may
keep or break them:

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

Each ``check_*`` function evaluates the approximation on a case and on its
perturbation and returns a :class:`LawCheck`; :func:`law_violation_rates`
counts violations over the paper's simulation sets (docs/theory.md §6) with
binomial confidence intervals; :func:`shrink_counterexample` uses hypothesis as
a counterexample search over small cases in the paper's regimes and returns the
shrunk (minimal) counterexample.

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

import contextlib
import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from synmi import analytic
from synmi.analytic.fenton_wilkinson import fenton_wilkinson_information
from synmi.analytic.generators import SET_GENERATORS, all_connections, generate_set, set3_case
from synmi.analytic.inputs import Case, validate_case

from .approximations import approximation_name, load_approximation

__all__ = [
    "LAWS",
    "RTOL",
    "ATOL",
    "LawCheck",
    "Counterexample",
    "evaluate",
    "is_default_approximation",
    "check_non_negativity",
    "check_ensemble_monotonicity",
    "check_data_processing",
    "check_equal_distribution_symmetry",
    "extra_connection",
    "extra_pattern",
    "symmetric_partner",
    "law_checks",
    "law_violation_rates",
    "binomial_ci",
    "law_instances",
    "check_instance",
    "restrict_to_touched_neurons",
    "shrink_counterexample",
    "law_survey",
    "minimal_counterexamples",
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


@dataclass(frozen=True)
class Counterexample:
    """A (minimal) case on which an approximation breaks a law.

    Attributes
    ----------
    law : str
    case : dict
        ``mu``, ``sigma``, ``ensemble``, ``pattern`` as nested lists (JSON-ready).
    perturbation : dict
        What the law changes: ``{"connection": [i, j]}`` (monotonicity),
        ``{"mu": [...], "sigma": [...]}`` of the appended pattern (data
        processing), ``{"twin": k}`` (symmetry), ``{}`` (non-negativity).
    check : LawCheck
        The values that break the law.
    regime : str
        The covariance regime of the search (``set1``, ``set2``, ``set3``).
    """

    law: str
    case: dict
    perturbation: dict
    check: LawCheck
    regime: str

    def describe(self) -> str:
        """One-paragraph summary for reports and test messages."""
        mu = np.asarray(self.case["mu"])
        c = self.check
        return (f"{self.law} [{self.regime}]: N = {mu.shape[0]}, d = {mu.shape[1]}, "
                f"n = {len(self.case['ensemble'])}, ensemble = {self.case['ensemble']}, "
                f"pattern = {self.case['pattern']}, perturbation = {_short(self.perturbation)}; "
                f"before = {c.value_before:.6g} ({c.status_before}), after = {c.value_after:.6g} "
                f"({c.status_after}), difference = {c.difference:.3g}; "
                f"mu = {_short(self.case['mu'])}, sigma = {_short(self.case['sigma'])}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"law": self.law, "regime": self.regime, "case": self.case,
                "perturbation": self.perturbation, "check": self.check.to_dict()}


def _short(obj: Any) -> str:
    return np.array2string(np.asarray(obj), precision=4, separator=", ", max_line_width=10**6,
                           threshold=200).replace("\n", "") if not isinstance(obj, dict) else \
        "{" + ", ".join(f"{k}: {_short(v)}" for k, v in obj.items()) + "}"


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


def check_ensemble_monotonicity(approximation: Approximation, case: Any, connection: Sequence[int], *,
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
    bigger = _replace(case, ensemble=np.vstack([case.ensemble, np.asarray(connection, dtype=np.int64)[None]]))
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
    before = base if base is not None else evaluate(approximation, case)
    return _pair("data_processing_N", before, evaluate(approximation, _replace(case, mu=mu, sigma=sigma)), "<=")


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


# --------------------------------------------------------------------------- rates over the sets


def _law_rng(seed: int, index: int, law: str) -> np.random.Generator:
    # Case t of generate_set uses spawn_key (t,); the perturbations use (t, 1 + law index),
    # so they are reproducible per case and independent of the case's own draws.
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(index, 1 + LAWS.index(law))))


def law_checks(approximation: Approximation, set_name: str, n_cases: int, seed: int, *,
               laws: Iterable[str] = LAWS, start: int = 0, **set_params: Any):
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
    rows = []
    for case in generate_set(set_name, n_cases, seed, start=start, **set_params):
        t = case.meta["index"]
        base = evaluate(approximation, case) if {"non_negativity", "ensemble_monotonicity",
                                                  "data_processing_N"} & set(laws) else None
        for law in laws:
            rng = _law_rng(seed, t, law)
            if law == "non_negativity":
                check = check_non_negativity(approximation, case, base=base)
            elif law == "ensemble_monotonicity":
                check = check_ensemble_monotonicity(approximation, case, extra_connection(case, rng), base=base)
            elif law == "data_processing_N":
                mu, sigma = extra_pattern(case, set_name, rng)
                check = check_data_processing(approximation, case, mu, sigma, base=base)
            else:
                others = [k for k in range(case.n_patterns) if k != case.pattern]
                check = check_equal_distribution_symmetry(approximation, case, int(rng.choice(others)))
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
                        laws: Iterable[str] = LAWS, confidence: float = 0.95, checks=None, **set_params: Any):
    """How often each law fails over ``n_cases`` cases of a simulation set.

    Parameters
    ----------
    approximation, set_name, n_cases, seed, laws, **set_params
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
        checks = law_checks(approximation, set_name, n_cases, seed, laws=laws, **set_params)
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


# --------------------------------------------------------------------------- counterexample search


_REGIMES = ("set1", "set2", "set3")


def _grid(lo: int, hi: int, scale: float):
    """Values ``k * scale`` for integers ``lo <= k <= hi``: shrink towards ``k = 0`` (or ``lo``).

    The search runs on a lattice so that counterexamples are exact, readable
    decimals and shrinking (cheap on integers, costly on floats) stays fast.
    """
    from hypothesis import strategies as st

    return st.integers(lo, hi).map(lambda k: k * scale)


def _covariance_strategy(regime: str, dim: int, floor: float = 0.0):
    """One covariance of the regime (docs/theory.md §6), on a lattice of simple values.

    ``set1``: exchangeable, ``sigma`` in {0.25, 0.5, …, 5}, ``rho`` in steps of
    0.05 within [-1/(d-1), 1].
    ``set2``: exchangeable with ``sigma`` in {0, 0.25, …, 3} plus ``A^T A / d``,
    ``A`` with entries in {-3, -2.75, …, 3} (the paper's are ``Normal(0, 1)``).
    ``set3``: ``Q diag(lambda) Q^T + c 1 1^T`` with ``lambda_i`` in
    {0, 0.25, …, 4} (``|Normal(0.01, 1.2)|`` rarely exceeds 4), ``c`` in
    {0, 0.12, …, 1.44} and ``Q`` either the identity (the simplest) or the QR
    factor of a ``Normal(0, 1)`` matrix drawn from an integer seed.
    ``floor * I`` is added to every covariance (``floor > 0`` keeps the search
    away from degenerate, singular covariances).
    """
    from hypothesis import strategies as st

    rho_steps = -int(np.floor(20.0 / (dim - 1)))  # rho = k / 20 >= -1 / (d - 1)
    rho = _grid(rho_steps, 20, 0.05)
    if floor:
        return _covariance_strategy(regime, dim).map(lambda cov: cov + floor * np.eye(dim))
    if regime == "set1":
        return st.builds(lambda s, r: analytic.exchangeable_covariance(dim, s, r), _grid(1, 20, 0.25), rho)

    def set2(s, r, a):
        a = np.asarray(a, dtype=float).reshape(dim, dim)
        return analytic.exchangeable_covariance(dim, s, r) + a.T @ a / dim

    if regime == "set2":
        return st.builds(set2, _grid(0, 12, 0.25), rho,
                         st.lists(_grid(-12, 12, 0.25), min_size=dim * dim, max_size=dim * dim))

    def set3(rotate, seed, lam, c):
        q = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))[0] if rotate else np.eye(dim)
        cov = (q * np.asarray(lam)) @ q.T + c
        return 0.5 * (cov + cov.T)

    return st.builds(set3, st.booleans(), st.integers(0, 2**16),
                     st.lists(_grid(0, 16, 0.25), min_size=dim, max_size=dim), _grid(0, 12, 0.12))


def law_instances(law: str, regime: str, *, max_dim: int = 6, max_patterns: int = 8, max_connections: int = 4,
                  min_eigenvalue: float = 0.0):
    """Hypothesis strategy of ``(case, perturbation)`` pairs for one law in one regime.

    Small cases in the paper's regimes (docs/theory.md §6, with ``d`` reduced so
    that counterexamples are small): ``d`` in ``3 … max_dim``, ``N`` in
    ``2 … max_patterns``, ``n`` in ``1 … max_connections``, ``mu`` in steps of
    1/8 within [-1, 1],
    covariances drawn as in ``regime`` (``set1``, ``set2`` shared; ``set3`` one
    per pattern), each plus ``min_eigenvalue * I``.  Hypothesis shrinks towards
    small ``d``, ``N``, ``n``, the first connections, ``mu = 0`` and simple
    covariances; with ``min_eigenvalue = 0`` these include degenerate ones
    (zero variance: a deterministic pattern, a constant shift of ``w``; rank one:
    equal components), which the model allows (docs/theory.md §1: PSD).

    Returns
    -------
    hypothesis strategy of (Case, dict)
        The dict is the perturbation (see :class:`Counterexample`).
    """
    from hypothesis import strategies as st

    if law not in LAWS:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    if regime not in _REGIMES:
        raise ValueError(f"regime must be one of {list(_REGIMES)}, got {regime!r}")

    @st.composite
    def draw(draw_):
        dim = draw_(st.integers(3, max_dim))
        n_patterns = draw_(st.integers(2, max_patterns))
        total = dim * (dim - 1) // 2
        n = draw_(st.integers(1, min(max_connections, total - 1)))
        picks = draw_(st.lists(st.integers(0, total - 1), min_size=n, max_size=n, unique=True))
        ensemble = all_connections(dim)[picks]
        pattern = draw_(st.integers(0, n_patterns - 1))
        mu = np.asarray(draw_(st.lists(_grid(-8, 8, 0.125), min_size=n_patterns * dim,
                                       max_size=n_patterns * dim)), dtype=float).reshape(n_patterns, dim)
        cov = _covariance_strategy(regime, dim, float(min_eigenvalue))
        sigma = draw_(cov) if regime != "set3" else np.stack([draw_(cov) for _ in range(n_patterns)])
        case = validate_case(mu, sigma, ensemble, pattern, meta={"regime": regime}, check_covariance=False)
        perturbation: dict[str, Any] = {}
        if law == "ensemble_monotonicity":
            free = [p for p in range(total) if p not in picks]
            perturbation["connection"] = all_connections(dim)[free[draw_(st.integers(0, len(free) - 1))]].tolist()
        elif law == "data_processing_N":
            perturbation["mu"] = draw_(st.lists(_grid(-8, 8, 0.125), min_size=dim, max_size=dim))
            perturbation["sigma"] = sigma.tolist() if regime != "set3" else draw_(cov).tolist()
        elif law == "equal_distribution_symmetry":
            others = [k for k in range(n_patterns) if k != pattern]
            perturbation["twin"] = others[draw_(st.integers(0, len(others) - 1))]
        return case, perturbation

    return draw()


def check_instance(approximation: Approximation, law: str, case: Any, perturbation: Mapping[str, Any]) -> LawCheck:
    """Check ``law`` on a ``(case, perturbation)`` pair as produced by :func:`law_instances`."""
    if law == "non_negativity":
        return check_non_negativity(approximation, case)
    if law == "ensemble_monotonicity":
        return check_ensemble_monotonicity(approximation, case, perturbation["connection"])
    if law == "data_processing_N":
        case = _as_case(case)
        sigma = None if case.shared_sigma else perturbation["sigma"]
        return check_data_processing(approximation, case, perturbation["mu"], sigma)
    if law == "equal_distribution_symmetry":
        return check_equal_distribution_symmetry(approximation, case, int(perturbation["twin"]))
    raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")


def _margin(law: str, check: LawCheck) -> float | None:
    """Signed amount by which ``check`` breaks its law (positive = violated), for targeting."""
    if not check.checked:
        return None
    d = check.difference
    margin = {"non_negativity": -d, "ensemble_monotonicity": -d, "data_processing_N": d,
              "equal_distribution_symmetry": abs(d)}[law]
    return float(np.clip(margin, -1e6, 1e6))


def _instance_key(case: Case, perturbation: Mapping[str, Any]) -> tuple:
    return (case.mu.tobytes(), case.sigma.tobytes(), case.sigma.shape, case.ensemble.tobytes(),
            case.pattern, repr(sorted(perturbation.items())))


def restrict_to_touched_neurons(law: str, case: Any, perturbation: Mapping[str, Any]) -> tuple[Case, dict]:
    """Drop the neurons that neither the ensemble nor the perturbation touches.

    The information depends only on the neurons in ``V(S)`` (docs/theory.md §2,
    "context invariance"; for monotonicity ``V(S + a)``), and so does ``I_FW``,
    so this shrinks ``d`` without changing the values.  Neurons are renumbered
    in increasing order.
    """
    case = _as_case(case)
    used = case.ensemble.ravel().tolist() + list(perturbation.get("connection", []))
    keep = np.unique(used)
    index = {int(v): k for k, v in enumerate(keep)}
    ensemble = [[index[int(i)], index[int(j)]] for i, j in case.ensemble]
    sigma = case.sigma[np.ix_(keep, keep)] if case.shared_sigma else case.sigma[:, keep][:, :, keep]
    small = validate_case(case.mu[:, keep], sigma, ensemble, case.pattern, meta=dict(case.meta),
                          check_covariance=False)
    out = dict(perturbation)
    if "connection" in out:
        out["connection"] = sorted(index[int(v)] for v in out["connection"])
    if "mu" in out:
        out["mu"] = np.asarray(out["mu"], dtype=float)[keep].tolist()
    if "sigma" in out:
        out["sigma"] = np.asarray(out["sigma"], dtype=float)[np.ix_(keep, keep)].tolist()
    return small, out


@contextlib.contextmanager
def _without_source_constants():
    """Keep hypothesis from mixing constants found in loaded source code into its draws.

    Hypothesis (since 6.131) occasionally draws constants that it collects from
    the source of every *local* module loaded so far (anything outside
    site-packages and the standard library: this project, the calling script),
    and rescans whenever ``sys.modules`` grows.  A counterexample search then
    depends on what the process imported before it: measured, the same
    ``non_negativity`` set-3 search returned ``N = 7, d = 2`` in a fresh process
    and ``N = 3, d = 5`` after the report's calibration step had imported more
    of ``empirical``.  For the duration of the search the local pool is empty
    (hypothesis's own built-in constants stay), which makes the search depend
    only on its arguments and the hypothesis version.  This touches hypothesis
    internals: if they move, the search runs as before, only without that
    guarantee.  Not thread-safe (it swaps a module attribute).
    """
    try:
        from hypothesis.internal.conjecture import providers
        original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE.cache
        empty = providers.Constants
    except (ImportError, AttributeError):  # pragma: no cover - other hypothesis versions
        yield
        return
    providers._get_local_constants = lambda: empty()
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def shrink_counterexample(approximation: Approximation, law: str, regime: str = "set3", *,
                          max_examples: int = 300, max_shrink_calls: int = 1500, targeted: bool = True,
                          **bounds: Any) -> Counterexample | None:
    """Search small cases of a regime for a violation of ``law`` and shrink it to a minimal one.

    Hypothesis is used as a deterministic counterexample search
    (``derandomize=True``, no example database, no deadline, and no search for
    further violations after the first, which hypothesis bounds by wall time): it tries up to
    ``max_examples`` instances from :func:`law_instances`, steered by
    ``hypothesis.target`` towards larger violations when ``targeted``, and
    shrinks the first violation it finds (smaller ``d``, ``N``, ``n``, simpler
    numbers).  The shrink phase is bounded by ``max_shrink_calls`` new
    evaluations of the law; after that every new candidate is declined, so
    hypothesis ends at the smallest violation found so far.  Results are
    memoised per instance, so the final replay of that violation is
    consistent.  Finally the neurons nothing touches are dropped
    (:func:`restrict_to_touched_neurons`) when the smaller case still violates
    the law.  The result is reproducible for a given hypothesis version; it is
    *a* locally minimal counterexample, not the global minimum; it does not
    depend on what the process imported before (see
    :func:`_without_source_constants`).  Undefined outcomes (``nan`` values)
    are not violations.

    Cost: the search costs ``max_examples`` evaluations; hypothesis's own
    shrinker dominates the rest (about 10 s for a set-3 case on one core,
    whatever ``max_shrink_calls``).

    Parameters
    ----------
    approximation : callable
    law : str
        One of :data:`LAWS`.
    regime : {"set1", "set2", "set3"}
    max_examples : int
        Bound on the search phase.
    max_shrink_calls : int
        Bound on the shrink phase (new evaluations of the law).
    targeted : bool
        Steer the search with ``hypothesis.target`` on the violation margin.
    **bounds
        ``max_dim``, ``max_patterns``, ``max_connections``, ``min_eigenvalue`` of
        :func:`law_instances`.

    Returns
    -------
    Counterexample or None
        ``None`` when no violation was found within ``max_examples``.
    """
    from hypothesis import HealthCheck, Phase, find, settings, target
    from hypothesis.errors import NoSuchExample

    strategy = law_instances(law, regime, **bounds)
    phases = [Phase.generate, Phase.shrink] + ([Phase.target] if targeted else [])
    # report_multiple_bugs=False: otherwise hypothesis keeps generating after the first
    # violation for a number of calls *or 10 s of wall time*, whichever ends first, which
    # would let the machine's speed choose where the shrink starts
    config = settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                      phases=phases, suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    memo: dict[tuple, tuple[bool, float | None]] = {}
    # (find's shrinking works on the strategy's choices; the neurons that no
    # connection touches are dropped afterwards by restrict_to_touched_neurons.)
    state = {"found": False, "shrink_calls": 0}

    def violated(instance: tuple[Case, dict]) -> bool:
        key = _instance_key(*instance)
        if key not in memo:
            if state["found"]:
                if state["shrink_calls"] >= max_shrink_calls:
                    return False  # budget spent: decline new candidates
                state["shrink_calls"] += 1
            check = check_instance(approximation, law, *instance)
            memo[key] = (check.violated, _margin(law, check))
        bad, margin = memo[key]
        if targeted and margin is not None and not state["found"]:
            target(margin, label="violation margin")
        state["found"] |= bad
        return bad

    try:
        with _without_source_constants():
            case, perturbation = find(strategy, violated, settings=config)
    except NoSuchExample:
        return None
    check = check_instance(approximation, law, case, perturbation)
    small, small_perturbation = restrict_to_touched_neurons(law, case, perturbation)
    small_check = check_instance(approximation, law, small, small_perturbation)
    if small_check.violated:
        case, perturbation, check = small, small_perturbation, small_check
    return Counterexample(law=law, case={k: v for k, v in case.to_dict().items() if k != "meta"},
                          perturbation=dict(perturbation), check=check, regime=regime)


# --------------------------------------------------------------------------- survey for the report


def law_survey(approximation: Approximation, n_cases: int = 2000, seed: int = 2024, *,
               sets: Sequence[str] = ("set1", "set2", "set3"), laws: Sequence[str] = LAWS,
               search: bool = True, regimes: Sequence[str] | None = None, max_examples: int = 1000,
               confidence: float = 0.95, **bounds: Any) -> dict[str, Any]:
    """Violation rates over the simulation sets and minimal counterexamples, for the report.

    Parameters
    ----------
    approximation : callable
    n_cases : int
        Cases per set (docs/theory.md §6).
    seed : int
    sets : sequence of str
    laws : sequence of str
    search : bool
        Run :func:`shrink_counterexample` for every law and regime.
    regimes : sequence of str, optional
        Regimes searched (default: ``sets``).
    max_examples : int
        Search budget per law and regime.
    confidence : float
    **bounds
        Passed to :func:`shrink_counterexample`.

    Returns
    -------
    dict
        ``rates`` (DataFrame, one row per set and law, see
        :func:`law_violation_rates`), ``checks`` (the per-case table of
        :func:`law_checks`), ``counterexamples`` (``{(law, regime): Counterexample
        or None}``), ``seconds`` (``{"rates": …, "search": …}``).
    """
    import pandas as pd

    t0 = time.perf_counter()
    checks = pd.concat([law_checks(approximation, s, n_cases, seed, laws=laws) for s in sets], ignore_index=True)
    rates = pd.concat([law_violation_rates(approximation, s, n_cases, seed, laws=laws, confidence=confidence,
                                           checks=checks[checks["set"] == s]) for s in sets], ignore_index=True)
    t1 = time.perf_counter()
    found: dict[tuple[str, str], Counterexample | None] = {}
    if search:
        for law in laws:
            for regime in (regimes or sets):
                found[(law, regime)] = shrink_counterexample(approximation, law, regime,
                                                             max_examples=max_examples, **bounds)
    return {"rates": rates, "checks": checks, "counterexamples": found,
            "seconds": {"rates": t1 - t0, "search": time.perf_counter() - t1}}


def minimal_counterexamples(approximation: Approximation, *, regimes: Sequence[str] = ("set3",),
                            laws: Sequence[str] = LAWS, max_examples: int = 1000,
                            min_eigenvalue: float = 0.05, isolated: bool = True) -> dict[str, str]:
    """One-line minimal counterexample per law, for the report (:mod:`validation.report`).

    Runs :func:`shrink_counterexample` for every law and regime.  The defaults
    search the set-3 regime, where ``I_FW`` breaks three laws in about 3% of
    the set's cases, with every covariance at least ``0.05 I`` so that the
    counterexamples are non-degenerate (about a minute in all on one core).

    Reproducibility: hypothesis's example generation also depends on Python's
    per-process string-hash seed (measured with hypothesis 6.170: the same
    ``non_negativity`` search shrinks to ``N = 4`` under ``PYTHONHASHSEED=3`` and
    to ``N = 3`` under seeds 0-2, 4 and 5).  With ``isolated`` (the default) and
    an approximation importable as ``module:qualname``, the search therefore
    runs in a fresh interpreter with ``PYTHONHASHSEED`` set to
    :data:`SEARCH_HASH_SEED`; otherwise (or if that interpreter fails, with a
    warning) it runs in this process.

    Returns
    -------
    dict
        ``{law: text}``: :meth:`Counterexample.describe` of each regime's
        counterexample, joined by `` | ``, or a line saying that none was found.
    """
    name = _importable_name(approximation) if isolated else None
    if name is not None:
        args = {"approximation": name, "regimes": list(regimes), "laws": list(laws),
                "max_examples": max_examples, "min_eigenvalue": min_eigenvalue}
        found = _search_in_fresh_interpreter(args)
        if found is not None:
            return found
    out = {}
    for law in laws:
        texts = []
        for regime in regimes:
            cx = shrink_counterexample(approximation, law, regime, max_examples=max_examples,
                                       min_eigenvalue=min_eigenvalue)
            texts.append(cx.describe() if cx else
                         f"none found among {max_examples} small {regime}-regime cases")
        out[law] = " | ".join(texts)
    return out


#: ``PYTHONHASHSEED`` of the interpreter that runs :func:`minimal_counterexamples`
SEARCH_HASH_SEED = "0"

_CHILD = ("import json, sys; from synmi.validation.engine import laws; "
          "from synmi.validation.engine.approximations import load_approximation; "
          "args = json.loads(sys.argv[1]); approximation = load_approximation(args.pop('approximation')); "
          "print(json.dumps(laws.minimal_counterexamples(approximation, isolated=False, **args)))")


def _importable_name(func: Approximation) -> str | None:
    """``module:qualname`` when importing it gives back ``func`` itself, else ``None``."""
    name = approximation_name(func)
    if "<" in name:  # a lambda or a function defined inside another
        return None
    try:
        return name if load_approximation(name) is func else None
    except ValueError:
        return None


def _search_in_fresh_interpreter(args: dict) -> dict[str, str] | None:
    """Run :func:`minimal_counterexamples` in a new interpreter with a fixed hash seed; ``None`` on failure."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONHASHSEED=SEARCH_HASH_SEED)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)], capture_output=True, text=True,
                              env=env, check=True)
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (subprocess.CalledProcessError, OSError, ValueError, IndexError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        warnings.warn("the counterexample search could not run in a fresh interpreter "
                      f"({detail.strip().splitlines()[-1] if detail.strip() else type(exc).__name__}); "
                      "it runs in this process, where its result may depend on the hash seed",
                      RuntimeWarning, stacklevel=3)
        return None
