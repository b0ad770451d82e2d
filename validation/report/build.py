"""``synmi report``: the whole error analysis, from an embedded default configuration.

The report is the ordered list of named steps :data:`validation.report.steps.STEPS`
(each a small function in its own module under ``validation/report/steps/``,
data in and data out); :func:`build_report` checks the run's arguments before
writing anything, runs the steps in order, times each one (``provenance.json``,
``steps_seconds``) and writes ``summary.json``.  Adding a step is adding one
module and one entry to that list (see :mod:`validation.report.steps`).

The approximation under test is :func:`analytic.mutual_information` (the
paper's FW formula) unless ``approximations`` names another
(``package.module:function``, as for ``pytest validation/ --approximation``).
Tiers: :mod:`validation.report.tiers`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ... import analytic
from ..engine.approximations import Approximation, approximation_name, load_approximation
from ..engine.jsonable import to_jsonable
from .steps import MERGED_OUTPUTS, STEPS, ReportContext, Step, check_steps
from .tiers import TIERS, ReportConfig, suite_config, sweep_specs, tier_cases

#: every approximation synmi ships (docs/theory.md §11), FW first
SHIPPED_APPROXIMATIONS = tuple(spec.path for spec in analytic.APPROXIMATIONS.values())

__all__ = ["SHIPPED_APPROXIMATIONS", "ReportConfig", "TIERS", "build_report", "load_approximations", "suite_config",
           "sweep_specs", "tier_cases", "check_n_jobs", "run_steps"]


def check_n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as the report takes it: a positive integer, or -1 for every CPU.

    Raises
    ------
    ValueError
        Naming ``n_jobs`` (booleans, non-integers, 0 and other negatives).
    """
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) or \
            not (n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"n_jobs must be a positive integer or -1 (every CPU), got {n_jobs!r}")
    return int(n_jobs)


def run_steps(ctx: ReportContext, steps: Sequence[Step] = STEPS) -> dict[str, Any]:
    """Run ``steps`` in order on ``ctx``, timing each into ``ctx.timings``; the outputs of all of them.

    Each step sees the outputs of the steps before it; the dict outputs named in
    :data:`validation.report.steps.MERGED_OUTPUTS` are merged across steps.

    Raises
    ------
    ValueError
        Before anything runs, if the order is impossible (:func:`validation.report.steps.check_steps`);
        after a step, if it did not return exactly the outputs it declares.
    """
    check_steps(steps)
    data: dict[str, Any] = {}
    for step in steps:
        print(f"[synmi report] {step.label} ...", flush=True)
        t0 = time.perf_counter()
        try:
            out = step.run(ctx, data)
        finally:
            ctx.timings[step.label] = round(time.perf_counter() - t0, 2)
        print(f"[synmi report] {step.label} done in {ctx.timings[step.label]:.1f} s", flush=True)
        if set(out) != set(step.gives):
            raise ValueError(f"step {step.name!r} returned {sorted(out)}, but declares {sorted(step.gives)}")
        for key, value in out.items():
            data[key] = {**data.get(key, {}), **value} if key in MERGED_OUTPUTS else value
    return data


def _short_name(path: str) -> str:
    """The registry's short name of a shipped approximation, else its path."""
    for name, spec in analytic.APPROXIMATIONS.items():
        if spec.path == path:
            return name
    return path


def load_approximations(approximations: str | Sequence[str]) -> tuple[tuple[str, ...], list[Approximation]]:
    """Check the report's approximations at the door and import them.

    Parameters
    ----------
    approximations : str or sequence of str
        ``package.module:function`` paths (one string is one path).  The first is
        the one the comparisons, claims, laws and figures are about; all of them
        are ranked on the leaderboard.

    Returns
    -------
    tuple of str, list of callable
        The paths and the loaded callables, in the given order.

    Raises
    ------
    ValueError
        Naming ``approximation(s)``: an empty or over-long list, a path that is
        not a string, or one that cannot be imported (:func:`load_approximation`).
    """
    specs = (approximations,) if isinstance(approximations, str) else tuple(approximations)
    if not specs:
        raise ValueError("approximations must name at least one 'package.module:function', got none")
    if len(set(specs)) != len(specs):
        raise ValueError(f"approximations: each may be named once, got {', '.join(map(str, specs))}")
    for spec in specs:
        if not isinstance(spec, str):
            raise ValueError(f"approximation must be 'package.module:function', got {spec!r}")
    return specs, [load_approximation(spec) for spec in specs]


