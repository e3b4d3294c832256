"""Gradient descent with delayed gradients, as a sequence of points in the Gram basis.

The method (N arrivals of gradients, k = 0, …, N − 1)::

    x_{k+1} = x_k − γ_k ∇f(x_{k − d_k}),     d_k = min(δ_k, k),

Conventions, stated once for the whole package:

* **Iterates before the start are x_0**: a requested delay δ_k larger than k reads
  ``x_{k−δ_k} := x_0`` (every worker starts from x_0), so the *effective* delay is
  ``d_k = min(δ_k, k)`` — the number of steps since the point was handed out, as in
  DESIGN.md. Constant delay τ is ``δ_k = τ`` for all k.
* **k counts gradient arrivals**, applied or not: a dropped gradient leaves
  ``x_{k+1} = x_k`` and still advances k (delays are measured in arrivals).
* **Stepsize rules** (γ_k as a function of the effective delay d_k; γ is the base stepsize):

  - ``constant``: γ_k = γ (Koloskova, Stich & Jaggi 2022, Alg. 1; Arjevani, Shamir &
    Srebro 2020 for constant delay);
  - ``filtered``: γ_k = γ if d_k ≤ R, else 0 — the gradient is dropped (Ringmaster ASGD,
    Maranjyan, Tyurin & Richtárik 2025; Koloskova et al. 2022 allow η_t = 0 in their rule (11));
  - ``adaptive``: γ_k = γ·min(1, c/d_k) (γ for d_k = 0) — the shape of Koloskova et al.
    2022 rule (11) with threshold c (their practical reading η_t ≤ η/τ_t for τ_t > τ_C);
  - ``mishchenko``: γ_k = γ·n/max(n, d_k) (Mishchenko, Bach, Even & Woodworth 2022, the rule of
    their experiment code ``konstmish/asynchronous_sgd``, n = number of workers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SpecError

RULES = ("constant", "filtered", "adaptive", "mishchenko")


@dataclass(frozen=True)
class StepRule:
    """How the base stepsize γ is scaled for a gradient of effective delay d (see module docstring)."""

    kind: str = "constant"
    threshold: int | None = None  # R of "filtered"
    c: float | None = None  # c of "adaptive"
    workers: int | None = None  # n of "mishchenko"

    def __post_init__(self):
        if self.kind not in RULES:
            raise SpecError("rule", f"unknown stepsize rule {self.kind!r} (known: {', '.join(RULES)})")
        needs = {"filtered": ("threshold", self.threshold), "adaptive": ("c", self.c),
                 "mishchenko": ("workers", self.workers)}
        if self.kind in needs:
            name, value = needs[self.kind]
            if value is None:
                raise SpecError(name, f"required by the {self.kind!r} rule")
        if self.threshold is not None and (int(self.threshold) != self.threshold or self.threshold < 0):
            raise SpecError("threshold", f"must be an integer >= 0, got {self.threshold!r}")
        if self.c is not None and not (np.isfinite(self.c) and self.c > 0):
            raise SpecError("c", f"must be > 0, got {self.c!r}")
        if self.workers is not None and (int(self.workers) != self.workers or self.workers < 1):
            raise SpecError("workers", f"must be an integer >= 1, got {self.workers!r}")

    def factor(self, d: int) -> float:
        """γ_k / γ for effective delay ``d``."""
        if self.kind == "filtered":
            return 1.0 if d <= self.threshold else 0.0
        if self.kind == "adaptive":
            return 1.0 if d == 0 else min(1.0, self.c / d)
        if self.kind == "mishchenko":
            return self.workers / max(self.workers, d)
        return 1.0

    def describe(self) -> dict:
        out = {"rule": self.kind}
        for name in ("threshold", "c", "workers"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def check_delays(delays) -> tuple[int, ...]:
    """Validate a delay sequence δ_0, …, δ_{N−1} (integers ≥ 0, N ≥ 1)."""
    out = []
    for k, dk in enumerate(delays):
        if isinstance(dk, bool) or not isinstance(dk, (int, float)) or not float(dk).is_integer() or dk < 0:
            raise SpecError(f"delays[{k}]", f"must be an integer >= 0, got {dk!r}")
        out.append(int(dk))
    if not out:
        raise SpecError("N", "need at least one step (N >= 1)")
    return tuple(out)


@dataclass(frozen=True)
class DelayedGD:
    """N steps of delayed gradient descent with base stepsize ``gamma`` (module docstring).

    ``delays`` is the requested sequence δ_k; :attr:`effective_delays` applies the
    x_j = x_0 (j < 0) convention.
    """

    gamma: float
    delays: tuple[int, ...]
    rule: StepRule = StepRule()

    def __post_init__(self):
        if isinstance(self.gamma, bool) or not isinstance(self.gamma, (int, float)) \
                or not (np.isfinite(self.gamma) and self.gamma > 0):
            raise SpecError("gamma", f"must be > 0, got {self.gamma!r}")
        object.__setattr__(self, "delays", check_delays(self.delays))

    @classmethod
    def constant_delay(cls, gamma: float, tau: int, N: int, rule: StepRule = StepRule()) -> "DelayedGD":
        if isinstance(N, bool) or int(N) != N or N < 1:
            raise SpecError("N", f"must be an integer >= 1, got {N!r}")
        if isinstance(tau, bool) or int(tau) != tau or tau < 0:
            raise SpecError("tau", f"must be an integer >= 0, got {tau!r}")
        return cls(gamma, (int(tau),) * int(N), rule)

    @property
    def N(self) -> int:
        return len(self.delays)

    @property
    def effective_delays(self) -> tuple[int, ...]:
        return tuple(min(dk, k) for k, dk in enumerate(self.delays))

    @property
    def stepsizes(self) -> tuple[float, ...]:
        return tuple(self.gamma * self.rule.factor(d) for d in self.effective_delays)

    def scaled(self, L: float) -> "DelayedGD":
        """The same method on the normalised class L = 1: base stepsize γL (see :mod:`.estimate`)."""
        return DelayedGD(self.gamma * L, self.delays, self.rule)

    def run(self, x0, gradient) -> tuple[list, list]:
        """Iterates ``x_0, …, x_N`` and gradients ``g_k = gradient(x_k)`` of the recursion.

        The one home of the method: each iterate is evaluated once, in order (the PEP's
        convention, :mod:`.problem`), and x_{k+1} = x_k − γ_k g_{k − d_k}. Works on anything
        with ``x − s·g``: floats, numpy vectors, PEPit points (:mod:`.pepit_model`), the
        Gram-basis coefficients of :mod:`.sdp`.
        """
        x, g = [x0], [gradient(x0)]
        for k, (d, step) in enumerate(zip(self.effective_delays, self.stepsizes)):
            x.append(x[k] - step * g[k - d])
            g.append(gradient(x[k + 1]))
        return x, g

    def describe(self) -> dict:
        return {
            "method": "delayed-gd",
            "gamma": self.gamma,
            "N": self.N,
            "delays": list(self.delays),
            "effective_delays": list(self.effective_delays),
            "stepsizes": list(self.stepsizes),
            **self.rule.describe(),
        }
