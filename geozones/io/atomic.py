"""Nothing destroyed, nothing lost: file identity, input fingerprints, signals, atomic commit.

Every command writes through :func:`atomic_output` and checks its outputs against its inputs
with :func:`refuse_same_files`, so the rules below hold for all of them:

* **An output never replaces an input.** Two paths name the same file when they are the same
  inode (``st_dev`` + ``st_ino``: same file, symlinks, hard links, bind mounts) or when their
  real folders are the same and their names differ only in case (GDAL lower-cases a
  shapefile's sidecars, so ``p.SHP`` writes ``p.shx``, ``p.dbf`` …: the whole set counts). A
  shapefile stands for all its parts (:data:`SHAPEFILE_PARTS`), a GeoPackage for its ``-wal``
  and ``-shm``. A format that is a folder (a File Geodatabase, ``parcels.gdb``,
  :data:`~geozones.io.formats.FOLDER_FORMATS`) also stands for everything inside it: an
  output inside an input ``.gdb`` (or an output ``.gdb`` holding an input) is refused.
  Refused even with ``--overwrite``.
* **Only regular files are replaced** (:func:`check_output_path`, exit 2): an output path
  that is a folder, a device, a FIFO or a socket (or a link to one), or whose shapefile part
  or journal is one, is refused whatever ``--overwrite`` says, and so is a name the file
  system cannot hold (longer than its name limit, a line break or other control character,
  characters it refuses). The one folder an output may be is a File Geodatabase at a
  ``.gdb`` name (a folder holding its ``a00000001.gdbtable`` catalogue): any other folder
  there is refused, so ``--overwrite`` never removes a folder of other files. The command
  line checks each output this way before any work
  (``geozones.cli.options.OutputPath``); :func:`atomic_output` checks again when it starts
  and just before the final move.
* **A new output is created exclusively.** Without ``overwrite`` the final move links the
  file under its name (``os.link``, which fails if anything is there) instead of renaming
  over it: of two runs writing the same new output, exactly one wins; the other stops with
  "appeared while this run was writing it" and removes what it had placed.
* **An output appears whole or not at all.** It is written into a hidden ``.geozones-*``
  folder beside the destination and moved into place when complete. A shapefile's parts are
  put in place so that a crash midway never leaves a set that opens but mixes old and new
  parts: the old set's ``.shp`` is removed first (from then on the set does not open), then
  its other parts; the new parts are moved in with the ``.shp`` last (until it is there the
  set does not open; once it is, every other part is already new). The swap runs with
  SIGINT/SIGTERM/SIGHUP deferred (:func:`critical`), so an interruption lands before or after
  it, never inside.
* **A folder output (a File Geodatabase) moves in by one rename.** A folder cannot be
  hard-linked, so a new one is renamed in with ``renameat2(RENAME_NOREPLACE)`` (Linux: fails
  if anything is there, the exclusive creation above); elsewhere the name is checked just
  before a plain rename (which still fails onto a non-empty folder). An existing one
  (``--overwrite``) is swapped with the new in one ``renameat2(RENAME_EXCHANGE)`` and then
  removed from the temporary folder: at every instant the name holds the whole old
  geodatabase or the whole new one. Where the file system cannot exchange, the old folder is
  renamed into the temporary folder, the new renamed in, the old removed: a crash between
  the two renames leaves no geodatabase at the name, and both (old and new, whole) inside
  the run's ``.geozones-*`` folder, which the next run writing there removes.
* **Temporary folders name their owner** (:func:`make_temp_folder`):
  ``.geozones-<host>.<boot>.<pid>.*`` (the sort's ``.sort-…`` alike), ``host`` a hash of the
  host name and PID namespace, ``boot`` the kernel's boot id. One left by a run that died
  without cleaning up (killed, a crash in a native library) is removed when the next one is
  made in that folder, once its owner is gone: same host, and another boot or no such
  process. A live process's folder, another host's and one without an owner in its name
  are never touched.
* **Interruptions leave nothing behind.** :func:`interrupts_raise` turns SIGINT, SIGTERM and
  SIGHUP into :class:`Interrupted`, an exception that unwinds like KeyboardInterrupt, so the
  temporary folder is removed by the same ``finally`` as for any failure.
* **An input that changes during the run is noticed** (:class:`InputFingerprint`: size,
  modification and change times and inode of the input and each of its sidecars; of a
  folder input, of the folder and every file in it).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypedDict

from ..core.text import Key
from ..errors import GeozonesError, InputError, OutputError
from .formats import is_folder_format, is_geodatabase

__all__ = [
    "SHAPEFILE_PARTS", "companions", "same_file", "refuse_same_files", "InputFingerprint",
    "Interrupted", "interrupts_raise", "critical", "atomic_output", "os_reason",
    "check_output_path", "shown_path", "make_temp_folder", "remove_stale_temporaries",
    "NAME_MAX_BYTES", "PATH_MAX_BYTES", "WINDOWS_DEVICE_NAMES",
]

#: The files a shapefile is made of (GDAL writes the first five; the others are indexes and
#: metadata other tools add beside it).
SHAPEFILE_PARTS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn",
                                    ".sbx", ".shp.xml", ".aih", ".ain", ".atx", ".fbn", ".fbx",
                                    ".ixs", ".mxs", ".qmd")
#: Files other formats keep beside the named one (SQLite journals, GDAL's .aux.xml).
_SIDE_SUFFIXES: tuple[str, ...] = ("-wal", "-shm", "-journal", ".aux.xml", ".ovr")


def _is_shapefile(path: Path) -> bool:
    return path.suffix.lower() == ".shp"


def _part_stem(name: str) -> tuple[str, str] | None:
    """``(stem, part)`` when ``name`` is a shapefile part (case-insensitive), else None."""
    low = name.lower()
    for part in sorted(SHAPEFILE_PARTS, key=len, reverse=True):
        if low.endswith(part) and len(low) > len(part):
            return name[: -len(part)], part
    return None


def companions(path: str | Path, existing_only: bool = False) -> list[Path]:
    """The files ``path`` stands for: itself, and for a shapefile every part with the same
    stem in any letter case (those present, plus the lower-case names GDAL would write);
    for other files their journals and ``.aux.xml``; a folder format (``.gdb``) only itself
    (what is inside it counts through :func:`_inside`)."""
    path = Path(path)
    out = [path]
    parent = path.parent if str(path.parent) else Path(".")
    if is_folder_format(path):
        pass
    elif _is_shapefile(path):
        stem = path.name[: -len(path.suffix)]
        out += [parent / (stem + part) for part in SHAPEFILE_PARTS]
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                split = _part_stem(entry.name)
                if split and split[0].casefold() == stem.casefold():
                    out.append(parent / entry.name)
    else:
        out += [parent / (path.name + s) for s in _SIDE_SUFFIXES]
    seen, unique = set(), []
    for p in out:
        if p.name not in seen:
            seen.add(p.name)
            unique.append(p)
    return [p for p in unique if p.exists()] if existing_only else unique


def _keys(path: Path) -> set[tuple]:
    """Identity keys of every file ``path`` stands for: inode of existing ones, and the
    case-folded name in the real folder (names differing in case count as the same)."""
    keys: set[tuple] = set()
    for p in companions(path):
        parent = p.parent if str(p.parent) else Path(".")
        with contextlib.suppress(OSError):
            keys.add(("name", os.path.realpath(parent).casefold(), p.name.casefold()))
        try:
            st = os.stat(p)
        except OSError:
            continue
        keys.add(("inode", st.st_dev, st.st_ino))
    return keys


def _inside(a: Path, b: Path) -> bool:
    """True when ``a`` lies inside ``b`` and ``b`` is a folder format (``x.gdb/...``), by
    their real paths (links resolved) and ignoring case."""
    if not is_folder_format(b):
        return False
    try:
        ra, rb = os.path.realpath(a).casefold(), os.path.realpath(b).casefold()
    except (OSError, ValueError):
        return False
    return ra.startswith(rb.rstrip(os.sep) + os.sep)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when writing ``a`` would replace ``b`` or one of its parts, or one of them lies
    inside the other, a folder format (see module docs)."""
    a, b = Path(a), Path(b)
    return bool(_keys(a) & _keys(b)) or _inside(a, b) or _inside(b, a)


