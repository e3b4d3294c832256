"""What a simulation returns: :class:`RunResult`, and its tidy-table form.

A run records its state on a geometric checkpoint grid of iterations (memory grows
with the number of checkpoints, not of events) and, exactly, the first iteration at
which each tracked statistic drops to each target ε ("hits").

Statistics (the names cards use in ``statistic``):

=================  ===========================================================
``grad_sq``        ‖∇f(x_K)‖²
``avg_grad_sq``    (1/(K+1)) Σ_{k=0}^{K} ‖∇f(x_k)‖²   (Ringmaster Thm 1's left side)
``min_grad_sq``    min_{k≤K} ‖∇f(x_k)‖²
``fgap``           f(x_K) − f*
``fgap_avg``       f(x̄_K) − f*, x̄_K = (1/(K+1)) Σ_{k=0}^{K} x_k
``dist_sq``        ‖x_K − x*‖²
=================  ===========================================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

STATISTICS = ("grad_sq", "avg_grad_sq", "min_grad_sq", "fgap", "fgap_avg", "dist_sq")
CHECKPOINT_FIELDS = ("event", "iteration", "time", "computed", "applied", "max_delay") + STATISTICS

#: Run statuses. ``ok``: reached its horizon or every target; ``diverged``: an iterate
#: became non-finite or blew up past :data:`BLOWUP_DECADES` decades above its start
#: (:mod:`.divergence`; ``reason`` and ``final["diverged"]`` say where); ``error``: the run raised.
STATUSES = ("ok", "diverged", "error")

#: Decades above its value at x₀ at which f − f*, ‖∇f‖² or ‖x − x*‖² counts as blown up.
BLOWUP_DECADES = 6


@dataclass
class RunResult:
    """One simulated run (one algorithm, one parameter set, one seed).

    Attributes
    ----------
    meta : dict
        ``algorithm`` (label), ``method``, ``params`` (resolved), ``seed``, ``point``
        (the sweep point), ``path`` ("replay" or "general").
    status, reason : str
        See :data:`STATUSES`.
    checkpoints : dict of str → ndarray
        Columns of :data:`CHECKPOINT_FIELDS`, one entry per checkpoint.
    targets : ndarray
        The ε targets of the hits.
    hits : dict of str → ndarray of shape (len(targets), 4)
        Per statistic: (iteration, time, gradients computed, worker time) of the first
        hit; NaN where the run ended first (censored at ``final``). Worker time is
        ∫_0^t (number of busy workers), stopped and discarded computations included.
    delay_counts : ndarray
        Histogram of the delays of applied gradients (index = delay).
    final : dict
        ``iteration, time, computed, applied, discarded, events, worker_time``.
    x_final : ndarray of shape (d,)
        The iterate the run ends at: x_K after its last update K = ``final["iteration"]``
        (the query point x of a method with a primal iterate of its own, e.g. μ², the
        point the statistics are evaluated at). For a ``diverged`` run, the last
        iterate computed, the one at which the divergence was detected (it may hold
        non-finite values). Empty in a result stored before it was recorded.
    """

    meta: dict[str, Any]
    status: str = "ok"
    reason: str = ""
    checkpoints: dict[str, np.ndarray] = field(default_factory=dict)
    targets: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hits: dict[str, np.ndarray] = field(default_factory=dict)
    delay_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    final: dict[str, float] = field(default_factory=dict)
    x_final: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def tau_max(self) -> int:
        nz = np.nonzero(self.delay_counts)[0]
        return int(nz[-1]) if nz.size else 0

    @property
    def tau_avg(self) -> float:
        c = self.delay_counts
        return float((np.arange(c.size) * c).sum() / c.sum()) if c.sum() else 0.0

    def hit(self, statistic: str, target: float) -> tuple[float, float, float]:
        """(iteration, time, computed, worker time) of the first hit of ``target``; NaNs
        if censored (worker time is NaN in results stored before it was recorded)."""
        j = int(np.argmin(np.abs(self.targets - target)))
        if not np.isclose(self.targets[j], target, rtol=1e-12, atol=0):
            raise KeyError(f"target {target} was not tracked (tracked: {list(self.targets)})")
        row = [float(v) for v in self.hits[statistic][j]]
        return tuple(row + [math.nan] * (4 - len(row)))

    # --- serialisation --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "status": self.status,
            "reason": self.reason,
            "checkpoints": {k: np.asarray(v).tolist() for k, v in self.checkpoints.items()},
            "targets": np.asarray(self.targets).tolist(),
            "hits": {k: np.asarray(v).tolist() for k, v in self.hits.items()},
            "delay_counts": np.asarray(self.delay_counts).tolist(),
            "final": self.final,
            "x_final": np.asarray(self.x_final).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunResult":
        return cls(
            meta=d["meta"],
            status=d["status"],
            reason=d["reason"],
            checkpoints={k: np.asarray(v, dtype=float) for k, v in d["checkpoints"].items()},
            targets=np.asarray(d["targets"], dtype=float),
            hits={k: np.asarray(v, dtype=float).reshape(len(v), -1) if len(v) else np.zeros((0, 4)) for k, v in d["hits"].items()},
            delay_counts=np.asarray(d["delay_counts"], dtype=np.int64),
            final=d["final"],
            x_final=np.asarray(d.get("x_final", []), dtype=float),
        )

    def rows(self) -> list[dict[str, Any]]:
        """The tidy results-table rows of this run: one per checkpoint (DESIGN.md columns)."""
        base = {
            "algorithm": self.meta.get("algorithm"),
            "method": self.meta.get("method"),
            "parameters": json.dumps(self.meta.get("params", {}), sort_keys=True),
            "point": json.dumps(self.meta.get("point", {}), sort_keys=True),
            "seed": self.meta.get("seed"),
            "status": self.status,
        }
        n = len(self.checkpoints.get("iteration", []))
        out = []
        for i in range(n):
            row = dict(base)
            for k in CHECKPOINT_FIELDS:
                if k in self.checkpoints:
                    row[k] = float(self.checkpoints[k][i])
            out.append(row)
        return out
