"""The operations tables (vessels, weather, background, frictions, observations, ...): a good
folder loads them typed, a folder without them loads them empty, and each rule has a failing case
with its exact message."""

from __future__ import annotations

import shutil

import pytest

from network import DataError, Network, Problem, check_network, load_network
from network.schema import OPERATIONS_TABLES, TABLES


def only_problem(folder) -> Problem:
    with pytest.raises(DataError) as err:
        load_network(folder)
    assert check_network(folder) == err.value.problems
    (problem,) = err.value.problems
    return problem


def test_operations_tables_load_typed(tiny_ops: Network) -> None:
    assert tiny_ops.vessels.index.name == "vessel_id"
    assert tiny_ops.vessels.loc["pax-1", "berth_types"] == ("rail_ferry", "ro_ro")
    assert bool(tiny_ops.vessels.loc["spare-1", "placeholder"])
    assert not bool(tiny_ops.vessels.loc["rail-1", "placeholder"])
    assert tiny_ops.weather.loc["b_port-12", "month"] == 12
    assert tiny_ops.background.loc["bg-tank", "via_legs"] == ("b-c", "c-d")
    assert tiny_ops.frictions.loc["port-handling", "included_in"] == "nodes.handling_mean_h"
    assert tiny_ops.observations.loc["seg-cf", "target"] == "c_port>d_border>e_gauge"
    assert tiny_ops.border_regimes.loc["seam-d", "handling_mean_h"] == 1.0
    assert len(tiny_ops.vessel_availability) == 2 and len(tiny_ops.load_limits) == 1


def test_missing_operations_tables_load_empty(tmp_path, tiny_ops_path) -> None:
    folder = tmp_path / "core"
    folder.mkdir()
    for name in ("sources", "nodes", "legs", "ferries", "units"):
        shutil.copy(tiny_ops_path / f"{name}.csv", folder)
    net = load_network(folder)
    for table in OPERATIONS_TABLES:
        frame = getattr(net, table.name)
        assert frame.empty and frame.index.name == table.key
        assert list(frame.columns) == [c for c in table.column_names if c != table.key]


def test_every_numeric_operations_column_is_bounded() -> None:
    for table in OPERATIONS_TABLES:
        for col in table.columns:
            if col.dtype in ("int", "float"):
                assert col.bounds is not None, f"{table.name}.{col.name}"
                assert col.bounds[0] < col.bounds[1]
        for triple in table.priors:
            for name in triple:
                assert table.column(name).dtype == "float"
    assert TABLES["weather"].column("month").bounds == (1.0, 12.0)


def test_month_out_of_range(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "b_port-12,b_port,12,", "b_port-12,b_port,13,")
    assert str(only_problem(folder)) == (
        "weather.csv:2: month = 13: must be between 1 and 12 (hint: Month, 1–12.)"
    )


def test_prior_must_bracket_the_central_value(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "2,1,4,24,12,48", "5,1,4,24,12,48")
    assert str(only_problem(folder)) == (
        "weather.csv:2: closures_per_month = 5: must be <= closures_high (4) "
        "(hint: the central value lies inside its prior range)"
    )


def test_prior_ends_swapped(broken_ops) -> None:
    folder, edit = broken_ops
    edit(
        "border_regimes.csv",
        "seam-d,seamless,d_border,1,0.5,3,",
        "seam-d,seamless,d_border,1,3,0.5,",
    )
    assert str(only_problem(folder)) == (
        "border_regimes.csv:3: handling_low = 3: must be <= handling_high (0.5) (hint: swap them?)"
    )


def test_assumed_value_needs_a_prior(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "b_port-12,b_port,12,2,1,4,", "b_port-12,b_port,12,2,,,")
    assert str(only_problem(folder)) == (
        "weather.csv:2: closures_low = (blank): assumed closures_per_month needs a prior range "
        "(closures_low, closures_high) (hint: source 'fixture-assume' is an assumption: give the "
        "range it may take and the reasoning in its note)"
    )


def test_half_a_prior(broken_ops) -> None:
    folder, edit = broken_ops
    edit("load_limits.csv", "0.75,0.7,0.8,", "0.75,0.7,,")
    assert str(only_problem(folder)) == (
        "load_limits.csv:2: factor_high = (blank): a prior range needs both factor_low and "
        "factor_high (hint: give both ends or neither)"
    )


