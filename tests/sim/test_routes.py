"""Stable route identity: the routes table, the shipments' ``route_id``, and comparisons that
line up the same physical route across scenarios and years."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from network.via import route_id
from sim.analysis.routes import route_use, routes_frame
from sim.analysis.shift import route_shift
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"


def _tiny(year: int, name: str) -> sim.Scenario:
    return sim.Scenario(
        name=name,
        network=str(TINY),
        year=year,
        demand=[
            sim.Flow(
                origin="Alpha",
                destination="Foxtrot",
                per_week=60,
                route=sim.RouteChoice(mode="adaptive", k=3, by="time"),
            ),
            sim.Flow(origin="Foxtrot", destination="Alpha", per_week=30),
        ],
        run=sim.RunSettings(horizon_days=40, warmup_days=5, replications=2, seed=5),
    )


@pytest.fixture(scope="module")
def years() -> sim.Results:
    """The tiny network in 2025 and in 2030 (leg g-e opens in 2028), same demand."""
    return sim.compare([_tiny(2025, "y2025"), _tiny(2030, "y2030")], replications=2)


def test_the_same_path_has_the_same_id_and_name_in_both_years(years: sim.Results):
    by_legs: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    for spec in years.specs.values():
        ids = [p.route_id for p in spec.plans]
        assert len(set(ids)) == len(ids)  # one id per path within a scenario
        for p in spec.plans:
            assert p.route_id == route_id(p.nodes, p.legs)
            by_legs.setdefault(p.legs, set()).add((p.route_id, p.label))
    assert all(len(v) == 1 for v in by_legs.values())  # same legs -> same id and name
    ids = [next(iter(v))[0] for v in by_legs.values()]
    assert len(set(ids)) == len(ids)  # different legs -> different ids
    common = {p.legs for p in years.specs["y2025"].plans} & {
        p.legs for p in years.specs["y2030"].plans
    }
    assert common  # the years share routes, so the check above compared something


def test_the_routes_table_describes_every_route_and_counts_its_units(years: sim.Results):
    t = years.routes()
    assert t.equals(routes_frame(years.specs, years.shipments))
    s = years.shipments
    assert set(zip(s["scenario"], s["route_id"], strict=True)) <= set(
        zip(t["scenario"], t["route_id"], strict=True)
    )
    released = s[~s["in_warmup"]].groupby("scenario", observed=True).size() / 2
    assert t.groupby("scenario")["units_per_replication"].sum().to_dict() == pytest.approx(
        released.to_dict()
    )
    # the route over the leg opening in 2028 is a candidate only in 2030, and says so
    new = t[t["legs"].str.contains("g-e")]
    assert set(new["scenario"]) == {"y2030"}
    assert (new["opening_years"] == "2028").all() and (new["opens"] == 2028).all()
    assert (t.loc[~t["legs"].str.contains("g-e"), "opening_years"] == "").all()
    for spec in years.specs.values():
        for p in spec.plans:
            row = t[(t["scenario"] == spec.name) & (t["route_id"] == p.route_id)].iloc[0]
            assert row["legs"].split(" > ") == list(p.legs)
            assert row["distance_km"] == p.distance_km
            assert row["name"].startswith(f"{row['origin']} → {row['destination']} ")


def test_route_use_lines_routes_up_across_scenarios(years: sim.Results):
    use = route_use(years.routes())
    assert list(use.columns) == ["y2025", "y2030"]
    assert use.index.get_level_values("route_id").is_unique
    t = years.routes()
    for (rid, _name), row in use.iterrows():
        for scen in ("y2025", "y2030"):
            part = t[(t["scenario"] == scen) & (t["route_id"] == rid)]
            if part.empty:
                assert pd.isna(row[scen])
            else:
                assert row[scen] == part["units_per_replication"].iloc[0]


def test_route_shift_keys_by_id_not_by_label(years: sim.Results):
    """Relabelling one scenario's routes changes nothing: the shift is keyed by route_id."""
    s = years.shipments
    before = route_shift(s, "y2025", "y2030")
    other = s.assign(
        route=s["route"].where(s["scenario"] != "y2030", "renamed " + s["route"].astype(str)),
        via=s["via"].where(s["scenario"] != "y2030", "x"),
    )
    after = route_shift(other, "y2025", "y2030")
    cols = [c for c in before.columns if c not in ("route", "via")]
    pd.testing.assert_frame_equal(before[cols], after[cols])
    assert set(before.index.get_level_values(1)) <= set(years.routes()["route_id"])


def test_labels_in_data_are_never_cut_short():
    """The shipped 2030 scenario's routes: no name or via text ends in an ellipsis."""
    from sim.inputs.compile import compile_scenario

    spec = compile_scenario(sim.load_scenario(sim.scenario_path("corridors_2030")))
    assert len(spec.plans) > 10
    for p in spec.plans:
        assert "…" not in p.label and "…" not in p.via, p


