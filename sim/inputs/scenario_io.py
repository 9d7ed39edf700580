"""Scenario files: read TOML into a validated :class:`~sim.inputs.scenario.Scenario`, write it back.

A scenario file is data only: it is parsed with :mod:`tomllib`, never evaluated. A file may
``extends = "other.toml"`` (a path relative to the file, or the name of a scenario shipped with the
package when no such file is beside it, :mod:`sim.inputs.shipped`; chains allowed, cycles
reported). The
child is deep-merged onto its parent: **tables merge key by key, arrays replace** (a child that
gives ``[[demand]]`` replaces the parent's whole demand list; ``[overrides.legs."a-b"]`` adds or
changes one leg and keeps the parent's others).

A file is at most :data:`MAX_FILE_BYTES` (checked before parsing), UTF-8 (a byte-order mark is
accepted), nested at most :data:`MAX_DEPTH` deep, and an ``extends`` chain holds at most
:data:`MAX_EXTENDS` files. A problem in a parent names the files that extend it
(``child.toml: extends: base.toml: demand[0].per_week: ...``).

Every problem in a file is reported at once, as ``file: key.path: message``, in a
:class:`ScenarioError`: schema problems (unknown keys with a "did you mean", wrong types, numbers
out of range) and, with ``check_network=True``, names that the network does not know (origins,
destinations, node, leg and ferry overrides, disruption targets, ``avoid`` items).

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "base.toml").write_text('''
... name = "base"
... [[demand]]
... origin = "Tashkent"
... destination = "Poti"
... per_week = 20
... ''')
>>> _ = (folder / "child.toml").write_text('extends = "base.toml"\\nname = "child"\\nyear = 2030')
>>> s = load_scenario(folder / "child.toml", check_network=False)
>>> s.name, s.year, s.demand[0].per_week
('child', 2030, 20.0)
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from network.names import suggest
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario import Scenario

__all__ = [
    "MAX_DEPTH",
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "ScenarioError",
    "did_you_mean",
    "display_path",
    "dump_scenario",
    "format_loc",
    "given_paths",
    "load_scenario",
    "located",
    "network_problems",
    "problem_text",
    "read_toml",
    "referenced_file",
    "scenario_json_schema",
]

Loc = tuple[str | int, ...]

_EXTENDS = "extends"
_SCHEMA_ID = "https://github.com/caspian-corridors/caspian-corridors/scenarios/scenario.schema.json"


# --------------------------------------------------------------------------------------------
# Reading and merging
# --------------------------------------------------------------------------------------------


#: the files a load was asked for, resolved -> as the user gave them (echoed back as given)
_GIVEN: ContextVar[Mapping[Path, str]] = ContextVar("_GIVEN", default=types.MappingProxyType({}))


def display_path(path: Path) -> str:
    """The path as the user will recognise it: as given, for the file a load was asked for;
    else relative to the working directory if inside it, else absolute.

    >>> display_path(Path("/nowhere/near/x.toml"))
    '/nowhere/near/x.toml'
    """
    given = _GIVEN.get().get(path)
    if given is not None:
        return given
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


@contextmanager
def given_paths(*pairs: tuple[Path, str]) -> Iterator[None]:
    """Within the block, :func:`display_path` shows each resolved path as given."""
    token = _GIVEN.set({**_GIVEN.get(), **dict(pairs)})
    try:
        yield
    finally:
        _GIVEN.reset(token)


_display = display_path


_TOML_POS = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$")

#: largest scenario or sweep file read, in bytes (a scenario of hundreds of flows is some 100 kB)
MAX_FILE_BYTES = 1_000_000
#: deepest nesting of tables and arrays in a file (a scenario needs 5)
MAX_DEPTH = 32
#: longest ``extends`` chain (files, the first included)
MAX_EXTENDS = 16
_BOM = "\ufeff"


def read_toml(path: Path, what: str = "file") -> dict[str, Any]:
    """Parse one TOML file, data only; every way it can fail is a :class:`ScenarioError`.

    The file must exist, be at most :data:`MAX_FILE_BYTES` (checked before it is parsed), be
    UTF-8 (a byte-order mark is accepted) and nest tables and arrays at most :data:`MAX_DEPTH`
    deep. ``what`` names the kind of file in the messages (``"scenario file"``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.toml"
    >>> _ = f.write_bytes("\ufeffname = 'x'".encode())
    >>> read_toml(f)
    {'name': 'x'}
    >>> _ = f.write_text("a = " + "[" * 40 + "]" * 40)
    >>> try:
    ...     read_toml(f)
    ... except ScenarioError as exc:
    ...     print(exc.problems[0].rsplit(": ", 1)[1])
    nesting deeper than 32 levels of tables and arrays
    """
    where = _display(path)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ScenarioError(
                    [
                        f"{where}: {what} of {size:,} bytes is larger than the limit of "
                        f"{MAX_FILE_BYTES:,} bytes"
                    ]
                )
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([f"{where}: file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{where}: is a folder, not a {what}"]) from None
    except OSError as exc:
        raise ScenarioError([f"{where}: cannot read {what}: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:  # a file that grew, or a pipe
        raise ScenarioError(
            [f"{where}: {what} is larger than the limit of {MAX_FILE_BYTES:,} bytes"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise ScenarioError(
            [f"{where}:{line}: not UTF-8 text (byte 0x{bad}); save the {what} as UTF-8"]
        ) from None
    text = text.removeprefix(_BOM)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POS.match(str(exc))
        if match:
            msg = f"{where}:{match['line']}:{match['col']}: TOML syntax error: {match['msg']}"
        else:
            msg = f"{where}: TOML syntax error: {exc}"
        raise ScenarioError([msg]) from None
    except RecursionError:
        raise ScenarioError(
            [
                f"{where}: tables or arrays nested too deep to parse (the limit is {MAX_DEPTH} "
                "levels)"
            ]
        ) from None
    deep = _too_deep(data)
    if deep is not None:
        raise ScenarioError(
            [
                f"{where}: {format_loc(deep)}: nesting deeper than {MAX_DEPTH} levels of tables "
                "and arrays"
            ]
        )
    return data


def _too_deep(data: Any) -> Loc | None:
    """The key path of the first value nested deeper than :data:`MAX_DEPTH`, or None."""
    stack: list[tuple[Any, Loc]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            return loc[: MAX_DEPTH + 1]
        if isinstance(value, dict):
            stack += [(v, (*loc, str(k))) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, (*loc, i)) for i, v in enumerate(value)]
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse one scenario file (see :func:`read_toml`)."""
    return read_toml(path, "scenario file")


def _merge(
    base: dict[str, Any],
    child: Mapping[str, Any],
    origins: dict[Loc, Path],
    source: Path,
    prefix: Loc = (),
) -> dict[str, Any]:
    """Deep-merge ``child`` onto ``base``: tables merge key by key, everything else replaces.

    ``origins`` records for every key path the file that set it, so that a problem found after
    merging names the file it came from.
    """
    out = dict(base)
    for key, value in child.items():
        loc = (*prefix, key)
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, origins, source, loc)
        else:
            # A replaced value (e.g. an array) forgets where the parent's items came from.
            for old in [o for o in origins if o[: len(loc)] == loc]:
                del origins[old]
            out[key] = value
            _record(value, origins, source, loc)
        origins[loc] = source
    return out


