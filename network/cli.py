"""``corridor network check|geojson``, ``corridor routes`` and ``corridor map``.

:func:`add_commands` registers the commands on the ``corridor`` parser of :mod:`sim.cli.main`.
Handlers return an exit code and raise :class:`network.NetworkError` subclasses for the caller to
print; files are written only once everything they need has been computed."""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from network.errors import DataError, NetworkError
from network.schema import CRITERIA

if TYPE_CHECKING:
    import networkx as nx

    from network.routing import Route

__all__ = [
    "add_commands",
    "check_output_file",
    "format_routes",
    "write_output_file",
]

DEFAULT_YEAR = 2025
#: years the commands accept: those a scenario may take (``sim.inputs.scenario.Scenario.year``)
YEARS = (2000, 2100)
MAP_FORMATS = ("png", "pdf", "svg")
#: most routes ``--k`` lists or draws (k shortest paths grow fast with k)
MAX_K = 50
# Which intermediate places best tell routes apart, most telling first.


def add_commands(subparsers: Any) -> None:
    """Register ``network``, ``routes`` and ``map`` on the ``corridor`` sub-parsers."""
    net = subparsers.add_parser("network", help="check or export the network data")
    net_sub = net.add_subparsers(dest="network_command", metavar="ACTION", required=True)
    check = net_sub.add_parser("check", help="check a network folder (default: shipped data)")
    check.add_argument("path", nargs="?", type=Path, help="network folder")
    check.set_defaults(func=_cmd_check)
    geo = net_sub.add_parser("geojson", help="write the network as GeoJSON")
    geo.add_argument(
        "--year",
        type=_year,
        help="only legs usable that year (default: every leg; with --flows, the scenario's year)",
    )
    geo.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="GeoJSON file to write"
    )
    geo.add_argument(
        "--flows",
        type=Path,
        metavar="DIR",
        help="add each leg's units per replication (property units_per_replication) from "
        "the output folder of corridor run or compare",
    )
    geo.add_argument(
        "--scenario",
        metavar="NAME",
        help="with --flows: the scenario whose flows to add (needed when DIR holds several)",
    )
    _overwrite_option(geo)
    _data_option(geo)
    geo.set_defaults(func=_cmd_geojson)

    routes = subparsers.add_parser("routes", help="best routes between two places")
    routes.add_argument("origin", help="where the routes start: a place name (Tashkent)")
    routes.add_argument("destination", help="where they end: a place name (Kars)")
    routes.add_argument("--year", type=_year, default=DEFAULT_YEAR, help="default %(default)s")
    routes.add_argument(
        "--by",
        choices=CRITERIA,
        default="generalised",
        help="generalised (default: time valued at 1 USD/TEU-h + tariff + CO2 at 0.1 USD/kg), "
        "time, cost, co2 or distance",
    )
    routes.add_argument("--k", type=_positive_int, default=3, help="number of routes (default 3)")
    routes.add_argument(
        "--avoid",
        nargs="+",
        action="extend",
        default=[],
        metavar="X",
        help="country code (AM), mode (ferry), leg id or node name",
    )
    routes.add_argument("--legs", action="store_true", help="also list each route's legs")
    _data_option(routes)
    routes.set_defaults(func=_cmd_routes)

    draw = subparsers.add_parser("map", help="draw the network (PNG, PDF or SVG)")
    draw.add_argument("--year", type=_year, default=DEFAULT_YEAR, help="default %(default)s")
    draw.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="image to write; its suffix (.png, .pdf, .svg) sets the format",
    )
    _overwrite_option(draw)
    draw.add_argument(
        "--route",
        nargs=2,
        metavar=("ORIGIN", "DESTINATION"),
        help="highlight the best route(s) between two places",
    )
    draw.add_argument("--by", choices=CRITERIA, default="generalised", help="default %(default)s")
    draw.add_argument("--k", type=_positive_int, default=1, help="routes to highlight (default 1)")
    _data_option(draw)
    draw.set_defaults(func=_cmd_map)


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, metavar="PATH", help="network folder (default: the shipped data)"
    )


