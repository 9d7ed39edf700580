"""A corpus of malformed inputs: each is refused cleanly, before anything runs or is written.

Every case writes its input files into an empty folder, runs ``corridor`` in-process
(``sim.cli.main(argv)``) from that folder and asserts: the exit code (non-zero: 1 for
``validate`` and ``network check``, 2 for the other commands and for any bad flag), no traceback,
a message naming the file and the key (or the flag), and nothing written (the folder holds
exactly the input files afterwards, unchanged).

Cases are plain data (:class:`Case`): more can be appended to :data:`CASES` (e.g. output
targets). Inputs are refused before any simulation, so the whole corpus runs in seconds.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.inputs.compile import compile_scenario
from sim.inputs.scenario_io import MAX_EXTENDS, MAX_FILE_BYTES, load_scenario

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))

#: a file's content: text (written as UTF-8), bytes, or a function that writes the file
Content = str | bytes | Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One malformed input: the files to write, the command, what the message must name."""

    id: str
    files: Mapping[str, Content]
    argv: tuple[str, ...]
    expect: tuple[str, ...]
    code: int = 2


def scenario(
    top: str = "", flow: str = "per_week = 5", tables: str = "", name: str = "case"
) -> str:
    """A scenario on the tiny test network with ``top`` keys, ``flow`` lines in its one flow
    (``per_week = 5`` unless given) and ``tables`` after it."""
    return (
        f'name = "{name}"\nnetwork = "{TINY.as_posix()}"\n{top}\n'
        f'[[demand]]\norigin = "Alpha"\ndestination = "Foxtrôt"\n{flow}\n{tables}\n'
    )


GOOD = scenario()


def sparse(size: int, head: bytes = b'name = "x"\n') -> Callable[[Path], None]:
    """A file of ``size`` bytes written in an instant (a sparse tail of zero bytes)."""

    def write(path: Path) -> None:
        with path.open("wb") as fh:
            fh.write(head)
            fh.truncate(size)

    return write


def tiny_with(**changes: Callable[[str], str | bytes] | None) -> dict[str, Content]:
    """The tiny network's files under ``net/``, each changed by a function of its text, or
    left out (``None``)."""
    files: dict[str, Content] = {}
    for path in sorted(TINY.glob("*.csv")):
        if path.stem in changes and changes[path.stem] is None:
            continue
        text = path.read_text(encoding="utf-8")
        change = changes.get(path.stem)
        files[f"net/{path.name}"] = change(text) if change else text
    return files


def _bad_byte_on_line_3(text: str) -> bytes:
    lines = text.encode("utf-8").split(b"\n")
    lines[2] = lines[2].replace(b"Bravo", b"Br\xffvo", 1)
    return b"\n".join(lines)


