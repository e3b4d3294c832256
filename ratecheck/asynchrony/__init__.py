"""Asynchrony models: one module per model, registered by name."""

from ..registry import Registry

MODELS: Registry = Registry("asynchrony model", __name__)


def make_model(spec: dict, field: str = "asynchrony"):
    """Build an asynchrony model from its spec table (``model = "..."`` plus parameters)."""
    from ..errors import SpecError
    from ..guards import check_workers

    spec = dict(spec)
    name = spec.pop("model", None)
    if name is None:
        raise SpecError(f"{field}.model", "missing (the asynchrony model to use)")
    cls = MODELS.get(name, f"{field}.model")
    check_workers(spec, field)
    return cls.from_spec(spec, field)
