"""Command-line polish: help on every option, display names in messages, paths echoed as given,
code spans rendered in the HTML report."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import sim
from network.errors import NetworkError
from sim.analysis import report
from sim.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))
        else:
            yield path, parser, action


def test_every_option_and_argument_has_help():
    missing = [
        (" ".join(path), action.option_strings or action.dest)
        for path, _, action in _walk(build_parser())
        if not action.help
    ]
    assert not missing


def test_help_texts_print_as_written(capsys):
    """No doubled percent signs in what --help prints (descriptions are not %-formatted)."""
    for path, parser, _ in _walk(build_parser()):
        text = parser.format_help()
        assert "%%" not in text, path
    assert main(["compare", "--help"]) == 0
    assert "95% confidence" in " ".join(capsys.readouterr().out.split())


def test_did_you_mean_offers_display_names(capsys):
    assert main(["routes", "Alpa", "Foxtrot", "--data", str(TINY)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'Alpha'" in err and "a_city" not in err


def test_unknown_node_suggestion_is_the_name_even_when_the_id_is_closer():
    net = __import__("network").load_network(TINY)
    with pytest.raises(NetworkError) as exc:
        net.resolve_node("a_cty")
    assert "'Alpha'" in str(exc.value) and "'a_city'" not in str(exc.value)


def test_a_path_is_echoed_as_given(tmp_path: Path, monkeypatch, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[[demand]]\norigin = "Tashkent"\ndestination = "Poti"\nper_week = -1\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"  {bad}: demand[0].per_week" in out  # absolute as given, not ../../bad.toml
    assert main(["validate", "../../bad.toml"]) == 1
    assert "  ../../bad.toml: demand[0].per_week" in capsys.readouterr().out


def test_html_report_renders_code_spans(tmp_path: Path):
    s = sim.Scenario(
        name="demo",
        network=str(TINY),
        description="A demo; see `corridor scenarios` for the shipped ones.",
        demand=[sim.Flow(origin="Alpha", destination="Foxtrot", per_week=30)],
        run=sim.RunSettings(horizon_days=20, warmup_days=2, replications=1),
    )
    res = sim.run(s)
    path = report.write_report(res, tmp_path, baseline="demo", figures={}, scenarios=[s])
    page = path.read_text(encoding="utf-8")
    assert "<code>corridor scenarios</code>" in page
    assert "`" not in page
