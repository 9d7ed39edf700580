"""Output folders the tool owns: which folder it may replace, how it writes one, what it leaves.

The rules, for ``run``, ``compare`` and ``sweep`` alike:

* A folder is the tool's own only if it holds a ``manifest.json`` that names the tool
  (``"tool": "caspian-corridors"``) and lists every other file in it (``"files"``: relative path,
  size and SHA-256 of each), each still as the tool wrote it. Anything else -- no manifest, a
  manifest of another tool, a file or subfolder the manifest does not list, a listed file that
  was changed, a symbolic link -- makes the folder foreign, and a foreign folder is never written
  to or deleted from: :func:`examine` refuses it with an :class:`OutputError` that says what is
  there. A missing or empty folder may be used.
* Replacing a folder of the tool's own needs ``overwrite`` (``--overwrite``) and removes only the
  files its manifest lists (and the folders that held them, once empty).
* A run's folder is written in a temporary sibling ``.corridor-tmp-<name>-<pid>-<random>`` and
  moved into place when complete (:class:`Staging`), so an error or Ctrl-C leaves nothing.
  A process killed outright (SIGKILL) can leave such a temporary folder (or a replaced folder
  waiting for removal, ``.corridor-old-...``); the next run into the same parent folder removes
  those whose process is gone (or that are older than :data:`STALE_HOURS`), and nothing else.
* Folders and files are created with the user's umask.
* Default folder names come from :func:`slug`: lowercase ASCII letters, digits and ``-`` only,
  so no name from a scenario file can point outside ``out/``.

Examples
--------
>>> slug("../../x"), slug("Baseline 2025"), slug("Ələt–Poti"), slug("..")
('x', 'baseline-2025', 'elet-poti', 'scenario')
>>> default_folder("compare", "a", "b")
PosixPath('out/compare-a-b')
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

__all__ = [
    "MANIFEST",
    "STALE_HOURS",
    "TOOL",
    "OutputError",
    "OwnedFolder",
    "Staging",
    "Target",
    "default_folder",
    "deferred_interrupt",
    "examine",
    "file_entry",
    "load_beside_target",
    "now",
    "remove_listed",
    "same_digest",
    "slug",
    "sweep_leftovers",
    "temp_name",
    "test_pause",
    "write_json_atomic",
]

#: the name every manifest of this tool carries in its ``"tool"`` key
TOOL = "caspian-corridors"
#: the manifest's file name
MANIFEST = "manifest.json"
#: a temporary entry whose process still runs is removed only when older than this
STALE_HOURS = 24.0
#: the longest slug (the folder name stays well below every file system's limit)
SLUG_MAX = 60
#: a larger manifest.json is not read (it is not one of ours)
MANIFEST_MAX_BYTES = 64 * 2**20
#: how many foreign entries a refusal names
SHOW = 5

_TEMP = re.compile(
    r"^\.corridor-(?P<kind>tmp|old)-(?P<name>[a-z0-9._-]{0,80})-(?P<pid>[0-9]{1,10})-[0-9a-f]{8}$"
)
_SHA = re.compile(r"^[0-9a-f]{64}$")
# letters that Unicode does not decompose into an ASCII letter and an accent
_LETTERS = str.maketrans(
    {"ə": "e", "Ə": "e", "ı": "i", "ø": "o", "Ø": "o", "ß": "ss", "æ": "ae", "Æ": "ae",
     "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "ð": "d",
     "–": "-", "—": "-"}
)  # fmt: skip


class OutputError(Exception):
    """An output folder cannot be used: it is not the tool's own, or it would be replaced
    without ``--overwrite``. The message names the folder and what is in it."""


def slug(text: str, fallback: str = "scenario", max_len: int = SLUG_MAX) -> str:
    """A safe folder name from any text: lowercase ASCII letters, digits and single ``-``.

    Accents are dropped (``ş`` -> ``s``, ``ə`` -> ``e``), other characters become ``-``, so
    ``/``, ``..`` and ``\\`` cannot survive; an empty result gives ``fallback``.

    >>> slug("/abs/x"), slug("Zangezur: 2030 (high)"), slug("Ташкент"), slug("a" * 99)[-3:]
    ('abs-x', 'zangezur-2030-high', 'scenario', 'aaa')
    """
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_LETTERS))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_len].strip("-")
    return out or fallback


def default_folder(*names: str, root: str = "out") -> Path:
    """The default output folder ``out/<slug of the names joined by '-'>``.

    >>> default_folder("sweep", "Ferry fleet")
    PosixPath('out/sweep-ferry-fleet')
    """
    return Path(root) / slug("-".join(slug(n, fallback="") for n in names))


def temp_name(kind: str, name: str) -> str:
    """A recognisable temporary name: ``.corridor-<kind>-<name>-<pid>-<random>``."""
    return f".corridor-{kind}-{slug(name, fallback='x')}-{os.getpid()}-{secrets.token_hex(4)}"


def file_entry(root: Path, path: Path) -> dict[str, Any]:
    """The manifest entry of one file: its path relative to ``root``, size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {
        "path": path.relative_to(root).as_posix(),
        "size": size,
        "sha256": digest.hexdigest(),
    }


