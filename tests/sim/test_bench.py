"""The benchmark's chain model: it is the Jackson network it claims to be, and the command runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main
from sim.engine.world import World
from sim.runs.bench import (
    bare_simpy,
    bare_tuned,
    chain_spec,
    corridor_bench,
    erlang_c_wait,
    exact_mean_transit,
)


def test_exact_value_of_the_chain():
    # M/M/3 at rho = 0.7: a = 2.1, C = 5.145 / (5.305 + 5.145) = 0.4923, Wq = C / 0.9
    wq = erlang_c_wait(2.1, 1.0, 3)
    assert wq == pytest.approx(0.54705, abs=1e-4)
    assert exact_mean_transit(8, 3) == pytest.approx(8 * (wq + 3.0))


def test_chain_spec_has_a_facility_before_every_travel_leg():
    spec = chain_spec(100, legs=3, servers=2)
    seg = spec.plans[0].segments[0]
    assert seg.nodes == ("n0", "n1", "n2", "n3", "z")
    assert spec.legs[seg.legs[0]].duration_h == 0.0
    assert sorted(spec.nodes) == ["n1", "n2", "n3"]
    assert all(spec.legs[leg].delay_dist == "uniform" for leg in seg.legs[1:])


def test_engine_and_bare_simpy_match_the_jackson_network():
    """Mean transit of 40 000 trucks through 2 legs within 2 % of L (Wq + 1 + 2) = 6.59 h;
    travel 1-3 h uniform on every leg (the engine's uniform delay option)."""
    spec = chain_spec(40_000, legs=2, servers=3, seed=5)
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    transit = arr["delivery_h"] - arr["release_h"]
    assert not np.isnan(transit).any()
    exact = exact_mean_transit(2, 3)
    assert transit.mean() == pytest.approx(exact, rel=0.02)
    assert arr["running_h"].min() >= 2.0 and arr["running_h"].max() <= 6.0
    assert arr["running_h"].mean() == pytest.approx(4.0, rel=0.01)
    assert np.mean(bare_simpy(40_000, legs=2, servers=3, seed=5)) == pytest.approx(exact, rel=0.02)
    blocks = bare_simpy(40_000, legs=2, servers=3, seed=5, draws="blocks")
    assert np.mean(blocks) == pytest.approx(exact, rel=0.02)
    tuned = bare_tuned(40_000, legs=2, servers=3, seed=5)
    assert np.mean(tuned) == pytest.approx(exact, rel=0.02)
    assert min(tuned) >= 2.0 and len(tuned) == pytest.approx(40_000, rel=0.02)


def test_bare_program_rejects_an_unknown_way_of_drawing():
    with pytest.raises(ValueError, match="draws must be 'random' or 'blocks', got 'numpy'"):
        bare_simpy(100, draws="numpy")


def test_bench_command_prints_ratio_and_scaling(capsys):
    assert main(["bench", "--sizes", "300", "600", "--legs", "2", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out and "vs blocks" in out and "us/leg" in out and "exact h" in out
    assert "vs tuned" in out and "tuned s" in out
    assert "scaling" in out and "S=600" in out
    # one row per size, each with a positive ratio to the tuned loop (column 8)
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["300"], ["600"])]
    assert len(rows) == 2 and all(float(r[7]) > 0 for r in rows)


def _short_scenario(tmp_path, days: int = 20):
    """baseline_2025 cut to ``days`` of releases (the bench times whatever file it is given)."""
    text = Path("scenarios/baseline_2025.toml").read_text(encoding="utf-8")
    text = text.replace("horizon_days = 365", f"horizon_days = {days}").replace(
        "warmup_days = 30", "warmup_days = 2"
    )
    # the shipped posterior is named relative to the scenarios folder: name it absolutely
    calibration = Path("scenarios/calibration").resolve().as_posix()
    text = text.replace('posterior = "calibration/', f'posterior = "{calibration}/')
    path = tmp_path / "short.toml"
    path.write_text(text.replace("#:schema ./scenario.schema.json\n", ""), encoding="utf-8")
    return path


def test_corridor_bench_counts_units_and_events(tmp_path):
    path = _short_scenario(tmp_path)
    (row,) = corridor_bench([path], repeat=2)
    spec_units = row["units"]
    assert row["scenario"] == "short" and 1000 < spec_units < 10_000  # ~1200 units a week
    # every unit is at least one event on its way (a formation, a ferry, a truck's trip)
    assert 0.2 < row["events_per_unit"] < 10 and row["events"] > 0
    low, high = row["run_range_s"]
    assert 0 < low <= row["run_s"] <= high
    assert row["us_per_unit"] == pytest.approx(row["run_s"] / spec_units * 1e6)


def test_bench_corridor_command_prints_a_row_per_scenario(capsys, tmp_path):
    path = _short_scenario(tmp_path)
    assert main(["bench", "--corridor", str(path), str(path), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "ev/unit" in out and "us/unit" in out and "engine s" not in out
    assert sum(1 for line in out.splitlines() if line.startswith("short ")) == 2


def test_bench_corridor_refuses_a_missing_file_before_timing(capsys, tmp_path):
    missing = tmp_path / "nope.toml"
    assert main(["bench", "--corridor", str(missing)]) == 2
    captured = capsys.readouterr()
    assert f"{missing}: no such scenario file (--corridor)" in captured.err
    assert "ev/unit" not in captured.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeat", "0"], "argument --repeat: must be at least 1, got 0"),
        (["--legs", "0"], "argument --legs: must be at least 1 leg, got 0"),
        (["--servers", "0"], "argument --servers: must be at least 1 server, got 0"),
        (["--sizes", "50"], "argument --sizes: must be at least 100 trucks, got 50"),
        (["--sizes", "abc"], "argument --sizes: must be a whole number, got 'abc'"),
        (["--full-size", "-1"], "argument --full-size: must be >= 0 (0: no full-size run), got -1"),
    ],
)
def test_bench_refuses_bad_settings_before_timing_anything(capsys, args, message):
    assert main(["bench", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "engine s" not in captured.out


def test_bench_checks_the_full_size_scenario_before_timing(capsys, tmp_path):
    missing = tmp_path / "nope.toml"
    assert main(["bench", "--full-size", "1", "--scenario", str(missing)]) == 2
    captured = capsys.readouterr()
    assert f"{missing}: no such scenario file (--scenario)" in captured.err
    assert "engine s" not in captured.out
