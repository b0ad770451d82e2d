"""The comparison engine: one case -> one tidy row (an approximation against the true information).

For a case ``(mu, sigma, ensemble, pattern)`` the engine evaluates the
approximation under test (by default the FW information of docs/theory.md §3),
obtains the true ``I(w_S ; x_l)`` from :func:`synmi.empirical.true_information`
(exact quadrature for one connection, docs/theory.md §8; the entropy difference
on a sample-size ladder with two neighbour orders and a cross-check for
ensembles, docs/theory.md §§9-10), and returns one row with the error and a verdict.

Verdict rule (every tolerance says where it comes from)
-------------------------------------------------------
``truth_stderr`` is the truth's standard error (replicates at the top rung; the
quadrature's error bound for ``n = 1``).  ``bias_bound`` bounds the bias left in
the truth: ``max(drift, order_gap)`` of the ladder (the change over the last 4x
in sample size and the gap between the two neighbour orders; docs/theory.md
§9.1), or the quadrature's error bound.  Then

``tolerance = z * truth_stderr + bias_bound``

with ``z = 3`` by default.  ``agree`` when ``|I_approx - truth| <= tolerance``,
``disagree`` otherwise, ``undefined`` when the approximation is NaN or infinite.
An infinite truth (docs/theory.md §4.1) has no error: ``agree`` when the
approximation is ``+inf`` there too, ``disagree`` otherwise (NaN included).
An *error* is resolved (used in power-law fits) when it is a disagreement; a
*truth* is resolved (``truth_resolved``) when it meets the requested precision.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ... import analytic
from ...analytic.inputs import Case, check_integer
from ...empirical.truth import CROSS_CHECKS
from .approximations import Approximation, approximation_name

__all__ = ["EstimationConfig", "case_fields", "case_hash", "case_seed", "compare_case", "estimate_truth", "judge",
           "evaluate_approximation", "scale_of", "fw_fields", "truth_row_fields", "ROW_COLUMNS"]


@dataclass(frozen=True)
class EstimationConfig:
    """How the truth of a case is obtained (:func:`synmi.empirical.true_information`, docs/theory.md §§8-10).

    ``n = 1``: exact quadrature, whatever these settings.  ``n >= 2``: the
    entropy difference on a sample-size ladder with two neighbour orders.

    Attributes
    ----------
    ladder : tuple of int
        Sample sizes of the ladder (at least 3 rungs, each 4x the last).
    max_samples : int
        Largest rung an unresolved ladder may be extended to, for ensembles of
        ``n >= BRUTE_FORCE_MIN_DIM`` connections (exact brute-force neighbours,
        cost ~ ``M^2``); ``ladder[-1]``: no extension.
    max_samples_tree : int
        The same for smaller ensembles, whose k-d tree queries cost ~ ``M ln M``.
    orders : tuple of int
        The two neighbour orders.
    replicates : int
        Independent samples per rung (standard error from their spread).
    max_replicates : int
        The copula decomposition doubles its replicates up to this number where
        noise, not bias, keeps a truth unresolved (docs/theory.md §9.2).
    precision, atol : float
        Relative precision (and absolute floor, nats) of a *resolved* truth.
    method : str
        Primary ensemble truth: ``"copula"`` (docs/theory.md §9.2) or
        ``"entropy_difference"`` (§9.1).
    gaussian_samples : int
        Draws of the copula's Gaussian part over all replicates.
    cross_check : str
        ``"auto"`` (Rao-Blackwellised estimator where its diagnostics allow, else
        the entropy-difference ladder), ``"entropy_difference"``, ``"rao_blackwell"``,
        ``"gaussian_surrogate"`` or ``"none"``.
    z : float
        Multiplier of the truth's standard error in the verdict's tolerance (3: about 99.7 %).
    seed : int
        Root seed; each case's seed is derived from it and the case content.
    """

    ladder: tuple = (625, 2_500, 10_000)
    max_samples: int = 40_000
    max_samples_tree: int = 160_000
    orders: tuple = (3, 8)
    replicates: int = 5
    max_replicates: int = 20
    precision: float = 0.02
    atol: float = 0.01
    method: str = "copula"
    gaussian_samples: int = 200_000
    cross_check: str = "auto"
    z: float = 3.0
    seed: int = 20261124

    def __post_init__(self) -> None:
        from ...empirical.truth import check_ladder, check_orders

        object.__setattr__(self, "orders", check_orders(self.orders))
        object.__setattr__(self, "ladder", check_ladder(self.ladder, self.orders))
        check_integer(self.max_samples, "max_samples", self.ladder[-1], reason="the top rung")
        check_integer(self.max_samples_tree, "max_samples_tree", self.ladder[-1], reason="the top rung")
        check_integer(self.replicates, "replicates", 2, reason="a standard error needs two")
        check_integer(self.max_replicates, "max_replicates", self.replicates, reason="replicates")
        check_integer(self.gaussian_samples, "gaussian_samples", 2 * self.replicates, reason="two per replicate")
        if self.method not in ("copula", "entropy_difference"):
            raise ValueError(f"method must be 'copula' or 'entropy_difference', got {self.method!r}")
        if not (0 < self.precision < 1):
            raise ValueError(f"precision must be in (0, 1), got {self.precision!r}")
        if not (self.atol > 0):
            raise ValueError(f"atol must be positive, got {self.atol!r}")
        if self.cross_check not in CROSS_CHECKS:
            raise ValueError(f"cross_check must be one of {list(CROSS_CHECKS)}, got {self.cross_check!r}")
        if not (np.isfinite(self.z) and self.z > 0):
            raise ValueError(f"z must be a positive number, got {self.z!r}")
        check_integer(self.seed, "seed", 0)

    def truth_kwargs(self, n_connections: int | None = None) -> dict[str, Any]:
        """Keyword arguments of :func:`synmi.empirical.true_information` (all but the seed) for an ensemble size."""
        from ...empirical.estimators import BRUTE_FORCE_MIN_DIM

        tree = n_connections is not None and n_connections < BRUTE_FORCE_MIN_DIM
        return {"precision": self.precision, "atol": self.atol, "ladder": self.ladder,
                "max_samples": self.max_samples_tree if tree else self.max_samples, "orders": self.orders,
                "replicates": self.replicates, "max_replicates": self.max_replicates, "method": self.method,
                "gaussian_samples": self.gaussian_samples, "cross_check": self.cross_check}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ladder"], d["orders"] = list(self.ladder), list(self.orders)
        return d


ROW_COLUMNS = [
    "case_id", "sweep", "axis", "axis_value", "generator", "n_patterns", "dim", "n_connections",
    "pattern", "scale", "scale_vs", "rho", "mu_range", "approximation", "approx_value", "fw_status",
    "fw_value", "authors_value", "truth", "truth_stderr", "truth_ci_low", "truth_ci_high",
    "truth_method", "truth_n_samples", "replicates", "truth_resolved", "truth_drift", "truth_order_gap",
    "truth_error_bound", "truth_version", "truth_reason", "bias_bound", "tolerance", "err",
    "abs_err", "rel_err", "resolved", "verdict", "cross_method", "cross_value", "cross_stderr",
    "cross_agree", "cross_reason", "seconds", "meta",
]


def _array_digest(h: "hashlib._Hash", arr: np.ndarray) -> None:
    a = np.ascontiguousarray(arr)
    h.update(str(a.dtype).encode())
    h.update(str(a.shape).encode())
    h.update(a.tobytes())


_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """Hash of the truth's code: ``empirical`` and the exact quadrature and input validation of ``analytic``.

    Cached truths from other estimator code are not reused; editing an
    approximation under test (e.g. the FW formula) keeps every cached truth.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from pathlib import Path

        from ... import empirical

        here = Path(analytic.__file__).parent
        paths = sorted(Path(empirical.__file__).parent.glob("*.py")) + [here / "exact.py", here / "inputs.py"]
        h = hashlib.sha256()
        for path in paths:
            h.update(path.name.encode())
            h.update(path.read_bytes())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT


