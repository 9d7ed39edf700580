"""Scenario files: loading, merging, every problem reported, network names, schema, CLI."""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import network
import sim
from sim.cli.main import main
from sim.cli.scenario import schema_text
from sim.inputs.scenario import Flow, Scenario
from sim.inputs.scenario_io import ScenarioError, dump_scenario, load_scenario, scenario_json_schema

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
TINY = ROOT / "tests" / "fixtures" / "tiny_network"
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"

# A valid scenario on the tiny test network (node names Alpha ... Hotel, countries XX YY ZZ WW).
TINY_OK = f"""
name = "tiny"
network = "{TINY.as_posix()}"
[[demand]]
origin = "Alpha"
destination = "Foxtrôt"
per_week = 5
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def extending(folder: Path, parent: str, name: str, body: str) -> Path:
    """A scenario file ``<name>.toml`` in ``folder`` that extends the shipped ``parent``."""
    base = (SCENARIOS / f"{parent}.toml").as_posix()
    return write(folder, f"{name}.toml", f'extends = "{base}"\nname = "{name}"\n{body}')


def problems_of(path: Path, *, check_network: bool = False) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, check_network=check_network)
    return info.value.problems


# ------------------------------------------------------------------------------ shipped set


def test_the_shipped_set_is_complete() -> None:
    names = {p.stem for p in SHIPPED}
    assert names >= {
        "baseline_2025",
        "zangezur",
        "digital_borders",
        "synchronized_ferries",
        "alat_uzbek_terminal",
        "trade_2030",
        "caspian_winter",
        "low_water",
        "corridors_2030",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_validates(path: Path) -> None:
    s = load_scenario(path, check_network=False)
    assert s.description and s.sources, "every shipped scenario says what it is and its sources"
    assert s.run.replications >= 1 and s.run.horizon_days == 365


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_names_exist_in_the_network(path: Path) -> None:
    net = network.load_network()  # the shipped data loads: no skip
    s = load_scenario(path)  # a ScenarioError here names every unknown name
    for flow in s.demand:
        for place in (flow.origin, flow.destination):
            assert net.resolve_node(place) in net.nodes.index, (path.name, place)
    for item in s.disruptions:
        target = item.target
        assert target in net.legs.index or net.resolve_node(target) in net.nodes.index, target


def test_zangezur_changes_only_the_year() -> None:
    base = load_scenario(SCENARIOS / "baseline_2025.toml", check_network=False)
    zang = load_scenario(SCENARIOS / "zangezur.toml", check_network=False)
    assert (base.year, zang.year) == (2025, 2030)
    # the run settings too, but for the reason it gives for the overload the year brings
    assert zang.run.overload_reason and not base.run.overload_reason
    assert zang.demand == base.demand
    assert zang.run.model_copy(update={"overload_reason": ""}) == base.run
    assert zang.overrides == base.overrides and zang.trains == base.trains


def test_trade_2030_grows_the_baseline_flows() -> None:
    base = load_scenario(SCENARIOS / "baseline_2025.toml", check_network=False)
    trade = load_scenario(SCENARIOS / "trade_2030.toml", check_network=False)
    assert [(f.origin, f.destination, f.unit, f.per_week) for f in trade.demand] == [
        (f.origin, f.destination, f.unit, f.per_week) for f in base.demand
    ]
    assert all(f.base_year == 2025 and f.growth_per_year > 0 for f in trade.demand)


# ------------------------------------------------------------------------------ extends


def test_extends_merges_tables_and_replaces_arrays(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.toml",
        """
name = "base"
[run]
horizon_days = 100
replications = 3
[[demand]]
origin = "A"
destination = "B"
per_week = 1
[[demand]]
origin = "A"
destination = "C"
per_week = 2
[overrides.legs."a-b"]
status = "open"
""",
    )
    child = write(
        tmp_path,
        "child.toml",
        """
