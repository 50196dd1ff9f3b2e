"""Sweep directories: layout, claiming, members' run directories and done-markers, ``results.csv``.

Layout (a public contract, DESIGN.md)::

    sweep.toml          the sweep: base spec, swept keys and values, seeds, and its hash
    members/<id>/       one run directory per member (same files as ``simbias run`` writes);
                        ``<id>`` is the hash of the member's resolved spec
    results.csv         one row per member, in member order
    checkpoints/*.pt    checkpoints of tasks that are still training (removed once their members are written)
    figures/*.png       sweep-level figures
    report.html         the sweep report

A member is done when its ``manifest.json`` (written last, atomically) says ``completed`` or
``diverged`` for its spec hash — that file is the done-marker, so a killed sweep never leaves a
half-written member that counts as done.  ``results.csv`` is always rewritten whole, atomically,
from the members' ``summary.json`` files in member order, so it never holds half rows or
duplicates.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import json
import math
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import InputError
from ..results import History
from ._store import HISTORY, LOCK, RunDir, _has_contents, _make_and_lock, atomic_write_text, read_json, read_spec_file

__all__ = ["SweepDir", "flatten_summary", "format_cell", "read_csv"]

SWEEP_FILE, RESULTS, MEMBERS, CHECKPOINTS = "sweep.toml", "results.csv", "members", "checkpoints"


def flatten_summary(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested summary numbers: ``{"a": [1, 2], "b": {"c": 3}}`` → ``a[0], a[1], b.c``."""
    out: dict[str, Any] = {}

    def walk(v: Any, key: str) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{key}.{k}" if key else str(k))
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(x, f"{key}[{i}]")
        else:
            out[key] = v

    walk(summary, prefix)
    return out


def format_cell(v: Any) -> str:
    """One CSV cell: numbers at full precision (``repr``), ``None``/NaN empty, lists as JSON."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v)
    return str(v)


def read_csv(path: str | os.PathLike) -> tuple[list[str], list[dict[str, str]]]:
    """``(columns, rows)`` of a CSV file written by :meth:`SweepDir.write_results`."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


