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

import hashlib
import io as _io
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..results import History

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_json", "read_json", "RunDir", "load_run",
           "environment_info", "spec_hash"]

SPEC, MANIFEST, HISTORY, SUMMARY, FIGURES, REPORT = (
    "spec.toml", "manifest.json", "history.npz", "summary.json", "figures", "report.html")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory, fsync, rename).

    The file gets the mode an ordinary ``open`` would give (``0o666 & ~umask``, e.g. 0644 under
    umask 022), not ``mkstemp``'s private 0600, so colleagues on a shared file system can read it.
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
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(o: Any):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


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
    atomic_write_text(path, json.dumps(_finite(data), indent=2, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def environment_info() -> dict[str, Any]:
    import torch

    from .. import __version__

    return {
        "simbias": __version__, "torch": torch.__version__, "numpy": np.__version__,
        "python": sys.version.split()[0], "platform": platform.platform(), "threads": torch.get_num_threads(),
    }


class RunDir:
    """One run directory."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def figures(self) -> Path:
        return self.path / FIGURES

    def existing_hash(self) -> str | None:
        m = self.path / MANIFEST
        if m.exists():
            try:
                return read_json(m).get("spec_hash")
            except (json.JSONDecodeError, OSError):
                return None
        return None

    def is_complete(self, spec_hash: str) -> bool:
        m = self.path / MANIFEST
        if not m.exists():
            return False
        try:
            man = read_json(m)
        except (json.JSONDecodeError, OSError):
            return False
        return man.get("spec_hash") == spec_hash and man.get("outcome") in ("completed", "diverged")

    def claim(self, spec_hash: str, *, flag: str = "--out") -> None:
        """Make sure the directory is empty, or holds this same spec (then it is overwritten).

        A directory that holds a different run, or other files, raises :class:`InputError`.
        """
        if self.path.exists() and not self.path.is_dir():
            raise InputError(flag, f"{self.path} is a file", "give a directory path")
        if self.path.is_dir() and any(self.path.iterdir()):
            old = self.existing_hash()
            if old is None and (self.path / SPEC).exists():
                old = _hash_of_spec_file(self.path / SPEC)
            if old != spec_hash:
                what = "a different run" if old else "other files"
                raise InputError(flag, f"{self.path} already holds {what}",
                                 "choose another --out directory or delete that one")
        self.path.mkdir(parents=True, exist_ok=True)

    def write_spec(self, toml_text: str) -> None:
        atomic_write_text(self.path / SPEC, toml_text)

    def write_history(self, history: History) -> None:
        buf = _io.BytesIO()
        np.savez_compressed(buf, **history.to_npz_dict())
        atomic_write_bytes(self.path / HISTORY, buf.getvalue())

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json(self.path / SUMMARY, summary)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.path / MANIFEST, manifest)


def _hash_of_spec_file(path: Path) -> str | None:

    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return spec_hash(data)


def spec_hash(data: dict[str, Any]) -> str:
    """Stable short hash of a resolved spec dict (the ``description`` text is ignored)."""
    payload = {k: v for k, v in data.items() if k != "description"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def load_run(path: str | os.PathLike) -> dict[str, Any]:
    """Load a run directory: ``{"spec", "manifest", "summary", "history", "path"}``."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    p = Path(path)
    if not (p / SPEC).exists():
        raise InputError("DIR", f"{p} is not a run directory (no {SPEC})", "give the directory simbias run wrote")
    out: dict[str, Any] = {"path": p, "spec": tomllib.loads((p / SPEC).read_text(encoding="utf-8"))}
    out["manifest"] = read_json(p / MANIFEST) if (p / MANIFEST).exists() else {}
    out["summary"] = read_json(p / SUMMARY) if (p / SUMMARY).exists() else {}
    if (p / HISTORY).exists():
        with np.load(p / HISTORY, allow_pickle=False) as z:
            out["history"] = History.from_npz_dict({k: z[k] for k in z.files})
    else:
        out["history"] = None
    return out