def _record(value: Any, origins: dict[Loc, Path], source: Path, loc: Loc) -> None:
    origins[loc] = source
    if isinstance(value, dict):
        for key, item in value.items():
            _record(item, origins, source, (*loc, key))


def referenced_file(path: Path, ref: str) -> Path:
    """The file an ``extends`` (or a sweep's ``scenario``) in ``path`` names: relative to
    ``path``'s folder, or, when there is no such file and
    ``ref`` is the name of a shipped scenario (``"baseline_2025"`` or ``"baseline_2025.toml"``),
    that scenario (:mod:`sim.inputs.shipped`), so a copy of a shipped file extends from anywhere.
    """
    parent = (path.parent / ref).resolve()
    if parent.is_file() or "/" in ref or "\\" in ref:
        return parent
    from sim.inputs.shipped import shipped_scenarios

    try:
        shipped = shipped_scenarios()
    except ScenarioError:  # an installation without its scenarios: the file is not found
        return parent
    name = ref.removesuffix(".toml")
    return shipped[name].resolve() if name in shipped else parent


class _ChainError(ScenarioError):
    """A problem of the ``extends`` chain as a whole (a cycle, too many files), named once."""


def _load_chain(
    path: Path,
    chain: tuple[Path, ...],
    origins: dict[Loc, Path],
    links: dict[Path, Path] | None = None,
) -> dict[str, Any]:
    """Read ``path`` and the files it extends; return the merged data (``extends`` removed).

    ``links`` records, for every parent, the file that extends it.
    """
    links = {} if links is None else links
    data = _read_toml(path)
    parent_ref = data.pop(_EXTENDS, None)
    if parent_ref is None:
        merged: dict[str, Any] = {}
    elif not isinstance(parent_ref, str):
        raise ScenarioError(
            [f"{_display(path)}: extends: must be a file name (a string), got {parent_ref!r}"]
        )
    else:
        parent = referenced_file(path, parent_ref)
        if parent in chain or parent == path:
            cycle = " -> ".join(_display(p) for p in (*chain, path, parent))
            raise _ChainError([f"{_display(path)}: extends: cycle: {cycle}"])
        if len(chain) + 2 > MAX_EXTENDS:
            files = " -> ".join(_display(p) for p in (*chain, path, parent))
            raise _ChainError(
                [
                    f"{_display(path)}: extends: chain of more than {MAX_EXTENDS} files: "
                    f"{files} -> ..."
                ]
            )
        if not parent.is_file():
            raise ScenarioError(
                [f"{_display(path)}: extends: file not found: {parent_ref!r} ({_display(parent)})"]
            )
        try:
            merged = _load_chain(parent, (*chain, path), origins, links)
        except _ChainError:
            raise
        except ScenarioError as exc:
            # the parent's own problems, each saying which file's `extends` reached it (a chain
            # of parents nests these, so every link is named)
            raise ScenarioError([f"{_display(path)}: extends: {p}" for p in exc.problems]) from None
        links[parent] = path
        if merged and not set(merged) & set(Scenario.model_fields):
            raise ScenarioError(
                [
                    f"{_display(path)}: extends: {parent_ref!r} is not a scenario file (its keys "
                    f"are {', '.join(sorted(map(str, merged)))}; a scenario has name, year, "
                    "demand, ...)"
                ]
            )
    return _merge(merged, data, origins, path)


