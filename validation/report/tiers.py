"""Report tiers: the sizes of one run of ``synmi report`` and the Monte Carlo cases they imply.

``quick`` (a few minutes, for a smoke run and CI) and ``full`` (the committed
report).  The report and ``pytest validation/`` take their cases from
:func:`tier_cases`, so they share cached truths.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.comparison import EstimationConfig
from ..engine.paper_panels import PANEL_N_VALUES, PANEL_RHOS, PANEL_SIGMAS, panel_cases
from ..engine.sweeps import SweepSpec, build_draws_by_n, build_set_draws, build_sweep

__all__ = ["ReportConfig", "TIERS", "suite_config", "sweep_specs", "tier_cases"]


@dataclass(frozen=True)
class ReportConfig:
    """Sizes of one report tier.

    ``draws`` maps each sweep to its number of independent draws of the means
    (and ensemble) per grid point; ``law_cases`` is the number of random cases
    per set on which the laws of true information are checked (docs/theory.md §12);
    ``cross_check_cases``, ``exact_check_cases`` and ``ksg_cases`` how many truths
    the report checks independently (docs/theory.md §§10, 8, 9);
    ``cross_checks_per_n``, when set, replaces ``cross_check_cases`` by that many
    resolved ensemble truths at every ensemble size (all where fewer), so that
    every ``n`` of the paper's range is checked; ``panel_n_values``,
    ``panel_sigmas`` and ``panel_rhos`` the grid of the paper's Figs. 3A/3B
    whose truths the tier computes (:func:`validation.engine.paper_panels.panel_cases`;
    empty ``panel_n_values``: none, the panels are then not testable).
    """

    name: str
    set_cases: int
    estimation: EstimationConfig
    draws: dict
    scale_values: tuple
    n_values: tuple
    N_values: tuple
    mu_values: tuple
    rho_values: tuple
    base_scale: float
    set_draws: int
    truth_n_values: tuple
    truth_draws_per_n: int
    calibration_samples: tuple
    calibration_dims: tuple
    calibration_replicates: int
    law_cases: int
    cross_check_cases: int = 40
    exact_check_cases: int = 8
    ksg_cases: int = 8
    ksg_samples: int = 20_000
    leaderboard_law_cases: int = 10
    cross_checks_per_n: int | None = None
    panel_n_values: tuple = ()
    panel_sigmas: tuple = PANEL_SIGMAS
    panel_rhos: tuple = PANEL_RHOS
    seed: int = 20261124


TIERS: dict[str, ReportConfig] = {
    "quick": ReportConfig(
        name="quick", set_cases=1000,
        estimation=EstimationConfig(ladder=(625, 2_500, 10_000), max_samples=10_000, max_samples_tree=40_000,
                                    replicates=4, max_replicates=8, gaussian_samples=80_000, cross_check="none"),
        draws={"scale_n1": 2, "scale_n3": 1, "scale_n3_rho": 1, "n": 1, "N": 2, "mu_range": 2, "rho": 2},
        scale_values=(0.01, 0.05, 0.2, 1.0, 4.0, 16.0), n_values=(1, 2, 3, 4, 6, 8), N_values=(2, 5, 20, 50),
        mu_values=(0.0, 1.0, 3.0), rho_values=(0.0, 0.25, 0.5, 0.75, 0.95), base_scale=1.0, set_draws=2,
        truth_n_values=(1, 2, 3, 4, 6, 8, 12, 20), truth_draws_per_n=2,
        calibration_samples=(5_000,), calibration_dims=(1, 2, 4), calibration_replicates=3, law_cases=300,
        cross_check_cases=4, exact_check_cases=2, ksg_cases=2, ksg_samples=5_000,
        leaderboard_law_cases=3, panel_n_values=(1, 2), panel_sigmas=(1.0, 3.0), panel_rhos=(0.0, 0.6)),
    "full": ReportConfig(
        name="full", set_cases=5000,
        estimation=EstimationConfig(ladder=(625, 2_500, 10_000), max_samples=40_000, max_samples_tree=160_000,
                                    replicates=5, max_replicates=20, gaussian_samples=200_000, cross_check="none"),
        draws={"scale_n1": 3, "scale_n3": 2, "scale_n3_rho": 1, "n": 2, "N": 3, "mu_range": 3, "rho": 3},
        scale_values=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
        n_values=(1, 2, 3, 4, 6, 8, 12, 16, 20), N_values=(2, 3, 5, 10, 20, 50), mu_values=(0.0, 0.5, 1.0, 2.0, 4.0),
        rho_values=(-0.05, 0.0, 0.25, 0.5, 0.75, 0.95), base_scale=1.0, set_draws=6,
        truth_n_values=tuple(range(1, 21)), truth_draws_per_n=12,
        calibration_samples=(10_000, 50_000), calibration_dims=(1, 2, 4, 8), calibration_replicates=5,
        law_cases=2000, cross_checks_per_n=5, panel_n_values=PANEL_N_VALUES),
}


def sweep_specs(cfg: ReportConfig) -> list[SweepSpec]:
    """The one-axis sweeps of a tier (docs/theory.md §5); base point ``d = 20``, ``N = 10``,
    ``lambda_max = base_scale``, ``rho = 0``, ``mu ~ U(-1, 1)``, target pattern 0; the
    ``n = 3`` scale sweeps use chain ensembles (connections sharing neurons), one with
    independent neurons and one with ``rho = 0.5`` and ``N = 3``, where ``Sigma_w`` has
    large off-diagonal entries and the information is large."""
    seed, s, d = cfg.seed, cfg.base_scale, cfg.draws
    return [
        SweepSpec("scale_n1", "scale", cfg.scale_values, {"n": 1}, d["scale_n1"], seed + 1),
        SweepSpec("scale_n3", "scale", cfg.scale_values, {"n": 3, "ensemble": "chain"}, d["scale_n3"], seed + 2),
        SweepSpec("scale_n3_rho", "scale", cfg.scale_values, {"n": 3, "ensemble": "chain", "rho": 0.5, "n_patterns": 3},
                  d["scale_n3_rho"], seed + 7),
        SweepSpec("n", "n", cfg.n_values, {"scale": s}, d["n"], seed + 3),
        SweepSpec("N", "N", cfg.N_values, {"n": 1, "scale": s}, d["N"], seed + 4),
        SweepSpec("mu_range", "mu_range", cfg.mu_values, {"n": 1, "scale": s}, d["mu_range"], seed + 5),
        SweepSpec("rho", "rho", cfg.rho_values, {"n": 1, "scale": s}, d["rho"], seed + 6),
    ]


def _draw_cases(cfg: ReportConfig) -> list:
    """Random draws from the paper's sets: set 1 (``n <= 3``), and sets 2 and 3 at every
    ensemble size of ``truth_n_values`` (``truth_draws_per_n`` each), where the paper's
    Figs. 2-4 live (docs/theory.md §6)."""
    cases = build_set_draws("set1", cfg.set_draws, cfg.seed + 10, max_n=3)
    for t, name in enumerate(("set2", "set3")):
        cases += build_draws_by_n(name, cfg.truth_n_values, cfg.truth_draws_per_n, cfg.seed + 20 + t)
    return cases


def _panel_cases(cfg: ReportConfig) -> list:
    """The truth grid of the paper's Figs. 3A/3B (docs/theory.md §13.1), none when ``panel_n_values`` is empty."""
    if not cfg.panel_n_values:
        return []
    return panel_cases(cfg.panel_n_values, cfg.panel_sigmas, cfg.panel_rhos)


def tier_cases(cfg: ReportConfig) -> list:
    """Every Monte Carlo case of a tier, in a fixed order: the sweeps, the set draws, then the Fig. 3A/3B grid.

    The report and ``pytest validation/`` use the same list, so they share cached truths.
    """
    return [c for spec in sweep_specs(cfg) for c in build_sweep(spec)] + _draw_cases(cfg) + _panel_cases(cfg)


def suite_config(tier: str) -> ReportConfig:
    """The tier's configuration (also used by ``pytest validation/``)."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {sorted(TIERS)}, got {tier!r}")
    return TIERS[tier]
