"""The ``corridor bench`` command: the engine against bare SimPy (:mod:`sim.runs.bench`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.runs.bench import UTILISATION, bench_once, corridor_bench, full_size

__all__ = ["add_commands", "cmd_bench", "main"]


def _at_least(low: int, what: str) -> Any:
    """An argparse type: an integer of at least ``low``, with a plain message otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}{what}, got {value}")
        return value

    return parse


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (0: no full-size run), got {value:g}")
    return value


def add_commands(sub: Any) -> None:
    """Register ``bench`` on the ``corridor`` sub-parsers."""
    p = sub.add_parser(
        "bench",
        help="time the engine against bare SimPy on a synthetic chain (and a full-size year)",
        description="Engine vs a bare SimPy program on an M/M/c chain with uniform travel; "
        "prints medians, the ratio, microseconds per truck-leg and the mean transit against "
        "the exact Jackson-network value.",
    )
    p.add_argument(
        "--sizes",
        # fewer trucks leave the chain's statistics empty
        type=_at_least(100, " trucks"),
        nargs="+",
        default=[5_000, 20_000, 80_000],
        metavar="S",
        help="trucks released per run of the chain, one timing per size (default %(default)s)",
    )
    p.add_argument(
        "--legs",
        type=_at_least(1, " leg"),
        default=8,
        help="legs of the chain, each an M/M/c station (default %(default)s)",
    )
    p.add_argument(
        "--servers",
        type=_at_least(1, " server"),
        default=3,
        help="servers c at each station of the chain (default %(default)s)",
    )
    p.add_argument(
        "--repeat",
        type=_at_least(1, ""),
        default=3,
        help="repetitions per size (median reported)",
    )
    p.add_argument(
        "--full-size",
        type=_scale,
        default=0.0,
        metavar="SCALE",
        help="also run baseline_2025 with demand x SCALE (e.g. 3)",
    )
    p.add_argument(
        "--scenario",
        default="baseline_2025",
        help="the scenario file or shipped name --full-size runs (default %(default)s)",
    )
    p.add_argument(
        "--corridor",
        nargs="*",
        default=None,
        metavar="TOML",
        help="instead of the chain, time World.run of each scenario file or shipped name given "
        "(none given: every shipped scenario): units, events per unit, microseconds per unit",
    )
    p.set_defaults(func=cmd_bench)


def _corridor_files(given: list[str]) -> list[Path]:
    from sim.inputs.shipped import resolve_scenario, shipped_scenarios

    files = [resolve_scenario(f) for f in given] or list(shipped_scenarios().values())
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f}: no such scenario file (--corridor)")
    return files


def cmd_bench(args: argparse.Namespace) -> int:
    from sim.inputs.shipped import resolve_scenario

    if args.full_size > 0:
        # checked before minutes of timing, not after
        args.scenario = str(resolve_scenario(args.scenario))
        if not Path(args.scenario).is_file():
            raise FileNotFoundError(f"{args.scenario}: no such scenario file (--scenario)")
    if args.corridor is not None:
        files = _corridor_files(args.corridor)
        print(
            f"World.run per scenario (replication 0, CPU time, compile excluded); median of "
            f"{args.repeat}; events = SimPy events (releases run from the calendar are none)"
        )
        print(
            f"{'scenario':<38} {'units':>7} {'events':>8} {'ev/unit':>7} {'run s':>7} "
            f"{'range':>13} {'us/unit':>7}"
        )
        for row in corridor_bench(files, args.repeat):
            low, high = row["run_range_s"]
            print(
                f"{row['scenario']:<38} {row['units']:>7} {row['events']:>8} "
                f"{row['events_per_unit']:>7.2f} {row['run_s']:>7.3f} "
                f"{low:>6.3f}-{high:<6.3f} {row['us_per_unit']:>7.2f}"
            )
        _full_size(args)
        return 0
    print(
        f"chain: L={args.legs} legs, c={args.servers} servers, utilisation {UTILISATION}, "
        f"exponential service mean 1 h, uniform travel 1-3 h; median of {args.repeat}\n"
        "ratio = engine CPU time / bare SimPy drawing from `random` (range over the repeats); "
        "vs tuned = engine / a tuned bare SimPy loop (methods bound to locals, `random` drawn "
        "directly; range); vs blocks = engine / bare SimPy drawing numpy blocks as the engine does"
    )
    header = (
        f"{'S':>7} {'trucks':>7} {'engine s':>9} {'bare s':>8} {'ratio':>6} {'range':>11} "
        f"{'tuned s':>8} {'vs tuned':>8} {'range':>11} {'vs blocks':>9} "
        f"{'us/leg':>7} {'bare us/leg':>11} {'mean h':>8} {'bare h':>8} {'exact h':>8}"
    )
    print(header)
    results = []
    for s in args.sizes:
        r = bench_once(s, args.legs, args.servers, args.repeat)
        results.append(r)
        print(
            f"{r.shipments:>7} {r.engine_trucks:>7} {r.engine_s:>9.3f} {r.bare_s:>8.3f} "
            f"{r.ratio:>6.2f} {r.ratio_range[0]:>5.2f}-{r.ratio_range[1]:<5.2f} "
            f"{r.tuned_s:>8.3f} {r.ratio_tuned:>8.2f} "
            f"{r.ratio_tuned_range[0]:>5.2f}-{r.ratio_tuned_range[1]:<5.2f} "
            f"{r.ratio_blocks:>9.2f} "
            f"{r.us_per_leg:>7.2f} {r.bare_us_per_leg:>11.2f} "
            f"{r.engine_mean_transit_h:>8.3f} {r.bare_mean_transit_h:>8.3f} "
            f"{r.exact_mean_transit_h:>8.3f}"
        )
    if len(results) > 1:
        first = results[0]
        print(
            "scaling (engine time per truck relative to the smallest S): "
            + ", ".join(f"S={r.shipments}: {r.us_per_leg / first.us_per_leg:.2f}" for r in results)
        )
    _full_size(args)
    return 0


def _full_size(args: argparse.Namespace) -> None:
    if args.full_size > 0:
        f = full_size(args.scenario, args.full_size)
        print(
            f"full size {f['scenario']}: {f['units']} units/yr ({f['units_via_alat']} via Alat), "
            f"run {f['run_s']:.2f} s (with tables {f['run_and_tables_s']:.2f} s), "
            f"peak heap {f['peak_heap_mb']:.0f} MB, peak RSS {f['peak_rss_mb']:.0f} MB, "
            f"events logged {f['events_logged']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.cli.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub)
    args = parser.parse_args(["bench", *(argv or [])])
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(main(sys.argv[1:]))
