"""How the report's verdicts move from the previous truth bank to the new one (docs/theory.md §§9.1, 9.2, 13).

Truth version 1 (entropy-difference ladder, 3 % rule, docs/theory.md §9.1)
resolved 139 of its 243 ensemble truths; the verdicts of that report rested on
the resolved subset only.  Version 2 (the copula decomposition, §9.2, and
infinite truths decided before sampling, §4.1) resolves many more.  If the
unresolved cases differed from the resolved ones (larger ``n``, larger scale),
the old subset biased the verdicts.  :func:`verdict_shift` computes each
verdict three times, each with its 95 % interval:

``previous``
    the previous resolved subset with its previous truths (what the old report
    rested on);
``previous_new_truth``
    the same cases with this run's truths, where they are resolved and finite
    (the change due to the truth estimator alone);
``new``
    every resolved finite truth of this run (the change due to the cases the
    old subset left out).

The verdicts: the slopes of ``ln I`` on ``ln N`` and on ``ln n`` (sets 2 and 3
pooled, as the report fits them) with the truth and the truth-minus-approximation
slope differences, the synergy slope (``ln(I / n)`` on ``ln n``, set 3), the
approximation's median relative error by band of ``n`` (set-2/3 draws), and
each leaderboard approximation's median ``|relative error|`` (every resolved
truth).  Slopes carry the paired-bootstrap 95 % CIs of
:func:`validation.engine.truth_analysis.truth_slopes`; medians a percentile
bootstrap 95 % CI over cases.

The previous subset is the committed file ``reports/tables/previous_resolved.csv``:
the resolved rows of the version-1 table (git revision ``3d1da55``,
``reports/tables/truths.csv.gz``), made by :func:`previous_resolved`::

    git show 3d1da55:reports/tables/truths.csv.gz > old.csv.gz
    python -c "import pandas as pd; from synmi.validation.engine.verdict_shift import previous_resolved; \\
        previous_resolved(pd.read_csv('old.csv.gz')).to_csv('reports/tables/previous_resolved.csv', index=False)"

Cases are matched to this run's by :func:`meta_id`, a hash of the case's
generator record (sweep, seed, draw, grid value), which survives changes of the
array layout that change :func:`validation.engine.comparison.case_hash`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .trends import paired_bootstrap_ci
from .truth_analysis import DRAW_SWEEPS, truth_slopes

__all__ = ["N_BANDS", "VARIANTS", "meta_id", "previous_resolved", "verdict_shift", "median_with_ci"]

#: bands of the ensemble size for the approximation's median error
N_BANDS = ((1, 1, "n = 1"), (2, 5, "n = 2-5"), (6, 10, "n = 6-10"), (11, 15, "n = 11-15"), (16, 20, "n = 16-20"))
#: the three columns of the table, in order, with their labels
VARIANTS = (("previous", "previous subset, previous truths"),
            ("previous_new_truth", "previous subset, new truths"),
            ("new", "new bank, every resolved truth"))
#: columns of the previous-subset file
PREVIOUS_COLUMNS = ["case_id", "meta_id", "sweep", "n_connections", "n_patterns", "truth", "truth_ci_low",
                    "truth_ci_high", "truth_method", "truth_version"]


def meta_id(meta: Any) -> str:
    """A short hash of a case's generator record (the ``meta`` column of a truth row, JSON text)."""
    return hashlib.sha256(str(meta).encode()).hexdigest()[:16]


def previous_resolved(old: pd.DataFrame) -> pd.DataFrame:
    """The resolved rows of a previous truth table, reduced to what :func:`verdict_shift` needs.

    Parameters
    ----------
    old : pandas.DataFrame
        A truth table (``reports/tables/truths.csv.gz`` of an earlier revision).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PREVIOUS_COLUMNS`, resolved rows only, sorted by ``meta_id``.
    """
    keep = old[old["truth_resolved"].astype(bool)].copy()
    keep["meta_id"] = keep["meta"].map(meta_id)
    return keep[PREVIOUS_COLUMNS].sort_values("meta_id", kind="stable").reset_index(drop=True)


def median_with_ci(values: Any, *, seed: int = 0, n_boot: int = 2000) -> dict[str, Any]:
    """Median of the finite ``values`` with a percentile-bootstrap 95 % CI (NaN interval below 5 values)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if not x.size:
        return {"estimate": float("nan"), "ci": [float("nan"), float("nan")], "cases": 0}
    lo, hi = (paired_bootstrap_ci(lambda a: np.median(a, axis=-1), (x,), n_boot=n_boot, seed=seed)
              if x.size >= 5 else (float("nan"), float("nan")))
    return {"estimate": float(np.median(x)), "ci": [lo, hi], "cases": int(x.size)}


def _slope_entry(pair: Mapping[str, Any], which: str) -> dict[str, Any]:
    """One number of a :func:`truth_slopes` entry: the truth's slope or the truth-minus-approximation difference."""
    if pair.get("truth") is None:
        return {"estimate": float("nan"), "ci": [float("nan"), float("nan")], "cases": int(pair.get("cases", 0))}
    if which == "truth":
        return {"estimate": float(pair["truth"]), "ci": [float(v) for v in pair["truth_ci"]],
                "cases": int(pair["cases"])}
    return {"estimate": float(pair["difference"]), "ci": [float(v) for v in pair["difference_ci"]],
            "cases": int(pair["cases"])}


