"""Output folders: nothing the tool did not write is deleted or overwritten, nothing is written
outside the output folder (issue 11's "Data loss" and "Writes outside" reproductions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.runs import outdir

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"
FAST = ["-q", "--no-figures", "--replications", "1"]


def scenario(folder: Path, name: str = "base", *, file: str | None = None, per_week=60) -> Path:
    """A tiny scenario (tiny network, 20 days, one replication): about a second to run."""
    path = folder / (file or f"{outdir.slug(name)}.toml")
    path.write_text(
        f"""
name = {json.dumps(name)}
network = {json.dumps(str(TINY))}
year = 2025

[[demand]]
origin = "Alpha"
destination = "Foxtrot"
per_week = {per_week}

[run]
horizon_days = 20
warmup_days = 2
replications = 1
seed = 5
""",
        encoding="utf-8",
    )
    return path


def sweep_file(folder: Path, values=(40, 60), name: str = "grid") -> Path:
    base = scenario(folder, "swept", file="swept.toml")
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{base.name}"\nreplications = 1\n'
        f'[[parameter]]\npath = "demand.0.per_week"\nvalues = {list(values)}\n',
        encoding="utf-8",
    )
    return path


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``: file contents, None for folders."""
    return {
        p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


def temp_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".corridor-*"))


