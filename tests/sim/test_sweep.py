"""Sweeps: grid points from a sweep file, resumable runs, identical results on every executor."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.inputs.scenario_io import ScenarioError
from sim.runs.executors import DaskExecutor, ProcessExecutor, SequentialExecutor
from sim.runs.sweep import ALL_FLOWS, Parameter, grid, load_sweep, run_sweep

BASE = """
name = "tiny"
[[demand]]
origin = "Tashkent"
destination = "Alat"
unit = "wagon"
per_week = 150  # more than one vessel lifts in a week (31 slots a ~2-day round trip)
[run]
horizon_days = 30
warmup_days = 5
replications = 1
seed = 3
overload_reason = "the one-vessel points show a line that cannot keep up"
[operations]  # the line as its capacities alone make it
background = false
weather = false
load_limits = false
fleet = false
vessel_availability = false
frictions = false
"""

SWEEP = """
scenario = "base.toml"
replications = 2
metrics = ["mean_transit_d", "mean_ferry_h"]

[[parameter]]
path = "overrides.ferries.turkmenbashi-alat.vessels"
values = [1, 4]

[[parameter]]
name = "border_factor"
path = "overrides.node_kinds"
values = [[], [{ kind = "border", handling_factor = 0.25 }]]
labels = ["as is", "quarter"]
"""


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "grid.toml").write_text(SWEEP, encoding="utf-8")
    return folder / "grid.toml"


@pytest.fixture(scope="module")
def sweep(sweep_file: Path):
    return load_sweep(sweep_file)


@pytest.fixture(scope="module")
def reference(sweep, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run_sweep(sweep, tmp_path_factory.mktemp("ref"), progress=False).table


def test_grid_is_the_cartesian_product_first_parameter_slowest():
    points = grid([Parameter("a.x", (1, 2)), Parameter("b", ({"k": 1}, {"k": 2}), ("one", "two"))])
    assert points == [
        {"x": 1, "b": "one"},
        {"x": 1, "b": "two"},
        {"x": 2, "b": "one"},
        {"x": 2, "b": "two"},
    ]


def test_points_set_the_scenario_keys(sweep):
    assert len(sweep.points) == 4 and sweep.replications == 2
    vessels = [s.overrides.ferries["turkmenbashi-alat"].vessels for s in sweep.scenarios]
    assert vessels == [1, 1, 4, 4]
    assert [len(s.overrides.node_kinds) for s in sweep.scenarios] == [0, 1, 0, 1]
    assert [spec.ferries["turkmenbashi-alat"].vessels for spec in sweep.specs] == [1, 1, 4, 4]
    factors = [s.overrides.node_kinds[0].handling_factor for s in sweep.scenarios[1::2]]
    assert factors == [0.25, 0.25]


def test_table_is_tidy_and_the_response_moves(sweep, reference: pd.DataFrame):
    t = reference
    assert list(t.columns[:5]) == ["point", "vessels", "border_factor", "replication", "flow"]
    assert {"mean_transit_d", "mean_ferry_h", "released"} <= set(t.columns)
    assert "p95_transit_d" not in t.columns  # only the metrics asked for
    assert t.groupby(["point", "replication"]).ngroups == 8
    allf = t[t["flow"] == ALL_FLOWS].groupby(["vessels", "border_factor"])["mean_transit_d"].mean()
    # a fleet of four vessels waits less for a ferry than one vessel
    assert allf[(4, "as is")] < allf[(1, "as is")]
    ferry = t[t["flow"] == ALL_FLOWS].groupby("vessels")["mean_ferry_h"].mean()
    assert ferry[4] < ferry[1]


def test_interrupted_sweep_resumes_and_equals_uninterrupted(sweep, reference, tmp_path: Path):
    seen: list[tuple[int, int]] = []

    def stop_after_three(p: int, r: int) -> None:
        seen.append((p, r))
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, tmp_path, on_job=stop_after_three, progress=False)
    assert len(list((tmp_path / "runs").glob("*.parquet"))) == 3
    assert not (tmp_path / "sweep.parquet").exists()
    rerun: list[tuple[int, int]] = []
    res = run_sweep(sweep, tmp_path, on_job=lambda p, r: rerun.append((p, r)), progress=False)
    assert (res.ran, res.skipped) == (5, 3)
    assert set(rerun).isdisjoint(seen) and set(rerun) | set(seen) == set(sweep.jobs())
    pd.testing.assert_frame_equal(res.table, reference)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sweep.parquet"), reference)
    assert (tmp_path / "response.png").stat().st_size > 1000


def test_job_limit_then_resume(sweep, reference, tmp_path: Path):
    first = run_sweep(sweep, tmp_path, max_jobs=5, progress=False)
    assert (first.ran, first.skipped) == (5, 0)
    assert not (tmp_path / "sweep.parquet").exists()
    second = run_sweep(sweep, tmp_path, progress=False)
    assert (second.ran, second.skipped) == (3, 5)
    pd.testing.assert_frame_equal(second.table, reference)
    third = run_sweep(sweep, tmp_path, progress=False)
    assert third.ran == 0


@pytest.mark.parametrize(
    "executor",
    [
        SequentialExecutor(),
        ProcessExecutor(2),
        pytest.param(DaskExecutor(n_workers=2, processes=False), marks=pytest.mark.slow),
    ],
    ids=["sequential", "processes", "dask-localcluster"],
)
def test_results_identical_whatever_the_executor(sweep, reference, tmp_path: Path, executor):
    res = run_sweep(sweep, tmp_path, executor=executor, progress=False, plot=False)
    assert res.ran == 8
    pd.testing.assert_frame_equal(res.table, reference)


def test_bad_sweep_file_lists_every_problem_and_writes_nothing(tmp_path: Path, capsys):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'scenario = "base.toml"\n'
        "[[parameter]]\n"
        'path = "overrides.ferries.turkmenbashi-alat.vessels"\n'
        "values = [0, 3]\n"
        "[[parameter]]\n"
        'path = "overrides.ferries.turkmenbashi-alat.policy"\n'
        'values = ["max_wait", "sometimes"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_sweep(bad)
    problems = err.value.problems
    # vessels=0 at two points, policy 'sometimes' at two points
    assert len(problems) == 4
    assert (
        sum("vessels: Input should be greater than or equal to 1 (got 0)" in p for p in problems)
        == 2
    )
    assert sum("policy:" in p and "'sometimes'" in p for p in problems) == 2
    out = tmp_path / "out"
    assert main(["sweep", str(bad), "-o", str(out), "-q"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert not out.exists()


def test_unknown_key_and_metric_are_reported(tmp_path: Path):
    f = tmp_path / "s.toml"
    f.write_text('scenario = "x.toml"\nmetric = []\n[[parameter]]\npath = "a"\nvalues = [1]\n')
    with pytest.raises(ScenarioError, match="metric: unknown key; did you mean 'metrics'"):
        load_sweep(f)
    f.write_text(
        'scenario = "x.toml"\nmetrics = ["speed"]\n[[parameter]]\npath = "a"\nvalues = [1]\n'
    )
    with pytest.raises(ScenarioError, match="unknown metric 'speed'"):
        load_sweep(f)


def test_cli_sweep_runs_and_resumes(sweep_file: Path, reference, tmp_path: Path, capsys):
    out = tmp_path / "o"
    assert (
        main(["sweep", str(sweep_file), "-o", str(out), "-q", "--workers", "1", "--max-jobs", "2"])
        == 1
    )
    assert "ran 2, reused 0, 2/8 done" in capsys.readouterr().out
    assert main(["sweep", str(sweep_file), "-o", str(out), "-q", "--workers", "2"]) == 0
    assert "ran 6, reused 2, 8/8 done" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference)
    assert (out / "response.png").exists()


@pytest.mark.slow
def test_cli_sweep_on_a_dask_cluster_of_processes(sweep_file: Path, reference, tmp_path: Path):
    out = tmp_path / "dask"
    assert main(["sweep", str(sweep_file), "-o", str(out), "-q", "--local-cluster", "2"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference)


@pytest.mark.slow
def test_a_lost_dask_worker_loses_no_run(sweep, reference, tmp_path: Path):
    """A worker process is killed after the first job is saved; its jobs run again elsewhere
    (retries) and the sweep's table is the same as an undisturbed one."""
    import os
    import signal

    from dask.distributed import LocalCluster

    killed: list[int] = []
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        nanny = next(iter(cluster.workers.values()))

        def kill_a_worker(point: int, replication: int) -> None:
            if not killed:
                killed.append(nanny.process.process.pid)
                os.kill(killed[0], signal.SIGKILL)  # dies mid-sweep; its nanny starts another

        res = run_sweep(
            sweep,
            tmp_path,
            executor=DaskExecutor(address=cluster.scheduler_address),
            on_job=kill_a_worker,
            progress=False,
            plot=False,
        )
    assert killed
    assert res.ran == 8
    pd.testing.assert_frame_equal(res.table, reference)


