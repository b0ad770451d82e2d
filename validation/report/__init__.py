"""``synmi report``: the error-analysis report (data, figures, writing).

Modules
-------
tiers
    Sizes of the ``quick`` and ``full`` runs and the Monte Carlo cases they imply.
steps
    The report as an ordered list of named steps (``STEPS``), one small module each.
build
    Checks the run's arguments, runs ``STEPS`` in order and times them.
truth_steps
    The truth table's reuse and re-check, the cross-checks, the estimators' record.
data
    ``ReportData``: everything one run measured, read by the figures and the writer.
figures
    One function per figure.
writer
    One function per section of ``report.md`` and the ordered list ``SECTIONS``.
"""

from .build import ReportConfig, build_report, suite_config, tier_cases

__all__ = ["ReportConfig", "build_report", "suite_config", "tier_cases"]
