"""Numbers as the report and the claims write them (one place for the formatting rules).

Three significant digits by default; ``n/a`` for NaN, ``inf``/``-inf`` for the
infinities; a p-value below :data:`P_VALUE_FLOOR` is written ``< 1e-16``
(docs/theory.md §13: a smaller number would claim a precision the test does not
have).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["P_VALUE_FLOOR", "format_number", "format_p_value", "format_interval"]

#: The smallest p-value written as a number (docs/theory.md §13).  Below it a p-value rests on the far
#: tail of the assumed normal error model, which nothing checks, and it is below the resolution of
#: double precision near 1 (``1 - 1e-16 == 1``): it is written ``< 1e-16``, never as 0 or 1e-300.
P_VALUE_FLOOR = 1e-16


def format_number(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits; anything that is not a number as ``str(x)``."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not np.isfinite(v):
        return "inf" if v == np.inf else ("-inf" if v == -np.inf else "n/a")
    return f"{v:.{digits}g}"


def format_p_value(p: Any, floor: float = P_VALUE_FLOOR) -> str:
    """``= p`` (two significant digits), or ``< floor`` for a p-value below ``floor`` (:data:`P_VALUE_FLOOR`)."""
    p = float(p)
    if np.isfinite(p) and p < floor:
        return f"< {floor:.0e}".replace("e-0", "e-")
    return f"= {format_number(p, 2)}"


def format_interval(ci: Any, digits: int = 3) -> str:
    """A confidence interval ``(low, high)`` as ``[low, high]``."""
    return f"[{format_number(ci[0], digits)}, {format_number(ci[1], digits)}]"