def test_on_time_without_any_target_is_refused_at_load(sweep_file: Path, tmp_path: Path):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    bad = tmp_path / "grid.toml"
    bad.write_text(SWEEP.replace('"mean_ferry_h"]', '"on_time"]'), encoding="utf-8")
    with pytest.raises(ScenarioError, match="'on_time' is undefined here: no flow"):
        load_sweep(bad)
    with_target = BASE.replace("per_week = 150", "per_week = 150\ntarget_days = 20")
    (tmp_path / "base.toml").write_text(with_target, encoding="utf-8")
    assert "on_time" in load_sweep(bad).metrics


def test_a_sweep_job_leaves_the_background_traffic_out_of_the_kpis() -> None:
    """The traffic that shares the corridor is never in the flows' KPIs: a sweep job's rows
    are the scenario's flows and their total, as a run's KPIs are."""
    import sim
    from sim.analysis.metrics import kpis
    from sim.runs.sweep import run_job

    ops = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tiny_operations"
    s = sim.Scenario(
        name="bg",
        network=str(ops),
        demand=[sim.Flow(origin="Alpha", destination="Foxtrot", per_week=30)],
        run=sim.RunSettings(horizon_days=60, warmup_days=5, replications=1),
    )
    spec = sim.compile_scenario(s)
    assert any(f.background for f in spec.flows)
    rows = run_job(spec, 0)
    assert set(rows["flow"]) == {"Alpha→Foxtrot (teu)", ALL_FLOWS}
    res = sim.run(s)
    mine = kpis(res.shipments, by=("replication", "flow"))
    total = rows.set_index("flow").loc[ALL_FLOWS]
    assert total["released"] == mine["released"].sum() > 0
    assert total["delivered"] == mine["delivered"].sum()
