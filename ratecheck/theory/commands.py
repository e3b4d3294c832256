"""``ratecheck theorems | show | bound | compare | explain | optimal``: theorem cards on the command line.

``theorems`` lists the cards from the cache of their summary rows (:mod:`.listing`: no
sympy once the cards are cached). ``theorems --check`` runs every derivation and every
source-form check of every card and exits 1 when one fails, naming the card and the
derivation (0 otherwise).

``bound ID --set NAME=VALUE ... [--tau LIST | --tau-profile PROFILE] --json`` prints the
JSON contract of DESIGN.md: ``{"theorem", "parameters", "bounds", "provenance",
"constants", ...}``. Bad input raises :class:`~ratecheck.errors.SpecError`, which
``ratecheck.cli`` turns into one line and exit code 2.
"""

from __future__ import annotations

import json


from ..cli import add_set_option, parse_sets as cli_parse_sets
from ..errors import SpecError
from ..vocabulary import VOCABULARY
from . import all_cards, load_card
from .profiles import PROFILES, tau_list, tau_profile


def register(sub) -> None:
    p = sub.add_parser("theorems", help="list the theorem cards with their provenance")
    p.add_argument("--check", action="store_true",
                   help="run every derivation and source-form check; exit 1 when one fails")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_theorems)

    p = sub.add_parser("show", help="a card: assumptions, formulas (text and LaTeX), derivation status")
    p.add_argument("theorem", help="card id, e.g. ringmaster-asgd")
    p.add_argument("--no-check", action="store_true", help="skip checking the derivation steps")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("bound", help="evaluate a card's parameters and bounds")
    p.add_argument("theorem")
    _inputs(p)
    p.set_defaults(func=cmd_bound)

    p = sub.add_parser("compare", help="several cards side by side on the same inputs")
    p.add_argument("theorems", nargs="+")
    _inputs(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("explain", help="a card in plain words, evaluated and run on a small instance")
    p.add_argument("theorem", help="card id, e.g. ringmaster-asgd")
    add_set_option(p, "instance knobs (L, mu, sigma2, d, eps, n), card parameters (e.g. R=4, gamma=0.01) or other card inputs")
    p.add_argument("--tau-profile", default=None, help="KIND:n=N compute times of the instance (default sqrt:n=8)")
    p.add_argument("--seed", type=int, default=0, help="first seed of the live example (it runs 3)")
    p.add_argument("--no-run", action="store_true", help="explain and evaluate only, no live simulation")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("optimal", help="optimal value of a card parameter (symbolic and numeric)")
    p.add_argument("theorem")
    p.add_argument("--param", required=True, help="parameter to optimise, e.g. R")
    p.add_argument("--objective", default="time", help="bound to minimise (default: time)")
    p.add_argument("--max", type=int, default=None, help="largest integer value to scan")
    _inputs(p)
    p.set_defaults(func=cmd_optimal)


def cmd_explain(args) -> int:
    from .explain import PROFILE, explain

    if args.seed < 0:
        raise SpecError("--seed", f"must be >= 0, got {args.seed}")
    profile = args.tau_profile or PROFILE
    tau_profile(profile)  # a bad profile is an error naming --tau-profile
    ex = explain(args.theorem, parse_sets(args.set), profile=profile, seed=args.seed, run=not args.no_run)
    print(ex.text, end="")
    return 0


def _inputs(p) -> None:
    add_set_option(p, "symbol values (e.g. L=1 eps=0.01); a parameter name overrides the card's choice")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--tau", help="comma-separated compute times τ_i")
    g.add_argument("--tau-profile", help=f"KIND:n=N with KIND in {', '.join(PROFILES)}")
    p.add_argument("--json", action="store_true")


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SpecError(name, f"must be a number, got {text!r}") from None


def parse_sets(items) -> dict[str, float]:
    """``--set`` values of the card commands: numbers (:func:`ratecheck.cli.parse_sets`)."""
    return cli_parse_sets(items, _number)


def _tau(args):
    if args.tau is not None:
        return tau_list(args.tau)
    if args.tau_profile is not None:
        return tau_profile(args.tau_profile)
    return None


def _fmt(v) -> str:
    """4 significant digits; a whole number below 10⁶ in full."""
    if v is None:
        return "—"
    v = float(v)
    if v == round(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.4g}"


def unit(name: str) -> str:
    """The unit of bound ``name``: iterations (server updates), virtual seconds, gradients."""
    if name == "iterations":
        return "iterations"
    if "time" in name:
        return "virtual seconds"
    if name in ("gradients", "computed"):
        return "gradients"
    return ""


def _with_unit(v, name: str) -> str:
    return "—" if v is None else f"{_fmt(v)} {unit(name)}".rstrip()


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False))


