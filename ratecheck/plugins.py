"""Plugins: methods, problem families, asynchrony models and cards from outside the tree.

A plugin is a Python module that registers implementations the way the built-in ones
do (``@ALGORITHMS.register("my-method")``, ``@PROBLEMS.register("my-family")``,
``@MODELS.register(...)``: :mod:`ratecheck.registry`); theorem cards are TOML files in
a folder added to the card search path (:func:`ratecheck.theory.search_path`). Two ways
in, both honoured by every command and every sweep backend:

* installed packages declare their modules in the entry-point group ``ratecheck.plugins``
  (``[project.entry-points."ratecheck.plugins"] mine = "mypkg.methods"``); every
  registry imports them on first use (:func:`load_installed`), in any process;
* a check names its own: ``[check] import = ["mypkg.methods"]`` (importable module
  names) and ``proofs = ["cards/"]`` (folders relative to the spec). The modules are
  imported before the spec is planned (an unknown one is a SpecError naming
  ``check.import``, exit 2) and, through :func:`with_imports`, in the worker process
  that runs each fragment — a local pool's or a Dask cluster's (whose workers must be
  able to import them: same environment, or the module on their ``PYTHONPATH``).
"""

from __future__ import annotations

import importlib
from functools import lru_cache, partial
from typing import Callable, Sequence

from .errors import SpecError

#: The entry-point group of installed plugins.
GROUP = "ratecheck.plugins"


def import_plugins(modules: Sequence[str], field: str = "check.import") -> None:
    """Import each plugin module (its registrations run); SpecError naming ``field``
    for one that cannot be imported."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise SpecError(field, f"cannot import plugin module {name!r} ({exc})") from None


@lru_cache(maxsize=None)
def load_installed() -> tuple[str, ...]:
    """Import the modules of the installed packages' ``ratecheck.plugins`` entry points
    (once per process); return their names. A broken one is a SpecError naming it."""
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=GROUP):
        try:
            ep.load()
        except Exception as exc:  # any error of a third-party module: one line naming it
            raise SpecError(f"entry point {GROUP}:{ep.name}", f"cannot load {ep.value!r} ({type(exc).__name__}: {exc})") from None
        loaded.append(ep.name)
    return tuple(loaded)


def _run_with(modules: tuple[str, ...], execute: Callable, fragment: dict):
    import_plugins(modules)
    return execute(fragment)


def with_imports(execute: Callable, modules: Sequence[str]) -> Callable:
    """``execute`` that first imports ``modules`` in the process running it: picklable
    (a partial of top-level functions) so a pool or Dask worker receives it with each
    fragment. Without modules, ``execute`` itself."""
    return partial(_run_with, tuple(modules), execute) if modules else execute
