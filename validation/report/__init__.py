"""``synmi report``: the error-analysis report (data, figures, writing).

Modules
-------
build
    Runs the report's steps and collects the report data.
figures
    One function per figure.
writer
    One function per section of ``report.md``.
"""

from .build import ReportConfig, build_report, suite_config, tier_cases

__all__ = ["ReportConfig", "build_report", "suite_config", "tier_cases"]