def test_unknown_line_of_a_vessel(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "4.5,fixture-pub,b-c,b-c,", "4.5,fixture-pub,b-c;b-x,b-c,")
    assert str(only_problem(folder)) == (
        "vessels.csv:2: lines = b-x: unknown leg_id (not in ferries.csv) (hint: did you mean "
        "'b-c'?)"
    )


def test_unknown_node_of_a_berth(broken_ops) -> None:
    folder, edit = broken_ops
    edit("berths.csv", "c-rail,c_port,", "c-rail,c_prot,")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.key, problem.value) == (
        "berths.csv",
        3,
        "node_id",
        "c_prot",
    )
    assert problem.rule == "unknown node_id (not in nodes.csv)"
    assert "c_port" in problem.hint


def test_unknown_source_of_an_operations_figure(broken_ops) -> None:
    folder, edit = broken_ops
    edit(
        "berths.csv",
        "c-rail,c_port,rail_ferry,2,fixture-pub",
        "c-rail,c_port,rail_ferry,2,fixture-pbu",
    )
    problem = only_problem(folder)
    assert (problem.row, problem.key, problem.rule) == (
        3,
        "berths_source",
        "source_id not in sources.csv",
    )


def test_list_choices_are_checked_item_by_item(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "rail_ferry;ro_ro", "rail_ferry;roro")
    assert str(only_problem(folder)) == (
        "vessels.csv:3: berth_types = roro: must be one of 'rail_ferry', 'ro_ro', "
        "'universal_ferry', 'container' (hint: did you mean 'ro_ro'? choices are fixed in "
        "network/schema.py)"
    )


def test_bool_column(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "rail_ferry,true,", "rail_ferry,maybe,")
    problem = only_problem(folder)
    assert (problem.row, problem.key, problem.value, problem.rule) == (
        4,
        "placeholder",
        "maybe",
        "must be true or false",
    )


def test_home_line_must_be_served(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "4.5,fixture-pub,b-c,b-c,", "4.5,fixture-pub,,b-c,")
    problems = check_network(folder)
    assert [str(p) for p in problems] == [
        "vessels.csv:2: lines = (blank): missing required value (hint: ';'-separated leg ids "
        "of ferries.csv the vessel may serve.)",
        "vessels.csv:2: home_line = b-c: must be one of the vessel's lines (hint: add it to lines)",
    ]


def test_vessel_carries_something(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "rail_ferry,false,30,,,4.5,", "rail_ferry,false,0,,,4.5,")
    assert str(only_problem(folder)) == (
        "vessels.csv:2: railcars = 0: vessel carries nothing (hint: give railcars, trucks or teu "
        "> 0)"
    )


def test_service_years_ordered(broken_ops) -> None:
    folder, edit = broken_ops
    edit("vessels.csv", "rail_ferry,1985,,fixture-pub", "rail_ferry,1985,1980,fixture-pub")
    assert str(only_problem(folder)) == (
        "vessels.csv:2: service_to = 1980: must be >= service_from (1985)"
    )


def test_duplicate_port_month(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "c_port-1,c_port,1,", "c_port-1,b_port,12,")
    assert str(only_problem(folder)) == (
        "weather.csv:3: node_id+month = b_port/12: duplicate combination (hint: first given on "
        "line 2)"
    )


def test_weather_applies_to_ports(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "c_port-1,c_port,1,", "c_port-1,d_border,1,")
    assert str(only_problem(folder)) == (
        "weather.csv:3: node_id = d_border: node is of kind 'border', not port (hint: weather "
        "closures apply to ports)"
    )


def test_closures_fit_in_the_month(broken_ops) -> None:
    folder, edit = broken_ops
    edit("weather.csv", "c_port-1,c_port,1,1,,,12,", "c_port-1,c_port,1,10,,,100,")
    assert str(only_problem(folder)) == (
        "weather.csv:3: closure_mean_h = 100: closures_per_month x closure_mean_h = 1000 h "
        "exceeds a month (744 h) (hint: fewer or shorter closures)"
    )