def refuse_same_files(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]
                      ) -> None:
    """Raise :class:`OutputError` (exit 3) when an output is an input or another output.

    Never lifted by ``--overwrite``: the input is never modified. A PostGIS table URI is
    compared with the others by the table it names (:func:`geozones.io.postgis.same_table`).
    """
    from .formats import is_table_uri

    outputs_given: list[str | Path] = [o for o in outputs if o is not None]
    inputs_given: list[str | Path] = [i for i in inputs if i is not None]
    tables = [str(o) for o in outputs_given if is_table_uri(o)]
    if tables:
        from .postgis import same_table, shown_uri

        in_tables = [str(i) for i in inputs_given if is_table_uri(i)]
        for k, table in enumerate(tables):
            for other in in_tables:
                if same_table(table, other):
                    raise OutputError("output_is_input", path=shown_uri(table), input=shown_uri(other))
            for other in tables[:k]:
                if same_table(table, other):
                    raise OutputError("output_twice", path=shown_uri(table), other=shown_uri(other))
    outs = [Path(o) for o in outputs_given if not is_table_uri(o)]
    ins = [Path(i) for i in inputs_given if not is_table_uri(i)]
    in_keys = [(i, _keys(i)) for i in ins]
    seen: list[tuple[Path, set]] = []
    for o in outs:
        ok = _keys(o)
        for i, ik in in_keys:
            if ok & ik or _inside(o, i) or _inside(i, o):
                raise OutputError("output_is_input", path=str(o), input=str(i))
        for p, pk in seen:
            if ok & pk or _inside(o, p) or _inside(p, o):
                raise OutputError("output_twice", path=str(o), other=str(p))
        seen.append((o, ok))


