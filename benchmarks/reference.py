"""A plain reference simulator, written the straightforward way.

A heap of finish times and one numpy update per event — how the papers' own
simulators work (software-anchors.md, "How they simulate"). It shares no code with
the engine: it is what ratecheck's speed is measured against (``simulator.py``) and
what its trajectories are checked against (``tests/test_engine_equivalence.py``).

The problem is f(x) = ½ Σ_j λ_j (x_j − x*_j)² with gradient noise s·z, the fixed
computation model (worker i needs τ_i per gradient, ties to the lowest index), and
``noise(w, k)`` the standard normals of computation k of worker w (default: one numpy
generator read in event order, as the papers do).
"""

import heapq

import numpy as np


def reference_run(method, lam, x_star, noise_scale, tau, gamma, n_iter, noise=None, x0=None, **params):
    """Run ``method`` for ``n_iter`` server updates; returns the list of iterates x^0, …, x^K.

    Methods (parameters): ``asgd``; ``delay-adaptive-asgd`` (γ_k = γ·min(1, n/δ_k));
    ``delay-filtered-sgd`` (``threshold``: apply iff δ ≤ threshold); ``ringmaster-asgd``
    (``R``, ``stops``: stop computations whose delay reaches R, else discard on
    arrival); ``rennala-sgd`` (``S``: average the first S gradients at the broadcast
    point, then restart everyone); ``minibatch-sgd`` (wait for all n).
    """
    if noise is None:
        rng = np.random.default_rng(0)
        noise = lambda w, k: rng.standard_normal(lam.size)  # noqa: E731
    n = len(tau)
    x = np.zeros(lam.size) if x0 is None else np.array(x0, float)
    xs = [x.copy()]
    point = [x.copy() for _ in range(n)]
    disp = [0] * n  # iteration at which each worker received its point
    kk = [-1] * n  # computation index of each worker
    heap = []

    def start(w, t):
        kk[w] += 1
        heapq.heappush(heap, (t + tau[w], w, kk[w]))
        point[w] = x.copy()
        disp[w] = len(xs) - 1

    def grad(w):
        return lam * (point[w] - x_star) + noise_scale * noise(w, kk[w])

    for w in range(n):
        start(w, 0.0)
    batch = []
    while len(xs) - 1 < n_iter:
        t, w, k = heapq.heappop(heap)
        if k != kk[w]:
            continue  # a stopped computation
        it = len(xs) - 1
        delay = it - disp[w]
        if method in ("rennala-sgd", "minibatch-sgd"):
            batch.append(grad(w))
            size = params["S"] if method == "rennala-sgd" else n
            if len(batch) == size:
                x = x - gamma * np.mean(batch, axis=0)
                xs.append(x)
                batch = []
                for v in range(n):  # Rennala stops the others; minibatch's are all idle
                    start(v, t)
            elif method == "rennala-sgd":
                start(w, t)
            continue
        if method == "asgd":
            apply, coef = True, 1.0
        elif method == "delay-adaptive-asgd":
            apply, coef = True, (1.0 if delay <= n else n / delay)
        elif method == "delay-filtered-sgd":
            apply, coef = delay <= params["threshold"], 1.0
        elif method == "ringmaster-asgd":
            apply, coef = delay < params["R"], 1.0
        else:
            raise ValueError(method)
        if apply:
            x = x - gamma * coef * grad(w)
            xs.append(x)
        start(w, t)
        if method == "ringmaster-asgd" and params.get("stops", 1):
            for v in range(n):
                if len(xs) - 1 - disp[v] >= params["R"]:
                    start(v, t)  # stop and restart at the current point
    return xs


def reference_asgd(lam, x_star, noise_scale, tau, gamma, n_events, seed=0):
    """Vanilla ASGD, the benchmark's reference: returns the final iterate and time."""
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
