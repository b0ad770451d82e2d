"""Argument checks and seed handling shared by the ``empirical`` modules.

Every public function of :mod:`empirical` raises ``ValueError`` naming the
offending argument (the convention of :mod:`analytic.inputs`), and every random
function derives all of its randomness from one :class:`numpy.random.SeedSequence`
so that its numbers depend on ``seed`` only (never on chunking or job counts).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..analytic.inputs import as_generator, check_integer, is_integer

#: ``check_int(value, name, minimum)``: ``value`` as an ``int >= minimum``, ``ValueError``
#: naming ``name`` otherwise (synmi's one integer check, :func:`analytic.inputs.check_integer`)
check_int = check_integer


def check_jobs(value: Any, name: str = "n_jobs") -> int:
    """Number of threads: a positive int, or ``-1`` for every CPU of the machine."""
    if is_integer(value) and int(value) == -1:
        return max(1, os.cpu_count() or 1)
    return check_integer(value, name, 1)


def as_samples(x: Any, name: str) -> np.ndarray:
    """A sample array as C-contiguous float64 of shape ``(M, D)``.

    A 1-D array is one coordinate (``D = 1``).  Empty, non-numeric, more than
    two-dimensional or non-finite input raises ``ValueError`` naming ``name``.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (M,) or (M, D), got {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return np.ascontiguousarray(arr)


def check_k(k: Any, n_points: int, name: str = "k") -> int:
    """Neighbour order ``1 <= k < M``."""
    k = check_int(k, name, 1)
    if k >= n_points:
        raise ValueError(f"{name} = {k} needs more than {k} samples, got {n_points}")
    return k


def root_sequence(seed: Any) -> np.random.SeedSequence:
    """The root :class:`~numpy.random.SeedSequence` of a random function's call.

    An int gives ``SeedSequence(seed)`` and a ``SeedSequence`` is used as given
    (both reproducible); a ``Generator`` is advanced by one draw of 4 words that
    seed the root, so repeated calls with the same generator differ, as they
    should.  Anything else raises ``ValueError`` through
    :func:`analytic.inputs.as_generator`.
    """
    gen = as_generator(seed)  # validates and names `seed`
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        words = gen.integers(0, 2**63, size=4, dtype=np.uint64)
        return np.random.SeedSequence([int(v) for v in words])
    return np.random.SeedSequence(int(seed))


def child(root: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    """Child ``keys`` of ``root`` (what ``root.spawn`` would give, by index, without state)."""
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + tuple(int(k) for k in keys),
                                  pool_size=root.pool_size)


def generator(ss: np.random.SeedSequence) -> np.random.Generator:
    """The bit generator used for all of ``empirical``'s streams (SFC64, ~15% faster
    normal draws than PCG64 here; seeded through ``SeedSequence``)."""
    return np.random.Generator(np.random.SFC64(ss))
