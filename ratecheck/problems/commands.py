"""``ratecheck problems``: the problem families, their parameters and the provenance of each constant.

* ``ratecheck problems`` lists every family with its parameters (type, default and
  description, as the family's constructor declares them) and, for a small example
  instance, each constant with its provenance.
* ``ratecheck problems FAMILY --set NAME=VALUE [NAME=VALUE ...]`` builds that instance and
  shows its constants, their provenance and notes, and its declared properties (``--set``
  as in every command: :func:`ratecheck.cli.add_set_option`).
* ``--json`` prints the same as JSON.
"""

from __future__ import annotations

import json

from ..cli import add_set_option, parse_sets
from ..errors import RatecheckError, SpecError
from ..strict import parameter_table
from . import PROBLEMS, make_problem


def describe_family(name: str, overrides: dict | None = None) -> dict:
    """Parameters of a family (as its constructor declares them) and the constants of one
    instance (``example`` when no overrides)."""
    cls = PROBLEMS.get(name, "family")
    spec = dict(getattr(cls, "example", {}))
    spec.update(overrides or {})
    entry = {"family": name, **parameter_table(cls)}
    try:
        prob = make_problem({"family": name, **spec})
    except RatecheckError as exc:
        if overrides:
            raise
        entry["instance_error"] = str(exc)
        return entry
    entry["instance"] = prob.describe()
    return entry


def _print_entry(e: dict, verbose: bool) -> None:
    print(f"{e['family']} — {e['summary']}")
    print("  parameters:")
    for name, p in e["parameters"].items():
        default = ("required" if name in e["required"] else "optional" if p["default"] is None
                   else f"default {p['default']!r}")
        print(f"    {name}: {p['type']} ({default}){' — ' + p['description'] if p['description'] else ''}")
    inst = e.get("instance")
    if inst is None:
        print(f"  (no example instance: {e.get('instance_error', '')})")
        return
    shown = ", ".join(f"{k}={v!r}" for k, v in inst["parameters"].items() if k in e["required"] or verbose)
    print(f"  instance ({shown or 'defaults'}): d = {inst['d']}, n_parts = {inst['n_parts']}")
    width = max((len(k) for k in inst["constants"]), default=0)
    for k, c in inst["constants"].items():
        line = f"    {k:<{width}}  {c['value']:<.10g}  {c['provenance']}"
        if verbose and c.get("note"):
            line += f"  — {c['note']}"
        print(line)
    print(f"  properties: {', '.join(inst['properties'])}")


def run(args) -> int:
    overrides = parse_sets(args.set)
    if args.family is None:
        if overrides:
            raise SpecError("--set", "needs a FAMILY")
        entries = [describe_family(name) for name in PROBLEMS.names()]
    else:
        entries = [describe_family(args.family, overrides)]
    if args.json:
        print(json.dumps(entries if args.family is None else entries[0], indent=2, default=float, ensure_ascii=False))
        return 0
    for i, e in enumerate(entries):
        if i:
            print()
        _print_entry(e, verbose=args.family is not None)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("problems", help="list problem families and the provenance of their constants",
                              description="The problem families, their parameters and the provenance of each constant.")
    p.add_argument("family", nargs="?", help="show one family (default: list all)")
    add_set_option(p, "parameters of the instance, e.g. --set d=5 L=2 (VALUE is JSON or a bare string)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