def _where(source: Path, links: Mapping[Path, Path] | None) -> str:
    """``source`` as shown in a message; a parent with the files extending it before it:
    ``child.toml: extends: base.toml``."""
    text = _display(source)
    seen = {source}
    while links and source in links and links[source] not in seen:
        source = links[source]
        seen.add(source)
        text = f"{_display(source)}: extends: {text}"
    return text


def _source_of(loc: Loc, origins: Mapping[Loc, Path], default: Path) -> Path:
    """The file that set the deepest known prefix of ``loc``."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            return origins[loc[:n]]
    return default


# --------------------------------------------------------------------------------------------
# Turning pydantic errors into problems
# --------------------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_]+$")


def format_loc(loc: Sequence[str | int]) -> str:
    """``('demand', 0, 'per_week')`` -> ``demand[0].per_week``; odd keys quoted as in TOML."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE_KEY.match(part) else json.dumps(part, ensure_ascii=False)
            out += f".{text}" if out else text
    return out or "(top level)"


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model whose fields are valid at ``loc`` (``()`` is the Scenario itself)."""
    current: Any = Scenario
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        else:
            current = _item_type(current)
            if current is None:
                return None
        current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the one type inside."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _item_type(container: Any) -> Any:
    """The element type of ``list[X]`` or the value type of ``dict[str, X]``."""
    origin = typing.get_origin(container)
    args = typing.get_args(container)
    if origin is list and args:
        return _unwrap(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidates, or ``""``: the network's one
    "did you mean" (:func:`network.names.suggest`) in the words of a scenario problem.

    Examples
    --------
    >>> did_you_mean("horizon_day", ["horizon_days", "warmup_days", "seed"])
    "; did you mean 'horizon_days'?"
    >>> did_you_mean("zzz", ["seed"])
    ''
    """
    close = suggest(word, candidates)
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""


