"""The paper's simulation sets and random ensembles (docs/theory.md §6, paper §5.1).

Each generator is seeded (an int, a ``SeedSequence`` or a ``numpy.random.Generator``).
Batch generators give every case its own child ``SeedSequence``, so case ``t``
is the same whatever the batch size or chunking.  Defaults follow the paper:
``d = 20``, ``mu_k ~ U(-1, 1)^d``, ``N ~ U{2…50}``, ``n ~ U{1…20}``, random target.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inputs import Case, as_generator, check_integer, validate_case

__all__ = [
    "exchangeable_covariance",
    "random_ensemble",
    "all_connections",
    "set1_case",
    "set2_case",
    "set3_case",
    "generate_set",
    "SET_GENERATORS",
    "paper_fig3_ensemble",
]


def exchangeable_covariance(dim: int, sigma: float, rho: float) -> np.ndarray:
    """Exchangeable covariance: diagonal ``sigma**2``, off-diagonal ``rho * sigma**2`` (set 1).

    Positive semi-definite exactly when ``-1/(d-1) <= rho <= 1`` (eigenvalues
    ``sigma^2 (1 - rho)`` with multiplicity ``d - 1`` and ``sigma^2 (1 + (d-1) rho)``).
    """
    dim = check_integer(dim, "dim", 2)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite non-negative scale, got {sigma!r}")
    lo = -1.0 / (dim - 1)
    if not np.isfinite(rho) or not (lo - 1e-12 <= rho <= 1 + 1e-12):
        raise ValueError(f"rho must lie in [-1/(d-1), 1] = [{lo:.6g}, 1] for d = {dim}, got {rho!r}")
    cov = np.full((dim, dim), rho * sigma**2)
    np.fill_diagonal(cov, sigma**2)
    return cov


def all_connections(dim: int) -> np.ndarray:
    """All ``d (d - 1) / 2`` connections ``(i, j)``, ``i < j``, in lexicographic order."""
    dim = check_integer(dim, "dim", 2)
    i, j = np.triu_indices(dim, k=1)
    return np.stack([i, j], axis=1)


def random_ensemble(dim: int, n: int, seed: Any) -> np.ndarray:
    """``n`` distinct connections drawn uniformly without replacement among the ``d (d-1)/2``.

    Returns an ``(n, 2)`` int array with ``i < j``.
    """
    dim = check_integer(dim, "dim", 2)
    n = check_integer(n, "n", 1)
    total = dim * (dim - 1) // 2
    if n > total:
        raise ValueError(f"n = {n} exceeds the {total} connections of a d = {dim} network")
    rng = as_generator(seed)
    pick = rng.choice(total, size=n, replace=False)
    return all_connections(dim)[pick]


def paper_fig3_ensemble(n: int, dim: int = 20, seed: Any = 3) -> np.ndarray:
    """Ensembles of paper Fig. 3A/3B: ``w_23`` (0-based ``(1, 2)``) followed by up to 15
    other connections drawn once at random; the first ``n`` of these 16 (``1 <= n <= 16``)."""
    n = check_integer(n, "n", 1)
    if n > 16:
        raise ValueError(f"n must be <= 16 for the Fig. 3 ensembles, got {n}")
    conns = all_connections(dim)
    first = np.array([1, 2])
    others = conns[~np.all(conns == first, axis=1)]
    rng = as_generator(seed)
    extra = others[rng.choice(len(others), size=15, replace=False)]
    return np.vstack([first[None], extra])[:n]


def _mu(rng: np.random.Generator, n_patterns: int, dim: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, size=(n_patterns, dim))


def set1_case(seed: Any, *, n_patterns: int | None = None, dim: int = 20, sigma: float | None = None,
              rho: float | None = None, n: int | None = None, pattern: int = 0,
              ensemble: Any = None) -> Case:
    """A case of simulation set 1 (exchangeable, shared covariance; paper §5.1).

    ``mu_k ~ U(-1, 1)^d``; one exchangeable ``Sigma`` for all patterns.  Parameters
    left as ``None`` are drawn: ``N ~ U{2…32}``, ``sigma ~ U(0, 5]``,
    ``rho ~ U(-1/(d-1), 1)``, ``n ~ U{1…16}`` with the Fig. 3 ensemble (first
    connection ``w_23``); the target is ``x_1`` (0-based pattern 0) as in Figs. 2-3.
    """
    rng = as_generator(seed)
    dim = check_integer(dim, "dim", 3)
    n_patterns = int(rng.integers(2, 33)) if n_patterns is None else check_integer(n_patterns, "n_patterns", 1)
    if sigma is None:
        sigma = float(rng.uniform(0.0, 5.0))
        sigma = sigma if sigma > 0 else 5.0  # U(0, 5] excludes 0
    else:
        sigma = float(sigma)  # used as given; exchangeable_covariance rejects sigma < 0
    rho = float(rng.uniform(-1.0 / (dim - 1), 1.0)) if rho is None else float(rho)
    mu = _mu(rng, n_patterns, dim)
    cov = exchangeable_covariance(dim, sigma, rho)
    if ensemble is None:
        n = int(rng.integers(1, 17)) if n is None else check_integer(n, "n", 1)
        ensemble = paper_fig3_ensemble(n, dim)
    meta = {"generator": "set1", "n_patterns": n_patterns, "dim": dim, "sigma": sigma, "rho": rho,
            "n": int(len(ensemble)), "pattern": int(pattern)}
    return validate_case(mu, cov, ensemble, pattern, meta=meta, check_covariance=False)


def _random_set_draws(seed: Any, dim: Any, n_patterns: int | None, n: int | None):
    """The draws sets 2 and 3 share, in this order: ``N ~ U{2…50}``, ``n ~ U{1…20}``,
    target ``l ~ U{0…N-1}``, ``mu_k ~ U(-1, 1)^d`` (values given are used instead)."""
    rng = as_generator(seed)
    dim = check_integer(dim, "dim", 2)
    n_patterns = int(rng.integers(2, 51)) if n_patterns is None else check_integer(n_patterns, "n_patterns", 1)
    n = int(rng.integers(1, 21)) if n is None else check_integer(n, "n", 1)
    pattern = int(rng.integers(0, n_patterns))
    return rng, dim, n_patterns, n, pattern, _mu(rng, n_patterns, dim)


def set2_case(seed: Any, *, dim: int = 20, n_patterns: int | None = None, n: int | None = None) -> Case:
    """A case of simulation set 2 (shared, non-exchangeable covariance; paper §5.1).

    ``N ~ U{2…50}``, ``n ~ U{1…20}`` random distinct connections, random target;
    ``Sigma = exchangeable(sigma, rho) + A^T A / d`` with ``sigma = |Normal(0, 1)|``,
    ``rho ~ U(-1/(d-1), 1)`` and ``A`` a ``d x d`` matrix of ``Normal(0, 1)`` entries.
    """
    rng, dim, n_patterns, n, pattern, mu = _random_set_draws(seed, dim, n_patterns, n)
    sigma = abs(float(rng.standard_normal()))
    rho = float(rng.uniform(-1.0 / (dim - 1), 1.0))
    a = rng.standard_normal((dim, dim))
    cov = exchangeable_covariance(dim, sigma, rho) + a.T @ a / dim
    ensemble = random_ensemble(dim, n, rng)
    meta = {"generator": "set2", "n_patterns": n_patterns, "dim": dim, "sigma": sigma, "rho": rho,
            "n": n, "pattern": pattern}
    return validate_case(mu, cov, ensemble, pattern, meta=meta, check_covariance=False)


def set3_case(seed: Any, *, dim: int = 20, n_patterns: int | None = None, n: int | None = None) -> Case:
    """A case of simulation set 3 (a covariance per pattern; paper §5.1).

    As set 2, but ``Sigma_k = Q diag(lambda) Q^T + c 1 1^T`` for each pattern, with
    ``Q`` from the QR factorisation of a ``Normal(0, 1)`` matrix,
    ``lambda_i = |Normal(0.01, 1.2)|`` and ``c ~ U(0, 1.44)``.
    """
    rng, dim, n_patterns, n, pattern, mu = _random_set_draws(seed, dim, n_patterns, n)
    q, _ = np.linalg.qr(rng.standard_normal((n_patterns, dim, dim)))
    lam = np.abs(rng.normal(0.01, 1.2, size=(n_patterns, dim)))
    c = rng.uniform(0.0, 1.44, size=n_patterns)
    cov = (q * lam[:, None, :]) @ np.swapaxes(q, 1, 2) + c[:, None, None]
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    ensemble = random_ensemble(dim, n, rng)
    meta = {"generator": "set3", "n_patterns": n_patterns, "dim": dim, "n": n, "pattern": pattern}
    return validate_case(mu, cov, ensemble, pattern, meta=meta, check_covariance=False)


SET_GENERATORS = {"set1": set1_case, "set2": set2_case, "set3": set3_case}


def generate_set(name: str, n_cases: int, seed: Any, start: int = 0, **params: Any) -> list[Case]:
    """Cases ``start … start + n_cases - 1`` of simulation set ``name``.

    Case ``t`` is drawn from the ``t``-th child of ``SeedSequence(seed)``, so any
    slice of the sequence is reproducible on its own (chunking does not change it).
    Each case's ``meta`` records ``seed`` and ``index``.
    """
    if name not in SET_GENERATORS:
        raise ValueError(f"name must be one of {sorted(SET_GENERATORS)}, got {name!r}")
    n_cases = check_integer(n_cases, "n_cases", 0)
    start = check_integer(start, "start", 0)
    if isinstance(seed, np.random.Generator) or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int for a reproducible case sequence, got {seed!r}")
    gen = SET_GENERATORS[name]
    out = []
    for t in range(start, start + n_cases):
        child = np.random.SeedSequence(int(seed), spawn_key=(t,))  # == SeedSequence(seed).spawn(...)[t]
        case = gen(np.random.default_rng(child), **params)
        case.meta.update({"seed": int(seed), "index": t})
        out.append(case)
    return out
