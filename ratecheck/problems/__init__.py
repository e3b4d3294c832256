"""Problem families with known constants: one module per family, registered by name.

A family's compiled oracle is cached by numba in the folder keyed by the kernels'
sources (:mod:`ratecheck._cache`), set up here, before any family module compiles.
"""

from .._cache import use_kernel_cache
from ..registry import Registry

use_kernel_cache()

PROBLEMS: Registry = Registry("problem family", __name__)


def make_problem(spec: dict, field: str = "problem"):
    """Build a problem from its spec table (``family = "..."`` plus the family's parameters)."""
    from ..guards import check_problem

    return PROBLEMS.make(spec, field, "family", "the problem family to build", check_problem)
