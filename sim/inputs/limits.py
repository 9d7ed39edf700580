"""The bounds of the input files: every number a scenario or sweep file (or a command-line flag
that overrides one) may take lies within these.

This module imports nothing, so that the command line can state its flags' bounds without
loading pydantic, NumPy or pandas (``corridor --help`` starts at once).

Examples
--------
>>> MAX_REPLICATIONS
10000
>>> MAX_DAY == MAX_HORIZON_DAYS + MAX_DRAIN_DAYS
True
"""

__all__ = [
    "MAX_BATCH",
    "MAX_DAY",
    "MAX_DRAIN_DAYS",
    "MAX_HORIZON_DAYS",
    "MAX_HOURS",
    "MAX_PARAMETERS",
    "MAX_POINTS",
    "MAX_REPLICATIONS",
    "MAX_RUNS",
    "MAX_SEED",
    "MAX_UNITS_PER_REPLICATION",
    "MAX_VALUES",
    "YEARS",
]

# -- scenario files (:mod:`sim.inputs.scenario`) ----------------------------------------------
#: longest simulated release time of a run (ten years), in days
MAX_HORIZON_DAYS = 3650.0
#: longest drain after the horizon, in days
MAX_DRAIN_DAYS = 365.0
#: most replications of one run
MAX_REPLICATIONS = 10_000
#: largest root seed (a 63-bit integer)
MAX_SEED = 2**63 - 1
#: years a scenario, a flow's ``base_year`` and the commands may name
YEARS = (2000, 2100)
#: most units all flows together may be expected to release in one replication (a replication
#: simulates some 30,000 units a second, so this keeps one under about two minutes)
MAX_UNITS_PER_REPLICATION = 2_000_000
#: most units one release may carry (a scheduled block)
MAX_BATCH = 10_000
#: longest time in hours any duration, wait, headway or offset may take (a year)
MAX_HOURS = 8760.0
#: the latest day a disruption may start or last (the longest horizon plus the longest drain)
MAX_DAY = MAX_HORIZON_DAYS + MAX_DRAIN_DAYS

# -- sweep files (:mod:`sim.runs.sweep`) ------------------------------------------------------
#: most grid points of a sweep (the product of the parameters' numbers of values)
MAX_POINTS = 10_000
#: most runs of a sweep (grid points x replications)
MAX_RUNS = 100_000
#: most parameters of a sweep, and values of one parameter
MAX_PARAMETERS = 16
MAX_VALUES = 1_000
