"""The worst-delay search of ``ratecheck pep`` with both SDP backends, in the same run.

Run ``python benchmarks/pep.py [--repeats R]``.

Cases (one SDP per enumerated delay sequence, :func:`ratecheck.pep.estimate.worst_delays`):

* ``falsify pep-worst``: what ``ratecheck falsify --model pep-worst`` solves per τ_max
  (:mod:`ratecheck.falsify.pepdelays`: N = 5, average squared gradient norm given
  f(x_0) − f* ≤ 1, here at γL = 1/(τ_max + 1) with τ_max = 3: 96 sequences);
* ``cli worst-delay``: ``ratecheck pep --method worst-delay --tau 2 --N 6 --gamma 0.5``
  (f(x_N) − f* given ‖x_0 − x*‖ ≤ 1: 162 sequences);
* ``cli worst-delay, μ > 0``: the same with μ = 0.1 and ‖x_N − x*‖².

Each case is timed ``--repeats`` times per backend, the backends in turn (this shared
machine has slow spells that would otherwise fall on one backend); the best wall time and
the best CPU time of this process are kept (CPU time is the steadier one when other jobs
load the machine). Both cover the whole search: building each SDP, the solver, the
accuracy checks. The ratios are PEPit's times over the hand-written SDP's; the values, the
worst sequences and the statuses of the two are compared. The first search of the run is
preceded by a warm-up solve per backend (imports, cvxpy's first canonicalisation).

Last measured (this project's 2-core machine shared with other jobs, load 8–10, so wall
times are about 6× the CPU times; ``--repeats 2``; PEPit 0.5.1, cvxpy 1.9.3, Clarabel 0.11.1)::

    case                                         #seq  wall: pepit, sdp [s], ratio  CPU: pepit, sdp [s], ratio
    falsify pep-worst (N=5, tau<=3)                96     59.66    11.55      5.2      8.92     1.63      5.5
    cli worst-delay (N=6, tau<=2)                 162    149.31    20.90      7.1     23.21     3.04      7.6
    cli worst-delay, mu=0.1, dist (N=6, tau<=2)   162    154.35    19.42      7.9     22.87     2.80      8.2

Values agreed to 1.6e-9, 1.6e-10 and 2.2e-8 (relative), with the same worst sequences.
What this decided is in :mod:`ratecheck.pep.backends`.
"""

from __future__ import annotations

import argparse
import os
import time

from ratecheck.pep.backends import BACKENDS
from ratecheck.pep.estimate import FunctionClass, worst_case, worst_delays
from ratecheck.pep.methods import DelayedGD

CASES = {
    "falsify pep-worst (N=5, tau<=3)": dict(gamma=0.25, N=5, tau_max=3, criterion="avggradnorm",
                                             initial="fgap", D=None, Delta=1.0),
    "cli worst-delay (N=6, tau<=2)": dict(gamma=0.5, N=6, tau_max=2),
    "cli worst-delay, mu=0.1, dist (N=6, tau<=2)": dict(gamma=0.5, N=6, tau_max=2, fclass=FunctionClass(1.0, 0.1),
                                                        criterion="dist"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for backend in BACKENDS:
        worst_case(DelayedGD.constant_delay(0.5, 1, 3), backend=backend)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'case':44} {'#seq':>4}  {'wall: pepit, sdp [s], ratio':>27}  {'CPU: pepit, sdp [s], ratio':>26}"
          f"  rel. diff of values, same worst delays")
    for name, kw in CASES.items():
        wall = {b: float("inf") for b in BACKENDS}
        cpu = dict(wall)
        res = {}
        for _ in range(args.repeats):
            for backend in BACKENDS:
                t0, c0 = time.perf_counter(), time.process_time()
                res[backend] = worst_delays(**kw, backend=backend)
                wall[backend] = min(wall[backend], time.perf_counter() - t0)
                cpu[backend] = min(cpu[backend], time.process_time() - c0)
        a, b = res["pepit"], res["sdp"]
        assert a.status == b.status == "optimal", (a.status, b.status)
        rel = abs(a.value - b.value) / max(abs(b.value), 1e-12)
        print(f"{name:44} {a.n_sequences:4d}  {wall['pepit']:8.2f} {wall['sdp']:8.2f} {wall['pepit'] / wall['sdp']:8.1f}"
              f"  {cpu['pepit']:8.2f} {cpu['sdp']:8.2f} {cpu['pepit'] / cpu['sdp']:8.1f}"
              f"  {rel:.1e}, {a.worst_delays == b.worst_delays}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