def problem_text(error: Mapping[str, Any]) -> str:
    """The message part of one pydantic error, in the project's words."""
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        fields = list(model.model_fields) if model else []
        hint = did_you_mean(str(loc[-1]), fields) if fields else ""
        if not hint and fields:
            hint = f" (allowed: {', '.join(fields)})"
        return f"unknown key{hint}"
    msg = str(error["msg"])
    if kind == "value_error" and msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "missing":
        return "required key is missing"
    given = error.get("input")
    if kind == "literal_error" and isinstance(given, str):
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        return f"{msg} (got {given!r}){did_you_mean(given, choices)}"
    if given is not None and not isinstance(given, dict | list):
        return f"{msg} (got {given!r})"
    return msg


def _validation_problems(
    exc: ValidationError,
    origins: Mapping[Loc, Path],
    top: Path,
    links: Mapping[Path, Path] | None = None,
) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = _where(_source_of(loc, origins, top), links)
        problems.append(f"{where}: {located(loc, problem_text(error))}")
    return problems


def located(loc: Sequence[str | int], message: str) -> str:
    """``key.path: message``; a whole-model problem whose message starts with its own key path
    (``demand[0].per_week: ...``) keeps just that.

    >>> located(("run", "seed"), "must be >= 0")
    'run.seed: must be >= 0'
    >>> located((), "demand[2].per_week: too many units")
    'demand[2].per_week: too many units'
    """
    if not loc and re.match(r"^[A-Za-z0-9_.\[\]]+: ", message):
        return message
    return f"{format_loc(loc)}: {message}"


# --------------------------------------------------------------------------------------------
# Network checks
# --------------------------------------------------------------------------------------------