def _negative_distance(text: str) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("distance_km")] = "-3"
    lines[1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def on_net(flow: str = "per_week = 5") -> str:
    return (
        'name = "n"\nnetwork = "net"\n[[demand]]\norigin = "Alpha"\ndestination = "Foxtrôt"\n'
        f"{flow}\n"
    )


def chain(n: int) -> dict[str, Content]:
    """``s.toml`` extends ``c1.toml`` ... extends ``c{n-1}.toml`` (a whole scenario): n files."""
    files: dict[str, Content] = {f"c{i}.toml": f'extends = "c{i + 1}.toml"\n' for i in range(n - 1)}
    files[f"c{n - 1}.toml"] = GOOD
    files["s.toml"] = files.pop("c0.toml")
    return files


def sweep(body: str, scenario_ref: str = "s.toml") -> str:
    return f'name = "sw"\nscenario = "{scenario_ref}"\n{body}\n'


PARAM = '[[parameter]]\npath = "run.seed"\nvalues = [1, 2]\n'
VALUES_1000 = ", ".join(str(i) for i in range(1000))


# -- scenario values: (id, scenario text, key named, words of the rule) ------------------------
VALUES: list[tuple[str, str, str, str]] = [
    ("per_week_inf", scenario(flow="per_week = inf"), "demand[0].per_week", "finite"),
    ("per_week_nan", scenario(flow="per_week = nan"), "demand[0].per_week", "finite"),
    ("per_week_1e308", scenario(flow="per_week = 1e308"), "demand[0].per_week", "less than"),
    ("per_week_negative", scenario(flow="per_week = -1"), "demand[0].per_week", "greater than"),
    ("per_week_zero", scenario(flow="per_week = 0"), "demand[0].per_week", "greater than"),
    ("per_week_string", scenario(flow='per_week = "20"'), "demand[0].per_week", "number"),
    (
        "units_over_limit",
        scenario(flow="per_week = 900000", tables="[run]\nhorizon_days = 3650"),
        "demand[0].per_week",
        "limit of 2,000,000",
    ),
    ("horizon_inf", scenario(tables="[run]\nhorizon_days = inf"), "run.horizon_days", "finite"),
    ("horizon_huge", scenario(tables="[run]\nhorizon_days = 1e9"), "run.horizon_days", "3650"),
    ("horizon_zero", scenario(tables="[run]\nhorizon_days = 0"), "run.horizon_days", "greater"),
    (
        "horizon_negative",
        scenario(tables="[run]\nhorizon_days = -5"),
        "run.horizon_days",
        "greater",
    ),
    ("warmup_nan", scenario(tables="[run]\nwarmup_days = nan"), "run.warmup_days", "finite"),
    (
        "warmup_after_horizon",
        scenario(tables="[run]\nhorizon_days = 10\nwarmup_days = 20"),
        "run",
        "warmup_days (=20.0) must be < horizon_days",
    ),
    ("drain_inf", scenario(tables="[run]\ndrain_days = inf"), "run.drain_days", "finite"),
    ("drain_too_long", scenario(tables="[run]\ndrain_days = 366"), "run.drain_days", "365"),
    ("replications_zero", scenario(tables="[run]\nreplications = 0"), "run.replications", "1"),
    (
        "replications_1e8",
        scenario(tables="[run]\nreplications = 100000000"),
        "run.replications",
        "10000",
    ),
    (
        "replications_true",
        scenario(tables="[run]\nreplications = true"),
        "run.replications",
        "True",
    ),
    ("replications_float", scenario(tables="[run]\nreplications = 2.5"), "run.replications", "int"),
    (
        "replications_string",
        scenario(tables='[run]\nreplications = "5"'),
        "run.replications",
        "'5'",
    ),
    ("seed_negative", scenario(tables="[run]\nseed = -1"), "run.seed", "greater than"),
    ("seed_2_63", scenario(tables="[run]\nseed = 9223372036854775808"), "run.seed", "less than"),
    ("seed_float", scenario(tables="[run]\nseed = 1.5"), "run.seed", "integer"),
    ("year_string", scenario(top='year = "2025"'), "year", "'2025'"),
    ("year_1900", scenario(top="year = 1900"), "year", "2000"),
    ("year_float", scenario(top="year = 2025.0"), "year", "integer"),
    ("year_true", scenario(top="year = true"), "year", "True"),
    (
        "growth_100_from_1900",
        scenario(flow="per_week = 5\ngrowth_per_year = 100\nbase_year = 1900"),
        "demand[0].growth_per_year",
        "less than or equal to 1",
    ),
    (
        "growth_over_a_century",
        scenario(top="year = 2100", flow="per_week = 5\ngrowth_per_year = 1\nbase_year = 2000"),
        "demand[0].per_week",
        "growth",
    ),
    (
        "growth_minus_one",
        scenario(flow="per_week = 5\ngrowth_per_year = -1"),
        "growth_per_year",
        "-0.9",
    ),
    ("base_year_string", scenario(flow='per_week = 5\nbase_year = "2025"'), "base_year", "'2025'"),
    (
        "batch_1e12_float",
        scenario(flow='per_week = 5\narrival = "scheduled"\nbatch = 1e12'),
        "demand[0].batch",
        "integer",
    ),
    (
        "batch_1e12",
        scenario(flow='per_week = 5\narrival = "scheduled"\nbatch = 1000000000000'),
        "demand[0].batch",
        "10000",
    ),
    ("batch_zero", scenario(flow="per_week = 5\nbatch = 0"), "demand[0].batch", "greater"),
    ("arrival_unknown", scenario(flow='per_week = 5\narrival = "sometimes"'), "arrival", "poisson"),
    (
        "seasonality_eleven",
        scenario(flow="per_week = 5\nseasonality = [1,1,1,1,1,1,1,1,1,1,1]"),
        "demand[0].seasonality",
        "12",
    ),
    (
        "seasonality_inf",
        scenario(flow="per_week = 5\nseasonality = [1,1,1,1,1,1,1,1,1,1,1,inf]"),
        "demand[0].seasonality[11]",
        "finite",
    ),
    (
        "seasonality_zero",
        scenario(flow="per_week = 5\nseasonality = [0,1,1,1,1,1,1,1,1,1,1,1]"),
        "demand[0].seasonality[0]",
        "greater",
    ),
    ("target_inf", scenario(flow="per_week = 5\ntarget_days = inf"), "target_days", "finite"),
    ("unit_unknown", scenario(flow='per_week = 5\nunit = "box"'), "demand[0].unit", "'box'"),
    ("k_zero", scenario(tables="[demand.route]\nk = 0"), "demand[0].route.k", "greater"),
    ("k_huge", scenario(tables="[demand.route]\nk = 1000"), "demand[0].route.k", "10"),
    (
        "shares_missing",
        scenario(tables='[demand.route]\nmode = "shares"'),
        "demand[0].route",
        "shares",
    ),
    (
        "shares_negative",
        scenario(tables='[demand.route]\nmode = "shares"\nshares = [1, -1]'),
        "demand[0].route.shares[1]",
        "greater",
    ),
    (
        "shares_nan",
        scenario(tables='[demand.route]\nmode = "shares"\nshares = [nan]'),
        "demand[0].route.shares[0]",
        "finite",
    ),
    (
        "vessels_zero",
        scenario(tables='[overrides.ferries."b-c"]\nvessels = 0'),
        'overrides.ferries."b-c".vessels',
        "greater",
    ),
    (
        "vessels_billion",
        scenario(tables='[overrides.ferries."b-c"]\nvessels = 1000000000'),
        'overrides.ferries."b-c".vessels',
        "100",
    ),
    (
        "ferry_headway_tiny",
        scenario(tables='[overrides.ferries."b-c"]\nheadway_h = 1e-300'),
        'overrides.ferries."b-c".headway_h',
        "greater than or equal to 1",
    ),
    (
        "ferry_headway_inf",
        scenario(tables='[overrides.ferries."b-c"]\nheadway_h = inf'),
        'overrides.ferries."b-c".headway_h',
        "finite",
    ),
    (
        "ferry_slots_nan",
        scenario(tables='[overrides.ferries."b-c"]\ncapacity_slots = nan'),
        'overrides.ferries."b-c".capacity_slots',
        "finite",
    ),
    (
        "ferry_load_factor_2",
        scenario(tables='[overrides.ferries."b-c"]\nload_factor = 2'),
        'overrides.ferries."b-c".load_factor',
        "less than",
    ),
    (
        "all_ferries_vessels_true",
        scenario(tables="[overrides.all_ferries]\nvessels = true"),
        "overrides.all_ferries.vessels",
        "True",
    ),
    (
        "servers_zero",
        scenario(tables="[overrides.nodes.Alpha]\nservers = 0"),
        "overrides.nodes.Alpha.servers",
        "greater",
    ),
    (
        "servers_billion",
        scenario(tables="[overrides.nodes.Alpha]\nservers = 1000000000"),
        "overrides.nodes.Alpha.servers",
        "1000",
    ),
    (
        "handling_inf",
        scenario(tables="[overrides.nodes.Alpha]\nhandling_mean_h = inf"),
        "overrides.nodes.Alpha.handling_mean_h",
        "finite",
    ),
    (
        "handling_factor_zero",
        scenario(tables="[overrides.nodes.Alpha]\nhandling_factor = 0"),
        "overrides.nodes.Alpha.handling_factor",
        "greater",
    ),
    (
        "leg_duration_negative",
        scenario(tables='[overrides.legs."a-b"]\nduration_h = -1'),
        'overrides.legs."a-b".duration_h',
        "greater",
    ),
    (
        "leg_capacity_tiny",
        scenario(tables='[overrides.legs."a-b"]\ncapacity_trains_per_day = 1e-9'),
        'overrides.legs."a-b".capacity_trains_per_day',
        "0.1",
    ),
    (
        "leg_delay_cv_2",
        scenario(tables='[overrides.legs."a-b"]\ndelay_cv = 2'),
        'overrides.legs."a-b".delay_cv',
        "less than",
    ),
    (
        "leg_opening_year_string",
        scenario(tables='[overrides.legs."a-b"]\nopening_year = "2026"'),
        'overrides.legs."a-b".opening_year',
        "'2026'",
    ),
    (
        "node_kinds_factor_inf",
        scenario(tables='[[overrides.node_kinds]]\nkind = "border"\nhandling_factor = inf'),
        "overrides.node_kinds[0].handling_factor",
        "finite",
    ),
    ("train_size_zero", scenario(tables="[trains]\nsize_wagons = 0"), "trains.size_wagons", "1"),
    (
        "train_headway_tiny",
        scenario(tables="[trains]\nheadway_h = 1e-9"),
        "trains.headway_h",
        "0.5",
    ),
    (
        "train_wait_inf",
        scenario(tables="[trains]\nmax_wait_h = inf"),
        "trains.max_wait_h",
        "finite",
    ),
    (
        "sync_reliability_1",
        scenario(tables="[trains]\nsync_reliability = 1"),
        "trains.sync_reliability",
        "0.999",
    ),
    (
        "disruption_start_inf",
        scenario(tables='[[disruptions]]\ntarget = "a-b"\nstart_day = inf\nduration_days = 1'),
        "disruptions[0].start_day",
        "finite",
    ),
    (
        "disruption_duration_huge",
        scenario(tables='[[disruptions]]\ntarget = "a-b"\nstart_day = 1\nduration_days = 1e12'),
        "disruptions[0].duration_days",
        "less than",
    ),
    (
        "disruption_events_billion",
        scenario(
            tables='[[disruptions]]\ntarget = "a-b"\nevents_per_month = 1e9\nmean_duration_days = 1'
        ),
        "disruptions[0].events_per_month",
        "100",
    ),
    (
        "disruption_mean_nan",
        scenario(
            tables='[[disruptions]]\ntarget = "a-b"\nevents_per_month = 1\nmean_duration_days = nan'
        ),
        "disruptions[0].mean_duration_days",
        "finite",
    ),
    (
        "disruption_month_13",
        scenario(
            tables='[[disruptions]]\ntarget = "a-b"\nevents_per_month = 1\n'
            "mean_duration_days = 1\nmonths = [13]"
        ),
        "disruptions[0].months[0]",
        "12",
    ),
    (
        "disruption_both_kinds",
        scenario(
            tables='[[disruptions]]\ntarget = "a-b"\nstart_day = 1\nduration_days = 1\n'
            "events_per_month = 1\nmean_duration_days = 1"
        ),
        "disruptions[0]",
        "not both",
    ),
    ("name_number", scenario().replace('name = "case"', "name = 123"), "name", "string"),
    ("name_empty", scenario(name=""), "name", "at least 1"),
    ("unknown_key", scenario(top="horizon = 5"), "horizon", "unknown key"),
    (
        "unknown_run_key",
        scenario(tables="[run]\nhorizon_dayz = 5"),
        "run.horizon_dayz",
        "did you mean 'horizon_days'",
    ),
    ("unknown_origin", scenario().replace('"Alpha"', '"Atlantis"'), "demand[0].origin", "Atlantis"),
    ("unknown_ferry", scenario(tables='[overrides.ferries."x-y"]\nvessels = 2'), "x-y", "unknown"),
    (
        "unknown_target",
        scenario(tables='[[disruptions]]\ntarget = "nowhere"\nstart_day = 1\nduration_days = 1'),
        "disruptions[0].target",
        "nowhere",
    ),
    ("demand_missing", f'name = "x"\nnetwork = "{TINY.as_posix()}"\n', "demand", "missing"),
    ("demand_empty", f'name = "x"\nnetwork = "{TINY.as_posix()}"\ndemand = []\n', "demand", "1"),
    ("empty_file", "", "name", "missing"),
]

# the reproductions are also tried with `run` (refused the same, nothing written)
RUN_TOO = {
    "per_week_inf",
    "per_week_1e308",
    "units_over_limit",
    "horizon_inf",
    "growth_100_from_1900",
    "growth_over_a_century",
    "drain_inf",
    "batch_1e12_float",
    "batch_1e12",
    "year_string",
    "replications_true",
    "replications_1e8",
    "ferry_headway_tiny",
}

CASES: list[Case] = []
for id_, text, key, rule in VALUES:
    CASES.append(
        Case(f"validate-{id_}", {"s.toml": text}, ("validate", "s.toml"), ("s.toml", key, rule), 1)
    )
    if id_ in RUN_TOO:
        CASES.append(
            Case(f"run-{id_}", {"s.toml": text}, ("run", "s.toml", "-q"), ("s.toml", key, rule))
        )

# -- scenario files as a whole --------------------------------------------------------------
FILES: list[tuple[str, dict[str, Content], tuple[str, ...]]] = [
    ("toml_syntax", {"s.toml": 'name = "x\n'}, ("s.toml:1", "TOML syntax error")),
    ("not_utf8", {"s.toml": b'name = "x"\n# caf\xe9\n'}, ("s.toml:2", "not UTF-8")),
    (
        "size_50mb",
        {"s.toml": sparse(50_000_000)},
        ("s.toml", "50,000,000 bytes", f"{MAX_FILE_BYTES:,}"),
    ),
    ("size_just_over", {"s.toml": sparse(MAX_FILE_BYTES + 1)}, ("s.toml", "larger than the limit")),
    (
        "array_100000_deep",
        {"s.toml": "a = " + "[" * 100_000 + "]" * 100_000},
        ("s.toml", "nested too deep"),
    ),
    (
        "array_40_deep",
        {"s.toml": GOOD + "x = " + "[" * 40 + "]" * 40},
        ("s.toml", "x[0][0]", "deeper than 32"),
    ),
    (
        "tables_40_deep",
        {"s.toml": GOOD + "[" + ".".join(f"t{i}" for i in range(40)) + "]\nv = 1\n"},
        ("s.toml", "t0.t1", "deeper than 32"),
    ),
    (
        "extends_1500_deep",
        chain(1500),
        ("s.toml -> c1.toml", "c16.toml -> ...", "extends", f"more than {MAX_EXTENDS}"),
    ),
    (
        "extends_cycle",
        {"s.toml": 'extends = "t.toml"\nname = "a"\n', "t.toml": 'extends = "s.toml"\n'},
        ("s.toml", "extends: cycle", "t.toml"),
    ),
    (
        "extends_missing",
        {"s.toml": 'extends = "nope.toml"\n'},
        ("s.toml", "extends", "nope.toml", "not found"),
    ),
    ("extends_number", {"s.toml": "extends = 5\n"}, ("s.toml", "extends", "string")),
    (
        "extends_csv",
        {"s.toml": 'extends = "nodes.csv"\nname = "x"\n', "nodes.csv": "node_id,name\na,b\n"},
        ("s.toml: extends: nodes.csv:1", "TOML syntax error"),
    ),
    (
        "extends_sweep",
        {
            "s.toml": 'extends = "sw.toml"\n',
            "sw.toml": sweep(PARAM, "base.toml"),
            "base.toml": GOOD,
        },
        ("s.toml: extends: sw.toml: scenario: unknown key", "parameter"),
    ),
    (
        "extends_pyproject",
        {"s.toml": 'extends = "p.toml"\nname = "x"\n', "p.toml": '[project]\nname = "x"\n'},
        ("s.toml", "extends", "'p.toml' is not a scenario file"),
    ),
    (
        "extends_broken_parent",
        {"s.toml": 'extends = "b.toml"\n', "b.toml": scenario(flow="per_week = inf")},
        ("s.toml: extends: b.toml: demand[0].per_week", "finite"),
    ),
    (
        "extends_unreadable_parent",
        {"s.toml": 'extends = "b.toml"\n', "b.toml": b"name = '\xff'\n"},
        ("s.toml: extends: b.toml:1", "not UTF-8"),
    ),
    (
        "extends_folder",
        {"s.toml": 'extends = "sub"\n', "sub/x.txt": "x"},
        ("s.toml", "extends", "'sub'"),
    ),
    ("scenario_is_folder", {"s.toml/x.txt": "x"}, ("s.toml", "folder")),
    ("scenario_missing", {}, ("s.toml", "file not found")),
]
for id_, files, expect in FILES:
    CASES.append(Case(f"validate-{id_}", files, ("validate", "s.toml"), expect, 1))
for id_ in ("size_50mb", "array_100000_deep", "extends_1500_deep", "extends_csv", "not_utf8"):
    files, expect = next((f, e) for i, f, e in FILES if i == id_)
    CASES.append(Case(f"run-{id_}", files, ("run", "s.toml", "-q"), expect))

# -- network folders, reached through a scenario's `network` key or directly --------------------
BAD_UTF8 = tiny_with(nodes=_bad_byte_on_line_3)
NETWORKS: list[Case] = [
    Case(
        "validate-network_problems_all_listed",
        {**tiny_with(legs=_negative_distance, units=None), "s.toml": on_net()},
        ("validate", "s.toml"),
        (
            "s.toml: network: 'net': legs.csv:2: distance_km = -3",
            "s.toml: network: 'net': units.csv",
        ),
        1,
    ),
    Case(
        "run-network_problems_all_listed",
        {**tiny_with(legs=_negative_distance, units=None), "s.toml": on_net()},
        ("run", "s.toml", "-q"),
        (
            "s.toml: network: 'net': legs.csv:2: distance_km = -3",
            "s.toml: network: 'net': units.csv",
        ),
    ),
    Case(
        "validate-network_not_utf8",
        {**BAD_UTF8, "s.toml": on_net()},
        ("validate", "s.toml"),
        ("s.toml: network: 'net': nodes.csv:3", "not UTF-8"),
        1,
    ),
    Case(
        "run-network_not_utf8",
        {**BAD_UTF8, "s.toml": on_net()},
        ("run", "s.toml", "-q"),
        ("s.toml: network: 'net': nodes.csv:3", "not UTF-8"),
    ),
    Case(
        "network_check_not_utf8", BAD_UTF8, ("network", "check", "net"), ("nodes.csv:3", "0xff"), 1
    ),
    Case(
        "routes_not_utf8",
        BAD_UTF8,
        ("routes", "Alpha", "Foxtrôt", "--data", "net"),
        ("nodes.csv:3", "not UTF-8"),
    ),
    Case(
        "network_check_negative",
        tiny_with(legs=_negative_distance),
        ("network", "check", "net"),
        ("legs.csv:2", "distance_km = -3"),
        1,
    ),
    Case(
        "validate-network_folder_missing",
        {"s.toml": on_net()},
        ("validate", "s.toml"),
        ("s.toml: network: folder not found: 'net'",),
        1,
    ),
    Case(
        "validate-network_is_a_file",
        {"s.toml": on_net(), "net": "not a folder"},
        ("validate", "s.toml"),
        ("s.toml: network: is not a folder: 'net'",),
        1,
    ),
    Case(
        "validate-network_missing_file",
        {**tiny_with(ferries=None), "s.toml": on_net()},
        ("validate", "s.toml"),
        ("s.toml: network: 'net': ferries.csv", "file not found"),
        1,
    ),
]
CASES += NETWORKS

# -- sweep files ------------------------------------------------------------------------------
SWEEPS: list[tuple[str, dict[str, Content], tuple[str, ...]]] = [
    (
        "replications_billion",
        {"sw.toml": sweep("replications = 1000000000\n" + PARAM)},
        ("sw.toml", "replications", "10000"),
    ),
    (
        "grid_10_12",
        {
            "sw.toml": sweep(
                "".join(
                    f'[[parameter]]\nname = "p{k}"\npath = "run.seed"\nvalues = [{VALUES_1000}]\n'
                    for k in range(4)
                )
            )
        },
        ("sw.toml", "parameter", "1,000,000,000,000 grid points", "10,000"),
    ),
    (
        "runs_over_limit",
        {
            "sw.toml": sweep(
                "replications = 10000\n"
                + '[[parameter]]\npath = "run.seed"\nvalues = [1,2,3,4,5,6,7,8,9,10,11]\n'
            )
        },
        ("sw.toml", "replications", "110,000 runs", "100,000"),
    ),
    (
        "path_into_array",
        {"sw.toml": sweep('[[parameter]]\npath = "demand.x"\nvalues = [1, 2]\n')},
        ("sw.toml", "parameter[0].path", "'demand.x'", "item number"),
    ),
    (
        "path_into_value",
        {"sw.toml": sweep('[[parameter]]\npath = "name.first"\nvalues = ["a"]\n')},
        ("sw.toml", "parameter[0].path", "'name' is a value"),
    ),
    (
        "path_past_the_end",
        {"sw.toml": sweep('[[parameter]]\npath = "demand.7.per_week"\nvalues = [1]\n')},
        ("sw.toml", "parameter[0].path", "no item 7"),
    ),
    (
        "path_negative_item",
        {"sw.toml": sweep('[[parameter]]\npath = "demand.-1.per_week"\nvalues = [1]\n')},
        ("sw.toml", "parameter[0].path", "'-1' is not an item number"),
    ),
    (
        "path_empty_key",
        {"sw.toml": sweep('[[parameter]]\npath = "run..seed"\nvalues = [1]\n')},
        ("sw.toml", "parameter[0].path", "empty"),
    ),
    (
        "path_unknown_key",
        {"sw.toml": sweep('[[parameter]]\npath = "run.sead"\nvalues = [1]\n')},
        ("sw.toml", "run.sead", "did you mean 'seed'"),
    ),
    (
        "value_inf",
        {"sw.toml": sweep('[[parameter]]\npath = "run.horizon_days"\nvalues = [10, inf]\n')},
        ("sw.toml", "point", "run.horizon_days", "finite"),
    ),
    (
        "value_string_year",
        {"sw.toml": sweep('[[parameter]]\npath = "year"\nvalues = ["2025"]\n')},
        ("sw.toml", "point", "year", "'2025'"),
    ),
    (
        "base_missing",
        {"sw.toml": sweep(PARAM, "nope.toml")},
        ("sw.toml", "scenario", "'nope.toml'", "not found"),
    ),
    (
        "base_broken",
        {"sw.toml": sweep(PARAM, "b.toml"), "b.toml": scenario(flow="per_week = inf")},
        ("sw.toml: scenario: b.toml: demand[0].per_week", "finite"),
    ),
    (
        "base_is_folder",
        {"sw.toml": sweep(PARAM, "sub"), "sub/x.txt": "x"},
        ("sw.toml", "scenario", "folder"),
    ),
    (
        "horizon_inf",
        {"sw.toml": sweep("horizon_days = inf\n" + PARAM)},
        ("sw.toml", "horizon_days", "finite"),
    ),
    ("seed_negative", {"sw.toml": sweep("seed = -1\n" + PARAM)}, ("sw.toml", "seed", "greater")),
    (
        "replications_true",
        {"sw.toml": sweep("replications = true\n" + PARAM)},
        ("sw.toml", "replications", "True"),
    ),
    (
        "unknown_key",
        {"sw.toml": sweep("replicatoins = 2\n" + PARAM)},
        ("sw.toml", "replicatoins", "did you mean 'replications'"),
    ),
    ("no_parameter", {"sw.toml": sweep("")}, ("sw.toml", "parameter", "missing")),
    (
        "labels_mismatch",
        {"sw.toml": sweep(PARAM + 'labels = ["a"]\n')},
        ("sw.toml", "parameter[0].labels", "1 labels for 2 values"),
    ),
    (
        "unknown_metric",
        {"sw.toml": sweep('metrics = ["speed"]\n' + PARAM)},
        ("sw.toml", "metrics", "'speed'"),
    ),
    (
        "size_50mb",
        {"sw.toml": sparse(50_000_000, b'scenario = "s.toml"\n')},
        ("sw.toml", "50,000,000 bytes"),
    ),
    ("not_utf8", {"sw.toml": b'scenario = "s.toml"\n# \xff\n'}, ("sw.toml:2", "not UTF-8")),
    (
        "deep",
        {
            "sw.toml": sweep(
                '[[parameter]]\npath = "x"\nvalues = [' + "[" * 5000 + "]" * 5000 + "]\n"
            )
        },
        ("sw.toml", "nested too deep"),
    ),
    ("syntax", {"sw.toml": "scenario = \n"}, ("sw.toml:1", "TOML syntax error")),
]
for id_, files, expect in SWEEPS:
    CASES.append(
        Case(
            f"sweep-{id_}",
            {"s.toml": GOOD, **files},
            ("sweep", "sw.toml", "-q", "--workers", "1"),
            expect,
        )
    )

# -- command-line flags -----------------------------------------------------------------------
FLAGS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "run_replications_1e8",
        ("run", "s.toml", "--replications", "100000000"),
        ("--replications", "'100000000'", "1 to 10,000"),
    ),
    (
        "run_replications_0",
        ("run", "s.toml", "--replications", "0"),
        ("--replications", "'0'", "1 to 10,000"),
    ),
    (
        "run_replications_text",
        ("run", "s.toml", "--replications", "many"),
        ("--replications", "'many'", "whole number"),
    ),
    (
        "run_replications_float",
        ("run", "s.toml", "--replications", "2.5"),
        ("--replications", "'2.5'", "whole number"),
    ),
    (
        "run_horizon_inf",
        ("run", "s.toml", "--horizon-days", "inf"),
        ("--horizon-days", "'inf'", "finite"),
    ),
    (
        "run_horizon_nan",
        ("run", "s.toml", "--horizon-days", "nan"),
        ("--horizon-days", "'nan'", "finite"),
    ),
    (
        "run_horizon_negative",
        ("run", "s.toml", "--horizon-days", "-5"),
        ("--horizon-days", "'-5'", "more than 0"),
    ),
    (
        "run_horizon_1e9",
        ("run", "s.toml", "--horizon-days", "1e9"),
        ("--horizon-days", "'1e9'", "at most 3,650"),
    ),
    (
        "run_warmup_inf",
        ("run", "s.toml", "--warmup-days", "inf"),
        ("--warmup-days", "'inf'", "finite"),
    ),
    (
        "run_warmup_after_horizon",
        ("run", "s.toml", "--horizon-days", "10", "--warmup-days", "20"),
        ("s.toml", "warmup_days", "--warmup-days 20"),
    ),
    (
        "run_horizon_over_units",
        ("run", "big.toml", "--horizon-days", "3650"),
        ("big.toml", "demand[0].per_week", "limit", "--horizon-days 3650"),
    ),
    ("run_seed_negative", ("run", "s.toml", "--seed", "-1"), ("--seed", "'-1'", "0 to")),
    ("run_seed_2_63", ("run", "s.toml", "--seed", str(2**63)), ("--seed", str(2**63))),
    ("run_workers_0", ("run", "s.toml", "--workers", "0"), ("--workers", "'0'", "1 to 64")),
    ("run_workers_minus_3", ("run", "s.toml", "--workers", "-3"), ("--workers", "'-3'", "1 to 64")),
    (
        "run_workers_1000",
        ("run", "s.toml", "--workers", "1000"),
        ("--workers", "'1000'", "1 to 64"),
    ),
    ("compare_workers_0", ("compare", "s.toml", "s.toml", "--workers", "0"), ("--workers", "'0'")),
    (
        "compare_replications_1e8",
        ("compare", "s.toml", "s.toml", "--replications", "100000000"),
        ("--replications",),
    ),
    (
        "sweep_replications_0",
        ("sweep", "sw.toml", "--replications", "0"),
        ("--replications", "'0'"),
    ),
    (
        "sweep_replications_1e9",
        ("sweep", "sw.toml", "--replications", "1000000000"),
        ("--replications", "'1000000000'"),
    ),
    ("sweep_workers_0", ("sweep", "sw.toml", "--workers", "0"), ("--workers", "'0'")),
    (
        "sweep_local_cluster_0",
        ("sweep", "sw.toml", "--local-cluster", "0"),
        ("--local-cluster", "'0'"),
    ),
    (
        "sweep_horizon_inf",
        ("sweep", "sw.toml", "--horizon-days", "inf"),
        ("--horizon-days", "'inf'"),
    ),
    ("sweep_max_jobs_0", ("sweep", "sw.toml", "--max-jobs", "0"), ("--max-jobs", "'0'")),
    (
        "sweep_runs_over_limit",
        ("sweep", "sw.toml", "--replications", "10000", "-q"),
        ("sw.toml", "runs", "100,000"),
    ),
    (
        "routes_k_0",
        ("routes", "Alpha", "Foxtrôt", "--data", str(TINY), "--k", "0"),
        ("--k", "'0'", "1 to 50"),
    ),
    (
        "routes_k_million",
        ("routes", "Alpha", "Foxtrôt", "--data", str(TINY), "--k", "1000000"),
        ("--k", "'1000000'"),
    ),
    ("map_k_text", ("map", "-o", "m.png", "--data", str(TINY), "--k", "abc"), ("--k", "'abc'")),
    (
        "routes_year_1900",
        ("routes", "Alpha", "Foxtrôt", "--data", str(TINY), "--year", "1900"),
        ("--year", "2000"),
    ),
    (
        "routes_year_text",
        ("routes", "Alpha", "Foxtrôt", "--data", str(TINY), "--year", "soon"),
        ("--year", "'soon'"),
    ),
]
FLAG_FILES: dict[str, Content] = {
    "s.toml": GOOD,
    "big.toml": scenario(flow="per_week = 5000"),
    "sw.toml": sweep(
        '[[parameter]]\npath = "run.seed"\nvalues = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n'
    ),
}
for id_, argv, expect in FLAGS:
    CASES.append(Case(f"flag-{id_}", FLAG_FILES, argv, expect))


