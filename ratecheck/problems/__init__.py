"""Problem families with known constants: one module per family, registered by name."""

from ..registry import Registry

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
