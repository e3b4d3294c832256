"""The statistics under the verdicts: exact values and coverage of the exponent interval."""

import math

import numpy as np
import pytest
from scipy import stats as st

from ratecheck.verdict import stats


def test_sign_test_matches_hand_computed_binomial_tails():
    assert stats.sign_test(5, 0) == pytest.approx(1 / 32)
    assert stats.sign_test(3, 3) == pytest.approx(42 / 64)  # P(Bin(6,½) ≥ 3) = (20+15+6+1)/64
    assert stats.sign_test(0, 4) == pytest.approx(1.0)
    assert stats.sign_test(0, 0) == 1.0


def test_quantile_keeps_infinite_order_statistics():
    x = np.array([1.0, 2.0, np.inf, np.inf])
    assert stats.quantile(x, 0.9) == np.inf
    assert stats.quantile(x, 0.25) == 1.0
    assert not np.isnan(stats.quantile(np.array([np.inf, np.inf]), 0.5))


def test_slope_weights_recover_a_line():
    x = np.log([0.1, 0.03, 0.01, 0.003])
    assert stats.slope_weights(x) @ (-2.0 * x + 7.0) == pytest.approx(-2.0)


def test_bootstrap_is_reproducible_and_resamples_rows():
    v = np.arange(10.0)
    a = stats.bootstrap(v, np.mean, np.random.default_rng(3))
    b = stats.bootstrap(v, np.mean, np.random.default_rng(3))
    assert np.array_equal(a, b) and a.shape == (stats.N_BOOT,)
    assert a.min() >= 0 and a.max() <= 9 and abs(a.mean() - 4.5) < 0.1


def _coverage(paired: bool, reps=200, n_seeds=8, b_true=-1.7, noise=0.3, level=0.95):
    rng = np.random.default_rng(12345 if paired else 54321)
    eps = np.array([0.1, 0.05, 0.02, 0.01, 0.005])
    lx = np.log(eps)
    seed_effect = rng.normal(0, 0.5, size=(reps, n_seeds, 1)) if paired else 0.0
    logT = 3.0 + b_true * lx + seed_effect + rng.normal(0, noise, size=(reps, n_seeds, lx.size))
    hits = 0
    for r in range(reps):
        data = logT[r] if paired else [logT[r, :, j] for j in range(lx.size)]
        lo, hi = stats.exponent_fit(lx, data, level)["ci"]
        hits += lo <= b_true <= hi
    return hits / reps


@pytest.mark.parametrize("paired", [True, False])
def test_exponent_interval_covers_the_true_exponent(paired):
    cover = _coverage(paired)
    assert cover >= 0.90, cover


def test_paired_fit_equals_least_squares_slope_of_seed_means():
    rng = np.random.default_rng(0)
    lx = np.log([1.0, 2.0, 4.0, 8.0])
    y = 1.0 + 0.5 * lx + rng.normal(0, 0.1, size=(6, 4))
    fit = stats.exponent_fit(lx, y, 0.95)
    assert fit["slope"] == pytest.approx(np.polyfit(lx, y.mean(axis=0), 1)[0])
    per_seed = np.array([np.polyfit(lx, row, 1)[0] for row in y])
    half = st.t.ppf(0.975, 5) * per_seed.std(ddof=1) / math.sqrt(6)
    assert fit["ci"] == pytest.approx([per_seed.mean() - half, per_seed.mean() + half])


def test_aic_prefers_the_true_model_and_weights_sum_to_one():
    from ratecheck.verdict.scaling import rate_models

    rng = np.random.default_rng(1)
    lx = np.log([0.1, 0.03, 0.01, 0.003, 0.001])
    log_bound = np.log(5.0 / np.exp(lx) + 40.0 / np.exp(lx) ** 2)  # card shape, local exponent between -1 and -2
    log_y = [lb + 0.7 + rng.normal(0, 0.05, 10) for lb in log_bound]  # data follow the card's shape
    b_card = float(stats.slope_weights(lx) @ log_bound)
    fits = rate_models(lx, log_bound, log_y, b_card)
    best = min(fits, key=lambda f: f["aic"])
    assert best["model"] == "card bound × constant"
    assert sum(f["weight"] for f in fits) == pytest.approx(1.0)
    assert {f["exponent"] for f in fits if f["model"].startswith("power law, exponent")} == {-2.5, -2.0, -1.5, -1.0}
