"""Calibration: uncertain parameters, posterior draws, the fit distance, and the whole
``corridor calibrate`` on the tiny operations network (reproducible, resumable)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import network
import sim
from sim.calibration import fit
from sim.calibration.calibrate import Settings, calibrate
from sim.cli.main import main
from sim.inputs import parameters
from sim.inputs.posterior import Posterior, PosteriorError, load_posterior, write_posterior
from sim.inputs.scenario import Operations

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "tests" / "fixtures" / "tiny_operations"


def _scenario(**changes: object) -> sim.Scenario:
    return sim.Scenario(
        name="cal",
        network=str(OPS),
        demand=[
            sim.Flow(
                origin="Alpha", destination="Foxtrot", per_week=20, route=sim.RouteChoice(by="co2")
            )
        ],
        run=sim.RunSettings(horizon_days=60, warmup_days=5, replications=2, seed=11),
        **changes,  # type: ignore[arg-type]
    )


# -- parameters ------------------------------------------------------------------------------
def test_quantiles_map_each_row_onto_its_own_prior_range() -> None:
    net = network.load_network(OPS)
    p = next(p for p in parameters.uncertain_parameters(net) if p.table == "frictions")
    rows = net.frictions.loc[list(p.rows)]
    for q, col in ((0.0, "mean_h_low"), (0.5, "mean_h"), (1.0, "mean_h_high")):
        assert p.values(q) == tuple(rows[col].astype(float))
    # piecewise linear: a quarter is halfway between low and central
    quarter = p.values(0.25)
    expect = tuple((lo + c) / 2 for lo, c in zip(rows["mean_h_low"], rows["mean_h"], strict=True))
    assert quarter == pytest.approx(expect)
    changed = parameters.apply(net, {p.name: 1.0}).frictions
    assert changed.loc[list(p.rows), "mean_h"].tolist() == rows["mean_h_high"].tolist()
    others = net.frictions.index.difference(list(p.rows))
    assert changed.loc[others, "mean_h"].equals(net.frictions.loc[others, "mean_h"])
    with pytest.raises(ValueError, match="quantile must be in"):
        p.values(1.5)


def test_switched_off_tables_have_no_parameters() -> None:
    net = network.load_network(OPS)
    on = {p.table for p in parameters.uncertain_parameters(net, Operations())}
    off = {p.table for p in parameters.uncertain_parameters(net, Operations(weather=False))}
    assert "weather" in on and "weather" not in off
    # border regimes: only the scenario's own regime
    regimes = {
        p.group
        for p in parameters.uncertain_parameters(net, Operations(border_regime="seamless"))
        if p.table == "border_regimes"
    }
    assert regimes == {"seamless"}


def test_a_scenario_parameter_reaches_the_run() -> None:
    name = "frictions.mean_h@fixture-assume"
    low = sim.run(_scenario().with_parameters({name: 0.0}))
    high = sim.run(_scenario().with_parameters({name: 1.0}))
    assert high.shipments["friction_h"].mean() > low.shipments["friction_h"].mean()


def test_unknown_parameter_names_are_refused_with_a_hint(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text(
        f'name = "x"\nnetwork = "{OPS}"\n'
        'demand = [{ origin = "Alpha", destination = "Foxtrot", per_week = 5 }]\n'
        '[calibration.parameters]\n"frictions.mean@fixture-assume" = 0.4\n'
        '"weather.closures_per_month@fixture-assume" = 1.5\n',
        encoding="utf-8",
    )
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(f)
    text = str(err.value)
    assert "unknown parameter 'frictions.mean@fixture-assume'" in text
    assert "did you mean 'frictions.mean_h@fixture-assume'" in text
    assert 'closures_per_month@fixture-assume": Input should be less than or equal to 1' in text


# -- posterior -------------------------------------------------------------------------------
def test_posterior_file_problems_are_listed_at_once(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("weight,a,b\n1,0.5,2\n-1,x,0.3\n0,0.1\n", encoding="utf-8")
    with pytest.raises(PosteriorError) as err:
        load_posterior(f)
    problems = err.value.problems
    assert any(":2: b = 2: a quantile" in p for p in problems)
    assert any(":3: weight = -1: must be >= 0" in p for p in problems)
    assert any(":3: a = 'x': not a finite number" in p for p in problems)
    assert any(":4: 2 cells" in p for p in problems)


def test_posterior_round_trip_and_draws_are_seeded() -> None:
    p = Posterior(("a", "b"), np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), np.ones(3))
    draws = [p.draw(5, r)["a"] for r in range(40)]
    assert draws == [p.draw(5, r)["a"] for r in range(40)]
    assert set(draws) == {0.1, 0.3, 0.5}  # every sample is drawn at some replication
    assert draws != [p.draw(6, r)["a"] for r in range(40)]


def test_compared_scenarios_draw_the_same_parameters(tmp_path: Path) -> None:
    name = "frictions.mean_h@fixture-assume"
    post = Posterior((name,), np.array([[0.0], [1.0]]), np.array([1.0, 1.0]))
    write_posterior(tmp_path / "posterior.csv", post)
    post = load_posterior(tmp_path / "posterior.csv")
    a, b = _scenario(), _scenario().model_copy(update={"name": "cal-b"})
    res = sim.compare([a, b], replications=4, posterior=post)
    fr = res.shipments.groupby(["scenario", "replication"])["friction_h"].mean().unstack(0)
    # identical scenarios on common random numbers and common draws: identical results
    assert fr["cal"].tolist() == fr["cal-b"].tolist()
    # and the draws differ between replications as the posterior says
    drawn = [post.draw(a.run.seed, r)[name] for r in range(4)]
    assert len(set(drawn)) == 2
    order = np.argsort(drawn, kind="stable")
    assert fr["cal"].to_numpy()[order[0]] < fr["cal"].to_numpy()[order[-1]]


# -- fit -------------------------------------------------------------------------------------
def test_distance_is_zero_inside_ranges_and_grows_outside() -> None:
    t = fit.targets(network.load_network(OPS))
    inside = {i: float(r["observed_value"]) for i, r in t.iterrows()}
    assert fit.distance(inside, t) == 0.0
    first = t.index[0]
    worse = dict(inside, **{first: 100 * inside[first]})
    much_worse = dict(inside, **{first: 1000 * inside[first]})
    assert 0 < fit.distance(worse, t) < fit.distance(much_worse, t)
    missing = dict(inside, **{first: math.nan})
    assert fit.errors(missing, t)[first] == fit.MISSING


# -- the whole calibration -------------------------------------------------------------------
#: a small calibration (fewer sensitivity runs than the delta method needs: no Sobol rows)
SMALL = {"horizon_days": 30.0, "warmup_days": 3.0, "sensitivity_runs": 8, "population": 4}


@pytest.mark.slow
def test_calibration_is_reproducible_and_resumes(tmp_path: Path) -> None:
    s = _scenario()
    settings = Settings(generations=2, seed=3, **SMALL)  # type: ignore[arg-type]
    whole = calibrate(s, tmp_path / "whole", settings, base_dir=ROOT)
    assert whole.posterior.samples.shape == (4, len(whole.parameters))
    assert set(whole.fit_table["obs_id"]) == set(network.load_network(OPS).observations.index)
    assert {"posterior.csv", "fit.csv", "report.md", "cal_calibrated.toml"} <= {
        p.name for p in (tmp_path / "whole").iterdir()
    }

    stopped = {"n": 0}

    def stop_after_first_generation(stage: str, n: int) -> None:
        if stage == "abc" and n == 1:
            stopped["n"] += 1
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(
            s, tmp_path / "again", settings, base_dir=ROOT, progress=stop_after_first_generation
        )
    assert stopped["n"] == 1 and (tmp_path / "again" / "abc.db").is_file()
    again = calibrate(s, tmp_path / "again", settings, base_dir=ROOT)
    assert again.resumed
    assert (tmp_path / "whole" / "posterior.csv").read_bytes() == (
        tmp_path / "again" / "posterior.csv"
    ).read_bytes()
    pd.testing.assert_frame_equal(whole.fit_table, again.fit_table)
    # the calibrated scenario loads and runs, drawing from its posterior
    calibrated = sim.load_scenario(tmp_path / "whole" / "cal_calibrated.toml", check_network=True)
    assert calibrated.calibration.posterior == str((tmp_path / "whole" / "posterior.csv").resolve())
    res = sim.run_many(calibrated.with_run(horizon_days=20, warmup_days=2), replications=2)
    assert len(res.shipments)


@pytest.mark.slow
def test_calibrate_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "tiny.toml"
    f.write_text(
        f'name = "tiny"\nnetwork = "{OPS}"\n'
        'demand = [{ origin = "Alpha", destination = "Foxtrot", per_week = 20, '
        'route = { by = "co2" } }]\n[run]\nhorizon_days = 30\nwarmup_days = 3\n',
        encoding="utf-8",
    )
    args = ["calibrate", str(f), "--population", "4", "--generations", "1", "--seed", "4"]
    args += ["--sensitivity-runs", "32"]  # the fewest the estimator takes: a short test
    assert main([*args, "-o", str(tmp_path / "a"), "--workers", "2", "-q"]) == 0
    assert main([*args, "-o", str(tmp_path / "b"), "--workers", "1", "-q"]) == 0
    out = capsys.readouterr().out
    assert "fit observations meeting the model's 90 % interval" in out
    # the same seed gives the same posterior on 2 processes as in this one
    assert (tmp_path / "a" / "posterior.csv").read_bytes() == (
        tmp_path / "b" / "posterior.csv"
    ).read_bytes()
    # a foreign folder is refused before anything runs
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep", encoding="utf-8")
    assert main([*args, "-o", str(tmp_path / "mine")]) == 2
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep"
    # run and compare draw from it; a bad posterior is refused with its problems
    post = tmp_path / "a" / "posterior.csv"
    assert (
        main(
            [
                "run",
                str(f),
                "--posterior",
                str(post),
                "--replications",
                "2",
                "--horizon-days",
                "20",
                "--no-figures",
                "-q",
                "-o",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("weight,nonsense\n1,0.5\n", encoding="utf-8")
    assert main(["run", str(f), "--posterior", str(bad), "-o", str(tmp_path / "r2")]) == 2
    assert "unknown parameter 'nonsense'" in capsys.readouterr().err
    assert not (tmp_path / "r2").exists()


def test_parameters_and_calibrate_take_a_shipped_name(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here: the name resolves through the package
    assert main(["parameters", "baseline_2025"]) == 0
    out = capsys.readouterr().out
    # each parameter with the quantile the shipped (calibrated) baseline sets
    assert "frictions.mean_h@asm-port-shunting" in out and "q=" in out
    # calibrate resolves the name too: a bad setting is refused after the scenario has loaded
    assert main(["calibrate", "baseline_2025", "--horizon-days", "10", "--warmup-days", "20"]) == 2
    err = capsys.readouterr().err
    assert "file not found" not in err and "--warmup-days 20" in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_only_indices_above_the_noise_floor_are_named() -> None:
    from sim.calibration import sensitivity

    names = ["a", "b", "c", "d"]
    X = sensitivity.latin_sample(names, 40, seed=3)
    noise = np.random.default_rng(3).normal(size=40)
    Y = pd.DataFrame({"driven": 10 * X[:, 0] + 0.2 * noise, "noise": noise})
    table = sensitivity.with_noise_floor(sensitivity.first_order(names, X, Y, seed=3), names, 3)
    floor = table["noise_floor"].iloc[0]
    assert 0.05 < floor < 0.6 and table["noise_floor"].nunique() == 1
    top = sensitivity.dominant(table, top=2)
    # the driven output names its parameter first, far above the floor (the others' indices
    # are inflated by the estimator's bias with few runs and can clear it: a floor, not a test)
    driven = top[top["output"] == "driven"]
    assert driven["parameter"].iloc[0] == "a" and driven["S1"].iloc[0] > 3 * floor
    # a pure-noise output names at most what chance lets through (the floor is a 95 % quantile)
    assert len(top[top["output"] == "noise"]) <= 1
    # without the floor column every output names its top two
    assert len(sensitivity.dominant(table.drop(columns="noise_floor"), top=2)) == 4


def test_the_report_says_when_the_posterior_draws_hardly_differ(tmp_path: Path) -> None:
    """A posterior whose weight sits on one particle gives replications with the same
    parameters: the Uncertainty section says the intervals are then mostly run-to-run noise;
    with the weight spread it says they include what is not known."""
    from types import SimpleNamespace

    from sim.analysis.report import uncertainty_sentences

    res = SimpleNamespace(shipments=pd.DataFrame({"flow": ["f"]}))
    names = ["weather.closures_per_month@asm-weather-caspian"]
    for weights, few in (([1e-6, 1e-6, 1.0], True), ([1.0, 1.0, 1.0], False)):
        path = tmp_path / f"{few}" / "posterior.csv"
        path.parent.mkdir()
        pd.DataFrame({"weight": weights, names[0]: [0.2, 0.5, 0.8]}).to_csv(path, index=False)
        first = uncertainty_sentences(res, str(path))[0]
        assert ("mostly run-to-run noise" in first) is few
        assert ("include what is not known" in first) is not few
