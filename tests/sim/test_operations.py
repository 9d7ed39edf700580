"""How the corridor really runs: frictions, named vessels and their outages in the engine, and
the operations tables (background, weather, low water, border regimes) compiled for a scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.model import FrictionSpec, LegSpec, NodeSpec, OutageSpec, Segment, VesselSpec
from sim.engine.world import World
from sim.inputs.compile import CompileError, compile_scenario
from sim.inputs.scenario import Operations

from .specs import UNITS, flow, model, plan, pq_ferry

ROOT = Path(__file__).resolve().parents[2]
OPS = str(ROOT / "tests" / "fixtures" / "tiny_operations")


def fixed(name: str, hours: float) -> FrictionSpec:
    return FrictionSpec(name, hours, 0.0, "fixed")


# -- frictions in the engine ----------------------------------------------------------------
def test_node_and_origin_frictions_add_their_time_to_the_friction_cause() -> None:
    """One truck a -> b (border, 2 h handling) -> z: 1 h legs; the border's documents take 3 h
    after the handling and the origin's terminal 5 h before setting off."""
    legs = {"a-b": LegSpec("a-b", "road", 1.0), "b-z": LegSpec("b-z", "road", 1.0)}
    border = NodeSpec("b", "border", 1, 2.0, 0.0, frictions=(fixed("docs", 3.0),))
    spec = model(
        (flow(0.5, arrival="scheduled"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": border},
        legs=legs,
        horizon_h=2.5,
        origin_frictions={"a": (fixed("terminal", 5.0),)},
    )
    arr = World(spec).run().units
    assert list(arr["release_h"]) == [2.0]
    assert list(arr["delivery_h"]) == [2.0 + 5.0 + 1.0 + 2.0 + 3.0 + 1.0]
    assert list(arr["friction_h"]) == [8.0] and list(arr["border_h"]) == [2.0]


def test_vessel_call_frictions_follow_loading_and_unloading() -> None:
    """A wagon on a one-vessel line p-q (crossing 10 h, loading 1 h, unloading 2 h): shunting
    takes 4 h at p and 6 h at q on top."""
    legs = {"p-q": LegSpec("p-q", "ferry", 10.0)}
    ferries = pq_ferry(
        capacity_slots=1.0,
        policy="when_full",
        load_h=1.0,
        unload_h=2.0,
        call_frictions={"p": (fixed("shunt-p", 4.0),), "q": (fixed("shunt-q", 6.0),)},
    )
    spec = model(
        (flow(0.5, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs=legs,
        ferries=ferries,
        horizon_h=2.5,
    )
    arr = World(spec).run().units
    assert list(arr["delivery_h"]) == [2.0 + 1.0 + 4.0 + 10.0 + 2.0 + 6.0]
    assert list(arr["friction_h"]) == [10.0]


def _shunted(unit: str, vessel: VesselSpec) -> tuple[float, float, int]:
    """One unit of ``unit`` across a one-vessel line p-q (crossing 10 h, loading 1 h,
    unloading 2 h, shunting 4 h at p and 6 h at q): its delivery, friction hours and the trucks
    its voyage records."""
    legs = {"p-q": LegSpec("p-q", "ferry", 10.0)}
    ferries = pq_ferry(
        capacity_slots=vessel.capacity_slots,
        policy="when_full",
        load_h=1.0,
        unload_h=2.0,
        fleet=(vessel,),
        call_frictions={"p": (fixed("shunt-p", 4.0),), "q": (fixed("shunt-q", 6.0),)},
    )
    spec = model(
        (flow(0.5, unit, arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs=legs,
        ferries=ferries,
        horizon_h=2.5,
    )
    rec = World(spec).run()
    arr = rec.units
    loaded = [v for v in rec.voyages if v[-2] > 0]
    assert len(loaded) == 1
    return float(arr["delivery_h"][0]), float(arr["friction_h"][0]), int(loaded[0][-1])


def test_shunting_holds_only_calls_that_move_railcars() -> None:
    """The same line and delays: a wagon on a rail ferry waits for shunting at both ends; a
    truck on a truck-only Ro-Pax, or on a Ro-Pax with rail decks, drives on and off with no
    shunting; the voyage records the trucks aboard."""
    assert _shunted("wagon", VesselSpec("rail ferry", 1.0)) == (2.0 + 1 + 4 + 10 + 2 + 6, 10.0, 0)
    deck = UNITS["truck"].ferry_slots  # one truck fills it
    assert _shunted("truck", VesselSpec("Ro-Pax", deck, ("truck",))) == (2.0 + 1 + 10 + 2, 0.0, 1)
    # a vessel with rail decks carrying only trucks moves no railcars either
    assert _shunted("truck", VesselSpec("Ro-Pax rail", deck)) == (2.0 + 1 + 10 + 2, 0.0, 1)


# -- named vessels ------------------------------------------------------------------------------
def _line(fleet: tuple[VesselSpec, ...], unit: str, per_hour: float = 0.5, horizon: float = 50.0):
    legs = {"p-q": LegSpec("p-q", "ferry", 10.0)}
    ferries = pq_ferry(capacity_slots=2.0, policy="when_full", vessels=len(fleet), fleet=fleet)
    return model(
        (flow(per_hour, unit, arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs=legs,
        ferries=ferries,
        horizon_h=horizon,
    )


def test_a_vessel_carries_only_its_cargo() -> None:
    """A truck-only vessel starts at p, an all-cargo one at q: wagons joining at p wait for the
    all-cargo vessel (it sails over when p needs it) and never board the truck-only one."""
    fleet = (VesselSpec("trucks only", 2.0, ("truck",)), VesselSpec("any", 2.0))
    rec = World(_line(fleet, "wagon")).run()
    arr = rec.units
    done = ~np.isnan(arr["delivery_h"])
    assert done.any()
    # every landed wagon sailed with the second vessel: it left q empty at once (needed at p)
    # at 0, reached p at 10 and takes two wagons a sailing (deck 2 slots)
    assert arr["delivery_h"][done].min() >= 10.0 + 10.0
    same = World(_line((VesselSpec("any", 2.0), VesselSpec("any 2", 2.0)), "wagon")).run()
    assert np.nanmin(same.units["delivery_h"]) < arr["delivery_h"][done].min()


def test_a_vessel_deck_sets_its_load() -> None:
    """Two alike lines but for the deck of their one vessel: a 3-slot deck carries three wagons
    a sailing, a 1-slot deck one."""
    for deck in (1.0, 3.0):
        rec = World(_line((VesselSpec("v", deck),), "wagon", per_hour=1.0, horizon=200.0)).run()
        line = next(f for f in rec.facilities if f.kind == "ferry")
        assert line.max_load == deck


def test_outages_take_a_vessel_out_of_service() -> None:
    """A vessel that goes out for 24 h about every 100 h spends hours out; without outages it
    spends none, and its cargo arrives no later."""
    out = (OutageSpec(8760.0 / 100.0, fixed("breakdown", 24.0)),)
    base = _line((VesselSpec("v", 2.0),), "wagon", horizon=2000.0)
    broken = _line((VesselSpec("v", 2.0, (), out),), "wagon", horizon=2000.0)
    a, b = World(base).run(), World(broken).run()
    hours = {
        name: next(f for f in r.facilities if f.kind == "ferry").vessel_hours_out
        for name, r in (("base", a), ("broken", b))
    }
    assert hours["base"] == 0.0 and hours["broken"] > 24.0
    assert np.nanmean(b.units["delivery_h"] - b.units["release_h"]) > np.nanmean(
        a.units["delivery_h"] - a.units["release_h"]
    )


# -- compiled from the operations tables ---------------------------------------------------
def _scenario(**ops: object) -> sim.Scenario:
    return sim.Scenario(
        name="ops",
        year=2025,
        network=OPS,
        demand=[
            sim.Flow(
                origin="Alpha",
                destination="Foxtrot",
                per_week=20,
                route=sim.RouteChoice(by="co2"),  # over the ferry b-c
            )
        ],
        operations=Operations(**ops),  # type: ignore[arg-type]
        run=sim.RunSettings(horizon_days=60, warmup_days=5, replications=1),
    )


def test_operations_compile_into_the_model() -> None:
    spec = compile_scenario(_scenario())
    background = [f for f in spec.flows if f.background]
    assert {(f.origin, f.destination) for f in background} == {
        ("b_port", "d_border"),
        ("d_border", "b_port"),
        ("b_port", "c_port"),
        ("c_port", "b_port"),
    }
    tank = next(f for f in background if f.origin == "b_port" and f.destination == "d_border")
    assert tank.per_hour * 8760 == pytest.approx(1000 * 0.8) and tank.batch == 57
    assert {(c.target, c.months) for c in spec.closures} == {("b_port", (12,)), ("c_port", (1,))}
    ferry = spec.ferries["b-c"]
    assert ferry.load_factor == 0.75
    assert [v.name for v in ferry.fleet] == ["Railer One", "Paxer", "(unnamed spare)"]
    assert ferry.vessels == 3
    assert spec.nodes["b_port"].frictions[0].name == "docs-b"
    assert spec.nodes["e_gauge"].frictions[0].name == "loco-e"


def test_each_operation_switches_off() -> None:
    spec = compile_scenario(
        _scenario(
            background=False,
            weather=False,
            load_limits=False,
            fleet=False,
            vessel_availability=False,
            frictions=False,
        )
    )
    assert not any(f.background for f in spec.flows)
    assert spec.closures == ()
    ferry = spec.ferries["b-c"]
    assert ferry.load_factor == 1.0 and ferry.fleet == ()
    assert all(n.frictions == () for n in spec.nodes.values())
    assert spec.origin_frictions == {}


def test_a_lines_own_settings_win_over_the_data() -> None:
    s = _scenario()
    s = s.model_copy(
        update={
            "overrides": s.overrides.model_copy(
                update={"ferries": {"b-c": sim.FerryService(vessels=2, load_factor=0.5)}}
            )
        }
    )
    ferry = compile_scenario(s).ferries["b-c"]
    assert (ferry.vessels, ferry.fleet, ferry.load_factor) == (2, (), 0.5)


def test_border_regime_sets_the_borders_handling() -> None:
    def handling(regime: str | None) -> tuple[float, float]:
        row = sim.scenario_network(_scenario(border_regime=regime)).nodes.loc["d_border"]
        return row["handling_mean_h"], row["handling_cv"]

    assert handling("conventional") == (6.0, 0.8)
    assert handling("seamless") == (1.0, 0.5)
    assert handling(None) != handling("seamless")
    with pytest.raises(CompileError, match=r"no regime 'digital'.*'conventional', 'seamless'"):
        compile_scenario(_scenario(border_regime="digital"))


def test_background_is_run_but_kept_apart() -> None:
    res = sim.run(_scenario())
    assert not res.shipments["flow"].astype(str).str.startswith("background").any()
    assert len(res.background) > 0
    assert res.background["flow"].astype(str).str.startswith("background").all()


def test_frictions_are_named_in_the_data_never_a_bare_constant() -> None:
    """Every friction the shipped baseline adds comes from a row of frictions.csv with a source."""
    import network

    net = network.load_network()
    spec = compile_scenario(sim.load_scenario(ROOT / "scenarios" / "baseline_2025.toml"))
    names = {f.name for n in spec.nodes.values() for f in n.frictions}
    names |= {f.name for fs in spec.origin_frictions.values() for f in fs}
    names |= {
        f.name for fe in spec.ferries.values() for fs in fe.call_frictions.values() for f in fs
    }
    assert names and names <= set(net.frictions.index)
    assert all(net.frictions.loc[n, "friction_source"] in net.sources.index for n in names)


def test_cargo_here_goes_first_a_vessel_for_other_cargo_gives_way() -> None:
    """A truck-only vessel holds p's berth while a few trucks wait at q (fewer than the vessel
    there lifts, so none is sent) and wagons wait at p: it gives way to the all-cargo vessel
    queued behind it, which takes the wagons when its deck is full, rather than holding the
    berth until trucks at q need it."""
    from sim.engine.model import FlowSpec, Plan

    legs = {"p-q": LegSpec("p-q", "ferry", 10.0)}
    fleet = (
        VesselSpec("trucks only", 2.0, ("truck",)),
        VesselSpec("any at q", 5.0),  # four trucks (0.5-2 h) never fill it: it stays at q
        VesselSpec("any at p", 2.0),
    )
    ferries = pq_ferry(capacity_slots=2.0, policy="when_full", vessels=3, fleet=fleet)
    east = Plan(0, "p→q", (Segment("ferry", ("p", "q"), ("p-q",)),), free_flow_h=10.0)
    west = Plan(1, "q→p", (Segment("ferry", ("q", "p"), ("p-q",)),), free_flow_h=10.0)
    wagons = FlowSpec(0, "wagons", "p", "q", "AA", "wagon", 1.0, (0,), arrival="scheduled")
    trucks = FlowSpec(1, "trucks", "q", "p", "AA", "truck", 2.0, (1,), arrival="scheduled")
    spec = model((wagons, trucks), (east, west), legs=legs, ferries=ferries, horizon_h=2.5)
    arr = World(spec).run().units
    wagon_done = arr["delivery_h"][arr["flow"] == 0]
    # two wagons (1 h and 2 h) fill the all-cargo vessel's deck at 2 h; 10 h across
    assert list(wagon_done) == [12.0, 12.0]


def test_added_vessels_join_the_named_fleet() -> None:
    """Vessels a scenario adds to a line serve it beside the named ones, alike to a row of
    vessels.csv (what it carries, outages, berths) with their own deck; the spare still goes by
    the operator's rule after them."""
    s = _scenario()
    added = sim.VesselAddition(like="pax-1", count=2, railcars=60)
    s = s.model_copy(
        update={
            "overrides": s.overrides.model_copy(
                update={"ferries": {"b-c": sim.FerryService(add_vessels={"new pax": added})}}
            )
        }
    )
    ferry = compile_scenario(s).ferries["b-c"]
    names = [v.name for v in ferry.fleet]
    assert names == ["Railer One", "Paxer", "new pax 1", "new pax 2", "(unnamed spare)"]
    paxer, new = ferry.fleet[1], ferry.fleet[2]
    assert new.capacity_slots == 60.0 and paxer.capacity_slots == 50.0
    assert (new.carries, new.outages, new.berth_types) == (
        paxer.carries,
        paxer.outages,
        paxer.berth_types,
    )
    assert ferry.vessels == 5
    assert ferry.capacity_slots == pytest.approx((30 + 50 + 60 + 60 + 30) / 5)
