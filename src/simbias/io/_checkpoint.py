"""Checkpoint files of a run or a sweep task: written atomically, read back checked, and the interval.

The state itself (where training of a plan's or a sweep task's jobs stands, bit for bit) is what
:func:`simbias.train.fit_jobs` hands to ``on_checkpoint``; here it goes to a file (:func:`save_state`)
tagged with what it belongs to (a run's ``spec_hash``, a sweep task's ``task``) and comes back from
one (:func:`load_state`) for ``--resume``.  Everything is tensors, numbers, strings, lists and dicts
(``torch.load(..., weights_only=True)`` reads it; no code is unpickled).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Sequence

import torch

from ..errors import InputError
from ._store import atomic_write_bytes

__all__ = ["AUTO_MIN_STEPS", "AUTO_EVERY", "checkpoint_interval", "save_state", "load_state", "checkpointing"]

_FORMAT = 1
#: the default (``"auto"``) checkpoints runs of at least this many steps …
AUTO_MIN_STEPS = 20_000
#: … every this many steps (about a minute or more of training at the presets' sizes on one CPU thread)
AUTO_EVERY = 5_000
_STALE = ("--resume", "delete it to start over")


def checkpoint_interval(value: Any, steps: int) -> int | None:
    """The checkpoint interval in steps: ``None``/``0`` off, ``"auto"`` the default, else ``value``.

    ``"auto"`` checkpoints every :data:`AUTO_EVERY` steps when a job has at least
    :data:`AUTO_MIN_STEPS` steps, and never for shorter runs.

    Parameters
    ----------
    value : int or "auto" or None
        What ``--checkpoint-every`` says.
    steps : int
        The steps of the longest job.

    Returns
    -------
    int or None
        Steps between checkpoints (``None``: none).

    Examples
    --------
    >>> checkpoint_interval("auto", 1000), checkpoint_interval("auto", 50_000), checkpoint_interval(200, 1000)
    (None, 5000, 200)
    """
    if value == "auto":
        return AUTO_EVERY if steps >= AUTO_MIN_STEPS else None
    if value not in (None, 0) and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InputError("--checkpoint-every", f"got {value!r}", "give a number of steps (0: no checkpoints)")
    return value or None


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write the checkpoint ``state`` to ``path`` atomically (a temporary file, fsync, rename).

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file (``checkpoint.pt``).
    state : dict
        Tensors, numbers, strings, lists and dicts (read back with ``weights_only=True``).

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib, torch
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.pt"
    >>> save_state(p, {"spec_hash": "ab12", "step": 7, "w": torch.ones(2)})
    >>> load_state(p, spec_hash="ab12")["step"]
    7
    >>> load_state(p, spec_hash="ffff")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: --resume: ...checkpoint.pt was written for another spec_hash (delete it to start over)
    """
    buf = io.BytesIO()
    torch.save({"format": _FORMAT, **state}, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_state(path: str | os.PathLike, **expect: Any) -> dict[str, Any]:
    """Read a state written by :func:`save_state`; every ``expect`` key must hold the given value.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    **expect
        Keys the state must hold with these values (e.g. ``spec_hash=...``).

    Returns
    -------
    dict
        The state (with its ``format`` key).

    Raises
    ------
    InputError
        A damaged file, another version's, or one whose ``expect`` keys differ (flag ``--resume``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.pt"
    >>> save_state(p, {"task": 2})
    >>> load_state(p, task=2)["task"]
    2
    """
    try:
        data = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file is the user's input
        raise InputError(_STALE[0], f"cannot read {Path(path)} ({type(exc).__name__})", _STALE[1]) from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise InputError(_STALE[0], f"{Path(path)} is not a simbias checkpoint of this version", _STALE[1])
    for k, v in expect.items():
        if data.get(k) != v:
            raise InputError(_STALE[0], f"{Path(path)} was written for another {k}", _STALE[1])
    return data


def checkpointing(path: str | os.PathLike, jobs: Sequence[Any], every: Any, resume: bool, **tag: Any) -> dict[str, Any]:
    """The ``train_plan``/``train_plans`` keywords that checkpoint ``jobs`` into ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    jobs : sequence
        The jobs (with ``steps``) of the plan(s); the longest decides ``"auto"``.
    every : int or "auto" or None
        Steps between checkpoints (:func:`checkpoint_interval`).
    resume : bool
        Continue from ``path`` when it exists (its ``tag`` must match); else a stale file there
        is removed (a fresh start never continues from an older try).
    **tag
        Written into every state and checked on resume (a run's ``spec_hash``, a sweep task's ``task``).

    Returns
    -------
    dict
        ``resume`` (the loaded state), ``checkpoint_every`` and ``on_checkpoint``, where they apply.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from types import SimpleNamespace
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.pt"
    >>> kw = checkpointing(p, [SimpleNamespace(steps=50_000)], "auto", False, spec_hash="ab12")
    >>> sorted(kw), kw["checkpoint_every"]
    (['checkpoint_every', 'on_checkpoint'], 5000)
    """
    kw: dict[str, Any] = {}
    if resume and Path(path).exists():
        kw["resume"] = load_state(path, **tag)
    else:
        Path(path).unlink(missing_ok=True)
    n = checkpoint_interval(every, max((f.steps for f in jobs), default=0))
    if n is not None:
        kw.update(checkpoint_every=n, on_checkpoint=lambda state: save_state(path, {**tag, **state}))
    return kw
