"""Loading a network folder: types, derived values, overlays, name resolution."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from network import DataError, Network, UnknownNameError, default_data_path, load_network

TABLES = ("sources", "nodes", "legs", "ferries", "units")


def test_tables_are_indexed_by_their_key(tiny: Network) -> None:
    assert tiny.nodes.index.name == "node_id"
    assert tiny.legs.index.name == "leg_id"
    assert tiny.ferries.index.name == "leg_id"
    assert tiny.units.index.name == "unit"
    assert tiny.sources.index.name == "source_id"
    assert len(tiny.nodes) == 8 and len(tiny.legs) == 11


def test_types_follow_the_schema(tiny: Network) -> None:
    assert tiny.legs.loc["b-c", "countries"] == ("XX", "YY")
    assert tiny.nodes.loc["c_port", "aliases"] == ("Çarli",)
    assert tiny.nodes.loc["b_port", "aliases"] == ()
    assert tiny.legs["distance_km"].dtype == "float64"
    assert tiny.legs.loc["g-e", "opening_year"] == 2028
    assert pd.isna(tiny.legs.loc["a-b", "opening_year"])
    assert math.isnan(tiny.nodes.loc["g_junction", "handling_mean_h"])
    assert tiny.legs.loc["b-c", "gauge"] == ""


def test_duration_is_derived_from_speed_and_defaults_filled(tiny: Network) -> None:
    assert tiny.legs.loc["c-d", "duration_h"] == 200 / 50
    assert tiny.legs["duration_h"].notna().all()
    assert tiny.legs.loc["c-d", "delay_cv"] == 0.0
    assert tiny.legs.loc["a-b", "wait_mean_h"] == 0.0
    assert tiny.legs.loc["b-c", "wait_mean_h"] == 12.0


def test_network_is_frozen(tiny: Network) -> None:
    with pytest.raises(AttributeError):
        tiny.legs = tiny.legs  # type: ignore[misc]


def test_overrides_change_a_copy_and_are_revalidated(tiny: Network) -> None:
    new = tiny.with_overrides(
        legs={"g-e": {"status": "open", "opening_year": 2026}},
        nodes={"b_port": {"handling_mean_h": 12.0}},
    )
    assert new.legs.loc["g-e", "status"] == "open"
    assert new.legs.loc["g-e", "opening_year"] == 2026
    assert new.nodes.loc["b_port", "handling_mean_h"] == 12.0
    assert tiny.legs.loc["g-e", "status"] == "planned"
    assert tiny.nodes.loc["b_port", "handling_mean_h"] == 10.0
    with pytest.raises(DataError, match=r"legs\.csv:3: distance_km = -5\.0: must be > 0"):
        tiny.with_overrides(legs={"b-c": {"distance_km": -5.0}})


def test_override_of_speed_recomputes_duration(tiny: Network) -> None:
    assert tiny.with_overrides(legs={"c-d": {"speed_kmh": 100}}).legs.loc["c-d", "duration_h"] == 2


def test_override_unknown_id_or_column_suggests(tiny: Network) -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'b-c'") as err:
        tiny.with_overrides(legs={"b-cc": {"status": "open"}})
    assert err.value.suggestions[0] == "b-c"
    with pytest.raises(UnknownNameError, match="did you mean 'handling_mean_h'"):
        tiny.with_overrides(nodes={"b_port": {"handling_mean": 1.0}})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Alpha", "a_city"),
        ("alfa", "a_city"),
        ("A_CITY", "a_city"),
        ("Port of Bravo", "b_port"),
        ("bravo", "b_port"),
        ("Foxtrot", "f_city"),
        ("Carli", "c_port"),
        ("charlie  port", "c_port"),
    ],
)
def test_resolve_node(tiny: Network, typed: str, expected: str) -> None:
    assert tiny.resolve_node(typed) == expected


def test_resolve_unknown_node_suggests(tiny: Network) -> None:
    with pytest.raises(UnknownNameError) as err:
        tiny.resolve_node("Foxtrut")
    assert "Foxtrôt" in err.value.suggestions
    assert "did you mean" in str(err.value)


def test_from_frames_round_trips(tiny: Network) -> None:
    frames = {name: getattr(tiny, name).reset_index() for name in TABLES}
    again = Network.from_frames(**frames)
    pd.testing.assert_frame_equal(again.legs, tiny.legs)
    pd.testing.assert_frame_equal(again.nodes, tiny.nodes)
    assert again.path is None


def test_from_frames_reports_rows_without_lines(tiny: Network) -> None:
    frames = {name: getattr(tiny, name).reset_index() for name in TABLES}
    frames["legs"].loc[0, "mode"] = "rocket"
    with pytest.raises(DataError) as err:
        Network.from_frames(**frames)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.key, problem.value) == (
        "legs.csv",
        None,
        "mode",
        "rocket",
    )


def test_default_data_path_is_the_package_folder() -> None:
    path = default_data_path()
    assert path.name == "data" and path.parent.name == "network"
    assert path.is_dir()


def test_load_network_accepts_str(tiny_path) -> None:
    assert len(load_network(str(tiny_path)).nodes) == 8


def _copy_tiny(tiny_path, tmp_path):
    import shutil

    folder = tmp_path / "net"
    shutil.copytree(tiny_path, folder)
    return folder


def test_a_byte_order_mark_is_accepted(tiny_path, tmp_path) -> None:
    folder = _copy_tiny(tiny_path, tmp_path)
    for name in TABLES:
        path = folder / f"{name}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    net = load_network(folder)
    assert net.nodes.index.name == "node_id" and len(net.nodes) == 8


def test_text_that_is_not_utf8_is_named_by_file_and_line_in_every_file(tiny_path, tmp_path) -> None:
    folder = _copy_tiny(tiny_path, tmp_path)
    nodes = (folder / "nodes.csv").read_bytes().split(b"\n")
    nodes[2] = nodes[2].replace(b"Bravo", b"Br\xe4vo", 1)  # Latin-1, as an old spreadsheet saves
    nodes[4] = nodes[4] + b"\xff"
    (folder / "nodes.csv").write_bytes(b"\n".join(nodes))
    legs = (folder / "legs.csv").read_bytes()
    (folder / "legs.csv").write_bytes(legs.replace(b"\n", b"\n\xc3", 1))
    with pytest.raises(DataError) as info:
        load_network(folder)
    found = [(p.file, p.row, p.rule) for p in info.value.problems]
    assert found == [
        ("nodes.csv", 3, "not UTF-8"),
        ("nodes.csv", 5, "not UTF-8"),
        ("legs.csv", 2, "not UTF-8"),
    ]
    assert "byte 0xe4 at column" in str(info.value.problems[0])
    assert str(folder) in str(info.value)
