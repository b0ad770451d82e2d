"""Input validation and the pattern-set container shared by ``analytic`` and ``empirical``.

Every public entry point of synmi funnels its ``(mu, sigma, ensemble, pattern)``
arguments through :func:`validate_case`, so that bad input raises a
``ValueError`` naming the offending argument instead of a silent NaN or a crash
deep inside numpy.  The model is docs/theory.md §1:
``ln x_k ~ Normal(mu_k, Sigma_k)``, ``k = 0 … N-1``, each ``d``-dimensional, and
an ensemble of ``n`` distinct unordered connections ``(i, j)``, ``i != j``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "validate_case", "validate_ensemble", "validate_pattern", "as_generator", "is_integer",
           "check_integer", "LOG_FLOAT_MAX"]

#: relative tolerance for the symmetry of ``Sigma_k``
SYMMETRY_RTOL = 1e-8
#: relative tolerance for positive semi-definiteness of ``Sigma_k``
#: (smallest eigenvalue >= -PSD_RTOL * max(1, largest |eigenvalue|))
PSD_RTOL = 1e-8
#: ``ln`` of the largest float64 (about 709.78): ``exp(t)`` is a finite, nonzero double exactly for
#: ``|t| <= LOG_FLOAT_MAX`` (below ``-708.4`` it is subnormal, still nonzero).  Bounds every ``mu``,
#: every entry of ``Sigma``, every mean log-weight ``mu_k[i] + mu_k[j]`` and every log-weight variance.
LOG_FLOAT_MAX = math.log(float(np.finfo(np.float64).max))


@dataclass(frozen=True)
class Case:
    """A validated pattern set, ensemble and target pattern (docs/theory.md §1).

    Attributes
    ----------
    mu : ndarray, shape (N, d)
        Means of ``ln x_k``.
    sigma : ndarray, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k``; a ``(d, d)`` array is shared by all patterns.
    ensemble : ndarray of int, shape (n, 2)
        Connections ``(i, j)``, 0-based, stored with ``i < j``, in the caller's order.
    pattern : int
        Target pattern ``l`` (0-based).
    meta : dict
        Provenance (generator, seed, parameters); free-form.
    """

    mu: np.ndarray
    sigma: np.ndarray
    ensemble: np.ndarray
    pattern: int
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def n_patterns(self) -> int:
        """``N``, the number of stored patterns."""
        return int(self.mu.shape[0])

    @property
    def dim(self) -> int:
        """``d``, the number of neurons (dimension of a pattern)."""
        return int(self.mu.shape[1])

    @property
    def n_connections(self) -> int:
        """``n``, the ensemble size."""
        return int(self.ensemble.shape[0])

    @property
    def shared_sigma(self) -> bool:
        """True when one ``(d, d)`` covariance is shared by all patterns."""
        return self.sigma.ndim == 2

    def sigma_of(self, k: int) -> np.ndarray:
        """Covariance ``Sigma_k`` of pattern ``k``."""
        return self.sigma if self.shared_sigma else self.sigma[k]

    def sigma_stack(self) -> np.ndarray:
        """All covariances as an ``(N, d, d)`` array (a broadcast view if shared)."""
        if self.shared_sigma:
            return np.broadcast_to(self.sigma, (self.n_patterns,) + self.sigma.shape)
        return self.sigma

    @property
    def neurons(self) -> np.ndarray:
        """``V(S)``, the sorted neurons the ensemble touches."""
        return np.unique(self.ensemble)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (lists), the inverse of ``Case.from_dict``."""
        return {
            "mu": self.mu.tolist(),
            "sigma": self.sigma.tolist(),
            "ensemble": self.ensemble.tolist(),
            "pattern": int(self.pattern),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Case":
        """Build and validate a case from a mapping with keys ``mu``, ``sigma``,
        ``ensemble``, ``pattern`` and optionally ``meta``."""
        if not isinstance(data, dict):
            raise ValueError(f"case: expected a mapping, got {type(data).__name__}")
        missing = [k for k in ("mu", "sigma", "ensemble", "pattern") if k not in data]
        if missing:
            raise ValueError(f"case: missing key(s) {', '.join(missing)}")
        unknown = sorted(set(data) - {"mu", "sigma", "ensemble", "pattern", "meta"})
        if unknown:
            raise ValueError(f"case: unknown key(s) {', '.join(unknown)}")
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise ValueError(f"case: meta must be a mapping (a table), got {type(meta).__name__}")
        return validate_case(data["mu"], data["sigma"], data["ensemble"], data["pattern"], meta=meta)


def is_integer(value: Any) -> bool:
    """True for a Python or numpy integer; ``bool`` and ``numpy.bool_`` are not integers here."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_integer(value: Any, name: str, minimum: int | None = None, *, reason: str = "") -> int:
    """``value`` as a Python ``int`` of at least ``minimum``: the one integer-argument check of synmi.

    Parameters
    ----------
    value : Any
        The argument to check.
    name : str
        The argument's name, for the message.
    minimum : int, optional
        Smallest allowed value (no bound when ``None``).
    reason : str, optional
        Why the bound is what it is, appended to the message in parentheses.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        ``"<name> must be an integer, got <value!r>"`` for a non-integer
        (including ``bool``), ``"<name> must be >= <minimum>, got <value>"``
        below the bound.
    """
    if not is_integer(value):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}" + (f" ({reason})" if reason else ""))
    return value


def validate_pattern(pattern: Any, n_patterns: int) -> int:
    """Check that ``pattern`` is an integer index in ``[0, N)``."""
    if not is_integer(pattern):
        raise ValueError(f"pattern must be an integer index, got {pattern!r}")
    p = int(pattern)
    if not 0 <= p < n_patterns:
        raise ValueError(f"pattern index {p} out of range for N = {n_patterns} patterns (0-based)")
    return p


def validate_ensemble(ensemble: Any, dim: int) -> np.ndarray:
    """Check an ensemble of distinct unordered connections on ``dim`` neurons.

    Returns an ``(n, 2)`` int array with ``i < j`` in each row, in the given order.
    Raises ``ValueError`` (naming ``ensemble``) for an empty ensemble, non-integer
    or out-of-range indices, self-connections and duplicates (``(i, j)`` and
    ``(j, i)`` are the same connection).
    """
    if isinstance(ensemble, np.ndarray):
        raw = ensemble
    else:
        try:
            items = list(ensemble)
        except TypeError:
            raise ValueError(f"ensemble must be a sequence of (i, j) pairs, got {type(ensemble).__name__}") from None
        if len(items) == 0:
            raise ValueError("ensemble must contain at least one connection")
        for t, pair in enumerate(items):
            try:
                ok = len(pair) == 2
            except TypeError:
                ok = False
            if not ok:
                raise ValueError(f"ensemble[{t}] must be an (i, j) pair, got {pair!r}")
            for v in pair:
                if not is_integer(v):
                    raise ValueError(f"ensemble[{t}] has a non-integer neuron index {v!r}")
        try:
            raw = np.asarray(items, dtype=np.int64)
        except OverflowError:  # an index beyond int64 is out of range whatever d is
            bad = next(v for pair in items for v in pair if not -2**63 <= int(v) < 2**63)
            raise ValueError(f"ensemble has neuron index {int(bad)} out of range for d = {dim} neurons "
                             "(0-based)") from None
    if raw.ndim != 2 or raw.shape[1] != 2:
        raise ValueError(f"ensemble must have shape (n, 2), got {raw.shape}")
    if raw.shape[0] == 0:
        raise ValueError("ensemble must contain at least one connection")
    if not np.issubdtype(raw.dtype, np.integer):
        raise ValueError(f"ensemble must hold integer neuron indices, got dtype {raw.dtype}")
    arr = raw.astype(np.int64)
    if arr.min() < 0 or arr.max() >= dim:
        bad = arr[(arr < 0) | (arr >= dim)][0]
        raise ValueError(f"ensemble has neuron index {bad} out of range for d = {dim} neurons (0-based)")
    if np.any(arr[:, 0] == arr[:, 1]):
        t = int(np.flatnonzero(arr[:, 0] == arr[:, 1])[0])
        raise ValueError(f"ensemble[{t}] = {tuple(arr[t])} is a self-connection (i == j); the network has none")
    ordered = np.sort(arr, axis=1)
    code = np.sort(ordered[:, 0] * dim + ordered[:, 1])
    repeated = code[1:][code[1:] == code[:-1]]
    if repeated.size:
        dup = divmod(int(repeated[0]), dim)
        raise ValueError(f"ensemble lists connection {tuple(int(v) for v in dup)} more than once "
                         "((i, j) and (j, i) are the same connection)")
    return ordered


def _as_float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a finite float64 array; text, booleans and complex numbers are not numbers here
    (numpy would parse ``"1.5"``, turn ``True`` into 1 and drop an imaginary part with only a warning)."""
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iufO":
            raise TypeError(f"got {'booleans' if raw.dtype.kind == 'b' else f'dtype {raw.dtype}'}")
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return arr


def _check_magnitudes(mu: np.ndarray, sigma: np.ndarray) -> None:
    """Every ``mu`` and every entry of ``Sigma`` within ``LOG_FLOAT_MAX``, before any arithmetic on them.

    ``x_k[i] = exp(ln x_k[i])`` has median ``exp(mu_k[i])`` and second moment over squared mean
    ``exp(Sigma_k[i, i])``; beyond ``LOG_FLOAT_MAX`` either overflows a double (docs/theory.md §1).
    """
    big = np.abs(mu)
    if big.max() > LOG_FLOAT_MAX:
        k, i = np.unravel_index(int(np.argmax(big)), mu.shape)
        raise ValueError(f"mu[{k}, {i}] = {mu[k, i]:.6g} is beyond what float64 can hold: the pattern value "
                         f"x = exp(mu) needs |mu| <= {LOG_FLOAT_MAX:.2f} (the information does not change when "
                         "the same constant is subtracted from every mu)")
    big = np.abs(sigma)
    if big.max() > LOG_FLOAT_MAX:
        where = np.unravel_index(int(np.argmax(big)), sigma.shape)
        raise ValueError(f"sigma{list(map(int, where))} = {sigma[where]:.6g} is beyond what float64 can hold: "
                         f"variances and covariances of ln x must stay within {LOG_FLOAT_MAX:.2f} in magnitude "
                         "(exp(Sigma[i, i]) is the ratio E[x^2] / E[x]^2)")


def _check_log_weights(mu: np.ndarray, sigma: np.ndarray) -> None:
    """The log-weights ``ln z_k[a] = ln x_k[i] + ln x_k[j]`` of every connection ``i != j`` in range.

    ``ln z_k[a] ~ Normal(mu_k[i] + mu_k[j], v)``, ``v = Sigma_ii + Sigma_jj + 2 Sigma_ij``
    (docs/theory.md §§1-3): the median weight is ``exp(mu_k[i] + mu_k[j])`` and the moment ratio
    ``E[z^2] / E[z]^2 = exp(v)``.  Both must be doubles, so ``|mu_k[i] + mu_k[j]|`` and ``v`` must not
    exceed ``LOG_FLOAT_MAX``: a weight that overflows double precision is an input error, not a
    result.  Checked over all connections (the weight matrix has them all), whatever the ensemble.
    Assumes :func:`_check_magnitudes` passed (no overflow in the sums).
    """
    ordered = np.sort(mu, axis=1)
    extremes = np.stack([ordered[:, -1] + ordered[:, -2], ordered[:, 0] + ordered[:, 1]], axis=1)
    k, side = (int(v) for v in np.unravel_index(int(np.argmax(np.abs(extremes))), extremes.shape))
    if abs(extremes[k, side]) > LOG_FLOAT_MAX:
        order = np.argsort(mu[k])
        i, j = sorted(int(v) for v in (order[-2:] if side == 0 else order[:2]))
        raise ValueError(f"mu: pattern {k}'s mean log-weight mu[{k}, {i}] + mu[{k}, {j}] = {extremes[k, side]:.6g} "
                         f"on connection ({i}, {j}) is beyond what float64 can hold: a weight exp(ln z) needs "
                         f"|ln z| <= {LOG_FLOAT_MAX:.2f} (the information does not change when the same constant "
                         "is subtracted from every mu)")
    stack = sigma if sigma.ndim == 3 else sigma[None]
    diag = np.diagonal(stack, axis1=1, axis2=2)
    var = diag[:, :, None] + diag[:, None, :] + 2.0 * stack
    dim = var.shape[-1]
    var[:, np.arange(dim), np.arange(dim)] = -np.inf  # no self-connections
    k, a, b = (int(v) for v in np.unravel_index(int(np.argmax(var)), var.shape))
    if var[k, a, b] > LOG_FLOAT_MAX:
        where = f"sigma[{k}]" if sigma.ndim == 3 else "sigma"
        i, j = min(a, b), max(a, b)
        raise ValueError(f"{where}: the log-weight variance Sigma[{i}, {i}] + Sigma[{j}, {j}] + 2 Sigma[{i}, {j}] = "
                         f"{var[k, a, b]:.6g} on connection ({i}, {j}) is beyond what float64 can hold: the weight's "
                         f"E[z^2] / E[z]^2 = exp(variance) needs a variance <= {LOG_FLOAT_MAX:.2f}")


def _check_covariances(sigma: np.ndarray) -> None:
    """Symmetry and positive semi-definiteness of every ``Sigma_k``.

    PSD test: ``Sigma_k + tol I`` must admit a Cholesky factor, with
    ``tol = PSD_RTOL * max(1, max |Sigma_k|)`` (a batched Cholesky is several times
    cheaper than an eigen-decomposition); only on failure are the eigenvalues
    computed, to name the offending matrix and its smallest eigenvalue.
    """
    stack = sigma if sigma.ndim == 3 else sigma[None]
    scale = np.maximum(1.0, np.abs(stack).max(axis=(1, 2)))
    asym = np.abs(stack - np.swapaxes(stack, 1, 2)).max(axis=(1, 2))
    bad = np.flatnonzero(asym > SYMMETRY_RTOL * scale)
    if bad.size:
        k = int(bad[0])
        where = f"sigma[{k}]" if sigma.ndim == 3 else "sigma"
        raise ValueError(f"{where} is not symmetric (max |S - S^T| = {asym[k]:.3g})")
    dim = stack.shape[-1]
    shifted = stack + (PSD_RTOL * dim * scale)[:, None, None] * np.eye(dim)
    try:
        np.linalg.cholesky(shifted)
        return
    except np.linalg.LinAlgError:
        pass
    eig = np.linalg.eigvalsh(stack)
    tol = PSD_RTOL * dim * scale
    bad = np.flatnonzero(eig[:, 0] < -tol)
    k = int(bad[0]) if bad.size else int(np.argmin(eig[:, 0]))
    where = f"sigma[{k}]" if sigma.ndim == 3 else "sigma"
    raise ValueError(f"{where} is not positive semi-definite (smallest eigenvalue {eig[k, 0]:.3g})")


def validate_case(mu: Any, sigma: Any, ensemble: Any, pattern: Any, *, meta: dict | None = None,
                  check_covariance: bool = True) -> Case:
    """Validate the arguments of every synmi entry point (docs/theory.md §1).

    Parameters
    ----------
    mu : array_like, shape (N, d)
        Means of ``ln x_k``.
    sigma : array_like, shape (N, d, d) or (d, d)
        Covariances of ``ln x_k``, symmetric positive semi-definite.
    ensemble : sequence of (i, j)
        Distinct connections, 0-based, ``i != j``.
    pattern : int
        Target pattern ``l``, 0-based.
    meta : dict, optional
        Provenance stored on the returned :class:`Case`.
    check_covariance : bool
        Check symmetry and positive semi-definiteness (an eigen-decomposition of
        every ``Sigma_k``); generators that build valid matrices may skip it.
        The range checks below are always made.

    Notes
    -----
    Besides shapes and finiteness, the values must fit a double (docs/theory.md §1):
    ``|mu| <= LOG_FLOAT_MAX`` (about 709.78) and every entry of ``Sigma`` likewise; every
    mean log-weight ``|mu_k[i] + mu_k[j]|`` and every log-weight variance
    ``Sigma_ii + Sigma_jj + 2 Sigma_ij`` (``i != j``) at most ``LOG_FLOAT_MAX``.  A weight
    that overflows double precision is an input error, not a result; a common shift of all
    ``mu`` leaves the information unchanged, so large means can be centred first.

    Returns
    -------
    Case

    Raises
    ------
    ValueError
        Naming the offending argument.
    """
    mu_arr = _as_float_array(mu, "mu")
    if mu_arr.ndim != 2:
        raise ValueError(f"mu must have shape (N, d), got shape {mu_arr.shape}")
    n_patterns, dim = mu_arr.shape
    if n_patterns < 1:
        raise ValueError("mu must hold at least one pattern (N >= 1)")
    if dim < 2:
        raise ValueError(f"mu: patterns must have d >= 2 components to form a connection, got d = {dim}")
    sigma_arr = _as_float_array(sigma, "sigma")
    if sigma_arr.ndim == 2:
        if sigma_arr.shape != (dim, dim):
            raise ValueError(f"sigma must have shape (d, d) = ({dim}, {dim}) or (N, d, d), got {sigma_arr.shape}")
    elif sigma_arr.ndim == 3:
        if sigma_arr.shape != (n_patterns, dim, dim):
            raise ValueError(f"sigma must have shape (N, d, d) = ({n_patterns}, {dim}, {dim}) or (d, d), "
                             f"got {sigma_arr.shape}")
    else:
        raise ValueError(f"sigma must have shape (N, d, d) or (d, d), got {sigma_arr.shape}")
    _check_magnitudes(mu_arr, sigma_arr)
    if check_covariance:
        _check_covariances(sigma_arr)
    _check_log_weights(mu_arr, sigma_arr)
    ens = validate_ensemble(ensemble, dim)
    p = validate_pattern(pattern, n_patterns)
    return Case(mu=mu_arr, sigma=sigma_arr, ensemble=ens, pattern=p, meta=dict(meta or {}))


def as_generator(seed: Any) -> np.random.Generator:
    """``numpy.random.Generator`` from an int, a ``SeedSequence`` or a Generator.

    Raises ``ValueError`` (naming ``seed``) for anything else, including ``None``:
    synmi's random functions are reproducible by construction.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if is_integer(seed) and int(seed) >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"seed must be a non-negative int, a SeedSequence or a numpy Generator, got {seed!r}")
