"""The map's layout, rendered with Agg: labels clear of each other and of the node markers,
every node of a highlighted route labelled, the legend below the map, one width scale; the
difference map's colours and line styles; GeoJSON with a run's flows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from network import NetworkError, build_graph, draw_network, k_routes, load_network, to_geojson
from network.draw import BOUNDS, draw_difference, flow_width
from network.geo import FLOW_PROPERTY, run_leg_flows
from sim.cli.main import main


def _render(fig: Figure, dpi: float = 150) -> object:
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _labels(ax: Axes, renderer: object) -> dict[str, Bbox]:
    return {
        str(t.get_gid()).removeprefix("label:"): t.get_window_extent(renderer)
        for t in ax.texts
        if str(t.get_gid()).startswith("label:")
    }


def _markers(ax: Axes) -> dict[str, Bbox]:
    """Each node marker's box in pixels (its size in points around its centre)."""
    px = ax.figure.dpi / 72
    boxes = {}
    for line in ax.lines:
        gid = str(line.get_gid())
        if not gid.startswith("node:"):
            continue
        x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
        half = line.get_markersize() / 2 * px
        boxes[gid.removeprefix("node:")] = Bbox([[x - half, y - half], [x + half, y + half]])
    return boxes


def _clashes(ax: Axes, renderer: object) -> list[str]:
    labels = _labels(ax, renderer)
    inside = ax.bbox
    markers = {n: b for n, b in _markers(ax).items() if inside.overlaps(b)}
    found = [
        f"label {a} on label {b}"
        for (a, ba), (b, bb) in itertools.combinations(labels.items(), 2)
        if ba.overlaps(bb)
    ]
    found += [
        f"label {a} on marker {m}"
        for a, ba in labels.items()
        for m, bm in markers.items()
        if ba.overlaps(bm)
    ]
    found += [
        f"label {a} outside the map"
        for a, ba in labels.items()
        if not (inside.x0 <= ba.x0 and ba.x1 <= inside.x1 and inside.y0 <= ba.y0)
        or ba.y1 > inside.y1
    ]
    return found


def _line(ax: Axes, gid: str) -> Line2D:
    (line,) = [ln for ln in ax.lines if ln.get_gid() == gid]
    return line


def _crowded_graph() -> nx.MultiDiGraph:
    """Five named places a few km apart around one point: their labels cannot all sit right."""
    G = nx.MultiDiGraph(year=2030)
    for i, (dlon, dlat) in enumerate([(0, 0), (0.15, 0.05), (-0.1, 0.12), (0.05, -0.15), (0.3, 0)]):
        G.add_node(f"n{i}", name=f"Place number {i}", kind="port", lon=45 + dlon, lat=40 + dlat)
    return G


def test_crowded_labels_are_spread_apart() -> None:
    fig = draw_network(_crowded_graph())
    renderer = _render(fig)
    ax = fig.axes[0]
    assert len(_labels(ax, renderer)) == 5
    assert _clashes(ax, renderer) == []
    # placed right of its node by default: the offsets differ once they would collide
    assert len({t.xyann for t in ax.texts if str(t.get_gid()).startswith("label:")}) > 1