class InputFingerprint:
    """Size, times and inode of an input and its sidecars, to notice it changing mid-run.

    >>> fp = InputFingerprint(__file__); fp.check()  # unchanged: no error
    """

    def __init__(self, *paths: str | Path | None) -> None:
        from .formats import is_table_uri

        # a table is read in one snapshot (geozones.io.postgis): nothing to fingerprint
        self.paths = [Path(p) for p in paths if p is not None and not is_table_uri(p)]
        self.state = self._take()

    def _take(self) -> dict[str, tuple | None]:
        state: dict[str, tuple | None] = {}
        for path in self.paths:
            for p in companions(path, existing_only=True) or [path]:
                if is_folder_format(p) and p.is_dir():
                    state.update(_folder_state(p))
                    continue
                try:
                    st = os.stat(p)
                    state[str(p)] = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                                     st.st_ctime_ns)
                except OSError:
                    state[str(p)] = None
        return state

    def check(self) -> None:
        """Raise :class:`InputError` naming the first input that changed since creation."""
        now = self._take()
        for name in sorted(set(self.state) | set(now)):
            if self.state.get(name) != now.get(name):
                raise InputError("input_changed", path=name)


def _folder_state(folder: Path) -> dict[str, tuple | None]:
    """The fingerprint of a folder input: the folder itself and every file under it (a file
    added, removed or rewritten changes it)."""
    state: dict[str, tuple | None] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in ["", *sorted(files)]:
            p = os.path.join(root, name) if name else root
            try:
                st = os.stat(p)
                state[p] = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            except OSError:
                state[p] = None
    return state


# --- signals -----------------------------------------------------------------------------

class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt (cleanup runs)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


class _SignalState(TypedDict):
    critical: int          #: depth of nested critical() blocks
    pending: int | None    #: a signal held back until the critical block ends
    received: int | None   #: the last signal received


_state: _SignalState = {"critical": 0, "pending": None, "received": None}


