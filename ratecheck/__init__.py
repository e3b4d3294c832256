"""ratecheck: check the theory of asynchronous SGD against experiment.

The package follows the data flow of the design: a check specification names a
:class:`~ratecheck.problems.base.Problem`, an asynchrony model
(:mod:`ratecheck.asynchrony`), algorithms (:mod:`ratecheck.algorithms`) and theorem
cards (``proofs/*.toml``, loaded by :mod:`ratecheck.theory`); the engine
(:mod:`ratecheck.engine`) simulates, :mod:`ratecheck.verdict` turns traces into
verdicts and :mod:`ratecheck.report` writes the report.
"""

__version__ = "0.2.0"
