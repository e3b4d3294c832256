"""A plain reference simulator of vanilla ASGD, written the straightforward way.

A heap of finish times, one numpy update per event — how the papers' own simulators
work (software-anchors.md, "How they simulate"). Used only to measure ratecheck's
speed against; it shares no code with the engine.
"""

import heapq

import numpy as np


def reference_asgd(lam, x_star, noise_scale, tau, gamma, n_events, seed=0):
    """ASGD on f(x) = ½ Σ λ_j (x_j − x*_j)² with additive N(0, s² I) gradient noise.

    Returns the final iterate and the virtual time of the last event.
    """
    rng = np.random.default_rng(seed)
    d, n = lam.size, len(tau)
    x = np.zeros(d)
    points = [x.copy() for _ in range(n)]
    heap = [(tau[i], i) for i in range(n)]
    heapq.heapify(heap)
    t = 0.0
    for _ in range(n_events):
        t, i = heapq.heappop(heap)
        g = lam * (points[i] - x_star) + noise_scale * rng.standard_normal(d)
        x = x - gamma * g
        points[i] = x.copy()
        heapq.heappush(heap, (t + tau[i], i))
    return x, t
