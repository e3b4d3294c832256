"""Mutation testing of the card catalogue: does some check catch a wrong constant?

Every explicit constant (a number token) of every formula a card evaluates — its
parameters, its bounds and its conditions, not the source forms and derivations that
check them — is multiplied by each of :data:`FACTORS` (×2, ÷2, ×8, ÷8) in a scratch copy
of the cards (loaded through the card folder, as ``RATECHECK_PROOFS`` would). A mutant is

* ``equivalent`` when it changes none of the card's values on random inputs (e.g. a
  factor inside ``Max(1, ·)`` that never wins), so no check could or should catch it;
* ``invalid`` when the card no longer loads (:class:`~ratecheck.errors.CardError`);
* ``caught`` when a derivation or source-form check of the card, or of a card that
  imports its formulas, fails (:mod:`ratecheck.theory.derivations`; the checks run
  source forms first and stop at the first failure, which ``caught_by`` names);
* ``survived`` otherwise.

:func:`run` returns the outcomes; ``tests/test_theory_mutants.py`` asserts that the ones
that change a value are caught, apart from the listed survivors.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CardError
from . import language as lang
from .card import read_card
from .derivations import BLOCK_LIMIT, _draw, _draw_powers, _draw_tau, check

FACTORS = ("*2", "/2", "*8", "/8")
_HEADER = re.compile(r"^\[(?P<list>\[)?(?P<name>[^\]]+)\]\]?\s*$")
_KEY = re.compile(r'^(?P<key>formula|relation)\s*=\s*"(?P<body>[^"]*)"\s*$')
#: Draws of inputs on which a mutant's values are compared with the card's.
DRAWS = 60
#: Input ranges for cards with formulas of the computation powers (few, cheap blocks).
POWER_RANGES = {"L": [0.5, 2.0], "L_rl": [0.5, 2.0], "Delta": [0.5, 2.0], "eps": [0.2, 2.0], "sigma2": [0.01, 4.0]}


@dataclass(frozen=True)
class Site:
    """One number token in a card file: ``line`` (0-based), its span in the line, the table."""

    card: str
    table: str
    line: int
    start: int
    end: int
    token: str

    def __str__(self) -> str:
        return f"{self.card} {self.table} '{self.token}'"


@dataclass
class Mutant:
    site: Site
    factor: str
    outcome: str = ""
    caught_by: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        how = f" by {', '.join(self.caught_by)}" if self.caught_by else ""
        return f"{self.site} {self.factor}: {self.outcome}{how}"


def sites(path: Path) -> list[Site]:
    """The number tokens of the formulas a card evaluates (parameters, bounds, conditions)."""
    card = Path(path).stem
    out, table, conditions = [], None, -1
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        head = _HEADER.match(line.strip())
        if head:
            name = head["name"]
            if head["list"] and name == "conditions":
                conditions += 1
                table = f"conditions[{conditions}]"
            elif not head["list"] and name.count(".") == 1 and name.split(".")[0] in ("parameters", "bounds"):
                table = name
            else:
                table = None
            continue
        key = _KEY.match(line)
        if table is None or key is None or (key["key"] == "relation") != table.startswith("conditions"):
            continue
        offset = line.index('"') + 1
        for tok in tokenize.generate_tokens(io.StringIO(key["body"]).readline):
            if tok.type == tokenize.NUMBER:
                out.append(Site(card, table, i, offset + tok.start[1], offset + tok.end[1], tok.string))
    return out


def mutate(text: str, site: Site, factor: str) -> str:
    """``text`` (a card file) with the site's number replaced by ``(number factor)``."""
    lines = text.split("\n")
    line = lines[site.line]
    assert line[site.start:site.end] == site.token, (site, line)
    lines[site.line] = f"{line[:site.start]}({site.token}{factor}){line[site.end:]}"
    return "\n".join(lines)


def _values(card, env, ts):
    params, bounds, _ = card.compute(env, ts)
    vals = {k: np.asarray(v, dtype=float) for k, v in {**params, **bounds}.items()}
    full = {**env, **params, **bounds}
    for i, c in enumerate(card.conditions):
        try:
            vals[f"conditions[{i}]"] = np.asarray(lang.evaluate(c.relation.rhs - c.relation.lhs, full, ts), dtype=float)
        except lang.FormulaError:
            continue
    return vals


def changes(original, mutant, seed: int = 0) -> bool:
    """Whether ``mutant`` gives another value than ``original`` for some parameter, bound
    or condition on random inputs (random powers too, with small inputs, where a formula
    needs them)."""
    powers = any(lang.uses_powers(e.expr) for e in [*original.parameters.values(), *original.bounds.values()])
    ranges = POWER_RANGES if powers else {}
    rng = np.random.default_rng(seed)
    for _ in range(DRAWS // 10):
        tau = _draw_tau(rng)
        ts = lang.TauStats(tau, _draw_powers(rng, tau) if powers else None)
        ts.block_limit = BLOCK_LIMIT
        env = {k: _draw(rng, k, s.domain, ranges, 10) for k, s in original.symbols.items()}
        env["n"] = np.full(10, float(ts.n))
        with np.errstate(all="ignore"):
            va, vb = _values(original, env, ts), _values(mutant, env, ts)
        for k in va:
            x, y = np.broadcast_to(va[k], (10,)), np.broadcast_to(vb.get(k, np.nan), (10,))
            same = (x == y) | (np.abs(x - y) <= 1e-9 * np.maximum(np.abs(x), np.abs(y))) | (np.isnan(x) & np.isnan(y))
            if not np.all(same):
                return True
    return False


def importers(folder: Path) -> dict[str, list[str]]:
    """card id → the ids of the cards whose derivations import its formulas."""
    out: dict[str, list[str]] = {}
    for p in sorted(Path(folder).glob("*.toml")):
        c = read_card(p)
        for d in c.derivations:
            for other, *_ in d.imports.values():
                if c.id not in out.setdefault(other, []):
                    out[other].append(c.id)
    return out


def run(folder: Path, cards=None, factors=FACTORS, samples: int = 400, pick=None) -> list[Mutant]:
    """Mutate every site of ``cards`` (default all) with every factor in a scratch copy of
    ``folder`` and classify each mutant (module docstring). ``pick(site, factors)`` may
    choose the factors of each site (a cheaper sweep)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="ratecheck-mutants-") as tmp:
        scratch = Path(tmp) / "proofs"
        shutil.copytree(folder, scratch)
        users = importers(scratch)
        for path in sorted(scratch.glob("*.toml")):
            if cards is not None and path.stem not in cards:
                continue
            text = path.read_text(encoding="utf-8")
            original = read_card(path)
            for site in sites(path):
                for factor in (pick(site, factors) if pick else factors):
                    out.append(_classify(path, text, original, Mutant(site, factor), users, samples))
            path.write_text(text, encoding="utf-8")
    return out


def _classify(path: Path, text: str, original, m: Mutant, users: dict, samples: int) -> Mutant:
    path.write_text(mutate(text, m.site, m.factor), encoding="utf-8")
    try:
        mutant = read_card(path)
    except CardError:
        m.outcome = "invalid"
        return m
    if not changes(original, mutant):
        m.outcome = "equivalent"
        return m
    checked = [mutant] + [read_card(path.parent / f"{u}.toml") for u in users.get(mutant.id, [])]
    for c in checked:
        for d in sorted(c.derivations, key=lambda d: d.kind != "source"):
            if not check(c, d, samples).ok:
                m.caught_by, m.outcome = [f"{c.id}:{d.name}"], "caught"
                return m
    m.outcome = "survived"
    return m
