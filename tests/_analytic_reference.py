"""Independent reference for the Fenton-Wilkinson information (docs/theory.md §§2-3).

Written from docs/theory.md alone, as plain nested Python loops in *linear* space
(``math.exp``/``math.log``, no log-sum-exp, no vectorisation), so that it shares
no code and no numerical strategy with ``analytic``.  It is only accurate where
the linear-space moments fit comfortably in a double (|log-moment| << 700) and
where ``exp(c) - 1`` does not cancel badly (log-variances not much below 1e-3);
the tests that use it stay in that range.  Determinants and eigenvalues come
from numpy (not the code under test).
"""

from __future__ import annotations

import math

import numpy as np


def sigma_of(sigma, k):
    sigma = np.asarray(sigma, dtype=float)
    return sigma if sigma.ndim == 2 else sigma[k]


def log_moments(mu, sigma, ensemble, k):
    """``m_k[a]`` and ``c_k[a, b]`` of docs/theory.md §2 (eq. [22]) as nested lists."""
    s = sigma_of(sigma, k)
    m = [float(mu[k][i] + mu[k][j]) for (i, j) in ensemble]
    c = [[float(s[i][ip] + s[i][jp] + s[j][ip] + s[j][jp]) for (ip, jp) in ensemble]
         for (i, j) in ensemble]
    return m, c


def moments(mu, sigma, ensemble, patterns):
    """``M1[a]`` and ``V[a, b]`` summed over ``patterns`` (docs/theory.md §2, eqs. [24, 25])."""
    n = len(ensemble)
    m1 = [0.0] * n
    v = [[0.0] * n for _ in range(n)]
    for k in patterns:
        m, c = log_moments(mu, sigma, ensemble, k)
        e = [math.exp(m[a] + c[a][a] / 2.0) for a in range(n)]
        for a in range(n):
            m1[a] += e[a]
            for b in range(n):
                v[a][b] += e[a] * e[b] * (math.exp(c[a][b]) - 1.0)
    return np.array(m1), np.array(v)


def fw_params(m1, v):
    """Moment-matched log-normal (docs/theory.md §3)."""
    n = len(m1)
    sw = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            sw[a, b] = math.log(1.0 + v[a][b] / (m1[a] * m1[b]))
    mw = np.array([math.log(m1[a]) - sw[a, a] / 2.0 for a in range(n)])
    return mw, sw


def reference(mu, sigma, ensemble, pattern):
    """Dict with M1, V, mu_w, Sigma_w (all patterns), the same without ``pattern``,
    the FW value (``None`` where undefined) and the authors' value
    (``ln(det A / det B)`` kept whenever the ratio is positive)."""
    mu = np.asarray(mu, dtype=float)
    ensemble = [tuple(int(t) for t in p) for p in ensemble]
    n_patterns = mu.shape[0]
    m1, v = moments(mu, sigma, ensemble, range(n_patterns))
    mw, sw = fw_params(m1, v)
    out = {"M1": m1, "V": v, "mu_w": mw, "sigma_w": sw,
           "eig": np.linalg.eigvalsh(sw)}
    rest = [k for k in range(n_patterns) if k != pattern]
    if not rest:
        return out
    m1r, vr = moments(mu, sigma, ensemble, rest)
    mwr, swr = fw_params(m1r, vr)
    mean_term = float(sum(mw[a] - mwr[a] for a in range(len(ensemble))))
    det_a, det_b = np.linalg.det(sw), np.linalg.det(swr)
    out.update({"M1_rest": m1r, "V_rest": vr, "mu_w_rest": mwr, "sigma_w_rest": swr,
                "eig_rest": np.linalg.eigvalsh(swr), "mean_term": mean_term,
                "det": det_a, "det_rest": det_b})
    out["value"] = (mean_term + 0.5 * math.log(det_a / det_b)) if (det_a > 0 and det_b > 0) else None
    ratio_positive = (det_a > 0 and det_b > 0) or (det_a < 0 and det_b < 0)
    out["authors"] = (mean_term + 0.5 * math.log(det_a / det_b)) if ratio_positive else None
    return out


# ----------------------------------------------------------------- test inputs


def random_psd(rng, dim, scale=1.0, ridge=0.05):
    """A random symmetric positive-definite ``(dim, dim)`` matrix ``scale (A A^T / dim + ridge I)``."""
    a = rng.standard_normal((dim, dim))
    s = scale * (a @ a.T / dim + ridge * np.eye(dim))
    return 0.5 * (s + s.T)


def random_case(rng, n_patterns, dim, n, *, scale=0.5, mu_scale=1.0, shared=False):
    """``(mu, sigma, ensemble)`` with ``n`` distinct random connections (numpy only)."""
    mu = rng.uniform(-mu_scale, mu_scale, size=(n_patterns, dim))
    if shared:
        sigma = random_psd(rng, dim, scale)
    else:
        sigma = np.stack([random_psd(rng, dim, scale) for _ in range(n_patterns)])
    pairs = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    pick = rng.choice(len(pairs), size=n, replace=False)
    ensemble = [pairs[t] for t in pick]
    return mu, sigma, ensemble
