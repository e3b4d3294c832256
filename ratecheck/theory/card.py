"""Theorem cards: loading and validation (format: ``proofs/README.md``); evaluation is
:mod:`.evaluation`, rendering :mod:`.rendering`, the records :mod:`.records`.

A card states one theorem: its citation, the assumptions it needs (terms of
:mod:`ratecheck.vocabulary`), the statistic it bounds (:data:`ratecheck.engine.trace.STATISTICS`),
parameter choices and bounds as formulas of :mod:`ratecheck.theory.language`, each with
a provenance tag (:mod:`ratecheck.theory.provenance`), the side conditions of the
theorem, and derivation steps that :mod:`ratecheck.theory.derivations` checks.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import sympy as sp

from ..engine.trace import STATISTICS
from ..errors import CardError
from ..files import read_text
from ..vocabulary import unknown_terms
from . import language as lang
from . import provenance as prov
from . import sources
from .evaluation import Evaluates
from .records import Condition, Derivation, Entry, Symbol
from .rendering import Renders
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


class Card(Evaluates, Renders):
    """A loaded theorem card (see ``proofs/README.md`` for the fields)."""

    def __init__(self, path: Path, data: dict):
        self.path = Path(path)
        self.file = self.path.name
        self._load(data)

    # --- loading ---------------------------------------------------------------------
    def _err(self, fieldname: str, message: str) -> CardError:
        return CardError(self.file, fieldname, message)

    def _table(self, where: str, spec, keys: set, needs: str) -> dict:
        """``spec`` itself, checked to be a table (``needs`` says what it must hold) whose
        fields are all among ``keys``."""
        if not isinstance(spec, dict):
            raise self._err(where, f"must be a table with {needs}")
        extra = set(spec) - keys
        if extra:
            raise self._err(f"{where}.{sorted(extra)[0]}", f"unknown field (allowed: {', '.join(sorted(keys))})")
        return spec

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
            self._table(where, c, _CONDITION_KEYS, "relation and provenance")
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
            self._table(where, spec, _ENTRY_KEYS, "formula and provenance")
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