def build_report(out_dir: str | os.PathLike = "reports", *, quick: bool = False, n_jobs: int = 2,
                 cache_dir: str | os.PathLike | None = None, scheduler: str | None = None,
                 approximations: str | Sequence[str] = SHIPPED_APPROXIMATIONS,
                 config: ReportConfig | None = None, truth_table: str | os.PathLike | None = None,
                 recompute_truths: bool = False) -> Path:
    """Run the whole analysis and write the report folder.

    Parameters
    ----------
    out_dir : path
        Written: ``report.md``, ``figures/*.png``, ``tables/*.csv``, ``summary.json``,
        ``provenance.json``.
    quick : bool
        The quick tier (a few minutes) instead of the full one.
    n_jobs : int
        Local worker processes for the Monte Carlo sweeps (a positive integer, or -1: every CPU).
    cache_dir : path, optional
        Finished Monte Carlo cases (default ``.synmi-cache/<tier>``): an
        interrupted run resumes from it.  Truths do not depend on the
        approximation, so reports of different approximations share it.
    scheduler : str, optional
        dask.distributed scheduler address or ``"local"``.
    approximations : str or sequence of str
        The approximations under test, ``package.module:function`` with the
        signature ``(mu, sigma, ensemble, pattern) -> float`` in nats (default:
        every shipped one, :data:`synmi.analytic.APPROXIMATIONS`, the paper's FW
        formula first).  The first is the subject of the comparisons, claims,
        laws and figures; all are ranked on the leaderboard (docs/theory.md §13).
    config : ReportConfig, optional
        Sizes of the run, instead of the tier chosen by ``quick`` (for
        custom or very small runs).
    truth_table : path, optional
        Committed truths to reuse (default ``out_dir/tables/truths.csv.gz``);
        the table with every truth of the run is written to ``out_dir/tables``.
        A random sample of the reused ones (5 %, at least 5) is recomputed with
        another seed and must reproduce (:mod:`validation.engine.truth_table`).
    recompute_truths : bool
        Ignore stored truths and recompute every one.

    Returns
    -------
    pathlib.Path
        The path of ``summary.json``.

    Raises
    ------
    ValueError
        For a bad ``approximations``, ``n_jobs`` or ``config`` (before anything is written).
    """
    specs, loaded = load_approximations(approximations)
    n_jobs = check_n_jobs(n_jobs)
    cfg = config if config is not None else TIERS["quick" if quick else "full"]
    if not isinstance(cfg, ReportConfig):
        raise ValueError(f"config must be a ReportConfig, got {type(cfg).__name__}")
    out = Path(out_dir)
    ctx = ReportContext(out=out, config=cfg, specs=specs, approximations=loaded,
                        names=[_short_name(spec) for spec in specs], approximation_name=approximation_name(loaded[0]),
                        is_fw=loaded[0] is analytic.mutual_information, n_jobs=n_jobs, scheduler=scheduler,
                        cache=Path(cache_dir) if cache_dir is not None else Path(".synmi-cache") / cfg.name,
                        truth_table=Path(truth_table) if truth_table is not None else None,
                        recompute_truths=recompute_truths)
    check_steps(STEPS)
    ctx.figures.mkdir(parents=True, exist_ok=True)
    ctx.tables.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    data = run_steps(ctx, STEPS)
    prov, summary = data["provenance"], data["summary"]
    prov["steps_seconds"] = dict(ctx.timings)
    prov["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    (out / "provenance.json").write_text(json.dumps(to_jsonable(prov), indent=2, default=str))
    (out / "summary.json").write_text(json.dumps(to_jsonable(summary), indent=2))
    return out / "summary.json"
