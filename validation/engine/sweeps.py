"""Sweeps: grids with one axis varied and the rest held, run resumably in parallel.

A sweep is a list of :class:`analytic.Case` objects built from a base point and
one varied axis (docs/theory.md §5):

``scale``
    the log-variance scale ``lambda_max(Sigma)`` (exchangeable ``Sigma`` with
    ``rho = 0`` has ``lambda_max = sigma**2``);
``n``
    the ensemble size (the first ``n`` connections of a fixed random order);
``N``
    the number of stored patterns;
``mu_range``
    ``mu_k ~ U(-r, r)^d``;
``rho``
    the exchangeable correlation at fixed ``sigma``;

plus random draws from the paper's sets 1-3.  Each grid point is repeated over
``draws`` independent draws of the means (and of the ensemble where random), so
trends can be bootstrapped over cases.

Running: finished cases are written as they finish, one JSON file per case keyed
by the case's content hash (:func:`validation.engine.case_hash`), so an
interrupted sweep restarts without recomputing or losing any finished case.
Each case's random numbers depend only on its content and the root seed, so the
table does not depend on ``n_jobs``, on the order of completion, or on whether
it ran under joblib or dask.distributed.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ... import analytic
from ...analytic.inputs import Case, validate_case
from .approximations import Approximation, CaseEvaluator, approximation_name
from .comparison import (
    ROW_COLUMNS,
    EstimationConfig,
    case_fields,
    case_hash,
    estimate_truth,
    evaluate_approximation,
    fw_fields,
    judge,
)
from .jsonable import to_jsonable

__all__ = ["CORRELATED_ENSEMBLE_SPECS", "correlated_ensemble_cases", "build_draws_by_n", "SweepSpec", "make_exchangeable_case", "build_sweep", "build_set_draws", "run_cases", "run_truths",
           "judge_table", "provenance"]

AXES = ("scale", "n", "N", "mu_range", "rho")


@dataclass(frozen=True)
class SweepSpec:
    """One sweep: ``axis`` takes ``values``; everything else is held at ``base``.

    ``base`` keys: ``n_patterns``, ``n``, ``scale``, ``rho``, ``mu_range``, ``dim``,
    ``pattern``, ``ensemble`` (``"random"`` or ``"chain"``).  ``draws`` independent draws of the means (and ensemble order)
    per grid point.
    """

    name: str
    axis: str
    values: tuple
    base: dict = field(default_factory=dict)
    draws: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.axis not in AXES:
            raise ValueError(f"axis must be one of {AXES}, got {self.axis!r}")
        if len(self.values) == 0:
            raise ValueError(f"values of sweep {self.name!r} must not be empty")
        unknown = set(self.base) - set(BASE_DEFAULTS)
        if unknown:
            raise ValueError(f"base of sweep {self.name!r} has unknown key(s) {sorted(unknown)}; "
                             f"known: {sorted(BASE_DEFAULTS)}")
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 1:
            raise ValueError(f"draws must be a positive integer, got {self.draws!r}")


BASE_DEFAULTS: dict[str, Any] = {
    "n_patterns": 10, "n": 1, "scale": 0.5, "rho": 0.0, "mu_range": 1.0, "dim": 20, "pattern": 0,
    "ensemble": "random",
}


def make_exchangeable_case(*, n_patterns: int, n: int, scale: float, rho: float, mu_range: float,
                           dim: int = 20, pattern: int = 0, seed: Any = 0, scale_is_variance: bool = False,
                           ensemble: str = "random", meta: dict | None = None) -> Case:
    """A set-1-like case with a controlled log-variance scale.

    ``mu_k ~ U(-mu_range, mu_range)^d``; one exchangeable ``Sigma`` shared by all
    patterns, with correlation ``rho`` and ``sigma**2`` chosen so that its largest
    eigenvalue equals ``scale`` (or ``sigma**2 = scale`` when ``scale_is_variance``,
    used by the ``rho`` sweep to hold the per-neuron variance fixed, as the paper's
    Fig. 2B does).  ``ensemble="random"``: the first ``n`` connections of a random
    order drawn from ``seed`` (in a large network they rarely share a neuron);
    ``"chain"``: ``(0, 1), (1, 2), …`` on a random ordering of the neurons, so
    consecutive connections share a neuron and their weights are correlated.
    """
    rng = analytic.as_generator(seed)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if not (np.isfinite(mu_range) and mu_range >= 0):
        raise ValueError(f"mu_range must be a non-negative number, got {mu_range!r}")
    lam_factor = max(1.0 + (dim - 1) * rho, 1.0 - rho)
    sigma2 = scale if scale_is_variance else scale / lam_factor
    cov = analytic.exchangeable_covariance(dim, float(np.sqrt(sigma2)), rho)
    mu = rng.uniform(-mu_range, mu_range, size=(n_patterns, dim)) if mu_range > 0 else np.zeros((n_patterns, dim))
    if ensemble == "random":
        order = rng.permutation(dim * (dim - 1) // 2)
        conns = analytic.all_connections(dim)[order[:n]]
    elif ensemble == "chain":
        if n > dim - 1:
            raise ValueError(f"ensemble: a chain of n = {n} connections needs d > n neurons, got d = {dim}")
        perm = rng.permutation(dim)
        conns = np.stack([perm[:n], perm[1:n + 1]], axis=1)
    else:
        raise ValueError(f"ensemble must be 'random' or 'chain', got {ensemble!r}")
    info = {"generator": "exchangeable", "ensemble_kind": ensemble, "n_patterns": n_patterns, "n": n,
            "scale": float(scale),
            "sigma2": float(sigma2), "rho": float(rho), "mu_range": float(mu_range), "dim": dim,
            "pattern": pattern}
    info.update(meta or {})
    return validate_case(mu, cov, conns, pattern, meta=info)


def build_sweep(spec: SweepSpec) -> list[Case]:
    """The cases of one sweep, ``len(values) * draws`` of them, in a fixed order.

    Draw ``r`` of every grid point uses the same seed, so grid points differ only
    in the varied axis (common random numbers across the sweep).
    """
    base = dict(BASE_DEFAULTS)
    base.update(spec.base)
    cases = []
    for r in range(spec.draws):
        for value in spec.values:
            params = dict(base)
            key = {"n": "n", "N": "n_patterns", "scale": "scale", "rho": "rho", "mu_range": "mu_range"}[spec.axis]
            params[key] = type(base[key])(value) if key in ("n", "n_patterns") else float(value)
            seed = np.random.SeedSequence([int(spec.seed), r])
            cases.append(make_exchangeable_case(
                n_patterns=int(params["n_patterns"]), n=int(params["n"]), scale=float(params["scale"]),
                rho=float(params["rho"]), mu_range=float(params["mu_range"]), dim=int(params["dim"]),
                pattern=int(params["pattern"]), seed=seed, scale_is_variance=(spec.axis == "rho"),
                ensemble=str(params["ensemble"]),
                meta={"sweep": spec.name, "axis": spec.axis, "axis_value": float(value), "draw": r,
                      "seed": [int(spec.seed), r]}))
    return cases


#: The correlated-ensemble cases of :func:`correlated_ensemble_cases`:
#: ``(N, lambda_max, rho of the target's ln x, rho of each other pattern's ln x)``.
CORRELATED_ENSEMBLE_SPECS: tuple[tuple[int, float, float, tuple[float, ...]], ...] = (
    (3, 0.01, 0.9, (0.5, 0.5)),
    (2, 0.01, 0.9, (-0.3,)),
    (3, 0.02, 0.9, (0.5, 0.5)),
    (3, 0.2, 0.9, (-0.3, -0.3)),
)


def correlated_ensemble_cases() -> list[Case]:
    """Chain ensembles whose connections share neurons, with correlated ``ln x`` (``pytest validation/``).

    ``d = 4`` neurons, the chain ``(0, 1), (1, 2), (2, 3)``, ``mu = 0``, and
    per-pattern exchangeable covariances (docs/theory.md §6, set-3-like) with
    largest eigenvalue ``lambda_max``: the target's ``ln x`` with correlation
    0.9 and the other patterns' with 0.5 or -0.3
    (:data:`CORRELATED_ENSEMBLE_SPECS`).  The covariance between the
    connections (``Sigma_w[a, b]``, docs/theory.md §3) is then large and
    differs between ``w_S`` and ``w_S^(-l)``, so a formula that drops it or
    mishandles it is off by 0.1-0.5 nats, while FW is accurate: at
    ``lambda_max = 0.01-0.02`` because FW's error vanishes with the scale (claim
    1), and at 0.2 to within 0.35-0.6% on this ensemble (measured against long
    runs; ``validation/test_agreement.py`` allows 1.5%).  The 0.2 case is there
    because the ``- Sigma_w / 2`` term of ``mu_w`` is of the order of the
    scale: at 0.01 it is below the Monte Carlo tolerance, at 0.2 it moves the
    value by 5.6%.
    """
    ensemble = [(0, 1), (1, 2), (2, 3)]
    dim = 4
    out = []
    for n_patterns, scale, rho_target, rho_rest in CORRELATED_ENSEMBLE_SPECS:
        sigma = np.stack([_exchangeable_with_scale(dim, scale, rho) for rho in (rho_target, *rho_rest)])
        meta = {"sweep": "correlated_ensembles", "axis": "scale", "axis_value": float(scale), "draw": 0,
                "n_patterns": n_patterns, "scale": float(scale), "rho": float(rho_target),
                "rho_rest": [float(r) for r in rho_rest], "ensemble_kind": "chain"}
        out.append(validate_case(np.zeros((n_patterns, dim)), sigma, ensemble, 0, meta=meta))
    return out


def _exchangeable_with_scale(dim: int, scale: float, rho: float) -> np.ndarray:
    """Exchangeable covariance with correlation ``rho`` and largest eigenvalue ``scale``."""
    sigma2 = scale / max(1.0 + (dim - 1) * rho, 1.0 - rho)
    return analytic.exchangeable_covariance(dim, float(np.sqrt(sigma2)), rho)


def build_draws_by_n(set_name: str, n_values: Sequence[int], per_n: int, seed: int) -> list[Case]:
    """``per_n`` random cases of the paper's set 2 or 3 at each ensemble size in ``n_values`` (docs/theory.md §6).

    Draw ``j`` at size ``n`` uses its own stream (``SeedSequence(seed, spawn_key=(n, j))``),
    so a tier with fewer draws or sizes gets a subset of the same cases (and
    shares their cached truths).
    """
    if set_name not in ("set2", "set3"):
        raise ValueError(f"set_name must be 'set2' or 'set3', got {set_name!r}")
    out = []
    for n in n_values:
        for j in range(per_n):
            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(n), j)))
            case = analytic.SET_GENERATORS[set_name](rng, n=int(n))
            case.meta.update({"sweep": f"draws_{set_name}", "axis": "n", "axis_value": int(n), "seed": int(seed),
                              "index": j})
            out.append(case)
    return out


def build_set_draws(set_name: str, n_cases: int, seed: int, *, max_n: int | None = None,
                    max_patterns: int | None = None) -> list[Case]:
    """Random cases of the paper's set 1, 2 or 3 (docs/theory.md §6) for the comparison.

    ``max_n`` and ``max_patterns`` cap the ensemble size and ``N`` (the sizes a
    Monte Carlo truth can resolve in the time budget); the caps are recorded in
    each case's ``meta``.
    """
    out: list[Case] = []
    t = 0
    while len(out) < n_cases:
        child = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(t,)))
        params: dict[str, Any] = {}
        if set_name == "set1":
            if max_n is not None:
                params["n"] = int(child.integers(1, max_n + 1))
            if max_patterns is not None:
                params["n_patterns"] = int(child.integers(2, max_patterns + 1))
        else:
            if max_n is not None:
                params["n"] = int(child.integers(1, max_n + 1))
            if max_patterns is not None:
                params["n_patterns"] = int(child.integers(2, max_patterns + 1))
        case = analytic.SET_GENERATORS[set_name](child, **params)
        case.meta.update({"sweep": f"draws_{set_name}", "axis": "", "seed": int(seed), "index": t,
                          "max_n": max_n, "max_patterns": max_patterns})
        out.append(case)
        t += 1
    return out


# --------------------------------------------------------------------------- running


def provenance(config: EstimationConfig | None = None, extra: dict | None = None) -> dict[str, Any]:
    """Package versions, platform and configuration, for every written table."""
    import importlib.metadata as md

    versions: dict[str, str | None] = {}
    for pkg in ("synmi", "numpy", "scipy", "scikit-learn", "npeet-plus", "pandas", "joblib", "dask",
                "distributed", "matplotlib", "seaborn"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    out = {"versions": versions, "python": platform.python_version(), "platform": platform.platform(),
           "cpu_count": os.cpu_count(), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if config is not None:
        out["estimation"] = config.to_dict()
    out.update(extra or {})
    return out


def _store(row: dict[str, Any], path: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        # NaN and infinities kept (json writes and reads them back): a cached truth is the computed one
        json.dump(to_jsonable(row, nonfinite_as_null=False), fh)
    os.replace(tmp, path)  # atomic: a half-written case is never taken as finished


def run_truths(cases: Sequence[Case], config: EstimationConfig | None = None, *,
               out_dir: str | os.PathLike | None = None, n_jobs: int = 1, scheduler: str | None = None,
               progress: bool | str = False, known: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The truth of every case (the approximation-independent half of each row).

    Resumable, parallel and independent of ``n_jobs``; see :func:`run_cases`.
    ``known`` maps :func:`truth_table.table_key` to rows of a committed truth
    table; those cases are not recomputed.  Returns one truth row per case, in
    the order of ``cases``.
    """
    config = config or EstimationConfig()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    keys = [case_hash(c, config) for c in cases]
    case_dir = None
    if out_dir is not None:
        case_dir = Path(out_dir) / "cases"
        case_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[int, dict] = {}
    todo: list[int] = []
    if known:
        from .truth_table import table_key

        table_keys = [table_key(c, config) for c in cases]
    for t, key in enumerate(keys):
        if known and table_keys[t] in known:
            rows[t] = dict(known[table_keys[t]])
            continue
        if case_dir is not None and (case_dir / f"{key}.json").exists():
            try:
                rows[t] = json.loads((case_dir / f"{key}.json").read_text())
                continue
            except json.JSONDecodeError:
                pass  # a corrupt file is recomputed
        todo.append(t)
    # one computation per distinct case even if a case is listed twice
    first_of: dict[str, int] = {}
    unique_todo = []
    for t in todo:
        if keys[t] not in first_of:
            first_of[keys[t]] = t
            unique_todo.append(t)
    paths = {t: (str(case_dir / f"{keys[t]}.json") if case_dir is not None else None) for t in unique_todo}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        label = progress if isinstance(progress, str) else "cases"
        bar = tqdm(total=len(cases), initial=len(cases) - len(unique_todo), desc=label, unit="case",
                   disable=None)
    try:
        # rows are stored by this process as they arrive, whichever backend computed them
        for t, row in _execute(unique_todo, cases, config, n_jobs, scheduler):
            path = paths[t]
            if path is not None:
                _store(row, path)
            rows[t] = row
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    for t in todo:
        if t not in rows:
            rows[t] = rows[first_of[keys[t]]]
    # a truth reused for a case (from the table, the cache, or a duplicate of another case in the list, e.g.
    # one of two panels' grids sharing a point) is described by that case: its sweep, axis and meta
    return [{**rows[t], **case_fields(cases[t])} for t in range(len(cases))]