extends = "base.toml"
name = "child"
[run]
replications = 7
[[demand]]
origin = "X"
destination = "Y"
per_week = 9
[overrides.legs."c-d"]
duration_h = 4
""",
    )
    s = load_scenario(child, check_network=False)
    assert (s.name, s.run.horizon_days, s.run.replications) == ("child", 100, 7)
    assert [(f.origin, f.per_week) for f in s.demand] == [("X", 9)]
    assert set(s.overrides.legs) == {"a-b", "c-d"}


def test_extends_chain_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path, "a.toml", 'name = "a"\n[[demand]]\norigin="A"\ndestination="B"\nper_week=1\n')
    write(tmp_path / "sub", "b.toml", 'extends = "../a.toml"\nyear = 2030\n')
    c = write(tmp_path, "c.toml", 'extends = "sub/b.toml"\nname = "c"\n')
    s = load_scenario(c, check_network=False)
    assert (s.name, s.year, s.demand[0].destination) == ("c", 2030, "B")


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'extends = "b.toml"\nname = "a"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\nname = "b"\n')
    (problem,) = problems_of(tmp_path / "a.toml")
    assert "extends: cycle" in problem and "a.toml -> " in problem and "b.toml" in problem


def test_extends_self_is_a_cycle(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, "a.toml", 'extends = "a.toml"\nname = "a"\n'))
    assert "cycle" in problem


def test_missing_extends_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", 'extends = "nope.toml"\nname = "a"\n')
    (problem,) = problems_of(path)
    assert problem.endswith(".toml)") and "a.toml: extends: file not found: 'nope.toml'" in problem


def test_missing_file() -> None:
    (problem,) = problems_of(FIXTURES / "does_not_exist.toml")
    assert problem.endswith("does_not_exist.toml: file not found")


def test_problem_in_a_parent_names_the_parent(tmp_path: Path) -> None:
    write(
        tmp_path, "base.toml", 'name = "b"\n[[demand]]\norigin="A"\ndestination="B"\nper_week=-1\n'
    )
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\nyear = "soon"\n')
    problems = problems_of(child)
    assert any(
        p.endswith("base.toml: demand[0].per_week: Input should be greater than 0 (got -1)")
        for p in problems
    ), problems
    assert any("child.toml: year:" in p for p in problems), problems


# ------------------------------------------------------------------------------ broken files


def test_unknown_key_did_you_mean() -> None:
    (problem,) = problems_of(FIXTURES / "unknown_key.toml")
    assert problem.endswith(
        "unknown_key.toml: run.horizon_dayz: unknown key; did you mean 'horizon_days'?"
    )


def test_unknown_key_without_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", TINY_OK + "[trains]\nqqqq = 1\n")
    (problem,) = problems_of(path)
    assert "trains.qqqq: unknown key (allowed: size_wagons, policy," in problem


def test_unknown_key_inside_a_dict_of_models(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", TINY_OK + '[overrides.legs."a-b"]\nduration_hh = 3\n')
    (problem,) = problems_of(path)
    assert problem.endswith(
        "a.toml: overrides.legs.\"a-b\".duration_hh: unknown key; did you mean 'duration_h'?"
    )


def test_wrong_type() -> None:
    (problem,) = problems_of(FIXTURES / "wrong_type.toml")
    assert "wrong_type.toml: year: Input should be a valid integer" in problem
    assert problem.endswith("(got 'next year')")


def test_negative_number() -> None:
    (problem,) = problems_of(FIXTURES / "negative.toml")
    assert problem.endswith(
        "negative.toml: demand[0].per_week: Input should be greater than 0 (got -3)"
    )


def test_wrong_choice_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", TINY_OK.replace("per_week = 5", 'per_week = 5\nunit = "teus"'))
    (problem,) = problems_of(path)
    assert problem.endswith("(got 'teus'); did you mean 'teu'?")


def test_toml_syntax_error_has_line_and_column() -> None:
    (problem,) = problems_of(FIXTURES / "syntax_error.toml")
    assert "syntax_error.toml:3:" in problem and "TOML syntax error" in problem


def test_several_problems_are_all_listed() -> None:
    path = FIXTURES / "many_problems.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, check_network=True)
    problems = info.value.problems
    expected = [
        "year: Input should be less than or equal to 2100 (got 2500)",
        "demand[0].per_week: Input should be greater than 0 (got 0)",
        "demand[1].destination: required key is missing",
        "run.replicatons: unknown key; did you mean 'replications'?",
        "disruptions[0]: give either start_day and duration_days",
        "demand[0].origin: unknown node 'Alpah'; did you mean 'Alpha'",
        "overrides.legs.\"a-bb\": unknown leg id 'a-bb'; did you mean 'a-b'?",
    ]
    for text in expected:
        assert any(f"many_problems.toml: {text}" in p for p in problems), (text, problems)
    assert len(problems) == len(expected)
    assert str(info.value).splitlines() == problems


def test_code_in_a_file_is_just_data(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    code = f"__import__('os').system('touch {marker.as_posix()}')"
    path = write(
        tmp_path,
        "evil.toml",
        f'name = "{code}"\n[[demand]]\norigin = "A"\ndestination = "B"\nper_week = 1\n'
        f'[run]\nseed = "{code}"\n',
    )
    (problem,) = problems_of(path)
    assert "run.seed: Input should be a valid integer" in problem
    assert not marker.exists()
    ok = load_scenario(
        write(tmp_path, "ok.toml", f'name = "{code}"\n' + TINY_OK.split("\n", 2)[2]),
        check_network=False,
    )
    assert ok.name == code and not marker.exists()


# ------------------------------------------------------------------------------ network names


def test_names_resolve_on_the_scenario_network(tmp_path: Path) -> None:
    text = (
        TINY_OK
        + """
