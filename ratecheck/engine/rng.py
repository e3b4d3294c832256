"""Random streams: one per (seed, purpose, worker).

The k-th computation of worker w draws its work and its sample index from streams
that depend only on (seed, w), and its gradient noise from the counter-based
generator of :mod:`.noise` at (seed, w, k) — never from anything the algorithm
does. Two algorithms run with the same seed therefore see the same compute times and
the same noise for the same (worker, computation) pair: common random numbers, which
make paired comparisons (``ordering`` claims) far less noisy. (The delay-sequence
path, :mod:`.delayed`, has one worker and draws its noise from the NOISE stream.)
"""

from __future__ import annotations

import numpy as np

#: Purposes; part of the SeedSequence spawn key so streams never overlap.
WORK, SAMPLE, NOISE, MODEL = 0, 1, 2, 3


class WorkerStreams:
    """Lazily created generators ``gen(purpose, w)`` for one seed.

    ``np.random.SeedSequence(seed, spawn_key=(purpose, w))`` gives independent
    PCG64 streams (numpy's documented way to make parallel streams).
    """

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[tuple[int, int], np.random.Generator] = {}

    def gen(self, purpose: int, w: int) -> np.random.Generator:
        key = (purpose, w)
        g = self._gens.get(key)
        if g is None:
            ss = np.random.SeedSequence(self.seed, spawn_key=(purpose, w))
            g = self._gens[key] = np.random.Generator(np.random.PCG64(ss))
        return g
