"""The steps of ``synmi report``, in order: :data:`STEPS`.

Each step is a small function in its own module, data in and data out
(:class:`~validation.report.steps.base.Step`): it reads the run's settings
(:class:`~validation.report.steps.base.ReportContext`) and the outputs of the
steps before it, writes its own tables, and returns its outputs by name.
:func:`validation.report.build.build_report` checks the list (:func:`check_steps`),
runs it in order, and times each step (``provenance.json``, ``steps_seconds``).

========================  ====================================================================
``sets``                  FW on random cases of sets 1-3: census, the paper's regressions, Fig. 4
``calibration``           each truth estimator on Gaussian data with a known answer
``truths``                every case's truth (committed table, cache, or computed) and the comparisons
``checks``                cross-checks (per ``n``), exact against Monte Carlo, KSG's bias
``claims``                the paper's claims; coverage, error and slopes over n = 1..20
``laws``                  the approximation's violations of the laws of true information
``leaderboard``           every approximation against the same resolved truths
``verdict_shift``         each verdict on the previous resolved subset and on the new bank
``paper``                 every panel of the paper redrawn with the truth, and the erratum table
``figures``               ``summary.json``'s numbers, the figures and ``report.md``
========================  ====================================================================

Adding a step (for example the paper's panels, ``validation/report/paper_panels.py``):

1. write ``run(ctx, data) -> dict`` in its own module, reading only ``ctx`` and
   the outputs it names in ``needs``, writing its tables under ``ctx.tables``
   and its figures under ``ctx.figures``;
2. declare ``STEP = Step("name", "what it does", run, needs=(...), gives=(...))``;
   figures it drew go in its output ``extra_figures`` (``{key: (file name,
   caption)}``) and numbers for ``summary.json`` in ``extra_summary``: both
   are merged across steps; any other output reaches the writer as
   ``ReportData.extras[name]``;
3. insert ``STEP`` in :data:`STEPS` before ``figures`` (after the steps it
   needs: :func:`check_steps` refuses any other order);
4. to show it in ``report.md``, add a section function to
   :data:`validation.report.writer.SECTIONS` that reads ``data.extras`` and
   ``data.figures``.
"""

from __future__ import annotations

from typing import Sequence

from . import calibration, checks, claims, figures_and_writer, laws, leaderboard, paper, sets, truths, verdict_shift
from .base import MERGED_OUTPUTS, ReportContext, Step

__all__ = ["STEPS", "Step", "ReportContext", "check_steps", "MERGED_OUTPUTS"]

#: The report's steps, in the order they run.
STEPS: list[Step] = [
    sets.STEP,
    calibration.STEP,
    truths.STEP,
    checks.STEP,
    claims.STEP,
    laws.STEP,
    leaderboard.STEP,
    verdict_shift.STEP,
    paper.STEP,
    figures_and_writer.STEP,
]


def check_steps(steps: Sequence[Step]) -> None:
    """Refuse a list whose names repeat, or where a step needs an output no earlier step gives.

    Parameters
    ----------
    steps : sequence of Step

    Raises
    ------
    ValueError
        Naming the step and the missing output (or the repeated name, or an
        output given twice that is not one of :data:`MERGED_OUTPUTS`).
    """
    given: set[str] = set()
    names: set[str] = set()
    for step in steps:
        if not isinstance(step, Step):
            raise ValueError(f"steps must be Step objects, got {type(step).__name__}")
        if step.name in names:
            raise ValueError(f"step {step.name!r} appears twice")
        names.add(step.name)
        missing = [k for k in step.needs if k not in given]
        if missing:
            raise ValueError(f"step {step.name!r} needs {', '.join(missing)}, which no earlier step gives")
        twice = [k for k in step.gives if k in given and k not in MERGED_OUTPUTS]
        if twice:
            raise ValueError(f"step {step.name!r} gives {', '.join(twice)} again")
        given.update(step.gives)
