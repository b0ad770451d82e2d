"""Numbers as the report and the claims write them (one place for the formatting rules).

Three significant digits by default; ``n/a`` for NaN, ``inf``/``-inf`` for the
infinities; a p-value that underflows double precision is written ``< 1e-300``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["format_number", "format_p_value", "format_interval"]


def format_number(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits; anything that is not a number as ``str(x)``."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not np.isfinite(v):
        return "inf" if v == np.inf else ("-inf" if v == -np.inf else "n/a")
    return f"{v:.{digits}g}"


def format_p_value(p: Any) -> str:
    """``= p`` (two significant digits), or ``< 1e-300`` for a p-value that underflows to 0."""
    p = float(p)
    return "< 1e-300" if p == 0.0 else f"= {format_number(p, 2)}"


def format_interval(ci: Any, digits: int = 3) -> str:
    """A confidence interval ``(low, high)`` as ``[low, high]``."""
    return f"[{format_number(ci[0], digits)}, {format_number(ci[1], digits)}]"
