"""Ctrl-C at any moment -- while the modules load, while simulating, while writing -- prints one
line, exits 130 and leaves nothing; what a killed process leaves is swept by the next run.

Each case runs the real command in a child process and sends it SIGINT at a known moment: the
import of the first heavy module is held by a ``sitecustomize`` in the child's path, the other
moments by the documented test hook ``CORRIDOR_TEST_PAUSE`` (:func:`sim.runs.outdir.test_pause`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from sim.cli.main import main

from .test_output_safety import scenario, sweep_file, temp_entries, tree

ROOT = Path(__file__).resolve().parents[2]
#: subprocesses that run the command line and are interrupted: slow
pytestmark = pytest.mark.slow

HOLD_IMPORT = """
import os, sys, time
from pathlib import Path


class _Hold:  # holds the first import of a heavy module until the test sends SIGINT
    done = False

    def find_spec(self, name, path=None, target=None):
        if not self.done and name in ("numpy", "pandas", "networkx", "pydantic", "simpy"):
            self.done = True
            Path(os.environ["HOLD_MARKER"]).touch()
            time.sleep(60)
        return None


sys.meta_path.insert(0, _Hold())
"""

CONSOLE_SCRIPT = "import sys; from sim._entry import main; sys.exit(main())"


def interrupt(cmd: list[str], cwd: Path, marker: Path, env: dict[str, str] | None = None):
    """Start ``cmd``, wait for ``marker`` to appear, send SIGINT; return (code, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    child = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            out, err = child.communicate()
            pytest.fail(f"the pause was never reached (exit {child.returncode}):\n{out}\n{err}")
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, err = child.communicate(timeout=60)
    assert time.monotonic() - start < 30, "stopping took too long"
    return child.returncode, err


@pytest.fixture
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("marker") / "paused"


def pause(moment: str, marker: Path) -> dict[str, str]:
    return {"CORRIDOR_TEST_PAUSE": f"{moment}:{marker}"}


def test_the_entry_point_imports_nothing_heavy_before_its_handling():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["corridor"] == "sim._entry:main"
    code = (
        "import sys, sim._entry\n"
        "heavy = {'numpy', 'pandas', 'networkx', 'simpy', 'matplotlib', 'pydantic', 'scipy'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


@pytest.mark.parametrize(
    "launcher", [["-m", "sim"], ["-c", CONSOLE_SCRIPT]], ids=["python -m sim", "console script"]
)
def test_ctrl_c_while_the_modules_load(tmp_path: Path, marker: Path, launcher: list[str]):
    hook = marker.parent / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOLD_IMPORT, encoding="utf-8")
    path = scenario(tmp_path)
    code, err = interrupt(
        [sys.executable, *launcher, "run", str(path), "-q"],
        tmp_path,
        marker,
        {"PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "HOLD_MARKER": str(marker)},
    )
    assert (code, err) == (130, "interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_while_simulating(tmp_path: Path, marker: Path, workers: str):
    path = scenario(tmp_path)
    cmd = [sys.executable, "-m", "sim", "run", str(path), "-q", "--replications", "3"]
    code, err = interrupt([*cmd, "--workers", workers], tmp_path, marker, pause("simulate", marker))
    assert (code, err) == (130, "interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml"]


def test_ctrl_c_while_writing_leaves_nothing(tmp_path: Path, marker: Path):
    path = scenario(tmp_path)
    cmd = [sys.executable, "-m", "sim", "run", str(path), "-q", "--replications", "1"]
    code, err = interrupt(cmd, tmp_path, marker, pause("write", marker))
    assert (code, err) == (130, "interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml"]  # no out/, no temp


def test_ctrl_c_while_replacing_an_earlier_output_keeps_it(
    tmp_path: Path, marker: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path = scenario(tmp_path)
    assert main(["run", str(path), "-o", "o", "-q", "--no-figures", "--replications", "1"]) == 0
    before = tree(tmp_path / "o")
    cmd = [sys.executable, "-m", "sim", "run", str(path), "-o", "o", "-q", "--overwrite"]
    code, err = interrupt(cmd, tmp_path, marker, pause("write", marker))
    assert (code, err) == (130, "interrupted\n")
    assert tree(tmp_path / "o") == before
    assert temp_entries(tmp_path) == []


def test_a_killed_run_leaves_a_temporary_folder_that_the_next_run_sweeps(
    tmp_path: Path, marker: Path, monkeypatch
):
    path = scenario(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **pause("write", marker)}
    child = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(path), "-q", "--replications", "1"],
        cwd=tmp_path,
        env=env,
    )
    while not marker.exists():
        assert child.poll() is None
        time.sleep(0.05)
    child.kill()
    child.wait()
    left = temp_entries(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".corridor-tmp-base-{child.pid}-")
    assert (tmp_path / "out" / left[0] / "tables" / "kpis.csv").exists()
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "-q", "--no-figures", "--replications", "1"]) == 0
    assert temp_entries(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["base"]


def test_ctrl_c_during_a_sweep_keeps_the_saved_runs_and_resumes(
    tmp_path: Path, marker: Path, monkeypatch, capsys
):
    grid = sweep_file(tmp_path)
    cmd = [sys.executable, "-m", "sim", "sweep", str(grid), "-o", "sw", "-q", "--workers", "1"]
    code, err = interrupt(cmd, tmp_path, marker, pause("simulate", marker))
    assert (code, err) == (130, "interrupted\n")
    assert temp_entries(tmp_path) == []
    manifest = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert [e["path"] for e in manifest["files"]] == [
        p.relative_to(tmp_path / "sw").as_posix() for p in (tmp_path / "sw" / "runs").iterdir()
    ]
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(grid), "-o", "sw", "-q", "--workers", "1"]) == 0
    assert "ran 1, reused 1, 2/2 done" in capsys.readouterr().out
