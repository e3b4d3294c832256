"""``ratecheck pep``: worst cases of delayed gradient descent by performance estimation.

Examples::

    ratecheck pep --method constant-delay --tau 0,1,2,5 --N 1..20 --criterion fgap --out DIR
    ratecheck pep --method delay-sequence --delays 0,1,2,2,2 --gamma 0.5 --json
    ratecheck pep --method worst-delay --tau 0..2 --N 1..6 --gamma "1/(2*L)" --rule filtered --threshold 1

``--gamma`` is a number or a formula in ``L``, ``mu``, ``tau`` and ``N`` (``tau`` is the
constant delay, the delay bound for ``worst-delay``, the largest delay for
``delay-sequence``). Prints a table (or, with ``--json``, the JSON document); ``--out DIR``
writes ``DIR/pep.json`` and ``DIR/pep.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import sympy as sp

from ..errors import SpecError
from ..files import output_folder
from ..guards import check_memory, pep_bytes
from ..strict import finite
from .card_overlay import CARD_ID, Overlay, card_overlay
from .backends import BACKENDS, DEFAULT_BACKEND
from .estimate import MAX_SEQUENCES, FunctionClass, scale_factor, worst_case, worst_delays
from .figure import pep_figure
from .methods import RULES, DelayedGD, StepRule
from .references import reference
from .problem import CRITERIA, INITIAL, SOLVERS, check_choice

METHODS = {
    "constant-delay": "δ_k = τ for every k",
    "delay-sequence": "δ_k given by --delays",
    "worst-delay": "worst sequence with δ_k ≤ τ (enumerated)",
}
_GAMMA_SYMBOLS = {name: sp.Symbol(name) for name in ("L", "mu", "tau", "N")}


#: Most values an integer list may hold (each one is a semidefinite program to solve).
MAX_VALUES = 10_000


def int_list(field: str, text: str, minimum: int) -> list[int]:
    """``"0,1,2,5"``, ``"1..20"`` or a mix (``"1..5,10"``) → sorted distinct integers ≥ ``minimum``."""
    out: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ".." in part:
                a, b = (int(x) for x in part.split(".."))
                if b < a:
                    raise SpecError(field, f"empty range {part!r}")
                if b - a >= MAX_VALUES:
                    raise SpecError(field, f"range {part!r} has {b - a + 1} values, more than {MAX_VALUES}")
                vals = range(a, b + 1)
            else:
                vals = [int(part)]
        except ValueError:
            raise SpecError(field, f"expected integers like '1..20' or '0,1,2,5', got {text!r}") from None
        for v in vals:
            if v < minimum:
                raise SpecError(field, f"must be >= {minimum}, got {v}")
            out.add(v)
    return sorted(out)


def integer(field: str, text, minimum: int) -> int:
    try:
        v = int(str(text).strip())
    except ValueError:
        raise SpecError(field, f"must be an integer, got {text!r}") from None
    if v < minimum:
        raise SpecError(field, f"must be >= {minimum}, got {v}")
    return v


def gamma_function(text: str, L: float, mu: float):
    """``(N, tau) -> γ`` from a number or a formula in L, mu, tau, N; γ must come out > 0."""
    try:
        expr = sp.sympify(text, locals=_GAMMA_SYMBOLS)
    except (sp.SympifyError, SyntaxError, TypeError):
        raise SpecError("gamma", f"not a number or a formula in L, mu, tau, N: {text!r}") from None
    unknown = {s.name for s in expr.free_symbols} - set(_GAMMA_SYMBOLS)
    if unknown:
        raise SpecError("gamma", f"unknown name(s) {sorted(unknown)} in {text!r} (allowed: L, mu, tau, N)")

    def gamma(N: int, tau: int) -> float:
        v = expr.subs({_GAMMA_SYMBOLS["L"]: L, _GAMMA_SYMBOLS["mu"]: mu,
                       _GAMMA_SYMBOLS["tau"]: tau, _GAMMA_SYMBOLS["N"]: N})
        try:
            g = float(v)
        except TypeError:
            raise SpecError("gamma", f"{text!r} does not evaluate to a number at N={N}, tau={tau}") from None
        if not (math.isfinite(g) and g > 0):
            raise SpecError("gamma", f"must be > 0, got {text!r} = {g} at N={N}, tau={tau}")
        return g

    return gamma


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pep", help="worst cases of delayed gradient descent by performance estimation (SDP)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", default="constant-delay", help=f"one of {', '.join(METHODS)}")
    p.add_argument("--tau", help="delays τ (or bounds for worst-delay): '0,1,2,5' or '0..5' (default 0)")
    p.add_argument("--delays", help="delay sequence δ_0,…,δ_{N−1} for delay-sequence")
    p.add_argument("--N", help="numbers of steps: '1..20' or '1,5,10' (default 1..10)")
    p.add_argument("--gamma", default="1/L", help="stepsize: number or formula in L, mu, tau, N (default 1/L)")
    p.add_argument("--L", default="1", help="smoothness constant (default 1)")
    p.add_argument("--mu", default="0", help="strong convexity constant, 0 <= mu < L (default 0)")
    p.add_argument("--criterion", default="fgap", help=f"one of {', '.join(CRITERIA)}")
    p.add_argument("--initial", default="dist", help="'dist': ‖x0 − x*‖² ≤ D², 'fgap': f(x0) − f* ≤ Δ")
    p.add_argument("--D", default="1", help="initial distance bound D (initial = dist)")
    p.add_argument("--Delta", default="1", help="initial gap bound Δ (initial = fgap)")
    p.add_argument("--rule", default="constant", help=f"stepsize rule: one of {', '.join(RULES)}")
    p.add_argument("--threshold", help="R of the filtered rule (drop gradients with delay > R)")
    p.add_argument("--c", help="c of the adaptive rule γ·min(1, c/δ)")
    p.add_argument("--workers", help="n of the mishchenko rule γ·n/max(n, δ)")
    p.add_argument("--solver", default="auto", help=f"one of {', '.join(SOLVERS)} (auto: Clarabel, then SCS)")
    p.add_argument("--max-iters", help="iteration cap of the solver(s)")
    p.add_argument("--backend", default=DEFAULT_BACKEND,
                   help=f"who builds the SDP: one of {', '.join(BACKENDS)} (default {DEFAULT_BACKEND}; sdp: hand-written, faster)")
    p.add_argument("--max-sequences", default=str(MAX_SEQUENCES), help="cap on enumerated delay sequences")
    p.add_argument("--out", help="folder for pep.json and pep.png")
    p.add_argument("--json", action="store_true", help="print the JSON document instead of the table")
    p.set_defaults(func=run)


def _rule(args) -> StepRule:
    check_choice("rule", args.rule, RULES)
    threshold = integer("threshold", args.threshold, 0) if args.threshold is not None else None
    c = finite("c", args.c) if args.c is not None else None
    workers = integer("workers", args.workers, 1) if args.workers is not None else None
    return StepRule(args.rule, threshold, c, workers)


def build(args) -> tuple[dict, Overlay]:
    """Validate the arguments and compute every row; return the JSON document and the card overlay."""
    check_choice("method", args.method, METHODS)
    check_choice("criterion", args.criterion, CRITERIA)
    check_choice("initial", args.initial, INITIAL)
    check_choice("solver", args.solver, SOLVERS)
    fclass = FunctionClass(finite("L", args.L), finite("mu", args.mu))
    D, Delta = finite("D", args.D), finite("Delta", args.Delta)
    rule = _rule(args)
    gamma_of = gamma_function(args.gamma, fclass.L, fclass.mu)
    max_iters = integer("max_iters", args.max_iters, 1) if args.max_iters is not None else None
    max_seq = integer("max_sequences", args.max_sequences, 1)
    common = dict(fclass=fclass, criterion=args.criterion, initial=args.initial, D=D, Delta=Delta,
                  solver=args.solver, max_iters=max_iters, backend=args.backend)

    if args.method == "delay-sequence":
        if args.delays is None:
            raise SpecError("delays", "required by --method delay-sequence")
        for name in ("N", "tau"):
            if getattr(args, name) is not None:
                raise SpecError(name, "is set by --delays for --method delay-sequence")
        delays = [integer(f"delays[{k}]", x, 0) for k, x in enumerate(args.delays.split(","))]
        grid = [(len(delays), max(delays), delays)]
    else:
        if args.delays is not None:
            raise SpecError("delays", f"only for --method delay-sequence, not {args.method!r}")
        grid = [(N, tau, None) for tau in int_list("tau", args.tau or "0", 0)
                for N in int_list("N", args.N or "1..10", 1)]

    for N in sorted({N for N, _, _ in grid}):  # the solver's memory grows like N⁴: refuse what cannot fit
        check_memory("delays" if args.method == "delay-sequence" else "N", pep_bytes(N + 2),
                     f"a PEP over N = {N} steps (a {N + 2} × {N + 2} Gram matrix)")
    t0 = time.perf_counter()
    rows = []
    for N, tau, delays in grid:
        gamma = gamma_of(N, tau)
        row = {"N": N, "tau": tau, "gamma": gamma}
        if args.method == "worst-delay":
            w = worst_delays(gamma, N, tau, rule, max_sequences=max_seq, **common)
            row.update(value=w.value, status=w.status, solve_time=w.solve_time, n_sequences=w.n_sequences,
                       worst_delays=w.worst_delays, failed=w.failed,
                       dual_value=w.worst.dual_value if w.worst else None,
                       gram_dim=N + 2, accuracy=w.worst.accuracy if w.worst else {})
        else:
            method = DelayedGD(gamma, delays or (tau,) * N, rule)
            r = worst_case(method, **common)
            row.update(value=r.value, status=r.status, solve_time=r.solve_time, dual_value=r.dual_value,
                       solver=r.solver, gram_dim=r.gram_dim, n_constraints=r.n_constraints, accuracy=r.accuracy,
                       attempts=r.attempts, method=r.method)
            ref = reference(method, fclass.L, fclass.mu, args.criterion, args.initial, D)
            if ref is not None:
                row["reference"], row["reference_source"] = ref
        rows.append(row)
    total = time.perf_counter() - t0

    taus = sorted({r["tau"] for r in rows})
    Ns = sorted({r["N"] for r in rows})
    if args.method == "constant-delay" and rule.kind == "constant":
        overlay = card_overlay(args.criterion, {"L": fclass.L, "mu": fclass.mu, "D": D, "R": D, "Delta": Delta},
                               taus, Ns, gamma_of)
    else:
        overlay = Overlay(CARD_ID, "the card bound is only drawn for --method constant-delay with --rule constant")
    bound_name, bound = ("D", D) if args.initial == "dist" else ("Delta", Delta)
    return {
        "command": "pep",
        "method": args.method,
        "method_text": METHODS[args.method],
        "rule": rule.describe(),
        "gamma": args.gamma,
        "function_class": {"L": fclass.L, "mu": fclass.mu},
        "criterion": args.criterion,
        "criterion_text": CRITERIA[args.criterion],
        "initial": {"kind": args.initial, "condition": INITIAL[args.initial], bound_name: bound},
        "scaling": (f"value = s · W(L=1, mu/L, gamma·L, bound=1) with s = "
                    f"{scale_factor(args.criterion, args.initial, fclass.L, bound**2 if bound_name == 'D' else bound):g}"),
        "backend": args.backend,
        "conventions": "x_j = x_0 for j < 0 (effective delay min(δ_k, k)); k counts gradient arrivals",
        "rows": rows,
        "card": overlay.as_dict(),
        "total_time": total,
    }, overlay


def _fmt(v, spec=".6g") -> str:
    return "—" if v is None else format(v, spec)


def table(doc: dict) -> str:
    worst = doc["method"] == "worst-delay"
    head = ["N", "tau", "gamma", "worst case", "status", "time [s]"] + (["#seq", "worst delays"] if worst else ["solver"])
    lines = []
    for r in doc["rows"]:
        cells = [str(r["N"]), str(r["tau"]), _fmt(r["gamma"]), _fmt(r["value"]), r["status"], f"{r['solve_time']:.3f}"]
        if worst:
            cells += [str(r["n_sequences"]), ",".join(map(str, r["worst_delays"])) if r["worst_delays"] else "—"]
        else:
            cells.append(r.get("solver") or "—")
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    out = [f"PEP: {doc['method_text']}, rule {doc['rule']['rule']}, worst case of {doc['criterion_text']} "
           f"given {doc['initial']['condition']}, L={doc['function_class']['L']:g}, mu={doc['function_class']['mu']:g}",
           fmt.format(*head)]
    out += [fmt.format(*c) for c in lines]
    out.append(f"total {doc['total_time']:.1f} s; card: {doc['card']['note']}")
    return "\n".join(out)


def run(args) -> int:
    if args.out:
        output_folder(args.out)  # a file, under a file, read-only: one line, before solving
    doc, overlay = build(args)
    if args.out:
        out = Path(args.out)
        title = (f"{doc['method_text']}, rule {doc['rule']['rule']}, γ = {doc['gamma']}, "
                 f"{doc['initial']['condition']}")
        pep_figure(doc["rows"], f"worst case of {doc['criterion_text']}", title, overlay, out / "pep.png")
        (out / "pep.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(table(doc))
    return 0