def _handler(signum, _frame):
    _state["received"] = signum   # also seen by check_interrupted (an exception raised in a
    # finaliser or C callback can be swallowed; the flag is not)
    if _state["critical"]:
        _state["pending"] = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def interrupts_raise() -> Iterator[None]:
    """Within the block SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (main thread
    only; elsewhere the block runs unchanged). The previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state["received"] = None
    old = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(s, _handler)
    try:
        yield
    finally:
        _state["received"] = None
        for s, h in old.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(s, h)


def check_interrupted() -> None:
    """Raise :class:`Interrupted` if a signal arrived (even if its exception was swallowed)."""
    if _state["received"] is not None:
        raise Interrupted(_state["received"])


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """Defer :class:`Interrupted` until the block is done (for swaps that must not be cut)."""
    _state["critical"] += 1
    try:
        yield
    finally:
        _state["critical"] -= 1
        pending, _state["pending"] = _state["pending"], None
        if pending is not None and not _state["critical"]:
            raise Interrupted(pending)


# --- what an output may be ---------------------------------------------------------------

#: Bytes a file name may have where the file system does not say (ext4, XFS, APFS, NTFS).
NAME_MAX_BYTES = 255
#: Bytes a whole path may have where the system does not say (Linux's PATH_MAX, less one).
PATH_MAX_BYTES = 4095
#: What no output name may hold: C0 controls (line breaks, tab, NUL), DEL, NEL and the
#: Unicode line and paragraph separators (a path must print on one line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
#: The message key of each kind of file that is not a regular one.
_NOT_REGULAR = ((stat.S_ISDIR, "file_kind_folder"), (stat.S_ISCHR, "file_kind_char_device"),
                (stat.S_ISBLK, "file_kind_block_device"), (stat.S_ISFIFO, "file_kind_fifo"),
                (stat.S_ISSOCK, "file_kind_socket"))
#: Names Windows keeps for devices, in any letter case and with any extension (``CON.html``
#: cannot be opened there, ``NUL.toml`` is nothing): a file made per row never takes one.
WINDOWS_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                                  *(f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789¹²³")})
#: errno values by which a file system refuses a name (not a permission or a full disk).
_NAME_REFUSED = {errno.EINVAL, errno.EILSEQ, errno.ENAMETOOLONG}


def shown_path(path: str | Path) -> str:
    """``path`` as one printable line for a message: control characters and characters that
    cannot be encoded escaped (``\\n``, ``\\udc80``), the middle of a very long path cut.

    >>> shown_path("a\\nb.gpkg")
    'a\\\\nb.gpkg'
    """
    from .formats import is_table_uri

    if is_table_uri(path):
        from .postgis import shown_uri

        path = shown_uri(str(path))
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), os.fspath(path))
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 120 else text[:70] + "…" + text[-40:]


def _kind_of(mode: int) -> str | None:
    """The message key naming a file that is not regular, None for a regular file."""
    return next((key for test, key in _NOT_REGULAR if test(mode)), None)


def _limit(path: Path, name: str, default: int) -> int:
    """``os.pathconf`` of the nearest existing folder up from ``path`` (``PC_NAME_MAX`` …)."""
    for up in (path, *path.parents):
        with contextlib.suppress(OSError, ValueError):
            if up.is_dir():
                value = os.pathconf(up, name)
                return value if value and value > 0 else default
    return default


def check_output_path(dest: str | Path, *, folder: bool = False, probe: bool = True) -> None:
    """Refuse an output path geozones must not write, whatever ``--overwrite`` says
    (:class:`InputError`, exit 2); called before any work.

    A file output must be a regular file or not exist yet: a folder, a character or block
    device (``/dev/null``), a FIFO or a socket, or a link to one, is refused, and so is one of
    those standing where its shapefile parts or journals go. A folder output (``folder``)
    must be a folder or not exist. A File Geodatabase output (``.gdb``) must be a File
    Geodatabase (:func:`is_geodatabase`) or not exist: another folder, a file or a device
    there is refused. The name must fit the file system: no line break or other
    control character, every part at most the file system's name limit in bytes (255), the
    whole path within ``PATH_MAX``, encodable in the file system's encoding; with ``probe``
    the name is also created once in a temporary folder beside it, to hear a refusal of its
    characters (``:`` on a FAT or SMB volume) before any work.

    Parameters
    ----------
    dest : str or Path
        The output's path.
    folder : bool
        The output is a folder (reports, station files).
    probe : bool
        Create the name once in a temporary folder to test it (when its folder exists).

    Raises
    ------
    InputError
        The path is not a regular file (or not a folder), or its name cannot be written.
    """
    from .formats import is_table_uri

    if is_table_uri(dest):   # a PostGIS table: its URI must name one (the database is asked later)
        from .postgis import parse_table_uri

        parse_table_uri(str(dest), output=True)
        return
    text = os.fspath(dest)
    if _CONTROL.search(text):
        raise InputError("output_name_control", path=shown_path(text))
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise InputError("output_name_encoding", path=shown_path(text)) from None
    path = Path(text)
    name_max = _limit(path.parent, "PC_NAME_MAX", NAME_MAX_BYTES)
    for part in path.parts:
        n = len(os.fsencode(part))
        if n > name_max:
            raise InputError("output_name_too_long", path=shown_path(text), n=n, max=name_max)
    path_max = _limit(path.parent, "PC_PATH_MAX", PATH_MAX_BYTES + 1) - 1
    if len(encoded) > path_max or len(os.fsencode(os.path.abspath(text))) > path_max:
        raise InputError("output_path_too_long", path=shown_path(text), n=len(encoded), max=path_max)
    gdb = not folder and is_folder_format(path)
    for p in ([path] if folder or gdb else companions(path, existing_only=True) or [path]):
        try:
            mode = os.stat(p).st_mode
        except (OSError, ValueError):
            continue   # not there (or a dangling link): written as a new file
        if gdb and not (stat.S_ISDIR(mode) and is_geodatabase(p)):
            raise InputError("output_not_gdb", path=shown_path(p), what=Key(_kind_of(mode) or "file_kind_file"))
        if gdb:
            continue
        if folder and not stat.S_ISDIR(mode):
            raise InputError("output_not_folder", path=shown_path(p),
                             what=Key(_kind_of(mode) or "file_kind_file"))
        kind = None if folder else _kind_of(mode)
        if kind is not None:
            raise InputError("output_not_regular", path=shown_path(p), what=Key(kind))
    parent = path.parent
    if probe and parent.is_dir() and not os.path.lexists(path):
        try:
            work = make_temp_folder(parent)
        except OSError:
            return   # read-only, no permission: said when the output is written (exit 3)
        try:
            _probe_name(work / path.name, folder or gdb, path)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _probe_name(probe: Path, folder: bool, shown_as: Path) -> None:
    """Create ``probe`` (a file, or a folder) and remove it: :class:`InputError` when the
    file system refuses its name; any other error is left to the writing (exit 3)."""
    try:
        if folder:
            os.mkdir(probe)
            os.rmdir(probe)
        else:
            os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            os.unlink(probe)
    except OSError as exc:
        if exc.errno in _NAME_REFUSED:
            raise InputError("output_name_refused", path=shown_path(shown_as), why=os_reason(exc)) from None


# --- temporary folders that name their owner ------------------------------------------------

#: ``.<kind>-<host>.<boot>.<pid>.<random>``: the names :func:`make_temp_folder` makes.
_OWNED = re.compile(r"^\.(?:geozones|sort)-([0-9a-f]{8})\.([0-9a-f]{8})\.([0-9]{1,10})\.")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "backslashreplace")).hexdigest()[:8]


def _host_tag() -> str:
    """8 hex digits for this host and PID namespace (a container sharing the folder has
    its own process numbers, so its folders are another host's)."""
    ns = ""
    with contextlib.suppress(OSError):
        ns = str(os.stat("/proc/self/ns/pid").st_ino)
    return _digest(f"{socket.gethostname()}/{ns}")


def _boot_tag() -> str:
    """8 hex digits of the kernel's boot id (Linux); ``00000000`` where there is none."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return _digest(fh.read().strip())
    except OSError:
        return "0" * 8


def _alive(pid: int) -> bool:
    """Whether process ``pid`` may exist (another user's counts as alive, and so does any
    number that is not a process's: only a process known to be gone is judged dead)."""
    if pid <= 0 or os.name == "nt":   # os.kill(pid, 0) is a Ctrl-C on Windows, not a probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporary folders in ``folder`` left by runs that are gone (see the module
    docs); returns those removed. Unreadable folders and errors are passed over in silence:
    this is tidying, never a reason to fail."""
    folder = Path(folder)
    host, boot = _host_tag(), _boot_tag()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _OWNED.match(entry.name)
        if m is None or m.group(1) != host:
            continue
        if m.group(2) == boot and _alive(int(m.group(3))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(folder / entry.name, ignore_errors=True)
                removed.append(folder / entry.name)
    return removed


def make_temp_folder(folder: str | Path, kind: str = "geozones") -> Path:
    """A new hidden folder ``.<kind>-<host>.<boot>.<pid>.<random>`` in ``folder`` (``kind``:
    ``geozones`` for outputs, ``sort`` for the GeoParquet sort), after removing the ones there
    whose owner is gone (:func:`remove_stale_temporaries`). OS errors are raised as they are."""
    remove_stale_temporaries(folder)
    return Path(tempfile.mkdtemp(prefix=f".{kind}-{_host_tag()}.{_boot_tag()}.{os.getpid()}.", dir=folder))


# --- writing ------------------------------------------------------------------------------

def os_reason(exc: BaseException) -> str:
    """A short reason for an OS error: its strerror ("No space left on device"), else its
    first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_output_folder(dest: str | Path) -> Path:
    """The existing folder ``dest`` will be written in; :class:`OutputError` (exit 3) naming
    it when it does not exist or a file stands in the way. Commands call it before the work."""
    return _check_folder(Path(dest))


def _check_folder(dest: Path) -> Path:
    parent = dest.parent if str(dest.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError("output_in_file", path=str(dest), folder=str(parent))
    for up in parent.parents:  # a file in the way further up
        if up.exists():
            if not up.is_dir():
                raise OutputError("output_in_file", path=str(dest), folder=str(up))
            break
    if not parent.is_dir():
        raise OutputError("output_no_folder", path=str(dest), folder=str(parent))
    return parent


def _commit(tmpdir: Path, tmp: Path, dest: Path, parent: Path, overwrite: bool = True) -> None:
    """Move what was written beside ``tmp`` onto ``dest`` (see the module docs for the order);
    without ``overwrite`` each file is linked in exclusively (:func:`_place_new`); a folder
    format is moved in whole (:func:`_commit_folder`)."""
    if is_folder_format(dest):
        _commit_folder(tmpdir, tmp, dest, overwrite)
        return
    stem_len = len(tmp.name) - len(tmp.suffix)
    produced = sorted(tmpdir.iterdir(), key=lambda p: p.name)
    if _is_shapefile(dest):
        produced.sort(key=lambda p: p.suffix.lower() == ".shp")  # the .shp last
    stem = dest.name[: len(dest.name) - len(dest.suffix)]
    moves = [(p, parent / (stem + p.name[stem_len:])) for p in produced]
    for _src, target in moves:   # a special file put there while we worked: still refused
        check_output_path(target, probe=False)
    if not overwrite:
        placed: list[tuple[Path, int]] = []
        try:
            for src, target in moves:
                placed.append((target, _place_new(src, target)))
        except FileExistsError:
            for target, ino in placed:   # take back only what this run put there
                with contextlib.suppress(OSError):
                    if os.lstat(target).st_ino == ino:
                        os.unlink(target)
            raise OutputError("output_appeared", path=str(dest)) from None
        return
    if _is_shapefile(dest):
        old = companions(dest, existing_only=True)
        old = [p for p in old if _part_stem(p.name)]
        old.sort(key=lambda p: p.suffix.lower() != ".shp")       # the .shp first
        for p in old:
            p.unlink()
    for src, target in moves:
        os.replace(src, target)


#: ``renameat2`` flags (linux/fs.h) and the directory descriptor meaning "relative to the
#: working directory".
_RENAME_NOREPLACE, _RENAME_EXCHANGE, _AT_FDCWD = 1, 2, -100
#: errno values of a system or file system that cannot do what ``renameat2`` was asked.
_NO_RENAMEAT2 = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(src, dst, flags)`` (Linux ≥ 3.15, glibc ≥ 2.28): True when done, False
    where the system or the file system has no such call or flag (the caller falls back);
    any other failure raised as :class:`OSError` (``FileExistsError`` for NOREPLACE)."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_RENAMEAT2:
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _commit_folder(tmpdir: Path, tmp: Path, dest: Path, overwrite: bool) -> None:
    """Move the folder ``tmp`` (a File Geodatabase GDAL wrote) onto ``dest`` in one rename
    (see the module docs): without ``overwrite`` only if nothing is there
    (:class:`OutputError` "appeared" else); with it, swapped with the old one, which is left
    in ``tmpdir`` to be removed with it."""
    check_output_path(dest, probe=False)   # a file or another folder put there meanwhile: refused
    if not overwrite:
        try:
            if not _renameat2(tmp, dest, _RENAME_NOREPLACE):
                if os.path.lexists(dest):
                    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dest))
                os.rename(tmp, dest)   # fails onto anything but an empty folder
        except (FileExistsError, IsADirectoryError, NotADirectoryError):
            raise OutputError("output_appeared", path=str(dest)) from None
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise OutputError("output_appeared", path=str(dest)) from None
            raise
        return
    if not os.path.lexists(dest):
        try:
            os.rename(tmp, dest)
            return
        except OSError as exc:   # one appeared meanwhile (another run): replaced as below
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        check_output_path(dest, probe=False)
    if _renameat2(tmp, dest, _RENAME_EXCHANGE):
        return   # the old geodatabase is at tmp now: removed with tmpdir
    aside = tmpdir / ".replaced"
    os.rename(dest, aside)   # (a crash from here to the next rename: see the module docs)
    try:
        os.rename(tmp, dest)
    except BaseException:
        os.rename(aside, dest)   # the old one back, not removed with tmpdir
        raise


