"""The how-to "add your own node and leg" of ``network/data/README.md``, run step by step as
written: its code and CSV blocks are read from the README, so the guide cannot drift from what
works."""

from __future__ import annotations

import contextlib
import io
import math
import re
import shlex
from pathlib import Path

import pytest

import network
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "network" / "data" / "README.md"
HEADING = "## How-to: add your own node and leg"
FENCE = re.compile(r"^ *```(\w+)\n(.*?)^ *```", re.S | re.M)


def _steps() -> list[tuple[str, str, str]]:
    """The how-to's fenced blocks in order: (language, code, the text before the block)."""
    text = GUIDE.read_text(encoding="utf-8")
    assert HEADING in text, f"{GUIDE.name} has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    out, start = [], 0
    for m in FENCE.finditer(section):
        code = "\n".join(line.strip() for line in m[2].splitlines())
        out.append((m[1], code, section[start : m.start()]))
        start = m.end()
    return out


def _run(code: str) -> str:
    """Execute a Python block of the guide; what it prints."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, str(GUIDE), "exec"), {})
    return buffer.getvalue()


def _table(before: str) -> str:
    """The table a CSV block goes to: the last one the text before it names."""
    return re.findall(r"`(?:my-network/)?(\w+\.csv)`", before)[-1]


def _append(folder: Path, before: str, rows: str) -> str:
    """Append a CSV block to its table (:func:`_table`); the table's name."""
    table = _table(before)
    path = folder / table
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + rows.strip() + "\n", encoding="utf-8")
    return table


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_the_guide_has_every_step() -> None:
    langs = [lang for lang, _, _ in _steps()]
    assert langs == ["python", "csv", "csv", "csv", "console", "python", "toml"]


def test_add_a_node_and_a_leg_step_by_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    steps = _steps()
    folder = tmp_path / "my-network"
    shipped = network.load_network()
    # 1. copy the shipped folder
    _run(steps[0][1])
    assert (folder / "nodes.csv").read_bytes() == (
        network.default_data_path() / "nodes.csv"
    ).read_bytes()
    # 2-4. sources, node and leg appended
    tables = [_append(folder, before, code) for lang, code, before in steps if lang == "csv"]
    assert tables == ["sources.csv", "nodes.csv", "legs.csv"]
    net = network.load_network(folder)  # every check passes
    assert len(net.nodes) == len(shipped.nodes) + 1 and len(net.legs) == len(shipped.legs) + 1
    leg = net.legs.loc["bukhara-karshi"]
    assert (leg["from_node"], leg["to_node"], leg["mode"]) == ("bukhara", "karshi", "rail")
    # each new figure's source is in sources.csv, and the new ones are marked assumptions
    new_sources = set(net.sources.index) - set(shipped.sources.index)
    assert new_sources == {s for s in net.sources.index if str(s).startswith("howto-")}
    assert set(net.sources.loc[sorted(new_sources), "kind"]) == {"assumption"}
    cols = [c for c in net.legs.columns if c.endswith("_source")]
    named = {leg[c] for c in cols if isinstance(leg[c], str) and leg[c]}
    assert named <= set(net.sources.index) and named & new_sources
    # the distance is what the source's note says: the great-circle between the nodes x 1.23
    note = net.sources.loc[leg["distance_source"], "note"]
    km = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) km", note)]
    ends = net.nodes.loc[["bukhara", "karshi"], ["lat", "lon"]].to_numpy()
    assert km[0] == pytest.approx(_great_circle_km(*ends[0], *ends[1]), abs=0.5)
    assert km[-1] == pytest.approx(leg["distance_km"])
    assert km[-1] == pytest.approx(km[0] * 1.23, abs=0.7)
    assert leg["cost_usd_per_teu"] == pytest.approx(1.27 * leg["distance_km"], abs=0.5)
    # 5. the command line checks the folder and routes through the new node
    commands = [line[2:] for line in steps[4][1].splitlines() if line.startswith("$ ")]
    assert len(commands) == 2
    capsys.readouterr()
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "corridor"
        assert main(args[1:]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "Karshi" in out and "bukhara-karshi" in out
    # 6. in Python: the best route starts on the new leg
    printed = _run(steps[5][1]).splitlines()
    assert printed[0].startswith("Karshi") and "Kars" in printed[0]
    assert printed[-1].startswith("bukhara-karshi > ")
    # 7. a scenario on the copy uses the new place
    (tmp_path / "karshi.toml").write_text(steps[6][1] + "\n", encoding="utf-8")
    assert main(["validate", "karshi.toml"]) == 0, capsys.readouterr()
    import sim
    from sim.inputs.compile import compile_scenario

    spec = compile_scenario(sim.load_scenario(tmp_path / "karshi.toml"), tmp_path)
    [flow] = [f for f in spec.flows if not f.background]
    assert spec.plans[flow.plans[0]].legs[0] == "bukhara-karshi"


def test_a_leg_without_its_sources_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The sources step matters: the node and leg alone name sources the folder lacks."""
    monkeypatch.chdir(tmp_path)
    steps = _steps()
    _run(steps[0][1])
    for lang, code, before in steps:
        if lang == "csv" and _table(before) != "sources.csv":
            _append(tmp_path / "my-network", before, code)
    with pytest.raises(network.DataError, match="howto-dist-bukhara-karshi"):
        network.load_network(tmp_path / "my-network")
