"""Loading the approximation under test (a pluggable callable), and evaluating it on many cases.

The engine validates any callable ``f(mu, sigma, ensemble, pattern) -> float`` in
nats; by default :func:`analytic.mutual_information`.  A researcher points the
suite at their own with ``pytest validation/ --approximation package.module:function``.

Optional vectorised form (the batch protocol)
---------------------------------------------
An approximation may carry an attribute ``batch``: a callable that takes a list
of cases, each a tuple ``(mu, sigma, ensemble, pattern)`` exactly as the scalar
form receives them (numpy arrays and an ``int``), and returns an array-like of
floats of the same length, equal to ``[f(*case) for case in cases]``::

    def my_information(mu, sigma, ensemble, pattern):
        ...

    def _my_information_batch(cases):
        return np.array([...])          # one value per case, in order

    my_information.batch = _my_information_batch

Where it exists, :class:`CaseEvaluator` (and through it the law checks and
searches of :mod:`.laws` and :mod:`.counterexamples` and :func:`.sweeps.judge_table`)
calls it instead of the scalar form; :func:`batch_form` returns it.  The suite
checks on random cases that it agrees with the scalar form
(``validation/test_laws.py::test_batch_form_matches_scalar_form``).

Parallel evaluation
-------------------
Without a batch form, :class:`CaseEvaluator` times its first evaluations and,
when a case costs more than :data:`PARALLEL_MIN_SECONDS`, evaluates the rest in
``n_jobs`` joblib processes (loky backend) in fixed chunks.  An approximation is
a deterministic function of its case, and every case is drawn in the calling
process before any evaluation, so the values, the verdicts and the
counterexamples do not depend on ``n_jobs``, on the chunking or on the timing
(docs/theory.md §13, the seed rule).  Cheap formulas such as ``I_FW`` (about
1 ms a case) stay in process, where a worker round trip would cost more than
the evaluation.
"""

from __future__ import annotations

import importlib
import os
import time
import warnings
from typing import Any, Callable, Sequence

import numpy as np

Approximation = Callable[..., float]

__all__ = ["Approximation", "DEFAULT_APPROXIMATION", "BATCH_ATTRIBUTE", "PARALLEL_MIN_SECONDS", "CaseEvaluator",
           "batch_form", "default_n_jobs", "load_approximation", "approximation_name"]

#: Name of the optional vectorised form of an approximation (module docstring).
BATCH_ATTRIBUTE = "batch"

#: Cost per case (seconds) above which evaluation goes to worker processes.  A loky round trip of a
#: chunk costs a few milliseconds; above 10 ms a case that overhead is below a tenth of the work.
PARALLEL_MIN_SECONDS = 0.01

#: Cases timed in process before deciding whether to go parallel; the fastest of them is the cost
#: (a first call may pay for imports or caches).
_TIMED_CASES = 3

DEFAULT_APPROXIMATION = "synmi.analytic:mutual_information"


def load_approximation(path: str | None) -> Approximation:
    """Import ``package.module:function`` (or ``package.module.function``) and return it.

    Raises
    ------
    ValueError
        With a one-line message naming ``approximation`` when the module cannot be
        imported, the attribute does not exist or is not callable.
    """
    spec = path or DEFAULT_APPROXIMATION
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"approximation must be 'package.module:function', got {path!r}")
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
    else:
        module_name, _, attr = spec.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"approximation must be 'package.module:function', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"approximation {spec!r}: cannot import module {module_name!r} ({exc})") from None
    target = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ValueError(f"approximation {spec!r}: module {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"approximation {spec!r}: {attr!r} is not callable")
    return target


def approximation_name(func: Approximation) -> str:
    """A stable name for provenance: ``module:qualname``."""
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return f"{module}:{name}"


def default_n_jobs() -> int:
    """Worker processes for evaluating approximations: ``$SYNMI_N_JOBS`` if set, else 1."""
    value = os.environ.get("SYNMI_N_JOBS", "1")
    try:
        n_jobs = int(value)
    except ValueError:
        raise ValueError(f"SYNMI_N_JOBS must be an integer, got {value!r}") from None
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"SYNMI_N_JOBS must be a positive integer or -1, got {n_jobs}")
    return n_jobs


