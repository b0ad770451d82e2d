"""Loading the approximation under test (a pluggable callable).

The engine validates any callable ``f(mu, sigma, ensemble, pattern) -> float`` in
nats; by default :func:`analytic.mutual_information`.  A researcher points the
suite at their own with ``pytest validation/ --approximation package.module:function``.
"""

from __future__ import annotations

import importlib
from typing import Callable

Approximation = Callable[..., float]

DEFAULT_APPROXIMATION = "synmi.analytic:mutual_information"


def load_approximation(path: str | None) -> Approximation:
    """Import ``package.module:function`` (or ``package.module.function``) and return it.

    Raises
    ------
    ValueError
        With a one-line message naming ``approximation`` when the module cannot be
        imported, the attribute does not exist or is not callable.
    """
    spec = path or DEFAULT_APPROXIMATION
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"approximation must be 'package.module:function', got {path!r}")
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
    else:
        module_name, _, attr = spec.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"approximation must be 'package.module:function', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"approximation {spec!r}: cannot import module {module_name!r} ({exc})") from None
    target = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ValueError(f"approximation {spec!r}: module {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"approximation {spec!r}: {attr!r} is not callable")
    return target


def approximation_name(func: Approximation) -> str:
    """A stable name for provenance: ``module:qualname``."""
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return f"{module}:{name}"
