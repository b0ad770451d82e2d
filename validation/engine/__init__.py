"""The comparison engine: cases, truths, comparisons, sweeps, trends, claims and laws.

Modules
-------
comparison
    One case -> one row: the approximation's value against the true information.
sweeps
    Families of cases (parameter sweeps, the paper's random sets), run in parallel and resumable.
config
    Sweep configuration files (TOML/JSON) for ``synmi sweep``.
trends
    Trend fits with bootstrap confidence intervals.
claims
    The paper's error-analysis claims, each checked on a table of comparisons.
laws
    Laws of the true information, checked on an approximation.
counterexamples
    Minimal counterexamples to those laws: a seeded search and a deterministic shrink.
paper
    The paper's own regressions and tables, recomputed.
approximations
    Loading an approximation under test from ``module:function``, and evaluating it on many cases
    (its optional batch form, or worker processes for a slow formula: ``CaseEvaluator``).
"""