# --- theorems -------------------------------------------------------------------------


def cmd_theorems(args) -> int:
    if args.check:
        return _check_all(all_cards(), args.json)
    from .listing import rows as listing_rows

    rows = listing_rows()  # the cards' summary rows, from the card cache where unchanged (no sympy)
    if args.json:
        _print_json(rows)
        return 0
    w = max(len(r["id"]) for r in rows)
    print(f"{'id':<{w}}  {'kind':<5}  {'statistic':<16}  {'time':<8}  {'weakest':<13}  citation")
    for r in rows:
        tc = r["bounds"].get("time", "—")
        print(f"{r['id']:<{w}}  {r['kind']:<5}  {r['statistic']:<16}  {tc:<8}  {r['weakest']:<13}  {r['citation']}")
    print("\nweakest = the least reliable provenance among the card's formulas "
          "(verified > code > restated > derived > secondary > reconstructed > not-found)")
    return 0


def _check_all(cards, as_json: bool) -> int:
    """``theorems --check``: every derivation of every card; exit 1 naming each failure."""
    from .derivations import check_card

    results = [r for c in cards for r in check_card(c)]
    failed = [r for r in results if not r.ok]
    if as_json:
        _print_json({"cards": len(cards), "checked": len(results), "failed": len(failed),
                     "results": [{"card": r.card, **r.as_dict()} for r in results]})
        return 1 if failed else 0
    for r in failed:
        print(f"FAILED {r.card}: {r.name}: {r.detail}")
    proven = sum(r.status == "proven" for r in results)
    trivial = sum(bool(r.trivial) and r.kind == "step" for r in results)
    print(f"{len(results)} checks of {len(cards)} cards ({sum(r.kind == 'source' for r in results)} against source "
          f"forms): {proven} proven, {len(results) - proven - len(failed)} spot-checked, {len(failed)} failed; "
          f"{trivial} derivation(s) flagged trivial (see ratecheck show)")
    return 1 if failed else 0


# --- show -----------------------------------------------------------------------------


