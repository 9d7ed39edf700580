"""An offline map of the corridor network (Basemap coastlines and borders), with routes and flows.

Nothing is shown and nothing is written: :func:`draw_network` and :func:`draw_difference` return
a Matplotlib figure that the caller saves, so the module is safe under the Agg backend and in
tests. The legend sits below the map, never on it.

Labels are placed when the figure is drawn, once its layout is final: each label, in turn,
takes the first of a fixed list of positions around its node (right, above right, below
right, left..., at growing distances) that overlaps no node marker, no label placed before it
and stays inside the map; a label pushed away from its node gets a thin leader line. The search
is deterministic, so the same figure always gets the same labels.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import networkx as nx
import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from matplotlib.text import Annotation

from network.errors import NetworkError
from network.geo import _nodes, iter_legs
from network.io import Network
from network.routing import Route

__all__ = [
    "BOUNDS",
    "DIFFERENCE_COLOURS",
    "MODE_COLOURS",
    "STATUS_STYLES",
    "draw_difference",
    "draw_network",
    "flow_width",
]

#: lon_min, lat_min, lon_max, lat_max: from the Balkans/Türkiye to the Fergana valley.
BOUNDS = (26.0, 34.0, 77.0, 48.0)
MODE_COLOURS = {"rail": "#1f4e9c", "ferry": "#0f9eb5", "sea": "#2f8f5b", "road": "#d9822b"}
STATUS_STYLES = {"open": "-", "under_construction": "--", "planned": ":"}
NODE_MARKERS = {"terminal": "o", "port": "s", "border": "D", "gauge_change": "^", "junction": "."}
ROUTE_COLOURS = ("#d62728", "#8e44ad", "#e377c2", "#7f7f7f", "#bcbd22")
LABELLED_KINDS = ("terminal", "port", "gauge_change")
WATER, LAND = "#dbe9f4", "#f3f0ea"
#: a difference map's diverging colour map: blue where the other scenario carries less, red
#: where it carries more (matplotlib's ``RdBu_r`` without its pale middle, so that a small
#: change still shows on the land)
DIFFERENCE_COLOURS = "RdBu_r"
#: line width (points) of a leg without flow, and the extra width of the largest flow
FLOW_BASE_WIDTH, FLOW_EXTRA_WIDTH = 0.6, 7.0
#: label placement: directions tried, in order, and distances from the node (points)
_DIRECTIONS = ((1, 0), (1, 1), (1, -1), (0, 1), (0, -1), (-1, 0), (-1, 1), (-1, -1))
_RADII = (5.0, 8.0, 13.0, 19.0, 26.0, 34.0, 44.0)
_HA: dict[int, Literal["left", "center", "right"]] = {1: "left", 0: "center", -1: "right"}
_VA: dict[int, Literal["bottom", "center", "top"]] = {1: "bottom", 0: "center", -1: "top"}
#: beyond this distance (points) a label gets a leader line to its node
_LEADER_FROM = 10.0
_LABEL_ZORDER = 6.0


def flow_width(volume: float, scale: float) -> float:
    """Line width (points) of a leg carrying ``volume`` on a map whose widest line is ``scale``.

    One scale for every panel keeps widths comparable across maps.

    Examples
    --------
    >>> flow_width(0.0, 100.0), flow_width(50.0, 100.0), flow_width(100.0, 100.0)
    (0.6, 4.1, 7.6)
    """
    if scale <= 0:
        return FLOW_BASE_WIDTH
    return FLOW_BASE_WIDTH + FLOW_EXTRA_WIDTH * float(volume) / float(scale)


def draw_network(
    G: nx.MultiDiGraph | Network,
    ax: Axes | None = None,
    *,
    routes: Sequence[Route] | None = None,
    flows: Mapping[str, float] | None = None,
    flow_scale: float | None = None,
    flow_unit: str = "",
    label: Iterable[str] = (),
    title: str | None = None,
    resolution: str = "l",
) -> Figure:
    """Draw the network on a map of the region and return the figure.

    Terminals, ports and gauge changes are labelled, and so is every node of a highlighted
    route and every node in ``label``; labels avoid the node markers and each other.

    Parameters
    ----------
    G : networkx.MultiDiGraph or Network
        A year's graph (:func:`network.build_graph`), or a network (every leg not closed).
    ax : matplotlib Axes, optional
        Where to draw; default: a new 13 x 6.5 in figure (no pyplot state is touched).
    routes : sequence of Route, optional
        Highlighted, in order, under the legs.
    flows : mapping leg_id -> volume, optional
        Drawn as line width (:func:`flow_width`); legs without flow stay thin.
    flow_scale : float, optional
        The volume drawn at the widest width; default the largest of ``flows``. Give the same
        value to maps that are to be compared.
    flow_unit : str
        What a volume counts, for the legend (e.g. ``"units per replication"``).
    label : iterable of str
        Node ids to label besides those labelled anyway.
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
    ...                    flows={"a-g": 10.0}, flow_scale=20.0, title="tiny network")
    >>> fig.axes[0].get_title()
    'tiny network'
    >>> [line.get_linewidth() for line in fig.axes[0].lines if line.get_gid() == "leg:a-g"]
    [4.1]
    """
    fig, ax, m = _map(ax, resolution)
    nodes = dict(_nodes(G))
    xy = {n: m(float(a["lon"]), float(a["lat"])) for n, a in nodes.items()}
    top = float(flow_scale) if flow_scale is not None else max((flows or {}).values(), default=0)
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
            width = flow_width(float(flows.get(leg_id, 0.0)), top)
        mode = str(attrs["mode"])
        modes_seen.add(mode)
        statuses_seen.add(status)
        _leg(ax, xy, u, v, leg_id, linestyle=style, linewidth=width, color=_mode_colour(mode))

    route_handles: list[Any] = []
    labelled = set(label)
    for i, route in enumerate(routes or ()):
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        labelled.update(route.nodes)
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
        text = (
            f"route {i + 1}: {_short(nodes[route.origin])} → "
            f"{_short(nodes[route.destination])}, {route.time_h:,.0f} h, "
            f"{route.cost_usd:,.0f} USD/TEU"
        )
        route_handles.append(Line2D([], [], color=colour, linewidth=5, alpha=0.5, label=text))

    kinds_seen = _draw_nodes(ax, nodes, xy, labelled)
    handles: list[Any] = [
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
    handles += _kind_handles(kinds_seen)
    if flows and top > 0:
        unit = f" {flow_unit}" if flow_unit else ""
        handles += [
            Line2D([], [], color="#444", linewidth=flow_width(v, top), label=f"{v:,.0f}{unit}")
            for v in _reference_volumes(top)
        ]
    _legend(ax, handles, route_handles)
    year = G.graph.get("year") if isinstance(G, nx.Graph) else None
    ax.set_title(
        title
        if title is not None
        else (f"Corridor network, {year}" if year is not None else "Corridor network")
    )
    return fig


def draw_difference(
    base: nx.MultiDiGraph,
    other: nx.MultiDiGraph,
    change: Mapping[str, float],
    ax: Axes | None = None,
    *,
    scale: float | None = None,
    names: tuple[str, str] = ("base", "other"),
    unit: str = "units",
    label: Iterable[str] = (),
    title: str | None = None,
) -> Figure:
    """Map the change on each leg from one network's flows to another's.

    Every leg of either graph is drawn thin and grey; a leg whose volume changed is drawn in a
    diverging colour (:data:`DIFFERENCE_COLOURS`: red where ``other`` carries more, blue where
    it carries less, darker the larger the change) and widened by the size of the change
    (:func:`flow_width` of ``|change|``). Legs present only in ``other`` are dashed, legs present
    only in ``base`` dotted; the nodes they join are labelled.

    Parameters
    ----------
    base, other : networkx.MultiDiGraph
        The two scenarios' graphs (one year each).
    change : mapping leg_id -> float
        ``other``'s volume minus ``base``'s on each leg (absent: no change).
    ax : matplotlib Axes, optional
        Where to draw; default: a new figure.
    scale : float, optional
        The absolute change drawn widest and darkest; default the largest ``|change|``. Give
        the same value to maps that are to be compared.
    names : (str, str)
        The two scenarios' names, for the legend and colour bar.
    unit : str
        What the volumes count (e.g. ``"units per replication"``).
    label : iterable of str
        Node ids to label besides the terminals, ports, gauge changes and the ends of legs
        only one graph has.
    title : str, optional

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> net = load_network("tests/fixtures/tiny_network")
    >>> fig = draw_difference(build_graph(net, 2025), build_graph(net, 2030),
    ...                       {"a-g": 10.0, "b-c": -5.0}, names=("2025", "2030"))
    >>> widths = {line.get_gid(): line.get_linewidth() for line in fig.axes[0].lines}
    >>> widths["change:a-g"], widths["change:b-c"]
    (7.6, 4.1)
    """
    fig, ax, m = _map(ax, "l")
    nodes = dict(_nodes(other))
    nodes.update({n: a for n, a in _nodes(base) if n not in nodes})
    xy = {n: m(float(a["lon"]), float(a["lat"])) for n, a in nodes.items()}
    in_base = {leg: (u, v) for leg, u, v, _ in iter_legs(base)}
    in_other = {leg: (u, v) for leg, u, v, _ in iter_legs(other)}
    ends = {**in_base, **in_other}
    top = float(scale) if scale is not None else max((abs(c) for c in change.values()), default=0)
    top = top if top > 0 else 1.0
    norm = Normalize(-top, top)
    colours = _difference_cmap()
    cmap = ScalarMappable(norm=norm, cmap=colours)

    def rgba(value: float) -> tuple[float, float, float, float]:
        r, g, b, a = (float(c) for c in np.ravel(colours(norm(value))))
        return r, g, b, a

    labelled = set(label)
    for leg, (u, v) in ends.items():
        style = "-" if leg in in_base and leg in in_other else "--" if leg in in_other else ":"
        if style != "-":
            labelled.update((u, v))
        _leg(ax, xy, u, v, leg, linestyle=style, linewidth=0.7, color="#b5b5b5", zorder=2.5)
    unknown = sorted(leg for leg in change if leg not in ends and change[leg])
    if unknown:
        raise NetworkError(
            f"a change on {len(unknown)} leg(s) neither graph has: {', '.join(unknown[:5])}"
        )
    for leg, delta in sorted(change.items(), key=lambda kv: abs(kv[1])):
        if not delta:
            continue
        u, v = ends[leg]
        style = "-" if leg in in_base and leg in in_other else "--" if leg in in_other else ":"
        _leg(
            ax,
            xy,
            u,
            v,
            leg,
            linestyle=style,
            linewidth=flow_width(abs(delta), top),
            color=rgba(delta),
            gid=f"change:{leg}",
            zorder=3,
        )
    kinds_seen = _draw_nodes(ax, nodes, xy, labelled)
    a, b = names
    more, less = rgba(0.8 * top), rgba(-0.8 * top)
    handles: list[Any] = [
        Line2D([], [], color=more, linewidth=3, label=f"more in {_plain(b)}"),
        Line2D([], [], color=less, linewidth=3, label=f"less in {_plain(b)}"),
        Line2D([], [], color="#b5b5b5", linewidth=0.7, label="no change"),
        Line2D([], [], color="#444", linestyle="--", linewidth=1.5, label=f"only in {_plain(b)}"),
        Line2D([], [], color="#444", linestyle=":", linewidth=1.5, label=f"only in {_plain(a)}"),
    ]
    changed = any(change.values())
    if changed:
        handles += [
            Line2D(
                [],
                [],
                color="#444",
                linewidth=flow_width(v, top),
                label=f"±{v:,.0f} {unit}".rstrip(),
            )
            for v in _reference_volumes(top)
        ]
    handles += _kind_handles(kinds_seen)
    _legend(ax, handles)
    if changed:
        fig.colorbar(
            cmap,
            ax=ax,
            location="right",
            shrink=0.7,
            pad=0.01,
            label=f"change in {unit}: {_plain(b)} − {_plain(a)}",
        )
    if title is None:
        title = f"{_plain(b)} against {_plain(a)}: change per leg" + (
            "" if changed else " (no leg's volume changed)"
        )
    ax.set_title(title)
    return fig


def _plain(name: str) -> str:
    """A scenario's name as plain text (a ``$`` is drawn as written, never as mathtext)."""
    return str(name).replace("$", r"\$")