[demand.route]
avoid = ["YY", "road", "b-c", "Golf"]
[overrides.nodes."port of bravo"]
handling_factor = 0.5
for_origins_in = ["XX"]
[overrides.legs."a-b"]
status = "open"
[overrides.ferries."b-c"]
vessels = 2
[[disruptions]]
target = "b-c"
start_day = 1
duration_days = 2
[[disruptions]]
target = "Delta Border"
start_day = 1
duration_days = 2
"""
    )
    s = load_scenario(write(tmp_path, "a.toml", text))
    assert s.overrides.ferries["b-c"].vessels == 2


def test_unknown_names_are_all_reported(tmp_path: Path) -> None:
    text = f"""
name = "n"
network = "{TINY.as_posix()}"
[[demand]]
origin = "Alpah"
destination = "Nowhere"
per_week = 3
[demand.route]
avoid = ["b-cc"]
[overrides.nodes.Charly]
for_origins_in = ["QQ"]
[overrides.ferries."a-b"]
vessels = 2
[overrides.ferries.zz]
vessels = 2
[[disruptions]]
target = "b-q"
start_day = 1
duration_days = 2
"""
    problems = problems_of(write(tmp_path, "n.toml", text), check_network=True)
    expected = [
        "demand[0].origin: unknown node 'Alpah'; did you mean 'Alpha'",
        "demand[0].destination: unknown node 'Nowhere'",
        "demand[0].route.avoid[0]: 'b-cc' is not a country code, mode, leg id or node name; "
        "did you mean 'b-c'?",
        "overrides.nodes.Charly: unknown node 'Charly'",
        "overrides.nodes.Charly.for_origins_in[0]: unknown country code 'QQ'",
        "overrides.ferries.\"a-b\": leg 'a-b' has no ferry service",
        "overrides.ferries.zz: unknown ferry leg id 'zz'",
        "disruptions[0].target: 'b-q' is neither a leg id nor a node name",
    ]
    for text_ in expected:
        assert any(f"n.toml: {text_}" in p for p in problems), (text_, problems)
    assert len(problems) == len(expected)


def test_network_folder_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    rel = os.path.relpath(TINY, tmp_path / "sub")
    write(tmp_path / "sub", "parent.toml", TINY_OK.replace(TINY.as_posix(), Path(rel).as_posix()))
    child = write(tmp_path, "child.toml", 'extends = "sub/parent.toml"\nname = "child"\n')
    assert load_scenario(child).name == "child"


def test_unloadable_network_is_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", TINY_OK.replace(TINY.as_posix(), "no_such_folder"))
    (problem,) = problems_of(path, check_network=True)
    assert "a.toml: network: folder not found: 'no_such_folder'" in problem


def test_every_problem_of_a_network_folder_is_listed(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    legs = (folder / "legs.csv").read_text(encoding="utf-8").splitlines()
    header = legs[0].split(",")
    cells = legs[1].split(",")
    cells[header.index("distance_km")] = "-3"
    legs[1] = ",".join(cells)
    (folder / "legs.csv").write_text("\n".join(legs) + "\n", encoding="utf-8")
    (folder / "units.csv").unlink()
    path = write(tmp_path, "a.toml", TINY_OK.replace(TINY.as_posix(), "net"))
    problems = problems_of(path, check_network=True)
    listed = network.check_network(folder)
    assert len(problems) == len(listed) >= 2, problems
    for problem, expected in zip(problems, listed, strict=True):
        assert problem.endswith(f"a.toml: network: 'net': {expected}"), (problem, expected)
    assert any("legs.csv:2: distance_km = -3" in p for p in problems), problems
    assert any("units.csv" in p for p in problems), problems


# ------------------------------------------------------------------------------ schema, dump


def test_committed_json_schema_is_current() -> None:
    committed = (SCENARIOS / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "regenerate: corridor scenario schema --overwrite -o scenarios/scenario.schema.json"
    )


def test_json_schema_accepts_the_baseline_and_rejects_unknown_keys() -> None:
    import tomllib

    schema = scenario_json_schema()
    data = tomllib.loads((SCENARIOS / "baseline_2025.toml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "yeer": 2030}, schema)
    jsonschema.validate({**data, "extends": "other.toml"}, schema)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_dump_round_trips(path: Path, tmp_path: Path) -> None:
    s = load_scenario(path, check_network=False)
    again = load_scenario(write(tmp_path, "again.toml", dump_scenario(s)), check_network=False)
    assert again == s and again.digest() == s.digest()


def test_dump_of_a_minimal_scenario(tmp_path: Path) -> None:
    s = Scenario(name="m", demand=[Flow(origin="A", destination="B", per_week=1)])
    assert load_scenario(write(tmp_path, "m.toml", dump_scenario(s)), check_network=False) == s


# ------------------------------------------------------------------------------ CLI


def test_cli_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ok.toml", TINY_OK)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK  ") and out.rstrip().endswith("ok.toml: tiny (1 flows, year 2025)")


def test_cli_validate_bad_lists_all_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    files = [FIXTURES / "many_problems.toml", FIXTURES / "negative.toml"]
    code = main(["validate", *map(str, files), "--no-network"])
    out, err = capsys.readouterr()
    assert code == 1 and not err
    assert "FAIL" in out and "replicatons: unknown key" in out and "per_week" in out
    assert "Traceback" not in out + err


def test_cli_validate_shipped_without_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--no-network", *map(str, SHIPPED)]) == 0
    assert capsys.readouterr().out.count("OK  ") == len(SHIPPED)


def test_cli_schema_prints_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["extends"]["type"] == "string"
    out = tmp_path / "s.json"
    assert main(["scenario", "schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()


def test_scenario_error_in_main_is_exit_2_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any command that loads a scenario (run, compare, ...) ends like this on a bad file.
    def failing(_args: object) -> int:
        load_scenario(FIXTURES / "negative.toml", check_network=False)
        return 0

    import sim.cli.scenario

    monkeypatch.setattr(sim.cli.scenario, "cmd_schema", failing)
    code = main(["scenario", "schema"])
    _out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: ") and "demand[0].per_week" in err


def test_readme_documents_every_key() -> None:
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    flat = json.dumps(scenario_json_schema())
    for model in ("Flow", "RouteChoice", "FerryService", "NodeChange", "LegChange", "Disruption"):
        assert model in flat
    for key in (
        "run.horizon_days",
        "demand[i].per_week",
        "overrides.ferries.<id>.load_factor",
        "overrides.node_kinds[i].handling_factor",
        "trains.sync_with_ferries",
        "disruptions[i].events_per_month",
        "overrides.nodes.<id>.for_origins_in",
    ):
        assert f"`{key}`" in readme, key
    for path in SHIPPED:
        assert f"`{path.name}`" in readme, path.name


# ------------------------------------------------------------------------------ documented bounds


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    if isinstance(x, int) and abs(x) >= 10_000:
        return f"{x:,}" if x < 2**62 else "2^63 − 1"
    return f"{x:g}" if isinstance(x, float) else str(x)


def bounds_rows() -> list[tuple[str, str]]:
    """(key path, bounds) of every bounded value of the scenario schema."""
    schema = scenario_json_schema()
    defs = schema.get("$defs", {})
    rows: list[tuple[str, str]] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def rule(node: dict[str, Any]) -> str:
        parts = []
        if "exclusiveMinimum" in node:
            parts.append(f"> {_num(node['exclusiveMinimum'])}")
        if "minimum" in node:
            parts.append(f"≥ {_num(node['minimum'])}")
        if "maximum" in node:
            parts.append(f"≤ {_num(node['maximum'])}")
        if "exclusiveMaximum" in node:
            parts.append(f"< {_num(node['exclusiveMaximum'])}")
        return ", ".join(parts)

    def walk(node: dict[str, Any], path: str) -> None:
        node = resolve(node)
        options = [resolve(o) for o in node.get("anyOf", [node])]
        options = [o for o in options if o.get("type") != "null"]
        for o in options:
            if o.get("type") in ("number", "integer") and rule(o):
                rows.append((path, rule(o)))
            if o.get("type") == "array":
                items = []
                if "minItems" in o:
                    items.append(f"≥ {o['minItems']}")
                if "maxItems" in o:
                    items.append(f"≤ {_num(o['maxItems'])}")
                if items:
                    rows.append((path, "items " + ", ".join(items)))
                walk(o.get("items", {}), path + "[i]")
            if o.get("type") == "string" and ("maxLength" in o or "minLength" in o):
                lim = []
                if "minLength" in o:
                    lim.append(f"≥ {o['minLength']}")
                if "maxLength" in o:
                    lim.append(f"≤ {_num(o['maxLength'])}")
                rows.append((path, "characters " + ", ".join(lim)))
            if "properties" in o:
                for k, v in o["properties"].items():
                    walk(v, f"{path}.{k}" if path else k)
            if isinstance(o.get("additionalProperties"), dict):
                walk(o["additionalProperties"], path + ".<id>")

    walk(schema, "")
    return rows


def test_every_bound_is_documented_in_the_scenarios_readme() -> None:
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    rows = bounds_rows()
    assert len(rows) > 50
    missing = [f"| `{path}` | {rule} |" for path, rule in rows]
    missing = [row for row in missing if row not in readme]
    assert not missing, "update the Limits table of scenarios/README.md:\n" + "\n".join(missing)


def test_every_number_of_the_schema_is_bounded() -> None:
    """Every numeric key has an upper bound (a run stays finite) and a lower one."""
    bounded = {path for path, rule in bounds_rows() if "≤" in rule and (">" in rule or "≥" in rule)}
    numeric: list[str] = []

    def walk(tp: Any, path: str) -> None:
        from pydantic import BaseModel

        from sim.inputs.scenario_io import _item_type, _unwrap

        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            for name, info in tp.model_fields.items():
                walk(info.annotation, f"{path}.{name}" if path else name)
        elif (item := _item_type(tp)) is not None:
            walk(item, path + (".<id>" if typing.get_origin(tp) is dict else "[i]"))
        elif tp in (int, float):
            numeric.append(path)

    walk(Scenario, "")
    assert len(numeric) > 40
    assert [p for p in numeric if p not in bounded] == []


def test_added_vessels_are_checked_against_the_named_fleet(tmp_path: Path) -> None:
    """Every fault of ``add_vessels`` at once, each naming its key: an unknown vessel (with the
    likely one), a deck in another type's measure, a line that runs alike vessels, a line with
    no named vessels; and ``validate`` refuses the file as ``run`` would."""
    path = extending(
        tmp_path,
        "baseline_2025",
        "added",
        """[overrides.ferries."kuryk-alat".add_vessels.kz]
