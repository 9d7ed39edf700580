"""``corridor run`` and ``corridor compare``: output folder, summary, errors without output."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"


def _scenario(folder: Path, name: str, factor: float = 1.0) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f"""
name = "{name}"
network = "{TINY}"
year = 2025

[[demand]]
origin = "Alpha"
destination = "Foxtrot"
per_week = 150
route = {{ by = "co2" }}

[[overrides.node_kinds]]
kind = "border"
handling_factor = {factor}

[run]
horizon_days = 60
warmup_days = 5
replications = 3
seed = 3
""",
        encoding="utf-8",
    )
    return path


def test_compare_writes_everything_and_prints_differences(tmp_path: Path, capsys):
    a = _scenario(tmp_path, "base")
    b = _scenario(tmp_path, "fast", factor=0.25)
    out = tmp_path / "out"
    assert main(["compare", str(a), str(b), "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "fast" in printed and "base" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["name"] for s in manifest["scenarios"]] == ["base", "fast"]
    assert manifest["seed"] == 3 and manifest["replications"] == 3
    shipments = pd.read_parquet(out / "tables" / "shipments.parquet")
    assert set(shipments["scenario"]) == {"base", "fast"}
    assert sorted(shipments["replication"].unique()) == [0, 1, 2]
    diffs = pd.read_csv(out / "tables" / "differences.csv")
    row = diffs[(diffs.metric == "mean_transit_d") & (diffs.scenario == "fast")].iloc[0]
    # faster borders (d_border 6 h x 0.25): the CO2-best route crosses it, so transit falls
    assert row.difference < 0 and row.ci_high < 0
    assert (out / "report.html").exists() and (out / "report.md").exists()
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert "transit_distributions.png" in figures and "flow_maps.png" in figures
    assert "flow_differences.png" in figures  # a comparison: the change per leg
    html = (out / "report.html").read_text()
    for name in figures:
        assert f"figures/{name}" in html
    # running again replaces our own folder, with --overwrite only
    assert main(["compare", str(a), str(b), "-o", str(out), "-q", "--no-figures"]) == 2
    assert "--overwrite" in capsys.readouterr().err and (out / "figures").exists()
    argv = ["compare", str(a), str(b), "-o", str(out), "-q", "--no-figures", "--overwrite"]
    assert main(argv) == 0
    assert not (out / "figures").exists()


def test_run_one_scenario(tmp_path: Path, capsys):
    a = _scenario(tmp_path, "base")
    out = tmp_path / "one"
    assert main(["run", str(a), "-o", str(out), "-q", "--replications", "2", "--no-figures"]) == 0
    kpis = pd.read_csv(out / "tables" / "kpis.csv")
    assert sorted(kpis["replication"].unique()) == [0, 1]


def test_bad_scenario_exits_2_without_traceback_or_output(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "bad"\n[[demand]]\norigin = "Tashkennt"\ndestination = "Poti"\nper_week = -1\n'
    )
    out = tmp_path / "out"
    assert main(["compare", str(bad), str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # the suggestion is the place's display name, not its id
    assert "demand[0].per_week" in err and "did you mean 'Tashkent'" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))


def test_refuses_to_replace_a_folder_that_is_not_ours(tmp_path: Path, capsys):
    a = _scenario(tmp_path, "base")
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    assert main(["run", str(a), "-o", str(out), "-q", "--no-figures"]) == 2
    assert "not an output folder" in capsys.readouterr().err
    assert (out / "thesis.tex").read_text() == "do not delete"
    assert not list(tmp_path.glob(".precious*"))


@pytest.mark.parametrize("args", [["--replications", "0"], ["--horizon-days", "-5"]])
def test_bad_options_exit_2(tmp_path: Path, capsys, args):
    a = _scenario(tmp_path, "base")
    assert main(["run", str(a), "-o", str(tmp_path / "o"), "-q", *args]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_validate_also_checks_what_only_the_model_can_tell(tmp_path: Path, capsys):
    # schema and names are fine, but no wagon fits on the ferry: validate must say so
    bad = tmp_path / "small_ferry.toml"
    bad.write_text(
        f"extends = {str(ROOT / 'scenarios' / 'baseline_2025.toml')!r}\n"
        'name = "small-ferry"\n'
        "[overrides.ferries.turkmenbashi-alat]\n"
        "capacity_slots = 0.3\n",
        encoding="utf-8",
    )
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "cannot take one unit" in out
