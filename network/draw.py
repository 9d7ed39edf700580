"""An offline map of the corridor network (Basemap coastlines and borders), with routes and flows.

Nothing is shown and nothing is written: :func:`draw_network` returns a Matplotlib figure that the
caller saves, so the module is safe under the Agg backend and in tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from network.errors import NetworkError
from network.geo import _nodes, iter_legs
from network.io import Network
from network.routing import Route

__all__ = ["BOUNDS", "MODE_COLOURS", "draw_network"]

#: lon_min, lat_min, lon_max, lat_max: from the Balkans/Türkiye to the Fergana valley.
BOUNDS = (26.0, 34.0, 77.0, 48.0)
MODE_COLOURS = {"rail": "#1f4e9c", "ferry": "#0f9eb5", "sea": "#2f8f5b", "road": "#d9822b"}
STATUS_STYLES = {"open": "-", "under_construction": "--", "planned": ":"}
NODE_MARKERS = {"terminal": "o", "port": "s", "border": "D", "gauge_change": "^", "junction": "."}
ROUTE_COLOURS = ("#d62728", "#8e44ad", "#e377c2", "#7f7f7f", "#bcbd22")
LABELLED_KINDS = ("terminal", "port", "gauge_change")
WATER, LAND = "#dbe9f4", "#f3f0ea"


def draw_network(
    G: nx.MultiDiGraph | Network,
    ax: Axes | None = None,
    *,
    routes: Sequence[Route] | None = None,
    flows: Mapping[str, float] | None = None,
    title: str | None = None,
    resolution: str = "l",
) -> Figure:
    """Draw the network on a map of the region and return the figure.

    Parameters
    ----------
    G : networkx.MultiDiGraph or Network
        A year's graph (:func:`network.build_graph`), or a network (every leg not closed).
    ax : matplotlib Axes, optional
        Where to draw; default: a new 13 x 6.5 in figure (no pyplot state is touched).
    routes : sequence of Route, optional
        Highlighted, in order, under the legs.
    flows : mapping leg_id -> volume, optional
        Drawn as line width (widest = largest volume); legs without flow stay thin.
    title : str, optional
    resolution : {"c", "l", "i"}
        Basemap coastline resolution (crude, low, intermediate).

    Raises
    ------
    NetworkError
        If Basemap is not installed.

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> fig = draw_network(build_graph(load_network("tests/fixtures/tiny_network"), 2030),
    ...                    title="tiny network")
    >>> fig.axes[0].get_title()
    'tiny network'
    """
    try:
        with warnings.catch_warnings():
            # Basemap's compiled GEOS wrapper predates numpy 2's ndarray layout and says so on
            # import; it only uses the stable part of the API, so the warning is noise.
            warnings.filterwarnings("ignore", "numpy.ndarray size changed", RuntimeWarning)
            from mpl_toolkits.basemap import Basemap
    except ImportError as exc:  # pragma: no cover - basemap is a declared dependency
        raise NetworkError(
            "drawing the map needs Basemap: pip install basemap basemap-data"
        ) from exc
    if ax is None:
        fig = Figure(figsize=(13, 6.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    lon0, lat0, lon1, lat1 = BOUNDS
    m = Basemap(
        projection="merc",
        llcrnrlon=lon0,
        llcrnrlat=lat0,
        urcrnrlon=lon1,
        urcrnrlat=lat1,
        resolution=resolution,
        ax=ax,
    )
    m.drawmapboundary(fill_color=WATER)
    m.fillcontinents(color=LAND, lake_color=WATER, zorder=0.5)
    m.drawcoastlines(linewidth=0.4, color="#5b6b7a")
    m.drawcountries(linewidth=0.5, color="#9a9a9a")

    nodes = dict(_nodes(G))
    xy = {n: m(float(a["lon"]), float(a["lat"])) for n, a in nodes.items()}
    top = max(flows.values(), default=0.0) if flows else 0.0
    # a graph built for a year holds only the legs usable that year: they are open then,
    # whatever their status in the data; a whole network shows each leg's status
    year_graph = isinstance(G, nx.MultiDiGraph) and G.graph.get("year") is not None
    modes_seen, statuses_seen = set(), set()
    for leg_id, u, v, attrs in iter_legs(G):
        status = (
            "open" if year_graph and attrs.get("status") != "closed" else str(attrs.get("status"))
        )
        style = STATUS_STYLES.get(status)
        if style is None:
            continue  # closed legs are not part of any year's network
        width = 1.4
        if flows:
            width = 0.6 + 7.0 * float(flows.get(leg_id, 0.0)) / top if top > 0 else 0.6
        mode = str(attrs["mode"])
        modes_seen.add(mode)
        statuses_seen.add(status)
        ax.plot(
            [xy[u][0], xy[v][0]],
            [xy[u][1], xy[v][1]],
            linestyle=style,
            linewidth=width,
            color=MODE_COLOURS.get(mode, "black"),
            zorder=3,
            solid_capstyle="round",
        )

    handles: list[Any] = []
    for i, route in enumerate(routes or ()):
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        xs = [xy[n][0] for n in route.nodes]
        ys = [xy[n][1] for n in route.nodes]
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=7 - min(i, 3),
            alpha=0.35,
            zorder=2,
            solid_capstyle="round",
        )
        label = (
            f"route {i + 1}: {_short(nodes[route.origin])} → "
            f"{_short(nodes[route.destination])}, {route.time_h:,.0f} h, "
            f"{route.cost_usd:,.0f} USD/TEU"
        )
        handles.append(Line2D([], [], color=colour, linewidth=5, alpha=0.5, label=label))

    kinds_seen = set()
    for n, attrs in nodes.items():
        kind = str(attrs.get("kind"))
        kinds_seen.add(kind)
        ax.plot(
            *xy[n],
            marker=NODE_MARKERS.get(kind, "o"),
            markersize=5 if kind != "junction" else 3,
            color="#222222",
            markerfacecolor="white" if kind == "border" else "#222",
            zorder=4,
            linestyle="none",
        )
        if kind in LABELLED_KINDS:
            ax.annotate(
                _short(attrs),
                xy[n],
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7,
                zorder=5,
                color="#111111",
            )

    handles += [
        Line2D([], [], color=MODE_COLOURS[m_], linewidth=2, label=m_)
        for m_ in MODE_COLOURS
        if m_ in modes_seen
    ]
    handles += [
        Line2D(
            [],
            [],
            color="#444",
            linestyle=STATUS_STYLES[s],
            linewidth=1.5,
            label=s.replace("_", " "),
        )
        for s in STATUS_STYLES
        if s in statuses_seen
    ]
    handles += [
        Line2D(
            [],
            [],
            marker=NODE_MARKERS[k],
            color="#222",
            linestyle="none",
            markerfacecolor="white" if k == "border" else "#222",
            label=k.replace("_", " "),
        )
        for k in NODE_MARKERS
        if k in kinds_seen
    ]
    if flows and top > 0:
        handles.append(
            Line2D([], [], color="#444", linewidth=7.6, label=f"flow {top:,.0f} (width ∝ volume)")
        )
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    year = G.graph.get("year") if isinstance(G, nx.Graph) else None
    ax.set_title(
        title
        if title is not None
        else (f"Corridor network, {year}" if year is not None else "Corridor network")
    )
    return fig


def _short(attrs: Mapping[str, Any]) -> str:
    """'Alat (Port of Baku)' -> 'Alat': labels must stay short on a regional map (and a
    ``$`` in a name is drawn as written)."""
    name = str(attrs.get("name") or attrs.get("node_id")).split(" (")[0]
    return name.replace("$", r"\$")  # a name is text, never mathtext
