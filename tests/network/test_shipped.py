"""The shipped network (network/data): valid, and routing through it tells the corridor story."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.figure import Figure

from network import (
    NoRouteError,
    build_graph,
    check_network,
    draw_network,
    k_routes,
    load_network,
    route_between,
    to_geojson,
)
from sim.cli.main import main

EXPECTED_NODES = [
    "tashkent",
    "samarkand",
    "navoi",
    "bukhara",
    "khodjadavlet",
    "turkmenabat",
    "ashgabat",
    "bereket",
    "turkmenbashi",
    "keles",
    "beyneu",
    "aktau",
    "kuryk",
    "alat",
    "baku",
    "ganja",
    "boyuk_kesik",
    "tbilisi",
    "marabda",
    "akhalkalaki",
    "kars",
    "poti",
    "batumi",
    "constanta",
    "istanbul",
    "horadiz",
    "aghband",
    "meghri",
    "julfa",
    "nakhchivan",
    "sadarak",
    "dilucu",
    "igdir",
    "sarakhs",
    "mashhad",
    "tehran",
    "tabriz",
    "razi",
    "andijan",
    "kashgar",
    "makmal",
]


@pytest.fixture(scope="module")
def shipped():
    return load_network()


def test_shipped_data_passes_every_check() -> None:
    assert [str(p) for p in check_network()] == []


def test_shipped_data_has_the_agreed_node_ids(shipped) -> None:
    assert set(EXPECTED_NODES) <= set(shipped.nodes.index)


def test_common_names_resolve(shipped) -> None:
    assert shipped.resolve_node("Constanta") == "constanta"
    assert shipped.resolve_node("TASHKENT") == "tashkent"
    assert shipped.resolve_node("Kars") == "kars"


def test_tashkent_kars_2030_has_the_georgian_and_the_zangezur_routes(shipped) -> None:
    routes = k_routes(build_graph(shipped, 2030), "Tashkent", "Kars", k=3, by="generalised")
    through = [set(r.nodes) for r in routes]
    assert any({"alat", "tbilisi", "akhalkalaki"} <= nodes for nodes in through), routes
    assert any({"alat", "meghri", "nakhchivan"} <= nodes for nodes in through), routes
    for r in routes:  # sensible: 3,000-3,600 km in 10-13 days
        assert 3000 < r.distance_km < 3600
        assert 10 * 24 < r.time_h < 13 * 24


def test_no_zangezur_leg_before_it_opens(shipped) -> None:
    zangezur = shipped.legs[shipped.legs["corridors"].map(lambda c: "zangezur" in c)]
    later = set(zangezur.index[zangezur["opening_year"].fillna(0) > 2025])
    assert later, "the Zangezur legs should open after 2025"
    G = build_graph(shipped, 2025)
    assert not later & {k for _, _, k in G.edges(keys=True)}
    for by in ("time", "cost", "co2"):
        for r in k_routes(G, "Tashkent", "Kars", k=3, by=by):
            assert not later & set(r.legs)
    with pytest.raises(NoRouteError):
        route_between(G, "Horadiz", "Nakhchivan", avoid_countries=["IR", "AM", "GE", "TR"])


def test_shipped_geojson_round_trips(shipped) -> None:
    data = json.loads(json.dumps(to_geojson(shipped), allow_nan=False))
    kinds = [f["geometry"]["type"] for f in data["features"]]
    assert kinds.count("Point") == len(shipped.nodes)
    assert kinds.count("LineString") == len(shipped.legs)


def test_every_node_is_reachable_once_everything_is_built(shipped) -> None:
    G = build_graph(shipped, 2100)
    assert nx.is_weakly_connected(G.subgraph(n for n in G if G.degree(n) > 0))


def test_draw_shipped_network_and_cli_map(shipped, tmp_path: Path, capsys) -> None:
    assert isinstance(draw_network(build_graph(shipped, 2030)), Figure)
    out = tmp_path / "map.png"
    assert main(["map", "-o", str(out), "--year", "2030", "--route", "Tashkent", "Kars"]) == 0
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_cli_check_and_routes_on_shipped_data(capsys) -> None:
    assert main(["network", "check"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    assert main(["routes", "Tashkent", "Kars", "--year", "2030", "--k", "3"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Tashkent → Kars, 2030, best by generalised cost: 3 route(s)")
    rows = lines[3:6]
    # the default criterion (time + tariff + CO2) lists the Middle Corridor via Georgia (BTK)
    # first and the Zangezur route through Armenia second
    assert "Akhalkalaki" in rows[0] and "AM" not in rows[0].split()[-1]
    assert "Aghband" in rows[1] and "AM" in rows[1].split()[-1]
    assert main(["routes", "Tashkent", "Kars", "--year", "2025", "--k", "3"]) == 0
    assert "-AM-" not in capsys.readouterr().out