#: errno values of a file system without hard links (FAT, some network shares).
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}


def _place_new(src: Path, target: Path) -> int:
    """Put ``src`` at ``target`` only if nothing is there (:class:`FileExistsError` else);
    returns the inode placed. A hard link is atomic: of two runs, one gets the name. Where
    the file system has no hard links, the name is checked just before the rename."""
    try:
        os.link(src, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(src, target)
        return os.lstat(target).st_ino
    os.unlink(src)
    return os.lstat(target).st_ino


@contextlib.contextmanager
def atomic_output(dest: str | Path, overwrite: bool = False,
                  inputs: Iterable[str | Path | None] = ()) -> Iterator[Path]:
    """Yield a temporary path to write to; move it onto ``dest`` only on success.

    Refuses (exit 2) a path that is not a regular file or a name the file system cannot hold
    (:func:`check_output_path`); refuses (exit 3) an output that is one of ``inputs`` (even
    with ``overwrite``), an existing output without ``overwrite``, and a destination folder
    that is missing or a file. Without ``overwrite`` the output is created exclusively: if
    the name was taken while this run worked, :class:`OutputError` ("appeared") and nothing
    is replaced. Any OS error while writing or moving (read-only folder, full disk,
    permission) becomes one :class:`OutputError` and the temporary folder is removed.
    Multi-file formats (a shapefile's .shx, .dbf, .prj, .cpg) move with the named file.
    """
    dest = Path(dest)
    check_output_path(dest, probe=False)   # the name is probed in the temporary folder below
    refuse_same_files([dest], inputs)
    if not overwrite and (os.path.lexists(dest) or (_is_shapefile(dest)
                                                    and companions(dest, existing_only=True))):
        raise OutputError("output_exists", path=str(dest))
    parent = _check_folder(dest)
    try:
        tmpdir = make_temp_folder(parent)
    except OSError as exc:
        raise OutputError("output_write", path=str(dest), why=os_reason(exc)) from None
    try:
        tmp = tmpdir / dest.name
        _probe_name(tmp, is_folder_format(dest), dest)
        try:
            yield tmp
        except GeozonesError:
            raise
        except OSError as exc:
            if getattr(exc, "errno", None) in (errno.ENOENT,) and not tmpdir.exists():
                raise OutputError("output_write", path=str(dest), why="temporary folder removed") from None
            raise OutputError("output_write", path=str(dest), why=os_reason(exc)) from None
        check_interrupted()   # never commit after a signal
        try:
            with critical():
                _commit(tmpdir, tmp, dest, parent, overwrite)
        except GeozonesError:
            raise
        except OSError as exc:
            raise OutputError("output_write", path=str(dest), why=os_reason(exc)) from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