def _cmd_check(args: argparse.Namespace) -> int:
    from network.checks import check_network
    from network.io import default_data_path, load_network

    path = args.path if args.path is not None else default_data_path()
    try:
        problems: Sequence[object] = check_network(path)
    except DataError as exc:  # files that cannot be read as text: the checks need the text
        problems = exc.problems
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {path}")
        return 1
    net = load_network(path)
    assumptions = int((net.sources["kind"] == "assumption").sum())
    print(
        f"OK: {len(net.nodes)} nodes, {len(net.legs)} legs, {len(net.sources)} sources "
        f"({assumptions} assumptions)"
    )
    return 0


def check_output_file(path: Path, *, overwrite: bool) -> None:
    """Refuse ``-o FILE`` before any work when the file exists and ``--overwrite`` is not given.

    A single file carries no manifest, so the tool cannot tell whether it wrote it: an existing
    file is replaced only on request, a folder or a missing parent folder never.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "map.png"
    >>> check_output_file(target, overwrite=False)  # new: fine
    >>> _ = target.write_bytes(b"someone's map")
    >>> check_output_file(target, overwrite=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    network.errors.NetworkError: ...map.png: exists; ... add --overwrite to replace it
    """
    if path.is_dir():
        raise NetworkError(f"{path}: is a folder; -o takes a file name")
    if not path.parent.is_dir():
        raise NetworkError(f"{path}: the folder {path.parent} does not exist; create it first")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise NetworkError(
            f"{path}: exists; the tool replaces a file only when asked (it cannot tell who "
            "wrote it): choose another -o FILE or add --overwrite to replace it"
        )


