"""synmi: is the Fenton-Wilkinson synaptic-information formula right?

The package has three parts, importable as ``synmi.analytic`` (the closed-form
approximations), ``synmi.empirical`` (exact Monte Carlo of the Hebbian weights
and the true information) and ``synmi.validation`` (comparison engine, report,
command line).  This namespace re-exports the few functions most users call;
``build_report`` is imported on first use (it pulls in matplotlib).
"""

from __future__ import annotations

from typing import Any

from .analytic import fenton_wilkinson_information, mutual_information
from .empirical import estimate_mi, true_information

__all__ = ["mutual_information", "fenton_wilkinson_information", "true_information", "estimate_mi",
           "build_report"]


def __getattr__(name: str) -> Any:
    if name == "build_report":
        from .validation.report import build_report

        return build_report
    raise AttributeError(f"module 'synmi' has no attribute {name!r}")
