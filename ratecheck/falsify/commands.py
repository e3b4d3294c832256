"""``ratecheck falsify ID``: search a card's assumptions for an instance that breaks its bound.

Examples::

    ratecheck falsify ringmaster-asgd
    ratecheck falsify ringmaster-asgd --set eps=0.05 sigma2=1 n=16 --budget 100 --seed 3 --out DIR
    ratecheck falsify ringmaster-asgd-universal --method ringmaster-asgd --json

    ratecheck falsify delayed-sgd-explicit --set eps=0.1 --model pep-worst --model constant

Only a card whose iteration bound has explicit constants can be falsified (a hidden-
constant card exits with 2). The search covers every problem family and every model of
the card's computation assumption (``--family`` and ``--model`` restrict them; the
budget is per cell). Prints the verdict, ``violated`` (exit code 1) or ``not violated
(worst ratio r)`` (exit 0), the coverage per cell and the worst instance; ``--json``
prints the JSON document instead; ``--out DIR`` writes ``falsify.md``, ``falsify.png``
(ratio vs evaluation), ``falsify.json`` and ``counterexample.toml`` (a check spec that
``ratecheck check`` runs).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import SpecError
from ..theory.commands import parse_sets
from .report import write_report
from .objective import MAX_ITERATIONS
from .search import DEFAULT_ALPHA, DEFAULT_BUDGET, DEFAULT_CONFIRM, DEFAULT_SEEDS, falsify
from .space import DEFAULT_DIM, DEFAULT_SPREAD, DEFAULTS


def _int(field: str, text) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise SpecError(field, f"must be an integer, got {text!r}") from None


def _float(field: str, text) -> float:
    try:
        return float(text)
    except ValueError:
        raise SpecError(field, f"must be a number, got {text!r}") from None


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "falsify", help="search a card's assumptions for the instance with the largest observed/bound",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("theorem", help="card id, e.g. ringmaster-asgd")
    p.add_argument("--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help="card inputs and n (defaults: " + ", ".join(f"{k}={v:g}" for k, v in DEFAULTS.items())
                   + ", n=8)")
    p.add_argument("--budget", default=str(DEFAULT_BUDGET), help=f"instances to evaluate per cell (default {DEFAULT_BUDGET})")
    p.add_argument("--family", action="append", default=None, help="search only this problem family (repeatable)")
    p.add_argument("--model", action="append", default=None,
                   help="search only this asynchrony model (repeatable: fixed, random, universal, constant, uniform, "
                        "sequence, pep-worst)")
    p.add_argument("--max-iterations", default=str(MAX_ITERATIONS),
                   help=f"skip instances whose card K exceeds this (default {MAX_ITERATIONS})")
    p.add_argument("--seed", default="0", help="seed of the search (default 0)")
    p.add_argument("--seeds", default=str(DEFAULT_SEEDS), help=f"noise seeds per instance (default {DEFAULT_SEEDS})")
    p.add_argument("--confirm", default=str(DEFAULT_CONFIRM),
                   help=f"fresh noise seeds to confirm the worst instance (default {DEFAULT_CONFIRM})")
    p.add_argument("--alpha", default=str(DEFAULT_ALPHA), help=f"one-sided level of the CI (default {DEFAULT_ALPHA})")
    p.add_argument("--dim", default=str(DEFAULT_DIM),
                   help=f"largest problem dimension (the quadratics' dimension; default {DEFAULT_DIM})")
    p.add_argument("--spread", default=str(DEFAULT_SPREAD), help=f"largest τ_max/τ_min (default {DEFAULT_SPREAD:g})")
    p.add_argument("--method", help="algorithm to run (default: the one whose card this is)")
    p.add_argument("--json", action="store_true", help="print the JSON document")
    p.add_argument("--out", type=Path, help="folder for falsify.md, falsify.png, falsify.json, counterexample.toml")
    p.set_defaults(func=run)


def run(args) -> int:
    outcome = falsify(args.theorem, parse_sets(args.set), budget=_int("budget", args.budget),
                      seed=_int("seed", args.seed), seeds=_int("seeds", args.seeds),
                      confirm=_int("confirm", args.confirm), alpha=_float("alpha", args.alpha),
                      dim=_int("dim", args.dim), spread=_float("spread", args.spread), method=args.method,
                      families=args.family, models=args.model, max_iterations=_int("max_iterations", args.max_iterations))
    doc = outcome.as_dict()
    if args.out is not None:
        path = write_report(outcome, args.out)
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        w = doc["worst"]
        print(f"falsify {outcome.card.id}: {outcome.statement()}")
        print("coverage:")
        for c in doc["coverage"]:
            if c["searched"]:
                worst = "—" if c["worst_ratio"] is None else f"{c['worst_ratio']:.4g}"
                skipped = f", {sum(c['skipped'].values())} skipped" if c["skipped"] else ""
                print(f"  {c['cell']}: {c['judged']} judged{skipped}, worst ratio {worst}")
            else:
                print(f"  {c['cell']}: not searched ({c['not_searched']})")
        print(f"worst instance (x = {json.dumps([round(v, 6) for v in w['x']])}):")
        print(f"  problem    {json.dumps(w['problem'])}")
        print(f"  asynchrony {json.dumps(w['asynchrony'])}")
        if args.out is not None:
            print(f"report: {path}")
    return 1 if outcome.violated else 0
