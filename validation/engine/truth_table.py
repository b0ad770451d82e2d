"""The committed table of truths: reuse expensive truths across runs, and show that they still reproduce.

Ensemble truths at ``n`` up to 20 cost tens of CPU-seconds each (docs/theory.md
§9), more than a default report can spend on hundreds of cases.  Finished truths
are kept in a table (``reports/tables/truths.csv.gz``), one row per case, keyed
by :func:`table_key`: the case content, the estimation settings and the
truth's version (:data:`synmi.empirical.truth.TRUTH_VERSION`, bumped whenever
the estimator's definition changes).  A run reuses the rows whose key matches
and recomputes a random sample of them with a fresh seed
(:func:`reproduction_sample`, :func:`reproduction_check`): an independent
replicate of each truth must agree with the stored one within both
uncertainties, or the report says so.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...analytic.inputs import Case
from ...empirical.truth import TRUTH_VERSION
from .comparison import EstimationConfig, case_hash

__all__ = ["case_identity", "table_key", "load_truth_table", "save_truth_table", "reproduction_sample", "reproduction_check"]


def case_identity(case: Case) -> str:
    """What identifies a case across machines.

    A case drawn by synmi's own generators (``meta`` with ``sweep``, ``seed``
    and a draw index) is identified by that provenance and its integer data
    (ensemble, pattern, shapes): they reproduce exactly on any machine, while
    the last bits of its floating-point arrays depend on the BLAS build (set 2's
    ``A^T A / d``, set 3's QR factorisation), so a content hash would not find
    a truth computed elsewhere.  Any other case is identified by its content.
    """
    meta = case.meta or {}
    if not ("sweep" in meta and "seed" in meta and ("index" in meta or "draw" in meta)):
        return case_hash(case)
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    h.update(np.ascontiguousarray(case.ensemble, dtype=np.int64).tobytes())
    h.update(f"{case.pattern} {case.mu.shape} {case.sigma.shape}".encode())
    return "provenance:" + h.hexdigest()


def table_key(case: Case, config: EstimationConfig) -> str:
    """Key of a truth: the case's identity (:func:`case_identity`), estimation settings (the verdict's ``z``
    excluded) and truth version."""
    settings = {k: v for k, v in config.to_dict().items() if k != "z"}
    h = hashlib.sha256()
    h.update(case_identity(case).encode())
    h.update(json.dumps(settings, sort_keys=True).encode())
    h.update(TRUTH_VERSION.encode())
    return h.hexdigest()[:24]


def load_truth_table(path: str | Path) -> dict[str, dict[str, Any]]:
    """Rows of a truth table by key (empty when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return {}
    df = pd.read_csv(path, keep_default_na=True)
    rows = {}
    for rec in df.to_dict(orient="records"):
        rec = {k: (None if isinstance(v, float) and math.isnan(v) and k in ("cross_agree",) else v)
               for k, v in rec.items()}
        for col in ("truth_resolved",):
            if col in rec:
                rec[col] = bool(rec[col])
        rows[str(rec.pop("key"))] = rec
    return rows


def save_truth_table(rows: Mapping[str, Mapping[str, Any]], path: str | Path) -> None:
    """Write the rows (by key) as a compressed CSV, sorted by key (stable diffs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [{"key": k, **dict(v)} for k, v in sorted(rows.items())]
    pd.DataFrame(records).to_csv(path, index=False, float_format="%.10g")


def reproduction_sample(keys: Sequence[str], eligible: Sequence[bool], *, fraction: float = 0.05, minimum: int = 5,
                        rng: np.random.Generator | None = None) -> list[int]:
    """Indices of a random sample of the eligible reused truths to recompute.

    At least ``fraction`` of them and at least ``minimum`` (all, if fewer).
    ``rng`` defaults to fresh entropy: every run checks another sample.
    """
    pool = [t for t, ok in enumerate(eligible) if ok]
    size = min(len(pool), max(minimum, math.ceil(fraction * len(pool))))
    rng = rng or np.random.default_rng()
    return sorted(int(t) for t in rng.choice(pool, size=size, replace=False)) if size else []


def reproduction_check(stored: Sequence[Mapping[str, Any]], fresh: Sequence[Mapping[str, Any]],
                       z: float = 3.0) -> pd.DataFrame:
    """Stored truth against an independent recomputation (another seed), case by case.

    Agree when ``|stored - fresh| <= z * sqrt(se_1^2 + se_2^2) + max(bias_bound_1, bias_bound_2)``.
    """
    rows = []
    for a, b in zip(stored, fresh):
        tol = z * math.hypot(float(a["truth_stderr"]), float(b["truth_stderr"])) \
            + max(float(a["bias_bound"]), float(b["bias_bound"]))
        diff = float(b["truth"]) - float(a["truth"])
        rows.append({"case_id": a["case_id"], "n_connections": int(a["n_connections"]),
                     "n_patterns": int(a["n_patterns"]), "stored": float(a["truth"]), "recomputed": float(b["truth"]),
                     "difference": diff, "tolerance": tol, "agree": bool(abs(diff) <= tol)})
    return pd.DataFrame(rows, columns=["case_id", "n_connections", "n_patterns", "stored", "recomputed",
                                       "difference", "tolerance", "agree"])
