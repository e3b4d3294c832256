"""Verdicts: turn runs and card evaluations into pass / fail / inconclusive / not-applicable.

:func:`evaluate_claims` judges each ``[[claims]]`` table of a spec (kinds in
:mod:`~ratecheck.verdict.claims`) and appends one ``info`` row of tightness for every
explicit upper bound (:mod:`~ratecheck.verdict.tightness`). The numbers depend only
on the inputs: every bootstrap generator is seeded from the claim and point indices,
runs are taken in seed order, so identical inputs give bit-identical verdicts.

Every kind decides by one symmetric rule (:mod:`~ratecheck.verdict.decision`): two
one-sided p-values per point, Holm's correction across points applied to both sides,
``pass`` / ``fail`` / ``inconclusive``. A claim is never ``pass`` on too few seeds
(``min_seeds``, default 5), on censored evidence it cannot resolve, or with a card
whose assumptions fail (those points are ``not-applicable``). Runs that diverged are
censored at +∞ (they never reach ε), count against the algorithm and are named in the
reason; a claim with a run that errored is ``error`` (:func:`flag_errors`).

Every verdict lists in ``violations`` the runs of its algorithms whose parameters
violate their card's ``[[conditions]]`` (e.g. γ above 1/(2RL)): such runs go on and
are reported, but a card's bound is never compared with them (those points are
``not-applicable`` for holds, scaling, ratio-bounded and tightness); for ordering,
equivalent, optimal-parameter, value and limit, which do not use a bound, the reason
names them.

What a ``value`` claim's formula or a ``limit`` claim's named point stands for depends on
the instance at each sweep point, which only the plan holds: they are resolved before
anything runs (:func:`ratecheck.references.resolve_references`) and
:func:`evaluate_claims` reads them.
"""

from __future__ import annotations

from ..engine.trace import RunResult
from ..errors import SpecError
from . import horizon, limit, value
from .claims import KINDS, describe, validate_claims
from .complexity import MEASURES, observed_complexity, point_key
from .equivalent import evaluate_equivalent
from .evidence import INFO, STATUSES, Evidence, where
from .holds import evaluate_holds
from .optimal import evaluate_optimal
from .ordering import evaluate_ordering
from .ratio import evaluate_ratio
from .scaling import evaluate_scaling
from .tightness import tightness_rows

EVALUATORS = {
    "holds": evaluate_holds,
    "scaling": evaluate_scaling,
    "ratio-bounded": evaluate_ratio,
    "optimal-parameter": evaluate_optimal,
    "ordering": evaluate_ordering,
    "equivalent": evaluate_equivalent,
    "value": value.evaluate_value,
    "limit": limit.evaluate_limit,
}


def horizon_refusal(claim: dict, horizon_table) -> SpecError | None:
    """Why the spec's ``[horizon]`` cannot give ``claim`` (validated) what it reads where the
    runs end, as the error to raise: an ``ordering`` with ``at`` or a ``value`` claim
    (:func:`.horizon.spec_refusal`), a ``limit`` claim (:func:`.limit.spec_refusal`); None
    for the other kinds and when it can."""
    if claim["kind"] == "limit":
        return limit.spec_refusal(claim, horizon_table)
    if claim.get("at") is not None:
        return horizon.spec_refusal(claim, horizon_table)
    return None


def evaluate_claims(claims: list[dict], runs: list[RunResult], predictions: dict, references: dict | None = None,
                    missing: dict[str, list[dict]] | None = None) -> list[dict]:
    """Verdicts of ``claims`` on ``runs``, then the tightness rows.

    Parameters
    ----------
    claims : the spec's ``[[claims]]`` tables (validated here; bad ones raise
        :class:`~ratecheck.errors.SpecError` naming ``claims[i].field``).
    runs : every :class:`~ratecheck.engine.trace.RunResult` of the check, failed ones
        included.
    predictions : ``{(algorithm label, point_key(point)): card evaluation dict}``.
    references : :func:`ratecheck.references.resolve_references` of the claims (a claim whose reference is a
        literal number or list of numbers needs none).
    missing : tuned algorithm label → the points where it has no runs, because no grid value
        reached ε on its tuning seeds (:mod:`ratecheck.tuning`). A claim naming it is
        ``inconclusive`` there unless it failed or errored where it could be judged, and is
        not judged at all where the algorithm has no run anywhere.

    Returns
    -------
    list of verdict dicts (``claim, theorem, kind, status, observed, predicted, ratio,
    ci, reason, points`` and kind-specific details).
    """
    ev, missing = Evidence(runs, predictions, references), missing or {}
    checked = validate_claims(claims, labels=ev.labels | set(missing) if runs else None)
    verdicts = [_judge(c, ev, {label: missing[label] for label in claim_labels(c) if label in missing}) for c in checked]
    return verdicts + [flag_violations(v, v, ev) for v in tightness_rows(ev)]


