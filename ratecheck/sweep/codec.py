"""How the results store holds one run: zlib-compressed JSON with a sha256 checksum.

:func:`encode` makes the ``payload`` and ``checksum`` columns of a
:class:`~ratecheck.engine.trace.RunResult`; :func:`decode` reads them back and raises
:class:`CorruptEntry` for a payload that cannot be trusted.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import numpy as np

from ..engine.trace import RunResult


class CorruptEntry(Exception):
    """A stored payload that cannot be trusted (internal: turned into a recompute)."""


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def encode(result: RunResult) -> tuple[bytes, str]:
    """(zlib-compressed JSON of ``result.to_dict()``, sha256 hex of the JSON)."""
    raw = json.dumps(result.to_dict(), default=_json_default, separators=(",", ":")).encode()
    return zlib.compress(raw, 6), hashlib.sha256(raw).hexdigest()


def decode(payload: bytes, checksum: str, status: str | None = None) -> RunResult:
    """The RunResult of a stored payload; :class:`CorruptEntry` if it cannot be trusted."""
    try:
        raw = zlib.decompress(payload)
    except (zlib.error, TypeError) as exc:
        raise CorruptEntry(f"payload does not decompress ({exc})") from None
    if hashlib.sha256(raw).hexdigest() != checksum:
        raise CorruptEntry("checksum mismatch")
    try:
        result = RunResult.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptEntry(f"payload does not decode to a RunResult ({exc!r})") from None
    if status is not None and result.status != status:
        raise CorruptEntry(f"status column {status!r} ≠ payload status {result.status!r}")
    return result
