"""``ratecheck models``: the asynchrony models and their parameters.

``ratecheck models [MODEL]`` lists every registered model (or one) with its parameters:
type, default and description, as the model's constructor declares them (read back by
:func:`ratecheck.strict.declared`, as ``ratecheck problems`` does for the problem
families). ``--json`` prints the same as JSON.
"""

from __future__ import annotations

import json

from ..strict import parameter_table
from . import MODELS


def describe_model(name: str) -> dict:
    """A model's one-line summary and its declared parameters."""
    return {"model": name, **parameter_table(MODELS.get(name, "model"))}


def run(args) -> int:
    entries = [describe_model(name) for name in ([args.model] if args.model else MODELS.names())]
    if args.json:
        print(json.dumps(entries[0] if args.model else entries, indent=2, ensure_ascii=False))
        return 0
    for i, e in enumerate(entries):
        print(f"{'' if i == 0 else chr(10)}{e['model']} — {e['summary']}")
        for name, p in e["parameters"].items():
            default = ("required" if name in e["required"] else "optional" if p["default"] is None
                       else f"default {p['default']!r}")
            print(f"    {name}: {p['type']} ({default}) — {p['description']}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list asynchrony models and their parameters",
                              description="The asynchrony models and the parameters their spec tables take.")
    p.add_argument("model", nargs="?", help="show one model (default: list all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
