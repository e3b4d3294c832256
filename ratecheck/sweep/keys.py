"""Run keys: a stable hash of everything that determines one run.

A *fragment* is the JSON-able dict that fully determines one run (problem, asynchrony,
algorithm, parameters, seed, horizon). Its key is ::

    run_key(fragment) = sha256( "ratecheck-run/1\\n" + ratecheck.__version__ + "\\n"
                                + canonical_json(fragment) )

in hex. ``canonical_json`` follows the JSON Canonicalization Scheme (RFC 8785) in what
matters for a key:

* object keys sorted, no insignificant whitespace, ASCII-escaped strings;
* a number is written by *value*, not by its source text: 0.1, ``float("0.1000")`` and
  ``numpy.float64(0.1)`` give ``0.1`` (shortest round-trip form), and an integral float
  below 2**53 in magnitude is written as the integer (1.0 → ``1``, −0.0 → ``0``), as in
  RFC 8785 §3.2.2.3. Distinct doubles stay distinct (nothing is rounded); Python ints are
  kept exact at any size;
* tuples and numpy arrays are lists; numpy scalars are their Python values;
* non-finite floats, which JSON lacks, become ``{"$float": "nan" | "inf" | "-inf"}``.

The code version is part of the key, so results computed by another ratecheck version
are never reused; while developing the engine without bumping the version, pass
``--force``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import ratecheck

from ..errors import SpecError

#: Tag hashed in front of every key; bump it if the canonical form ever changes.
KEY_SCHEME = "ratecheck-run/1"

_EXACT_INT_LIMIT = 2**53


def canonical(value: Any, field: str = "fragment") -> Any:
    """The canonical JSON value of ``value`` (see the module docstring).

    Raises :class:`SpecError` naming the field (``fragment.a.b``) of a value JSON
    cannot hold.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        v = value
        if math.isnan(v):
            return {"$float": "nan"}
        if math.isinf(v):
            return {"$float": "inf" if v > 0 else "-inf"}
        if v.is_integer() and abs(v) < _EXACT_INT_LIMIT:
            return int(v)
        return v
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise SpecError(field, f"keys must be strings, got {k!r}")
            out[k] = canonical(v, f"{field}.{k}")
        return out
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [canonical(v, f"{field}[{i}]") for i, v in enumerate(value)]
    raise SpecError(field, f"a {type(value).__name__} cannot be part of a run key")


def canonical_json(fragment: Mapping[str, Any]) -> str:
    """The canonical JSON text of a fragment (sorted keys, compact, ASCII)."""
    if not isinstance(fragment, Mapping):
        raise SpecError("fragment", f"must be a dict, got {type(fragment).__name__}")
    return json.dumps(
        canonical(fragment), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
        allow_nan=False,
    )


def run_key(fragment: Mapping[str, Any]) -> str:
    """The 64-hex-digit key of the run a fragment determines (module docstring)."""
    text = f"{KEY_SCHEME}\n{ratecheck.__version__}\n{canonical_json(fragment)}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()
