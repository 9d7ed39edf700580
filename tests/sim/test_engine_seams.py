"""The engine's seams: one facility protocol, one serve path, a units table, a plain run record."""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.metrics import facilities_frame, shipments_frame
from sim.engine.facility import Accepting, Facility
from sim.engine.ferry import FerryLine
from sim.engine.formation import Formation
from sim.engine.linepath import LinePath
from sim.engine.model import LegSpec, NodeSpec, Segment, TrainSpec
from sim.engine.records import Cause
from sim.engine.run_record import FacilityStats, RunRecord
from sim.engine.servers import NodeFacility
from sim.engine.units import UnitTable
from sim.engine.world import World

from .specs import flow, model, plan, pq_ferry

SIM = Path(__file__).resolve().parents[2] / "sim" / "engine"
#: the engine's modules below the world that wires them
ENGINE_PARTS = (
    "units",
    "kernel",
    "gates",
    "monitor",
    "hops",
    "facility",
    "servers",
    "formation",
    "ferry",
    "linepath",
    "routechoice",
    "processes",
    "run_record",
)


def _imports(module: str) -> set[str]:
    tree = ast.parse((SIM / f"{module}.py").read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("module", ENGINE_PARTS)
def test_no_engine_part_reaches_back_into_the_world(module: str) -> None:
    found = _imports(module)
    assert found, module  # the walk sees imports at all
    assert not {"sim.engine.world", "sim.runs.runner", "sim.analysis.metrics"} & found, (
        module,
        sorted(found),
    )


def _corridor() -> World:
    """Wagons a -> border b (by rail, a line with a headway) -> ferry p-q -> port q -> road z;
    trucks a -> b by road only; a dedicated lane at q for country AA."""
    rail = Segment("rail", ("a", "b", "p"), ("a-b", "b-p"))
    ferry = Segment("ferry", ("p", "q"), ("p-q",))
    road = Segment("road", ("q", "z"), ("q-z",))
    through = plan(rail, ferry, road)
    spec = model(
        (flow(0.5, "wagon"),),
        (through,),
        nodes={
            "b": NodeSpec("b", "border", servers=2, handling_mean_h=1.0),
            "q": NodeSpec("q", "port", servers=1, handling_mean_h=2.0, dedicated_for=("AA",)),
        },
        legs={
            "a-b": LegSpec("a-b", "rail", 3.0, headway_h=1.0),
            "b-p": LegSpec("b-p", "rail", 2.0),
            "p-q": LegSpec("p-q", "ferry", 10.0),
            "q-z": LegSpec("q-z", "road", 1.0),
        },
        ferries=pq_ferry(vessels=2, capacity_slots=20, policy="max_wait", max_wait_h=12.0),
        trains=TrainSpec(size_slots=10, policy="max_wait", max_wait_h=6.0),
        horizon_h=400.0,
        warmup_h=50.0,
    )
    return World(spec, trace=True)


def test_every_facility_keeps_the_protocol_and_reports_one_record_per_row() -> None:
    world = _corridor()
    record = world.run()
    facilities = world.facilities()
    kinds = {type(f) for f in facilities}
    assert kinds == {NodeFacility, Formation, LinePath, FerryLine}
    assert all(isinstance(f, Facility) for f in facilities)
    takers = [f for f in facilities if not isinstance(f, FerryLine)]
    takers += [end for line in world.ferry_lines.values() for end in line.ends.values()]
    assert all(isinstance(f, Accepting) for f in takers)
    assert not isinstance(world.ferry_lines["p-q"], Accepting)  # its quays take the cargo
    assert all(isinstance(s, FacilityStats) for s in record.facilities)
    frame = facilities_frame(record)
    assert frame["facility"].tolist() == [s.name for s in record.facilities]
    # ports made with the world, borders per direction as cargo first comes
    assert frame["kind"].tolist() == [
        "port",
        "border",
        "port",
        "formation",
        "line",
        "ferry",
        "ferry_queue",
        "ferry_queue",
    ]
    assert frame["facility"].tolist()[2] == "q:dedicated"
    customers = frame.set_index("facility")["customers"]
    # all cargo is from AA: q's dedicated lane serves it, and none sails back from q
    idle = {"q", "p-q@q"}
    assert (customers[list(idle)] == 0).all()
    assert (customers.drop(list(idle)) > 0).all(), customers


def test_the_run_record_is_plain_data_that_the_tables_read_alone() -> None:
    world = _corridor()
    record = world.run()
    assert isinstance(record, RunRecord)
    assert all(isinstance(a, np.ndarray) for a in record.units.values())
    n = world.units.n
    assert n > 50 and all(len(a) == n for a in record.units.values())
    # the record is a copy: the engine's objects can go
    before = shipments_frame(record)
    world.units.running_h[:n] = -1.0
    del world
    assert shipments_frame(record).equals(before)
    # what is left at the end is read from the record's holdings
    stuck = dataclasses.replace(
        record,
        units={**record.units, "delivery_h": np.full(n, np.nan), "legs_done": np.zeros(n, int)},
        facilities=tuple(
            dataclasses.replace(s, holding=(0,)) if s.kind == "ferry_queue" else s
            for s in record.facilities
        ),
    )
    locations = shipments_frame(stuck)["location"]
    assert locations[0].startswith("ferry queue p-q at ")
    assert locations[1:].str.startswith(("train formation at a", "on ")).all()


def _border_passed(at_segment_change: bool) -> World:
    """One truck through border b: inside one road segment, or between two road segments."""
    if at_segment_change:
        route = plan(Segment("road", ("a", "b"), ("a-b",)), Segment("road", ("b", "z"), ("b-z",)))
    else:
        route = plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z")))
    spec = model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (route,),
        nodes={"b": NodeSpec("b", "border", servers=1, handling_mean_h=3.0, handling_cv=0.5)},
        legs={"a-b": LegSpec("a-b", "road", 2.0), "b-z": LegSpec("b-z", "road", 1.0)},
        horizon_h=200.0,
        warmup_h=20.0,
        seed=5,
    )
    return World(spec, trace=True)


