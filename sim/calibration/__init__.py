"""Calibration: the uncertain parameters of the network data estimated against the published
component-level observations (ABC-SMC with pyabc), their ranking by first-order Sobol indices
(SALib), and the posterior that runs then draw from.

Modules: :mod:`~sim.calibration.fit` (summary statistics and distance),
:mod:`~sim.calibration.simulate` (one simulated corridor), :mod:`~sim.calibration.sensitivity`
(Sobol indices), :mod:`~sim.calibration.smc` (ABC-SMC), :mod:`~sim.calibration.calibrate`
(the whole job and its output folder).
"""
