"""A ratecheck plugin, as a third party would write one (tests/test_plugins.py).

``plugin_pkg.methods`` registers a method (``plugin-halved-asgd``) and a problem family
(``plugin-quadratic``); ``cards/`` holds the method's theorem card; ``spec.toml`` is a
check that uses all three (``[check] import``, ``proofs``).
"""
