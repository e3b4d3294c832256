"""The statistics behind the verdicts: bootstrap intervals, sign tests, exponent fits.

Every resampling draws from a generator the caller seeds, so identical inputs give
bit-identical numbers. Quantiles use the inverted empirical CDF (an order statistic,
no interpolation): the censored seeds enter as ``+inf`` and must stay ``+inf``, never
become ``nan`` through ``inf − inf`` interpolation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special as _sp

#: Resamples of every bootstrap.
N_BOOT = 2000


def quantile(x: np.ndarray, q: float, axis: int = -1) -> np.ndarray:
    """Empirical ``q``-quantile as an order statistic (``method="inverted_cdf"``)."""
    return np.quantile(x, q, axis=axis, method="inverted_cdf")


def median(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Median that keeps ``+inf`` entries (censored seeds) ordered last.

    For an even count it averages the two middle order statistics, which is ``+inf``
    when the upper one is censored: the median is then unknown from above.
    """
    return np.median(x, axis=axis)


def bootstrap(values: np.ndarray, statistic, rng: np.random.Generator, n_boot: int = N_BOOT) -> np.ndarray:
    """``statistic`` of ``n_boot`` resamples (with replacement) of the last axis.

    ``statistic`` must accept an array of shape ``(n_boot, n)`` and reduce ``axis=-1``.
    Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13 (percentile
    intervals).
    """
    values = np.asarray(values, dtype=float)
    idx = rng.integers(0, values.shape[-1], size=(n_boot, values.shape[-1]))
    return statistic(values[..., idx], axis=-1)


def percentile_interval(boot: np.ndarray, level: float) -> tuple[float, float]:
    """Two-sided percentile interval ``[q_{(1−level)/2}, q_{(1+level)/2}]`` of replicates."""
    a = (1.0 - level) / 2.0
    return float(quantile(boot, a)), float(quantile(boot, 1.0 - a))


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact sign-test p-value P(Bin(wins+losses, ½) ≥ wins); ties excluded.

    Dixon & Mood (1946), "The statistical sign test", JASA 41(236), computed by
    :func:`scipy.stats.binomtest`. Returns 1.0 when there is no untied pair.
    """
    from scipy.stats import binomtest

    n = wins + losses
    if n == 0 or wins == 0:
        return 1.0
    return float(binomtest(wins, n, 0.5, alternative="greater").pvalue)


def bootstrap_p(boot: np.ndarray, reject) -> float:
    """(1 + #{replicates where the null is not rejected}) / (1 + #replicates).

    ``reject`` is a boolean mask over the replicates (the alternative holds there).
    The +1 keeps the p-value away from 0: with B replicates it is at least 1/(B + 1)
    (Davison & Hinkley 1997, *Bootstrap Methods*, eq. 4.11), so a bootstrap decision
    has a resolution that :func:`~ratecheck.verdict.decision.reachable` can reason about.
    """
    boot = np.asarray(boot)
    return float((1 + np.count_nonzero(~np.asarray(reject))) / (1 + boot.size))


#: Smallest p-value a bootstrap test of :data:`N_BOOT` replicates can give.
BOOT_MIN_P = 1.0 / (N_BOOT + 1)


def median_interval(values: np.ndarray, level: float) -> tuple[float, float, float]:
    """Distribution-free interval for the median from order statistics: ``(lo, hi, coverage)``.

    For sorted x_(1) ≤ … ≤ x_(n), [x_(k), x_(n−k+1)] covers the median with probability
    1 − 2 P(Bin(n, ½) < k) whatever the distribution (Conover 1999, *Practical
    Nonparametric Statistics*, §3.2); k is the largest with coverage ≥ ``level``. When no
    k ≥ 1 qualifies (n ≤ 5 at 95%) the interval is the whole support [0, ∞) and the
    coverage is 1: few seeds say little about a median, and the interval says so
    instead of returning the sample range.

    Censored seeds enter as ``+inf``; with a common horizon they are the largest order
    statistics, so an endpoint at ``+inf`` means "not reached by the horizon" (the
    Kaplan–Meier median interval coincides under such type-I censoring).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0:
        return math.nan, math.nan, 0.0
    k, cover = 0, 1.0
    for j in range(1, n // 2 + 1):
        c = 1.0 - 2.0 * float(_sp.bdtr(j - 1, n, 0.5))
        if c < level:
            break
        k, cover = j, c
    if k == 0:
        return 0.0, math.inf, 1.0
    return float(x[k - 1]), float(x[n - k]), cover


def slope_weights(x: np.ndarray) -> np.ndarray:
    """Weights w with Σ w_j y_j = the least-squares slope of y on x: w = (x − x̄)/S_xx."""
    x = np.asarray(x, dtype=float)
    d = x - x.mean()
    return d / float(d @ d)


def exponent_fit(log_x: np.ndarray, log_y, level: float) -> dict:
    """Least-squares exponent b of y ≈ C·x^b with a Student-t interval.

    ``log_y`` is either a ``(seeds, points)`` array whose rows are the same seeds
    followed across every point (common random numbers: *paired*), or a list of
    per-point 1-D arrays from independent seeds (*unpaired*).

    Paired: each seed's own slope b_i = Σ_j w_j log y_ij is an i.i.d. draw across
    seeds (seeds are independent), so b̂ = mean b_i (= the least-squares slope of the
    seed-mean of log y) has the t interval b̂ ± t_{n−1} s_b/√n, exact under Gaussian
    log-noise whatever the correlation across points.

    Unpaired: b̂ = Σ_j w_j m_j with m_j the mean of log y at point j, Var b̂ =
    Σ_j w_j² s_j²/n_j, and Welch–Satterthwaite degrees of freedom
    (Satterthwaite 1946, Biometrics Bulletin 2(6)).
    """
    w = slope_weights(log_x)
    if isinstance(log_y, np.ndarray) and log_y.ndim == 2:
        per_seed = log_y @ w
        n = per_seed.size
        slope = float(per_seed.mean())
        se = float(per_seed.std(ddof=1) / math.sqrt(n))
        df = float(n - 1)
        method = "paired"
    else:
        means = np.array([float(np.mean(v)) for v in log_y])
        var_of_mean = np.array([float(np.var(v, ddof=1)) / len(v) for v in log_y])
        slope = float(w @ means)
        parts = w**2 * var_of_mean
        se = float(math.sqrt(parts.sum()))
        dof_terms = np.array([p**2 / (len(v) - 1) for p, v in zip(parts, log_y)])
        df = float(parts.sum() ** 2 / dof_terms.sum()) if dof_terms.sum() > 0 else math.inf
        method = "unpaired"
    half = float(_sp.stdtrit(df, 0.5 + level / 2.0)) * se if se > 0 else 0.0
    return {"slope": slope, "se": se, "df": df, "ci": [slope - half, slope + half], "method": method}


def gaussian_aic(residuals: np.ndarray, k: int) -> float:
    """AIC = N log(RSS/N) + 2k of a least-squares fit with Gaussian errors.

    Akaike (1974), IEEE TAC 19(6); the error variance is profiled out, so every model
    must be fitted to the same transformed data (here log y), as in plasma-umass/bigO.
    """
    r = np.asarray(residuals, dtype=float)
    rss = max(float(r @ r), np.finfo(float).tiny)
    return r.size * math.log(rss / r.size) + 2.0 * k


def akaike_weights(aics: list[float]) -> list[float]:
    """exp(−Δ_i/2) normalised (Burnham & Anderson 2002, §2.9)."""
    a = np.asarray(aics, dtype=float)
    e = np.exp(-(a - a.min()) / 2.0)
    return (e / e.sum()).tolist()
