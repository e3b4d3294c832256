"""The folders ratecheck ships beside its code: the theorem cards (``proofs/``) and the
example check specifications (``problems/``).

In a source checkout (the editable install) they are the repository's folders, next to
the package. A built wheel carries them as data files (``pyproject.toml``:
``[tool.setuptools.data-files]``), installed under ``share/ratecheck/`` of the
environment; they are found through the installed distribution's file list
(:mod:`importlib.metadata`), so a ``--user`` or ``--prefix`` install finds them too.
Only the standard library is imported: ``ratecheck theorems`` stays light.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import SpecError

#: The shipped folders, as named in the repository.
FOLDERS = ("proofs", "problems")


@lru_cache(maxsize=None)
def data_folder(name: str) -> Path:
    """The shipped folder ``name`` (one of :data:`FOLDERS`): the repository's where the
    package sits in a checkout, else the installed copy; SpecError if neither exists."""
    tree = Path(__file__).resolve().parents[1] / name
    if tree.is_dir():
        return tree
    installed = _installed(name)
    if installed is None:
        raise SpecError(name, f"the bundled folder {name!r} is neither next to the package ({tree}) nor installed "
                              "with it (share/ratecheck/): reinstall ratecheck")
    return installed


def _installed(name: str) -> Path | None:
    """``share/ratecheck/<name>`` of the installed distribution, or None."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("ratecheck")
    except PackageNotFoundError:
        return None
    for f in dist.files or []:
        parts = f.parts
        for i in range(len(parts) - 2):
            if parts[i:i + 3] == ("share", "ratecheck", name):
                folder = Path(dist.locate_file(Path(*parts[:i + 3]))).resolve()
                if folder.is_dir():
                    return folder
    return None


def example_names() -> list[str]:
    """The bundled example checks (``problems/*.toml``), by name."""
    return sorted(p.stem for p in data_folder("problems").glob("*.toml"))


def example_spec(name: str, field: str = "--example") -> Path:
    """The bundled check specification ``name`` (e.g. ``quickstart``)."""
    path = data_folder("problems") / f"{name}.toml"
    if "/" in name or "\\" in name or not path.is_file():
        raise SpecError(field, f"unknown example {name!r} (bundled: {', '.join(example_names())})")
    return path
