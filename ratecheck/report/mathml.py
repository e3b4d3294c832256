"""Card formulas as math in the HTML report: sympy's presentation MathML, no script, no font.

A card's formula reaches the report as text in its inputs (``sympy`` syntax, e.g.
``tau_H*(Delta*L/eps + Delta*L*sigma2/(eps**2*n))``). :func:`formula_mathml` parses it
with every name a plain symbol (so ``gamma`` or ``E`` is never sympy's function or
constant) and prints it with :func:`sympy.printing.mathml.mathml`; browsers render
MathML natively, so the page stays self-contained and opens offline. ``eps`` is
printed ε and a variance ``sigma2`` σ².
"""

from __future__ import annotations

import re
import tokenize
from functools import lru_cache

#: Functions a card formula may call (every other name is a symbol).
FUNCTIONS = ("sqrt", "log", "exp", "Min", "Max", "ceiling", "floor", "Abs", "Rational")
#: Names printed as another symbol.
RENAMED = {"eps": "epsilon", "sigma2": "sigma^2"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@lru_cache(maxsize=512)
def formula_mathml(text: str) -> str | None:
    """``<math>`` element of formula ``text``, or None when it is not a sympy expression."""
    import sympy
    from sympy.parsing.sympy_parser import parse_expr
    from sympy.printing.mathml import mathml

    names = {n: sympy.Symbol(RENAMED.get(n, n), positive=True) for n in _NAME.findall(text) if n not in FUNCTIONS}
    try:
        expr = parse_expr(text, local_dict={**{f: getattr(sympy, f) for f in FUNCTIONS}, **names}, evaluate=False)
    except (SyntaxError, TypeError, ValueError, AttributeError, sympy.SympifyError, tokenize.TokenError):
        return None
    if not isinstance(expr, sympy.Basic):
        return None
    return f'<math display="inline">{mathml(expr, printer="presentation")}</math>'
