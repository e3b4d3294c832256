"""ratecheck: check the theory of asynchronous SGD against experiment.

The package follows the data flow of the design: a check specification names a
:class:`~ratecheck.problems.base.Problem`, an asynchrony model
(:mod:`ratecheck.asynchrony`), algorithms (:mod:`ratecheck.algorithms`) and theorem
cards (``proofs/*.toml``, loaded by :mod:`ratecheck.theory`); the engine
(:mod:`ratecheck.engine`) simulates, :mod:`ratecheck.verdict` turns traces into
verdicts and :mod:`ratecheck.report` writes the report.

The Python API (:mod:`ratecheck.api`): :func:`run`, :func:`load`, :func:`card`,
:func:`bound`; :class:`CheckResult` (:mod:`ratecheck.results`). They are imported on
first use, so ``import ratecheck`` (and ``ratecheck --help``) loads no numerical library.
"""

__version__ = "0.2.0"

#: Public names and the module each is imported from on first use.
_LAZY = {"run": "api", "load": "api", "card": "api", "bound": "api", "CheckResult": "results"}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
