"""Theorem cards: loading, validation and numeric evaluation (format: ``proofs/README.md``).

A card states one theorem: its citation, the assumptions it needs (terms of
:mod:`ratecheck.vocabulary`), the statistic it bounds (:data:`ratecheck.engine.trace.STATISTICS`),
parameter choices and bounds as formulas of :mod:`ratecheck.theory.language`, each with
a provenance tag (:mod:`ratecheck.theory.provenance`), the side conditions of the
theorem, and derivation steps that :mod:`ratecheck.theory.derivations` checks.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..engine.trace import STATISTICS
from ..errors import CardError, SpecError
from ..files import read_text
from ..vocabulary import VOCABULARY, unknown_terms
from . import language as lang
from . import provenance as prov
from . import sources
from .powers import Powers
from .schema import check_types

#: "upper"/"lower": bounds on the statistic; "limit": where the iterates settle (its bounds
#: describe the limit point, e.g. the weights of a weighted minimiser).
KINDS = ("upper", "lower", "limit")
CONSTANTS = ("explicit", "hidden")
#: Statistics a card may bound that no trace records (the verdict engine cannot observe them).
CARD_ONLY_STATISTICS = {
    "total_round_time": "C_K = Σ_{k≤K} E[C(a^k)], the total expected duration of K task-allocation rounds (ATA)",
}
STATISTIC_RANGES = ("0..K", "0..K-1")
_TOP_KEYS = {
    "id", "title", "kind", "applies_to", "statistic", "statistic_range", "assumptions", "citation", "see_also", "tight",
    "symbols", "parameters", "bounds", "conditions", "derivations", "notes", "not_found",
}
_CITATION_KEYS = {"authors", "title", "venue", "year", "arxiv", "where"}
_ENTRY_KEYS = {"formula", "provenance", "meaning", "integer", "constants", "alias", "source"}
_CONDITION_KEYS = {"relation", "provenance", "meaning", "source"}


@dataclass(frozen=True)
class Symbol:
    """An input of a card: its sympy symbol (with the domain's assumptions), meaning and domain."""

    sym: sp.Symbol
    meaning: str
    domain: str = "positive"


@dataclass
class Entry:
    """A parameter or a bound: a named formula with its provenance."""

    name: str
    text: str
    expr: sp.Basic
    provenance: prov.Provenance
    meaning: str = ""
    integer: bool = False
    constants: str = "explicit"
    alias: str = ""
    source: sources.Source | None = None


@dataclass
class Condition:
    text: str
    relation: sp.Basic
    provenance: prov.Provenance
    meaning: str = ""
    source: sources.Source | None = None


@dataclass
class Derivation:
    """A derivation step (checked by :func:`ratecheck.theory.derivations.check`).

    ``kind`` is ``"step"`` for a ``[[derivations]]`` entry and ``"source"`` for the check
    of a formula against its source form (:mod:`ratecheck.theory.sources`). ``imports``
    names formulas of other cards (``{local name: (card id, entry, {their symbol: our
    formula}, {their parameter: our formula})}``), resolved when the step is checked, so
    that a comparison with another card reads that card's formula rather than a copy."""

    name: str
    claim: str
    text: str
    statement: sp.Basic
    method: str
    where: dict[str, sp.Basic]
    set: dict[str, sp.Basic]
    given: sp.Basic | None
    extra_symbols: dict[str, sp.Symbol]
    sample: dict[str, Any]
    kind: str = "step"
    verbatim: bool = False
    samples: int = 0
    imports: dict[str, tuple[str, str, dict[str, sp.Basic], dict[str, sp.Basic]]] = field(default_factory=dict)


@dataclass
class Evaluation:
    """The numbers a card gives for concrete inputs (JSON contract: :meth:`as_dict`)."""

    card: "Card"
    inputs: dict[str, float]
    parameters: dict[str, float]
    bounds: dict[str, float]
    missing: list[str]
    overridden: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        c = self.card
        names = [*self.parameters, *self.bounds]
        return {
            "theorem": c.id,
            "kind": c.kind,
            "statistic": c.statistic,
            "inputs": {k: _num(v, k == "n" or (k in c.symbols and c.symbols[k].domain.endswith("integer")))
                       for k, v in self.inputs.items()},
            "parameters": {k: _num(v, c._entry_of(k).integer) for k, v in self.parameters.items()},
            "bounds": {k: _num(v, c.bounds[k].integer) for k, v in self.bounds.items()},
            "provenance": {k: str(c._entry_of(k).provenance) for k in names if k not in self.overridden},
            "constants": {k: c.bounds[k].constants for k in self.bounds},
            "overridden": list(self.overridden),
            "missing": list(self.missing),
        }


def _num(v, integer: bool = False):
    v = float(v)
    if not math.isfinite(v):
        return None
    if integer and v == round(v) and abs(v) < 2**53:
        return int(v)
    return v


class Card:
    """A loaded theorem card (see ``proofs/README.md`` for the fields)."""

    def __init__(self, path: Path, data: dict):
        self.path = Path(path)
        self.file = self.path.name
        self._load(data)

    # --- loading ---------------------------------------------------------------------
    def _err(self, fieldname: str, message: str) -> CardError:
        return CardError(self.file, fieldname, message)

    def _req(self, data: dict, key: str, typ, where: str = ""):
        full = f"{where}{key}"
        if key not in data:
            raise self._err(full, "is required")
        if not isinstance(data[key], typ):
            raise self._err(full, f"must be {getattr(typ, '__name__', typ)}, got {data[key]!r}")
        return data[key]

    def _prov(self, fieldname: str, text) -> prov.Provenance:
        """Parse a provenance and resolve it in the notes (the card folder's ``notes/``,
        then the repository's)."""
        try:
            p = prov.parse(text)
            prov.resolve(p, [self.path.parent / "notes", prov.BUILTIN_NOTES])
        except ValueError as exc:
            raise self._err(fieldname, str(exc)) from None
        return p

    def _formula(self, fieldname: str, text, names, *, relation=False, free_m=False) -> sp.Basic:
        try:
            return lang.parse(text, names, relation=relation, free_m=free_m)
        except lang.FormulaError as exc:
            raise self._err(fieldname, str(exc)) from None

    def _load(self, d: dict) -> None:
        extra = set(d) - _TOP_KEYS
        if extra:
            raise self._err(sorted(extra)[0], f"unknown field (allowed: {', '.join(sorted(_TOP_KEYS))})")
        self.id = self._req(d, "id", str)
        if self.id != self.path.stem:
            raise self._err("id", f"must equal the file name {self.path.stem!r}, got {self.id!r}")
        self.title = self._req(d, "title", str)
        self.kind = self._req(d, "kind", str)
        if self.kind not in KINDS:
            raise self._err("kind", f"must be one of {KINDS}, got {self.kind!r}")
        self.applies_to = self._methods(self._req(d, "applies_to", list))
        self.statistic = self._req(d, "statistic", str)
        if self.statistic not in STATISTICS and self.statistic not in CARD_ONLY_STATISTICS:
            raise self._err("statistic", f"unknown statistic {self.statistic!r} (one of {', '.join(STATISTICS)})")
        self.statistic_range = d.get("statistic_range", "0..K")
        if self.statistic_range not in STATISTIC_RANGES:
            raise self._err("statistic_range", f"must be one of {STATISTIC_RANGES}")
        self.assumptions = list(self._req(d, "assumptions", list))
        bad = unknown_terms(self.assumptions)
        if bad:
            raise self._err("assumptions", f"unknown term(s) {bad} (see ratecheck/vocabulary.py)")
        self.citation = self._citation(self._req(d, "citation", dict), "citation.")
        self.see_also = [self._citation(c, f"see_also[{i}].") for i, c in enumerate(d.get("see_also", []))]
        self.tight = self._tight(d.get("tight"))
        self.notes = [str(x) for x in d.get("notes", [])]
        self.not_found = [str(x) for x in d.get("not_found", [])]

        # symbols
        self.symbols: dict[str, Symbol] = {}
        for name, spec in self._req(d, "symbols", dict).items():
            where = f"symbols.{name}"
            if name in lang.TAU_NAMES or name in lang.TAU_FUNCTIONS or name == "m":
                raise self._err(where, f"{name!r} is reserved by the formula language (computed from tau)")
            if name == sources.SOURCE:
                raise self._err(where, f"{name!r} is reserved: source forms call the source's formula so")
            if not name.isidentifier():
                raise self._err(where, "must be an identifier")
            meaning, domain = (spec, "positive") if isinstance(spec, str) else (spec.get("meaning"), spec.get("domain", "positive"))
            if not isinstance(meaning, str) or not meaning:
                raise self._err(where, "needs a meaning (a string, or a table with 'meaning' and 'domain')")
            if domain not in lang.DOMAINS:
                raise self._err(f"{where}.domain", f"must be one of {lang.DOMAINS}, got {domain!r}")
            self.symbols[name] = Symbol(lang.symbol(name, domain), meaning, domain)
        names = {k: s.sym for k, s in self.symbols.items()} | lang.tau_symbols()

        # parameters then bounds: each may use the earlier ones
        self.parameters = self._entries(d.get("parameters", {}), "parameters", names, bound=False)
        names |= {k: sp.Symbol(k, positive=True) for k in self.parameters}
        bounds = self._req(d, "bounds", dict)
        if not bounds:
            raise self._err("bounds", "needs at least one bound")
        self.bounds = self._entries(bounds, "bounds", names, bound=True)
        names |= {k: sp.Symbol(k, positive=True) for k in self.bounds}
        self._names = names

        self.conditions = []
        for i, c in enumerate(d.get("conditions", [])):
            where = f"conditions[{i}]"
            if not isinstance(c, dict):
                raise self._err(where, "must be a table with relation and provenance")
            extra = set(c) - _CONDITION_KEYS
            if extra:
                raise self._err(f"{where}.{sorted(extra)[0]}", f"unknown field (allowed: {', '.join(sorted(_CONDITION_KEYS))})")
            rel = self._formula(f"{where}.relation", self._req(c, "relation", str, where + "."), names, relation=True)
            src = sources.parse_condition(self, f"{where}.source", c["source"], names, rel) if "source" in c else None
            self.conditions.append(
                Condition(c["relation"], rel, self._prov(f"{where}.provenance", c.get("provenance")), c.get("meaning", ""), src)
            )
        self.derivations = [self._derivation(i, x, names) for i, x in enumerate(d.get("derivations", []))]
        taken = [x.name for x in self.derivations]
        if len(set(taken)) != len(taken):
            raise self._err("derivations", f"names must be distinct, {sorted({t for t in taken if taken.count(t) > 1})} repeat")
        self.derivations += self._source_checks()

    def _source_checks(self) -> list[Derivation]:
        """One derivation per source form: the card's formula against the source's."""
        out = []
        targets = [(e.name, sp.Symbol(e.name, positive=True), e.source, e.expr)
                   for e in [*self.parameters.values(), *self.bounds.values()]]
        targets += [(f"conditions[{i}]", c.relation, c.source, c.relation) for i, c in enumerate(self.conditions)]
        for name, target, src, mine in targets:
            if src is None:
                continue
            stmt, defs = sources.statement(target, src)
            out.append(Derivation(f"source:{name}", sources.claim(name, src), sp.sstr(stmt), stmt, "auto", defs, {},
                                  None, {}, {}, "source", verbatim=src.expr == mine))
        return out

    def _methods(self, names: list) -> tuple[str, ...]:
        """``applies_to``: the method ids (algorithm registry names) this card bounds.

        ``["*"]`` means every method of the assumption class (a lower bound); ``[]`` a
        theorem about a method ratecheck does not implement. Upper cards must name their
        methods: a card is never used to judge a method it is not about.
        """
        if not all(isinstance(m, str) and m for m in names) or len(set(names)) != len(names):
            raise self._err("applies_to", "must be a list of distinct method ids (or [\"*\"])")
        if "*" in names and (len(names) > 1 or self.kind != "lower"):
            raise self._err("applies_to", "[\"*\"] (every method of the class) is for lower bounds only, alone")
        return tuple(names)

    def applies(self, method: str) -> bool:
        """Whether this card bounds ``method`` (an algorithm registry name)."""
        return "*" in self.applies_to or method in self.applies_to

    def _citation(self, c: dict, where: str) -> dict:
        extra = set(c) - _CITATION_KEYS
        if extra:
            raise self._err(where + sorted(extra)[0], "unknown citation field")
        authors = self._req(c, "authors", list, where)
        if not authors or not all(isinstance(a, str) and a for a in authors):
            raise self._err(where + "authors", "must be a non-empty list of names")
        for k in ("title", "venue", "where", "arxiv"):
            if not self._req(c, k, str, where).strip():
                raise self._err(where + k, "must not be empty")
        self._req(c, "year", int, where)
        return dict(c)

    def _tight(self, t) -> dict:
        if t is None:
            raise self._err("tight", "is required (a table with 'value', 'with', 'note')")
        if not isinstance(t, dict) or not isinstance(t.get("value"), bool):
            raise self._err("tight.value", "must be true or false")
        out = {"value": t["value"], "with": list(t.get("with", [])), "note": t.get("note", "")}
        if t["value"] and not (out["with"] or out["note"]):
            raise self._err("tight.with", "name the matching card(s), or say in 'note' what matches it")
        if "provenance" in t:
            out["provenance"] = self._prov("tight.provenance", t["provenance"])
        return out

    def _entries(self, table: dict, section: str, names: dict, bound: bool) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        local = dict(names)
        for name, spec in table.items():
            where = f"{section}.{name}"
            if not isinstance(spec, dict):
                raise self._err(where, "must be a table with formula and provenance")
            extra = set(spec) - _ENTRY_KEYS
            if extra:
                raise self._err(f"{where}.{sorted(extra)[0]}", f"unknown field (allowed: {', '.join(sorted(_ENTRY_KEYS))})")
            if name in local:
                raise self._err(where, f"{name!r} is already a symbol, parameter or bound")
            text = self._req(spec, "formula", str, where + ".")
            expr = self._formula(f"{where}.formula", text, local)
            p = self._prov(f"{where}.provenance", spec.get("provenance"))
            constants = spec.get("constants", "explicit" if not bound else None)
            if bound and constants not in CONSTANTS:
                raise self._err(f"{where}.constants", f"must be one of {CONSTANTS}, got {constants!r}")
            if not bound and "constants" in spec:
                raise self._err(f"{where}.constants", "only bounds carry 'constants'")
            if bound and self.kind == "lower" and constants == "explicit":
                pass  # an explicit lower bound is allowed; it is simply rare
            alias = spec.get("alias", "")
            if alias and (bound or not isinstance(alias, str) or not alias.isidentifier() or alias in local):
                raise self._err(f"{where}.alias", "only a parameter may have an alias: an unused identifier "
                                "(the algorithm's name for it, e.g. m for m_star)")
            src = sources.parse_entry(self, f"{where}.source", name, spec["source"], local) if "source" in spec else None
            out[name] = Entry(name, text, expr, p, spec.get("meaning", ""), bool(spec.get("integer", False)),
                              constants, alias, src)
            local[name] = sp.Symbol(name, positive=True)
        return out

    def _derivation(self, i: int, x: dict, names: dict) -> Derivation:
        where = f"derivations[{i}]"
        name = self._req(x, "name", str, where + ".")
        method = x.get("method", "auto")
        if method not in ("symbolic", "sample", "auto"):
            raise self._err(f"{where}.method", "must be symbolic, sample or auto")
        local = dict(names)
        extra = {}
        for s, meaning in x.get("symbols", {}).items():
            spec = meaning if isinstance(meaning, dict) else {"meaning": meaning}
            domain = spec.get("domain", "positive")
            if domain not in lang.DOMAINS:
                raise self._err(f"{where}.symbols.{s}.domain", f"must be one of {lang.DOMAINS}")
            extra[s] = local[s] = lang.symbol(s, domain)
        sets = {}
        for k, v in x.get("set", {}).items():
            if k not in self.parameters:
                raise self._err(f"{where}.set.{k}", "only parameters can be set")
            sets[k] = self._formula(f"{where}.set.{k}", str(v), local)
        imports = {}
        for k, v in x.get("cards", {}).items():
            imports[k] = self._import(f"{where}.cards.{k}", v, local)
            local[k] = sp.Symbol(k, positive=True)
        defs = {}
        for k, v in x.get("where", {}).items():
            if k in local:
                raise self._err(f"{where}.where.{k}", "shadows an existing name")
            defs[k] = self._formula(f"{where}.where.{k}", v, local)
            local[k] = sp.Symbol(k, positive=True)
        text = self._req(x, "statement", str, where + ".")
        stmt = self._formula(f"{where}.statement", text, local, relation=True, free_m=True)
        given = None
        if "given" in x:
            given = self._formula(f"{where}.given", x["given"], local, relation=True)
        sample = dict(x.get("sample", {}))
        cap = x.get("samples", 0)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise self._err(f"{where}.samples", f"must be an integer >= 1 (a cap on the samples), got {cap!r}")
        if name.startswith("source:"):
            raise self._err(f"{where}.name", "'source:…' names the checks of source forms; choose another name")
        return Derivation(name, x.get("claim", ""), text, stmt, method, defs, sets, given, extra, sample,
                          samples=cap, imports=imports)

    def _import(self, where: str, spec, local: dict):
        """``"CARD:ENTRY"``, or ``{card, entry, rename = {THEIR_SYMBOL = "our formula"},
        set = {THEIR_PARAMETER = "our formula"}}``."""
        if isinstance(spec, str):
            spec = dict(zip(("card", "entry"), spec.split(":", 1))) if ":" in spec else {}
        if not isinstance(spec, dict) or not isinstance(spec.get("card"), str) or not isinstance(spec.get("entry"), str) \
                or set(spec) - {"card", "entry", "rename", "set"}:
            raise self._err(where, "must be 'CARD:ENTRY' or a table {card, entry, rename, set}")
        if spec["card"] == self.id:
            raise self._err(where, "names this card; use its own entry")
        rename, sets = ({k: self._formula(f"{where}.{key}.{k}", str(v), local) for k, v in spec.get(key, {}).items()}
                        for key in ("rename", "set"))
        return spec["card"], spec["entry"], rename, sets

    # --- queries ---------------------------------------------------------------------
    def bound_constants(self, name: str) -> str:
        """``"explicit"`` or ``"hidden"`` (hidden: O(·)/Θ(·); only scaling claims may use it)."""
        if name not in self.bounds:
            raise SpecError("bound", f"card {self.id!r} has no bound {name!r} (has: {', '.join(self.bounds)})")
        return self.bounds[name].constants

    def applicability(self, properties) -> list[str]:
        """The card's assumptions not declared by the problem and asynchrony model."""
        declared = set(properties)
        return [a for a in self.assumptions if a not in declared]

    def explain(self, missing: list[str]) -> str:
        """One line: why the card does not apply."""
        return "; ".join(f"needs '{a}' ({VOCABULARY[a]})" for a in missing)

    @property
    def input_symbols(self) -> list[str]:
        return list(self.symbols)

    @property
    def aliases(self) -> dict[str, str]:
        """Algorithm-side names of parameters (alias → card name), e.g. ``m`` → ``m_star``."""
        return {e.alias: e.name for e in self.parameters.values() if e.alias}

    def _entry_of(self, name: str) -> Entry:
        return self.entry(self.aliases.get(name, name))

    def entry(self, name: str) -> Entry:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.bounds:
            return self.bounds[name]
        raise SpecError("name", f"card {self.id!r} has no parameter or bound {name!r}")

    def expression(self, name: str, overrides: dict[str, sp.Basic] | None = None) -> sp.Basic:
        """The formula of ``name`` with every parameter and earlier bound substituted,
        i.e. in terms of the inputs and τ only. ``overrides`` replace parameter formulas."""
        overrides = overrides or {}
        done: dict[sp.Symbol, sp.Basic] = {}
        for ent in [*self.parameters.values(), *self.bounds.values()]:
            e = overrides.get(ent.name, ent.expr)
            e = e.xreplace(done)
            done[sp.Symbol(ent.name, positive=True)] = e
            if ent.name == name:
                return e
        raise SpecError("name", f"card {self.id!r} has no parameter or bound {name!r}")

    def dependencies(self, expr: sp.Basic) -> set[str]:
        """Input symbols (and ``tau``) that ``expr`` needs, through parameters and bounds."""
        out: set[str] = set()
        entries = {**self.parameters, **self.bounds}
        stack = [expr]
        seen = set()
        while stack:
            e = stack.pop()
            if lang.uses_tau(e):
                out.add("tau")
            for s in e.free_symbols:
                if s.name in entries and s.name not in seen:
                    seen.add(s.name)
                    stack.append(entries[s.name].expr)
                elif s.name in self.symbols or s.name == "n":
                    out.add(s.name)
        return out

    # --- evaluation ------------------------------------------------------------------
    def validate_inputs(self, values: dict, *, strict: bool = True) -> dict[str, float]:
        """Check user values: known names (when ``strict``), numbers in their domain."""
        out = {}
        for k, v in values.items():
            if k in self.symbols:
                domain = self.symbols[k].domain
            elif k in self.parameters or k in self.aliases:
                domain = "real"
            elif k == "n":
                domain = "positive integer"
            else:
                if strict:
                    known = ", ".join([*self.symbols, *self.parameters, *self.aliases, "n"])
                    raise SpecError(k, f"not a symbol or parameter of theorem {self.id!r} (known: {known})")
                continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise SpecError(k, f"must be a number, got {v!r}") from None
            if not math.isfinite(x):
                raise SpecError(k, f"must be finite, got {v!r}")
            if domain.startswith("positive") and x <= 0:
                raise SpecError(k, f"must be > 0, got {v!r}")
            if domain == "nonnegative" and x < 0:
                raise SpecError(k, f"must be >= 0, got {v!r}")
            if domain.endswith("integer") and x != round(x):
                raise SpecError(k, f"must be an integer, got {v!r}")
            out[k] = x
        return out

    def evaluate(self, values: dict[str, float], tau=None, *, strict: bool = False, powers=None) -> Evaluation:
        """Parameters and bounds for concrete inputs.

        ``values`` maps symbol names to numbers; a parameter name overrides the card's
        choice (e.g. ``R = 6`` as tuned in the experiment). Names the card does not use
        are ignored unless ``strict``. ``tau`` is the vector of compute times (any order);
        ``powers`` the computation powers of a universal model, a
        :class:`~ratecheck.theory.powers.Powers` or a rate table ``(breaks, rates,
        period)``, which ``Blocks``/``HBlocks`` need. A formula whose inputs are missing
        is omitted and its inputs are listed in ``missing``; nothing is guessed.
        """
        vals = self.validate_inputs(values, strict=strict)
        ts = None
        if powers is not None and not isinstance(powers, Powers):
            try:
                powers = Powers(*powers)
            except (TypeError, ValueError) as exc:
                raise SpecError("powers", str(exc)) from None
        if tau is not None or powers is not None:
            t = None
            if tau is not None:
                t = np.asarray(tau, dtype=float).ravel()
                if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
                    raise SpecError("tau", "compute times must be a non-empty list of finite numbers > 0")
            try:
                ts = lang.TauStats(t, powers)
            except lang.FormulaError as exc:
                raise SpecError("powers", str(exc)) from None
            if "n" in vals and int(vals["n"]) != ts.n:
                raise SpecError("n", f"= {int(vals['n'])} but tau has {ts.n} entries")
            vals["n"] = float(ts.n)
        env = {k: v for k, v in vals.items() if k in self.symbols or k == "n"}
        overrides = {self.aliases.get(k, k): v for k, v in vals.items() if k in self.parameters or k in self.aliases}
        params, bounds, missing = self.compute(env, ts, overrides)
        for alias, name in self.aliases.items():
            if name in params:
                params[alias] = params[name]
        inputs = {k: v for k, v in vals.items() if k in self.symbols or k == "n"}
        over = [k for k in self.parameters if k in overrides]
        over += [a for a, k in self.aliases.items() if k in overrides]
        return Evaluation(self, inputs, params, bounds, missing, over)

    def compute(self, env: dict, ts: "lang.TauStats | None", overrides: dict | None = None):
        """Evaluate parameters then bounds in order, without input validation.

        ``env`` values may be floats or equal-length arrays (a batch of inputs);
        ``overrides`` give parameter values instead of their formulas. Returns
        ``(parameters, bounds, missing)``.
        """
        env = dict(env)
        overrides = overrides or {}
        missing: set[str] = set()
        params: dict[str, Any] = {}
        for name, ent in self.parameters.items():
            v = overrides[name] if name in overrides else self._try(ent.expr, env, ts, missing)
            if v is not None:
                params[name] = env[name] = v
        bounds: dict[str, Any] = {}
        for name, ent in self.bounds.items():
            v = self._try(ent.expr, env, ts, missing)
            if v is not None:
                bounds[name] = env[name] = v
        return params, bounds, sorted(missing)

    def _try(self, expr, env, ts, missing: set):
        need = {s.name for s in expr.free_symbols} - set(env) - {"m"}
        if (ts is None or ts.tau is None) and lang.uses_tau(expr):
            need.add("tau")
        if ts is not None:
            need -= set(ts.scalars)
        if (ts is None or ts.powers is None) and lang.uses_powers(expr):
            need.add("powers")
        if need:
            missing |= {x for x in need if x in self.symbols or x in ("tau", "n", "powers")}
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            v = lang.evaluate(expr, env, ts)
        return float(v) if np.ndim(v) == 0 else v

    def check_conditions(self, params: dict, values: dict, tau=None) -> list[str]:
        """Human-readable violations of the theorem's conditions, e.g.
        ``"gamma = 0.5 > 1/(2*L*R) = 0.25"``. Conditions whose inputs are missing are skipped.
        (Relations hold up to a relative tolerance of 1e-12.)"""
        env = {}
        for k, v in [*values.items(), *params.items()]:
            try:
                env[self.aliases.get(k, k)] = float(v)
            except (TypeError, ValueError):
                continue  # non-numeric algorithm settings are not theorem quantities
        ts = lang.TauStats(tau) if tau is not None else None
        if ts is not None:
            env.setdefault("n", float(ts.n))
        out = []
        for c in self.conditions:
            rel = c.relation
            need = {s.name for s in rel.free_symbols} - set(env) - (set(ts.scalars) if ts else set())
            if need or (ts is None and lang.uses_tau(rel)):
                continue
            lhs = float(lang.evaluate(rel.lhs, env, ts))
            rhs = float(lang.evaluate(rel.rhs, env, ts))
            tol = 1e-12 * max(abs(lhs), abs(rhs))
            ok = {
                sp.LessThan: lhs <= rhs + tol, sp.StrictLessThan: lhs < rhs + tol,
                sp.GreaterThan: lhs >= rhs - tol, sp.StrictGreaterThan: lhs > rhs - tol,
                sp.Equality: abs(lhs - rhs) <= tol,
            }[type(rel)]
            if not ok:
                neg = {sp.LessThan: ">", sp.StrictLessThan: ">=", sp.GreaterThan: "<",
                       sp.StrictGreaterThan: "<=", sp.Equality: "!="}[type(rel)]
                out.append(f"{sp.sstr(rel.lhs)} = {lhs:.6g} {neg} {sp.sstr(rel.rhs)} = {rhs:.6g}")
        return out

    def latex(self, name: str) -> str:
        return lang.to_latex(self.entry(name).expr)

    def citation_short(self) -> str:
        """"Surname year", "A & B year" or "A et al. year"."""
        names = [a.split()[-1] for a in self.citation["authors"]]
        who = names[0] if len(names) == 1 else f"{names[0]} & {names[1]}" if len(names) == 2 else f"{names[0]} et al."
        return f"{who} {self.citation['year']}"

    def summary(self) -> dict[str, Any]:
        """Everything a report shows about the card (JSON-serialisable)."""
        def ent(e: Entry) -> dict:
            d = {"formula": e.text, "in_inputs": str(self.expression(e.name)), "latex": lang.to_latex(e.expr),
                 "provenance": str(e.provenance), "meaning": e.meaning}
            if e.name in self.bounds:
                d["constants"] = e.constants
            if e.alias:
                d["alias"] = e.alias
            if e.source is not None:
                d["source"] = e.source.as_dict()
            return d

        tight = dict(self.tight)
        if "provenance" in tight:
            tight["provenance"] = str(tight["provenance"])
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "statistic": self.statistic,
            "statistic_range": self.statistic_range, "citation": self.citation,
            "citation_short": self.citation_short(), "see_also": self.see_also, "tight": tight,
            "assumptions": list(self.assumptions),
            "symbols": {k: {"meaning": s.meaning, "domain": s.domain} for k, s in self.symbols.items()},
            "parameters": {k: ent(e) for k, e in self.parameters.items()},
            "bounds": {k: ent(e) for k, e in self.bounds.items()},
            "conditions": [{"relation": c.text, "provenance": str(c.provenance), "meaning": c.meaning}
                           | ({"source": c.source.as_dict()} if c.source else {}) for c in self.conditions],
            "notes": list(self.notes), "not_found": list(self.not_found),
        }

    def __repr__(self) -> str:
        return f"Card({self.id!r})"


def read_card(path) -> Card:
    """Load one card file; raise :class:`CardError` naming the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise CardError(path.name, "toml", str(exc)) from None
    check_types(data, path.name)
    return Card(path, data)
