"""Running scenarios: replications on common random numbers (:mod:`sim.runs.runner`), where
jobs run (:mod:`sim.runs.executors`), sweeps, the engine benchmark, and the output folders the
tool owns (:mod:`sim.runs.outdir`, :mod:`sim.runs.output`).
"""
