"""``python -m ratecheck``: the ``ratecheck`` command line (:mod:`ratecheck.cli`)."""

import sys

from .cli import main

sys.exit(main())
