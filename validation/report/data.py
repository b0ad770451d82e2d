"""``ReportData``: everything one run of ``synmi report`` measured, in one object.

:func:`validation.report.build.build_report` runs the steps of
:data:`validation.report.steps.STEPS`, and the last of them gathers their
outputs here; the figures (:mod:`validation.report.figures`) and every section of ``report.md``
(:mod:`validation.report.writer`) read from it and from nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..engine.claims import ClaimResult
from .tiers import ReportConfig

__all__ = ["ReportData", "TruthEvidence"]


@dataclass(frozen=True)
class TruthEvidence:
    """How the report's truths were obtained and checked (docs/theory.md §§8-10, 13).

    Attributes
    ----------
    table : dict
        Counts of the truth table: cases, reused, computed, recomputed sample, reproduced.
    reproduction : pandas.DataFrame
        Reused truths recomputed with another seed (:func:`validation.engine.truth_table.reproduction_check`).
    cross_checks : pandas.DataFrame
        Independent checks of resolved ensemble truths.
    exact_checks : pandas.DataFrame
        The 1-D spacing estimator against exact single-connection values.
    ksg : pandas.DataFrame
        KSG against resolved truths: its measured bias.
    coverage, error_by_n : list of dict
        Per ensemble size of the random set-2/3 draws: resolved truths (infinite
        ones included, and counted apart); the approximation's error against
        the finite ones, and how often it is right on the infinite ones.
    slopes : dict
        ``slope_N``, ``slope_n`` and ``synergy``, truth against approximation
        (:func:`validation.engine.truth_analysis.truth_slopes`).
    """

    table: dict[str, Any]
    reproduction: pd.DataFrame
    cross_checks: pd.DataFrame
    exact_checks: pd.DataFrame
    ksg: pd.DataFrame
    coverage: list
    error_by_n: list
    slopes: dict[str, Any]


@dataclass(frozen=True)
class ReportData:
    """The measurements, verdicts and metadata of one report.

    Attributes
    ----------
    config : ReportConfig
        The tier's sizes and seeds.
    approximations : tuple of str
        The approximations under test as ``package.module:function``; the first
        is the one the comparisons, claims, laws and figures are about.
    approximation_name : str
        ``module:qualname`` of the first approximation as loaded (the
        ``approximation`` column of ``results``).
    approximation_is_fw : bool
        Whether the first approximation is the paper's FW formula,
        :func:`analytic.mutual_information` (docs/theory.md §3).
    results : pandas.DataFrame
        One row per Monte Carlo comparison (columns of
        :data:`validation.engine.comparison.ROW_COLUMNS`).
    set_tables : dict of str to pandas.DataFrame
        FW information of the random cases of sets 1-3 (docs/theory.md §6).
    census : dict
        Validity census per set (:func:`validation.engine.paper.census`).
    regressions : dict
        The paper's regressions regenerated (:func:`validation.engine.paper.paper_regressions`).
    fig4 : dict
        Per-connection information of set 3 (:func:`validation.engine.paper.per_connection_information`).
    calibration : pandas.DataFrame
        Bias and spread of each truth estimator on Gaussian cases.
    claims : dict of str to ClaimResult
        Verdicts on the claims of docs/theory.md §5, in the order of their titles.
    truth : TruthEvidence
        How the truths were obtained and checked, and the analysis over the paper's range of ``n``.
    law_rates : pandas.DataFrame
        Violation rates of the laws of true information (docs/theory.md §12).
    counterexamples : dict of str to str
        One minimal counterexample (or a line saying none was found) per law.
    summary : dict
        The numbers written to ``summary.json``.
    provenance : dict
        Versions, platform and configuration written to ``provenance.json``.
    timings : dict of str to float
        Wall seconds of each finished step.
    leaderboard : list of dict
        Every approximation scored against the resolved truths (:func:`validation.engine.leaderboard.leaderboard`).
    leaderboard_cases : pandas.DataFrame
        One row per (approximation, case) behind the leaderboard.
    verdict_shift : dict
        Each verdict on the previous resolved subset and on the new truth bank
        (:func:`validation.engine.verdict_shift.verdict_shift`; empty when not computed).
    extras : dict
        Every output of the steps that is not a field above, by name (the
        truth rows, the cases, and a new step's data for its own section of
        ``report.md``).
    figures : dict of str to (str, str)
        ``{key: (file name, caption)}`` of the drawn figures (empty until drawn).
    """

    config: ReportConfig
    approximations: tuple[str, ...]
    approximation_name: str
    approximation_is_fw: bool
    results: pd.DataFrame
    set_tables: dict[str, pd.DataFrame]
    census: dict[str, dict[str, Any]]
    regressions: dict[str, Any]
    fig4: dict[str, Any]
    calibration: pd.DataFrame
    claims: dict[str, ClaimResult]
    truth: "TruthEvidence"
    law_rates: pd.DataFrame
    counterexamples: dict[str, str]
    summary: dict[str, Any]
    provenance: dict[str, Any]
    timings: dict[str, float]
    leaderboard: list = field(default_factory=list)
    leaderboard_cases: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict_shift: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def approximation(self) -> str:
        """The approximation the report is about (the first of :attr:`approximations`)."""
        return self.approximations[0]

    @property
    def approximation_label(self) -> str:
        """How the text and figures name its value: ``I_FW`` for the paper's formula, else ``I_approx``."""
        return "I_FW" if self.approximation_is_fw else "I_approx"
