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


def minimal_compiled_asgd(lam, x_star, noise_scale, tau, gamma, n_events, seed=0):
    """The limit of a compiled simulator: vanilla ASGD with only the heap, the noise and
    the update (no statistics, checkpoints, traces or op stream). Returns x and the time.

    Compiled by numba (:func:`_minimal_loop`); the noise is the engine's own counter-based
    generator (``ratecheck.engine.noise.fill_normals``: Philox + ziggurat), so the
    engine's events per second over this loop's, measured in the same run, is its
    distance to the limit: what everything but the noise and the update costs.
    """
    from ratecheck.engine.noise import noise_key

    return _minimal_loop()(np.asarray(lam, float), np.asarray(x_star, float), float(noise_scale),
                           np.asarray(tau, float), float(gamma), int(n_events), noise_key(seed))


_LOOP = []


def _minimal_loop():
    """Compile (once) the minimal loop: a binary heap of (finish time, worker), each worker's
    hand-out copy of x, one noisy gradient and one update per event."""
    if _LOOP:
        return _LOOP[0]
    from numba import njit

    from ratecheck.engine.noise import fill_normals

    @njit
    def sift_down(ht, hw, j, n):
        while True:
            c = 2 * j + 1
            if c >= n:
                return
            if c + 1 < n and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hw[c + 1] < hw[c])):
                c += 1
            if ht[c] < ht[j] or (ht[c] == ht[j] and hw[c] < hw[j]):
                ht[c], ht[j] = ht[j], ht[c]
                hw[c], hw[j] = hw[j], hw[c]
                j = c
            else:
                return

    @njit
    def loop(lam, x_star, s, tau, gamma, n_events, key):
        n, d = tau.size, lam.size
        x = np.zeros(d)
        z = np.empty(d)
        point = np.zeros((n, d))  # the x each worker computes at
        k = np.zeros(n, np.int64)  # computation index of each worker
        ht = tau.copy()  # heap of finish times, ties to the lowest worker index
        hw = np.arange(n)
        for i in range(n // 2 - 1, -1, -1):
            sift_down(ht, hw, i, n)
        t = 0.0
        for _ in range(n_events):
            t, w = ht[0], hw[0]
            fill_normals(key, w, k[w], z)  # the noise of computation k of worker w
            k[w] += 1
            for j in range(d):  # the update with the worker's stochastic gradient
                x[j] -= gamma * (lam[j] * (point[w, j] - x_star[j]) + s * z[j])
            for j in range(d):  # hand the worker the new point
                point[w, j] = x[j]
            ht[0] = t + tau[w]  # its next finish: replace the root, sift it down
            sift_down(ht, hw, 0, n)
        return x, t

    _LOOP.append(loop)
    return loop