def case_hash(case: Case, config: EstimationConfig | None = None, approximation: str | None = None) -> str:
    """Content hash of a case (and of the estimation settings, the estimator code and the approximation name).

    Finished sweep cases are stored under this key, so a restarted sweep skips
    exactly the cases whose inputs, settings and estimator code have not changed.
    """
    h = hashlib.sha256()
    _array_digest(h, case.mu)
    _array_digest(h, case.sigma)
    _array_digest(h, case.ensemble)
    h.update(str(int(case.pattern)).encode())
    if config is not None:
        h.update(json.dumps(config.to_dict(), sort_keys=True).encode())
        h.update(code_fingerprint().encode())
    if approximation is not None:
        h.update(approximation.encode())
    return h.hexdigest()


def case_seed(case: Case, config: EstimationConfig) -> np.random.SeedSequence:
    """Seed of a case's Monte Carlo, from the root seed and the case's identity only.

    Independent of the order in which cases run, of the number of jobs and of
    the machine: the identity (:func:`truth_table.case_identity`) of a case
    drawn by synmi's generators is its provenance, not the last bits of its
    floating-point arrays, which differ between BLAS builds (a seed from the
    content hash drew other numbers for the same drawn case on another machine).
    """
    from .truth_table import case_identity

    digest = hashlib.sha256(case_identity(case).encode()).hexdigest()
    words = [int(digest[t:t + 8], 16) for t in range(0, 32, 8)]
    return np.random.SeedSequence([int(config.seed)] + words)


