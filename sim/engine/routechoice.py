"""Route choice at release: the best plan, a plan by shares, or the plan that looks quickest now.

A flow with several plans chooses one for each release (:meth:`RouteChooser.choose`):
``best`` takes the first, ``shares`` draws by the flow's shares, ``adaptive`` takes the plan of
least :meth:`RouteChooser.expected_time` (its static time plus the queues it would meet now).
With ``reroute_on_closure`` plans crossing a closed node or leg are left out while another is
open.

Examples
--------
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import FlowSpec, ModelSpec, Plan, Segment
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> import simpy
>>> plans = (Plan(0, "x", (Segment("road", ("a", "z"), ("a-z",)),), 5.0, expected_h=5.0),
...          Plan(1, "y", (Segment("road", ("a", "z"), ("a~z",)),), 3.0, expected_h=3.0))
>>> spec = ModelSpec("demo", (), plans, {}, {}, {}, {})
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 10.0)
>>> chooser = RouteChooser(spec, k.gates, {}, {})
>>> flow = FlowSpec(0, "f", "a", "z", "AA", "truck", 1.0, plans=(0, 1), choice="adaptive")
>>> chooser.choose(flow, 0.5)
1
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Protocol

from sim.engine.ferry import FerryEnd, FerryLine
from sim.engine.gates import Gate
from sim.engine.model import FlowSpec, ModelSpec, Plan
from sim.engine.servers import facility_key


class _Queueing(Protocol):
    def in_system(self) -> int: ...


#: what route choice looks at on a plan: the names of its gates, ``(facility key, mean handling
#: hours, servers)`` of its intermediate nodes, ``(ferry end, line capacity, cycle hours)`` of
#: its crossings
Probe = tuple[
    tuple[str, ...],
    tuple[tuple[str, float, int], ...],
    tuple[tuple[FerryEnd, float, float], ...],
]


class RouteChooser:
    """Chooses plans for releases; reads the gates, node facilities and ferry lines it is given
    (live mappings: facilities made later are seen)."""

    def __init__(
        self,
        spec: ModelSpec,
        gates: Mapping[str, Gate],
        node_facilities: Mapping[str, _Queueing],
        ferry_lines: Mapping[str, FerryLine],
    ) -> None:
        self.spec = spec
        self.gates = gates
        self.node_facilities = node_facilities
        self.ferry_lines = ferry_lines
        self._probes: dict[int, Probe] = {}
        #: per plan, the facilities of its probe found so far (None: not made yet)
        self._found: dict[int, list[_Queueing | None]] = {}

    def choose(self, flow: FlowSpec, draw: float) -> int:
        """The plan for one release of ``flow``; ``draw`` is uniform on [0, 1) (for shares)."""
        plans = flow.plans
        if flow.reroute_on_closure and len(plans) > 1:
            open_ = tuple(p for p in plans if not self.closed(self.spec.plans[p]))
            plans = open_ or plans
        if len(plans) == 1 or flow.choice == "best":
            return plans[0]
        if flow.choice == "shares":
            weights = [flow.shares[flow.plans.index(p)] for p in plans]
            total = sum(weights)
            acc = 0.0
            for p, w in zip(plans, weights, strict=True):
                acc += w / total
                if draw < acc:
                    return p
            return plans[-1]
        # the first plan of least expected time (as min() picks it), without a key function
        spec_plans, expected = self.spec.plans, self.expected_time
        best = plans[0]
        least = expected(spec_plans[best])
        for p in plans[1:]:
            t = expected(spec_plans[p])
            if t < least:
                best, least = p, t
        return best

    def closed(self, plan: Plan) -> bool:
        """Whether a node or leg of ``plan`` is closed now."""
        gates = self.gates
        return any((g := gates.get(name)) is not None and g.closed for name in self.probe(plan)[0])

    def probe(self, plan: Plan) -> Probe:
        """What route choice looks at on ``plan`` (see :data:`Probe`), resolved once."""
        probe = self._probes.get(plan.index)
        if probe is None:
            nodes = plan.nodes
            servers = []
            for prev, node in itertools.pairwise(nodes[:-1]):
                ns = self.spec.nodes.get(node)
                if ns is not None and ns.servers > 0:
                    key = facility_key(ns, node, prev)
                    servers.append((key, ns.handling_mean_h, ns.servers))
            ferries = []
            for seg in plan.segments:
                if seg.kind == "ferry":
                    line = self.ferry_lines[seg.legs[0]]
                    cycle = (
                        2
                        * (line.duration_h + line.spec.load_h + line.spec.unload_h)
                        / line.spec.vessels
                    )
                    ferries.append((line.ends[seg.nodes[0]], max(line.capacity, 1e-9), cycle))
            probe = ((*plan.legs, *nodes[1:-1]), tuple(servers), tuple(ferries))
            self._probes[plan.index] = probe
        return probe

    def expected_time(self, plan: Plan) -> float:
        """Static time of a plan plus the queues it would meet now (for adaptive choice)."""
        probe = self._probes.get(plan.index) or self.probe(plan)
        found = self._found.get(plan.index)
        if found is None:
            found = self._found[plan.index] = [None] * len(probe[1])
        facilities = self.node_facilities
        extra = 0.0
        for i, (key, mean_h, n_servers) in enumerate(probe[1]):
            fac = found[i]
            if fac is None:
                # one not made yet has had nobody queue there; once made, kept
                fac = found[i] = facilities.get(key)
                if fac is None:
                    continue
            waiting = fac.in_system() - n_servers + 1
            if waiting > 0:
                extra += waiting * mean_h / n_servers
        for end, capacity, cycle in probe[2]:
            extra += (end.slots / capacity) * cycle
        return plan.expected_h + extra


__all__ = ["Probe", "RouteChooser"]
