"""Delay-sequence models for x_{k+1} = x_k − γ g(x_{k−δ_k}; ξ_k) (no workers, no clock).

=================  ==============================================================
``constant``       δ_k = τ (Arjevani, Shamir & Srebro, ALT 2020; Stich & Karimireddy,
                   JMLR 2020; theory note delayed-and-momentum.md §4–§5)
``uniform``        δ_k i.i.d. uniform on {0, …, τ_max} (a random bounded sequence,
                   independent of the gradient noise)
``sequence``       an arbitrary sequence replayed from ``values`` or from a text file
                   with one integer per line (Cohen et al., NeurIPS 2021: arbitrary
                   delays, §6); optional declared ``bound``
``adversarial``    chooses each δ_k greedily, within τ_max and optionally an average
                   budget Σ_{i≤k} δ_i ≤ budget·(k+1), to maximise f or ‖∇f‖² of the
                   next iterate
=================  ==============================================================

The engine (:func:`ratecheck.engine.delayed.run_delayed`) clips δ_k to ≤ k. The
non-adaptive sequences are drawn independently of the samples and the gradient noise
(the assumption of Cohen et al. 2021), so they declare ``times-independent-of-samples``;
the adversary sees the current stochastic gradient and does not.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from . import MODELS
from ..strict import Index, NonNegative, PathText, validated
from ._common import FileError, SpecModel
from .base import DelayModel
from ..errors import SpecError
from ..files import read_text


class _Delays(SpecModel, DelayModel):
    def statistics(self) -> dict:
        """τ_max (the declared bound) and τ_avg (the average delay before clipping, where known)."""
        return {"basis": "delay-sequence", "tau_max": int(self.tau_max), "tau_avg": self._tau_avg()}

    def parameters(self):
        return dict(self._params)


@MODELS.register("constant")
class ConstantDelay(_Delays):
    """δ_k = τ for every k."""

    properties = frozenset({"delay-sequence", "bounded-delay", "times-independent-of-samples"})

    @validated
    def __init__(self, tau: Annotated[Index, Field(description="the delay δ_k of every step")]):
        self.tau_max = tau
        self._params = {"tau": self.tau_max}

    def delays(self, count, gen):
        return np.full(count, self.tau_max, dtype=np.int64)

    def _tau_avg(self):
        return float(self.tau_max)


@MODELS.register("uniform")
class UniformDelay(_Delays):
    """δ_k i.i.d. uniform on {0, …, τ_max}; E δ = τ_max/2."""

    properties = frozenset({"delay-sequence", "bounded-delay", "times-independent-of-samples"})

    @validated
    def __init__(self, tau_max: Annotated[Index, Field(description="largest delay; δ_k is uniform on "
                                                                   "{0, …, tau_max}")]):
        self.tau_max = tau_max
        self._params = {"tau_max": self.tau_max}

    def delays(self, count, gen):
        return gen.integers(0, self.tau_max + 1, size=count, dtype=np.int64)

    def _tau_avg(self):
        return self.tau_max / 2


def read_delays(path, bound: int | None = None) -> np.ndarray:
    """Integers, one per line (blank lines skipped); errors name the file and line."""
    path = Path(path)
    lines = read_text(path).splitlines()
    out = []
    for i, text in enumerate(lines, start=1):
        s = text.strip()
        if not s:
            continue
        try:
            v = int(s)
        except ValueError:
            raise FileError(path, i, f"must be one integer delay per line, got {s!r}") from None
        if v < 0:
            raise FileError(path, i, f"delays must be >= 0, got {v}")
        if bound is not None and v > bound:
            raise FileError(path, i, f"delay {v} exceeds the declared bound {bound}")
        out.append(v)
    if not out:
        raise FileError(path, None, "the file holds no delays")
    return np.array(out, dtype=np.int64)


@MODELS.register("sequence")
class SequenceDelay(_Delays):
    """An arbitrary delay sequence from ``values`` or ``file``.

    ``bound`` declares τ_max (every value must respect it); without it τ_max is the
    largest value. When a run needs more delays than the sequence holds,
    ``when_exhausted = "error"`` (default) stops with an error, ``"cycle"`` repeats it.
    """

    properties = frozenset({"delay-sequence", "bounded-delay", "times-independent-of-samples"})

    @validated
    def __init__(
        self,
        values: Annotated[list[Index] | None, Field(description="the delays δ_0, δ_1, … (exclusive with "
                                                                "file)")] = None,
        file: Annotated[PathText | None, Field(description="text file with one integer delay per line "
                                                             "(exclusive with values)")] = None,
        bound: Annotated[Index | None, Field(description="declared τ_max, which every delay must respect "
                                                         "(default: the largest delay)")] = None,
        when_exhausted: Annotated[Literal["error", "cycle"], Field(description="when a run needs more delays "
                                                                               "than the sequence holds: stop "
                                                                               "with an error, or repeat "
                                                                               "it")] = "error",
    ):
        if (values is None) == (file is None):
            raise SpecError("values" if values is not None else "file", "give exactly one of values and file")
        if file is not None:
            self.source = file
            seq = read_delays(file, bound)
        else:
            if not values:
                raise SpecError("values", "must be a non-empty list of integers")
            seq = np.array(values, dtype=np.int64)
            if bound is not None and seq.max() > bound:
                i = int(np.argmax(seq > bound))
                raise SpecError(f"values[{i}]", f"delay {seq[i]} exceeds the declared bound {bound}")
            self.source = "values"
        self.sequence = seq
        self.tau_max = bound if bound is not None else int(seq.max())
        self.when_exhausted = when_exhausted
        self._params = {"values": seq.tolist()} if file is None else {"file": file}
        self._params.update({"when_exhausted": self.when_exhausted, **({"bound": bound} if bound is not None else {})})

    def delays(self, count, gen):
        seq = self.sequence
        if count > seq.size and self.when_exhausted == "error":
            raise SpecError(self.source, f"holds {seq.size} delays but the run needs {count} "
                                         "(set when_exhausted = 'cycle' to repeat it)")
        return seq[np.arange(count) % seq.size]

    def _tau_avg(self):
        return float(self.sequence.mean())


@MODELS.register("adversarial")
class AdversarialDelay(_Delays):
    """Greedy adversary: δ_k = argmax over allowed j of h(x_k − γ g(x_{k−j}; ξ_k)).

    h = f (``objective = "f"``) or ‖∇f‖² (``"grad_sq"``). Allowed: j ≤ min(k, τ_max)
    and, with ``budget`` = B, Σ_{i≤k} δ_i ≤ B·(k+1) (an average-delay budget, as in the
    τ_avg-dependent bounds of Cohen et al. 2021 and Koloskova et al. 2022). Ties go to
    the largest delay. The budget spent is reset at k = 0 (a new run); B·(k+1) is floored
    with a 1e-9 allowance for rounding (so B = 0.29 allows 29 at k = 99).

    The adversary is one-step greedy, not the worst case over delay sequences. With small
    stepsizes (γLτ ≲ 1) stale gradients taken further from x* are larger and speed the
    descent, so it mostly picks δ = 0, which is then indeed the most harmful choice for
    the next step; around γLτ ≈ 1 a constant delay can do more harm over many steps
    (its oscillation builds up) than the greedy choices do.
    """

    properties = frozenset({"delay-sequence", "bounded-delay", "adversarial-delay"})
    adaptive = True

    @validated
    def __init__(
        self,
        tau_max: Annotated[Index, Field(description="largest delay the adversary may choose")],
        budget: Annotated[NonNegative | None, Field(description="average-delay budget B: Σ_{i≤k} δ_i ≤ "
                                                                "B·(k+1) (default: none)")] = None,
        objective: Annotated[Literal["f", "grad_sq"], Field(description="what the adversary maximises at the "
                                                                        "next iterate: f or ‖∇f‖²")] = "f",
    ):
        self.tau_max = tau_max
        self.budget = budget
        self.objective = objective
        self._spent = 0
        self._params = {"tau_max": self.tau_max, "objective": self.objective,
                        **({"budget": self.budget} if self.budget is not None else {})}

    def choose(self, k, candidates, problem):
        if k == 0:
            self._spent = 0
        top = min(candidates.shape[0] - 1, self.tau_max)
        if self.budget is not None:
            top = min(top, int(math.floor(self.budget * (k + 1) - self._spent + 1e-9)))
        if self.objective == "f":
            harm = np.array([problem.f(candidates[j]) for j in range(top + 1)])
        else:
            harm = np.array([float(np.sum(problem.grad(candidates[j]) ** 2)) for j in range(top + 1)])
        if not np.all(np.isfinite(harm)):
            j = int(np.flatnonzero(~np.isfinite(harm))[-1])
        else:
            j = int(np.flatnonzero(harm == harm.max())[-1])
        self._spent += j
        return j

    def _tau_avg(self):
        return self.budget
