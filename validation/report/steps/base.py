"""What every step of ``synmi report`` receives: the run's context, and the contract of a step.

A step is a small function ``run(ctx, data) -> dict``: it reads the
:class:`ReportContext` (the run's settings, read-only) and the outputs of the
steps before it (``data``, by name), writes its own tables under
``ctx.tables``, and returns its outputs by name.  :class:`Step` names the
outputs a step needs and gives, so :func:`validation.report.build.build_report`
can check the order of :data:`validation.report.steps.STEPS` before anything
runs, time each step, and record the times in ``provenance.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ...engine.approximations import Approximation
from ..tiers import ReportConfig

__all__ = ["ReportContext", "Step", "StepRun", "MERGED_OUTPUTS"]

#: outputs that several steps may give: each step's dict is merged into the ones before it.
#: ``extra_figures``: ``{key: (file name, caption)}`` of figures a step drew into ``ctx.figures``
#: (shown by a section of :data:`validation.report.writer.SECTIONS` through ``data.figures[key]``);
#: ``extra_summary``: entries added to ``summary.json``.
MERGED_OUTPUTS = ("extra_figures", "extra_summary")


@dataclass(frozen=True)
class ReportContext:
    """The settings of one run of ``synmi report``, shared read-only by every step.

    Attributes
    ----------
    out : pathlib.Path
        The report folder; ``tables`` and ``figures`` are inside it.
    config : ReportConfig
        The tier's sizes and seeds (:mod:`validation.report.tiers`).
    specs : tuple of str
        The approximations as ``package.module:function``; the first is under test.
    approximations : list of callable
        The same, imported.
    names : list of str
        Their short names on the leaderboard (the registry's name of a shipped one, else the path).
    approximation_name : str
        ``module:qualname`` of the approximation under test as loaded.
    is_fw : bool
        Whether it is the paper's FW formula (docs/theory.md §3).
    n_jobs : int
        Local worker processes (validated: positive, or -1 for every CPU).
    scheduler : str or None
        dask.distributed scheduler address or ``"local"``.
    cache : pathlib.Path
        Finished Monte Carlo cases of earlier runs.
    truth_table : pathlib.Path or None
        Committed truths to reuse, instead of ``tables/truths.csv.gz`` of ``out``.
    recompute_truths : bool
        Ignore stored truths.
    timings : dict of str to float
        Wall seconds of the finished steps (filled by ``build_report`` as they finish).
    """

    out: Path
    config: ReportConfig
    specs: tuple[str, ...]
    approximations: list[Approximation]
    names: list[str]
    approximation_name: str
    is_fw: bool
    n_jobs: int
    scheduler: str | None
    cache: Path
    truth_table: Path | None = None
    recompute_truths: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def tables(self) -> Path:
        """``out/tables``."""
        return self.out / "tables"

    @property
    def figures(self) -> Path:
        """``out/figures``."""
        return self.out / "figures"

    @property
    def approximation(self) -> Approximation:
        """The approximation under test (the first)."""
        return self.approximations[0]

    @property
    def local_jobs(self) -> int:
        """Worker processes for the steps that parallelise with joblib only (1 under a dask scheduler)."""
        return self.n_jobs if self.scheduler is None else 1


#: the function of a step
StepRun = Callable[[ReportContext, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One named step of the report.

    Attributes
    ----------
    name : str
        Short name (the first word of its line in ``provenance.json`` and in the report's wall times).
    title : str
        What it does, in a few words.
    run : callable
        ``run(ctx, data) -> dict``: ``data`` holds the outputs of the steps before it.
    needs : tuple of str
        Outputs of earlier steps it reads.
    gives : tuple of str
        The keys of the dict it returns.
    """

    name: str
    title: str
    run: StepRun
    needs: tuple[str, ...] = ()
    gives: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``"name: title"``, its key in ``provenance.json``'s ``steps_seconds``."""
        return f"{self.name}: {self.title}"