def test_background_adds_up(broken_ops) -> None:
    folder, edit = broken_ops
    edit("background.csv", "1000,1500,500,", "900,1500,500,")
    assert str(only_problem(folder)) == (
        "background.csv:2: units_per_year = 900: must equal published_per_year − "
        "modelled_per_year = 1000 (hint: background + the modelled flows reproduce the "
        "published throughput)"
    )


def test_background_legs_run_from_origin_to_destination(broken_ops) -> None:
    folder, edit = broken_ops
    edit("background.csv", "b_port,d_border,b-c;c-d,", "b_port,d_border,c-d;b-c,")
    assert str(only_problem(folder)) == (
        "background.csv:2: via_legs = c-d: leg does not start at 'b_port' (hint: list the legs "
        "in order from origin to destination)"
    )
    edit("background.csv", "b_port,d_border,c-d;b-c,", "b_port,d_border,b-c,")
    assert str(only_problem(folder)) == (
        "background.csv:2: via_legs = b-c: legs end at 'c_port', not at destination 'd_border' "
        "(hint: list the legs in order from origin to destination)"
    )


def test_friction_target_follows_its_scope(broken_ops) -> None:
    folder, edit = broken_ops
    edit("frictions.csv", "node_kind,gauge_change,", "node_kind,gauge_chnage,")
    assert str(only_problem(folder)) == (
        "frictions.csv:3: applies_to = gauge_chnage: unknown node kind (hint: did you mean "
        "'gauge_change'?)"
    )


def test_included_friction_names_where(broken_ops) -> None:
    folder, edit = broken_ops
    edit("frictions.csv", "included,nodes.handling_mean_h,", "included,,")
    assert str(only_problem(folder)) == (
        "frictions.csv:4: included_in = (blank): role 'included' needs included_in (hint: name "
        "the 'table.column' that already carries this time)"
    )
    edit("frictions.csv", "included,,", "included,nodes.handling_h,")
    problem = only_problem(folder)
    assert problem.rule == "not a table.column of network/schema.py"
    assert "nodes.handling_mean_h" in problem.hint


def test_transit_times_are_never_fitted(broken_ops) -> None:
    folder, edit = broken_ops
    edit("observations.csv", "fixture-pub,C,check,must", "fixture-pub,C,fit,must")
    assert str(only_problem(folder)) == (
        "observations.csv:5: use = fit: end-to-end transit times are not fitted (hint: use "
        "'check': origin→destination times must come out of the model)"
    )


def test_observation_targets(broken_ops) -> None:
    folder, edit = broken_ops
    edit("observations.csv", "route,c_port>d_border>e_gauge,", "route,c_port>x_node,")
    problem = only_problem(folder)
    assert (problem.row, problem.key, problem.rule) == (
        4,
        "target",
        "a route is two or more node ids joined by '>'",
    )
    edit("observations.csv", "ferry_line,b-c,", "ferry_line,a-b,")
    problems = check_network(folder)
    assert ("observations.csv", 2, "unknown ferry line") in {
        (p.file, p.row, p.rule) for p in problems
    }


def test_observation_needs_a_value_or_range(broken_ops) -> None:
    folder, edit = broken_ops
    edit("observations.csv", "typical_range,,24,72,", "typical_range,,24,,")
    problems = check_network(folder)
    assert [str(p) for p in problems] == [
        "observations.csv:2: high = (blank): a prior range needs both low and high (hint: give "
        "both ends or neither)",
        "observations.csv:2: value = (blank): give a value, or low and high (hint: the "
        "published figure or its range)",
    ]


def test_border_regime_node_kind(broken_ops) -> None:
    folder, edit = broken_ops
    edit("border_regimes.csv", "seam-d,seamless,d_border,", "seam-d,seamless,b_port,")
    assert str(only_problem(folder)) == (
        "border_regimes.csv:3: node_id = b_port: node is of kind 'port', not border or "
        "gauge_change (hint: a border regime sets the dwell of a crossing)"
    )


def test_unknown_column_in_an_optional_table(broken_ops) -> None:
    folder, edit = broken_ops
    edit("berths.csv", "berth_id,node_id,berth_type,berths,", "berth_id,node_id,berth_type,berth,")
    problems = check_network(folder)
    assert ("berths.csv", 1, "berth", "unknown column") in {
        (p.file, p.row, p.key, p.rule) for p in problems
    }