# ----------------------------------------------------------------------------- drawing parts
def _difference_cmap() -> Colormap:
    """:data:`DIFFERENCE_COLOURS` with its pale middle cut out (blue below 0, red above)."""
    base = colormaps[DIFFERENCE_COLOURS]
    samples = np.concatenate([np.linspace(0.0, 0.36, 64), np.linspace(0.64, 1.0, 64)])
    return ListedColormap(base(samples), name=f"{DIFFERENCE_COLOURS}_cut")


def _map(ax: Axes | None, resolution: str) -> tuple[Figure, Axes, Any]:
    """The figure, the axes and the Basemap projection, with land, water and borders."""
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
    return fig, ax, m


def _mode_colour(mode: str) -> str:
    return MODE_COLOURS.get(mode, "black")


def _leg(
    ax: Axes,
    xy: Mapping[str, tuple[float, float]],
    u: str,
    v: str,
    leg_id: str,
    *,
    gid: str | None = None,
    zorder: float = 3,
    **style: Any,
) -> None:
    (line,) = ax.plot(
        [xy[u][0], xy[v][0]],
        [xy[u][1], xy[v][1]],
        zorder=zorder,
        solid_capstyle="round",
        **style,
    )
    line.set_gid(gid or f"leg:{leg_id}")


def _draw_nodes(
    ax: Axes,
    nodes: Mapping[str, Mapping[str, Any]],
    xy: Mapping[str, tuple[float, float]],
    labelled: set[str],
) -> set[str]:
    """Markers for every node, labels for the labelled kinds and ``labelled``; the kinds seen."""
    kinds_seen = set()
    markers: list[tuple[float, float, float]] = []
    labels: list[tuple[Annotation, Line2D]] = []
    for n, attrs in nodes.items():
        kind = str(attrs.get("kind"))
        kinds_seen.add(kind)
        size = 5.0 if kind != "junction" else 3.0
        (marker,) = ax.plot(
            *xy[n],
            marker=NODE_MARKERS.get(kind, "o"),
            markersize=size,
            color="#222222",
            markerfacecolor="white" if kind == "border" else "#222",
            zorder=4,
            linestyle="none",
        )
        marker.set_gid(f"node:{n}")
        if not _in_bounds(attrs):
            continue
        markers.append((*xy[n], size))
        if kind in LABELLED_KINDS or n in labelled:
            text = ax.annotate(
                _short(attrs),
                xy[n],
                xytext=(0, 0),
                textcoords="offset points",
                fontsize=7,
                zorder=_LABEL_ZORDER,
                color="#111111",
                path_effects=[withStroke(linewidth=2.2, foreground="white", alpha=0.85)],
            )
            text.set_gid(f"label:{n}")
            text.set_in_layout(False)
            (leader,) = ax.plot([], [], color="#555555", linewidth=0.5, zorder=_LABEL_ZORDER)
            leader.set_gid(f"leader:{n}")
            labels.append((text, leader))
    ax.add_artist(_LabelPlacer(labels, markers))
    return kinds_seen


