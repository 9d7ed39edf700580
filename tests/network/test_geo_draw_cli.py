"""GeoJSON, the map and the CLI commands, on the tiny network (through sim.cli.main)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from network import build_graph, draw_network, k_routes, to_geojson, write_geojson
from sim.cli.main import main


def test_geojson_has_a_feature_per_node_and_leg(tiny, g2025) -> None:
    every = json.loads(json.dumps(to_geojson(tiny)))
    kinds = [f["geometry"]["type"] for f in every["features"]]
    assert kinds.count("Point") == 8 and kinds.count("LineString") == 11
    year = to_geojson(g2025)
    assert sum(f["geometry"]["type"] == "LineString" for f in year["features"]) == 10
    assert year["properties"] == {"year": 2025}
    leg = next(f for f in every["features"] if f["properties"].get("leg_id") == "b-c")
    assert leg["geometry"]["coordinates"] == [[51.2, 43.6], [49.4, 40.1]]
    assert leg["properties"]["countries"] == ["XX", "YY"]
    assert leg["properties"]["mode"] == "ferry"


def test_write_geojson(tmp_path: Path, g2030) -> None:
    out = write_geojson(g2030, tmp_path / "net.geojson")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 8 + 11


def test_draw_network_returns_a_figure_with_routes_and_flows(g2030, tiny) -> None:
    g2030_net = tiny
    routes = k_routes(g2030, "a_city", "f_city", k=2)
    fig = draw_network(g2030, routes=routes, flows={"a-g": 10.0, "b-c": 5.0}, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "t"
    # the routes' legend (one a line) and the key's, both below the map
    routes_legend = next(a for a in ax.artists if isinstance(a, Legend))
    assert routes_legend.get_texts()[0].get_text().startswith("route 1: Alpha → Foxtrôt, 19 h")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"rail", "ferry", "road", "open", "port", "border", "gauge change"} <= set(labels)
    # in its year's graph the planned g-e leg (opening 2028) is open; the whole network shows
    # its status in the data
    assert "planned" not in labels
    whole = draw_network(g2030_net, title="all")
    assert "planned" in [t.get_text() for t in whole.axes[0].get_legend().get_texts()]


def test_cli_network_check_ok(capsys, tiny_path) -> None:
    assert main(["network", "check", str(tiny_path)]) == 0
    assert capsys.readouterr().out.strip() == "OK: 8 nodes, 11 legs, 3 sources (1 assumptions)"


def test_cli_network_check_lists_problems(capsys, broken) -> None:
    folder, edit = broken
    edit("legs.csv", "a-b,a_city,b_port,", "a-b,a_city,b_prt,")
    edit("legs.csv", "c-d,c_port,d_border,rail,200,", "c-d,c_port,d_border,rail,-3,")
    assert main(["network", "check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "legs.csv:2: to_node = b_prt: unknown node (hint: did you mean 'b_port'" in out
    assert "legs.csv:4: distance_km = -3: must be > 0" in out
    assert "2 problem(s)" in out


def test_cli_routes_table(capsys, tiny_path) -> None:
    assert (
        main(["routes", "Alpha", "Foxtrot", "--data", str(tiny_path), "--legs", "--by", "time"])
        == 0
    )
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Alpha → Foxtrôt, 2025, best by time: 3 route(s)"
    assert lines[1].split() == [
        "#",
        "via",
        "km",
        "time",
        "h",
        "days",
        "running",
        "wait",
        "dwell",
        "USD/TEU",
        "kg",
        "CO2/TEU",
        "countries",
    ]
    row3 = lines[5]
    assert row3.startswith("3  Bravo–Charlie Port ferry, Delta Border, Echo Gauge")
    assert row3.split()[-9:] == [
        "800",
        "74.0",
        "3.1",
        "33.0",
        "12.0",
        "29.0",
        "1,050",
        "220",
        "XX-YY-ZZ",
    ]
    assert "route 3:" in out and "b-c  " in out


def test_cli_routes_avoid_and_by(capsys, tiny_path) -> None:
    args = [
        "routes",
        "Alpha",
        "Foxtrot",
        "--data",
        str(tiny_path),
        "--by",
        "cost",
        "--k",
        "1",
        "--avoid",
        "Hotel Border",
        "--year",
        "2030",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "avoiding Hotel Border: 1 route(s)" in out
    assert "1,050" in out.splitlines()[3]


def test_cli_errors_are_one_line_with_suggestions(capsys, tiny_path) -> None:
    assert main(["routes", "Alpah", "Foxtrot", "--data", str(tiny_path)]) == 2
    assert capsys.readouterr().err.strip() == ("error: unknown node 'Alpah'; did you mean 'Alpha'?")
    assert main(["routes", "Alpha", "Foxtrot", "--data", str(tiny_path), "--avoid", "ZZ"]) == 2
    assert (
        "no route from 'Alpha' (a_city) to 'Foxtrot' (f_city) in 2025 avoiding countries ZZ"
        in capsys.readouterr().err
    )
    assert main(["routes", "Alpha", "Foxtrot", "--data", str(tiny_path), "--avoid", "Gold"]) == 2
    assert "did you mean 'Golf'" in capsys.readouterr().err


def test_cli_map_and_geojson_write_files(capsys, tmp_path: Path, tiny_path) -> None:
    png = tmp_path / "map.png"
    args = [
        "map",
        "-o",
        str(png),
        "--data",
        str(tiny_path),
        "--year",
        "2030",
        "--route",
        "Alpha",
        "Foxtrot",
    ]
    assert main(args) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    geo = tmp_path / "net.geojson"
    assert main(["network", "geojson", "--data", str(tiny_path), "-o", str(geo)]) == 0
    assert len(json.loads(geo.read_text(encoding="utf-8"))["features"]) == 19


def test_cli_writes_nothing_on_error(capsys, tmp_path: Path, tiny_path) -> None:
    png = tmp_path / "map.png"
    args = ["map", "-o", str(png), "--data", str(tiny_path), "--route", "Alpha", "Nowhere"]
    assert main(args) == 2
    assert not png.exists()
    assert main(["map", "-o", str(tmp_path / "map.bmp"), "--data", str(tiny_path)]) == 2
    assert ".png, .pdf, .svg" in capsys.readouterr().err
    assert not (tmp_path / "map.bmp").exists()


def test_network_does_not_import_simpy_or_sim() -> None:
    code = (
        "import network, network.cli, network.draw, sys; "
        "bad = [m for m in sys.modules if m == 'simpy' or m.split('.')[0] == 'sim']; "
        "assert not bad, bad; "
        "import pathlib; assert pathlib.Path(network.__file__).parent.parent == "
        f"pathlib.Path({str(Path(__file__).resolve().parents[2])!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_build_graph_keeps_isolated_nodes(tiny) -> None:
    G = build_graph(
        tiny.with_overrides(
            legs={
                "g-f": {"status": "closed", "opening_year": 2000},
                "a-g": {"status": "closed", "opening_year": 2000},
            }
        ),
        2025,
    )
    assert "g_junction" in G and G.degree("g_junction") == 0


@pytest.mark.parametrize("command", [["routes", "Alpha", "Foxtrot"], ["map", "-o", "x.png"]])
def test_cli_year_outside_what_scenarios_take_is_refused(capsys, tiny_path, command) -> None:
    # legs with no opening year count as open in every year: 1900 would draw today's network
    assert main([*command, "--data", str(tiny_path), "--year", "1900"]) == 2
    assert "--year: must be from 2000 to 2100 (the years a scenario may take), got 1900" in (
        capsys.readouterr().err
    )
