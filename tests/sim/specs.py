"""Small hand-built models for engine tests (no network data involved)."""

from __future__ import annotations

from sim.engine.model import (
    FerrySpec,
    FlowSpec,
    LegSpec,
    ModelSpec,
    NodeSpec,
    Plan,
    Segment,
    TrainSpec,
    UnitSpec,
)
from sim.inputs.scenario import Scenario

UNITS = {
    "teu": UnitSpec(train_slots=0.5, ferry_slots=0.5, payload_t=10.0, teu_equivalent=1.0),
    "wagon": UnitSpec(train_slots=1.0, ferry_slots=1.0, payload_t=20.0, teu_equivalent=2.0),
    "truck": UnitSpec(train_slots=0.0, ferry_slots=1.0, payload_t=20.0, teu_equivalent=2.0),
}


def flow(
    per_hour: float,
    unit: str = "truck",
    *,
    arrival: str = "poisson",
    batch: int = 1,
    plans: tuple[int, ...] = (0,),
    label: str = "f",
    **kw: object,
) -> FlowSpec:
    return FlowSpec(
        0,
        label,
        "a",
        "z",
        "AA",
        unit,
        per_hour=per_hour,
        plans=plans,
        arrival=arrival,
        batch=batch,
        **kw,
    )  # type: ignore[arg-type]


def pq_ferry(**kw: object) -> dict[str, FerrySpec]:
    """``{"p-q": FerrySpec}``: one vessel between p and q, no loading or unloading time, unless
    ``kw`` (any FerrySpec field; ``policy`` and capacity at least) says otherwise."""
    fields: dict[str, object] = {"vessels": 1, "load_h": 0.0, "unload_h": 0.0, **kw}
    return {"p-q": FerrySpec("p-q", ("p", "q"), **fields)}  # type: ignore[arg-type]


def plan(*segments: Segment, free_flow_h: float = 0.0) -> Plan:
    legs = tuple(leg for s in segments for leg in s.legs)
    return Plan(0, "a→z", tuple(segments), free_flow_h=free_flow_h, legs=legs)


def model(
    flows: tuple[FlowSpec, ...],
    plans: tuple[Plan, ...],
    *,
    nodes: dict[str, NodeSpec] | None = None,
    legs: dict[str, LegSpec],
    ferries: dict[str, FerrySpec] | None = None,
    trains: TrainSpec | None = None,
    horizon_h: float,
    warmup_h: float = 0.0,
    drain_h: float = 1000.0,
    seed: int = 1,
    **kw: object,
) -> ModelSpec:
    return ModelSpec(
        name="test",
        flows=flows,
        plans=plans,
        nodes=nodes or {},
        legs=legs,
        ferries=ferries or {},
        units=UNITS,
        trains=trains or TrainSpec(),
        horizon_h=horizon_h,
        warmup_h=warmup_h,
        drain_h=drain_h,
        queue_sample_h=0.0,
        seed=seed,
        **kw,
    )  # type: ignore[arg-type]


#: every switch of a scenario's [operations] off: the corridor as the network's capacities
#: alone make it (for tests of mechanisms that the operations would only blur)
OPERATIONS_OFF = {
    "background": False,
    "weather": False,
    "load_limits": False,
    "fleet": False,
    "vessel_availability": False,
    "frictions": False,
    "berths": False,
}


def without_operations(scenario: Scenario) -> Scenario:
    """``scenario`` with every operations switch off (see :data:`OPERATIONS_OFF`)."""
    ops = scenario.operations.model_copy(update=OPERATIONS_OFF)
    return scenario.model_copy(update={"operations": ops})
