"""Name → implementation registries, filled by importing one module per concept.

A new problem family, asynchrony model or algorithm is one new module in its package
that decorates its class with ``@REGISTRY.register("name")``; :meth:`Registry.load`
imports every module of the package so nothing else in the tree changes, and the
installed plugins (the ``ratecheck.plugins`` entry points, :mod:`ratecheck.plugins`).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, TypeVar

from .errors import SpecError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of implementations of one concept (e.g. "algorithm")."""

    def __init__(self, kind: str, package: str):
        self.kind = kind
        self.package = package
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            self._items[name] = obj
            setattr(obj, "registry_name", name)
            return obj

        return deco

    def load(self) -> None:
        """Import every module of the package, then the installed plugins, so that their
        registrations run."""
        if self._loaded:
            return
        from .plugins import load_installed

        pkg = importlib.import_module(self.package)
        for mod in pkgutil.iter_modules(pkg.__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{self.package}.{mod.name}")
        self._loaded = True
        load_installed()

    def get(self, name: str, field: str | None = None) -> T:
        self.load()
        try:
            return self._items[name]
        except (KeyError, TypeError):  # TypeError: not a name at all (a table, a list)
            known = ", ".join(sorted(self._items))
            raise SpecError(field or self.kind, f"unknown {self.kind} {name!r} (known: {known})") from None

    def make(self, spec: dict, field: str, key: str, missing: str, check: Callable | None = None):
        """Build the implementation a spec table names under ``key`` from the table's other
        entries (``check(entries, field)`` first, where given)."""
        spec = dict(spec)
        name = spec.pop(key, None)
        if name is None:
            raise SpecError(f"{field}.{key}", f"missing ({missing})")
        cls = self.get(name, f"{field}.{key}")
        if check is not None:
            check(spec, field)
        return cls.from_spec(spec, field)

    def names(self) -> list[str]:
        self.load()
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        self.load()
        return sorted(self._items.items())


def construct(cls, spec: dict, field: str):
    """``cls(**spec)``. A constructor declared with :func:`ratecheck.strict.validated` names
    a misspelt, missing or invalid parameter itself (``SpecError`` at ``key``); any other
    constructor's TypeError (an unexpected keyword) becomes a SpecError at ``field``."""
    try:
        return cls(**spec)
    except TypeError as exc:
        raise SpecError(field, str(exc)) from None