def foreign_folder(path: Path) -> dict[str, bytes | None]:
    """The issue's reproduction: another tool's manifest, a precious file, a subfolder."""
    path.mkdir(parents=True)
    (path / "manifest.json").write_text('{"tool": "other"}\n')
    (path / "precious.txt").write_text("keep\n")
    (path / "sub").mkdir()
    (path / "sub" / "notes.md").write_text("mine\n")
    return tree(path)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- data loss ------------------------------------------------------------------------------------
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_a_foreign_manifest_does_not_make_a_folder_ours(work: Path, capsys, overwrite):
    x = work / "x"
    before = foreign_folder(x)
    assert main(["run", str(scenario(work)), "-o", "x", *FAST, *overwrite]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("error:") == 1
    assert f"{x}: is not an output folder of this tool" in err
    assert "does not name this tool" in err
    assert "precious.txt" in err and "sub/" in err and "3 entries" in err
    assert tree(x) == before
    assert temp_entries(work) == []


def test_a_file_the_manifest_does_not_list_keeps_the_folder_foreign(work: Path, capsys):
    a = scenario(work)
    assert main(["run", str(a), "-o", "o", *FAST]) == 0
    (work / "o" / "precious.txt").write_text("keep\n")
    (work / "o" / "tables" / "mine.csv").write_text("a,b\n")
    (work / "o" / "empty").mkdir()
    before = tree(work / "o")
    assert main(["run", str(a), "-o", "o", *FAST, "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "not listed in its manifest.json" in err
    assert "precious.txt" in err and "tables/mine.csv" in err and "empty/" in err
    assert tree(work / "o") == before
    assert temp_entries(work) == []


def test_a_listed_file_that_was_changed_is_not_removed(work: Path, capsys):
    a = scenario(work)
    assert main(["run", str(a), "-o", "o", *FAST]) == 0
    (work / "o" / "report.md").write_text("my edits\n")
    assert main(["run", str(a), "-o", "o", *FAST, "--overwrite"]) == 2
    assert "changed since written: report.md" in capsys.readouterr().err
    assert (work / "o" / "report.md").read_text() == "my edits\n"


def test_a_comparison_is_not_replaced_by_a_run_without_overwrite(work: Path, capsys):
    a, b = scenario(work, "a"), scenario(work, "b", per_week=80)
    assert main(["compare", str(a), str(b), "-o", "cmp", *FAST]) == 0
    before = tree(work / "cmp")
    capsys.readouterr()
    assert main(["run", str(a), "-o", "cmp", *FAST]) == 2
    err = capsys.readouterr().err
    assert f"{work / 'cmp'}: holds an earlier compare output" in err and "--overwrite" in err
    assert tree(work / "cmp") == before
    # with --overwrite: replaced, and only the comparison's own files were removed
    assert main(["run", str(a), "-o", "cmp", *FAST, "--overwrite"]) == 0
    manifest = json.loads((work / "cmp" / "manifest.json").read_text())
    assert manifest["kind"] == "run" and [s["name"] for s in manifest["scenarios"]] == ["a"]
    listed = {e["path"] for e in manifest["files"]}
    assert set(tree(work / "cmp")) - {"manifest.json", "tables"} == listed
    assert temp_entries(work) == []


def test_the_manifest_lists_every_file_with_size_and_digest(work: Path):
    assert main(["run", str(scenario(work)), "-o", "o", "-q", "--replications", "1"]) == 0
    manifest = json.loads((work / "o" / "manifest.json").read_text())
    assert manifest["tool"] == outdir.TOOL
    files = [p for p in (work / "o").rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert {e["path"] for e in manifest["files"]} == {
        p.relative_to(work / "o").as_posix() for p in files
    }
    assert any(e["path"].startswith("figures/") for e in manifest["files"])
    for e in manifest["files"]:
        assert e == outdir.file_entry(work / "o", work / "o" / e["path"])


def test_an_empty_folder_is_used_and_a_file_is_refused(work: Path, capsys):
    (work / "empty").mkdir(mode=0o700)
    inode = (work / "empty").stat().st_ino
    assert main(["run", str(scenario(work)), "-o", "empty", *FAST]) == 0
    assert (work / "empty" / "manifest.json").exists()
    assert (work / "empty").stat().st_ino == inode  # the same folder, kept as it was
    assert (work / "empty").stat().st_mode & 0o777 == 0o700
    assert temp_entries(work) == []
    (work / "file").write_text("not a folder")
    assert main(["run", str(scenario(work)), "-o", "file", *FAST]) == 2
    assert f"{work / 'file'}: exists and is not a folder" in capsys.readouterr().err
    assert (work / "file").read_text() == "not a folder"


def test_a_symbolic_link_is_refused(work: Path, capsys):
    (work / "real").mkdir()
    (work / "link").symlink_to(work / "real")
    assert main(["run", str(scenario(work)), "-o", "link", *FAST]) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert list((work / "real").iterdir()) == []


def test_a_bad_scenario_and_a_foreign_folder_are_named_together(work: Path, capsys):
    bad = work / "bad.toml"
    bad.write_text('name = "bad"\n[[demand]]\norigin = "Alpha"\n', encoding="utf-8")
    before = foreign_folder(work / "x")
    assert main(["run", str(bad), "-o", "x", *FAST]) == 2
    err = capsys.readouterr().err
    assert "demand[0]" in err and f"{work / 'x'}: is not an output folder" in err
    assert tree(work / "x") == before


# -- sweeps ---------------------------------------------------------------------------------------
def test_sweep_into_a_foreign_folder_is_refused(work: Path, capsys):
    grid = sweep_file(work)
    before = foreign_folder(work / "x")
    (work / "y").mkdir()
    (work / "y" / "data.csv").write_text("1,2\n")
    for target, snapshot in (("x", before), ("y", tree(work / "y"))):
        for extra in ([], ["--overwrite"]):
            assert main(["sweep", str(grid), "-o", target, "-q", "--workers", "1", *extra]) == 2
            err = capsys.readouterr().err
            assert f"{work / target}: is not an output folder of this tool" in err
            assert tree(work / target) == snapshot


def test_sweep_resumes_only_the_same_sweep(work: Path, capsys):
    grid = sweep_file(work)
    argv = ["sweep", str(grid), "-o", "sw", "-q", "--workers", "1"]
    assert main([*argv, "--max-jobs", "1"]) == 1
    manifest = json.loads((work / "sw" / "manifest.json").read_text())
    assert manifest["tool"] == outdir.TOOL and manifest["kind"] == "sweep"
    assert manifest["sweep"]["file"] == str(grid)
    assert [e["path"].split("/")[0] for e in manifest["files"]] == ["runs"]
    # the same sweep, moved and with another comment: resumed
    moved = work / "moved.toml"
    moved.write_text("# moved\n" + grid.read_text(), encoding="utf-8")
    capsys.readouterr()
    assert main(["sweep", str(moved), "-o", "sw", "-q", "--workers", "1"]) == 0
    assert "ran 1, reused 1, 2/2 done" in capsys.readouterr().out
    manifest = json.loads((work / "sw" / "manifest.json").read_text())
    assert {e["path"] for e in manifest["files"]} == {
        p.relative_to(work / "sw").as_posix()
        for p in (work / "sw").rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert {"sweep.parquet", "response.png"} <= {e["path"] for e in manifest["files"]}
    # another sweep: refused without --overwrite, nothing touched
    other = sweep_file(work, values=(30, 50), name="other")
    before = tree(work / "sw")
    assert main(["sweep", str(other), "-o", "sw", "-q", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{work / 'sw'}: holds another sweep output" in err and "--overwrite" in err
    assert tree(work / "sw") == before
    # a run into a sweep folder: refused too
    assert main(["run", str(scenario(work)), "-o", "sw", *FAST]) == 2
    assert "holds an earlier sweep output" in capsys.readouterr().err
    assert main(["sweep", str(other), "-o", "sw", "-q", "--workers", "1", "--overwrite"]) == 0
    manifest = json.loads((work / "sw" / "manifest.json").read_text())
    assert manifest["sweep"]["file"] == str(other)
    assert len(list((work / "sw" / "runs").iterdir())) == 2  # the other sweep's runs are gone


def test_a_stale_job_file_is_removed_and_a_foreign_one_refused(work: Path, capsys):
    grid = sweep_file(work, values=(40, 50, 60))
    argv = ["sweep", str(grid), "-o", "sw", "-q", "--workers", "1"]
    assert main([*argv, "--max-jobs", "1"]) == 1
    gone = dead_pid()
    stale = work / "sw" / "runs" / f".corridor-tmp-abc-parquet-{gone}-0123abcd"
    stale.write_bytes(b"half a parquet file")
    assert main([*argv, "--max-jobs", "1"]) == 1  # resumes: the leftover is not foreign
    assert not stale.exists()
    (work / "sw" / "runs" / "mine.parquet").write_bytes(b"x")
    assert main(argv) == 2
    assert "runs/mine.parquet" in capsys.readouterr().err


def test_sweep_default_folder_is_under_out(work: Path):
    grid = sweep_file(work, name="Ferry Fleet")
    assert main(["sweep", str(grid), "-q", "--workers", "1"]) == 0
    assert (work / "out" / "sweep-ferry-fleet" / "sweep.parquet").exists()


# -- paths ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../x", "x"),
        ("/abs/x", "abs-x"),
        ("..", "scenario"),
        ("Ələt–Türkiye 2030", "elet-turkiye-2030"),
        ("a\\b:c*?<>|", "a-b-c"),
        ("Z" * 200, "z" * outdir.SLUG_MAX),  # the longest name a scenario may have
    ],
)
def test_default_folder_is_a_slug_under_out(work: Path, monkeypatch, name: str, folder: str):
    inner = work / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    path = scenario(inner, name, file="s.toml")
    assert main(["run", str(path), *FAST]) == 0
    assert sorted(p.name for p in inner.iterdir()) == ["out", "s.toml"]
    assert [p.name for p in (inner / "out").iterdir()] == [folder]
    # nothing anywhere else
    assert sorted(
        p.relative_to(work).as_posix() for p in work.rglob("*") if "out" not in p.parts
    ) == [
        "a",
        "a/b",
        "a/b/s.toml",
    ]


def test_compare_default_folder(work: Path):
    a, b = scenario(work, "Baseline 2025"), scenario(work, "../Zangezur", per_week=80)
    assert main(["compare", str(a), str(b), *FAST]) == 0
    assert [p.name for p in (work / "out").iterdir()] == ["compare-baseline-2025-vs-zangezur"]


def test_file_names_inside_the_folder_do_not_come_from_the_scenario(work: Path):
    path = scenario(work, "../../evil/name")
    assert main(["run", str(path), "-o", "o", "-q", "--replications", "1"]) == 0
    names = {p.relative_to(work / "o").as_posix() for p in (work / "o").rglob("*")}
    assert all("evil" not in n and "name" not in n for n in names)


# -- permissions ----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(("umask", "dirs", "files"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_folders_and_files_follow_the_umask(tmp_path: Path, umask: int, dirs: int, files: int):
    """In a child process, whose umask is its own."""
    path = scenario(tmp_path)
    code = (
        "import os, sys\n"
        f"os.umask({umask})\n"
        "from sim.cli.main import main\n"
        f"sys.exit(main(['run', {str(path)!r}, '-o', 'new/out', '-q', '--replications', '1']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    made = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert {oct(p.stat().st_mode & 0o777) for p in made if p.is_dir()} == {oct(dirs)}
    assert {oct(p.stat().st_mode & 0o777) for p in made if p.is_file()} == {oct(files)}


# -- leftovers and interrupts ---------------------------------------------------------------------
def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporary_folders_are_swept_and_nothing_else(work: Path):
    out = work / "out"
    out.mkdir()
    gone = dead_pid()
    stale = out / f".corridor-tmp-base-{gone}-0badcafe"
    stale.mkdir()
    (stale / "tables").mkdir()
    (stale / "tables" / "kpis.csv").write_text("half")
    stale_file = out / f".corridor-tmp-manifest-json-{gone}-00000001"
    stale_file.write_text("{")
    alive = out / f".corridor-tmp-base-{os.getppid()}-0badcafe"  # its process runs
    alive.mkdir()
    lookalikes = [out / ".corridor-tmp-notes", out / f".corridor-tmp-base-{gone}-xyz", out / "keep"]
    for p in lookalikes:
        p.mkdir()
    assert main(["run", str(scenario(work)), *FAST]) == 0
    assert not stale.exists() and not stale_file.exists()
    assert alive.exists() and all(p.exists() for p in lookalikes)


def test_an_old_replaced_folder_loses_only_its_listed_files(work: Path):
    a = scenario(work)
    assert main(["run", str(a), "-o", "out/o", *FAST]) == 0
    old = work / "out" / f".corridor-old-o-{dead_pid()}-12345678"
    (work / "out" / "o").rename(old)
    (old / "added-later.txt").write_text("not ours")
    assert main(["run", str(a), "-o", "out/p", *FAST]) == 0
    assert sorted(p.name for p in old.rglob("*")) == ["added-later.txt"]


@pytest.fixture
def interrupt_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def arm(target: str) -> None:
        def boom(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(target, boom)

    yield arm


@pytest.mark.parametrize(
    "target",
    ["sim.runs.runner.compare", "sim.runs.output.report.write_report", "sim.runs.outdir._listing"],
)
def test_ctrl_c_while_simulating_or_writing_leaves_nothing(
    work: Path, capsys, interrupt_at, target
):
    interrupt_at(target)
    assert main(["run", str(scenario(work)), *FAST]) == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert sorted(p.name for p in work.iterdir()) == ["base.toml"]  # not even out/


def test_ctrl_c_while_replacing_keeps_the_earlier_output(work: Path, capsys, monkeypatch):
    a = scenario(work)
    assert main(["run", str(a), "-o", "o", *FAST]) == 0
    before = tree(work / "o")
    calls = []
    real = outdir.remove_listed

    def remove_then_interrupt(folder, manifest):  # Ctrl-C arrives while the old one is removed
        calls.append(folder)
        os.kill(os.getpid(), __import__("signal").SIGINT)
        return real(folder, manifest)

    monkeypatch.setattr(outdir, "remove_listed", remove_then_interrupt)
    capsys.readouterr()
    assert main(["run", str(a), "-o", "o", *FAST, "--overwrite", "--seed", "9"]) == 130
    assert capsys.readouterr().err == "interrupted\n"
    # the interrupt waited for the swap: the new output is complete, the old one gone
    assert calls and tree(work / "o") != before
    assert json.loads((work / "o" / "manifest.json").read_text())["seed"] == 9
    assert temp_entries(work) == []


# -- every refusal: exit 2 and a message naming the folder -----------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda w: foreign_folder(w / "t"),
        lambda w: (w / "t").write_text("file"),
        lambda w: ((w / "t").mkdir(), (w / "t" / "manifest.json").write_text("not json")),
        lambda w: (
            (w / "t").mkdir(),
            (w / "t" / "manifest.json").write_text('{"tool": "caspian-corridors", "files": []}'),
            (w / "t" / "x.csv").write_text("1"),
        ),
        lambda w: (
            (w / "t").mkdir(),
            (w / "t" / "manifest.json").write_text(
                '{"tool": "caspian-corridors", "files": [{"path": "../x", "size": 1, "sha256": "'
                + "0" * 64
                + '"}]}'
            ),
        ),
        lambda w: ((w / "real").mkdir(), (w / "t").symlink_to(w / "real")),
    ],
    ids=["foreign", "file", "bad-json", "unlisted", "escaping-path", "symlink"],
)
@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_every_refusal_exits_2_naming_the_folder(work: Path, capsys, make, command):
    make(work)
    before = tree(work)
    src = str(sweep_file(work)) if command == "sweep" else str(scenario(work))
    argv = [command, src, "-o", "t", "-q", "--overwrite"]
    assert main([*argv, *(["--workers", "1"] if command == "sweep" else [])]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(work / "t") in err
    assert {k: v for k, v in tree(work).items() if not k.endswith(".toml")} == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "scenario"), ("..", "scenario"), ("../../x", "x"), ("Z" * 300, "z" * outdir.SLUG_MAX)],
)
def test_slug_of_any_text_is_a_safe_folder_name(text: str, expected: str):
    assert outdir.slug(text) == expected
