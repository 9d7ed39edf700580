"""Broken copies of the tiny network: every problem is reported, with file and line."""

from __future__ import annotations

import pytest

from network import DataError, Problem, check_network, load_network
from network.checks import CHECKS


def problems_of(folder) -> list[Problem]:
    with pytest.raises(DataError) as err:
        load_network(folder)
    assert check_network(folder) == err.value.problems
    return err.value.problems


def where(problems: list[Problem]) -> set[tuple[str, int | None, str]]:
    return {(p.file, p.row, p.key) for p in problems}


def test_tiny_network_passes_every_check(tiny_path) -> None:
    assert check_network(tiny_path) == []


def test_unknown_node_in_legs_suggests_the_id(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "a-b,a_city,b_port,", "a-b,a_city,b_prt,")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.key, problem.value) == (
        "legs.csv",
        2,
        "to_node",
        "b_prt",
    )
    assert problem.rule == "unknown node"
    assert "b_port" in problem.hint


def test_duplicate_id(broken) -> None:
    folder, edit = broken
    edit("nodes.csv", "h_border,Hotel Border", "g_junction,Hotel Border")
    problems = problems_of(folder)
    dup = [p for p in problems if p.rule == "duplicate id"]
    assert where(dup) == {("nodes.csv", 9, "node_id")}
    assert "line 8" in dup[0].hint


def test_negative_distance_message(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "c-d,c_port,d_border,rail,200,", "c-d,c_port,d_border,rail,-3,")
    (problem,) = problems_of(folder)
    assert str(problem).startswith("legs.csv:4: distance_km = -3: must be > 0 (hint: ")


def test_unknown_mode_suggests(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "a-g,a_city,g_junction,road,", "a-g,a_city,g_junction,raod,")
    (problem,) = problems_of(folder)
    assert where([problem]) == {("legs.csv", 7, "mode")}
    assert "did you mean 'road'" in problem.hint


def test_missing_source(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "650,fixture-pub,9,", "650,fixture-pbu,9,")
    (problem,) = problems_of(folder)
    assert (problem.row, problem.key, problem.rule) == (
        10,
        "distance_source",
        "source_id not in sources.csv",
    )
    assert "fixture-pub" in problem.hint


def test_figure_without_source(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "1200,fixture-pub,0.08", "1200,,0.08")
    (problem,) = problems_of(folder)
    assert (problem.row, problem.key, problem.rule) == (
        7,
        "cost_source",
        "cost_usd_per_teu has no source",
    )


def test_unreachable_node(broken) -> None:
    folder, edit = broken
    # A new node i_island takes a_city's and f_city's place on the three legs of h_border, so
    # h_border and i_island form a two-node island apart from the rest.
    edit(
        "nodes.csv",
        "h_border,Hotel Border,,XX,border,37.5,60.0,fixture-pub,2,4,0.8,fixture-pub,"
        "fixture-assume,border XX/ZZ\n",
        "h_border,Hotel Border,,XX,border,37.5,60.0,fixture-pub,2,4,0.8,fixture-pub,"
        "fixture-assume,border XX/ZZ\ni_island,India,,XX,terminal,37.0,62.0,fixture-pub,,,,,,\n",
    )
    edit("legs.csv", "a-h,a_city,h_border,rail", "a-h,i_island,h_border,rail")
    edit("legs.csv", "a-h-road,a_city,h_border,road", "a-h-road,i_island,h_border,road")
    edit("legs.csv", "h-f,h_border,f_city,", "h-f,h_border,i_island,")
    problems = problems_of(folder)
    assert where(problems) == {("nodes.csv", 9, "node_id"), ("nodes.csv", 10, "node_id")}
    assert all(p.rule == "unreachable from the main network" for p in problems)
    assert "h_border, i_island" in problems[0].hint


def test_node_touched_by_no_leg(broken) -> None:
    folder, edit = broken
    edit(
        "nodes.csv",
        "g_junction,Golf,,WW,junction,38.0,56.0,fixture-pub,,,,,,no queue\n",
        "g_junction,Golf,,WW,junction,38.0,56.0,fixture-pub,,,,,,no queue\n"
        "z_lonely,Zulu,,WW,junction,38.0,57.0,fixture-pub,,,,,,\n",
    )
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.rule) == ("nodes.csv", 9, "no leg touches this node")