def batch_form(approximation: Any) -> Callable[[list[tuple]], Any] | None:
    """The approximation's vectorised form (its ``batch`` attribute), or ``None`` (module docstring)."""
    batch = getattr(approximation, BATCH_ATTRIBUTE, None)
    return batch if callable(batch) else None


def _as_tuple(case: Any) -> tuple:
    if isinstance(case, tuple):
        return case
    return (case.mu, case.sigma, case.ensemble, case.pattern)


def _scalar_values(approximation: Approximation, cases: Sequence[tuple]) -> list[float]:
    """The scalar form on each case, warnings silenced (their status is recorded apart)."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            out.append(_to_float(approximation(*case)))
    return out


def _batch_values(batch: Callable, cases: Sequence[tuple]) -> list[float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = batch(list(cases))
    values = list(np.asarray(values, dtype=float).reshape(-1))
    if len(values) != len(cases):
        raise ValueError(f"the approximation's batch form returned {len(values)} values for {len(cases)} cases")
    return [float(v) for v in values]


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"approximation returned {value!r}, not a number") from None


class CaseEvaluator:
    """Evaluates one approximation on lists of cases: batch form, worker processes or in process.

    The values are those of ``[approximation(*case) for case in cases]`` whatever
    ``n_jobs`` (module docstring).  The evaluator keeps count of the
    evaluations it made (:attr:`evaluations`) and of its measured cost per
    case (the fastest of its first three), so one evaluator used for a whole search decides once whether
    worker processes pay.

    Parameters
    ----------
    approximation : callable
        ``f(mu, sigma, ensemble, pattern) -> float``, optionally with a
        ``batch`` attribute (module docstring).
    n_jobs : int, optional
        Worker processes (joblib, loky); ``-1`` for one per core.  Default
        :func:`default_n_jobs`.
    parallel_min_seconds : float
        Cost per case above which the scalar form runs in workers
        (:data:`PARALLEL_MIN_SECONDS`).
    """

    def __init__(self, approximation: Approximation, n_jobs: int | None = None, *,
                 parallel_min_seconds: float = PARALLEL_MIN_SECONDS) -> None:
        self.approximation = approximation
        self.batch = batch_form(approximation)
        self.n_jobs = default_n_jobs() if n_jobs is None else int(n_jobs)
        if self.n_jobs == 0 or self.n_jobs < -1:
            raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
        self.parallel_min_seconds = float(parallel_min_seconds)
        self.evaluations = 0
        self._timed = 0
        self._fastest = float("inf")

    @property
    def parallel(self) -> bool:
        """True once the measured cost per case makes worker processes pay (never with ``n_jobs = 1``)."""
        if self.n_jobs == 1 or self.batch is not None or self._timed < _TIMED_CASES:
            return False
        return self._fastest > self.parallel_min_seconds

    @property
    def workers(self) -> int:
        """The number of worker processes in use (1 when evaluating in process)."""
        if not self.parallel:
            return 1
        return (os.cpu_count() or 1) if self.n_jobs == -1 else self.n_jobs

    def __call__(self, cases: Sequence[Any]) -> list[float]:
        """Values of the approximation on ``cases`` (``Case`` objects or ``(mu, sigma, ensemble, pattern)``)."""
        items = [_as_tuple(c) for c in cases]
        if not items:
            return []
        self.evaluations += len(items)
        if self.batch is not None:
            return _batch_values(self.batch, items)
        out: list[float] = []
        while len(out) < len(items) and not self.parallel and (self.n_jobs == 1 or self._timed < _TIMED_CASES):
            t0 = time.perf_counter()
            out += _scalar_values(self.approximation, [items[len(out)]])
            self._fastest = min(self._fastest, time.perf_counter() - t0)
            self._timed += 1
        rest = items[len(out):]
        if not rest:
            return out
        if not self.parallel:
            return out + _scalar_values(self.approximation, rest)
        from joblib import Parallel, delayed

        size = max(1, -(-len(rest) // (4 * self.workers)))  # about four chunks per worker
        chunks = [rest[i:i + size] for i in range(0, len(rest), size)]
        parts = Parallel(n_jobs=self.n_jobs)(delayed(_scalar_values)(self.approximation, c) for c in chunks)
        return out + [v for part in parts for v in part]
