"""Asynchrony models: one module per model, registered by name."""

from ..registry import Registry

MODELS: Registry = Registry("asynchrony model", __name__)


def make_model(spec: dict, field: str = "asynchrony"):
    """Build an asynchrony model from its spec table (``model = "..."`` plus parameters)."""
    from ..guards import check_workers

    return MODELS.make(spec, field, "model", "the asynchrony model to use", check_workers)