def scale_of(case: Case) -> tuple[float, float]:
    """Log-variance scales of a case (docs/theory.md §5, claim 1).

    Returns ``(max_k lambda_max(Sigma_k), max_k lambda_max(Sigma_k[V, V]))``: the
    largest eigenvalue over patterns of the full covariance, and of its block on
    the neurons ``V(S)`` the ensemble touches (the only ones that matter).
    """
    stack = case.sigma if case.sigma.ndim == 3 else case.sigma[None]
    full = float(np.linalg.eigvalsh(stack)[:, -1].max())
    v = case.neurons
    block = stack[:, v[:, None], v[None, :]]
    return full, float(np.linalg.eigvalsh(block)[:, -1].max())


def evaluate_approximation(approximation: Approximation, case: Case) -> float:
    """The approximation's value on a case, its synmi warnings silenced (the status is recorded apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        value = approximation(case.mu, case.sigma, case.ensemble, case.pattern)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"approximation returned {value!r}, not a number") from None


def _true_information(case: Case, config: EstimationConfig):
    """:func:`synmi.empirical.true_information` of a case, seeded from its content."""
    from ...empirical import true_information

    return true_information(case.mu, case.sigma, case.ensemble, case.pattern, seed=case_seed(case, config),
                            **config.truth_kwargs(case.n_connections))


def truth_row_fields(truth) -> dict[str, Any]:
    """The truth columns of a row from a :class:`synmi.empirical.TrueInformation`."""
    check = truth.cross_check
    return {
        "truth": truth.value, "truth_stderr": truth.stderr, "truth_ci_low": truth.ci_low,
        "truth_ci_high": truth.ci_high, "truth_method": truth.method,
        "truth_n_samples": truth.ladder[-1].n_samples if truth.ladder else 0,
        "replicates": len(truth.ladder[-1].replicate_values) if truth.ladder else 0,
        "truth_resolved": bool(truth.resolved), "truth_drift": truth.drift, "truth_order_gap": truth.order_gap,
        "truth_error_bound": truth.error_bound, "truth_version": truth.version,
        "bias_bound": max(truth.drift, truth.order_gap) if truth.ladder else float(truth.error_bound),
        "cross_method": check.method, "cross_value": check.value, "cross_stderr": check.stderr,
        "cross_agree": check.agree, "cross_reason": check.reason,
        "ladder": json.dumps(truth.evidence()["ladder"]),
        "truth_reason": truth.reason, "truth_components": json.dumps(truth.components, sort_keys=True),
    }


def estimate_truth(case: Case, config: EstimationConfig | None = None) -> dict[str, Any]:
    """The approximation-independent half of a row: case descriptors and the truth (docs/theory.md §§8-10).

    Cached by sweeps under :func:`case_hash` ``(case, config)``; any number of
    approximations can then be judged against it by :func:`judge` at no cost.
    """
    config = config or EstimationConfig()
    t0 = time.perf_counter()
    row = case_fields(case)
    row.update(truth_row_fields(_true_information(case, config)))
    row["seconds"] = time.perf_counter() - t0
    return row


def case_fields(case: Case) -> dict[str, Any]:
    """The descriptor columns of a case's row (its id, sweep, sizes, scales and meta); no truth."""
    scale, scale_vs = scale_of(case)
    return {
        "case_id": case_hash(case)[:16],
        "sweep": case.meta.get("sweep", ""),
        "axis": case.meta.get("axis", ""),
        "axis_value": case.meta.get("axis_value", np.nan),
        "generator": case.meta.get("generator", ""),
        "n_patterns": case.n_patterns,
        "dim": case.dim,
        "n_connections": case.n_connections,
        "pattern": case.pattern,
        "scale": scale,
        "scale_vs": scale_vs,
        "rho": case.meta.get("rho", np.nan),
        "mu_range": case.meta.get("mu_range", np.nan),
        "meta": json.dumps(case.meta, default=str, sort_keys=True),
    }


