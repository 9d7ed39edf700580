"""The scenarios shipped with the package: found by name from any folder, listed, copied to edit,
and really in the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli.main import main
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario_io import load_scenario
from sim.inputs.shipped import (
    resolve_scenario,
    scenario_path,
    scenarios_dir,
    shipped_scenarios,
    shipped_sweeps,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_scenarios_are_the_repository_folder():
    """From a checkout, the shipped scenarios are scenarios/ itself (one source), every file."""
    assert scenarios_dir() == ROOT / "scenarios"
    assert set(shipped_scenarios()) == {p.stem for p in (ROOT / "scenarios").glob("*.toml")}
    assert set(shipped_sweeps()) == {
        f"sweeps/{p.stem}" for p in (ROOT / "scenarios" / "sweeps").glob("*.toml")
    }


def test_scenario_path_works_from_any_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = sim.scenario_path("zangezur")
    assert path == ROOT / "scenarios" / "zangezur.toml"
    assert sim.scenario_path("zangezur.toml") == path
    # a chain of extends resolves (zangezur_seamless -> zangezur -> baseline_2025)
    s = load_scenario(scenario_path("zangezur_seamless"), check_network=False)
    assert s.name == "zangezur-2030-seamless" and s.year == 2030


def test_an_unknown_name_is_one_error_with_a_suggestion():
    with pytest.raises(ScenarioError) as err:
        scenario_path("zangezur_seamles")
    [problem] = err.value.problems
    assert "'zangezur_seamless'" in problem and "corridor scenarios" in problem


def test_a_path_that_exists_wins_over_a_shipped_name(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zangezur").mkdir()
    assert resolve_scenario("zangezur") == Path("zangezur")  # the loader reports the folder
    assert resolve_scenario("own/zangezur.toml") == Path("own/zangezur.toml")
    assert resolve_scenario("baseline_2025.toml") == scenario_path("baseline_2025")
    assert resolve_scenario("sweeps/ferry_fleet") == scenario_path("sweeps/ferry_fleet")


def test_extends_by_shipped_name_from_another_folder(tmp_path: Path):
    """A child outside the package extends a shipped scenario by its name; a file of that name
    beside the child wins."""
    child = tmp_path / "mine.toml"
    child.write_text('extends = "baseline_2025"\nname = "mine"\n', encoding="utf-8")
    base = load_scenario(scenario_path("baseline_2025"), check_network=False)
    mine = load_scenario(child, check_network=False)
    assert mine.model_copy(update={"name": base.name}) == base
    (tmp_path / "baseline_2025.toml").write_text(
        'name = "local"\nyear = 2030\n[[demand]]\norigin = "Tashkent"\ndestination = "Poti"\n'
        "per_week = 5\n",
        encoding="utf-8",
    )
    child.write_text('extends = "baseline_2025.toml"\nname = "mine"\n', encoding="utf-8")
    assert load_scenario(child, check_network=False).year == 2030
    child.write_text('extends = "no_such_scenario"\nname = "mine"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="extends: file not found: 'no_such_scenario'"):
        load_scenario(child, check_network=False)


def test_corridor_scenarios_lists_each_with_its_description(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for name, path in shipped_scenarios().items():
        s = load_scenario(path, check_network=False)
        assert str(s.year) in lines[name]
        # the description's first words, on the scenario's one line
        assert " ".join(s.description.split()[:6]) in lines[name]
    assert set(shipped_sweeps()) <= set(lines)


def test_init_copies_and_never_replaces(tmp_path: Path, capsys):
    target = tmp_path / "edit" / "zangezur.toml"
    assert main(["init", str(tmp_path / "edit"), "--from", "zangezur"]) == 0
    assert target.read_bytes() == scenario_path("zangezur").read_bytes()
    assert str(target) in capsys.readouterr().out  # the path as given
    # the copy loads: its extends resolves to the shipped baseline
    assert load_scenario(target, check_network=False).name == "zangezur-2030"
    # again: the same content is left alone
    assert main(["init", str(tmp_path / "edit"), "--from", "zangezur"]) == 0
    # edited: refused, untouched
    target.write_text(target.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    before = target.read_bytes()
    assert main(["init", str(tmp_path / "edit"), "--from", "zangezur"]) == 2
    assert "not replaced" in capsys.readouterr().err
    assert target.read_bytes() == before
    # an unknown name writes nothing
    assert main(["init", str(tmp_path / "other"), "--from", "zangezur_2031"]) == 2
    assert not (tmp_path / "other").exists()


def test_init_default_and_umask(tmp_path: Path):
    old = os.umask(0o077)
    try:
        assert main(["init", str(tmp_path / "d")]) == 0
    finally:
        os.umask(old)
    written = tmp_path / "d" / "baseline_2025.toml"
    assert written.exists()
    assert written.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o700


def test_init_of_a_sweep_names_its_scenario_by_its_shipped_name(tmp_path: Path):
    from sim.runs.sweep import load_sweep

    assert main(["init", str(tmp_path), "--from", "sweeps/ferry_fleet"]) == 0
    copy = tmp_path / "ferry_fleet.toml"
    assert 'scenario = "baseline_2025.toml"' in copy.read_text(encoding="utf-8")
    sweep = load_sweep(copy, check_network=False, allow_overload=True)
    assert sweep.base.name == "baseline-2025"


@pytest.mark.slow
def test_the_built_package_carries_every_scenario(tmp_path: Path):
    """Build the package (setuptools build_py, as ``pip install`` does) from a copy of the
    source; the build holds every file of scenarios/ under sim/_scenarios, and from an unrelated
    folder the built package finds and loads them by name (chains of extends included)."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("network", "sim", "scenarios"):
        shutil.copytree(ROOT / part, src / part, ignore=ignore)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, src / part)
    lib = tmp_path / "lib"
    build = "from setuptools import setup; setup()"  # the packages are in pyproject.toml
    subprocess.run(
        [sys.executable, "-c", build, "-q", "build_py", "-d", str(lib)],
        cwd=src,
        check=True,
        capture_output=True,
    )
    shipped = sorted(
        p.relative_to(ROOT / "scenarios")
        for p in (ROOT / "scenarios").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    built = sorted(
        p.relative_to(lib / "sim" / "_scenarios")
        for p in (lib / "sim" / "_scenarios").rglob("*")
        if p.is_file()
    )
    assert built == shipped
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sim; p = sim.scenario_path('zangezur_seamless'); "
        "s = sim.load_scenario(p, check_network=False); print(p); print(s.name)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(lib)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    assert out[0] == str(lib / "sim" / "_scenarios" / "zangezur_seamless.toml")
    assert out[1] == "zangezur-2030-seamless"


def test_the_shipped_baseline_is_calibrated_and_its_copy_keeps_the_posterior(tmp_path: Path):
    base = load_scenario(scenario_path("baseline_2025"), check_network=False)
    posterior = base.calibration.posterior
    assert posterior is not None and Path(posterior).is_file()
    assert base.calibration.parameters  # the posterior medians, used with --posterior none
    # every shipped scenario that extends the baseline inherits its calibration
    zangezur = load_scenario(scenario_path("zangezur"), check_network=False)
    assert zangezur.calibration.posterior == posterior
    # a copy made with init names the same posterior, from its own folder
    assert main(["init", str(tmp_path), "--from", "baseline_2025"]) == 0
    copy = load_scenario(tmp_path / "baseline_2025.toml", check_network=False)
    assert copy.calibration.posterior is not None
    assert Path(copy.calibration.posterior).resolve() == Path(posterior).resolve()
