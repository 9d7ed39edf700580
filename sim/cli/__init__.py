"""The ``corridor`` command line. Library code never imports this package (tested in
``tests/test_layers.py``); :mod:`sim._entry` is the console script.

This ``__init__`` imports nothing, so that :mod:`sim._entry` can install its Ctrl-C handling
(from :mod:`sim.cli.interrupt`) before anything heavy loads.
"""
