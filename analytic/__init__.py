"""synmi.analytic: the closed-form Fenton-Wilkinson information (docs/theory.md §§1-4, 6).

Public API
----------
mutual_information(mu, sigma, ensemble, pattern) -> float
    ``I_FW(w_S ; x_l)`` in nats; ``nan``/``inf`` with a warning where undefined/infinite.
fenton_wilkinson_information(mu, sigma, ensemble, pattern) -> FWResult
    Value, FW parameters, validity status and reason, and the authors' value.
mutual_information_batch(cases) -> pandas.DataFrame
    Vectorised over many cases.
fenton_wilkinson_params, weight_moments, connection_log_moments
    The intermediate quantities of docs/theory.md §§2-3.
single_connection_information(mu, sigma, ensemble, pattern, *, tol=1e-10) -> ExactResult
    The exact ``I(w ; x_l)`` of a single connection by quadrature, with an error
    bound (docs/theory.md §8).
exact_information(mu, sigma, ensemble, pattern) -> float
    The same value with ``mutual_information``'s signature (``nan`` with a
    warning for ensembles of more than one connection).
lognormal_sum_entropy(log_means, log_variances, *, tol=1e-10) -> SumEntropy
    Differential entropy of a sum of independent log-normals (and of its log).
set1_case, set2_case, set3_case, generate_set, random_ensemble
    The paper's simulation sets (docs/theory.md §6).
infinite_information_reason(case) -> str | None, rest_support_dimension(case) -> SupportDimension
    Where the *true* information is infinite, decided exactly (docs/theory.md §4.1).

Candidate replacements for FW (docs/theory.md §11; ``analytic.alternatives``),
each ``f(mu, sigma, ensemble, pattern) -> float`` with a ``*_result`` twin:

fw_pd_repaired_information / fw_pd_repaired_result
    FW with indefinite log-covariances repaired to positive definite (§11.1).
linear_gaussian_information / linear_gaussian_result
    ``(1/2) ln det V - (1/2) ln det V^(-l)`` with the exact covariances (§11.2).
gaussian_copula_information / gaussian_copula_result
    Exact marginal entropies joined by FW's Gaussian copula (§11.4).
normal_score_copula_information / normal_score_copula_result
    The recommended one: exact marginals joined by the Gaussian copula of the
    normal scores of a fixed quasi-random sample, ``+inf`` exactly where the
    truth is infinite (§11.5; ``analytic.copula``).
APPROXIMATIONS
    Short name -> ``module:function`` path and description, FW first.
"""

from .alternatives import (
    APPROXIMATIONS,
    ApproximationSpec,
    GaussianCopulaResult,
    LinearGaussianResult,
    PDRepairedResult,
    fw_pd_repaired_information,
    fw_pd_repaired_result,
    gaussian_copula_information,
    gaussian_copula_result,
    linear_gaussian_information,
    linear_gaussian_result,
    repair_positive_definite,
)
from .copula import (
    NormalScoreCopulaResult,
    normal_score_copula_information,
    normal_score_copula_result,
)
from .exact import (
    ExactResult,
    SumEntropy,
    exact_information,
    lognormal_sum_entropy,
    lognormal_sum_information,
    single_connection_information,
)
from .fenton_wilkinson import (
    ApproximationUndefinedWarning,
    FWResult,
    InfiniteInformationWarning,
    NegativeInformationWarning,
    Status,
    SynmiWarning,
    connection_log_moments,
    fenton_wilkinson_information,
    fenton_wilkinson_params,
    fw_result_for_case,
    mutual_information,
    mutual_information_batch,
    scaled_weight_moments,
    weight_moments,
)
from .generators import (
    SET_GENERATORS,
    all_connections,
    exchangeable_covariance,
    generate_set,
    paper_fig3_ensemble,
    random_ensemble,
    set1_case,
    set2_case,
    set3_case,
)
from .inputs import Case, as_generator, validate_case
from .support import SupportDimension, infinite_information_reason, rest_support_dimension

__all__ = [
    "Case", "validate_case", "as_generator",
    "SupportDimension", "infinite_information_reason", "rest_support_dimension",
    "ApproximationUndefinedWarning", "FWResult", "InfiniteInformationWarning",
    "NegativeInformationWarning", "Status", "SynmiWarning",
    "connection_log_moments", "fenton_wilkinson_information", "fenton_wilkinson_params",
    "fw_result_for_case", "mutual_information", "mutual_information_batch", "scaled_weight_moments",
    "weight_moments",
    "ExactResult", "SumEntropy", "exact_information", "lognormal_sum_entropy", "lognormal_sum_information",
    "single_connection_information",
    "NormalScoreCopulaResult", "normal_score_copula_information", "normal_score_copula_result",
    "APPROXIMATIONS", "ApproximationSpec", "GaussianCopulaResult", "LinearGaussianResult", "PDRepairedResult",
    "fw_pd_repaired_information", "fw_pd_repaired_result", "gaussian_copula_information",
    "gaussian_copula_result", "linear_gaussian_information",
    "linear_gaussian_result", "repair_positive_definite",
    "SET_GENERATORS", "all_connections", "exchangeable_covariance", "generate_set",
    "paper_fig3_ensemble", "random_ensemble", "set1_case", "set2_case", "set3_case",
]
