"""What a theorem card shows people: LaTeX of a formula, a short citation, the summary a
report or ``ratecheck show --json`` renders (mixed into :class:`~ratecheck.theory.card.Card`)."""

from __future__ import annotations

from typing import Any

from . import language as lang
from .records import Entry


class Renders:
    """Rendering of a loaded card (its ``entry``/``expression`` come from
    :class:`~ratecheck.theory.evaluation.Evaluates`)."""

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
