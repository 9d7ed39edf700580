"""Benchmark of the engine against a bare SimPy program doing the same work.

The synthetic *chain*: trucks arrive as a Poisson process and pass ``L`` legs; each leg is a
facility with ``c`` servers and exponential service (mean 1 h) followed by uniform travel of
1-3 h. With utilisation 0.7 at every facility this is a Jackson network, so the exact mean
transit is ``L * (Wq + 1 + 2)`` with ``Wq`` the Erlang-C mean wait.

How the chain is expressed as a :class:`~sim.engine.model.ModelSpec`: the engine serves a facility
at the *intermediate* nodes of a segment (a segment's end is served only on hand-off to another
segment). So one road segment has nodes ``n0, n1, ..., nL, z``: a first zero-length leg ``n0-n1``
and then, for ``i = 1..L``, the facility at ``n_i`` and the travel leg to the next node. The
zero-length leg costs the engine one more pass of its hop loop per truck (no event: a leg of zero
hours takes none) that the bare program does not do; it is counted against the engine. Uniform
travel is a leg of mean 2 h with ``delay_cv=0.5`` and ``delay_dist="uniform"``: 1 h plus a delay
uniform on 0-2 h.

Three bare programs are timed: the usual SimPy idiom, drawing each number from :mod:`random`
when needed (``ratio``); a *tuned* bare loop (:func:`bare_tuned`: methods bound to locals, numbers
drawn straight from :mod:`random`, no per-truck bookkeeping beyond its transit), the fastest
plain SimPy program for the chain we know of (``vs tuned``, the reference the engine is held
to); and the first program drawing from numpy blocks through a C-level iterator as the engine
does (``vs blocks``), which isolates the cost of the engine's own bookkeeping from how random
numbers are drawn.

:func:`corridor_bench` times :meth:`World.run <sim.engine.world.World.run>` on shipped
scenarios: units released, SimPy events per unit and microseconds per unit.

Run it with ``corridor bench`` (or ``python -m sim.cli.bench``; ``--corridor`` for the
scenarios).

Examples
--------
>>> r = bench_once(500, legs=2, servers=3)
>>> r.engine_s > 0 and r.bare_s > 0
True
>>> round(exact_mean_transit(legs=8, servers=3), 4)
28.3764
"""

from __future__ import annotations

import gc
import itertools
import math
import random
import resource
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from sim.engine.model import FlowSpec, LegSpec, ModelSpec, NodeSpec, Plan, Segment, UnitSpec
from sim.engine.world import World

__all__ = [
    "BenchResult",
    "bare_simpy",
    "bare_tuned",
    "bench_once",
    "chain_spec",
    "corridor_bench",
    "erlang_c_wait",
    "exact_mean_transit",
    "full_size",
]