def network_problems(
    data: Mapping[str, Any],
    origins: Mapping[Loc, Path],
    top: Path,
    links: Mapping[Path, Path] | None = None,
) -> list[str]:
    """Check every name in the (merged, raw) scenario against its network.

    Works on the raw data so that it can run even when schema validation failed; values of the
    wrong type are skipped (the schema pass reports them). A ``network`` folder that cannot be
    loaded gives one problem per fault in it, as ``corridor network check`` lists them.
    """
    import network
    from network.names import suggest
    from sim.inputs.compile import cached_network

    folder_ref = data.get("network")
    where = _where(_source_of(("network",), origins, top), links)
    try:
        if isinstance(folder_ref, str):
            folder = _source_of(("network",), origins, top).parent / folder_ref
            if not folder.is_dir():
                what = "is not a folder" if folder.exists() else "folder not found"
                return [f"{where}: network: {what}: {folder_ref!r} ({_display(folder)})"]
            net = cached_network(str(folder.resolve()))
        else:
            net = cached_network(None)
    except network.DataError as exc:
        folder_text = repr(folder_ref) if isinstance(folder_ref, str) else "the shipped data"
        lines = [str(problem) for problem in exc.problems] or [str(exc)]
        return [f"{where}: network: {folder_text}: {line}" for line in lines]
    except network.NetworkError as exc:
        return [f"{where}: network: cannot load the network: {exc}"]

    legs = [str(i) for i in net.legs.index]
    ferries = [str(i) for i in net.ferries.index]
    countries = sorted({str(c) for c in net.nodes["country"].dropna()})
    from network.schema import MODES

    problems: list[str] = []

    def report(loc: Loc, message: str) -> None:
        where = _where(_source_of(loc, origins, top), links)
        problems.append(f"{where}: {format_loc(loc)}: {message}")

    def node_problem(name: str) -> str | None:
        try:
            net.resolve_node(name)
        except network.UnknownNameError as exc:
            return str(exc)
        return None

    def hint(name: str, candidates: Iterable[str]) -> str:
        close = suggest(name, candidates)
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""

    def check_countries(loc: Loc, codes: Any) -> None:
        for i, code in enumerate(_list(codes)):
            if isinstance(code, str) and code not in countries:
                report((*loc, i), f"unknown country code {code!r}{hint(code, countries)}")

    for i, flow in enumerate(_list(data.get("demand"))):
        if not isinstance(flow, dict):
            continue
        for key in ("origin", "destination"):
            name = flow.get(key)
            if isinstance(name, str) and (msg := node_problem(name)):
                report(("demand", i, key), msg)
        route = flow.get("route")
        for j, item in enumerate(_list(route.get("avoid") if isinstance(route, dict) else None)):
            if not isinstance(item, str):
                continue
            if item in countries or item in MODES or item in legs or not node_problem(item):
                continue
            report(
                ("demand", i, "route", "avoid", j),
                f"{item!r} is not a country code, mode, leg id or node name"
                f"{hint(item, [*countries, *MODES, *legs, *_node_labels(net)])}",
            )

    ops = data.get("operations")
    regime = ops.get("border_regime") if isinstance(ops, dict) else None
    if isinstance(regime, str):
        regimes = sorted({str(r) for r in net.border_regimes["regime"]})
        if regime not in regimes:
            have = ", ".join(map(repr, regimes)) or "none"
            report(
                ("operations", "border_regime"),
                f"no border regime {regime!r} in the network's border_regimes table (it has "
                f"{have}){hint(regime, regimes)}",
            )

    overrides = data.get("overrides")
    if isinstance(overrides, dict):
        for name, change in _dict(overrides.get("nodes")).items():
            if msg := node_problem(name):
                report(("overrides", "nodes", name), msg)
            if isinstance(change, dict):
                check_countries(
                    ("overrides", "nodes", name, "for_origins_in"), change.get("for_origins_in")
                )
        for leg in _dict(overrides.get("legs")):
            if leg not in legs:
                report(("overrides", "legs", leg), f"unknown leg id {leg!r}{hint(leg, legs)}")
        for leg, change in _dict(overrides.get("ferries")).items():
            if leg in ferries:
                _vessel_problems(net, data, leg, _dict(change), report, hint)
                continue
            if leg in legs:
                report(("overrides", "ferries", leg), f"leg {leg!r} has no ferry service")
            else:
                report(
                    ("overrides", "ferries", leg),
                    f"unknown ferry leg id {leg!r}{hint(leg, ferries)}",
                )
        for i, kind in enumerate(_list(overrides.get("node_kinds"))):
            if isinstance(kind, dict):
                check_countries(("overrides", "node_kinds", i, "countries"), kind.get("countries"))

    for i, disruption in enumerate(_list(data.get("disruptions"))):
        target = disruption.get("target") if isinstance(disruption, dict) else None
        if isinstance(target, str) and target not in legs and node_problem(target):
            report(
                ("disruptions", i, "target"),
                f"{target!r} is neither a leg id nor a node name"
                f"{hint(target, [*legs, *_node_labels(net)])}",
            )

    problems += _announcement_problems(data, origins, top, links)

    calibration = data.get("calibration")
    if isinstance(calibration, dict):
        from sim.inputs import parameters

        params = parameters.uncertain_parameters(net)
        for name in _dict(calibration.get("parameters")):
            for msg in parameters.unknown([name], params):
                report(("calibration", "parameters", name), msg)
        post = calibration.get("posterior")
        if isinstance(post, str) and post:
            loc: Loc = ("calibration", "posterior")
            from sim.inputs.posterior import PosteriorError, load_posterior

            try:
                found = load_posterior(_source_of(loc, origins, top).parent / post)
            except PosteriorError as exc:
                for line in exc.problems:
                    report(loc, line)
            else:
                for msg in parameters.unknown(found.names, params):
                    report(loc, f"{post}: {msg}")
    return problems