like = "asco-ak-topchubashov"
railcars = 54
teu = 5
[overrides.ferries."poti-constanta".add_vessels.x]
like = "asco-ropax-azerbaijn"
[overrides.ferries."aktau-alat"]
vessels = 3
[overrides.ferries."aktau-alat".add_vessels.big]
like = "kz-container-placeholder-1"
teu = 700
""",
    )
    problems = problems_of(path, check_network=True)
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert '"kuryk-alat".add_vessels.kz.teu' in text and "give railcars instead" in text
    assert "did you mean 'asco-ropax-azerbaijan'" in text
    assert "'poti-constanta' has no named vessels" in text
    assert '"aktau-alat".add_vessels: the line\'s vessels make it run alike vessels' in text
    assert main(["validate", str(path)]) != 0
    # all_ferries has no add_vessels: vessels join one line's fleet
    other = extending(
        tmp_path, "baseline_2025", "common", '[overrides.all_ferries.add_vessels.x]\nlike = "a"\n'
    )
    assert any("overrides.all_ferries.add_vessels" in p for p in problems_of(other))
    # a count that is not a number: the schema's problem, not a traceback of the name check
    text = '[overrides.ferries."kuryk-alat".add_vessels.kz]\nlike = "asco-dagestan"\ncount = "2"\n'
    bad = extending(tmp_path, "baseline_2025", "count", text)
    assert any("add_vessels.kz.count" in p for p in problems_of(bad, check_network=True))


@pytest.mark.parametrize("name", ["trade_2030", "synchronized_ferries"])
def test_run_changes_keep_defaults_defaults(name: str, tmp_path: Path) -> None:
    """Changing the run settings or the parameters (``--replications``, a compare's seed, a
    sweep, a plan's horizon) rebuilds the scenario from what it set: a ferry line it changes
    keeps the low-water load factor of the data where it leaves ``load_factor`` out (a full
    dump made every default a choice, and the lines ran at full deck). The scenario written
    back (``dump_scenario``) reads as the same."""
    from sim.inputs import compile as compiling

    s = load_scenario(SCENARIOS / f"{name}.toml")

    def decks(x: Scenario) -> dict[str, tuple[float, float]]:
        compiling._COMPILED.clear()  # compiled here, not taken from the cache by digest
        spec = compiling.compile_scenario(x, SCENARIOS)
        return {k: (f.load_factor, f.offset_h) for k, f in spec.ferries.items()}

    want = decks(s)
    assert any(lf < 1 for lf, _ in want.values())  # the data's low water applies here
    assert decks(s.with_run(replications=1, seed=3)) == want
    assert decks(s.with_parameters(s.calibration.parameters)) == want
    again = write(tmp_path, "again.toml", dump_scenario(s).replace('extends = "', '# "'))
    assert decks(load_scenario(again)) == want
    # a load factor set to its default's value is a choice, and another scenario (its digest
    # differs, so no cache or resumed folder takes one for the other)
    line = next(iter(s.overrides.ferries))
    full = s.model_copy(
        update={
            "overrides": s.overrides.model_copy(
                update={
                    "ferries": {
                        **s.overrides.ferries,
                        line: sim.FerryService.model_validate(
                            {
                                **s.overrides.ferries[line].model_dump(exclude_unset=True),
                                "load_factor": 1.0,
                            }
                        ),
                    }
                }
            )
        }
    )
    assert full.digest() != s.digest() and decks(full)[line][0] == 1.0 != want[line][0]


def test_added_vessels_must_fit_the_line_and_announcements_are_checked(tmp_path: Path) -> None:
    """A vessel of another line's kind, a name another vessel has, and an announcement that
    adds a vessel of no such id or sets one field of an addition: each refused by ``validate``
    as ``plan`` would meet it, every one at once."""
    path = extending(
        tmp_path,
        "trade_2030",
        "fit",
        """[overrides.ferries."kuryk-alat".add_vessels.boxes]
like = "kz-container-placeholder-1"
[overrides.ferries."turkmenbashi-alat".add_vessels.Dagestan]
like = "asco-dagestan"

[[plan.announced]]
name = "typo"
year = 2031
source = "ASSUMPTION test"
[plan.announced.set]
"overrides.ferries.kuryk-alat.add_vessels.more" = { like = "asco-ak-topchubashv" }

[[plan.announced]]
name = "one field"
year = 2031
source = "ASSUMPTION test"
[plan.announced.set]
"overrides.ferries.kuryk-alat.add_vessels.kazakh-ferries.count" = 3
""",
    )
    problems = problems_of(path, check_network=True)
    text = "\n".join(problems)
    assert "'kz-container-placeholder-1' serves aktau-alat" in text
    assert "would be named 'Dagestan', as another vessel is" in text
    assert "plan.announced[0] ('typo'): overrides.ferries" in text
    assert "did you mean 'asco-ak-topchubashov'" in text
    assert "plan.announced[1] ('one field'): set.overrides" in text and "added whole" in text
    assert len(problems) == 4, problems
