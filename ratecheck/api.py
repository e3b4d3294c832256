"""The Python API: :func:`run` a check, :func:`load` a stored one, :func:`card` and
:func:`bound` for the theorem cards. Re-exported by the package (``ratecheck.run`` …).

A check run here is ``ratecheck check``'s pipeline (:func:`ratecheck.check.execute_check`),
so its verdicts are the command's, bit for bit::

    >>> import ratecheck
    >>> result = ratecheck.run("problems/quickstart.toml")        # doctest: +SKIP
    >>> result.verdicts[["claim", "status"]]                       # doctest: +SKIP
    >>> result.runs.groupby("label").time_to_eps.median()          # doctest: +SKIP
    >>> result.report("reports/quickstart")                        # doctest: +SKIP

The cards (Maranjyan, Tyurin, Richtárik, ICML 2025, arXiv:2501.16168, Thm 1: Ringmaster
ASGD's K = ⌈8RLΔ/ε + 16σ²LΔ/ε²⌉ with R = max(1, ⌈σ²/ε⌉)):

    >>> ratecheck.card("ringmaster-asgd").kind
    'upper'
    >>> b = ratecheck.bound("ringmaster-asgd", L=1, Delta=10, sigma2=1, eps=0.1, tau="sqrt:n=16")
    >>> b["parameters"]["R"], b["bounds"]["iterations"]
    (10, 24000)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SpecError
from .guards import MAX_EVENTS

if TYPE_CHECKING:
    from .results import CheckResult
    from .theory.card import Card


def _spec(spec):
    """A :class:`~ratecheck.spec.CheckSpec` from a path, a TOML string, a dict or itself."""
    from .spec import CheckSpec, load_spec, parse_spec

    if isinstance(spec, CheckSpec):
        return spec
    if isinstance(spec, dict):
        return parse_spec(spec, "spec")
    if isinstance(spec, Path) or (isinstance(spec, str) and "\n" not in spec and "=" not in spec):
        return load_spec(spec)
    if isinstance(spec, str):
        try:
            return parse_spec(tomllib.loads(spec), "spec")
        except tomllib.TOMLDecodeError as exc:
            raise SpecError("spec", f"not valid TOML: {exc}") from None
    raise SpecError("spec", f"a path, a TOML string or a table, got a {type(spec).__name__}")


def run(spec, out=None, backend: str = "serial", workers: int | None = None, store=None, *,
        scheduler: str | None = None, progress: bool = False, force: bool = False,
        max_events: float = MAX_EVENTS) -> CheckResult:
    """Run a check and return its :class:`~ratecheck.results.CheckResult`.

    ``spec``: a path to a TOML file, a TOML string, a dict of the same tables or a
    :class:`~ratecheck.spec.CheckSpec`. ``backend``, ``workers``, ``scheduler``, ``force``:
    as ``ratecheck check``'s options (``serial``, ``local``, ``dask`` with a scheduler
    address, ``dask-local``). ``store``: a results store (path or
    :class:`~ratecheck.sweep.store.ResultStore`) whose runs are reused and filled; by
    default ``out/results.sqlite`` when ``out`` is given, else none. ``out``: a folder
    to write the report into (then :func:`load` reads it back).
    """
    from .check import execute_check
    from .sweep.store import ResultStore

    the_spec = _spec(spec)
    if out is not None:
        from .files import output_folder

        out = output_folder(out, "out")
        store = out / "results.sqlite" if store is None else store
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store, replace_damaged=force)
    sweep = {"store": store, "backend": backend, "workers": workers, "scheduler": scheduler, "force": force,
             "no_cache": store is None}
    result, _ = execute_check(the_spec, sweep, progress=progress, max_events=max_events)
    if out is not None:
        result.report(out)
    return result


def load(folder) -> CheckResult:
    """The check stored in a report folder (``ratecheck check --out DIR`` or
    ``run(..., out=DIR)``): its runs from its store, its verdicts judged again."""
    from .stored import load as load_stored

    return load_stored(folder, "folder")


def card(card_id: str) -> Card:
    """The theorem card ``card_id`` (:class:`~ratecheck.theory.card.Card`)."""
    from .theory import load_card

    return load_card(card_id)


def bound(card_id: str, tau: Any = None, **values: float) -> dict:
    """Card ``card_id`` evaluated at ``values`` (its symbols, e.g. ``L=1, eps=0.1``) as
    ``ratecheck bound --json`` prints it: ``inputs``, ``parameters``, ``bounds``,
    ``constants``, ``provenance``, ``conditions`` (the violated ones). ``tau``: the
    compute times, a profile ``"sqrt:n=16"`` or a sequence."""
    import numpy as np

    from .theory.domain import check_evaluation, check_parameters
    from .theory.profiles import tau_profile

    c = card(card_id)
    if isinstance(tau, str):
        tau = tau_profile(tau, "tau")
    elif tau is not None:
        tau = np.asarray(tau, dtype=float)
    c.validate_inputs(values, strict=True)
    check_parameters(c, values)
    ev = c.evaluate(values, tau)
    check_evaluation(ev)
    out = ev.as_dict()
    out["conditions"] = c.check_conditions(ev.parameters, ev.inputs, tau)
    return out
