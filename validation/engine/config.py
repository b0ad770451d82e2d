"""Sweep configurations (TOML) and their execution.

A configuration has an ``[estimation]`` table (fields of
:class:`validation.engine.EstimationConfig`), any number of ``[[sweep]]`` tables
(fields of :class:`validation.sweeps.SweepSpec`: ``name``, ``axis``, ``values``,
``draws``, ``seed`` and a ``[sweep.base]`` table) and any number of ``[[draws]]``
tables (random cases of the paper's sets: ``set``, ``n_cases``, ``seed``,
``max_n``, ``max_patterns``).  Unknown keys are errors, reported in one line.

Example
-------
.. code-block:: toml

    [estimation]
    replicates = 4
    n_samples = 100000

    [[sweep]]
    name = "scale_n1"
    axis = "scale"
    values = [0.01, 0.1, 1.0]
    [sweep.base]
    n = 1
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import fields
from pathlib import Path

import pandas as pd

from ...analytic.inputs import Case
from .comparison import EstimationConfig
from .sweeps import SweepSpec, build_set_draws, build_sweep, provenance, run_cases

__all__ = ["parse_config", "cases_from_config", "run_sweep_config"]

_TOP_KEYS = {"estimation", "sweep", "draws"}
_SWEEP_KEYS = {"name", "axis", "values", "base", "draws", "seed"}
_DRAW_KEYS = {"set", "n_cases", "seed", "max_n", "max_patterns"}


def _check_keys(table: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def parse_config(source: str | Path | dict) -> tuple[EstimationConfig, list[SweepSpec], list[dict]]:
    """Parse a sweep configuration (a TOML file path or an already-loaded dict).

    Returns
    -------
    (EstimationConfig, list of SweepSpec, list of draws tables)

    Raises
    ------
    ValueError
        One line naming the offending key or file.
    """
    if isinstance(source, dict):
        data = source
        label = "config"
    else:
        path = Path(source)
        label = str(path)
        if not path.exists():
            raise ValueError(f"no such file: {path}")
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: malformed TOML: {exc}") from None
    _check_keys(data, _TOP_KEYS, label)
    est_table = data.get("estimation", {})
    allowed = {f.name for f in fields(EstimationConfig)}
    _check_keys(est_table, allowed, f"{label} [estimation]")
    try:
        est = EstimationConfig(**est_table)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label} [estimation]: {exc}") from None
    sweeps = []
    for t, table in enumerate(data.get("sweep", [])):
        where = f"{label} [[sweep]] #{t + 1}"
        _check_keys(table, _SWEEP_KEYS, where)
        if "name" not in table or "axis" not in table or "values" not in table:
            raise ValueError(f"{where}: needs name, axis and values")
        try:
            sweeps.append(SweepSpec(name=str(table["name"]), axis=table["axis"], values=tuple(table["values"]),
                                    base=dict(table.get("base", {})), draws=table.get("draws", 2),
                                    seed=table.get("seed", t)))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    draws = []
    for t, table in enumerate(data.get("draws", [])):
        where = f"{label} [[draws]] #{t + 1}"
        _check_keys(table, _DRAW_KEYS, where)
        if table.get("set") not in ("set1", "set2", "set3"):
            raise ValueError(f"{where}: set must be set1, set2 or set3, got {table.get('set')!r}")
        draws.append({"set": table["set"], "n_cases": int(table.get("n_cases", 10)), "seed": int(table.get("seed", t)),
                      "max_n": table.get("max_n"), "max_patterns": table.get("max_patterns")})
    if not sweeps and not draws:
        raise ValueError(f"{label}: no [[sweep]] or [[draws]] table, nothing to run")
    return est, sweeps, draws


def cases_from_config(sweeps: list[SweepSpec], draws: list[dict]) -> list[Case]:
    """All cases of a configuration, in a fixed order."""
    cases: list[Case] = []
    for spec in sweeps:
        cases.extend(build_sweep(spec))
    for d in draws:
        cases.extend(build_set_draws(d["set"], d["n_cases"], d["seed"], max_n=d["max_n"],
                                     max_patterns=d["max_patterns"]))
    return cases


def run_sweep_config(source: str | Path | dict, *, out_dir: str | Path, n_jobs: int = 1,
                     scheduler: str | None = None, approximation=None, progress: bool = True) -> pd.DataFrame:
    """Run a configuration: results in ``out_dir/results.csv``, provenance beside it.

    Resumable: finished cases are kept in ``out_dir/cases`` (see
    :func:`validation.sweeps.run_cases`).
    """
    est, sweeps, draws = parse_config(source)
    cases = cases_from_config(sweeps, draws)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    table = run_cases(cases, est, approximation=approximation, out_dir=out, n_jobs=n_jobs, scheduler=scheduler,
                      progress="sweep" if progress else False)
    table.to_csv(out / "results.csv", index=False)
    prov = provenance(est, {"config": source if isinstance(source, dict) else str(source),
                            "sweeps": [s.__dict__ for s in sweeps], "draws": draws, "n_cases": len(cases),
                            "n_jobs": n_jobs, "scheduler": scheduler,
                            "wall_seconds": time.perf_counter() - t0})
    (out / "provenance.json").write_text(json.dumps(prov, indent=2, default=str))
    return table
