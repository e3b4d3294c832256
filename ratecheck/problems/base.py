"""The Problem contract (DESIGN.md, "Concepts, one home each").

A problem is f : R^d → R with a stochastic first-order oracle and constants with
provenance. Heterogeneous problems are f = (1/n) Σ_i f_i where worker i queries the
oracle of part i.

Randomness of the oracle is split so the engine can give every worker its own
stream (common random numbers across algorithms): a stochastic gradient of part
``part`` at ``y`` is a deterministic function of

* ``sample`` — an integer index ξ drawn by :meth:`Problem.draw_samples` (finite sums;
  ``-1`` when the problem has no sample index), and
* ``z`` — ``noise_dim`` independent standard normal numbers (additive noise; empty
  when ``noise_dim == 0``).

Fast path. A family that provides :meth:`Problem.fast_oracle` gets the compiled
engine: a :class:`FastOracle` holds a tuple of arrays and numba ``@njit`` functions
with fixed signatures (see :class:`FastOracle`). They should allocate nothing (write
into ``out``) and be compiled with ``@njit(cache=True, _nrt=False)``: without reference
counting a call from the engine's hot loop costs a few nanoseconds instead of tens.
Adding ``inline="always"`` (as the quadratic does) inlines them into the replay loop,
which makes batched runs at small d faster still, for a few seconds more of first
compilation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from ..constants import ConstantSet
from ..registry import construct


@dataclass(frozen=True)
class FastOracle:
    """Numba-compiled oracle of a problem.

    Attributes
    ----------
    data : tuple of numpy arrays
        Everything the functions need (matrix, minimiser, noise scale, …).
    stoch_grad : njit ``(data, y, part, sample, z, out) -> None``
        Writes g(y; ξ) of part ``part`` into ``out`` (``z`` is a float64 vector of
        length ``noise_dim``; ``sample`` an int64, ``-1`` if unused).
    value_grad : njit ``(data, x, out) -> float``
        Writes the full gradient ∇f(x) into ``out`` and returns f(x).
    """

    data: tuple
    stoch_grad: Callable
    value_grad: Callable


class Problem:
    """Base class of every problem family.

    Subclasses set the attributes below in ``__init__`` and implement
    :meth:`f`, :meth:`grad` and :meth:`stochastic_grad`; they register with
    ``@PROBLEMS.register("family-name")`` and build from a spec table with
    :meth:`from_spec`.

    Attributes
    ----------
    d : int
        Dimension.
    n_parts : int
        1 for a homogeneous problem; n for f = (1/n) Σ_i f_i (one part per worker).
    x0 : ndarray
        Starting point.
    x_star : ndarray or None
        A minimiser when known (exactly or to solver accuracy).
    f_star : float
        inf f (exact or certified lower bound; see ``constants["f_star"]``).
    constants : ConstantSet
        Symbol name → :class:`~ratecheck.constants.Constant`. Names used by cards:
        ``L, mu, sigma2, Delta, D, f_star, zeta2, rho, L_max, L_rl`` (Ringleader's
        Assumption 2 constant).
    properties : frozenset of str
        Terms of :mod:`ratecheck.vocabulary` that the instance satisfies.
    noise_dim : int
        Standard normals consumed per stochastic gradient.
    n_samples : int
        Size of the sample index range per part (0 when there is no sample index).
    sample_cost : ndarray or None
        Per-sample compute cost, shape ``(n_parts, n_samples)``; data-dependent delay
        models turn it into compute time.
    named_points : dict of str → str
        Points of the instance's data besides ``x_star`` that a ``limit`` claim can name
        (name → what it is), computed by :meth:`named_point`.
    """

    registry_name: ClassVar[str] = "?"
    d: int
    n_parts: int = 1
    x0: np.ndarray
    x_star: np.ndarray | None = None
    f_star: float
    constants: ConstantSet
    properties: frozenset = frozenset()
    noise_dim: int = 0
    n_samples: int = 0
    sample_cost: np.ndarray | None = None
    named_points: ClassVar[dict[str, str]] = {}

    # --- construction -------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: dict, field: str = "problem") -> "Problem":
        """Build from a spec table; unknown keys raise :class:`SpecError`."""
        return construct(cls, spec, field)

    # --- oracle -------------------------------------------------------------------
    def f(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def stochastic_grad(self, y: np.ndarray, part: int, sample: int, z: np.ndarray) -> np.ndarray:
        """g(y; ξ) of part ``part`` given the sample index and the standard normals ``z``."""
        raise NotImplementedError

    def draw_samples(self, gen: np.random.Generator, part: int, count: int) -> np.ndarray:
        """Draw ``count`` sample indices for ``part`` (uniform by default; −1 if none)."""
        if self.n_samples == 0:
            return np.full(count, -1, dtype=np.int64)
        return gen.integers(0, self.n_samples, size=count, dtype=np.int64)

    def fast_oracle(self) -> FastOracle | None:
        """The compiled oracle, or None if the family only supports the general path."""
        return None

    def named_point(self, name: str, model, field: str) -> np.ndarray:
        """The point ``name`` of :attr:`named_points` when the workers run under the
        asynchrony ``model``; raises :class:`~ratecheck.errors.SpecError` (naming ``field``,
        or the model's field) where the model does not determine it."""
        raise NotImplementedError

    # --- part-wise access (heterogeneous problems override) ------------------------
    def f_part(self, part: int, x: np.ndarray) -> float:
        if self.n_parts == 1:
            return self.f(x)
        raise NotImplementedError

    def grad_part(self, part: int, x: np.ndarray) -> np.ndarray:
        if self.n_parts == 1:
            return self.grad(x)
        raise NotImplementedError

    # --- description --------------------------------------------------------------
    def parameters(self) -> dict[str, Any]:
        """The parameters that define the instance (for reports and run keys)."""
        return {}

    def describe(self) -> dict[str, Any]:
        return {
            "family": self.registry_name,
            "parameters": self.parameters(),
            "d": self.d,
            "n_parts": self.n_parts,
            "properties": sorted(self.properties),
            "constants": self.constants.as_dict(),
        }