def _announcement_problems(
    data: Mapping[str, Any],
    origins: Mapping[Loc, Path],
    top: Path,
    links: Mapping[Path, Path] | None,
) -> list[str]:
    """The names a plan announcement sets, checked as the scenario's own are: each
    announcement applied alone to the scenario, the problems it adds (``corridor plan`` would
    meet them in the years it is in service). The values' types are the schema pass's."""
    import copy

    from sim.inputs.dotted import addition_key, set_path

    plan = data.get("plan")
    announced = _list(plan.get("announced") if isinstance(plan, dict) else None)
    if not announced:
        return []
    # only the tables the announcements set, with what names them (the network folder, the
    # operations), and the scenario's own problems there, located as the announcements' are
    touched = {"network", "operations"} | {
        str(k).split(".", 1)[0]
        for a in announced
        if isinstance(a, dict) and isinstance(a.get("set"), dict)
        for k in a["set"]
    }
    base = {k: v for k, v in data.items() if k in touched and k != "plan"}
    own = {m.split(": ", 1)[-1] for m in network_problems(base, {}, top, links)}
    out: list[str] = []
    for i, a in enumerate(announced):
        setting = a.get("set") if isinstance(a, dict) else None
        if not isinstance(setting, dict) or not setting:
            continue
        where = _where(_source_of(("plan",), origins, top), links)
        name = a.get("name") if isinstance(a.get("name"), str) else ""
        for key in setting:
            if (whole := addition_key(str(key))) is not None:
                out.append(
                    f"{where}: plan.announced[{i}] ({name!r}): set.{key}: vessels announced for "
                    f'a year are added whole: set "{whole}" = {{ like = ..., count = ... }}, not '
                    "one of its fields"
                )
        changed = copy.deepcopy(base)
        try:
            for key, value in setting.items():
                if isinstance(key, str) and key:
                    set_path(changed, key, value)
        except (AttributeError, IndexError, TypeError, ValueError):
            continue  # a key through a value, or a bad item number: the plan reports it
        for msg in network_problems(changed, {}, top, links):
            what = msg.split(": ", 1)[-1]
            line = f"{where}: plan.announced[{i}] ({name!r}): {what}"
            if what not in own and line not in out:
                out.append(line)
    return out


def _vessel_problems(
    net: Any,
    data: Mapping[str, Any],
    leg: str,
    change: Mapping[str, Any],
    report: Callable[[Loc, str], None],
    hint: Callable[[str, Iterable[str]], str],
) -> None:
    """The problems of a ferry line's ``add_vessels`` against the network's vessels."""
    from sim.inputs.operations import DECK_COLUMN, named_vessels

    additions = _dict(change.get("add_vessels"))
    if not additions:
        return
    loc: Loc = ("overrides", "ferries", leg, "add_vessels")
    ops = data.get("operations")
    if isinstance(ops, dict) and ops.get("fleet") is False:
        report(
            loc,
            "vessels are added to the line's named fleet, which operations.fleet = false "
            "switches off; set vessels and capacity_slots instead, or leave fleet on",
        )
    common = _dict(data.get("overrides")).get("all_ferries")
    alike = [
        f"{where}{key}"
        for where, table in (("", change), ("all_ferries.", _dict(common)))
        for key in ("vessels", "capacity_slots")
        if key in table
    ]
    if alike:
        report(
            loc,
            f"the line's {' and '.join(alike)} make it run alike vessels, which replace the "
            "named fleet the vessels would join; use one or the other",
        )
    ids = [str(i) for i in net.vessels.index]
    named = named_vessels(net, leg)
    if not named:
        report(
            loc,
            f"the line {leg!r} has no named vessels in vessels.csv for vessels to join; set its "
            "vessels and capacity_slots instead",
        )
    taken = {str(n) for n in net.vessels["name"]}
    for label, add in additions.items():
        if not isinstance(add, dict):
            continue
        count = add.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 50:
            count = 0  # not a count: the schema pass says so, no names to check
        names = [label] if count == 1 else [f"{label} {i + 1}" for i in range(count)]
        if clash := [n for n in names if n in taken]:
            report(
                (*loc, label),
                f"the added vessel(s) would be named {', '.join(map(repr, clash))}, as another "
                "vessel is (vessels.csv or another addition of this line); vessels of a line are "
                "told apart by name (their breakdowns too): choose another name",
            )
        taken.update(names)
        like = add.get("like")
        if not isinstance(like, str):
            continue
        if like not in ids:
            report(
                (*loc, label, "like"),
                f"no vessel {like!r} in vessels.csv{hint(like, ids) or ' (a vessel_id)'}",
            )
            continue
        serves = [str(x) for x in net.vessels.at[like, "lines"]]
        if leg not in serves and named:
            report(
                (*loc, label, "like"),
                f"{like!r} serves {', '.join(serves) or 'no line'} (vessels.csv lines), not "
                f"{leg!r}: add vessels alike to one of this line's (e.g. "
                f"{', '.join(repr(i) for i in named[:3])})",
            )
        kind = str(net.vessels.at[like, "type"])
        column = DECK_COLUMN.get(kind, "railcars")
        for deck in ("railcars", "trucks", "teu"):
            if deck in add and deck != column:
                report(
                    (*loc, label, deck),
                    f"{like!r} is a {kind} vessel, whose deck is counted in {column}; give "
                    f"{column} instead",
                )


