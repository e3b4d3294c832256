"""``python -m ratecheck``: the ``ratecheck`` command line (:mod:`ratecheck.cli`)."""

from .cli import run

run()
