"""Performance estimation (PEP) of delayed gradient methods: worst cases as cvxpy SDPs.

:mod:`.methods` (delayed GD and stepsize rules), :mod:`.problem` (the SDP posed, solvers,
accuracy checks, statuses), :mod:`.backends` (who builds it: :mod:`.pepit_model` with
PEPit, the default, or :mod:`.sdp` by hand with the interpolation rows of :mod:`.gram`),
:mod:`.estimate` (scaling law, worst delay sequences), :mod:`.references` (known tight
rates), ``ratecheck pep`` in :mod:`.commands`.
"""
