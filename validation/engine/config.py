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
from typing import Any

import pandas as pd

from ...analytic.inputs import Case, check_integer
from .comparison import EstimationConfig
from .sweeps import BASE_DEFAULTS, SweepSpec, build_set_draws, build_sweep, provenance, run_cases

__all__ = ["read_mapping", "parse_config", "cases_from_config", "run_sweep_config"]

_TOP_KEYS = {"estimation", "sweep", "draws"}
_SWEEP_KEYS = {"name", "axis", "values", "base", "draws", "seed"}
_DRAW_KEYS = {"set", "n_cases", "seed", "max_n", "max_patterns"}


def read_mapping(path: str | Path) -> dict[str, Any]:
    """A TOML or JSON file (UTF-8; ``.json`` is JSON, anything else TOML) as a dict.

    Raises
    ------
    ValueError
        In one line naming the file: missing, a directory, unreadable, not UTF-8,
        malformed, or not a table/object at the top level.
    """
    p = Path(path)
    kind = "JSON" if p.suffix.lower() == ".json" else "TOML"
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a directory, not a {kind} file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start} is {raw[exc.start:exc.start + 1]!r}); "
                         f"save the {kind} file as UTF-8") from None
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        # JSONDecodeError and TOMLDecodeError are ValueErrors, and so is Python's limit on the digits
        # of an integer literal; a deeply nested document exhausts the parser's recursion
        raise ValueError(f"{path}: malformed {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a table/object at the top level, got {type(data).__name__}")
    return data


def _tables(data: dict, key: str, label: str) -> list[dict]:
    """``data[key]`` as a list of tables (``[[key]]`` in TOML); ValueError naming it otherwise."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ValueError(f"{label}: {key} must be an array of tables ([[{key}]]), got {type(value).__name__}")
    return value


def _check_keys(table: dict, allowed: set, where: str) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table, got {type(table).__name__}")
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
        label = str(source)
        data = read_mapping(source)
    _check_keys(data, _TOP_KEYS, label)
    est_table = data.get("estimation", {})
    allowed = {f.name for f in fields(EstimationConfig)}
    _check_keys(est_table, allowed, f"{label} [estimation]")
    try:
        est = EstimationConfig(**est_table)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label} [estimation]: {exc}") from None
    sweeps = []
    for t, table in enumerate(_tables(data, "sweep", label)):
        where = f"{label} [[sweep]] #{t + 1}"
        _check_keys(table, _SWEEP_KEYS, where)
        if "name" not in table or "axis" not in table or "values" not in table:
            raise ValueError(f"{where}: needs name, axis and values")
        if not isinstance(table["values"], list):
            raise ValueError(f"{where}: values must be an array, got {type(table['values']).__name__}")
        _check_keys(table.get("base", {}), set(BASE_DEFAULTS), f"{where} [sweep.base]")
        try:
            sweeps.append(SweepSpec(name=str(table["name"]), axis=table["axis"], values=tuple(table["values"]),
                                    base=dict(table.get("base", {})), draws=table.get("draws", 2),
                                    seed=table.get("seed", t)))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    draws = []
    for t, table in enumerate(_tables(data, "draws", label)):
        where = f"{label} [[draws]] #{t + 1}"
        _check_keys(table, _DRAW_KEYS, where)
        if table.get("set") not in ("set1", "set2", "set3"):
            raise ValueError(f"{where}: set must be set1, set2 or set3, got {table.get('set')!r}")
        try:
            n_cases = check_integer(table.get("n_cases", 10), "n_cases", 1)
            seed = check_integer(table.get("seed", t), "seed", 0)
            bounds = {k: None if table.get(k) is None else check_integer(table[k], k, 1)
                      for k in ("max_n", "max_patterns")}
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        draws.append({"set": table["set"], "n_cases": n_cases, "seed": seed, **bounds})
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
    try:
        cases = cases_from_config(sweeps, draws)
    except (TypeError, ValueError) as exc:  # a value of the wrong kind or range (text where a number belongs, ...)
        label = "config" if isinstance(source, dict) else str(source)
        raise ValueError(f"{label}: cannot build the cases: {exc}") from None
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