def judge_table(truths: Sequence[dict[str, Any]], cases: Sequence[Case], approximation: Approximation | None = None,
                z: float = 3.0, *, n_jobs: int | None = None) -> pd.DataFrame:
    """Judge an approximation against already estimated truths (no Monte Carlo).

    The approximation is evaluated by :class:`.approximations.CaseEvaluator`:
    its batch form if it has one, else in process, or in ``n_jobs`` worker
    processes when a case costs more than 10 ms (any callable works, lambdas
    and deliberately wrong variants included).  The table does not depend on
    ``n_jobs`` (default :func:`.approximations.default_n_jobs`).
    """
    if len(truths) != len(cases):
        raise ValueError(f"truths and cases must have equal length, got {len(truths)} and {len(cases)}")
    approximation = approximation or analytic.mutual_information
    name = approximation_name(approximation)
    if approximation is analytic.mutual_information:
        values = [evaluate_approximation(approximation, case) for case in cases]
    else:
        values = CaseEvaluator(approximation, n_jobs)(cases)
    judged = [judge({**row, **fw_fields(case)}, value, name, z) for row, case, value in zip(truths, cases, values)]
    return pd.DataFrame(judged, columns=ROW_COLUMNS)


def run_cases(cases: Sequence[Case], config: EstimationConfig | None = None, *,
              approximation: Approximation | None = None, out_dir: str | os.PathLike | None = None,
              n_jobs: int = 1, scheduler: str | None = None, progress: bool | str = False) -> pd.DataFrame:
    """Compare every case; resumable, parallel, and independent of ``n_jobs``.

    Parameters
    ----------
    cases : sequence of Case
    config : EstimationConfig, optional
    approximation : callable, optional
        Under test; default :func:`analytic.mutual_information`.  Evaluated in
        this process (it is cheap); only the truth is computed by workers.
    out_dir : path, optional
        Finished truths are stored as ``out_dir/cases/<hash>.json`` the moment they
        finish (keyed by case content and estimation settings, not by the
        approximation); a rerun loads them instead of recomputing.
    n_jobs : int
        Local processes (joblib, loky backend).  Ignored when ``scheduler`` is set.
    scheduler : str, optional
        ``"local"`` for a ``dask.distributed.LocalCluster`` of ``n_jobs`` workers,
        or the address of a running dask scheduler (``tcp://host:8786``).
    progress : bool or str
        Show a tqdm progress bar (a string is used as its label).

    Returns
    -------
    pandas.DataFrame
        One row per case, in the order of ``cases``, columns :data:`ROW_COLUMNS`.
    """
    config = config or EstimationConfig()
    truths = run_truths(cases, config, out_dir=out_dir, n_jobs=n_jobs, scheduler=scheduler, progress=progress)
    return judge_table(truths, cases, approximation, config.z)


def _execute(indices: list[int], cases: Sequence[Case], config: EstimationConfig, n_jobs: int,
             scheduler: str | None) -> Iterable[tuple[int, dict]]:
    if not indices:
        return
    if scheduler is not None:
        yield from _execute_dask(indices, cases, config, n_jobs, scheduler)
        return
    if n_jobs == 1 or len(indices) == 1:
        for t in indices:
            yield _indexed(t, cases[t], config)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(_indexed)(t, cases[t], config) for t in indices)


def _indexed(t: int, case: Case, config: EstimationConfig) -> tuple[int, dict]:
    return t, estimate_truth(case, config)


def _execute_dask(indices, cases, config, n_jobs, scheduler):
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(_indexed, t, cases[t], config, pure=False)
                   for t in indices]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
