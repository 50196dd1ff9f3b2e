"""Run directories: layout, atomic writes, and loading results back.

Layout (a public contract, DESIGN.md)::

    spec.toml       the fully resolved spec (round-trips through ``simbias show-config``)
    manifest.json   versions, device, seed, spec hash, wall time, outcome
    history.npz     recorded arrays (member axis first where there is one)
    summary.json    the experiment's headline numbers
    figures/*.png   figures
    report.html     self-contained report

Every file is written to a temporary name in the same directory and renamed into place, so an
interrupted run never leaves a half-written file; ``manifest.json`` is written last, so a
directory whose manifest says ``completed`` is complete.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io as _io
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import InputError
from ..results import History
from ._toml import load_toml_text, read_spec_text

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_json", "read_json", "RunDir", "load_run",
           "remove_stale_temporaries", "read_spec_file", "read_json_file", "read_history_file",
           "environment_info", "spec_hash", "claimed", "manifest_head", "now"]

SPEC, MANIFEST, HISTORY, SUMMARY, FIGURES, REPORT, CHECKPOINT = (
    "spec.toml", "manifest.json", "history.npz", "summary.json", "figures", "report.html", "checkpoint.pt")
LOCK = ".simbias.lock"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory, fsync, rename).

    The file gets the mode an ordinary ``open`` would give (``0o666 & ~umask``, e.g. 0644 under
    umask 022), not ``mkstemp``'s private 0600, so colleagues on a shared file system can read it.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; missing parent folders are created.
    data : bytes
        The whole content.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "data.bin"
    >>> atomic_write_bytes(p, b"simbias")
    >>> p.read_bytes()
    b'simbias'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            umask = os.umask(0o022)  # read the process umask (os.umask is the only portable way) …
            os.umask(umask)  # … and put it back at once
            os.fchmod(fh.fileno(), 0o666 & ~umask)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically, encoded as UTF-8 (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; missing parent folders are created.
    text : str
        The whole content.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write_text(p, "γ = 1")
    >>> p.read_text(encoding="utf-8")
    'γ = 1'
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def _finite(o: Any):
    """JSON has no NaN/Inf: write them as null."""
    if isinstance(o, float) and not np.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, np.ndarray):
        return _finite(o.tolist())
    if isinstance(o, np.generic):
        return _finite(o.item())
    return o


def write_json(path: str | os.PathLike, data: Any) -> None:
    # numpy values are plain ones after _finite; anything else is written as its text
    atomic_write_text(path, json.dumps(_finite(data), indent=2, default=str) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def environment_info() -> dict[str, Any]:
    import torch

    from .. import __version__

    return {
        "simbias": __version__, "torch": torch.__version__, "numpy": np.__version__,
        "python": sys.version.split()[0], "platform": platform.platform(), "threads": torch.get_num_threads(),
    }


def now() -> str:
    """The current UTC time as an ISO string (seconds), as manifests record it.

    Returns
    -------
    str
        E.g. ``"2026-11-30T10:58:41+00:00"``.

    Examples
    --------
    >>> from simbias.io import now
    >>> now().endswith("+00:00")
    True
    """
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def manifest_head(spec: Any, h: str, device: str, started: str) -> dict[str, Any]:
    """The first keys of a run's (or a sweep member's) ``manifest.json``.

    Parameters
    ----------
    spec : object
        The run's spec (its ``experiment``, ``seed`` and ``dtype`` are recorded).
    h : str
        The spec hash (:func:`spec_hash`).
    device : str
        The device the run trains on.
    started : str
        When it started (:func:`now`).

    Returns
    -------
    dict
        ``experiment``, ``spec_hash``, ``seed``, ``device``, ``dtype``, ``started`` and
        :func:`environment_info`'s versions; the runner adds the outcome and wall time.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from simbias.io import manifest_head
    >>> m = manifest_head(SimpleNamespace(experiment="fprinciple", seed=0), "ab12", "cpu", "now")
    >>> m["experiment"], m["dtype"], "torch" in m
    ('fprinciple', None, True)
    """
    return {"experiment": spec.experiment, "spec_hash": h, "seed": spec.seed, "device": device,
            "dtype": getattr(spec, "dtype", None), "started": started, **environment_info()}


@contextlib.contextmanager
def claimed(folder: Any, *claim_args: Any, **claim_kwargs: Any) -> Iterator[Any]:
    """``folder`` claimed for the block: an :class:`InputError` raised in it rolls the claim back.

    The corrected rerun into the same folder then works; the claim is released at the end either way.

    Parameters
    ----------
    folder : RunDir or SweepDir or None
        What to claim (``None``: nothing, the block still runs).
    *claim_args, **claim_kwargs
        Passed to ``folder.claim`` (e.g. the spec hash).

    Yields
    ------
    RunDir or SweepDir or None
        ``folder``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from simbias.io import RunDir, claimed
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> try:
    ...     with claimed(RunDir(path), "ab12"):
    ...         raise InputError("train.lr", "got -1", "use a positive number")
    ... except InputError:
    ...     pass
    >>> path.exists()  # rolled back
    False
    """
    if folder is None:
        yield None
        return
    folder.claim(*claim_args, **claim_kwargs)
    try:
        yield folder
    except InputError:
        folder.rollback()
        raise
    finally:
        folder.release()


class RunDir:
    """One run directory: its layout (module docstring), claim/lock, and atomic writers.

    Writing a run: :meth:`claim` with the spec hash, write the spec, history, summary and, last,
    the manifest (the done-marker), then :meth:`release`.  Reading back: :func:`load_run`.

    Parameters
    ----------
    path : str or os.PathLike
        The directory (created by :meth:`claim` if missing).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from simbias import History
    >>> d = RunDir(tempfile.mkdtemp() + "/run")
    >>> d.claim("0123abcd")
    >>> d.write_spec('experiment = "demo"')
    >>> d.write_history(History(steps=np.array([0, 1]), arrays={"loss": np.array([1.0, 0.5])}))
    >>> d.write_summary({"final_loss": 0.5})
    >>> d.write_manifest({"spec_hash": "0123abcd", "outcome": "completed"})
    >>> d.release()
    >>> d.is_complete("0123abcd")
    True
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def figures(self) -> Path:
        """The ``figures/`` folder of the run."""
        return self.path / FIGURES

    @property
    def checkpoint(self) -> Path:
        """The run's ``checkpoint.pt`` (written while it trains, removed once it has ended)."""
        return self.path / CHECKPOINT

    def _manifest(self) -> dict[str, Any]:
        """``manifest.json`` (``{}``: none, or unreadable)."""
        try:
            return read_json(self.path / MANIFEST)
        except (ValueError, OSError):
            return {}

    def existing_hash(self) -> str | None:
        """The spec hash in ``manifest.json``, or ``None`` (no or unreadable manifest)."""
        return self._manifest().get("spec_hash")

    def is_complete(self, spec_hash: str) -> bool:
        """Whether the manifest records ``spec_hash`` with outcome ``completed`` or ``diverged``."""
        man = self._manifest()
        return man.get("spec_hash") == spec_hash and man.get("outcome") in ("completed", "diverged")

    def claim(self, spec_hash: str, *, flag: str = "--out") -> None:
        """Claim the directory for the run ``spec_hash``, atomically.

        The directory must be empty (or missing), or hold this same spec (then it is
        overwritten).  The claim is an exclusive lock file (``.simbias.lock``, created with
        ``O_EXCL`` and holding this process id) taken *before* the contents are checked, so two
        processes can never both claim one directory; a lock left by a dead process is taken
        over.  A directory that holds a different run, or other files, or that another live
        process holds, raises :class:`InputError`.  Release with :meth:`release` (or undo with
        :meth:`rollback`).
        """
        made_dir = not self.path.exists()
        top = self.path  # the outermost folder this claim creates (removed again by rollback)
        while made_dir and not top.parent.exists() and top.parent != top:
            top = top.parent
        self._top = top
        self._lock_fd, self._made_dir = _make_and_lock(self.path, flag)
        self._locked = True
        try:
            remove_stale_temporaries(self.path)
            if _has_contents(self.path):
                old = self.existing_hash()
                if old is None and (self.path / SPEC).exists():
                    old = _hash_of_spec_file(self.path / SPEC)
                if old != spec_hash:
                    what = "a different run" if old else "other files"
                    raise InputError(flag, f"{self.path} already holds {what}",
                                     "choose another --out directory or delete that one")
                # the same run again: the old done-marker must not stand over new, half-written files
                (self.path / MANIFEST).unlink(missing_ok=True)
                self._made_dir = False
        except BaseException:
            self.release()
            if made_dir:
                shutil.rmtree(top, ignore_errors=True)
            raise

    def release(self) -> None:
        """Give the claim up (remove this process's lock file); the files stay."""
        if getattr(self, "_locked", False):
            self._locked = False
            with contextlib.suppress(OSError):
                (self.path / LOCK).unlink()  # unlink while still holding it (see _take_lock)
            os.close(self._lock_fd)

    def rollback(self) -> None:
        """Undo a claim after refused input: remove what this process created, then release.

        A directory this claim created is removed whole; in a directory that already held this
        same run nothing is removed (its files describe the same spec).
        """
        made, self._made_dir = getattr(self, "_made_dir", False), False
        self.release()
        if made:
            shutil.rmtree(self._top, ignore_errors=True)

    def write_spec(self, toml_text: str) -> None:
        """Write ``spec.toml`` atomically."""
        atomic_write_text(self.path / SPEC, toml_text)

    def write_history(self, history: History) -> None:
        """Write ``history.npz`` (compressed, no pickles) atomically."""
        buf = _io.BytesIO()
        np.savez_compressed(buf, **history.to_npz_dict())
        atomic_write_bytes(self.path / HISTORY, buf.getvalue())

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` atomically."""
        write_json(self.path / SUMMARY, summary)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically; write it last, it marks the run done."""
        write_json(self.path / MANIFEST, manifest)


def _make_and_lock(path: Path, flag: str) -> tuple[int, bool]:
    """Create the directory ``path`` if needed and take its exclusive lock: ``(lock fd, created)``.

    Every way the folder cannot be made is one :class:`InputError` naming ``flag``."""
    if path.exists() and not path.is_dir():
        raise InputError(flag, f"{path} is a file", "give a directory path")
    made_dir = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        what = "a symbolic link that leads to no directory" if path.is_symlink() else "not a directory"
        raise InputError(flag, f"{path} is {what}", "give a directory path") from None
    except NotADirectoryError:
        raise InputError(flag, f"a folder above {path} is a file", "give a directory path") from None
    except OSError as exc:
        raise InputError(flag, f"cannot create {path} ({exc.strerror or exc})", "choose a writable directory") from None
    return _take_lock(path / LOCK, flag), made_dir


def _take_lock(lock: Path, flag: str) -> int:
    """Hold ``lock`` exclusively and return its open descriptor.

    An advisory ``flock`` on the lock file: the kernel releases it when the holder exits, however
    it exits, so a lock left by a killed process never blocks.  After locking, the file must
    still be the one at ``lock`` (a releaser unlinks it); else the lock is taken again.
    """
    import fcntl

    for _ in range(20):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(flag, f"cannot write in {lock.parent} ({exc.strerror or exc})",
                             "choose a writable directory") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = []
            with contextlib.suppress(OSError):
                holder = os.pread(fd, 64, 0).decode("utf-8", "replace").split()
            os.close(fd)
            who = f" (pid {holder[0]})" if holder else ""
            raise InputError(flag, f"{lock.parent} is in use by another simbias process{who}",
                             "wait for it to finish or choose another --out") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # released and unlinked between our open and our lock: lock the new file
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {platform.node()}\n".encode(), 0)
        return fd
    raise InputError(flag, f"could not lock {lock.parent}", "another process keeps claiming it; try again")


def _has_contents(path: Path) -> bool:
    """Whether ``path`` holds anything but this process's lock and temporaries."""
    return any(p.name != LOCK for p in path.iterdir())


def remove_stale_temporaries(path: str | os.PathLike) -> None:
    """Remove what interrupted atomic writes left in a run directory (``.*.tmp`` files and
    ``figures/.tmp-*`` folders and ``*.tmp.*`` figure files); never raises."""
    p = Path(path)
    try:
        cands = list(p.glob(".*.tmp")) + list((p / FIGURES).glob(".*.tmp")) + list((p / FIGURES).glob("*.tmp.*"))
        dirs = list((p / FIGURES).glob(".tmp-*"))
    except OSError:
        return
    for c in cands:
        with contextlib.suppress(OSError):
            c.unlink()
    for d in dirs:
        pid = d.name[len(".tmp-"):]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another live process is drawing there
        shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists
        return True
    return True


def _hash_of_spec_file(path: Path) -> str | None:
    try:
        return spec_hash(load_toml_text(read_spec_text(path), str(path)))
    except InputError:
        return None


def spec_hash(data: dict[str, Any]) -> str:
    """Stable short hash of a resolved spec dict (the ``description`` text is ignored).

    SHA-256 of the spec as compact JSON with sorted keys, first 16 hex digits; it names sweep members
    and decides whether a run directory already holds this run.

    Parameters
    ----------
    data : dict
        The resolved spec (JSON-serialisable).

    Returns
    -------
    str
        16 lowercase hex digits.

    Examples
    --------
    >>> spec_hash({"seed": 0, "description": "a"}) == spec_hash({"description": "b", "seed": 0})
    True
    >>> len(spec_hash({"seed": 0}))
    16
    """
    payload = {k: v for k, v in data.items() if k != "description"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def _damaged(path: Path, why: str) -> InputError:
    return InputError(str(path), f"is damaged or not written by simbias ({why})",
                      "rerun the run (simbias run) to rewrite it, or restore the file")


def read_spec_file(path: str | os.PathLike) -> dict[str, Any]:
    """A run's ``spec.toml`` (or a sweep's ``sweep.toml``) as a dict.

    The file was written by simbias, so what :func:`read_spec_text` and :func:`load_toml_text`
    refuse is reported as a damaged file (an :class:`InputError` naming it, saying to rerun).

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file.

    Returns
    -------
    dict
        Its tables.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "spec.toml"
    >>> _ = p.write_text("seed = 3", encoding="utf-8")
    >>> read_spec_file(p)
    {'seed': 3}
    >>> _ = p.write_text("seed = [[[", encoding="utf-8")
    >>> read_spec_file(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: ...spec.toml: is damaged or not written by simbias (not valid TOML ...
    """
    try:
        return load_toml_text(read_spec_text(path), str(path))
    except InputError as exc:
        raise _damaged(Path(path), exc.problem.removeprefix("is ")) from None


def read_json_file(path: str | os.PathLike) -> dict[str, Any]:
    """A JSON object file of a run; a damaged file raises :class:`InputError` naming it."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _damaged(p, "not UTF-8 JSON") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _damaged(p, f"not valid JSON: {str(exc).splitlines()[0][:120]}") from None
    if not isinstance(data, dict):
        raise _damaged(p, f"expected a JSON object, got {type(data).__name__}")
    return data


def read_history_file(path: str | os.PathLike) -> History:
    """A run's ``history.npz``; damaged files, object arrays and pickles raise :class:`InputError`."""
    import zipfile
    import zlib

    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise _damaged(p, "a single array, not an npz archive")
            return History.from_npz_dict({k: z[k] for k in z.files})
    except InputError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            head = b""
            with contextlib.suppress(OSError), open(p, "rb") as fh:
                head = fh.read(1)
            if head == b"\x80":
                raise _damaged(p, "it holds a pickled object, which simbias never loads (allow_pickle=False)") from None
            raise _damaged(p, "not an npz archive") from None
        raise _damaged(p, str(exc).splitlines()[0][:160]) from None
    except (zipfile.BadZipFile, EOFError, KeyError, TypeError, IndexError, zlib.error) as exc:
        raise _damaged(p, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else 'truncated'}") from None


def load_run(path: str | os.PathLike) -> dict[str, Any]:
    """Load a run directory: ``{"spec", "manifest", "summary", "history", "path"}``.

    A damaged file raises :class:`InputError` naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        A run directory written by ``simbias run`` (it must hold ``spec.toml``).

    Returns
    -------
    dict
        ``"path"`` (Path), ``"spec"`` (dict), ``"manifest"`` and ``"summary"`` (dicts, empty when the
        file is missing) and ``"history"`` (:class:`~simbias.History` or ``None``).

    Examples
    --------
    >>> run = load_run("runs/fprinciple-1d")  # doctest: +SKIP
    >>> run["summary"], run["history"].steps  # doctest: +SKIP
    """
    p = Path(path)
    if not (p / SPEC).exists():
        raise InputError("DIR", f"{p} is not a run directory (no {SPEC})", "give the directory simbias run wrote")
    out: dict[str, Any] = {"path": p, "spec": read_spec_file(p / SPEC)}
    out["manifest"] = read_json_file(p / MANIFEST) if (p / MANIFEST).exists() else {}
    out["summary"] = read_json_file(p / SUMMARY) if (p / SUMMARY).exists() else {}
    out["history"] = read_history_file(p / HISTORY) if (p / HISTORY).exists() else None
    return out