def test_one_position_only_would_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: with every label forced right of its node, they collide."""
    import network.draw

    monkeypatch.setattr(network.draw, "_DIRECTIONS", ((1, 0),))
    monkeypatch.setattr(network.draw, "_RADII", (5.0,))
    fig = draw_network(_crowded_graph())
    renderer = _render(fig)
    assert any(c.startswith("label n") and "on label" in c for c in _clashes(fig.axes[0], renderer))


def test_labels_stay_apart_at_any_resolution() -> None:
    """Labels are placed when drawn, so a size or resolution change cannot bring them together."""
    fig = draw_network(_crowded_graph())
    for dpi in (72, 200):
        renderer = _render(fig, dpi)
        assert _clashes(fig.axes[0], renderer) == [], dpi


@pytest.mark.parametrize("year", [2025, 2030])
def test_shipped_map_has_no_overlapping_labels(year: int) -> None:
    """The issue's cases: Tatvan/Van İskele, Akhalkalaki by the Georgian border, Alat's own
    marker; and every node of the highlighted routes is labelled (Horadiz, Meghri...)."""
    G = build_graph(load_network(), year)
    routes = k_routes(G, "Tashkent", "Kars", k=3, by="generalised")  # as `corridor map`
    fig = draw_network(G, routes=routes)
    renderer = _render(fig)
    ax = fig.axes[0]
    assert _clashes(ax, renderer) == []
    labels = _labels(ax, renderer)
    lon0, lat0, lon1, lat1 = BOUNDS
    on_routes = {
        n
        for r in routes
        for n in r.nodes
        if lon0 <= G.nodes[n]["lon"] <= lon1 and lat0 <= G.nodes[n]["lat"] <= lat1
    }
    assert on_routes <= set(labels)
    assert {"tatvan", "van", "akhalkalaki", "alat", "baku", "kars"} <= set(labels)
    if year == 2030:  # the Zangezur route is among the three
        assert {"horadiz", "meghri", "nakhchivan"} <= set(labels)
    # the legends are below the map, outside it
    legends = [a for a in ax.get_children() if type(a).__name__ == "Legend"]
    assert len(legends) == 2  # routes, key
    for legend in legends:
        assert legend.get_window_extent(renderer).y1 <= ax.bbox.y0


def test_route_nodes_are_labelled_even_junctions(g2030) -> None:
    route = k_routes(g2030, "a_city", "f_city", k=1)[0]
    assert "g_junction" in route.nodes
    plain = draw_network(g2030)
    assert "label:g_junction" not in {t.get_gid() for t in plain.axes[0].texts}
    fig = draw_network(g2030, routes=[route])
    assert "label:g_junction" in {t.get_gid() for t in fig.axes[0].texts}


def test_flow_scale_is_shared(g2030) -> None:
    """Equal volumes are equally wide on maps drawn with the same scale."""
    a = draw_network(g2030, flows={"a-g": 10.0, "b-c": 40.0}, flow_scale=40.0).axes[0]
    b = draw_network(g2030, flows={"a-g": 10.0}, flow_scale=40.0).axes[0]
    assert _line(a, "leg:a-g").get_linewidth() == _line(b, "leg:a-g").get_linewidth()
    assert _line(a, "leg:a-g").get_linewidth() == pytest.approx(flow_width(10, 40))
    assert _line(a, "leg:b-c").get_linewidth() == pytest.approx(0.6 + 7.0)
    # without a shared scale each map is scaled to its own largest flow
    own = draw_network(g2030, flows={"a-g": 10.0}).axes[0]
    assert _line(own, "leg:a-g").get_linewidth() == pytest.approx(0.6 + 7.0)
    texts = [t.get_text() for t in a.get_legend().get_texts()]
    assert "40 units" not in texts and "40" in texts  # no unit given


def test_difference_map_colours_and_styles(g2025, g2030) -> None:
    """Red where the other carries more, blue where less, wider the larger; a leg only the
    other graph has is dashed, and its ends are labelled."""
    assert "g-e" not in {k for _u, _v, k in g2025.edges(keys=True)}
    change = {"a-g": 10.0, "b-c": -5.0, "g-e": 4.0, "e-f": 0.0}
    fig = draw_difference(g2025, g2030, change, names=("2025", "2030"), unit="units")
    ax = fig.axes[0]
    more, less, new = _line(ax, "change:a-g"), _line(ax, "change:b-c"), _line(ax, "change:g-e")
    r, _g, b, _a = more.get_color()
    assert r > b
    r, _g, b, _a = less.get_color()
    assert b > r
    assert more.get_linewidth() == pytest.approx(flow_width(10, 10))
    assert less.get_linewidth() == pytest.approx(flow_width(5, 10))
    assert more.get_linestyle() == "-" and new.get_linestyle() == "--"
    assert not [ln for ln in ax.lines if ln.get_gid() == "change:e-f"]  # no change: grey only
    assert _line(ax, "leg:g-e").get_linestyle() == "--"
    gids = {t.get_gid() for t in ax.texts}
    assert {"label:g_junction", "label:e_gauge"} <= gids
    assert len(fig.axes) == 2  # the map and its colour bar
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "only in 2030" in texts and "more in 2030" in texts
    # the reverse: the leg is only in the first graph, dotted
    back = draw_difference(g2030, g2025, {"g-e": -4.0}, names=("2030", "2025")).axes[0]
    assert _line(back, "change:g-e").get_linestyle() == ":"
    r, _g, b, _a = _line(back, "change:g-e").get_color()
    assert b > r
    renderer = _render(fig)
    assert _clashes(ax, renderer) == []


def test_difference_map_without_change_says_so(g2025) -> None:
    fig = draw_difference(g2025, g2025, {}, names=("a", "b"))
    assert "no leg's volume changed" in fig.axes[0].get_title()
    assert len(fig.axes) == 1  # no colour bar for nothing
    with pytest.raises(NetworkError, match="neither graph has: nowhere"):
        draw_difference(g2025, g2025, {"nowhere": 1.0})


# ----------------------------------------------------------------------------- GeoJSON flows
def _output(folder: Path, scenarios: dict[str, int], rows: str) -> Path:
    folder.mkdir()
    head = {"scenarios": [{"name": n, "year": y} for n, y in scenarios.items()]}
    (folder / "manifest.json").write_text(json.dumps(head), encoding="utf-8")
    (folder / "tables").mkdir()
    (folder / "tables" / "routes.csv").write_text(
        "scenario,route_id,name,legs,units_per_replication\n" + rows, encoding="utf-8"
    )
    return folder


ROWS = (
    "base,r1,A to F,a-g > g-f,10.0\n"
    "base,r2,A to F by sea,a-b > b-c > c-d > d-e > e-f,2.5\n"
    "base,r2,A to F by sea,a-b > b-c > c-d > d-e > e-f,2.5\n"  # a route listed twice
    "new,r3,A to F via G-E,a-g > g-e > e-f,6.0\n"
    "new,r1,A to F,a-g > g-f,0.0\n"
)


def test_run_leg_flows_sums_routes_per_leg(tmp_path: Path) -> None:
    out = _output(tmp_path / "out", {"base": 2025, "new": 2030}, ROWS)
    base = run_leg_flows(out, "base")
    assert base.year == 2025
    assert base.units == {
        "a-b": 2.5,
        "a-g": 10.0,
        "b-c": 2.5,
        "c-d": 2.5,
        "d-e": 2.5,
        "e-f": 2.5,
        "g-f": 10.0,
    }
    assert run_leg_flows(out, "new").units == {"a-g": 6.0, "e-f": 6.0, "g-e": 6.0}


def test_geojson_carries_flows(tmp_path: Path, tiny, g2025) -> None:
    out = _output(tmp_path / "out", {"base": 2025, "new": 2030}, ROWS)
    fc = to_geojson(tiny, year=2025, flows=run_leg_flows(out, "base"))
    legs = {
        f["properties"]["leg_id"]: f["properties"][FLOW_PROPERTY]
        for f in fc["features"]
        if f["geometry"]["type"] == "LineString"
    }
    assert legs["a-g"] == 10.0 and legs["b-c"] == 2.5 and legs["a-h"] == 0.0
    assert fc["properties"]["flows"]["scenario"] == "base"
    # the 2030 scenario used g-e, which the 2025 network does not have
    with pytest.raises(NetworkError, match=r"does not have: g-e .*--year 2030"):
        to_geojson(g2025, flows=run_leg_flows(out, "new"))


def test_cli_geojson_flows(tmp_path: Path, tiny_path: Path, capsys) -> None:
    out = _output(tmp_path / "out", {"base": 2025, "new": 2030}, ROWS)
    geo = tmp_path / "flows.geojson"
    args = ["network", "geojson", "--data", str(tiny_path), "-o", str(geo), "--flows", str(out)]
    assert main([*args, "--scenario", "new"]) == 0
    assert "units_per_replication of 'new' on 3 leg(s), network of 2030" in capsys.readouterr().out
    data = json.loads(geo.read_text(encoding="utf-8"))
    assert data["properties"]["year"] == 2030  # the scenario's year
    ge = next(f for f in data["features"] if f["properties"].get("leg_id") == "g-e")
    assert ge["properties"][FLOW_PROPERTY] == 6.0


def test_cli_geojson_flows_errors_all_at_once(tmp_path: Path, tiny_path: Path, capsys) -> None:
    geo = tmp_path / "flows.geojson"
    base = ["network", "geojson", "--data", str(tiny_path), "-o", str(geo)]
    out = _output(tmp_path / "out", {"base": 2025, "new": 2030}, ROWS)
    assert main([*base, "--flows", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds 2 scenarios (hint: choose one with --scenario NAME)" in err
    assert main([*base, "--flows", str(out), "--scenario", "nw"]) == 2
    assert "did you mean 'new'?" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([*base, "--flows", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "manifest.json" in err and "routes.csv" in err
    assert "Traceback" not in err
    assert main([*base, "--scenario", "new"]) == 2
    assert "add --flows DIR" in capsys.readouterr().err
    assert not geo.exists()