def _verdicts(frame: pd.DataFrame, values: Mapping[str, Mapping[str, float]], *, seed: int,
              n_boot: int) -> dict[str, dict[str, Any]]:
    """Every verdict on one table of resolved finite truths (``truth``, ``approx_value``, ``case_id``...)."""
    out: dict[str, dict[str, Any]] = {}
    slopes = truth_slopes(frame.assign(truth_resolved=True), seed=seed, n_boot=n_boot)
    out["slope_N"] = _slope_entry(slopes["slope_N"], "truth")
    out["slope_N_difference"] = _slope_entry(slopes["slope_N"], "difference")
    out["slope_n"] = _slope_entry(slopes["slope_n"], "truth")
    out["slope_n_difference"] = _slope_entry(slopes["slope_n"], "difference")
    out["synergy"] = _slope_entry(slopes["synergy"], "truth")
    draws = frame[frame["sweep"].astype(str).isin(DRAW_SWEEPS)]
    truth = draws["truth"].astype(float)
    rel = (draws["approx_value"].astype(float) - truth) / truth
    n = draws["n_connections"].astype(int)
    for lo, hi, band in N_BANDS:
        m = ((n >= lo) & (n <= hi)).to_numpy()
        entry = median_with_ci(rel.to_numpy()[m], seed=seed, n_boot=n_boot)
        entry["offered"] = int(m.sum())  # cases in the band; the rest of them have no defined value
        out[f"error {band}"] = entry
    positive = frame[frame["truth"].astype(float) > 0]
    for name, by_case in values.items():
        v = positive["case_id"].map(lambda c: by_case.get(str(c), np.nan)).astype(float)
        t = positive["truth"].astype(float)
        entry = median_with_ci(((v - t) / t).abs().to_numpy(), seed=seed, n_boot=n_boot)
        entry["offered"] = int(len(positive))
        out[f"leaderboard {name}"] = entry
    return out


def _describe(key: str, label: str) -> str:
    """The words of a verdict's row."""
    if key == "slope_N":
        return "slope of ln I_true on ln N (sets 2, 3)"
    if key == "slope_n":
        return "slope of ln I_true on ln n (sets 2, 3)"
    if key == "slope_N_difference":
        return f"ln N slope: truth - {label}"
    if key == "slope_n_difference":
        return f"ln n slope: truth - {label}"
    if key == "synergy":
        return "synergy: slope of ln(I_true / n) on ln n (set 3)"
    if key.startswith("error "):
        return f"median ({label} - truth) / truth, {key[6:]} (sets 2, 3)"
    return f"median |rel. error| of {key[12:]} (every resolved truth)"


def verdict_shift(results: pd.DataFrame, previous: pd.DataFrame | None,
                  values: Mapping[str, Mapping[str, float]], *, label: str = "I_FW", seed: int = 0,
                  n_boot: int = 2000) -> dict[str, Any]:
    """Each verdict on the previous resolved subset and on the new bank, with 95 % CIs.

    Parameters
    ----------
    results : pandas.DataFrame
        This run's comparisons (:func:`validation.engine.sweeps.judge_table`):
        ``case_id``, ``meta``, ``sweep``, ``n_connections``, ``n_patterns``,
        ``truth``, ``truth_resolved`` and ``approx_value`` (the approximation
        under test).
    previous : pandas.DataFrame or None
        The previous resolved subset (:func:`previous_resolved`); None or empty:
        only the new bank's column is filled.
    values : mapping of str to mapping of str to float
        Each leaderboard approximation's value by this run's ``case_id``, on
        at least every case with a resolved finite truth and every matched
        previous case (a missing case counts as undefined).
    label : str
        Name of the approximation under test in the words.
    seed, n_boot : int
        Bootstrap seed and resamples.

    Returns
    -------
    dict
        ``rows``: one per verdict with ``key``, ``statistic`` and, per variant of
        :data:`VARIANTS`, ``{"estimate", "ci", "cases"}`` (``offered`` where
        some cases have no defined value); ``counts``: the previous subset's
        size, how many of its cases this run holds (``matched``), and how many
        of those have a resolved finite new truth, an infinite one or an
        unresolved one; ``variants``: the column labels.
    """
    res = results.copy()
    res["meta_id"] = res["meta"].map(meta_id)
    finite_resolved = res["truth_resolved"].astype(bool) & np.isfinite(res["truth"].astype(float))
    frames: dict[str, pd.DataFrame] = {"new": res[finite_resolved]}
    counts: dict[str, int] = {"previous_rows": 0, "matched": 0, "new_resolved": 0, "new_infinite": 0,
                              "new_unresolved": 0, "new_bank_resolved": int(finite_resolved.sum()),
                              "new_bank_infinite": int(np.isposinf(res["truth"].astype(float)).sum())}
    if previous is not None and len(previous):
        prev = previous.drop_duplicates("meta_id").set_index("meta_id")
        matched = res[res["meta_id"].isin(prev.index)].drop_duplicates("meta_id")
        old = matched.copy()
        old["truth"] = prev.loc[old["meta_id"], "truth"].to_numpy(float)
        frames["previous"] = old[np.isfinite(old["truth"].astype(float))]
        ok = matched["truth_resolved"].astype(bool) & np.isfinite(matched["truth"].astype(float))
        frames["previous_new_truth"] = matched[ok]
        counts.update({"previous_rows": int(len(prev)), "matched": int(len(matched)), "new_resolved": int(ok.sum()),
                       "new_infinite": int(np.isposinf(matched["truth"].astype(float)).sum()),
                       "new_unresolved": int((~matched["truth_resolved"].astype(bool)).sum())})
    computed = {key: _verdicts(frame, values, seed=seed, n_boot=n_boot) for key, frame in frames.items()}
    keys = list(computed["new"])
    rows = []
    for key in keys:
        row: dict[str, Any] = {"key": key, "statistic": _describe(key, label)}
        for variant, _ in VARIANTS:
            row[variant] = computed[variant][key] if variant in computed else None
        rows.append(row)
    return {"rows": rows, "counts": counts, "variants": dict(VARIANTS)}
