"""Every test runs the checked build of the schedule kernels (:mod:`ratecheck.engine.loop`):
bounds checks on the op buffer, and each event's ops against the method's declared room."""

import os

os.environ["RATECHECK_CHECK_KERNELS"] = "1"