def test_several_problems_in_several_files_are_all_listed(broken) -> None:
    folder, edit = broken
    edit("legs.csv", "a-b,a_city,b_port,", "a-b,a_city,b_prt,")
    edit("legs.csv", "d-e,d_border,e_gauge,rail,100,", "d-e,d_border,e_gauge,rail,abc,")
    edit("legs.csv", "1435,planned,2028,", "1435,planned,,")
    edit(
        "nodes.csv",
        "d_border,Delta Border,,YY,border,41.4,45.1,",
        "d_border,Delta Border,,YY,border,141.4,45.1,",
    )
    edit("sources.csv", "Round numbers chosen so that totals can be computed by hand.", "")
    edit("ferries.csv", "max_wait,24,", "max_wait,,")
    edit("units.csv", "teu,10,", "teu,0,")
    problems = problems_of(folder)
    assert where(problems) == {
        ("sources.csv", 3, "note"),
        ("nodes.csv", 5, "lat"),
        ("legs.csv", 2, "to_node"),
        ("legs.csv", 5, "distance_km"),
        ("legs.csv", 12, "opening_year"),
        ("ferries.csv", 2, "max_wait_h"),
        ("units.csv", 2, "payload_t"),
    }
    message = str(DataError(problems))
    assert message.count("\n") == len(problems)
    for problem in problems:
        assert str(problem) in message
    files = [p.file for p in problems]
    assert files == sorted(
        files, key=["sources.csv", "nodes.csv", "legs.csv", "ferries.csv", "units.csv"].index
    )


def test_ferry_rows_match_ferry_legs(broken_ops) -> None:
    folder, edit = broken_ops
    edit("ferries.csv", "b-c,Test", "a-b,Test")
    problems = problems_of(folder)
    core = [p for p in problems if p.file in ("ferries.csv", "legs.csv")]
    assert {(p.file, p.row, p.rule) for p in core} == {
        ("ferries.csv", 2, "leg is of mode 'rail', not ferry or sea"),
        ("legs.csv", 3, "ferry leg has no row in ferries.csv"),
    }
    # the operations tables that name the line b-c now point at a line without a ferry row
    assert {p.rule for p in problems if p not in core} == {
        "unknown leg_id (not in ferries.csv)",
        "unknown ferry line",
    }
    assert ("vessels.csv", 2, "lines") in where(problems)


def test_missing_file_and_columns(broken) -> None:
    folder, edit = broken
    (folder / "units.csv").unlink()
    edit(
        "nodes.csv",
        "node_id,name,aliases,country,kind,lat,lon,",
        "node_id,name,aliasses,country,kind,lat,lon,",
    )
    edit("legs.csv", ",mode,", ",,")
    problems = problems_of(folder)
    assert ("units.csv", None, "file") in where(problems)
    unknown = [p for p in problems if p.rule == "unknown column"]
    assert [(p.file, p.row, p.value) for p in unknown] == [("nodes.csv", 1, "aliasses")]
    assert "did you mean 'aliases'" in unknown[0].hint
    assert ("legs.csv", 1, "mode") in where(problems)
    assert ("legs.csv", 1, "column 4") in where(problems)


def test_run_checks_runs_every_registered_check_once(monkeypatch, tiny_path) -> None:
    """The registry is what runs: each check in CHECKS is called once on the tables, and its
    problems (one marker problem per check here) all reach the result."""
    from network import checks as module
    from network.raw import read_folder

    tables = read_folder(tiny_path)
    calls: list[str] = []

    def recorder(name: str):
        def check(seen):
            assert seen is tables
            calls.append(name)
            return [Problem("legs.csv", 2, name, None, f"marker {name}")]

        return check

    monkeypatch.setattr(module, "CHECKS", {name: recorder(name) for name in CHECKS})
    problems = module.run_checks(tables)
    assert sorted(calls) == sorted(CHECKS)
    assert sorted(p.key for p in problems) == sorted(CHECKS)
    # and the real registry names each check after its rule function
    for name, check in CHECKS.items():
        assert check.__name__.startswith("check_"), name
        assert check.__doc__, f"check {name!r} does not say what it checks"
