"""Where ratecheck keeps compiled code, and a numba cache keyed by ratecheck's sources.

numba's ``cache=True`` keys a function's cached machine code by its own file only: a
kernel that inlines a function from another module (every schedule kernel inlines the
clock and the op emitters) keeps running the old code after that module changes. So
the numba cache lives in a folder named by a hash of all of ratecheck's source files;
any edit or upgrade starts a fresh one. ``NUMBA_CACHE_DIR``, when set, wins.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path


def cache_root() -> Path:
    """``$RATECHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/ratecheck`` (default ``~/.cache/ratecheck``)."""
    root = os.environ.get("RATECHECK_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ratecheck"


@lru_cache(maxsize=1)
def source_hash() -> str:
    """sha256 (16 hex digits) of every ``.py`` file of the package, with its path."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def use_source_keyed_numba_cache() -> None:
    """Point numba's cache at ``cache_root()/numba/<source_hash()>`` unless the user chose one."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = cache_root() / "numba" / source_hash()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # not writable: numba's default (next to the sources) stays
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # imported before ratecheck: numba read its config already
        sys.modules["numba"].config.CACHE_DIR = str(folder)