def cmd_show(args) -> int:
    from .derivations import check_card

    c = load_card(args.theorem)
    results = [] if args.no_check else check_card(c)
    if args.json:
        _print_json(_card_dict(c, results))
        return 0
    cit = c.citation
    print(f"{c.id}: {c.title}")
    print(f"  {', '.join(cit['authors'])}. {cit['title']}. {cit['venue']} ({cit['year']}), arXiv:{cit['arxiv']}. {cit['where']}.")
    for s in c.see_also:
        print(f"  see also: {', '.join(s['authors'])}. {s['title']}. {s['venue']} ({s['year']}), arXiv:{s['arxiv']}. {s['where']}.")
    rng = f", k = {c.statistic_range}" if c.statistic.startswith("avg") else ""
    print(f"  kind: {c.kind}    statistic: {c.statistic}{rng}")
    t = c.tight
    print(f"  tight: {'yes' if t['value'] else 'no'}" + (f" (with {', '.join(t['with'])})" if t["with"] else "")
          + (f": {t['note']}" if t["note"] else ""))
    print("  assumptions:")
    for a in c.assumptions:
        print(f"    {a}: {VOCABULARY[a]}")
    print("  symbols:")
    for name, s in c.symbols.items():
        print(f"    {name} ({s.domain}): {s.meaning}")
    for title, entries in (("parameters", c.parameters), ("bounds", c.bounds)):
        if not entries:
            continue
        print(f"  {title}:")
        for e in entries.values():
            extra = f", constants {e.constants}" if title == "bounds" else ""
            print(f"    {e.name} = {e.text}")
            print(f"        LaTeX: {c.latex(e.name)}")
            print(f"        [{e.provenance}{extra}]" + (f" {e.meaning}" if e.meaning else ""))
            if e.source is not None:
                print(f"        source, {_source_line(e.source)}")
    if c.conditions:
        print("  conditions:")
        for cond in c.conditions:
            print(f"    {cond.text}    [{cond.provenance}]")
            if cond.source is not None:
                print(f"        source, {cond.source.ref}: {cond.source.text}    [{cond.source.provenance}]")
    for label, items in (("notes", c.notes), ("not found / not verified", c.not_found)):
        if items:
            print(f"  {label}:")
            for x in items:
                print(f"    - {x}")
    if results:
        print("  derivations:")
        for r in results:
            print(f"    {r.name}: {r.status}{_flag(r)}")
            print(f"        {r.claim}")
            if r.detail:
                print(f"        {r.detail}")
    return 0


def _source_line(src) -> str:
    how = {"=": "equal", ">=": f"the card's ≥ it, ≤ {src.within_text}", "<=": f"the card's ≤ it, ≥ {src.within_text}"}
    return f"{src.ref}: {src.text}    [{src.provenance}; {how[src.relation]}]"


def _flag(r) -> str:
    """What a check's status does not show: a source form copied verbatim, a trivial step."""
    if not r.trivial:
        return ""
    if r.kind == "source":
        return "  (verbatim)" if r.trivial == "verbatim" else ""
    return f"  [trivial: {r.trivial}]"


def _card_dict(c, results) -> dict:
    return {**c.summary(), "derivations": [r.as_dict() for r in results]}


# --- bound ----------------------------------------------------------------------------


