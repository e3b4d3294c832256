"""The algorithm catalog: one module per method, registered by name."""

from ..registry import Registry

ALGORITHMS: Registry = Registry("algorithm", __name__)
