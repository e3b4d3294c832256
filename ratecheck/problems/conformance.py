"""Conformance suite for problem families (public as :func:`ratecheck.testing.check_problem`).

:func:`check_problem` takes any built :class:`~ratecheck.problems.base.Problem` (a
registered family's ``example`` or a user's own) and asserts, at random points
x = x0 + s·N(0, I) with s ∈ {0.1, 1, 3}:

* **gradient** — ∇f(x)·v matches the central difference (f(x + hv) − f(x − hv))/(2h)
  along random unit directions v (h = 1e-6 · max(1, ‖x‖); relative error ≤ 1e-5);
* **fast oracle** — the compiled oracle returns f, ∇f and g(y; ξ) of the numpy methods
  (relative error ≤ 1e-11);
* **finite sums are unbiased** — with a sample index and no Gaussian noise, the mean of
  g(x; ξ) over every sample of a part is ∇f_part(x) (uniform sampling);
* **declared constants** (exact or certified only; an ``estimate`` carries its own CI):
  ``L`` ≥ ‖∇f(x) − ∇f(y)‖/‖x − y‖ (Nesterov 2018, Lectures on Convex Optimization,
  (2.1.8)), ``mu`` ≤ ⟨∇f(x) − ∇f(y), x − y⟩/‖x − y‖² (ibid., Thm 2.1.9),
  ``f_star`` ≤ f(x), and ``Delta`` ≥ f(x0) − f*, each to a relative 1e-9.

Checks that need many Monte-Carlo samples (the variance σ² of Gaussian noise) stay in
the families' own tests. Failures raise ``AssertionError`` naming the property.
"""

from __future__ import annotations

import numpy as np

from .base import Problem

#: Relative slack of a declared constant against its numerical check.
SLACK = 1e-9


def lipschitz_ratios(grad, d: int, rng, pairs: int = 300, scale: float = 1.0, centre=None) -> np.ndarray:
    """‖∇f(x) − ∇f(y)‖/‖x − y‖ for random pairs (x near ``centre``, y at distances 10^U(−3, 0)·scale)."""
    centre = np.zeros(d) if centre is None else centre
    out = np.empty(pairs)
    for k in range(pairs):
        x = centre + scale * rng.standard_normal(d)
        y = x + scale * 10.0 ** rng.uniform(-3, 0) * rng.standard_normal(d)
        out[k] = np.linalg.norm(grad(x) - grad(y)) / np.linalg.norm(x - y)
    return out


def check_fast_oracle(problem: Problem, rng, points: int = 5, rtol: float = 1e-11) -> None:
    """The compiled oracle reproduces f, ∇f and g(y; ξ) of the numpy methods."""
    fo = problem.fast_oracle()
    assert fo is not None, "fast oracle: the family has none"
    out = np.empty(problem.d)
    for _ in range(points):
        x = problem.x0 + rng.standard_normal(problem.d)
        v = fo.value_grad(fo.data, x, out)
        f = problem.f(x)
        assert abs(v - f) <= rtol * abs(f) + 1e-12, f"fast oracle: f = {v!r}, numpy f = {f!r}"
        np.testing.assert_allclose(out, problem.grad(x), rtol=rtol, atol=1e-12, err_msg="fast oracle: ∇f")
        for part in range(problem.n_parts):
            s = int(problem.draw_samples(rng, part, 1)[0])
            z = rng.standard_normal(problem.noise_dim)
            fo.stoch_grad(fo.data, x, np.int64(part), np.int64(s), z, out)
            np.testing.assert_allclose(out, problem.stochastic_grad(x, part, s, z), rtol=rtol, atol=1e-12,
                                       err_msg=f"fast oracle: g(x; ξ) of part {part}, sample {s}")


def _points(problem: Problem, rng, count: int) -> list[np.ndarray]:
    return [problem.x0 + s * rng.standard_normal(problem.d) for s in (0.1, 1.0, 3.0) for _ in range(count)]


def _check_gradient(problem: Problem, rng, count: int) -> None:
    for x in _points(problem, rng, count):
        v = rng.standard_normal(problem.d)
        v /= np.linalg.norm(v)
        h = 1e-6 * max(1.0, float(np.linalg.norm(x)))
        fd = (problem.f(x + h * v) - problem.f(x - h * v)) / (2 * h)
        g = float(problem.grad(x) @ v)
        assert abs(fd - g) <= 1e-5 * max(1.0, abs(g), float(np.linalg.norm(problem.grad(x)))), (
            f"gradient: ∇f·v = {g!r} but the central difference is {fd!r} at x = {x!r}")


def _check_unbiased(problem: Problem, rng, count: int) -> None:
    if problem.n_samples == 0 or problem.noise_dim > 0 or type(problem).draw_samples is not Problem.draw_samples:
        return
    for x in _points(problem, rng, 1)[:count]:
        for part in range(problem.n_parts):
            mean = np.mean([problem.stochastic_grad(x, part, i, None) for i in range(problem.n_samples)], axis=0)
            np.testing.assert_allclose(mean, problem.grad_part(part, x), rtol=1e-9, atol=1e-12,
                                       err_msg=f"unbiased: mean of g(x; ξ) over the samples of part {part} is not ∇f")


def _trusted(problem: Problem, name: str) -> float | None:
    c = problem.constants.values.get(name)
    return c.value if c is not None and c.provenance in ("exact", "certified") else None


def _check_constants(problem: Problem, rng, count: int) -> None:
    L, mu, delta = (_trusted(problem, k) for k in ("L", "mu", "Delta"))
    if L is not None:
        for scale in (0.1, 1.0, 3.0):
            worst = lipschitz_ratios(problem.grad, problem.d, rng, pairs=20 * count, scale=scale, centre=problem.x0).max()
            assert worst <= L * (1 + SLACK), f"L = {L!r} is exceeded: ‖∇f(x) − ∇f(y)‖/‖x − y‖ = {worst!r}"
    if mu is not None:
        for x in _points(problem, rng, count):
            y = x + rng.standard_normal(problem.d)
            m = float((problem.grad(x) - problem.grad(y)) @ (x - y)) / float((x - y) @ (x - y))
            assert m >= mu - SLACK * max(1.0, abs(mu), L or 0.0), f"mu = {mu!r} is exceeded: the curvature between x and y is {m!r}"
    for x in [problem.x0, *_points(problem, rng, count)]:
        f = problem.f(x)
        assert f >= problem.f_star - SLACK * max(1.0, abs(f)), f"f_star = {problem.f_star!r} > f(x) = {f!r}"
    if delta is not None:
        gap = problem.f(problem.x0) - problem.f_star
        assert delta >= gap - SLACK * max(1.0, abs(gap)), f"Delta = {delta!r} < f(x0) − f* = {gap!r}"


def check_problem(problem: Problem, rng=None, points: int = 5) -> None:
    """Assert the properties of the module docstring for ``problem``."""
    rng = np.random.default_rng(0) if rng is None else rng
    _check_gradient(problem, rng, points)
    check_fast_oracle(problem, rng, points)
    _check_unbiased(problem, rng, points)
    _check_constants(problem, rng, points)
