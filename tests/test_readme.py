"""The README stays true: its scenario example validates and its commands exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import sim
from sim.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_annotated_scenario_example_validates(tmp_path: Path):
    block = re.search(r"```toml\n(#:schema.*?)```", README, re.S)
    assert block is not None
    text = block.group(1).replace(
        'extends = "baseline_2025.toml"',
        f"extends = {str(ROOT / 'scenarios' / 'baseline_2025.toml')!r}",
    )
    path = tmp_path / "example.toml"
    path.write_text(text, encoding="utf-8")
    s = sim.load_scenario(path)
    assert s.year == 2030 and s.run.replications == 10
    assert s.overrides.ferries["turkmenbashi-alat"].load_factor == 0.7


def _console_commands() -> list[list[str]]:
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        for line in block.splitlines():
            if line.startswith("$ corridor "):
                out.append(shlex.split(line[2:].split("#")[0])[1:])
    return out


@pytest.mark.parametrize("argv", _console_commands(), ids=lambda a: " ".join(a[:2]))
def test_readme_commands_parse(argv: list[str]):
    parser = build_parser()
    args = parser.parse_args(argv)  # parses only: files are not opened
    assert callable(args.func)


def test_quickstart_commands_match_ci():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install --quiet -e '.[dev]'" in ci
    assert "python -m pytest" in ci
    assert ".venv/bin/pip install -q -e '.[dev]' && .venv/bin/python -m pytest -q" in README
    assert "corridor compare scenarios/baseline_2025.toml scenarios/zangezur.toml" in README
