"""Minimal counterexamples to the laws of the true information (docs/theory.md §12).

An approximation that breaks a law of :mod:`synmi.validation.engine.laws` is
best shown by a small case on which it does.  This module finds one and shrinks
it, with a search that is deterministic by construction: it uses only numpy
generators seeded from fixed integers and fixed orders of moves, so it returns
the same counterexample for the same code and arguments whatever
``PYTHONHASHSEED``, whatever the process imported before and however fast the
machine is.  It needs no test dependency.

Search
------
:func:`find_violation` walks a grid of small sizes ``(N, d, n)`` in increasing
lexicographic order (``N`` patterns in ``2 … max_patterns``, ``d`` neurons in
``2 … max_dim`` (``3 …`` for set 1), ``n`` connections in ``1 …
max_connections``) and, for each size, checks ``draws_per_size`` cases drawn by
:func:`draw_instance` from the paper's generators of the regime
(docs/theory.md §6: :func:`synmi.analytic.set1_case`, ``set2_case``,
``set3_case`` with the size given), each covariance plus ``min_eigenvalue * I``,
with the law's perturbation drawn as in :func:`laws.law_checks`.  Draw ``k`` of
size ``(N, d, n)`` uses ``SeedSequence(seed, spawn_key=(regime, law, N, d, n,
k))``.  The first violation met is the smallest violating case of the grid by
``(N, d, n)``, ties broken by the draw index.

Shrinking
---------
:func:`shrink` then applies single moves (:func:`shrink_moves`), keeping a move
when the law is still violated and every covariance keeps its smallest
eigenvalue ``>= min_eigenvalue`` (positive semi-definite when 0):

1. drop a pattern (other than the target and, for symmetry, its twin; ``N >= 2``
   is kept);
2. drop a neuron that no connection of the ensemble or of the perturbation
   touches (``d >= 2`` is kept); the neurons are renumbered;
3. drop a connection of the ensemble (``n >= 1`` is kept);
4. round one parameter (an entry of ``mu``, a pair ``Sigma[i, j] = Sigma[j, i]``
   of a covariance, an entry of the appended pattern's ``mu`` or ``Sigma``) to
   fewer significant digits, trying 0 (the value 0), 1, 2, … digits in turn.

It repeats passes (moves 1-3 until none helps, then move 4 over every
parameter) until a whole pass changes nothing: the result is locally minimal,
no single move of :func:`shrink_moves` keeps the violation.  Every accepted
move lowers ``N``, ``d``, ``n`` or the number of significant digits, so the
loop ends.  It is *a* local minimum, not the global one.

Budget and parallel evaluation
------------------------------
:func:`find_counterexample` takes a ``budget`` of formula evaluations for the
whole search (finding and shrinking): the grid is walked in its order until a
violation or the budget, and shrinking gets what is left.  The search is the
same for every approximation; only where it stops depends on the formula.
Checks are evaluated a few at a time through one
:class:`~.approximations.CaseEvaluator` (worker processes for a slow formula);
the first violation in order wins and only the checks up to it are charged, so
the counterexample and the evaluations counted do not depend on ``n_jobs``.

Public names
------------
:class:`Counterexample`, :data:`REGIMES`, :data:`SEARCH_SEED`,
:func:`draw_instance`, :func:`search_sizes`, :func:`find_violation`,
:func:`shrink_moves`, :func:`shrink`, :func:`restrict_to_touched_neurons`,
:func:`find_counterexample`, :func:`search_checks`, :func:`minimal_counterexamples` (the report's
entry point) and :func:`law_survey` (rates and counterexamples together).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from ...analytic.generators import SET_GENERATORS, random_ensemble, set1_case
from ...analytic.inputs import Case, as_generator, validate_case
from .approximations import CaseEvaluator
from .laws import (
    LAWS,
    Approximation,
    LawCheck,
    _as_case,
    evaluate_many,
    extra_connection,
    extra_pattern,
    judge_law,
    law_checks,
    law_instances,
    law_violation_rates,
)

__all__ = [
    "REGIMES",
    "SEARCH_SEED",
    "Counterexample",
    "draw_instance",
    "search_sizes",
    "find_violation",
    "shrink_moves",
    "shrink",
    "restrict_to_touched_neurons",
    "find_counterexample",
    "search_checks",
    "minimal_counterexamples",
    "law_survey",
]

#: The covariance regimes searched: those of the paper's simulation sets (docs/theory.md §6).
REGIMES = ("set1", "set2", "set3")

#: Default seed of the search grid.
SEARCH_SEED = 2024

#: Slack on the eigenvalue floor, for rounding in ``eigvalsh``.
_EIG_SLACK = 1e-12


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Counterexample:
    """A (locally minimal) case on which an approximation breaks a law.

    Attributes
    ----------
    law : str
        One of :data:`laws.LAWS`.
    case : dict
        ``mu``, ``sigma``, ``ensemble``, ``pattern`` as nested lists (JSON-ready).
    perturbation : dict
        What the law changes: ``{"connection": [i, j]}`` (monotonicity),
        ``{"mu": [...]}`` of the appended pattern, plus ``"sigma"`` when every
        pattern has its own covariance (data processing), ``{"twin": k}``
        (symmetry), ``{}`` (non-negativity).
    check : LawCheck
        The values that break the law.
    regime : str
        The regime of the search (``set1``, ``set2``, ``set3``) the case was
        drawn from; the shrunk case need not keep that regime's structure.
    origin : dict
        Where the search found the violation before shrinking: ``N``, ``d``,
        ``n`` and ``draw`` (the draw index within that size).
    evaluations : int
        Law checks spent by the shrinking.
    locally_minimal : bool
        True when shrinking ran to the end (no single move of
        :func:`shrink_moves` keeps the violation); False when it stopped at
        its evaluation budget.
    """

    law: str
    case: dict
    perturbation: dict
    check: LawCheck
    regime: str
    origin: dict = field(default_factory=dict)
    evaluations: int = 0
    locally_minimal: bool = True

    def describe(self) -> str:
        """One-paragraph summary for reports and test messages."""
        mu = np.asarray(self.case["mu"])
        c = self.check
        text = (f"{self.law} [{self.regime}]: N = {mu.shape[0]}, d = {mu.shape[1]}, "
                f"n = {len(self.case['ensemble'])}, ensemble = {self.case['ensemble']}, "
                f"pattern = {self.case['pattern']}, perturbation = {_short(self.perturbation)}; "
                f"before = {c.value_before:.6g} ({c.status_before}), after = {c.value_after:.6g} "
                f"({c.status_after}), difference = {c.difference:.3g}; "
                f"mu = {_short(self.case['mu'])}, sigma = {_short(self.case['sigma'])}")
        if self.origin:
            o = self.origin
            text += f" (shrunk from N = {o['N']}, d = {o['d']}, n = {o['n']}"
            text += ")" if self.locally_minimal else "; shrinking stopped at its budget)"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"law": self.law, "regime": self.regime, "case": self.case,
                "perturbation": self.perturbation, "check": self.check.to_dict(), "origin": self.origin,
                "evaluations": self.evaluations, "locally_minimal": self.locally_minimal}


def _short(obj: Any) -> str:
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in obj.items()) + "}"
    return np.array2string(np.asarray(obj), precision=4, separator=", ", max_line_width=10**6,
                           threshold=200).replace("\n", "")


# --------------------------------------------------------------------------- the search grid


def _check_names(law: str, regime: str) -> None:
    if law not in LAWS:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {list(REGIMES)}, got {regime!r}")


def _new_case(case: Case, mu: Any, sigma: Any, ensemble: Any, pattern: int) -> Case:
    return validate_case(mu, sigma, ensemble, pattern, meta=dict(case.meta), check_covariance=False)


def draw_instance(law: str, regime: str, rng: Any, *, n_patterns: int, dim: int, n: int,
                  min_eigenvalue: float = 0.0) -> tuple[Case, dict]:
    """One ``(case, perturbation)`` pair of a regime, of the given size.

    The case is drawn by the paper's generator of the regime (docs/theory.md §6)
    with ``N = n_patterns``, ``d = dim`` and ``n`` random distinct connections;
    set 1's target and ensemble are drawn like those of sets 2 and 3 (its
    Fig. 3 ensemble needs ``d >= 7``).  Every covariance, the appended
    pattern's included, gets ``min_eigenvalue * I`` added.  The perturbation is
    drawn as in :func:`laws.law_checks`: a free connection
    (:func:`laws.extra_connection`), a pattern of the regime
    (:func:`laws.extra_pattern`; its ``sigma`` is kept only when every pattern
    has its own), or a twin other than the target.

    Parameters
    ----------
    law : str
        One of :data:`laws.LAWS`.
    regime : {"set1", "set2", "set3"}
    rng : int, SeedSequence or numpy Generator
    n_patterns, dim, n : int
    min_eigenvalue : float

    Returns
    -------
    (Case, dict)
    """
    _check_names(law, regime)
    rng = as_generator(rng)
    gen = SET_GENERATORS[regime]
    if regime == "set1":
        pattern = int(rng.integers(0, n_patterns))
        ensemble = random_ensemble(dim, n, rng)
        case = set1_case(rng, n_patterns=n_patterns, dim=dim, pattern=pattern, ensemble=ensemble)
    else:
        case = gen(rng, n_patterns=n_patterns, dim=dim, n=n)
    floor = float(min_eigenvalue) * np.eye(dim)
    case = _new_case(case, case.mu, case.sigma + floor, case.ensemble, case.pattern)
    case.meta["regime"] = regime
    perturbation: dict[str, Any] = {}
    if law == "ensemble_monotonicity":
        perturbation["connection"] = [int(v) for v in extra_connection(case, rng)]
    elif law == "data_processing_N":
        mu, sigma = extra_pattern(case, regime, rng)
        perturbation["mu"] = np.asarray(mu, dtype=float).tolist()
        if not case.shared_sigma:
            perturbation["sigma"] = (np.asarray(sigma, dtype=float) + floor).tolist()
    elif law == "equal_distribution_symmetry":
        others = [k for k in range(n_patterns) if k != case.pattern]
        perturbation["twin"] = int(others[int(rng.integers(0, len(others)))])
    return case, perturbation


def search_sizes(law: str, regime: str, *, max_patterns: int = 6, max_dim: int = 5,
                 max_connections: int = 4) -> list[tuple[int, int, int]]:
    """The sizes ``(N, d, n)`` of the search grid, in the order searched (lexicographic).

    ``N`` in ``2 … max_patterns``; ``d`` in ``2 … max_dim`` (``3 …`` for set 1,
    whose generator needs it); ``n`` in ``1 … max_connections``, below the
    network's ``d (d - 1) / 2`` connections, strictly below for
    ``ensemble_monotonicity`` (a free connection is needed).
    """
    _check_names(law, regime)
    sizes = []
    for n_patterns in range(2, max_patterns + 1):
        for dim in range(3 if regime == "set1" else 2, max_dim + 1):
            total = dim * (dim - 1) // 2 - (law == "ensemble_monotonicity")
            for n in range(1, min(max_connections, total) + 1):
                sizes.append((n_patterns, dim, n))
    return sizes


def _instance_rng(seed: int, law: str, regime: str, size: tuple[int, int, int], draw: int) -> np.random.Generator:
    key = (REGIMES.index(regime), LAWS.index(law), *size, draw)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key))


def _evaluations_per_check(law: str) -> int:
    """Formula evaluations of one check of ``law`` (:func:`laws.law_instances`)."""
    return 1 if law == "non_negativity" else 2


def _chunk(evaluator: CaseEvaluator, law: str) -> int:
    """Checks evaluated together: one at a time in process, one evaluation per worker otherwise.

    One round of the workers per chunk costs what one check costs in process,
    so a search that stops at its first check loses no time and one that
    rejects many gains the number of workers.  Only wall time depends on it:
    the checks are scanned in order, the first violation wins and only the
    checks up to it are charged to the budget.
    """
    if not evaluator.parallel:
        return 1
    return max(1, evaluator.workers // _evaluations_per_check(law))


def _first_violation(approximation: Approximation, law: str, pairs: Iterator[tuple[Any, Case, dict]],
                     evaluator: CaseEvaluator, max_checks: int | None) -> tuple[int, tuple | None]:
    """Scan ``(tag, case, perturbation)`` in order for the first violation of ``law``.

    Returns ``(checks charged, (tag, case, perturbation, check) or None)``; the
    charge counts the checks up to and including the violating one, in order,
    and never exceeds ``max_checks``.
    """
    charged = 0
    pairs = iter(pairs)
    while max_checks is None or charged < max_checks:
        room = _chunk(evaluator, law) if max_checks is None else min(_chunk(evaluator, law), max_checks - charged)
        batch = []
        for item in pairs:
            batch.append(item)
            if len(batch) == room:
                break
        if not batch:
            break
        instances = [law_instances(law, case, pert) for _tag, case, pert in batch]
        values = evaluate_many(approximation, [c for group in instances for c in group], evaluator)
        k = 0
        for (tag, case, pert), group in zip(batch, instances):
            check = judge_law(law, values[k:k + len(group)])
            k += len(group)
            charged += 1
            if check.violated:
                return charged, (tag, case, pert, check)
    return charged, None


def find_violation(approximation: Approximation, law: str, regime: str = "set3", *, draws_per_size: int = 20,
                   seed: int = SEARCH_SEED, min_eigenvalue: float = 0.0, max_patterns: int = 6, max_dim: int = 5,
                   max_connections: int = 4, max_checks: int | None = None, n_jobs: int | None = None,
                   evaluator: CaseEvaluator | None = None) -> tuple[Case, dict, LawCheck, dict] | None:
    """The first violation of ``law`` on the search grid (module docstring), or ``None``.

    Parameters
    ----------
    approximation : callable
        ``f(mu, sigma, ensemble, pattern) -> float`` in nats.
    law : str
    regime : {"set1", "set2", "set3"}
    draws_per_size : int
        Cases checked per size ``(N, d, n)``.
    seed : int
    min_eigenvalue : float
        Added to every covariance (:func:`draw_instance`).
    max_patterns, max_dim, max_connections : int
        Bounds of the grid (:func:`search_sizes`).
    max_checks : int, optional
        Check at most the first ``max_checks`` cases of the grid, in its order
        (the search budget of :func:`find_counterexample`); ``None``: all.
    n_jobs : int, optional
        Worker processes (:class:`~.approximations.CaseEvaluator`); the result
        does not depend on it.
    evaluator : CaseEvaluator, optional
        Reused instead of a new one (overrides ``n_jobs``).

    Returns
    -------
    (Case, dict, LawCheck, dict) or None
        The case, its perturbation, the violated check and the origin
        ``{"N", "d", "n", "draw", "checks"}`` (``checks``: grid cases checked,
        the violating one included); ``None`` when none of the cases checked
        violates the law.
    """
    evaluator = evaluator if evaluator is not None else CaseEvaluator(approximation, n_jobs)

    def grid() -> Iterator[tuple[Any, Case, dict]]:
        for size in search_sizes(law, regime, max_patterns=max_patterns, max_dim=max_dim,
                                 max_connections=max_connections):
            n_patterns, dim, n = size
            for draw in range(draws_per_size):
                rng = _instance_rng(seed, law, regime, size, draw)
                case, perturbation = draw_instance(law, regime, rng, n_patterns=n_patterns, dim=dim, n=n,
                                                   min_eigenvalue=min_eigenvalue)
                yield (n_patterns, dim, n, draw), case, perturbation

    charged, found = _first_violation(approximation, law, grid(), evaluator, max_checks)
    if found is None:
        return None
    (n_patterns, dim, n, draw), case, perturbation, check = found
    return case, perturbation, check, {"N": n_patterns, "d": dim, "n": n, "draw": draw, "checks": charged}


# --------------------------------------------------------------------------- shrink moves


def _admissible(case: Case, perturbation: Mapping[str, Any], min_eigenvalue: float) -> bool:
    """Every covariance (the appended pattern's included) has smallest eigenvalue ``>= min_eigenvalue``."""
    stack = case.sigma_stack()
    if "sigma" in perturbation:
        stack = np.concatenate([stack, np.asarray(perturbation["sigma"], dtype=float)[None]])
    return bool(np.linalg.eigvalsh(stack)[:, 0].min() >= min_eigenvalue - _EIG_SLACK)


def _touched(case: Case, perturbation: Mapping[str, Any]) -> list[int]:
    used = {int(v) for v in case.ensemble.ravel()} | {int(v) for v in perturbation.get("connection", [])}
    return sorted(used)


def _keep_neurons(case: Case, perturbation: Mapping[str, Any], keep: Sequence[int]) -> tuple[Case, dict]:
    kept = np.asarray(keep, dtype=np.int64)
    index = {int(v): k for k, v in enumerate(kept)}
    ensemble = [[index[int(i)], index[int(j)]] for i, j in case.ensemble]
    sigma = case.sigma[np.ix_(kept, kept)] if case.shared_sigma else case.sigma[:, kept][:, :, kept]
    small = _new_case(case, case.mu[:, kept], sigma, ensemble, case.pattern)
    out = dict(perturbation)
    if "connection" in out:
        out["connection"] = sorted(index[int(v)] for v in out["connection"])
    if "mu" in out:
        out["mu"] = np.asarray(out["mu"], dtype=float)[kept].tolist()
    if "sigma" in out:
        out["sigma"] = np.asarray(out["sigma"], dtype=float)[np.ix_(kept, kept)].tolist()
    return small, out


def restrict_to_touched_neurons(law: str, case: Any, perturbation: Mapping[str, Any]) -> tuple[Case, dict]:
    """Drop every neuron that neither the ensemble nor the perturbation touches.

    The information depends only on the neurons in ``V(S)`` (docs/theory.md §2,
    "context invariance"; for monotonicity ``V(S + a)``), and so does ``I_FW``,
    so this lowers ``d`` without changing the values.  Neurons are renumbered in
    increasing order.  (:func:`shrink` drops them one at a time.)
    """
    case = _as_case(case)
    return _keep_neurons(case, perturbation, _touched(case, perturbation))


def _structural_moves(law: str, case: Case, perturbation: Mapping[str, Any]) -> Iterator[tuple[str, Case, dict]]:
    """Moves 1-3 of the module docstring, in order."""
    n_patterns, dim = case.mu.shape
    twin = perturbation.get("twin")
    if n_patterns > 2:
        for k in range(n_patterns):
            if k == case.pattern or k == twin:
                continue
            keep = [j for j in range(n_patterns) if j != k]
            sigma = case.sigma if case.shared_sigma else case.sigma[keep]
            pattern = case.pattern - (k < case.pattern)
            out = dict(perturbation)
            if twin is not None:
                out["twin"] = int(twin) - (k < twin)
            yield f"drop pattern {k}", _new_case(case, case.mu[keep], sigma, case.ensemble, pattern), out
    if dim > 2:
        touched = set(_touched(case, perturbation))
        for v in range(dim):
            if v not in touched:
                small, out = _keep_neurons(case, perturbation, [u for u in range(dim) if u != v])
                yield f"drop neuron {v}", small, out
    if case.n_connections > 1:
        for j in range(case.n_connections):
            ensemble = np.delete(case.ensemble, j, axis=0)
            yield f"drop connection {case.ensemble[j].tolist()}", \
                _new_case(case, case.mu, case.sigma, ensemble, case.pattern), dict(perturbation)


def _significant_digits(x: float) -> int:
    """Fewest significant digits that give back ``x`` exactly (0 for 0)."""
    if x == 0:
        return 0
    for k in range(1, 18):
        if _round_sig(x, k) == x:
            return k
    return 17


def _round_sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant digits (0 digits: 0)."""
    return 0.0 if digits == 0 else float(f"{x:.{digits - 1}e}") + 0.0


def _parameters(case: Case, perturbation: Mapping[str, Any]) -> list[tuple]:
    """The roundable parameters, in the order tried: addresses ``(where, index)``."""
    n_patterns, dim = case.mu.shape
    upper = [(i, j) for i in range(dim) for j in range(i, dim)]
    out: list[tuple] = [("mu", (k, i)) for k in range(n_patterns) for i in range(dim)]
    if case.shared_sigma:
        out += [("sigma", ij) for ij in upper]
    else:
        out += [("sigma", (k, *ij)) for k in range(n_patterns) for ij in upper]
    if "mu" in perturbation:
        out += [("extra_mu", (i,)) for i in range(dim)]
    if "sigma" in perturbation:
        out += [("extra_sigma", ij) for ij in upper]
    return out


def _get(case: Case, perturbation: Mapping[str, Any], where: str, index: tuple) -> float:
    if where == "mu":
        return float(case.mu[index])
    if where == "sigma":
        return float(case.sigma[index])
    return float(np.asarray(perturbation[where[6:]], dtype=float)[index])


def _set(case: Case, perturbation: Mapping[str, Any], where: str, index: tuple, value: float) -> tuple[Case, dict]:
    out = dict(perturbation)
    mu, sigma = case.mu, case.sigma
    if where == "mu":
        mu = mu.copy()
        mu[index] = value
    elif where == "sigma":
        sigma = sigma.copy()
        *k, i, j = index
        sigma[(*k, i, j)] = sigma[(*k, j, i)] = value
    else:
        arr = np.array(perturbation[where[6:]], dtype=float)
        if where == "extra_mu":
            arr[index] = value
        else:
            i, j = index
            arr[i, j] = arr[j, i] = value
        out[where[6:]] = arr.tolist()
    return _new_case(case, mu, sigma, case.ensemble, case.pattern), out


def _roundings(case: Case, perturbation: Mapping[str, Any], where: str, index: tuple
               ) -> Iterator[tuple[str, Case, dict]]:
    """Move 4 on one parameter: the value to 0, 1, 2, … significant digits, fewer than it has."""
    x = _get(case, perturbation, where, index)
    seen = {x}
    for digits in range(_significant_digits(x)):
        value = _round_sig(x, digits)
        if value in seen:
            continue
        seen.add(value)
        yield (f"round {where}{list(index)} {x!r} -> {value!r}", *_set(case, perturbation, where, index, value))


def shrink_moves(law: str, case: Any, perturbation: Mapping[str, Any], *, min_eigenvalue: float = 0.0
                 ) -> Iterator[tuple[str, Case, dict]]:
    """Every single shrink move of a ``(case, perturbation)`` pair, in the order tried.

    Yields ``(description, case, perturbation)`` for the moves of the module
    docstring whose result is admissible (every covariance keeps its smallest
    eigenvalue ``>= min_eigenvalue``).  Whether the law still fails is not
    checked here.
    """
    case = _as_case(case)
    if law not in LAWS:
        raise ValueError(f"law must be one of {list(LAWS)}, got {law!r}")
    moves = [_structural_moves(law, case, perturbation)]
    moves += [_roundings(case, perturbation, *p) for p in _parameters(case, perturbation)]
    for group in moves:
        for label, small, out in group:
            if _admissible(small, out, min_eigenvalue):
                yield label, small, out


def shrink(approximation: Approximation, law: str, case: Any, perturbation: Mapping[str, Any], *,
           min_eigenvalue: float = 0.0, max_evaluations: int = 20000, n_jobs: int | None = None,
           evaluator: CaseEvaluator | None = None,
           check: LawCheck | None = None) -> tuple[Case, dict, LawCheck, int, bool]:
    """Shrink a violating ``(case, perturbation)`` pair to a locally minimal one.

    Passes as in the module docstring: the structural moves (drop a pattern, a
    neuron nothing touches, a connection) until none keeps the violation, then
    one rounding move per parameter (the first number of digits, from 0 up, that
    keeps it); a pass that changes nothing ends the search.  Moves are tried in
    order; with worker processes a few are evaluated together, the first
    violating one in order is kept and only the moves up to it are charged, so
    the result does not depend on ``n_jobs``.

    Parameters
    ----------
    approximation : callable
    law : str
    case : Case, mapping or tuple
        Must violate ``law`` with ``perturbation``.
    perturbation : dict
    min_eigenvalue : float
        Floor kept on every covariance (0: positive semi-definite).
    max_evaluations : int
        Budget of law checks; when spent the current case is returned with
        ``locally_minimal = False``.
    n_jobs : int, optional
        Worker processes (:class:`~.approximations.CaseEvaluator`).
    evaluator : CaseEvaluator, optional
        Reused instead of a new one (overrides ``n_jobs``).
    check : LawCheck, optional
        The violated check of ``(case, perturbation)``, if already known (it is
        then not evaluated again).

    Returns
    -------
    case : Case
    perturbation : dict
    check : LawCheck
        The (violated) check of the returned pair.
    evaluations : int
        Law checks spent.
    locally_minimal : bool
    """
    case = _as_case(case)
    perturbation = dict(perturbation)
    evaluator = evaluator if evaluator is not None else CaseEvaluator(approximation, n_jobs)
    if check is None:
        check = judge_law(law, evaluate_many(approximation, law_instances(law, case, perturbation), evaluator))
    if not check.violated:
        raise ValueError(f"the case does not violate {law} ({check.outcome}); nothing to shrink")
    spent = 0

    def attempt(moves: Iterator[tuple[str, Case, dict]]) -> bool:
        nonlocal case, perturbation, check, spent
        admissible = ((label, small, out) for label, small, out in moves if _admissible(small, out, min_eigenvalue))
        if spent >= max_evaluations:
            # the budget is spent: any admissible move left would need an evaluation
            if next(admissible, None) is not None:
                raise _Budget
            return False
        charged, found = _first_violation(approximation, law, admissible, evaluator, max_evaluations - spent)
        spent += charged
        if found is not None:
            _label, case, perturbation, check = found
            return True
        if spent >= max_evaluations and next(admissible, None) is not None:
            raise _Budget
        return False

    try:
        while True:
            changed = False
            while attempt(_structural_moves(law, case, perturbation)):
                changed = True
            for where, index in _parameters(case, perturbation):
                changed |= attempt(_roundings(case, perturbation, where, index))
            if not changed:
                return case, perturbation, check, spent, True
    except _Budget:
        return case, perturbation, check, spent, False


class _Budget(Exception):
    """The shrinking's evaluation budget is spent."""


def find_counterexample(approximation: Approximation, law: str, regime: str = "set3", *, draws_per_size: int = 20,
                        seed: int = SEARCH_SEED, min_eigenvalue: float = 0.0, max_patterns: int = 6,
                        max_dim: int = 5, max_connections: int = 4, max_evaluations: int = 20000,
                        budget: int | None = None, n_jobs: int | None = None) -> Counterexample | None:
    """Find (:func:`find_violation`) and shrink (:func:`shrink`) a counterexample to ``law``.

    Parameters are those of :func:`find_violation` and :func:`shrink`, and

    budget : int, optional
        Formula evaluations allowed for the whole search, finding and shrinking
        together (one per check of ``non_negativity``, two per check of the other
        laws, :func:`laws.law_instances`).  The grid is walked in its order until
        a violation or the budget; shrinking gets what is left (and at most
        ``max_evaluations`` checks).  The same cases are searched for every
        approximation: one that breaks the law early uses little of the budget,
        one that keeps it is checked on the first ``budget`` evaluations' worth
        of the grid.  ``None``: no budget (the whole grid, and ``max_evaluations``).

    Undefined outcomes (``nan`` values) are not violations.

    Returns
    -------
    Counterexample or None
        ``None`` when no case checked violates the law.
    """
    per_check = _evaluations_per_check(law)
    evaluator = CaseEvaluator(approximation, n_jobs)
    found = find_violation(approximation, law, regime, draws_per_size=draws_per_size, seed=seed,
                           min_eigenvalue=min_eigenvalue, max_patterns=max_patterns, max_dim=max_dim,
                           max_connections=max_connections,
                           max_checks=None if budget is None else budget // per_check, evaluator=evaluator)
    if found is None:
        return None
    case, perturbation, check, origin = found
    if budget is not None:
        max_evaluations = min(max_evaluations, (budget - origin["checks"] * per_check) // per_check)
    case, perturbation, check, spent, minimal = shrink(approximation, law, case, perturbation,
                                                       min_eigenvalue=min_eigenvalue, max_evaluations=max_evaluations,
                                                       evaluator=evaluator, check=check)
    return Counterexample(law=law, case={k: v for k, v in case.to_dict().items() if k != "meta"},
                          perturbation=dict(perturbation), check=check, regime=regime,
                          origin={k: v for k, v in origin.items() if k != "checks"},
                          evaluations=spent, locally_minimal=minimal)


def search_checks(law: str, regime: str, *, draws_per_size: int = 20, budget: int | None = None,
                  **bounds: Any) -> int:
    """How many grid cases :func:`find_counterexample` checks at most (all of them when the law holds)."""
    total = draws_per_size * len(search_sizes(law, regime, **bounds))
    return total if budget is None else min(total, budget // _evaluations_per_check(law))


# --------------------------------------------------------------------------- for the report


def _none_found(law: str, regime: str, draws_per_size: int, bounds: Mapping[str, Any]) -> str:
    sizes = {k: v for k, v in bounds.items() if k in ("max_patterns", "max_dim", "max_connections")}
    grid = draws_per_size * len(search_sizes(law, regime, **sizes))
    checked = search_checks(law, regime, draws_per_size=draws_per_size, budget=bounds.get("budget"), **sizes)
    if checked == grid:
        return (f"none found among {grid} small {regime}-regime cases "
                f"({grid // draws_per_size} sizes x {draws_per_size} draws)")
    return (f"none found among the first {checked} of {grid} small {regime}-regime cases "
            f"(search budget {bounds['budget']} evaluations)")


def minimal_counterexamples(approximation: Approximation, *, regimes: Sequence[str] = ("set3",),
                            laws: Sequence[str] = LAWS, draws_per_size: int = 20, seed: int = SEARCH_SEED,
                            min_eigenvalue: float = 0.05, **bounds: Any) -> dict[str, str]:
    """One-line minimal counterexample per law, for the report (:mod:`synmi.validation.report`).

    Runs :func:`find_counterexample` for every law and regime.  The defaults
    search the set-3 regime, where ``I_FW`` breaks three laws in about 3% of
    the set's cases, with every covariance at least ``0.05 I`` so that the
    counterexamples are non-degenerate.  Deterministic (module docstring): no
    subprocess or hash seed is needed.

    Parameters
    ----------
    approximation : callable
    regimes : sequence of str
    laws : sequence of str
    draws_per_size, seed, min_eigenvalue, **bounds
        As in :func:`find_counterexample` (``bounds``: ``max_patterns``,
        ``max_dim``, ``max_connections``, ``max_evaluations``, ``budget``,
        ``n_jobs``).

    Returns
    -------
    dict
        ``{law: text}``: :meth:`Counterexample.describe` of each regime's
        counterexample, joined by `` | ``, or a line saying that none was found.
    """
    out = {}
    for law in laws:
        texts = []
        for regime in regimes:
            cx = find_counterexample(approximation, law, regime, draws_per_size=draws_per_size, seed=seed,
                                     min_eigenvalue=min_eigenvalue, **bounds)
            texts.append(cx.describe() if cx else _none_found(law, regime, draws_per_size, bounds))
        out[law] = " | ".join(texts)
    return out


def law_survey(approximation: Approximation, n_cases: int = 2000, seed: int = 2024, *,
               sets: Sequence[str] = ("set1", "set2", "set3"), laws: Sequence[str] = LAWS,
               search: bool = True, regimes: Sequence[str] | None = None, confidence: float = 0.95,
               **search_options: Any) -> dict[str, Any]:
    """Violation rates over the simulation sets and minimal counterexamples.

    Parameters
    ----------
    approximation : callable
    n_cases : int
        Cases per set (docs/theory.md §6).
    seed : int
        Seed of the sets' cases (:func:`laws.law_checks`).
    sets : sequence of str
    laws : sequence of str
    search : bool
        Run :func:`find_counterexample` for every law and regime.
    regimes : sequence of str, optional
        Regimes searched (default: ``sets``).
    confidence : float
    **search_options
        Passed to :func:`find_counterexample` (``draws_per_size``,
        ``min_eigenvalue``, the grid bounds; its ``seed`` as ``search_seed``).

    Returns
    -------
    dict
        ``rates`` (DataFrame, one row per set and law, see
        :func:`laws.law_violation_rates`), ``checks`` (the per-case table of
        :func:`laws.law_checks`), ``counterexamples`` (``{(law, regime):
        Counterexample or None}``), ``seconds`` (``{"rates": …, "search": …}``).
    """
    import pandas as pd

    options = dict(search_options)
    if "search_seed" in options:
        options["seed"] = options.pop("search_seed")
    t0 = time.perf_counter()
    checks = pd.concat([law_checks(approximation, s, n_cases, seed, laws=laws, n_jobs=options.get("n_jobs"))
                        for s in sets], ignore_index=True)
    rates = pd.concat([law_violation_rates(approximation, s, n_cases, seed, laws=laws, confidence=confidence,
                                           checks=checks[checks["set"] == s]) for s in sets], ignore_index=True)
    t1 = time.perf_counter()
    found: dict[tuple[str, str], Counterexample | None] = {}
    if search:
        for law in laws:
            for regime in (regimes or sets):
                found[(law, regime)] = find_counterexample(approximation, law, regime, **options)
    return {"rates": rates, "checks": checks, "counterexamples": found,
            "seconds": {"rates": t1 - t0, "search": time.perf_counter() - t1}}
