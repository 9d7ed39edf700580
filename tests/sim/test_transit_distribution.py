"""The engine's transit times per flow keep their distribution across engine changes.

``tests/fixtures/transit/transit_stats.json`` holds, per flow of baseline_2025,
the mean and P90 transit of 30 replications made with the engine before batched releases (see
``make_transit_stats.py`` there). The current engine runs 30 other replications (30-59, so the
samples are independent) and each flow's values are compared with Mann-Whitney U and
Kolmogorov-Smirnov two-sample tests, Holm-corrected over all the comparisons of a scenario at a
family-wise level of 1 %. A flow whose transit distribution moved fails the test.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.stats import ks_2samp, mannwhitneyu

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "transit"
ALPHA = 0.01


def _maker() -> ModuleType:
    """The fixture's script (it is not a package): its settings and statistics."""
    spec = importlib.util.spec_from_file_location(
        "make_transit_stats", FIXTURE / "make_transit_stats.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def holm_rejections(pvalues: dict[str, float], alpha: float = ALPHA) -> list[str]:
    """The names whose p-value Holm's step-down procedure rejects at family-wise ``alpha``.

    >>> holm_rejections({"a": 0.001, "b": 0.03, "c": 0.5}, alpha=0.05)
    ['a']
    >>> holm_rejections({"a": 0.001, "b": 0.02, "c": 0.024}, alpha=0.05)
    ['a', 'b', 'c']
    """
    out = []
    ranked = sorted(pvalues.items(), key=lambda kv: kv[1])
    for i, (name, p) in enumerate(ranked):
        if p > alpha / (len(ranked) - i):
            break
        out.append(name)
    return out


def shifted_flows(
    before: dict[str, dict[str, list[float]]], after: dict[str, dict[str, list[float]]]
) -> tuple[list[str], dict[str, float]]:
    """The ``flow stat test`` comparisons rejected (Holm) and every comparison's p-value."""
    assert before.keys() == after.keys(), "the scenario's flows changed"
    pvalues: dict[str, float] = {}
    for flow, stats in before.items():
        for stat, values in stats.items():
            a = np.asarray(values, dtype=float)
            b = np.asarray(after[flow][stat], dtype=float)
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            assert min(a.size, b.size) >= 20, f"{flow}: too few replications with deliveries"
            if np.ptp(a) == 0 and np.ptp(b) == 0:  # a constant transit (no queue on the way)
                pvalues[f"{flow} {stat} equal"] = 0.0 if a[0] != b[0] else 1.0
                continue
            pvalues[f"{flow} {stat} MWU"] = float(mannwhitneyu(a, b).pvalue)
            pvalues[f"{flow} {stat} KS"] = float(ks_2samp(a, b).pvalue)
    return holm_rejections(pvalues), pvalues


#: the scenarios compared in the suite (the fixture's trade_2030 was dropped when that scenario
#: took the named fleet: its numbers were of another scenario; the script can add it again)
COMPARED = ["baseline_2025"]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", COMPARED)
def test_transit_per_flow_is_distributed_as_before(scenario):
    maker = _maker()
    fixture = json.loads((FIXTURE / "transit_stats.json").read_text(encoding="utf-8"))
    assert fixture["horizon_days"] == maker.HORIZON_DAYS
    before = fixture["scenarios"][scenario]
    after = maker.transit_stats(scenario, range(30, 30 + maker.REPLICATIONS))
    rejected, pvalues = shifted_flows(before, after)
    assert len(pvalues) >= 2 * len(before)
    assert not rejected, f"{scenario}: transit distributions moved: {rejected}"


@pytest.mark.slow
def test_a_slower_border_moves_the_distributions():
    """The comparison can fail: 20 % more handling time at Khodjadavlet (westbound, from
    Bukhara; 12.5 h to 15 h a train) is caught on the Uzbek flows through it (p about 1e-8
    when this test was written). +5 % there (p about 0.007 at best, against a Holm threshold
    of 0.01 / 76) is within the replications' spread and is not."""
    maker = _maker()
    fixture = json.loads((FIXTURE / "transit_stats.json").read_text(encoding="utf-8"))

    def slower(spec):
        node = spec.nodes["khodjadavlet"]
        nodes = {
            **spec.nodes,
            "khodjadavlet": replace(node, handling_mean_h=node.handling_mean_h * 1.2),
        }
        return replace(spec, nodes=nodes)

    after = maker.transit_stats("baseline_2025", range(30, 30 + maker.REPLICATIONS), slower)
    rejected, _ = shifted_flows(fixture["scenarios"]["baseline_2025"], after)
    assert any(name.startswith("Tashkent→Poti (teu)|") for name in rejected), rejected
    assert not any(name.startswith("Aktau→") for name in rejected), rejected  # not on its way
