"""synmi.empirical: Monte Carlo ground truth for the synaptic information (docs/theory.md §§2 and 7).

Public API
----------
sample_hebbian(mu, sigma, ensemble, pattern, n_samples, seed, *, chunk_size, n_jobs) -> HebbianSample
    Draws of ``w_S``, ``z_l`` and ``w_S^(-l)`` (only the neurons in ``V(S)``).
sample_weight_matrices(mu, sigma, n_samples, seed, *, chunk_size, n_jobs) -> ndarray (M, d, d)
    Full symmetric Hebbian matrices with zero diagonal.
ksg_mi(x, y, k=3, workers=1, *, standardize=False) -> float
    KSG estimator 1 (Kraskov, Stögbauer & Grassberger 2004), nats.
kl_entropy(x, k=3, workers=1, *, standardize=False) -> float
    Kozachenko-Leonenko entropy (1987), nats.
entropy_1d(x, method="vasicek", window_length=None) -> float
    m-spacing entropy of a scalar sample (Vasicek 1976, Ebrahimi et al. 1994, ...).
npeet_mi(x, y, k=3, *, seed=0), sklearn_mi(x, y, k=3, *, seed=0) -> float
    Adapters to ``npeet_plus.mi`` and ``sklearn.feature_selection.mutual_info_regression``.
estimate_mi(mu, sigma, ensemble, pattern, n_samples, seed, method="entropy_difference",
            replicates=5, k=3, n_jobs=1, calibrate=False, *, confidence=0.95) -> MIEstimate
    The true ``I(w_S ; x_l)`` with standard error, t interval and optional calibrated bias.
gaussian_calibration(method, cov, n_x, n_samples, replicates, seed, k=3, workers=1) -> CalibrationResult
    An estimator's bias on jointly Gaussian data with known truth.
rao_blackwell_mi(mu, sigma, ensemble, pattern, *, n_samples=16384, n_points=1000, seed=0, replicates=1,
                 n_jobs=1, n_control=2**21, min_ess=20.0, max_frac_low_ess=0.05, confidence=0.95)
                 -> RaoBlackwellEstimate
    A second, independent truth from Rao-Blackwellised densities (docs/theory.md §10), with
    effective-sample-size diagnostics; ``usable=False`` where they fail.
ESTIMATORS, METHODS
    The table of named Monte Carlo estimators (name -> target, estimate, limits); a new one is one entry.
true_information(mu, sigma, ensemble, pattern, *, seed=0, precision=0.03, ...) -> TrueInformation
    The truth with its evidence: exact for one connection, a converged, cross-checked
    entropy difference for ensembles (docs/theory.md §§8-10).
cross_check_truth(mu, sigma, ensemble, pattern, truth, *, method="auto", seed=0) -> CrossCheck
    An independent check of an ensemble truth.
kl_entropies(x, ks=(3, 8), workers=1) -> ndarray
    Kozachenko-Leonenko entropies at several neighbour orders (Euclidean norm).
"""

from .estimate import (
    ESTIMATORS,
    JITTER,
    METHODS,
    CalibrationResult,
    Estimator,
    MIEstimate,
    estimate_mi,
    gaussian_calibration,
)
from .estimators import ENTROPY_1D_METHODS, entropy_1d, kl_entropies, kl_entropy, ksg_mi, npeet_mi, sklearn_mi
from .rao_blackwell import RaoBlackwellEstimate, rao_blackwell_mi
from .sampling import HebbianSample, sample_hebbian, sample_weight_matrices
from .truth import TRUTH_VERSION, CrossCheck, LadderRung, TrueInformation, cross_check_truth, true_information

__all__ = [
    "HebbianSample", "sample_hebbian", "sample_weight_matrices",
    "ksg_mi", "kl_entropy", "entropy_1d", "npeet_mi", "sklearn_mi", "ENTROPY_1D_METHODS",
    "MIEstimate", "CalibrationResult", "estimate_mi", "gaussian_calibration", "METHODS", "JITTER",
    "ESTIMATORS", "Estimator", "kl_entropies", "rao_blackwell_mi", "RaoBlackwellEstimate",
    "true_information", "cross_check_truth", "TrueInformation", "LadderRung", "CrossCheck", "TRUTH_VERSION",
]
