"""Compute-time profiles for the command line: ``KIND:n=N`` → sorted τ vector.

``equal`` (τ_i = 1), ``linear`` (τ_i = i), ``sqrt`` (τ_i = √i), ``quadratic`` (τ_i = i²):
the fixed-model profiles of the Ringmaster and "Bridging" experiments
(fixed-computation.md §3.7 and §9), without their random noise.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from ..guards import TAU_BYTES, check_memory, count

PROFILES = {
    "equal": lambda i: np.ones_like(i),
    "linear": lambda i: i,
    "sqrt": np.sqrt,
    "quadratic": lambda i: i**2,
}


def tau_profile(spec: str, field: str = "--tau-profile") -> np.ndarray:
    """Parse ``KIND:n=N`` (e.g. ``sqrt:n=100``) into τ_1..τ_N."""
    kind, _, rest = str(spec).partition(":")
    if kind not in PROFILES:
        raise SpecError(field, f"unknown profile {kind!r} (one of {', '.join(PROFILES)}; write e.g. linear:n=10)")
    key, _, val = rest.partition("=")
    if key.strip() != "n":
        raise SpecError(field, f"write {kind}:n=N, got {spec!r}")
    try:
        n = int(val)
    except ValueError:
        raise SpecError(field, f"n must be an integer, got {val!r}") from None
    if n < 1:
        raise SpecError(field, f"n must be >= 1, got {n}")
    check_memory(field, TAU_BYTES * n, f"a profile of n = {count(n)} workers")
    return PROFILES[kind](np.arange(1, n + 1, dtype=float))


def tau_list(text: str, field: str = "--tau") -> np.ndarray:
    """Parse a comma-separated list of compute times (> 0)."""
    try:
        t = np.array([float(x) for x in str(text).split(",") if x.strip()], dtype=float)
    except ValueError:
        raise SpecError(field, f"must be comma-separated numbers, got {text!r}") from None
    if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise SpecError(field, f"must be finite numbers > 0, got {text!r}")
    return t
