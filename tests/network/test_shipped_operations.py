"""The shipped operations tables: complete for the Caspian, and the background rows agree with
the flows that scenarios/baseline_2025.toml already sends (so nothing is counted twice)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from network import Network, load_network

ROOT = Path(__file__).resolve().parents[2]
CASPIAN_PORTS = ("alat", "kuryk", "aktau", "turkmenbashi")
CASPIAN_LINES = ("turkmenbashi-alat", "kuryk-alat", "aktau-alat")


@pytest.fixture(scope="module")
def net() -> Network:
    return load_network()


def test_fleet_covers_every_caspian_line(net: Network) -> None:
    active = net.vessels[net.vessels["service_to"].isna()]
    for line in CASPIAN_LINES:
        assert any(line in lines for lines in active["lines"]), line
    asco_rail = active[(active["operator"] == "ASCO") & (active["type"] == "rail_ferry")]
    assert len(asco_rail) == 14  # ASCO 14 ferries (Trend 2021-05-07)
    ro_pax = active[(active["operator"] == "ASCO") & (active["type"] == "ro_pax")]
    assert len(ro_pax[ro_pax["service_from"] <= 2025]) == 2  # + 2 Ro-Ro
    for line in ("turkmenbashi-alat", "kuryk-alat"):  # 6 ferries + 1 Ro-Pax per line
        home = active[(active["home_line"] == line) & (active["operator"] == "ASCO")]
        assert (home["type"] == "rail_ferry").sum() == 6 and (home["type"] == "ro_pax").sum() == 1


def test_weather_has_every_month_at_every_caspian_port(net: Network) -> None:
    for port in CASPIAN_PORTS:
        months = sorted(net.weather.loc[net.weather["node_id"] == port, "month"])
        assert months == list(range(1, 13)), port
    kuryk_nov = net.weather.loc["kuryk-11"]
    closed = kuryk_nov["closures_per_month"] * kuryk_nov["closure_mean_h"]
    assert closed == pytest.approx(0.5 * 720, rel=0.01)  # closed ~50 % of November


def test_berths_match_the_ports_servers(net: Network) -> None:
    ferry = net.berths[net.berths["berth_type"] != "container"]
    for port in CASPIAN_PORTS:
        assert ferry.loc[ferry["node_id"] == port, "berths"].sum() == net.nodes.loc[port, "servers"]


def _baseline_per_year() -> dict[str, float]:
    data = tomllib.loads((ROOT / "scenarios" / "baseline_2025.toml").read_text(encoding="utf-8"))
    uz = {"Tashkent", "Andijan"}
    out = dict.fromkeys(("asco_slots", "alat_teu", "btk_teu", "aktau_teu"), 0.0)
    for d in data["demand"]:
        ends, unit, n = {d["origin"], d["destination"]}, d["unit"], d["per_week"] * 52
        teu = n if unit == "teu" else 2 * n  # Kazakh flats carry 2 TEU
        if ends & {"Kars", "Istanbul"}:  # BTK in 2025 (Zangezur not open)
            out["btk_teu"] += teu
        if ends & uz:
            out["asco_slots"] += n * (0.5 if unit == "teu" else 1.0)
            out["alat_teu"] += n if unit == "teu" else 0
        elif "Kuryk" in ends:
            out["asco_slots"] += n
            out["alat_teu"] += teu
        elif "Aktau" in ends:
            out["aktau_teu"] += n
            out["alat_teu"] += n
    return out


def test_background_matches_the_baseline_flows(net: Network) -> None:
    """If baseline_2025's demand changes, the background must be re-sized: this fails."""
    base, bg = _baseline_per_year(), net.background
    assert bg.loc["bg-caspian-tank-wagons", "modelled_per_year"] == base["asco_slots"]
    assert bg.loc["bg-btk-teu", "modelled_per_year"] == base["btk_teu"]
    assert bg.loc["bg-aktau-other-teu", "modelled_per_year"] == base["aktau_teu"]
    balkan = bg.loc["bg-balkan-teu", "units_per_year"]
    assert bg.loc["bg-alat-other-teu", "modelled_per_year"] == base["alat_teu"] + balkan


def test_background_reproduces_asco_throughput(net: Network) -> None:
    bg = net.background
    trucks = bg.loc[["bg-asco-trucks-tmb", "bg-asco-trucks-kuryk"], "units_per_year"].sum()
    assert trucks == net.observations.loc["asco-vehicles", "value"]
    wagons = bg.loc["bg-caspian-tank-wagons"]
    assert (
        wagons["units_per_year"] + wagons["modelled_per_year"]
        == (net.observations.loc["asco-railcars", "value"])
    )


def test_every_assumed_operations_figure_has_a_reasoned_source(net: Network) -> None:
    kinds = net.sources["kind"]
    for table, column in (
        ("vessel_availability", "availability_source"),
        ("weather", "weather_source"),
        ("frictions", "friction_source"),
        ("border_regimes", "regime_source"),
        ("background", "direction_source"),
    ):
        for source in getattr(net, table)[column]:
            if kinds[source] != "published":
                assert net.sources.loc[source, "note"], source


def test_observations_keep_some_aside_and_never_fit_transit_times(net: Network) -> None:
    obs = net.observations
    assert set(obs["use"]) == {"fit", "check"}
    assert (obs.loc[obs["metric"] == "transit_time_h", "use"] == "check").all()
    assert {"ferry_wait_h", "vessel_port_time_h", "node_dwell_h", "segment_time_h"} <= set(
        obs["metric"]
    )


def test_border_regimes_cover_the_zangezur_crossings(net: Network) -> None:
    regimes = net.border_regimes
    for node in ("aghband", "ordubad", "sadarak", "dilucu"):
        rows = regimes[regimes["node_id"] == node].set_index("regime")
        assert set(rows.index) == {"conventional", "seamless"}
        assert rows.loc["seamless", "handling_mean_h"] < rows.loc["conventional", "handling_mean_h"]
