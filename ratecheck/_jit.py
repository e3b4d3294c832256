"""numba's ``njit`` for the engine's compiled modules, with numba's cache for the
package's files pointed at the folder keyed by the kernels' sources
(:func:`ratecheck._cache.use_kernel_cache`), set up before the first function is
compiled. Importing the engine package itself imports no numba (the report, the
verdicts and the theorem cards read :mod:`ratecheck.engine.trace` without it).
"""

from numba import njit

from ._cache import use_kernel_cache

use_kernel_cache()

__all__ = ["njit"]
