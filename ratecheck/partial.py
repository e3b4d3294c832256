"""What an interrupted check can still say: verdicts only where every run they need exists.

When a sweep is interrupted (Ctrl-C, SIGTERM) ``ratecheck check`` still writes its
report, marked *partial*: a claim is judged only if every planned run of the algorithms
it names is done — then its verdict is exactly the one the complete check gives (same
claim index, same bootstrap seeds, same runs); any other claim gets status
``partial`` and is not judged, and a tightness row is kept only for an algorithm whose
runs are all done.
"""

from __future__ import annotations

from collections import Counter

from .verdict import EVALUATORS, claim_labels, flag_errors, flag_violations
from .verdict.claims import describe, validate_claims
from .verdict.evidence import Evidence
from .verdict.tightness import tightness_rows

#: Status of a claim an interrupted check did not judge.
PARTIAL = "partial"


def partial_verdicts(claims: list[dict], fragments: list[dict], runs: list, predictions: dict,
                     references: dict | None = None) -> list[dict]:
    """Verdicts of an interrupted check (module docstring). ``fragments``: every planned
    run (``meta.algorithm`` names its label); ``runs``: the results there are;
    ``references``: :func:`~ratecheck.references.resolve_references` of the claims."""
    planned = Counter(f["meta"]["algorithm"] for f in fragments)
    have = Counter(r.meta.get("algorithm") for r in runs)
    complete = {label for label, n in planned.items() if have[label] >= n}
    # as evaluate_claims does, on the runs of complete algorithms only; each claim keeps
    # its index in the spec, hence its bootstrap seeds
    ev = Evidence([r for r in runs if r.meta.get("algorithm") in complete], predictions, references)
    out = []
    for c in validate_claims(claims):
        if set(claim_labels(c)) <= complete:
            out.append(flag_errors(flag_violations(EVALUATORS[c["kind"]](c, ev), c, ev), c, ev))
            continue
        labels = sorted(set(claim_labels(c)))
        done, total = sum(have[x] for x in labels), sum(planned[x] for x in labels)
        out.append({"claim": describe(c), "theorem": c.get("theorem"), "kind": c["kind"], "index": c["index"],
                    "status": PARTIAL, "observed": None, "predicted": None, "ratio": None, "ci": None,
                    "reason": f"Not judged: the check was interrupted with {done} of the {total} runs of "
                              f"{', '.join(labels)} done.", "points": [], "violations": []})
    return out + [flag_violations(v, v, ev) for v in tightness_rows(ev)]