SERVICE_MEAN_H = 1.0
TRAVEL_LOW_H, TRAVEL_HIGH_H = 1.0, 3.0
UTILISATION = 0.7


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C).

    >>> erlang_c_wait(0.5, 1.0, 1)  # M/M/1: rho / (mu - lam)
    1.0
    """
    a = lam / mu
    if a >= c:
        raise ValueError(f"offered load (={a}) must be < servers (={c})")
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - a / c)
    return tail / (head + tail) / (c * mu - lam)


def arrival_rate(servers: int) -> float:
    """Trucks per hour that load each facility to :data:`UTILISATION`."""
    return UTILISATION * servers / SERVICE_MEAN_H


def exact_mean_transit(legs: int, servers: int) -> float:
    """``L * (Wq + service + travel)`` of the chain, in hours."""
    lam = arrival_rate(servers)
    wq = erlang_c_wait(lam, 1 / SERVICE_MEAN_H, servers)
    return legs * (wq + SERVICE_MEAN_H + (TRAVEL_LOW_H + TRAVEL_HIGH_H) / 2)


def chain_spec(shipments: int, legs: int = 8, servers: int = 3, seed: int = 1) -> ModelSpec:
    """The chain as an engine model: ``shipments`` trucks expected over the horizon.

    >>> spec = chain_spec(100, legs=2)
    >>> spec.plans[0].segments[0].nodes
    ('n0', 'n1', 'n2', 'z')
    """
    lam = arrival_rate(servers)
    nodes = [f"n{i}" for i in range(legs + 1)] + ["z"]
    leg_ids = [f"{a}-{b}" for a, b in itertools.pairwise(nodes)]
    leg_specs = {leg_ids[0]: LegSpec(leg_ids[0], "road", 0.0)}
    for leg_id in leg_ids[1:]:
        # mean 2 h = 1 h + a delay uniform on 0-2 h: uniform on 1-3 h
        leg_specs[leg_id] = LegSpec(
            leg_id, "road", 2 * TRAVEL_LOW_H, delay_cv=0.5, delay_dist="uniform"
        )
    facilities = {
        n: NodeSpec(n, "border", servers=servers, handling_mean_h=SERVICE_MEAN_H, handling_cv=1.0)
        for n in nodes[1:-1]
    }
    seg = Segment("road", tuple(nodes), tuple(leg_ids))
    plan = Plan(0, "chain", (seg,), free_flow_h=legs * TRAVEL_LOW_H, legs=tuple(leg_ids))
    flow = FlowSpec(0, "chain", "n0", "z", "AA", "truck", per_hour=lam, plans=(0,))
    return ModelSpec(
        name="chain",
        flows=(flow,),
        plans=(plan,),
        nodes=facilities,
        legs=leg_specs,
        ferries={},
        units={"truck": UnitSpec(0.0, 1.0, 20.0, 2.0)},
        horizon_h=shipments / lam,
        warmup_h=0.0,
        drain_h=1e6,  # every truck arrives
        queue_sample_h=0.0,
        seed=seed,
    )


def bare_simpy(
    shipments: int, legs: int = 8, servers: int = 3, seed: int = 1, draws: str = "random"
) -> list[float]:
    """The same chain as a plain SimPy program; returns each truck's transit time (h).

    ``draws="random"`` takes each random number from :mod:`random` as it is needed (how a
    SimPy program is usually written); ``draws="blocks"`` takes them from numpy blocks of 1024
    through a C-level iterator, as the engine does, so the comparison isolates the engine's
    own bookkeeping.

    >>> len(bare_simpy(50, legs=2)) > 0, len(bare_simpy(50, legs=2, draws="blocks")) > 0
    (True, True)
    """
    lam = arrival_rate(servers)
    if draws == "random":
        rnd = random.Random(seed)
        service = partial(rnd.expovariate, 1 / SERVICE_MEAN_H)
        travel = partial(rnd.uniform, TRAVEL_LOW_H, TRAVEL_HIGH_H)
        gap = partial(rnd.expovariate, lam)
    elif draws == "blocks":
        rng = np.random.default_rng(seed)

        def blocks(draw: Any, *args: float) -> Any:
            return itertools.chain.from_iterable(
                iter(lambda: draw(*args, size=1024).data, None)
            ).__next__

        service = blocks(rng.exponential, SERVICE_MEAN_H)
        travel = blocks(rng.uniform, TRAVEL_LOW_H, TRAVEL_HIGH_H)
        gap = blocks(rng.exponential, 1 / lam)
    else:
        raise ValueError(f"draws must be 'random' or 'blocks', got {draws!r}")
    horizon = shipments / lam
    env = simpy.Environment()
    stations = [simpy.Resource(env, capacity=servers) for _ in range(legs)]
    transits: list[float] = []

    def truck() -> Any:
        t0 = env.now
        for station in stations:
            with station.request() as req:
                yield req
                yield env.timeout(service())
            yield env.timeout(travel())
        transits.append(env.now - t0)

    def source() -> Any:
        while True:
            yield env.timeout(gap())
            if env.now >= horizon:
                return
            env.process(truck())

    env.process(source())
    env.run()
    return transits


def bare_tuned(shipments: int, legs: int = 8, servers: int = 3, seed: int = 1) -> list[float]:
    """The chain as a tuned plain SimPy loop; returns each truck's transit time (h).

    The same model as :func:`bare_simpy`, written for speed: the environment's and the
    stations' methods are bound to locals once, each number is drawn from a
    :class:`random.Random` method bound to a local, and the clock is read once per truck.

    >>> t = bare_tuned(200, legs=2)
    >>> len(t) > 100 and min(t) >= 2 * TRAVEL_LOW_H
    True
    """
    lam = arrival_rate(servers)
    rnd = random.Random(seed)
    expo, unif = rnd.expovariate, rnd.uniform
    mu, low, high = 1 / SERVICE_MEAN_H, TRAVEL_LOW_H, TRAVEL_HIGH_H
    horizon = shipments / lam
    env = simpy.Environment()
    timeout, process = env.timeout, env.process
    requests = [simpy.Resource(env, capacity=servers).request for _ in range(legs)]
    transits: list[float] = []
    done = transits.append

    def truck(t0: float) -> Any:
        for request in requests:
            with request() as req:
                yield req
                yield timeout(expo(mu))
            yield timeout(unif(low, high))
        done(env.now - t0)

    def source() -> Any:
        while True:
            yield timeout(expo(lam))
            now = env.now
            if now >= horizon:
                return
            process(truck(now))

    process(source())
    env.run()
    return transits


@dataclass(frozen=True)
class BenchResult:
    """One measurement at one size: medians of the repetitions."""

    shipments: int
    legs: int
    servers: int
    engine_s: float
    bare_s: float
    engine_trucks: int
    engine_mean_transit_h: float
    bare_mean_transit_h: float
    exact_mean_transit_h: float

    #: median over repetitions of engine time / bare time, each pair run back to back
    ratio: float
    #: the smallest and largest of those ratios (how noisy the machine was)
    ratio_range: tuple[float, float] = (math.nan, math.nan)
    #: median engine time / time of the bare program with block-drawn numbers (``draws="blocks"``)
    ratio_blocks: float = math.nan
    #: median CPU time of the tuned bare loop (:func:`bare_tuned`)
    tuned_s: float = math.nan
    #: median over repetitions of engine time / tuned loop time, each pair back to back
    ratio_tuned: float = math.nan
    #: the smallest and largest of those ratios
    ratio_tuned_range: tuple[float, float] = (math.nan, math.nan)

    @property
    def us_per_leg(self) -> float:
        """Engine microseconds per truck-leg (facility + travel)."""
        return self.engine_s / max(self.engine_trucks * self.legs, 1) * 1e6

    @property
    def bare_us_per_leg(self) -> float:
        return self.bare_s / max(self.engine_trucks * self.legs, 1) * 1e6


def _engine(spec: ModelSpec) -> tuple[float, int, float]:
    gc.collect()
    t0 = time.process_time()
    record = World(spec, trace=False).run()
    elapsed = time.process_time() - t0
    arr = record.units
    transit = arr["delivery_h"] - arr["release_h"]
    return elapsed, len(transit), float(np.nanmean(transit))


def _bare(
    shipments: int, legs: int, servers: int, seed: int, draws: str = "random"
) -> tuple[float, float]:
    gc.collect()
    t0 = time.process_time()
    if draws == "tuned":
        transits = bare_tuned(shipments, legs, servers, seed)
    else:
        transits = bare_simpy(shipments, legs, servers, seed, draws)
    elapsed = time.process_time() - t0
    return elapsed, statistics.fmean(transits)


def bench_once(
    shipments: int, legs: int = 8, servers: int = 3, repeat: int = 1, seed: int = 1
) -> BenchResult:
    """Time the engine and the three bare programs in turn ``repeat`` times (CPU time); report
    the medians.

    All first run once untimed on a small chain, so none pays the first call's costs
    (imports done lazily, caches, memory pools) inside the measurement.
    """
    spec = chain_spec(shipments, legs, servers, seed)
    _engine(chain_spec(200, legs, servers, seed))
    _bare(200, legs, servers, seed)
    _bare(200, legs, servers, seed, "blocks")
    _bare(200, legs, servers, seed, "tuned")
    eng, bare, blocks, tuned = [], [], [], []
    n, m_eng, m_bare = 0, 0.0, 0.0
    for _ in range(repeat):
        e, n, m_eng = _engine(spec)
        b, m_bare = _bare(shipments, legs, servers, seed)
        eng.append(e)
        bare.append(b)
        blocks.append(_bare(shipments, legs, servers, seed, "blocks")[0])
        tuned.append(_bare(shipments, legs, servers, seed, "tuned")[0])
    vs_tuned = [e / t for e, t in zip(eng, tuned, strict=True)]
    return BenchResult(
        shipments,
        legs,
        servers,
        statistics.median(eng),
        statistics.median(bare),
        n,
        m_eng,
        m_bare,
        exact_mean_transit(legs, servers),
        statistics.median(ratios := [e / b for e, b in zip(eng, bare, strict=True)]),
        (min(ratios), max(ratios)),
        statistics.median(e / b for e, b in zip(eng, blocks, strict=True)),
        statistics.median(tuned),
        statistics.median(vs_tuned),
        (min(vs_tuned), max(vs_tuned)),
    )


def corridor_bench(
    scenarios: list[Path], repeat: int = 3, replication: int = 0
) -> list[dict[str, Any]]:
    """Time :meth:`World.run <sim.engine.world.World.run>` (CPU time, compile excluded) of each
    scenario file ``repeat`` times; per scenario its units, SimPy events (heap events; the
    releases run from the clock's calendar are not events), events per unit, the median and
    range of the run time and microseconds per unit.

    >>> row = corridor_bench([Path("scenarios/baseline_2025.toml")], repeat=1)[0]
    >>> row["scenario"], row["units"] > 50_000, 0 < row["events_per_unit"] < 10
    ('baseline_2025', True, True)
    """
    from sim.inputs.compile import compile_scenario
    from sim.inputs.scenario_io import load_scenario

    rows = []
    for path in scenarios:
        spec = compile_scenario(load_scenario(path), Path(path).resolve().parent)
        times = []
        units = events = 0
        for _ in range(repeat):
            gc.collect()
            t0 = time.process_time()
            world = World(spec, replication, trace=False)
            world.run()
            times.append(time.process_time() - t0)
            units, events = int(world.units.n), world.env.scheduled()
        median = statistics.median(times)
        rows.append(
            {
                "scenario": Path(path).stem,
                "units": units,
                "events": events,
                "events_per_unit": events / max(units, 1),
                "run_s": median,
                "run_range_s": (min(times), max(times)),
                "us_per_unit": median / max(units, 1) * 1e6,
            }
        )
    return rows


def full_size(
    scenario: str | Path = "scenarios/baseline_2025.toml", scale: float = 3.0, replication: int = 0
) -> dict[str, Any]:
    """One replication of a shipped scenario with every flow's demand multiplied by ``scale``.

    Returns wall time (compile excluded), units released, units through Alat, peak Python heap
    (tracemalloc, a second run) and the process's peak RSS.
    """
    from sim.analysis.metrics import shipments_frame
    from sim.inputs.compile import compile_scenario
    from sim.inputs.scenario_io import load_scenario

    base = load_scenario(scenario, check_network=False)
    demand = [f.model_copy(update={"per_week": f.per_week * scale}) for f in base.demand]
    scaled = base.model_copy(update={"demand": demand, "name": f"{base.name}-x{scale:g}"})
    spec = compile_scenario(scaled, Path(scenario).resolve().parent)
    gc.collect()
    t0 = time.process_time()
    record = World(spec, replication, trace=False).run()
    run_s = time.process_time() - t0
    ships = shipments_frame(record)
    total_s = time.process_time() - t0
    alat = sum(1 for p in spec.plans if "alat" in p.nodes)
    through = np.isin(ships["route"], [p.label for p in spec.plans if "alat" in p.nodes])
    del record, ships
    gc.collect()
    tracemalloc.start()
    world = World(spec, replication, trace=False)
    world.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "scenario": scaled.name,
        "run_s": run_s,
        "run_and_tables_s": total_s,
        "units": int(world.units.n),
        "units_via_alat": int(through.sum()),
        "plans_via_alat": alat,
        "peak_heap_mb": peak / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "events_logged": len(world.recorder.events),
    }


# -- command line -------------------------------------------------------------------------------