def _judge(claim: dict, ev: Evidence, gaps: dict[str, list[dict]]) -> dict:
    """One claim's verdict; ``gaps``: its tuned algorithms' points without runs (:func:`evaluate_claims`)."""
    why = "; ".join(f"{label} has no runs at {', '.join(where(p) for p in pts)} (no grid value reached ε on its "
                    "tuning seeds)" for label, pts in gaps.items())
    if any(label not in ev.labels for label in gaps):
        return {"claim": describe(claim), "theorem": claim.get("theorem"), "kind": claim["kind"], "index": claim["index"],
                "status": "inconclusive", "observed": None, "predicted": None, "ratio": None, "ci": None,
                "reason": f"Not judged: {why}.", "points": [], "violations": []}
    v = flag_errors(flag_violations(EVALUATORS[claim["kind"]](claim, ev), claim, ev), claim, ev)
    if gaps and v["status"] not in ("fail", "error"):
        v = {**v, "status": "inconclusive", "reason": f"{why}. {v.get('reason', '')}".strip()}
    return v


def claim_labels(claim: dict) -> list[str]:
    """The algorithm labels a claim (or tightness row) is about."""
    return ([claim[k] for k in ("algorithm", "faster", "slower") if claim.get(k)] + list(claim.get("algorithm_grid") or [])
            + list(claim.get("algorithms") or []))


def flag_errors(verdict: dict, claim: dict, ev: Evidence) -> dict:
    """A claim with a run that errored is ``error``, whatever its runs would say otherwise.

    An errored run is not evidence either way (unlike a diverged one, which is a
    property of the method): the claim's verdict would rest on the runs that happened
    to succeed, so it is withheld. The reason keeps what the other runs showed.
    """
    bad = [r for label in claim_labels(claim) for pk in ev.point_keys(label) for r in ev.runs(label, pk) if r.status == "error"]
    if bad:
        first = bad[0]
        verdict["reason"] = (f"{len(bad)} run{'s' * (len(bad) != 1)} errored (first: {first.meta.get('algorithm')} "
                             f"at {where(first.meta.get('point') or {})}, seed {first.meta.get('seed')}: {first.reason or 'no message'}), so the "
                             f"verdict is withheld; with the errored runs counted as censored it would read {verdict['status']}: "
                             + verdict["reason"])
        verdict["status"] = "error"
    return verdict


def flag_violations(verdict: dict, claim: dict, ev: Evidence) -> dict:
    """Add ``violations`` (one per algorithm and point) to a verdict; see the module doc."""
    found = []
    for label in claim_labels(claim):
        for pk in ev.point_keys(label):
            for text in ev.violations(label, pk):
                found.append({"algorithm": label, "point": ev.points[pk],
                              "theorem": (ev.predictions.get((label, pk)) or {}).get("theorem"), "violation": text})
    verdict["violations"] = found
    if found and verdict["kind"] in ("ordering", "equivalent", "optimal-parameter", "value", "limit"):
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        verdict["reason"] = verdict["reason"].rstrip(".") + f"; flagged: {found[0]['violation']} at {where(found[0]['point'])}{more}."
    return verdict


__all__ = [
    "INFO", "KINDS", "MEASURES", "STATUSES", "evaluate_claims", "horizon_refusal",
    "observed_complexity", "point_key", "validate_claims",
]