def _node_labels(net: Any) -> list[str]:
    labels = [str(i) for i in net.nodes.index]
    if "name" in net.nodes.columns:
        labels += [str(n) for n in net.nodes["name"].dropna()]
    return labels


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_scenario(path: str | os.PathLike[str], *, check_network: bool = True) -> Scenario:
    """Read a TOML scenario file (and the files it extends) into a validated :class:`Scenario`.

    Parameters
    ----------
    path : str or path-like
        The scenario file.
    check_network : bool, default True
        Also check every node, leg, ferry and country name against the scenario's network (its
        ``network`` folder, relative to the file that names it, or the shipped data).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem of the file and the files it extends, each as
        ``file: key.path: message``.

    Examples
    --------
    >>> s = load_scenario("scenarios/baseline_2025.toml", check_network=False)  # doctest: +SKIP
    >>> s.year, len(s.demand)  # doctest: +SKIP
    (2025, 14)
    """
    top = Path(path).resolve()
    # as given, unless the caller says how to show it (a sweep's base scenario)
    with given_paths((top, _GIVEN.get().get(top, os.fspath(path)))):
        return _load_scenario(top, check_network)


def _load_scenario(top: Path, check_network: bool) -> Scenario:
    origins: dict[Loc, Path] = {}
    links: dict[Path, Path] = {}
    data = _load_chain(top, (), origins, links)
    problems: list[str] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += _validation_problems(exc, origins, top, links)
    if check_network:
        problems += network_problems(data, origins, top, links)
    if problems or scenario is None:
        raise ScenarioError(problems)
    post = scenario.calibration.posterior
    if post:  # relative to the file that names it, like the network folder
        folder = _source_of(("calibration", "posterior"), origins, top).parent
        calibration = scenario.calibration.model_copy(
            update={"posterior": str((folder / post).resolve())}
        )
        scenario = scenario.model_copy(update={"calibration": calibration})
    return scenario


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (the :class:`Scenario` model plus ``extends``).

    Editors use it to complete and check scenario files; the committed copy
    ``scenarios/scenario.schema.json`` is regenerated with
    ``corridor scenario schema --overwrite -o scenarios/scenario.schema.json``.

    Note that a file that ``extends`` another need not be complete on its own (``demand`` may come
    from the parent), which the schema cannot express; ``corridor validate`` checks the merged file.

    Examples
    --------
    >>> schema = scenario_json_schema()
    >>> schema["properties"]["extends"]["type"], schema["additionalProperties"]
    ('string', False)
    """
    schema = Scenario.model_json_schema()
    properties = {
        _EXTENDS: {
            "type": "string",
            "title": "Extends",
            "description": "Path (relative to this file) of a scenario this one is merged onto: "
            "tables merge key by key, arrays replace.",
        },
        **schema["properties"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        **{k: v for k, v in schema.items() if k != "properties"},
        "properties": properties,
    }


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as TOML text that :func:`load_scenario` reads back to an equal scenario.

    Keys left at their defaults are omitted, so the text shows only what the scenario sets.

    Examples
    --------
    >>> from sim.inputs.scenario import Flow
    >>> s = Scenario(name="demo", demand=[Flow(origin="Tashkent", destination="Poti", per_week=20)])
    >>> print(dump_scenario(s))
    name = "demo"
    demand = [
        { origin = "Tashkent", destination = "Poti", per_week = 20.0 },
    ]
    <BLANKLINE>
    """
    # what was set, even to a default's value (a ferry line's load_factor = 1.0 set is a choice;
    # left out, the low-water limits apply)
    data = scenario.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    return tomli_w.dumps(data)