def fw_fields(case: Case) -> dict[str, Any]:
    """The FW status, value and the authors' value of a case (cheap; never cached with the truth)."""
    fw = analytic.fw_result_for_case(case)
    return {"fw_status": fw.status.value, "fw_value": fw.value, "authors_value": fw.authors_value}


def judge(truth_row: dict[str, Any], approx_value: float, approximation: str, z: float) -> dict[str, Any]:
    """Complete a truth row with the approximation's value, the error and the verdict.

    ``tolerance = z * truth_stderr + bias_bound`` (module docstring).
    """
    row = dict(truth_row)
    truth = float(row["truth"])
    row["approximation"] = approximation
    row["approx_value"] = approx_value
    finite = bool(np.isfinite(approx_value))
    if np.isinf(truth):
        # an infinite truth is a value (docs/theory.md §4.1): right only when matched, wrong otherwise (NaN
        # included); never "undefined", which means "no value against a finite truth"
        row.update({"tolerance": 0.0, "err": np.nan, "abs_err": np.nan, "rel_err": np.nan, "resolved": False,
                    "verdict": "agree" if approx_value == truth else "disagree"})
        return row
    bias_bound = float(row.get("bias_bound", 0.0) or 0.0)
    tolerance = z * float(row["truth_stderr"]) + bias_bound
    err = approx_value - truth if finite else np.nan
    verdict = "undefined" if not finite else ("agree" if abs(err) <= tolerance else "disagree")
    row.update({"tolerance": tolerance, "err": err, "abs_err": abs(err) if finite else np.nan,
                "rel_err": err / truth if finite and truth != 0 else np.nan,
                "resolved": bool(finite and abs(err) > tolerance), "verdict": verdict})
    return row


def compare_case(case: Case, config: EstimationConfig | None = None,
                 approximation: Approximation | None = None) -> dict[str, Any]:
    """Compare the approximation with the Monte Carlo truth on one case.

    Parameters
    ----------
    case : analytic.Case
        The case; its ``meta`` (generator, seed, sweep axis and value) is copied
        into the row.
    config : EstimationConfig, optional
    approximation : callable, optional
        ``f(mu, sigma, ensemble, pattern) -> float`` in nats; default
        :func:`analytic.mutual_information`.

    Returns
    -------
    dict
        One row with the columns :data:`ROW_COLUMNS` (see the module docstring
        for the verdict rule).
    """
    config = config or EstimationConfig()
    approximation = approximation or analytic.mutual_information
    truth = {**estimate_truth(case, config), **fw_fields(case)}
    return judge(truth, evaluate_approximation(approximation, case), approximation_name(approximation), config.z)
