"""The spec section of a report: the parsed spec written back as TOML, the language it was
written in (``tomli_w``, the writer paired with the standard library's ``tomllib``).

TOML has no null: a field left unset (None) is left out, as in the spec file. A set is
written as a sorted array, a value TOML cannot hold (a path) as text; non-ASCII text
stays as it is (no \\u escapes).
"""

from __future__ import annotations

from pathlib import PurePath

import tomli_w


def _ready(obj):
    """``obj`` with None dropped from tables and arrays, and every leaf a TOML value."""
    if isinstance(obj, dict):
        return {str(k): _ready(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [_ready(v) for v in items if v is not None]
    if isinstance(obj, (bool, int, float, str)):  # TOML has inf and nan
        return obj
    if isinstance(obj, PurePath):
        return str(obj)
    try:  # numpy scalars
        return _ready(obj.item())
    except AttributeError:
        return str(obj)


def spec_toml(spec: dict) -> str:
    """``spec`` (a parsed spec dict) as TOML text."""
    return tomli_w.dumps(_ready(spec))
