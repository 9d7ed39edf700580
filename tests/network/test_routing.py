"""Routes on the tiny network against totals computed by hand.

The tiny network (tests/fixtures/tiny_network, TEU payload 10 t) joins Alpha (a_city) to
Foxtrôt (f_city) three ways in 2025:

* road via the junction Golf: a-g + g-f; 600 + 500 km, 10 + 9 h, no dwell (Golf has no
  handling), 1200 + 1000 USD, 0.08 x 10 t x 1100 km = 880 kg;
* via Hotel Border (dwell 4 h) by rail a-h (700 km, 30 h, 300 USD, 0.03) or road a-h-road
  (650 km, 9 h, 900 USD, 0.08), then rail h-f (600 km, 30 h, 300 USD, 0.03);
* rail to Bravo port, ferry to Charlie port, rail over Delta Border and the Echo gauge change:
  800 km, running 4 + 20 + 4 + 3 + 2 = 33 h, ferry wait 12 h, dwell 10 + 8 + 6 + 5 = 29 h,
  cost 100 + 500 + 200 + 150 + 100 = 1050 USD, CO2 20 + 120 + 40 + 20 + 20 = 220 kg.

From 2028 the planned rail g-e (150 km, 5 h, 200 USD, 0.02) joins Golf to Echo Gauge.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest

from network import NoRouteError, Route, UnknownNameError, k_routes, route_between

FERRY = ("a_city", "b_port", "c_port", "d_border", "e_gauge", "f_city")
ROAD = ("a_city", "g_junction", "f_city")
SOUTH = ("a_city", "h_border", "f_city")


def test_fastest_is_the_road(g2025: nx.MultiDiGraph) -> None:
    r = route_between(g2025, "Alpha", "Foxtrot", by="time")
    assert r.nodes == ROAD and r.legs == ("a-g", "g-f") and r.modes == ("road", "road")
    assert (r.distance_km, r.running_h, r.wait_h, r.dwell_h, r.time_h) == (1100, 19, 0, 0, 19)
    assert (r.cost_usd, r.co2_kg, r.countries) == (2200, 880, ("XX", "WW", "ZZ"))


def test_cheapest_is_the_southern_rail(g2025: nx.MultiDiGraph) -> None:
    r = route_between(g2025, "a_city", "f_city", by="cost")
    assert r.nodes == SOUTH and r.legs == ("a-h", "h-f")
    assert (r.distance_km, r.running_h, r.dwell_h, r.time_h) == (1300, 60, 4, 64)
    assert (r.cost_usd, r.co2_kg) == (600, 390)
    assert r.countries == ("XX", "ZZ")


def test_lowest_co2_is_the_ferry_route(g2025: nx.MultiDiGraph) -> None:
    r = route_between(g2025, "a_city", "f_city", by="co2")
    assert r.nodes == FERRY
    assert r.modes == ("rail", "ferry", "rail", "rail", "rail")
    assert (r.distance_km, r.running_h, r.wait_h, r.dwell_h, r.time_h) == (800, 33, 12, 29, 74)
    assert (r.cost_usd, r.co2_kg) == (1050, 220)
    assert r.countries == ("XX", "YY", "ZZ")
    assert r.hops[1] == ("b_port", "c_port", "b-c")


def test_shortest_distance_is_also_the_ferry_route(g2025: nx.MultiDiGraph) -> None:
    assert route_between(g2025, "a_city", "f_city", by="distance").nodes == FERRY


def test_parallel_leg_is_chosen_per_criterion(g2025: nx.MultiDiGraph) -> None:
    by_time = k_routes(g2025, "a_city", "f_city", k=3, by="time")
    assert [r.legs for r in by_time] == [
        ("a-g", "g-f"),
        ("a-h-road", "h-f"),
        ("a-b", "b-c", "c-d", "d-e", "e-f"),
    ]
    assert [r.time_h for r in by_time] == [19, 43, 74]
    assert by_time[1].cost_usd == 1200 and by_time[1].co2_kg == 520 + 180
    assert [r.legs[0] for r in k_routes(g2025, "a_city", "f_city", by="cost")] == [
        "a-h",
        "a-b",
        "a-g",
    ]


def test_k_routes_orders_and_stops_at_what_exists(g2025: nx.MultiDiGraph) -> None:
    routes = k_routes(g2025, "a_city", "f_city", k=10, by="co2")
    assert [r.co2_kg for r in routes] == [220, 390, 880]
    assert len({r.nodes for r in routes}) == 3


def test_generalised_cost_uses_weights(g2025: nx.MultiDiGraph) -> None:
    # Defaults (1 USD/h, 0.1 USD/kg): ferry 74 + 1050 + 22 = 1146; rail south 64 + 600 + 39 =
    # 703; road 19 + 2200 + 88 = 2307.
    best = route_between(g2025, "a_city", "f_city", by="generalised")
    assert best.nodes == SOUTH and best.value("generalised") == pytest.approx(703)
    # At 100 USD per hour, time dominates: the road (1900 + 2200 + 88) beats the rest.
    fast = route_between(g2025, "a_city", "f_city", by="generalised", weights={"time": 100})
    assert fast.nodes == ROAD
    with pytest.raises(UnknownNameError, match="did you mean 'time'"):
        route_between(g2025, "a_city", "f_city", by="generalised", weights={"tme": 1})


def test_avoid_constraints(g2025: nx.MultiDiGraph) -> None:
    assert route_between(g2025, "a_city", "f_city", avoid_modes=["road"]).legs == ("a-h", "h-f")
    assert route_between(g2025, "a_city", "f_city", avoid_countries=["ww"]).nodes == SOUTH
    assert route_between(g2025, "a_city", "f_city", avoid_legs=["g-f"]).legs == ("a-h-road", "h-f")
    assert (
        route_between(g2025, "a_city", "f_city", avoid_nodes=["Golf", "Hotel Border"]).nodes
        == FERRY
    )
    assert (
        route_between(g2025, "a_city", "f_city", avoid_modes=["ferry", "road"], by="co2").nodes
        == SOUTH
    )


def test_no_route_names_the_constraints(g2025: nx.MultiDiGraph) -> None:
    with pytest.raises(NoRouteError) as err:
        route_between(g2025, "Alpha", "Foxtrot", avoid_countries=["ZZ"])
    message = str(err.value)
    assert "'Alpha' (a_city)" in message and "(f_city)" in message
    assert "2025" in message and "countries ZZ" in message
    with pytest.raises(NoRouteError, match="itself is avoided"):
        route_between(g2025, "Alpha", "Foxtrot", avoid_nodes=["Alpha"])


def test_bad_names_are_refused_with_suggestions(g2025: nx.MultiDiGraph) -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'Alpha'"):
        route_between(g2025, "Alpah", "f_city")
    with pytest.raises(UnknownNameError, match="did you mean 'ferry'"):
        route_between(g2025, "a_city", "f_city", avoid_modes=["feri"])
    with pytest.raises(UnknownNameError, match="did you mean 'time'"):
        route_between(g2025, "a_city", "f_city", by="tiem")
    with pytest.raises(UnknownNameError, match="did you mean 'g-f'"):
        route_between(g2025, "a_city", "f_city", avoid_legs=["g-ff"])


def test_avoiding_a_leg_absent_this_year_is_allowed(g2025: nx.MultiDiGraph) -> None:
    assert route_between(g2025, "a_city", "f_city", avoid_legs=["g-e"]).nodes == ROAD


def test_year_filtering(g2025: nx.MultiDiGraph, g2030: nx.MultiDiGraph) -> None:
    assert not g2025.has_edge("g_junction", "e_gauge")
    assert set(g2030["g_junction"]["e_gauge"]) == {"g-e"}
    assert set(g2030["e_gauge"]["g_junction"]) == {"g-e"}
    # 2030, by cost, avoiding the southern border: road to Golf then the new rail g-e costs
    # 1200 + 200 + 100 = 1500 USD, more than the ferry route's 1050, which stays cheapest.
    assert (
        route_between(g2030, "a_city", "f_city", by="cost", avoid_nodes=["h_border"]).nodes == FERRY
    )
    # Without the road g-f, the fastest way is the new rail link: 10 + 5 + 5 (gauge) + 2 = 22 h.
    r = route_between(g2030, "a_city", "f_city", avoid_legs=["g-f"], avoid_modes=[])
    assert r.legs == ("a-g", "g-e", "e-f") and r.time_h == 22 and r.cost_usd == 1500
    assert route_between(g2025, "a_city", "f_city", avoid_legs=["g-f"]).legs == ("a-h-road", "h-f")


def test_graph_has_two_edges_per_leg_and_the_attributes(g2025: nx.MultiDiGraph) -> None:
    assert g2025.number_of_edges() == 2 * 10
    data = g2025.edges["c_port", "b_port", "b-c"]
    assert data["countries"] == ("YY", "XX")
    assert g2025.edges["b_port", "c_port", "b-c"]["countries"] == ("XX", "YY")
    assert data["leg_id"] == "b-c" and data["wait_mean_h"] == 12.0 and data["gauge"] == ""
    assert data["opening_year"] is None and data["capacity_trains_per_day"] is None
    assert g2025.nodes["e_gauge"]["kind"] == "gauge_change"
    assert g2025.nodes["g_junction"]["handling_mean_h"] is None
    assert g2025.graph["year"] == 2025 and g2025.graph["teu_payload_t"] == 10.0


def _exact(G: nx.MultiDiGraph, r: Route) -> dict[str, float]:
    legs = [G.edges[u, v, k] for u, v, k in r.hops]
    dwell = sum(G.nodes[n]["handling_mean_h"] or 0 for n in r.nodes[1:-1])
    return {
        "time": sum(e["duration_h"] + e["wait_mean_h"] for e in legs) + dwell,
        "cost": sum(e["cost_usd_per_teu"] for e in legs),
        "co2": sum(e["co2_kg_per_tkm"] * 10 * e["distance_km"] for e in legs),
        "distance": sum(e["distance_km"] for e in legs),
    }


@pytest.mark.parametrize("by", ["time", "cost", "co2", "distance", "generalised"])
@pytest.mark.parametrize("year", [2025, 2030])
def test_totals_are_sums_of_legs_and_dwells(tiny, by: str, year: int) -> None:
    from network import build_graph

    G = build_graph(tiny, year)
    for origin in G:
        for destination in G:
            if origin == destination:
                continue
            for r in k_routes(G, origin, destination, k=3, by=by):
                exact = _exact(G, r)
                assert math.isclose(r.time_h, exact["time"])
                assert math.isclose(r.cost_usd, exact["cost"])
                assert math.isclose(r.co2_kg, exact["co2"])
                assert math.isclose(r.distance_km, exact["distance"])
                assert len(r.legs) == len(r.nodes) - 1 == len(r.modes)


@pytest.mark.parametrize("by", ["time", "cost", "co2", "distance"])
def test_excluding_a_leg_of_the_best_route_never_shortens_it(g2030, by: str) -> None:
    for origin in g2030:
        for destination in g2030:
            if origin == destination:
                continue
            best = route_between(g2030, origin, destination, by=by)
            for leg in best.legs:
                try:
                    other = route_between(g2030, origin, destination, by=by, avoid_legs=[leg])
                except NoRouteError:
                    continue
                assert other.value(by) >= best.value(by) - 1e-9


def test_best_route_is_the_optimum_over_all_simple_paths(g2030) -> None:
    # Brute force on the tiny graph: every simple path, every choice of parallel leg.
    import itertools

    for by in ("time", "cost", "co2"):
        best = route_between(g2030, "a_city", "f_city", by=by)
        values = []
        for path in nx.all_simple_paths(nx.DiGraph(g2030), "a_city", "f_city"):
            choices = [list(g2030[u][v]) for u, v in itertools.pairwise(path)]
            for legs in itertools.product(*choices):
                values.append(Route.from_path(g2030, path, legs).value(by))
        assert best.value(by) == pytest.approx(min(values))


def test_route_to_dict_and_summary(g2025) -> None:
    r = route_between(g2025, "a_city", "f_city", by="co2")
    d = r.to_dict()
    assert d["legs"] == ["a-b", "b-c", "c-d", "d-e", "e-f"] and d["time_h"] == 74
    # display names, not ids
    assert r.summary().startswith("Alpha → Foxtrôt: 800 km, 74.0 h (3.1 d")
    assert r.end_names == ("Alpha", "Foxtrôt")
    with pytest.raises(AttributeError):
        r.time_h = 1.0  # type: ignore[misc]
