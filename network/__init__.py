"""Corridor network data, graph and routing (no simulation: this package never imports SimPy).

Examples
--------
>>> import network
>>> net = network.load_network("tests/fixtures/tiny_network")
>>> G = network.build_graph(net, 2025)
>>> network.route_between(G, "Alpha", "Foxtrot", by="time").legs
('a-g', 'g-f')
"""

from network.build import build_graph
from network.checks import check_network
from network.draw import draw_network
from network.errors import DataError, NetworkError, NoRouteError, Problem, UnknownNameError
from network.geo import to_geojson, write_geojson
from network.io import Network, default_data_path, load_network
from network.routing import CRITERIA, DEFAULT_WEIGHTS, Route, k_routes, route_between

__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "DataError",
    "Network",
    "NetworkError",
    "NoRouteError",
    "Problem",
    "Route",
    "UnknownNameError",
    "build_graph",
    "check_network",
    "default_data_path",
    "draw_network",
    "k_routes",
    "load_network",
    "route_between",
    "to_geojson",
    "write_geojson",
]