# -- output targets: a folder or file the tool did not write is never touched ------------------
def _ours(
    kind: str, extra: Mapping[str, str] = {}, **manifest_changes: object
) -> Callable[[Path], None]:
    """Writes (at ``<folder>/manifest.json``) a folder of the tool's own: a table and a manifest
    listing it, then ``extra`` files the manifest does not list; ``manifest_changes`` spoil it."""

    def write(path: Path) -> None:
        from sim.runs.outdir import TOOL, file_entry

        folder = path.parent
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        (folder / "tables" / "kpis.csv").write_text("flow,mean\na,1\n", encoding="utf-8")
        data: dict[str, object] = {
            "tool": TOOL,
            "kind": kind,
            "files": [file_entry(folder, folder / "tables" / "kpis.csv")],
        }
        data.update(manifest_changes)
        path.write_text(json.dumps(data), encoding="utf-8")
        for name, text in extra.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")

    return write


def _symlink(target: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.symlink_to(target)

    return write


FOREIGN = {"x/manifest.json": '{"tool": "other"}', "x/precious.txt": "keep", "x/sub/a.txt": "a"}
SWEEP_FILES: dict[str, Content] = {
    "s.toml": GOOD,
    "sw.toml": 'name = "sw"\nscenario = "s.toml"\n'
    '[[parameter]]\npath = "run.seed"\nvalues = [1, 2]\n',
}
OUTPUTS: list[tuple[str, dict[str, Content], tuple[str, ...], tuple[str, ...]]] = [
    ("run_foreign_manifest", FOREIGN, ("run", "s.toml", "-o", "x"), ("x", "precious.txt")),
    (
        "run_foreign_manifest_overwrite",
        FOREIGN,
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "precious.txt"),
    ),
    ("compare_foreign_manifest", FOREIGN, ("compare", "s.toml", "t.toml", "-o", "x"), ("x",)),
    ("run_no_manifest", {"x/notes.md": "mine"}, ("run", "s.toml", "-o", "x"), ("x", "notes.md")),
    ("run_only_subfolder", {"x/sub/.keep": ""}, ("run", "s.toml", "-o", "x"), ("x", "sub")),
    ("run_target_is_file", {"x": "a file"}, ("run", "s.toml", "-o", "x"), ("x",)),
    (
        "run_bad_manifest_json",
        {"x/manifest.json": "{not json"},
        ("run", "s.toml", "-o", "x"),
        ("x", "manifest.json"),
    ),
    (
        "run_manifest_without_files",
        {"x/manifest.json": '{"tool": "caspian-corridors", "kind": "run"}'},
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "manifest.json"),
    ),
    (
        "run_ours_plus_unlisted_file",
        {"x/manifest.json": _ours("run", {"precious.txt": "keep"})},
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "precious.txt"),
    ),
    (
        "run_ours_plus_unlisted_folder",
        {"x/manifest.json": _ours("run", {"mine/a.txt": "keep"})},
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "mine"),
    ),
    (
        "run_ours_without_overwrite",
        {"x/manifest.json": _ours("run")},
        ("run", "s.toml", "-o", "x"),
        ("x", "--overwrite"),
    ),
    (
        "run_ours_edited_file",
        {"x/manifest.json": _ours("run"), "x/tables/kpis.csv": "edited by hand\n"},
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "kpis.csv"),
    ),
    (
        "run_manifest_lists_outside_path",
        {
            "x/manifest.json": _ours(
                "run", files=[{"path": "../s.toml", "size": 1, "sha256": "0" * 64}]
            )
        },
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x",),
    ),
    (
        "run_symlink_inside",
        {"x/manifest.json": _ours("run"), "x/link": _symlink("../s.toml")},
        ("run", "s.toml", "-o", "x", "--overwrite"),
        ("x", "link"),
    ),
    (
        "compare_into_previous_compare",
        {"x/manifest.json": _ours("compare")},
        ("compare", "s.toml", "t.toml", "-o", "x"),
        ("x", "--overwrite"),
    ),
    (
        "sweep_foreign_folder",
        {**SWEEP_FILES, "y/a.csv": "1,2\n"},
        ("sweep", "sw.toml", "-o", "y", "-q"),
        ("y", "a.csv"),
    ),
    (
        "sweep_foreign_folder_overwrite",
        {**SWEEP_FILES, "y/a.csv": "1,2\n"},
        ("sweep", "sw.toml", "-o", "y", "-q", "--overwrite"),
        ("y", "a.csv"),
    ),
    (
        "sweep_into_run_folder",
        {**SWEEP_FILES, "y/manifest.json": _ours("run")},
        ("sweep", "sw.toml", "-o", "y", "-q"),
        ("y",),
    ),
    (
        "sweep_target_is_file",
        {**SWEEP_FILES, "y": "a file"},
        ("sweep", "sw.toml", "-o", "y", "-q"),
        ("y",),
    ),
    (
        "map_existing_file",
        {"m.png": "someone's map"},
        ("map", "-o", "m.png"),
        ("m.png", "--overwrite"),
    ),
    ("map_target_is_folder", {"m.png/keep.txt": "k"}, ("map", "-o", "m.png"), ("m.png", "folder")),
    ("map_missing_parent", {}, ("map", "-o", "no/such/m.png"), ("no/such", "does not exist")),
    (
        "geojson_existing_file",
        {"n.geojson": "{}"},
        ("network", "geojson", "-o", "n.geojson"),
        ("n.geojson", "--overwrite"),
    ),
    (
        "schema_existing_file",
        {"schema.json": "{}"},
        ("scenario", "schema", "-o", "schema.json"),
        ("schema.json", "--overwrite"),
    ),
]
for id_, files, argv, expect in OUTPUTS:
    CASES.append(
        Case(
            f"output-{id_}",
            {"s.toml": GOOD, "t.toml": scenario(name="other"), **files},
            argv,
            expect,
        )
    )


