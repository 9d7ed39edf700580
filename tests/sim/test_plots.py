"""Plots on a small real comparison: the drawn numbers are the computed ones."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from scipy import stats

import sim
from sim.analysis import metrics, plots
from sim.runs.runner import Results

BASE, NEW = "baseline-2025", "zangezur-2030"


@pytest.fixture(scope="module")
def kpi(res: Results) -> pd.DataFrame:
    return res.kpis()


def _bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def test_scenario_colors_stable_and_distinct() -> None:
    c = plots.scenario_colors([BASE, NEW, BASE])
    assert list(c) == [BASE, NEW]
    assert c[BASE] != c[NEW]
    assert plots.scenario_colors([BASE]) == {BASE: c[BASE]}


def test_t_interval_matches_scipy() -> None:
    x = np.array([3.0, 5.0, 4.0, 7.0])
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    mean, half = plots.t_interval(x)
    assert mean == pytest.approx(x.mean())
    assert (mean - half, mean + half) == pytest.approx((lo, hi))
    assert np.isnan(plots.t_interval([1.0])[1])


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_quantile_matches_scipy(confidence: float) -> None:
    # the t interval's quantile is computed without scipy (imports on demand, issue 13)
    for df in [*range(1, 60), 99, 100, 501, 1000, 9999]:
        expected = stats.t.ppf(0.5 + confidence / 2, df)
        assert metrics.t_quantile(confidence, df) == pytest.approx(expected, rel=1e-10), df


@pytest.mark.parametrize("bad", [(0.0, 3), (1.0, 3), (0.95, 0), (0.95, 2.5)])
def test_t_quantile_refuses_what_it_cannot_compute(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="confidence"):
        metrics.t_quantile(*bad)  # type: ignore[arg-type]


def test_kpi_bars_heights_and_whiskers(kpi: pd.DataFrame) -> None:
    ax = plots.kpi_bars(kpi, "mean_transit_d")
    flows = [str(f) for f in kpi["flow"].cat.categories]
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == [BASE, NEW]
    errs = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    for name, container, err in zip([BASE, NEW], bars, errs, strict=True):
        part = kpi[kpi["scenario"] == name]
        g = part.groupby(part["flow"].astype(str))["mean_transit_d"]
        means = g.mean().reindex(flows).to_numpy()
        assert [p.get_width() for p in container.patches] == pytest.approx(means)
        half = stats.t.ppf(0.975, g.count() - 1) * g.std() / np.sqrt(g.count())
        segs = err.lines[2][0].get_segments()
        assert [s[1][0] - s[0][0] for s in segs] == pytest.approx(
            2 * half.reindex(flows).to_numpy()
        )
    assert len(ax.get_legend().get_texts()) == 2
    assert ax.get_xlabel() == "Mean transit time (days)"


def test_difference_bars(kpi: pd.DataFrame) -> None:
    diff = sim.paired_differences(kpi, BASE)
    ax = plots.difference_bars(diff, "mean_transit_d")
    part = diff[diff["metric"] == "mean_transit_d"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(part["difference"].to_numpy())
    sig = ((part["ci_low"] > 0) | (part["ci_high"] < 0)).to_numpy()
    assert [p.get_alpha() is None for p in ax.patches] == sig.tolist()
    assert any(line.get_xdata()[0] == 0 for line in ax.lines)  # the zero line
    with pytest.raises(ValueError, match="metric"):
        plots.difference_bars(diff, "nope")


def test_delay_attribution_sums_to_mean_transit(res: Results) -> None:
    ax = plots.delay_attribution(res.shipments)
    s = res.shipments[~res.shipments["in_warmup"] & res.shipments["delivered"]]
    expected = s.groupby(["scenario", s["flow"].astype(str)])["transit_h"].mean()
    totals: dict[float, float] = {}
    for p in ax.patches:
        y = round(p.get_y() + p.get_height() / 2, 6)
        totals[y] = totals.get(y, 0.0) + p.get_width()
    flows = [str(f) for f in res.shipments["flow"].cat.categories]
    rows = [(n, f) for f in flows for n in (BASE, NEW)]
    assert [totals[y] for y in sorted(totals)] == pytest.approx(
        [expected[r] for r in rows], rel=1e-9
    )
    assert "running" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_facility_delays_top(res: Results) -> None:
    ax = plots.facility_delays(res.facilities, top=5)
    assert len(ax.get_yticks()) == 5
    f = res.facilities[res.facilities["kind"] != "ferry"]
    top = f.groupby(["facility", "scenario"])["mean_queue"].mean().max()
    assert max(p.get_width() for p in ax.patches) == pytest.approx(top)


@pytest.mark.parametrize("kind", ["ecdf", "violin"])
def test_transit_distributions_panels(res: Results, kind: str) -> None:
    fig = plots.transit_distributions(res.shipments, kind=kind)
    assert isinstance(fig, Figure)
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == plots.MAX_PANELS
    assert len(fig.legends[0].get_texts()) == 2
    if kind == "ecdf":
        assert all(len(a.lines) == 2 for a in visible)
        assert all(a.lines[0].get_ydata()[-1] == pytest.approx(1.0) for a in visible)
    one = plots.transit_distributions(res.shipments, flows=["Tashkent→Kars (teu)"])
    assert [a.get_title() for a in one.axes] == ["Tashkent→Kars (teu)"]
    with pytest.raises(ValueError, match="kind"):
        plots.transit_distributions(res.shipments, kind="box")


def test_queue_timeseries_defaults_and_means(res: Results) -> None:
    fig = plots.queue_timeseries(res.queues, warmup_days=10)
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles and all("ferry" in t or "port" in t for t in titles)
    assert all(any(p in t.lower() for p in plots.CASPIAN_PORTS) for t in titles)
    fac = "turkmenbashi-alat@turkmenbashi"
    fig = plots.queue_timeseries(res.queues, facilities=[fac], bin_h=0)
    q = res.queues[(res.queues["facility"] == fac) & (res.queues["scenario"] == BASE)]
    expected = q.groupby("time_h")["queue"].mean()
    line = fig.axes[0].lines[0]
    assert line.get_xdata() == pytest.approx(expected.index.to_numpy() / 24)
    assert line.get_ydata() == pytest.approx(expected.to_numpy())


def test_leg_volumes_and_flow_map(res: Results) -> None:
    vol = plots.leg_volumes(res.shipments, res.specs, BASE)
    s = res.shipments[(res.shipments["scenario"] == BASE) & ~res.shipments["in_warmup"]]
    n = (
        s["route"].str.contains("Turkmenbashi–Alat ferry")
        | s["route"].str.contains("Alat–Turkmenbashi ferry")
    ).sum()
    assert vol["turkmenbashi-alat"] == pytest.approx(n / 2)
    first_leg = {p.label: p.legs[0] for p in res.specs[BASE].plans}
    starts = s["route"].map(first_leg).value_counts() / 2
    for leg, count in starts.items():
        assert vol[leg] >= count
    ax = plots.flow_map(res, None, BASE, year=2025)
    assert isinstance(ax, Axes)
    assert ax.get_title().startswith(BASE)
    widest = max(line.get_linewidth() for line in ax.lines)
    assert widest == pytest.approx(0.6 + 7.0)
    with pytest.raises(ValueError, match="year"):
        plots.flow_map(res, None, BASE)


def _leg_widths(ax: Axes, prefix: str = "leg:") -> dict[str, float]:
    return {
        str(ln.get_gid()).removeprefix(prefix): ln.get_linewidth()
        for ln in ax.lines
        if str(ln.get_gid()).startswith(prefix)
    }


def test_flow_maps_share_one_width_scale(res: Results) -> None:
    """Equal volumes are equally wide in every panel: one scale, the largest of all panels."""
    from types import SimpleNamespace

    from network.draw import flow_width

    years = {BASE: 2025, NEW: 2030}
    # the second scenario with every other unit left out: about half the volumes
    s = res.shipments
    ships = s.drop(index=s.index[s["scenario"] == NEW][::2])
    halved = SimpleNamespace(shipments=ships, specs=res.specs)
    fig = plots.flow_maps(halved, [BASE, NEW], years=years)
    volumes = {n: plots.leg_volumes(ships, res.specs, n) for n in (BASE, NEW)}
    top = max(max(v.values()) for v in volumes.values())
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title().split(":")[0] for ax in maps] == [BASE, NEW]
    for name, ax in zip((BASE, NEW), maps, strict=True):
        widths = _leg_widths(ax)
        for leg, width in widths.items():
            assert width == pytest.approx(flow_width(volumes[name].get(leg, 0.0), top)), leg
    # a panel scaled on its own would draw its largest flow at the full width; the shared
    # scale draws the smaller maximum narrower
    assert max(volumes[NEW].values()) < 0.6 * top
    assert max(_leg_widths(maps[1]).values()) < flow_width(0.6 * top, top)
    assert max(_leg_widths(maps[0]).values()) == pytest.approx(flow_width(top, top))


def test_difference_map_colours_follow_the_change(res: Results) -> None:
    """Red where the other scenario carries more, blue where less, on a hand-made change: the
    other scenario loses half the units of one route and gains those of another again."""
    from types import SimpleNamespace

    s = res.shipments
    other = s[(s["scenario"] == NEW) & ~s["in_warmup"]]
    counts = other["plan"].value_counts()
    cut, doubled = int(counts.index[0]), int(counts.index[1])
    drop = other.index[other["plan"] == cut][::2]
    extra = other[other["plan"] == doubled]
    ships = pd.concat([s.drop(index=drop), extra], ignore_index=True)
    fake = SimpleNamespace(shipments=ships, specs=res.specs)
    change = plots.leg_changes(ships, res.specs, BASE, NEW)
    cut_legs = set(res.specs[NEW].plans[cut].legs) - set(res.specs[NEW].plans[doubled].legs)
    more_legs = set(res.specs[NEW].plans[doubled].legs) - set(res.specs[NEW].plans[cut].legs)
    assert cut_legs and all(change[leg] < 0 for leg in cut_legs)
    assert more_legs and all(change[leg] > 0 for leg in more_legs)
    ax = plots.flow_difference_map(fake, BASE, NEW, years={BASE: 2025, NEW: 2030})
    lines = {str(ln.get_gid()).removeprefix("change:"): ln for ln in ax.lines}
    for leg, delta in change.items():
        r, _g, b, _a = lines[leg].get_color()
        assert (r > b) == (delta > 0), (leg, delta)
    widest = max(change, key=lambda leg: abs(change[leg]))
    assert lines[widest].get_linewidth() == pytest.approx(0.6 + 7.0)
    fig = plots.flow_difference_maps(fake, [BASE, NEW], years={BASE: 2025, NEW: 2030})
    assert fig.axes[0].get_title() == f"{NEW} against {BASE}: change per leg"
    with pytest.raises(ValueError, match="two scenarios"):
        plots.flow_difference_maps(fake, [BASE], years={BASE: 2025})


def test_geojson_flows_from_an_output_folder_match_the_flow_map(res: Results, tmp_path) -> None:
    """``corridor network geojson --flows DIR`` reads the units per leg the flow map draws."""
    from network.geo import run_leg_flows
    from sim.runs.output import ScenarioInfo, write_output

    infos = [
        ScenarioInfo(sim.load_scenario("scenarios/baseline_2025.toml")),
        ScenarioInfo(sim.load_scenario("scenarios/zangezur.toml")),
    ]
    assert [i.scenario.name for i in infos] == [BASE, NEW]
    out = tmp_path / "out"
    write_output(out, res, infos, seed=1, replications=2, with_figures=False)
    for name, year in ((BASE, 2025), (NEW, 2030)):
        flows = run_leg_flows(out, name)
        assert flows.year == year
        expected = plots.leg_volumes(res.shipments, res.specs, name)
        assert flows.units == pytest.approx({k: v for k, v in expected.items() if v})


def test_saturated_flows_are_hatched_and_named_in_the_legend():
    k = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "replication": [0, 1, 0, 1],
            "flow": ["X→Y"] * 4,
            "mean_transit_d": [3.0, 5.0, 30.0, 50.0],
            "saturated": [False, False, True, True],
        }
    )
    ax = plots.kpi_bars(k)
    hatched = [p.get_width() for p in ax.patches if p.get_hatch() and p.get_width() > 0]
    assert hatched == [40.0]  # only scenario b's bar
    assert "saturated" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plots.kpi_bars(k.assign(saturated=False))
    assert not any(p.get_hatch() for p in ax.patches)
    assert "saturated" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_names_with_dollars_are_drawn_as_written(kpi: pd.DataFrame, res: Results) -> None:
    """A flow or scenario name is text, never mathtext: "$x^$" (a mathtext error) draws."""
    import io

    def odd(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["flow"] = out["flow"].astype(str).radd("$x^$ ").astype("category")
        out["scenario"] = out["scenario"].astype(str).radd("$").astype("category")
        return out

    ships = odd(res.shipments)
    figures = [
        plots.kpi_bars(odd(kpi), "mean_transit_d").figure,
        plots.transit_distributions(ships),
        plots.delay_attribution(ships).figure,
    ]
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")  # mathtext would fail here, while drawing
    labels = [t.get_text() for t in figures[0].axes[0].get_yticklabels()]
    assert labels and all(label.startswith(r"\$x^\$") for label in labels)