def write_output_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a hidden sibling renamed into place."""
    tmp = path.with_name(f".corridor-tmp-{path.name}-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _overwrite_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--overwrite", action="store_true", help="replace FILE if it exists (default: refuse)"
    )


def _cmd_geojson(args: argparse.Namespace) -> int:
    from network.geo import FLOW_PROPERTY, geojson_text, run_leg_flows, to_geojson
    from network.io import load_network

    if args.scenario is not None and args.flows is None:
        raise NetworkError("--scenario names the scenario of --flows DIR: add --flows DIR")
    check_output_file(args.output, overwrite=args.overwrite)
    flows = run_leg_flows(args.flows, args.scenario) if args.flows is not None else None
    year = args.year if args.year is not None or flows is None else flows.year
    collection = to_geojson(load_network(args.data), year=year, flows=flows)
    write_output_file(args.output, geojson_text(collection).encode("utf-8"))
    extra = ""
    if flows is not None:
        extra = f"; {FLOW_PROPERTY} of {flows.scenario!r} on {len(flows.units)} leg(s)" + (
            f", network of {year}" if year is not None else ""
        )
    print(f"wrote {args.output} ({len(collection['features'])} features{extra})")
    return 0


def _cmd_routes(args: argparse.Namespace) -> int:
    from network.avoid import classify_avoid
    from network.build import build_graph
    from network.io import load_network
    from network.routing import k_routes

    G = build_graph(load_network(args.data), args.year)
    avoid = classify_avoid(G, args.avoid)
    found = k_routes(
        G,
        args.origin,
        args.destination,
        k=args.k,
        by=args.by,
        avoid_countries=avoid["avoid_countries"],
        avoid_modes=avoid["avoid_modes"],
        avoid_legs=avoid["avoid_legs"],
        avoid_nodes=avoid["avoid_nodes"],
    )
    print(format_routes(G, found, by=args.by, avoid=args.avoid))
    if args.legs:
        for rank, route in enumerate(found, 1):
            print()
            print(format_legs(G, route, rank))
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    fmt = args.output.suffix.lower().lstrip(".")
    if fmt not in MAP_FORMATS:
        raise NetworkError(
            f"cannot write a map as {args.output.name!r}: use a file name ending "
            f"in {', '.join('.' + f for f in MAP_FORMATS)}"
        )
    check_output_file(args.output, overwrite=args.overwrite)
    from network.build import build_graph
    from network.draw import draw_network
    from network.io import load_network
    from network.routing import k_routes

    G = build_graph(load_network(args.data), args.year)
    found = None
    if args.route:
        origin, destination = args.route
        found = k_routes(G, origin, destination, k=args.k, by=args.by)
    fig = draw_network(G, routes=found)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150)
    write_output_file(args.output, buffer.getvalue())
    print(f"wrote {args.output}")
    return 0


def _positive_int(text: str) -> int:
    """The number of routes ``--k``: a whole number from 1 to :data:`MAX_K`."""
    rule = f"must be a whole number from 1 to {MAX_K}"
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{rule}, got {text!r}") from None
    if not 1 <= value <= MAX_K:
        raise argparse.ArgumentTypeError(f"{rule}, got {text!r}")
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a year from {YEARS[0]} to {YEARS[1]}, got {text!r}"
        ) from None
    lo, hi = YEARS
    if not lo <= value <= hi:
        # legs with no opening year count as open in every year: 1900 would show today's net
        raise argparse.ArgumentTypeError(
            f"must be from {lo} to {hi} (the years a scenario may take), got {value}"
        )
    return value


def format_routes(
    G: nx.MultiDiGraph, routes: Sequence[Route], *, by: str = "time", avoid: Sequence[str] = ()
) -> str:
    """The aligned table printed by ``corridor routes``."""
    from network.via import describe_via
    from network.via import place_name as _name

    first = routes[0]
    head = (
        f"{_name(G, first.origin)} → {_name(G, first.destination)}, "
        f"{G.graph.get('year')}, best by {by}{' cost' if by == 'generalised' else ''}"
        + (f", avoiding {', '.join(avoid)}" if avoid else "")
        + f": {len(routes)} route(s)"
    )
    columns = [
        "#",
        "via",
        "km",
        "time h",
        "days",
        "running",
        "wait",
        "dwell",
        "USD/TEU",
        "kg CO2/TEU",
        "countries",
    ]
    rows = [
        [
            str(rank),
            via,
            f"{r.distance_km:,.0f}",
            f"{r.time_h:,.1f}",
            f"{r.time_h / 24:.1f}",
            f"{r.running_h:,.1f}",
            f"{r.wait_h:,.1f}",
            f"{r.dwell_h:,.1f}",
            f"{r.cost_usd:,.0f}",
            f"{r.co2_kg:,.0f}",
            "-".join(r.countries),
        ]
        for rank, (r, via) in enumerate(zip(routes, describe_via(G, routes), strict=True), 1)
    ]
    left = {"via", "countries"}
    return head + "\n" + _table(columns, rows, left)


def format_legs(G: nx.MultiDiGraph, route: Route, rank: int) -> str:
    """Route ``rank``'s legs, one per line, with the dwell at each intermediate node."""
    from network.via import place_name as _name

    columns = [
        "leg",
        "from",
        "to",
        "mode",
        "km",
        "h",
        "wait h",
        "dwell h at to",
        "USD/TEU",
        "kg CO2/TEU",
    ]
    payload = float(G.graph["teu_payload_t"])
    rows = []
    for u, v, leg in route.hops:
        e = G.edges[u, v, leg]
        dwell = G.nodes[v].get("handling_mean_h") if v != route.destination else None
        rows.append(
            [
                leg,
                _name(G, u),
                _name(G, v),
                e["mode"],
                f"{e['distance_km']:,.0f}",
                f"{e['duration_h']:,.1f}",
                f"{e['wait_mean_h'] or 0:,.1f}",
                f"{dwell or 0:,.1f}" if v != route.destination else "",
                f"{e['cost_usd_per_teu']:,.0f}",
                f"{e['co2_kg_per_tkm'] * payload * e['distance_km']:,.0f}",
            ]
        )
    return f"route {rank}:\n" + _table(columns, rows, {"leg", "from", "to", "mode"})


def _table(columns: list[str], rows: list[list[str]], left: set[str]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if name in left else c.rjust(w)
            for c, w, name in zip(cells, widths, columns, strict=True)
        ).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, rows)])