class SweepDir:
    """One sweep directory (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
        The directory (created by :meth:`claim` if missing).

    Examples
    --------
    >>> import tempfile
    >>> s = SweepDir(tempfile.mkdtemp() + "/sweep")
    >>> s.claim("feedc0de", resume=False)
    False
    >>> cols = ["member_id", "outcome", "final_loss"]
    >>> s.write_results(cols, [{"member_id": "a1", "outcome": "completed", "final_loss": 0.25}])
    >>> s.release()
    >>> s.read_results()[1]
    [{'member_id': 'a1', 'outcome': 'completed', 'final_loss': '0.25'}]
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"SweepDir({str(self.path)!r})"

    @property
    def sweep_file(self) -> Path:
        """Path of ``sweep.toml``."""
        return self.path / SWEEP_FILE

    @property
    def results_file(self) -> Path:
        """Path of ``results.csv``."""
        return self.path / RESULTS

    @property
    def figures(self) -> Path:
        """The sweep's ``figures/`` folder."""
        return self.path / "figures"

    def existing_hash(self) -> str | None:
        """The hash recorded in ``sweep.toml``, or ``None``."""
        try:
            h = read_spec_file(self.sweep_file).get("sweep", {}).get("hash")
        except (InputError, OSError):
            return None
        return str(h) if h else None

    def claim(self, sweep_hash: str, *, resume: bool, flag: str = "--out") -> bool:
        """Make sure this directory may hold the sweep ``sweep_hash``; return whether it already did.

        An empty or missing directory is fine.  A directory holding this same sweep is fine
        (with ``resume`` its finished members are kept; without, they are recomputed).  A
        directory holding another sweep, or other files, raises :class:`InputError`.  The claim
        is an exclusive lock (see :meth:`RunDir.claim`), taken before the contents are checked
        and held until :meth:`release`; :meth:`rollback` undoes a claim that created the folder.
        """
        self._lock_fd, made_dir = _make_and_lock(self.path, flag)
        self._made_dir = made_dir
        try:
            same = False
            if _has_contents(self.path):
                old = self.existing_hash()
                if old is None:
                    raise InputError("--resume" if resume else flag,
                                     f"{self.path} holds other files, not a simbias sweep",
                                     "choose another --out directory")
                if old != sweep_hash:
                    raise InputError("--resume" if resume else flag,
                                     f"{self.path} holds a different sweep (hash {old}, this one {sweep_hash})",
                                     "give the same experiment, --set, --grid, --zip and --seeds, or another --out")
                same = True
                self._made_dir = False
                self._remove_stale_temporaries()
        except BaseException:
            self.release()
            if made_dir:
                shutil.rmtree(self.path, ignore_errors=True)
            raise
        return same

    def release(self) -> None:
        """Give the claim up (the files stay)."""
        fd = getattr(self, "_lock_fd", None)
        if fd is not None:
            self._lock_fd = None
            try:
                (self.path / LOCK).unlink()
            except OSError:
                pass
            os.close(fd)

    def rollback(self) -> None:
        """Undo a claim after refused input: a folder this claim created is removed whole (unless
        a member was already written into it: finished work is kept)."""
        self.release()
        if getattr(self, "_made_dir", False) and not self.member_dirs():
            self._made_dir = False
            shutil.rmtree(self.path, ignore_errors=True)

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of atomic writes that a killed sweep left behind (never read)."""
        for p in list(self.path.glob(".*.tmp")) + list((self.path / MEMBERS).glob("*/.*.tmp")) + \
                list(self.figures.glob(".*.tmp")):
            try:
                p.unlink()
            except OSError:
                pass

    def write_definition(self, toml_text: str) -> None:
        """Write ``sweep.toml`` atomically."""
        atomic_write_text(self.sweep_file, toml_text)

    def member(self, member_id: str) -> RunDir:
        """The run directory of the member with id (= spec hash) ``member_id``."""
        return RunDir(self.path / MEMBERS / member_id)

    def is_done(self, member_id: str) -> bool:
        """Whether the member finished (completed or diverged) — failed members are retried."""
        return self.member(member_id).is_complete(member_id)

    def read_member(self, member_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(summary, manifest)`` of a member (empty dicts for missing files)."""
        d = self.path / MEMBERS / member_id
        summary = read_json(d / "summary.json") if (d / "summary.json").exists() else {}
        manifest = read_json(d / "manifest.json") if (d / "manifest.json").exists() else {}
        return summary, manifest

    def member_dirs(self) -> list[Path]:
        """The members' run directories that exist, sorted by path."""
        base = self.path / MEMBERS
        return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    def write_member(self, member_id: str, head: dict[str, Any], *, spec: str, summary: dict[str, Any],
                     manifest: dict[str, Any], history: History | None = None) -> dict[str, Any]:
        """Write a member's run directory and return its ``results.csv`` row.

        Leftovers of a failed or damaged try are removed first; ``manifest.json`` (the
        done-marker) is written last.  An empty or missing ``history`` writes no ``history.npz``.

        Parameters
        ----------
        member_id : str
            The member's id (its spec hash; the manifest's ``spec_hash``).
        head : dict
            The row's first cells (member id, swept values, seed).
        spec : str
            The member's resolved ``spec.toml`` text.
        summary, manifest : dict
            Its ``summary.json`` and ``manifest.json`` (with ``outcome``).
        history : History, optional
            What it recorded.

        Returns
        -------
        dict
            ``head``, then ``outcome``, then the summary as read back from disk, flattened: the
            row :meth:`read_done` builds for it again when the sweep is resumed.

        Examples
        --------
        >>> import tempfile
        >>> s = SweepDir(tempfile.mkdtemp())
        >>> head = {"member_id": "ab12", "seed": 0}
        >>> s.write_member("ab12", head, spec="seed = 0", summary={"loss": [0.5, 0.25]},
        ...                manifest={"spec_hash": "ab12", "outcome": "diverged"})
        {'member_id': 'ab12', 'seed': 0, 'outcome': 'diverged', 'loss[0]': 0.5, 'loss[1]': 0.25}
        >>> s.read_done("ab12", head)["loss[1]"], s.is_done("ab12")
        (0.25, True)
        """
        rd = self.member(member_id)
        if rd.path.is_dir() and not self.is_done(member_id):  # leftovers of a failed or damaged try: start clean
            shutil.rmtree(rd.path, ignore_errors=True)
        rd.claim(member_id)  # removes an old done-marker, so it never stands over new, half-written files
        try:
            rd.write_spec(spec)
            if history is not None and len(history.steps):
                rd.write_history(history)
            else:
                (rd.path / HISTORY).unlink(missing_ok=True)
            rd.write_summary(summary)
            rd.write_manifest(manifest)  # last: the done-marker
        finally:
            rd.release()
        return {**head, "outcome": manifest["outcome"], **flatten_summary(read_json(rd.path / "summary.json"))}

    def read_done(self, member_id: str, head: dict[str, Any]) -> dict[str, Any] | None:
        """The ``results.csv`` row of a finished member, read back from its files (as
        :meth:`write_member` returned it); ``None`` when the member is not done or its files are
        damaged or missing (then it is trained again).

        Parameters
        ----------
        member_id : str
            The member's id.
        head : dict
            The row's first cells.

        Returns
        -------
        dict or None
            The row, or ``None``.

        Examples
        --------
        >>> import tempfile
        >>> SweepDir(tempfile.mkdtemp()).read_done("ab12", {"member_id": "ab12"}) is None
        True
        """
        d = self.member(member_id).path
        try:
            summary, manifest = self.read_member(member_id) if self.is_done(member_id) else (None, None)
        except (OSError, ValueError, RecursionError):
            return None
        hist = d / HISTORY
        if isinstance(summary, dict) and isinstance(manifest, dict) and (d / "summary.json").is_file() and (
                zipfile.is_zipfile(hist) if hist.exists() else manifest.get("outcome") != "completed"):
            return {**head, "outcome": manifest.get("outcome", "completed"), **flatten_summary(summary)}
        return None

    def checkpoint(self, task_id: str) -> Path:
        """Path of the checkpoint of the sweep task ``task_id``: ``checkpoints/<task_id>.pt``."""
        return self.path / CHECKPOINTS / f"{task_id}.pt"

    def remove_checkpoint(self, task_id: str | None = None) -> None:
        """Remove the checkpoint of ``task_id`` (and the folder once it is empty); ``None``: all of them.

        Examples
        --------
        >>> import tempfile
        >>> s = SweepDir(tempfile.mkdtemp())
        >>> s.checkpoint("t1").parent.mkdir()
        >>> _ = s.checkpoint("t1").write_bytes(b"state")
        >>> s.remove_checkpoint("t1")
        >>> s.checkpoint("t1").parent.exists()
        False
        """
        if task_id is None:
            shutil.rmtree(self.path / CHECKPOINTS, ignore_errors=True)
            return
        self.checkpoint(task_id).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            (self.path / CHECKPOINTS).rmdir()  # unless other tasks' checkpoints are left

    def write_results(self, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
        """Write ``results.csv`` atomically (whole file, missing cells empty): ``columns`` first,
        then the rows' other keys in the order the rows first have them."""
        rows = list(rows)
        columns = list(dict.fromkeys([*columns, *(c for r in rows for c in r)]))
        buf = _io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([format_cell(row.get(c)) for c in columns])
        atomic_write_text(self.results_file, buf.getvalue())

    def read_results(self) -> tuple[list[str], list[dict[str, str]]]:
        """``(columns, rows)`` of ``results.csv``; a missing or damaged file raises
        :class:`InputError` naming it."""
        f = self.results_file
        if not f.exists():
            raise InputError("DIR", f"{self.path} has no {RESULTS}", "run the sweep first (simbias sweep ... --out DIR)")
        fix = f"rebuild it with simbias sweep {self.sweep_file} --resume"
        try:
            cols, rows = read_csv(f)
        except UnicodeDecodeError:
            raise InputError(str(f), "is damaged (not UTF-8 text)", fix) from None
        except csv.Error as exc:
            raise InputError(str(f), f"is damaged ({' '.join(str(exc).split())[:100]})", fix) from None
        if "member_id" not in cols or "outcome" not in cols:
            raise InputError(str(f), "is damaged (no member_id and outcome columns)", fix)
        for i, r in enumerate(rows):
            if None in r or any(v is None for v in r.values()):
                raise InputError(str(f), f"is damaged (row {i + 1} has {len(r.get(None, [])) + len(cols)} "
                                         f"fields, the header {len(cols)})" if None in r else
                                 f"is damaged (row {i + 1} has fewer fields than the header)", fix)
        return cols, rows
