"""``verdicts.json``: the verdicts as strict JSON, byte-identical for identical inputs."""

from __future__ import annotations

import json
import math

import numpy as np


def json_safe(obj):
    """Plain JSON values: NaN → None, ±inf → "inf"/"-inf", numpy scalars and tuples unwrapped."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def verdicts_json(verdicts: list[dict], partial: dict | None = None) -> str:
    """The verdict list as indented JSON with sorted keys (no time stamp anywhere).

    ``partial`` (``{"done", "planned"}`` of an interrupted check) wraps the list in
    ``{"complete": false, "runs_done": …, "runs_planned": …, "verdicts": [...]}``, so
    a script reading a complete check's list cannot take a partial one for it.
    """
    doc = verdicts if not partial else {"complete": False, "runs_done": partial["done"],
                                        "runs_planned": partial["planned"], "verdicts": verdicts}
    return json.dumps(json_safe(doc), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
