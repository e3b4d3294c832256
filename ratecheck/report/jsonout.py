"""``verdicts.json``: the verdicts as strict JSON, byte-identical for identical inputs."""

from __future__ import annotations

import json
import math

import numpy as np


def json_safe(obj):
    """Plain JSON values: NaN → None, ±inf → "inf"/"-inf", numpy scalars and tuples unwrapped."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return obj


def verdicts_json(verdicts: list[dict]) -> str:
    """The verdict list as indented JSON with sorted keys (no time stamp anywhere)."""
    return json.dumps(json_safe(verdicts), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