def _kind_handles(kinds_seen: set[str]) -> list[Any]:
    return [
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


def _legend(ax: Axes, handles: list[Any], routes: list[Any] | None = None) -> None:
    """The legend below the map, outside it: the highlighted routes (if any) on the left, one a
    line, and the key in columns."""
    below = -0.01
    if routes:
        first = ax.legend(
            handles=routes,
            loc="upper left",
            bbox_to_anchor=(0.0, below),
            fontsize=7,
            frameon=False,
        )
        ax.add_artist(first)
    ax.legend(
        handles=handles,
        loc="upper right" if routes else "upper center",
        bbox_to_anchor=(1.0 if routes else 0.5, below),
        ncols=min(len(handles), 5) or 1,
        fontsize=7,
        frameon=False,
    )


def _reference_volumes(top: float) -> list[float]:
    """The widest volume and a round one near a quarter of it, for the width legend.

    >>> _reference_volumes(3460.0)
    [3460.0, 800.0]
    >>> _reference_volumes(2.0)
    [2.0]
    """
    quarter = top / 4
    if quarter < 1:
        return [top]
    magnitude = 10 ** np.floor(np.log10(quarter))
    nice = float(np.floor(quarter / magnitude) * magnitude)
    return [top, nice] if nice < top else [top]


def _in_bounds(attrs: Mapping[str, Any]) -> bool:
    lon0, lat0, lon1, lat1 = BOUNDS
    return lon0 <= float(attrs["lon"]) <= lon1 and lat0 <= float(attrs["lat"]) <= lat1


class _LabelPlacer(Artist):
    """Places the node labels of its axes each time the figure is drawn.

    It draws nothing itself: drawn just before the labels (a lower z-order), when the layout is
    final, it moves each label to the first free position around its node (see the module
    docstring) and sets its leader line.
    """

    def __init__(
        self,
        labels: list[tuple[Annotation, Line2D]],
        markers: list[tuple[float, float, float]],
    ) -> None:
        super().__init__()
        self.set_zorder(_LABEL_ZORDER - 0.5)
        self.set_in_layout(False)
        self._labels = labels
        self._markers = markers

    def draw(self, renderer: Any) -> None:
        if not self._labels:
            return
        ax = self._labels[0][0].axes
        assert ax is not None
        px = renderer.points_to_pixels(1.0)
        data_to_px = ax.transData
        frame = ax.bbox
        taken: list[tuple[float, ...]] = []
        for x, y, size in self._markers:
            cx, cy = data_to_px.transform((x, y))
            half = (size / 2 + 0.8) * px
            taken.append((cx - half, cy - half, cx + half, cy + half))
        pad = 1.0 * px
        edges = tuple(frame.extents)
        for text, leader in self._labels:
            text.xyann = (0.0, 0.0)
            text.set_horizontalalignment("left")
            text.set_verticalalignment("bottom")
            extent = text.get_window_extent(renderer)
            w, h = extent.width + 2 * pad, extent.height + 2 * pad
            ax_, ay_ = data_to_px.transform(text.xy)
            best: tuple[float, float, int, int, tuple[float, ...]] | None = None
            for radius in _RADII:
                for dx, dy in _DIRECTIONS:
                    ox, oy = dx * radius * px, dy * radius * px
                    x0 = ax_ + ox - (w / 2 if dx == 0 else (w if dx < 0 else 0))
                    y0 = ay_ + oy - (h / 2 if dy == 0 else (h if dy < 0 else 0))
                    box: tuple[float, ...] = (x0, y0, x0 + w, y0 + h)
                    score = sum(_overlap(box, t) for t in taken)
                    if not _inside(box, edges):
                        score += 10 * (w * h - _overlap(box, edges))
                    if best is None or score < best[0]:
                        best = (score, radius, dx, dy, box)
                    if score == 0:
                        break
                if best is not None and best[0] == 0:
                    break
            assert best is not None
            _, radius, dx, dy, box = best
            taken.append(box)
            text.xyann = (dx * radius, dy * radius)
            text.set_horizontalalignment(_HA[dx])
            text.set_verticalalignment(_VA[dy])
            if radius >= _LEADER_FROM:
                # from the node to the near edge of the label
                ex = min(max(ax_, box[0]), box[2])
                ey = min(max(ay_, box[1]), box[3])
                (lx0, ly0), (lx1, ly1) = data_to_px.inverted().transform([(ax_, ay_), (ex, ey)])
                leader.set_data([lx0, lx1], [ly0, ly1])
            else:
                leader.set_data([], [])


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The area two boxes ``(x0, y0, x1, y1)`` share.

    >>> _overlap((0, 0, 2, 2), (1, 1, 3, 3)), _overlap((0, 0, 1, 1), (2, 2, 3, 3))
    (1, 0)
    """
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def _inside(box: tuple[float, ...], frame: tuple[float, ...]) -> bool:
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


def _short(attrs: Mapping[str, Any]) -> str:
    """'Alat (Port of Baku)' -> 'Alat': labels must stay short on a regional map (and a
    ``$`` in a name is drawn as written)."""
    name = str(attrs.get("name") or attrs.get("node_id")).split(" (")[0]
    return name.replace("$", r"\$")  # a name is text, never mathtext
