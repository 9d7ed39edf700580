"""Packaging beside ``pyproject.toml`` (which holds everything else): the repository's
top-level ``scenarios/`` folder ships inside the package as ``sim._scenarios`` (data only), so
an installed ``corridor`` finds its scenarios by name (:mod:`sim.inputs.shipped`). The folder
stays where users and the documentation expect it; only the installed copy moves."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["network*", "sim*"]),
        "sim._scenarios",
        "sim._scenarios.sweeps",
    ],
    package_dir={"sim._scenarios": "scenarios"},
)