def test_every_output_carries_the_routes_table(tmp_path: Path):
    path = tmp_path / "a.toml"
    path.write_text(sim.dump_scenario(_tiny(2030, "a")), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "-o", str(out), "-q", "--no-figures"]) == 0
    csv = pd.read_csv(out / "tables" / "routes.csv", keep_default_na=False)
    parquet = pd.read_parquet(out / "tables" / "routes.parquet")
    ships = pd.read_parquet(out / "tables" / "shipments.parquet")
    assert list(csv["route_id"]) == list(parquet["route_id"])
    assert set(ships["route_id"]) <= set(parquet["route_id"])


# -- outputs analysts expect: volumes in tonnes and TEU-km, an Excel workbook -----------------


def test_kpis_carry_tonnes_and_teu_km_delivered(years: sim.Results):
    s = years.shipments
    k = years.kpis()
    d = s[~s["in_warmup"] & s["delivered"]]
    spec = years.specs["y2025"]
    for (scen, rep, flow), part in d.groupby(["scenario", "replication", "flow"], observed=True):
        row = k[(k["scenario"] == scen) & (k["replication"] == rep) & (k["flow"] == flow)].iloc[0]
        f = next(f for f in spec.flows if f.label == flow)
        unit = spec.units[f.unit]
        assert row["tonnes_delivered"] == pytest.approx(len(part) * unit.payload_t)
        assert row["teu_km_delivered"] == pytest.approx(
            unit.teu_equivalent * part["distance_km"].sum()
        )
    summary = sim.analysis.report.summary_table(years, "y2025")
    mean = k.groupby(["flow", "scenario"], observed=True)["teu_km_delivered"].mean()
    for row in summary.itertuples():
        assert row.teu_km_delivered == pytest.approx(mean[(row.flow, row.scenario)])


def test_xlsx_holds_the_csv_tables(tmp_path: Path):
    path = tmp_path / "a.toml"
    path.write_text(sim.dump_scenario(_tiny(2030, "a")), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "-o", str(out), "-q", "--no-figures", "--xlsx"]) == 0
    book = pd.read_excel(out / "tables.xlsx", sheet_name=None)
    assert list(book)[:4] == ["summary", "kpis", "differences", "routes"]
    for name in ("summary", "kpis", "routes", "capacity"):
        csv = pd.read_csv(out / "tables" / f"{name}.csv")
        sheet = book[name]
        assert list(sheet.columns) == list(csv.columns), name
        assert len(sheet) == len(csv), name
    kpis = pd.read_csv(out / "tables" / "kpis.csv")
    assert book["kpis"]["teu_km_delivered"].tolist() == pytest.approx(
        kpis["teu_km_delivered"].tolist()
    )
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"tables.xlsx"' in manifest
    # without the flag, no workbook
    out2 = tmp_path / "out2"
    assert main(["run", str(path), "-o", str(out2), "-q", "--no-figures"]) == 0
    assert not (out2 / "tables.xlsx").exists()


def test_a_comparison_writes_what_differs_and_the_route_shift(tmp_path: Path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(sim.dump_scenario(_tiny(2025, "a")), encoding="utf-8")
    b.write_text(sim.dump_scenario(_tiny(2030, "b")), encoding="utf-8")
    out = tmp_path / "out"
    args = ["compare", str(a), str(b), "-o", str(out), "-q", "--no-figures", "--xlsx"]
    assert main(args) == 0
    differs = pd.read_csv(out / "tables" / "what_differs.csv", keep_default_na=False)
    # the network year and the leg g-e that opens in 2028, as the report lists them
    assert ("network year", "2025", "2030") in set(
        zip(
            differs["item"],
            differs["before"].astype(str),
            differs["after"].astype(str),
            strict=True,
        )
    )
    assert (differs["topic"] == "legs opened").sum() >= 1
    text = (out / "report.md").read_text(encoding="utf-8")
    for item in differs["item"]:
        assert md_item(item) in text
    shift = pd.read_csv(out / "tables" / "route_shift.csv")
    assert list(shift.columns[:2]) == ["scenario", "flow"] and set(shift["scenario"]) <= {"b"}
    book = pd.read_excel(out / "tables.xlsx", sheet_name=None)
    assert {"what_differs", "route_shift"} <= set(book)
    # a single run writes neither
    run = tmp_path / "run"
    assert main(["run", str(a), "-o", str(run), "-q", "--no-figures"]) == 0
    assert not (run / "tables" / "what_differs.csv").exists()


def md_item(item: str) -> str:
    """An item as the report's markdown writes it."""
    return sim.analysis.report.md_text(item)
