"""Where ratecheck keeps compiled code: numba's cache, keyed by the sources of the kernels.

numba's ``cache=True`` keys a function's cached machine code by its own file only: a
kernel that inlines a function from another module (every schedule kernel inlines the
clock and the op emitters, the replay inlines the problem's oracle and the
statistics) would keep running the old code after that module changes. So ratecheck's
compiled functions are cached in a folder named by a hash of the sources that define
or are inlined into compiled code (:func:`kernel_sources`: all of ``engine/`` and
``algorithms/``, and every other module of the package that defines a compiled
function: the oracles of ``problems/``); editing any of them starts a fresh folder,
editing anything else (a report's wording, a theory card) compiles nothing.

The folder is given to numba by a cache locator (:func:`use_kernel_cache`) that answers
for ratecheck's own files only: nothing else's numba cache moves, and no environment
variable is set. ``NUMBA_CACHE_DIR``, when set, wins.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_COMPILED = re.compile(r"^@njit\b", re.MULTILINE)


def cache_root() -> Path:
    """``$RATECHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/ratecheck`` (default ``~/.cache/ratecheck``)."""
    root = os.environ.get("RATECHECK_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ratecheck"


def write_entry(path: Path, data: bytes) -> bool:
    """Write a cache entry whole or not at all (a temporary file renamed over ``path``):
    a reader sees the old entry, the new one, or none. False when the cache cannot be
    written (read-only, full): the caller goes on without it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def kernel_sources(package: Path = PACKAGE) -> list[Path]:
    """The modules whose text compiled code depends on: ``engine/*.py``,
    ``algorithms/*.py`` (kernels and the constants they compile in) and every other
    module of ``package`` that defines a compiled function (a line ``@njit…``)."""
    dirs = {package / "engine", package / "algorithms"}
    return sorted(p for p in package.rglob("*.py") if p.parent in dirs or _COMPILED.search(p.read_text(encoding="utf-8")))


@lru_cache(maxsize=None)
def kernel_hash(package: Path = PACKAGE) -> str:
    """sha256 (16 hex digits) of :func:`kernel_sources`, each with its path in the package."""
    h = hashlib.sha256()
    for path in kernel_sources(package):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def kernel_cache_dir() -> Path:
    """numba's cache folder for ratecheck: ``numba/<kernel_hash()>`` in :func:`cache_root`."""
    return cache_root() / "numba" / kernel_hash()


def use_kernel_cache() -> None:
    """Have numba cache ratecheck's compiled functions in :func:`kernel_cache_dir` (once
    per process; call it before the package's first cached numba function is defined)."""
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl  # numba ≥ 0.66 / older
    locator = _locator()
    if locator not in impl._locator_classes:
        impl._locator_classes.insert(0, locator)


@lru_cache(maxsize=1)
def _locator():
    from numba.core import caching, config

    base = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator

    class KernelCacheLocator(base):
        """numba's locator for a user-provided folder, with :func:`kernel_cache_dir` as the
        folder, for the package's files only and unless ``NUMBA_CACHE_DIR`` is set."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(kernel_cache_dir() / self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func, py_file):
            if config.CACHE_DIR or not Path(py_file).resolve().is_relative_to(PACKAGE):
                return None
            self = cls(py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError:
                return None  # not writable: numba's default locators take over
            return self

    return KernelCacheLocator
