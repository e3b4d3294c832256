"""Performance estimation (PEP) of delayed gradient methods: worst cases as cvxpy SDPs.

:mod:`.methods` (delayed GD and stepsize rules), :mod:`.gram` (interpolation conditions),
:mod:`.sdp` (the SDP, solvers, statuses), :mod:`.estimate` (scaling law, worst delay
sequences), :mod:`.references` (known tight rates), ``ratecheck pep`` in :mod:`.commands`.
"""