def _listing(root: Path) -> list[dict[str, Any]]:
    """Entries of every file below ``root`` except the manifest, sorted by path."""
    entries = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.relative_to(root).as_posix() != MANIFEST:
                entries.append(file_entry(root, path))
    return sorted(entries, key=lambda e: e["path"])


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON to a temporary sibling, then rename it over ``path`` (whole or nothing)."""
    tmp = path.with_name(temp_name("tmp", path.name))
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


# -- who owns a folder ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """What :func:`examine` found at an output path.

    ``exists`` is False for a missing folder; ``manifest`` is None for a missing or empty folder
    and the folder's manifest when it is one of the tool's own.
    """

    path: Path
    exists: bool
    manifest: dict[str, Any] | None = None
    leftovers: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def kind(self) -> str:
        return str((self.manifest or {}).get("kind", "output"))


def _pid_gone(pid: int) -> bool:
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process
        return False
    except (OverflowError, OSError):
        return True
    return False


def _is_stale(path: Path) -> bool:
    """A temporary entry of this tool whose process is gone (or that is very old)."""
    m = _TEMP.match(path.name)
    if m is None:
        return False
    pid = int(m["pid"])
    try:
        age_h = (time.time() - path.lstat().st_mtime) / 3600
    except OSError:
        return False
    if pid == os.getpid():
        return age_h > STALE_HOURS
    return _pid_gone(pid) or age_h > STALE_HOURS


def _foreign(path: Path, why: str, entries: Sequence[str], total: int | None = None) -> OutputError:
    total = len(entries) if total is None else total
    shown = ", ".join(entries[:SHOW])
    more = f" and {total - SHOW} more" if total > SHOW else ""
    noun = "entry" if total == 1 else "entries"
    holds = f"; it holds {total} {noun} ({shown}{more})" if total else ""
    return OutputError(
        f"{path}: is not an output folder of this tool ({why}){holds}; nothing was written or "
        "removed. Choose a new or empty folder with -o DIR"
    )


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The manifest if it is one of ours, else None and why not."""
    file = path / MANIFEST
    try:
        st = file.lstat()
    except FileNotFoundError:
        return None, f"no {MANIFEST}"
    if not file.is_file() or file.is_symlink():
        return None, f"{MANIFEST} is not a regular file"
    if st.st_size > MANIFEST_MAX_BYTES:
        return None, f"{MANIFEST} is larger than {MANIFEST_MAX_BYTES >> 20} MB"
    try:
        data = json.loads(file.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None, f"{MANIFEST} is not readable JSON"
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        return None, f"{MANIFEST} does not name this tool ({TOOL})"
    files = data.get("files")
    if not isinstance(files, list) or not all(_valid_entry(e) for e in files):
        return None, f"{MANIFEST} does not list the folder's files (path, size, sha256)"
    return data, ""


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    path, size, sha = entry.get("path"), entry.get("size"), entry.get("sha256")
    if not (isinstance(path, str) and isinstance(size, int) and isinstance(sha, str)):
        return False
    parts = PurePosixPath(path).parts
    return (
        bool(parts)
        and not path.startswith("/")
        and "\\" not in path
        and all(p not in ("..", ".", "") for p in parts)
        and path != MANIFEST
        and _SHA.match(sha) is not None
    )


def _top_entries(path: Path) -> tuple[list[str], int]:
    names: list[str] = []
    total = 0
    with os.scandir(path) as it:
        for entry in it:
            total += 1
            if len(names) < 50:
                names.append(entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
    return sorted(names), total


def examine(path: str | os.PathLike[str], *, overwrite: bool = False) -> Target:
    """Check an output path before anything is written (reads only).

    Returns the :class:`Target` for a missing folder, an empty one, or one of the tool's own when
    ``overwrite`` is given. Raises :class:`OutputError` for anything else, naming the folder and
    up to five of the entries that make it foreign.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> examine(d / "new").exists, examine(d).manifest
    (False, None)
    >>> _ = (d / "precious.txt").write_text("keep")
    >>> try:
    ...     examine(d)
    ... except OutputError as exc:
    ...     print(str(exc).split(": ", 1)[1].split("; ")[:2])
    ['is not an output folder of this tool (no manifest.json)', 'it holds 1 entry (precious.txt)']
    """
    target = Path(os.path.abspath(path))
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; give the folder itself with -o DIR")
    if not target.exists():
        return Target(target, exists=False)
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder; choose another -o DIR")
    try:
        names, total = _top_entries(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot be read ({exc.strerror})") from None
    if total == 0:
        return Target(target, exists=True)
    manifest, why = _read_manifest(target)
    if manifest is None:
        raise _foreign(target, why, names, total)
    listed = {e["path"]: e for e in manifest["files"]}
    needed_dirs = {p.as_posix() for e in listed for p in PurePosixPath(e).parents} - {"."}
    foreign: list[str] = []
    changed: list[str] = []
    leftovers: list[Path] = []
    for folder, dirs, files in os.walk(target):
        here = Path(folder)
        walk = []
        for name in sorted(dirs):
            full = here / name
            rel = full.relative_to(target).as_posix()
            if _is_stale(full) and not full.is_symlink():
                leftovers.append(full)
            elif full.is_symlink() or rel not in needed_dirs:
                foreign.append(rel + "/")  # named, not walked
            else:
                walk.append(name)
        dirs[:] = walk
        for name in sorted(files):
            full = here / name
            rel = full.relative_to(target).as_posix()
            if rel == MANIFEST:
                continue
            if _is_stale(full) and not full.is_symlink():
                leftovers.append(full)
            elif rel not in listed or full.is_symlink() or not full.is_file():
                foreign.append(rel)
            else:
                entry = file_entry(target, full)
                if (entry["size"], entry["sha256"]) != (listed[rel]["size"], listed[rel]["sha256"]):
                    changed.append(rel)
    if foreign:
        raise _foreign(target, f"not listed in its {MANIFEST}", sorted(foreign))
    if changed:
        raise _foreign(target, f"changed since written: {', '.join(changed[:SHOW])}", [], 0)
    if not overwrite:
        made = manifest.get("created") or manifest.get("updated") or "earlier"
        raise OutputError(
            f"{target}: holds an earlier {manifest.get('kind', 'output')} output of this tool "
            f"({made}); add --overwrite to replace it (only the files its {MANIFEST} lists are "
            "removed), or choose another -o DIR"
        )
    return Target(target, exists=True, manifest=manifest, leftovers=tuple(leftovers))


_T = TypeVar("_T")


def load_beside_target(
    load: Callable[[], _T], target: str | os.PathLike[str] | None, *, overwrite: bool
) -> _T:
    """``load()`` the inputs, with a refusal of the output ``target`` (:func:`examine`) listed
    among their problems, so every problem is reported at once; raise the refusal alone if the
    inputs are good."""
    from sim.inputs.scenario_io import ScenarioError

    refusal = None
    if target is not None:
        try:
            examine(target, overwrite=overwrite)
        except OutputError as exc:
            refusal = exc
    try:
        loaded = load()
    except ScenarioError as exc:
        if refusal is not None:
            exc.problems.append(str(refusal))
        raise
    if refusal is not None:
        raise refusal
    return loaded


def remove_listed(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """Remove the files ``manifest`` lists and the manifest from ``folder``, then the folders
    that held them once empty (never anything else); return what is left (relative paths)."""
    entries = [e["path"] for e in manifest.get("files", []) if _valid_entry(e)]
    for rel in entries:
        full = folder / rel
        if full.is_file() and not full.is_symlink():
            full.unlink()
    with suppress(FileNotFoundError):
        (folder / MANIFEST).unlink()
    dirs = {folder / p for e in entries for p in PurePosixPath(e).parents if str(p) != "."}
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        with suppress(OSError):
            d.rmdir()
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def sweep_leftovers(parent: Path) -> list[Path]:
    """Remove this tool's temporary entries in ``parent`` left by processes that are gone.

    Only ``.corridor-tmp-<name>-<pid>-<random>`` files and folders (rmtree: the tool alone
    writes into them) and ``.corridor-old-...`` folders (only the files their manifest lists)
    whose process no longer runs, or older than :data:`STALE_HOURS`; nothing else.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        path = Path(entry.path)
        m = _TEMP.match(entry.name)
        if m is None or entry.is_symlink() or not _is_stale(path):
            continue
        with suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                path.unlink()
            elif m["kind"] == "tmp":
                shutil.rmtree(path)
            else:
                manifest, _ = _read_manifest(path)
                if manifest is not None and not remove_listed(path, manifest):
                    path.rmdir()
            removed.append(path)
    return removed


# -- interrupts ----------------------------------------------------------------------------------
@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends, then raise :class:`KeyboardInterrupt`.

    For the few renames that swap an output folder into place: they happen all or not at all.
    Outside the main thread signals cannot be handled and the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def test_pause(moment: str) -> None:
    """A test hook, inert in normal use: with the environment variable
    ``CORRIDOR_TEST_PAUSE="<moment>:<file>"`` the process creates ``<file>`` at ``<moment>``
    (``"simulate"``: after a replication or sweep job; ``"write"``: while the output folder is
    being written) and sleeps, so a test can send SIGINT at that moment."""
    wanted, _, marker = os.environ.get("CORRIDOR_TEST_PAUSE", "").partition(":")
    if wanted == moment and marker:
        Path(marker).touch()
        time.sleep(60)


test_pause.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


# -- writing a run's folder ----------------------------------------------------------------------
class Staging:
    """Write an output folder in a temporary sibling and move it into place when complete.

    ``with Staging(target, overwrite=...) as tmp:`` checks the target (:func:`examine`),
    removes stale temporary entries of earlier runs in its parent, creates the parent folders
    and the temporary folder ``tmp``; write everything there, then call :meth:`commit` with the
    manifest. On an error or Ctrl-C before the commit, the temporary folder and any parent
    folders created here are removed: nothing is left.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with Staging(d / "out" / "demo") as st:
    ...     _ = (st.tmp / "a.txt").write_text("hello")
    ...     _ = st.commit({"kind": "demo"})
    >>> sorted(p.name for p in (d / "out" / "demo").iterdir())
    ['a.txt', 'manifest.json']
    >>> json.loads((d / "out" / "demo" / "manifest.json").read_text())["files"][0]["path"]
    'a.txt'
    """

    def __init__(self, target: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.target = Path(os.path.abspath(target))
        self.overwrite = overwrite
        self.tmp = self.target
        self._created: list[Path] = []
        self._done = False

    def __enter__(self) -> Staging:
        examine(self.target, overwrite=self.overwrite)
        parent = self.target.parent
        try:
            missing = [p for p in [parent, *parent.parents] if not p.exists()]
            for p in reversed(missing):
                p.mkdir()  # the user's umask applies
                self._created.append(p)
            sweep_leftovers(parent)
            tmp = parent / temp_name("tmp", self.target.name)
            os.mkdir(tmp)  # not mkdtemp: its 0700 would ignore the umask
            self.tmp = tmp
        except BaseException:
            self.__exit__()
            raise
        return self

    def commit(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """Add ``tool`` and the file listing to ``manifest``, write it, and move the folder into
        place, replacing the target's earlier output (checked again now) if allowed."""
        info = {"tool": TOOL, **manifest, "files": _listing(self.tmp)}
        write_json_atomic(self.tmp / MANIFEST, info)
        with deferred_interrupt():
            current = examine(self.target, overwrite=self.overwrite)
            old = None
            if current.manifest is not None:
                old = self.target.with_name(temp_name("old", self.target.name))
                os.rename(self.target, old)
            if current.exists and current.manifest is None:
                # an empty folder: kept as it is (its permissions), the output moved in, the
                # manifest first so that the folder is the tool's own at every moment
                for entry in sorted(self.tmp.iterdir(), key=lambda p: p.name != MANIFEST):
                    os.rename(entry, self.target / entry.name)
                os.rmdir(self.tmp)
            else:
                os.rename(self.tmp, self.target)
            self._done = True
            if old is not None and current.manifest is not None:
                try:
                    left = remove_listed(old, current.manifest)
                    if not left:
                        old.rmdir()
                except OSError as exc:
                    left = [str(exc)]
                if left:  # written there meanwhile, by someone else: kept
                    print(
                        f"note: {old}: kept, it holds what the earlier output did not: "
                        f"{', '.join(left[:SHOW])}",
                        file=sys.stderr,
                    )
        return info

    def __exit__(self, *exc: object) -> None:
        if self._done:
            return
        with deferred_interrupt():
            if self.tmp != self.target:
                shutil.rmtree(self.tmp, ignore_errors=True)
            for p in reversed(self._created):
                with suppress(OSError):
                    p.rmdir()


def _remove_temp(path: Path) -> None:
    """Remove one of the tool's own temporary entries (a file, or a folder only it writes to)."""
    with suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def same_digest(kind: str, digest: str) -> Callable[[Mapping[str, Any]], bool]:
    """The ``same`` test of :meth:`OwnedFolder.open` for an output of ``kind`` keyed by a
    digest: its manifest has that kind and, under ``kind``, that digest.

    >>> same = same_digest("sweep", "ab12")
    >>> same({"kind": "sweep", "sweep": {"digest": "ab12"}}), same({"kind": "sweep"})
    (True, False)
    """

    def same(m: Mapping[str, Any]) -> bool:
        part = m.get(kind)
        return m.get("kind") == kind and isinstance(part, dict) and part.get("digest") == digest

    return same


class OwnedFolder:
    """A folder written in place, file by file, that stays the tool's own at every moment (a
    sweep's folder, which a rerun resumes).

    Each file is written to a temporary sibling (``.corridor-tmp-...``), listed in the manifest
    (rewritten whole, atomically), and only then renamed into place: a killed process leaves at
    most a listed file that is missing (done again) and a temporary file (removed by the next
    run). Use :meth:`open`.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()) / "sweep"
    >>> f = OwnedFolder.open(d, {"kind": "demo", "key": 1}, same=lambda m: m.get("key") == 1)
    >>> f.add("runs/a.txt", lambda p: p.write_text("a"))
    >>> g = OwnedFolder.open(d, {"kind": "demo", "key": 1}, same=lambda m: m.get("key") == 1)
    >>> g.resumed, sorted(g.files)
    (True, ['runs/a.txt'])
    >>> OwnedFolder.open(d, {"kind": "demo", "key": 2}, same=lambda m: m.get("key") == 2)
    ... # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    OutputError: .../sweep: holds another demo output of this tool; add --overwrite ...
    """

    def __init__(
        self, path: Path, head: Mapping[str, Any], files: Mapping[str, Any], resumed: bool
    ) -> None:
        self.path = path
        self.head = dict(head)
        self.files: dict[str, dict[str, Any]] = dict(files)
        self.resumed = resumed
        self._created: list[Path] = []

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        head: Mapping[str, Any],
        *,
        same: Callable[[Mapping[str, Any]], bool],
        overwrite: bool = False,
        describe: str = "",
    ) -> OwnedFolder:
        """Use ``path``: a new or empty folder, or one of the tool's own for which
        ``same(manifest)`` holds (resumed: its files are kept); another output of the tool is
        replaced with ``overwrite`` (only its listed files are removed), else refused, as is a
        foreign folder (:class:`OutputError`). ``describe`` says what "same" means, for the
        refusal. The manifest is written at once."""
        target = examine(path, overwrite=True)
        old = target.manifest
        resumed = old is not None and same(old)
        if old is not None and not resumed and not overwrite:
            what = old.get("kind", "output")
            raise OutputError(
                f"{target.path}: holds another {what} output of this tool{describe}; add "
                f"--overwrite to replace it (only the files its {MANIFEST} lists are removed), "
                "or choose another -o DIR"
            )
        for leftover in target.leftovers:
            _remove_temp(leftover)
        files: dict[str, Any] = {}
        if old is not None and resumed:
            files = {e["path"]: e for e in old["files"] if (target.path / e["path"]).is_file()}
            head = {**head, "created": old.get("created", head.get("created"))}
        elif old is not None:
            remove_listed(target.path, old)
        folder = cls(target.path, head, files, resumed)
        missing = [p for p in [target.path, *target.path.parents] if not p.exists()]
        try:
            for p in reversed(missing):
                p.mkdir()  # the user's umask applies
                folder._created.append(p)
            folder.save()
        except BaseException:
            folder.discard()
            raise
        return folder

    def save(self) -> None:
        """Write the manifest (the fixed part, the time and every file)."""
        info = {
            "tool": TOOL,
            **self.head,
            "updated": now(),
            "files": [self.files[k] for k in sorted(self.files)],
        }
        write_json_atomic(self.path / MANIFEST, info)

    def add(self, rel: str, write: Callable[[Path], Any]) -> None:
        """Write one file: ``write(tmp_path)``, list it, rename it to ``rel`` (replacing the
        listed file of that name)."""
        final = self.path / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(temp_name("tmp", final.name))
        try:
            write(tmp)
            self.files[rel] = file_entry(self.path, tmp) | {"path": rel}
            self.save()
            os.replace(tmp, final)
        except BaseException:
            with suppress(OSError):
                tmp.unlink()
            raise

    def discard(self) -> None:
        """Remove the folder again if this call created it and no file has been added."""
        if self._created and not self.files:
            remove_listed(self.path, {"files": []})
            for p in reversed(self._created):
                with suppress(OSError):
                    p.rmdir()


def now() -> str:
    """The time stamp manifests carry (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
