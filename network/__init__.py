"""Corridor network data, graph and routing (no simulation: this package never imports SimPy).

The public names load on first use (as in :mod:`sim`), so ``import network`` and modules that
need only :mod:`network.schema` or :mod:`network.errors` load neither NetworkX, pandas nor
matplotlib.

Examples
--------
>>> import network
>>> net = network.load_network("tests/fixtures/tiny_network")
>>> G = network.build_graph(net, 2025)
>>> network.route_between(G, "Alpha", "Foxtrot", by="time").legs
('a-g', 'g-f')
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time they load on first use
    from network.build import build_graph
    from network.checks import check_network
    from network.draw import draw_network
    from network.errors import DataError, NetworkError, NoRouteError, Problem, UnknownNameError
    from network.geo import to_geojson, write_geojson
    from network.io import Network, default_data_path, load_network
    from network.routing import CRITERIA, DEFAULT_WEIGHTS, Route, k_routes, route_between

#: public name -> the module that defines it
_EXPORTS = {
    "build_graph": "network.build",
    "check_network": "network.checks",
    "draw_network": "network.draw",
    "DataError": "network.errors",
    "NetworkError": "network.errors",
    "NoRouteError": "network.errors",
    "Problem": "network.errors",
    "UnknownNameError": "network.errors",
    "to_geojson": "network.geo",
    "write_geojson": "network.geo",
    "Network": "network.io",
    "default_data_path": "network.io",
    "load_network": "network.io",
    "CRITERIA": "network.routing",
    "DEFAULT_WEIGHTS": "network.routing",
    "Route": "network.routing",
    "k_routes": "network.routing",
    "route_between": "network.routing",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # ``network.cli``, ``network.draw``...: a submodule is loaded on first use
        if importlib.util.find_spec(f"network.{name}") is None:
            raise AttributeError(f"module 'network' has no attribute {name!r}")
        return importlib.import_module(f"network.{name}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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
