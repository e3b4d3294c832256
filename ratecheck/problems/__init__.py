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
    from ..errors import SpecError
    from ..guards import check_problem

    spec = dict(spec)
    family = spec.pop("family", None)
    if family is None:
        raise SpecError(f"{field}.family", "missing (the problem family to build)")
    cls = PROBLEMS.get(family, f"{field}.family")
    check_problem(spec, field)
    return cls.from_spec(spec, field)
