"""The report's figures, drawn from verdicts and RunResults only (never by simulating),
and cached by the data they are drawn from.

Each figure function returns ``{format: bytes}`` for the ``formats`` asked for (SVG,
PDF, PNG; :data:`.document.FORMATS`), or None when there is nothing to draw. The drawing
itself is in :mod:`ratecheck.report.draw` (matplotlib and seaborn, imported on the first
cache miss only; one drawing is saved in every format asked for); here a figure is
looked up first in a content-addressed cache, ``figures/<key>.<format>`` in
:func:`~ratecheck._cache.cache_root`, where ``key`` is the SHA-256 of the format, the
figure's name, its arguments (every number, label and array of the verdicts or runs it
draws, the report's method styles) and everything else the picture depends on: the
sources of the drawing code, the versions of matplotlib, seaborn, Pillow and numpy, and
the user's ``matplotlibrc``. A rerun whose results did not change draws nothing, and
imports no plotting library; a stored figure is the one drawing would give, byte for
byte. A figure that fails to draw (a warning, no figure) is not cached. The cache keeps
the :data:`MAX_CACHED` most recently used figures; an unwritable cache is not used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._cache import cache_root, write_entry
from ..errors import SpecError
from ..verdict.complexity import point_key
from ..verdict.evidence import sort_key
from .document import FORMATS

#: At most this many figures are kept in the cache (the least recently used go first).
MAX_CACHED = 2000

#: Source files the pictures depend on (the drawing code and what it imports), from ``ratecheck/``.
_CODE = ("report/draw.py", "report/tuning_draw.py", "report/style.py", "report/gantt.py", "report/bands.py",
         "verdict/complexity.py", "verdict/evidence.py")
_LIBRARIES = ("matplotlib", "seaborn", "pillow", "numpy")


def cache_dir() -> Path:
    """``<cache_root>/figures`` (``$RATECHECK_CACHE_DIR/figures`` when that is set)."""
    return cache_root() / "figures"


@lru_cache(maxsize=1)
def _environment() -> bytes:
    """What a picture depends on besides its data: drawing code, library versions, matplotlibrc."""
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(b"ratecheck-figure-v1\0")
    for name in _CODE:
        h.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=?\0".encode())
    for rc in _matplotlibrc_candidates():
        try:
            h.update(str(rc).encode() + b"\0" + rc.read_bytes() + b"\0")
        except OSError:
            pass
    return h.digest()


def _matplotlibrc_candidates() -> list[Path]:
    """The files matplotlib reads its defaults from, in its search order (``matplotlib_fname``)."""
    out = []
    env = os.environ.get("MATPLOTLIBRC")
    if env:
        out += [Path(env), Path(env) / "matplotlibrc"]
    out.append(Path.cwd() / "matplotlibrc")
    config = os.environ.get("MPLCONFIGDIR") or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"
    out.append(Path(config) / "matplotlibrc")
    return out


class Uncacheable(TypeError):
    """An argument of a type the key does not know (the figure is then drawn, not cached)."""


def _feed(h, obj) -> None:
    """Feed ``obj`` to ``h``, tagged by type, so that different values give different keys."""
    if obj is None or isinstance(obj, (bool, np.bool_)):
        h.update(b"N" if obj is None else (b"T" if obj else b"F"))
    elif isinstance(obj, (int, np.integer)):
        h.update(b"i" + str(int(obj)).encode() + b";")
    elif isinstance(obj, (float, np.floating)):
        h.update(b"f" + struct.pack("<d", float(obj)))
    elif isinstance(obj, str):
        b = obj.encode("utf-8", "surrogatepass")
        h.update(b"s" + str(len(b)).encode() + b":" + b)
    elif isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        if a.dtype.hasobject:
            h.update(b"o" + str(a.shape).encode())
            for x in a.flat:
                _feed(h, x)
            return
        h.update(b"a" + a.dtype.str.encode() + str(a.shape).encode() + b":")
        h.update(a.tobytes())
    elif isinstance(obj, (list, tuple)):
        h.update((b"l" if isinstance(obj, list) else b"t") + str(len(obj)).encode() + b"[")
        for x in obj:
            _feed(h, x)
        h.update(b"]")
    elif isinstance(obj, dict):  # in insertion order: a figure may draw in that order
        h.update(b"d" + str(len(obj)).encode() + b"{")
        for k, v in obj.items():
            _feed(h, k)
            _feed(h, v)
        h.update(b"}")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(b"D" + type(obj).__qualname__.encode() + b"(")
        for f in dataclasses.fields(obj):
            _feed(h, f.name)
            _feed(h, getattr(obj, f.name))
        h.update(b")")
    else:
        raise Uncacheable(f"no figure key for a {type(obj).__name__}")


def figure_key(name: str, args: tuple, kwargs: dict, fmt: str = "svg") -> str:
    """The cache key of figure ``name`` drawn from ``args`` and ``kwargs``, saved as ``fmt``."""
    h = hashlib.sha256(_environment())
    _feed(h, fmt)
    _feed(h, name)
    _feed(h, list(args))
    _feed(h, dict(sorted(kwargs.items())))
    return h.hexdigest()


def _load(key: str, fmt: str) -> bytes | None:
    path = cache_dir() / f"{key}.{fmt}"
    try:
        data = path.read_bytes()
        os.utime(path)  # recently used: kept by the pruning
    except OSError:
        return None
    return data


def _store(key: str, fmt: str, data: bytes) -> None:
    """Cache a figure (a read-only or full cache: it is just not cached)."""
    folder = cache_dir()
    if write_entry(folder / f"{key}.{fmt}", data):
        try:
            _prune(folder)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """Keep the :data:`MAX_CACHED` most recently used figures."""
    entries = [e for e in os.scandir(folder) if e.name.rpartition(".")[2] in FORMATS]
    if len(entries) <= MAX_CACHED:
        return
    def mtime(e):
        try:
            return e.stat().st_mtime
        except OSError:
            return math.inf
    for e in sorted(entries, key=mtime)[: len(entries) - MAX_CACHED * 3 // 4]:
        try:
            os.unlink(e.path)
        except OSError:
            pass


def _cached(name: str):
    """Figure function ``name`` of :mod:`.draw`, looked up in the cache before drawing."""

    def figure(*args, formats=("svg",), **kwargs) -> dict[str, bytes] | None:
        for fmt in formats:
            if fmt not in FORMATS:
                raise SpecError("figure-format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
        try:
            keys = {fmt: figure_key(name, args, kwargs, fmt) for fmt in formats}
        except Uncacheable:
            keys = {}
        hits = {fmt: _load(key, fmt) for fmt, key in keys.items()}
        if keys and all(hit is not None for hit in hits.values()):
            # an empty file: the figure has nothing to draw
            return hits if all(hits.values()) else None
        from . import draw  # matplotlib: only when a figure is drawn

        out, drawn = draw.render(name, *args, formats=formats, **kwargs)
        if drawn:
            for fmt, key in keys.items():
                _store(key, fmt, (out or {}).get(fmt, b""))
        return out

    figure.__name__ = figure.__qualname__ = name
    figure.__doc__ = (f"``{{format: bytes}}`` of :func:`ratecheck.report.draw.{name}` in ``formats`` "
                      "(cached by its data), or None.")
    return figure


bound_figure = _cached("bound_figure")
scaling_figure = _cached("scaling_figure")
ordering_figure = _cached("ordering_figure")
optimal_figure = _cached("optimal_figure")
curves_figure = _cached("curves_figure")
delays_figure = _cached("delays_figure")
tuning_figure = _cached("tuning_figure")
timeline_figure = _cached("timeline_figure")

FIGURES = {
    "holds": bound_figure,
    "ratio-bounded": bound_figure,
    "tightness": bound_figure,
    "scaling": scaling_figure,
    "ordering": ordering_figure,
    "optimal-parameter": optimal_figure,
}


def label_styles(labels) -> dict[str, int]:
    """Style index of each method label (its colour and marker, :mod:`.style`): its rank
    among the sorted distinct labels, so every figure of a report draws a method alike."""
    return {lab: i for i, lab in enumerate(sorted({str(x) for x in labels if x is not None}))}


class FigureSet:
    """The figures of one report: drawn in ``fmt`` (and, for a PDF, as SVG for the HTML
    page) with the report's method ``styles``, named ``figures/<stem>.<fmt>``."""

    def __init__(self, fmt: str, styles: dict[str, int]):
        self.fmt, self.styles = fmt, styles
        self.formats = (fmt, "svg") if fmt == "pdf" else (fmt,)
        self.drawn: dict[str, dict[str, bytes]] = {}

    def draw(self, stem: str, figure, *args) -> bool:
        """Draw ``figure(*args)`` as ``stem``; whether there was something to draw."""
        out = figure(*args, styles=self.styles, formats=self.formats)
        if out:
            self.drawn[stem] = out
        return bool(out)

    def path(self, stem: str) -> str:
        return f"figures/{stem}.{self.fmt}"

    def block(self, stem: str, caption: str):
        """The report block of figure ``stem`` (None when it was not drawn)."""
        from .document import Figure

        out = self.drawn.get(stem)
        if out is None:
            return None
        return Figure(self.path(stem), out[self.fmt], caption, out["svg"] if self.fmt == "pdf" else b"")

    def files(self) -> dict[str, bytes]:
        """Report path → bytes of every figure drawn."""
        return {self.path(stem): out[self.fmt] for stem, out in self.drawn.items()}


def curve_points(runs: list, limit: int = 3) -> list[dict]:
    """The sweep points to draw curves at: all, or ``limit`` spread evenly over the sweep."""
    points = {point_key(r.meta.get("point", {}) or {}): r.meta.get("point", {}) or {} for r in runs}
    keys = sorted(points, key=lambda k: sort_key(points[k]))
    if len(keys) > limit:
        keys = [keys[round(i * (len(keys) - 1) / (limit - 1))] for i in range(limit)]
    return [points[k] for k in keys]


def __getattr__(name: str):
    """The drawing helpers (``_decade``, ``STAT_LABELS``, …) of :mod:`.draw`, imported when asked for."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import draw

    return getattr(draw, name)
