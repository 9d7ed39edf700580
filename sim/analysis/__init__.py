"""Reading results: tidy tables and KPIs (:mod:`sim.analysis.metrics`), saturation after a run,
route shift, plots and the report. They read only a run's record and tables.
"""
