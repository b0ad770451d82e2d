"""One BLAS thread for the many small products of the quadratures and samplers.

OpenBLAS' threading slows products of a few hundred elements down by an order
of magnitude on a loaded machine, so the exact quadrature (docs/theory.md §8),
the normal-score copula (§11.5) and the samplers run with BLAS on one thread.
:func:`threadpoolctl.threadpool_limits` rescans the process's loaded libraries
on every call (1.5 ms idle, 5 ms on a busy machine: a quarter of a 20 ms
approximation); one :class:`threadpoolctl.ThreadpoolController`, made on first
use, does that once.
"""

from __future__ import annotations

import functools
from typing import Any

from threadpoolctl import ThreadpoolController

__all__ = ["single_blas_thread"]


@functools.cache
def _controller() -> ThreadpoolController:
    import scipy.linalg  # noqa: F401  (loads scipy's own BLAS, so that the scan finds it too)

    return ThreadpoolController()


def single_blas_thread() -> Any:
    """Context manager: BLAS on one thread inside the ``with`` block, the previous settings restored after."""
    return _controller().limit(limits=1, user_api="blas")