def test_a_node_visit_is_served_as_a_hop_inside_a_segment_is() -> None:
    """The one serve path: a border met between two segments gives the same queue, service,
    times and statistics as the same border met inside one segment."""
    inside, between = _border_passed(False), _border_passed(True)
    a, b = inside.run(), between.run()
    for col in ("border_h", "running_h", "delivery_h", "legs_done"):
        assert np.array_equal(a.units[col], b.units[col], equal_nan=True), col
    assert a.units["border_h"].sum() > 19 * 3.0 * 0.5  # the border was really met
    (sa,), (sb,) = a.facilities, b.facilities
    assert dataclasses.astuple(sa) == dataclasses.astuple(sb)

    def at_b(record: RunRecord) -> list[tuple[float, str, int]]:
        ev = record.events
        assert ev is not None
        rows = ev[ev["place"] == "b from a"]
        return list(zip(rows["time_h"], rows["kind"], rows["unit"], strict=True))

    assert at_b(a) == at_b(b) and len(at_b(a)) == 3 * 19  # trucks at 10, 20, ..., 190 h


def test_the_units_table_grows_and_adds_each_units_times_in_order() -> None:
    table = UnitTable(capacity=2)
    ids = [table.add(0, 0, float(t), 3, 1.0, 0.5) for t in range(4)]
    assert ids[-1] == [9, 10, 11] and table.n == 12
    table.wait(ids[0], Cause.PORT, 0.1)
    table.wait(ids[0][:1], Cause.PORT, 0.2)
    table.wait_each(ids[1], Cause.FERRY, [1.0, 2.0, 3.0])
    table.wait(ids[2], Cause.BORDER, 0.0)  # nothing: no time
    table.ran(ids[3], 5.0, legs=2)
    table.deliver(ids[3][1:], 9.0)
    arr = table.arrays()
    assert arr["release_h"].tolist() == [0.0] * 3 + [1.0] * 3 + [2.0] * 3 + [3.0] * 3
    assert arr["port_h"][:3].tolist() == [0.1 + 0.2, 0.1, 0.1]
    assert arr["ferry_h"][3:6].tolist() == [1.0, 2.0, 3.0]
    assert arr["legs_done"].tolist() == [0] * 9 + [2] * 3
    assert math.isnan(arr["delivery_h"][9]) and arr["delivery_h"][10:].tolist() == [9.0, 9.0]
    assert arr["train_slots"].sum() == 12.0 and arr["ferry_slots"].sum() == 6.0
    assert not np.shares_memory(arr["port_h"], table.dwell)  # a copy
