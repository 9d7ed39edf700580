"""Hypothesis profiles for the whole test suite.

``deterministic`` (the default, and what CI runs): examples are derived from each test's name
(``derandomize=True``) and no example database is read or written, so every run tries the same
models and a failure reproduces exactly. ``explore`` (``HYPOTHESIS_PROFILE=explore``) searches
at random and keeps failing examples in the local database, for hunting bugs locally.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