def cmd_bound(args) -> int:
    from ..api import bound

    c = load_card(args.theorem)
    tau = _tau(args)
    out = bound(args.theorem, tau, **parse_sets(args.set))
    if out["missing"]:
        missing = out["missing"]
        raise SpecError(", ".join(missing), f"missing: {c.id} needs {'it' if len(missing) == 1 else 'them'} "
                        "(symbols with --set NAME=VALUE, tau with --tau or --tau-profile)")
    violations = out["conditions"]
    if args.json:
        _print_json(out)
        return 0
    print(f"{c.id}: {c.title}")
    rng = f" over k = {c.statistic_range}" if c.statistic.startswith("avg") else ""
    print(f"  {'statement on the limit of' if c.kind == 'limit' else c.kind + ' bound on'} {c.statistic}{rng}")
    print("  inputs: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in out["inputs"].items()))
    if tau is not None:
        print(f"  tau: n = {len(tau)}, min {_fmt(float(min(tau)))}, max {_fmt(float(max(tau)))} virtual seconds")
    w = max([len(k) for k in (*out["parameters"], *out["bounds"])] + [4])
    if out["parameters"]:
        print("  parameters:")
        for name, v in out["parameters"].items():
            print(f"    {name:<{w}}  {_fmt(v):<26}  [{out['provenance'].get(name, 'overridden (given with --set)')}]")
    if out["bounds"]:
        print(f"  bounds:\n    {'':<{w}}  {'explicit':<26}  {'O(·), constants hidden':<26}  provenance")
        for name, v in out["bounds"].items():
            hidden = out["constants"][name] == "hidden"
            cells = ("—", _with_unit(v, name)) if hidden else (_with_unit(v, name), "—")
            print(f"    {name:<{w}}  {cells[0]:<26}  {cells[1]:<26}  [{out['provenance'][name]}]")
    if violations:
        print("  condition violated: " + "; ".join(violations))
    return 0


# --- compare --------------------------------------------------------------------------


def cmd_compare(args) -> int:
    from .domain import check_evaluation, check_parameters
    from .symbolic import leading_term

    cards = [load_card(i) for i in args.theorems]
    values = parse_sets(args.set)
    known = set().union(*[{*c.symbols, *c.parameters} for c in cards]) | {"n"}
    for k in values:
        if k not in known:
            raise SpecError(k, f"not a symbol of any of {', '.join(args.theorems)}")
    tau = _tau(args)
    rows = []
    for c in cards:
        mine = {k: v for k, v in values.items() if k in c.symbols or k in c.parameters or k == "n"}
        c.validate_inputs(mine, strict=True)
        check_parameters(c, mine)
        ev = c.evaluate(mine, tau)
        check_evaluation(ev, f"{c.id}: ")
        d = ev.as_dict()
        lead = leading_term(c, "time") if "time" in c.bounds else None
        rows.append({
            "theorem": c.id, "kind": c.kind, "statistic": c.statistic,
            "iterations": d["bounds"].get("iterations"), "time": d["bounds"].get("time"),
            "constants": {k: d["constants"].get(k) for k in ("iterations", "time") if k in d["constants"]},
            "provenance": {k: d["provenance"].get(k) for k in ("iterations", "time") if k in d["provenance"]},
            "leading_term_eps_to_0": None if lead is None else str(lead),
            "missing": d["missing"],
        })
    finite = [r["time"] for r in rows if r["time"] is not None]
    best = min(finite) if finite else None
    for r in rows:
        r["time_ratio_to_smallest"] = (r["time"] / best) if (r["time"] is not None and best) else None
    if args.json:
        _print_json(rows)
        return 0
    w = max(len(r["theorem"]) for r in rows)
    cols = [("iterations", "explicit"), ("iterations", "hidden"), ("time", "explicit"), ("time", "hidden")]
    heads = ["iterations", "iterations O(·)", "time (virtual s)", "time O(·) (virtual s)"]
    print(f"{'theorem':<{w}}  {'kind':<5}  " + "  ".join(f"{h:>21}" for h in heads) + f"  {'time/min':>8}  leading term (ε → 0)")
    for r in rows:
        cells = [_fmt(r[b]) if r["constants"].get(b) == const and r[b] is not None else "—" for b, const in cols]
        ratio = "—" if r["time_ratio_to_smallest"] is None else _fmt(r["time_ratio_to_smallest"])
        print(f"{r['theorem']:<{w}}  {r['kind']:<5}  " + "  ".join(f"{c:>21}" for c in cells)
              + f"  {ratio:>8}  {r['leading_term_eps_to_0'] or '—'}")
    miss = {m for r in rows for m in r["missing"]}
    if miss:
        print(f"\nnot evaluated where these are missing: {', '.join(sorted(miss))}")
    print("\nO(·) = a formula without its constants (O(·)/Θ(·)): compare scalings, not values. "
          "time/min: time over the smallest time bound.")
    return 0


# --- optimal --------------------------------------------------------------------------


def cmd_optimal(args) -> int:
    from .domain import check_evaluation, check_parameters
    from .optimal import optimize

    c = load_card(args.theorem)
    values = parse_sets(args.set)
    c.validate_inputs(values, strict=True)
    check_parameters(c, values)
    if args.max is not None and args.max < 1:
        raise SpecError("--max", f"must be >= 1, got {args.max}")
    check_evaluation(c.evaluate(values, _tau(args)))
    res = optimize(c, args.param, values, _tau(args), objective=args.objective, max_value=args.max)
    if args.json:
        _print_json(res.as_dict())
        return 0
    for line in res.lines():
        print(line)
    return 0