# -- running the corpus -----------------------------------------------------------------------
def _write(folder: Path, files: Mapping[str, Content]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _listing(folder: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under ``folder`` with (is a folder, size, modification time)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root, name)
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (path.is_dir(), st.st_size, st.st_mtime_ns)
    return out


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 120
    assert sum(c.id.startswith("output-") for c in CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_refused_cleanly(
    case: Case, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, case.files)
    before = _listing(tmp_path)
    code = main(list(case.argv))
    out, err = capsys.readouterr()
    text = out + err
    assert code == case.code, text
    assert "Traceback" not in text
    for fragment in case.expect:
        assert fragment in text, (fragment, text)
    assert _listing(tmp_path) == before, "the command wrote or changed files"


# -- what is accepted ---------------------------------------------------------------------------
ACCEPTED: list[tuple[str, Content]] = [
    ("plain", GOOD),
    ("bom", b"\xef\xbb\xbf" + GOOD.encode()),
    (
        "dollar_names",
        scenario(flow='per_week = 5\nname = "$x^$ | [a](b) <i>"', name="d$ol|lar <b>"),
    ),
    ("int_for_float", scenario(tables="[run]\nhorizon_days = 30\nwarmup_days = 0")),
    ("longest_horizon", scenario(flow="per_week = 100", tables="[run]\nhorizon_days = 3650")),
    ("largest_seed", scenario(tables=f"[run]\nseed = {2**63 - 1}")),
    ("largest_batch", scenario(flow='per_week = 5\narrival = "scheduled"\nbatch = 10000')),
    (
        "growth_bounds",
        scenario(top="year = 2100", flow="per_week = 1e-29\ngrowth_per_year = 1\nbase_year = 2000"),
    ),
    ("shrinking", scenario(flow="per_week = 5\ngrowth_per_year = -0.9\nbase_year = 2000")),
    (
        "headways_at_bounds",
        scenario(
            tables='[trains]\npolicy = "schedule"\nheadway_h = 0.5\n'
            '[overrides.ferries."b-c"]\npolicy = "timetable"\nheadway_h = 1'
        ),
    ),
    ("extends_16", ""),  # a chain of exactly MAX_EXTENDS files, written below
]


@pytest.mark.parametrize(("name", "content"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_what_validate_accepts_compiles(
    name: str, content: Content, tmp_path: Path, monkeypatch, capsys
) -> None:
    """`validate` refuses exactly what `run` would: every input it accepts loads and compiles."""
    monkeypatch.chdir(tmp_path)
    if name == "extends_16":
        _write(tmp_path, chain(MAX_EXTENDS))
    else:
        _write(tmp_path, {"s.toml": content})
    assert main(["validate", "s.toml"]) == 0, capsys.readouterr().out
    compile_scenario(load_scenario("s.toml"), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_validate_and_compile(path: Path, capsys) -> None:
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out
    compile_scenario(load_scenario(path), path.parent)


def test_user_text_with_markup_runs_through_figures_and_reports(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """A flow named ``$x^$`` (mathtext to matplotlib) and names with Markdown and HTML in them
    run through figures and both reports as plain text."""
    monkeypatch.chdir(tmp_path)
    flow = "$x^$ | [a](http://b) <i>"
    text = scenario(
        flow=f'per_week = 5\nname = "{flow}"',
        name="d$ol|lar <b>",
        tables="[run]\nhorizon_days = 20\nwarmup_days = 2\nreplications = 1\ndrain_days = 10",
    )
    _write(tmp_path, {"s.toml": text})
    assert main(["run", "s.toml", "-q", "-o", "out"]) == 0, capsys.readouterr()
    assert len(list((tmp_path / "out" / "figures").glob("*.png"))) >= 4
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert r"\$x^\$ \| \[a\](http\://b) \<i\>" in md and flow not in md
    assert "<i>" not in md and "<b>" not in md and "<i>" not in page and "<b>" not in page
    lines = md.splitlines()
    rules = [i for i, ln in enumerate(lines) if ln.startswith("|---")]
    assert rules
    for i in rules:  # every row of every table has as many cells as its header
        cells = _cells(lines[i - 1])
        j = i + 1
        while j < len(lines) and lines[j].startswith("|"):
            assert _cells(lines[j]) == cells, lines[j]
            j += 1


def _cells(row: str) -> int:
    """Cells of a Markdown table row: its unescaped ``|`` less one."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1
