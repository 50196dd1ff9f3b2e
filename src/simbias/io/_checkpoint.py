"""Checkpoints of a whole plan (or a sweep task): where training stands, and how to continue.

:func:`simbias.train.fit` and :func:`~simbias.train.fit_ensemble` checkpoint *one* job
(:class:`~simbias.train.Checkpoint`).  A plan has several jobs, and a sweep task several members
and lockstep groups; the state written here adds where the checkpoint was taken (the index
of the group of jobs being trained, in training order, and which plans already diverged), the
histories of the jobs already finished (:func:`pack_history`), the global torch RNG and the state of
every ``torch.Generator`` the plan's jobs hold (:func:`rng_state`), so that the resumed plan
equals the uninterrupted one bit for bit on one machine.

Everything is tensors, numbers, strings, lists and dicts (``torch.load(..., weights_only=True)``
reads it; no code is unpickled).  A history is stored as its ``.npz`` bytes plus a JSON line of
its outcome and ``info``.

A job with a ``trainer`` of its own (restarts, stages, gradient-free optimisers, classical
solvers) is not checkpointed inside: a resumed plan restarts such a job from its beginning
(the jobs before it are kept).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ..errors import InputError, Outcome
from ..results import History
from ._store import atomic_write_bytes

__all__ = ["AUTO_MIN_STEPS", "AUTO_EVERY", "checkpoint_interval", "save_state", "load_state", "checkpointing",
           "pack_history", "unpack_history", "rng_state", "set_rng_state"]

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


def pack_history(h: History) -> dict[str, Any]:
    """``h`` as tensors and strings that ``torch.load(..., weights_only=True)`` reads back.

    Parameters
    ----------
    h : History
        A recorded history (its outcome and ``info`` included).

    Returns
    -------
    dict
        ``{"npz": uint8 tensor of the .npz bytes, "meta": JSON text}``; :func:`unpack_history` inverts it.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> h = History(steps=np.arange(3), arrays={"loss": np.array([3.0, 2.0, 1.0])})
    >>> unpack_history(pack_history(h))["loss"].tolist()
    [3.0, 2.0, 1.0]
    """
    buf = io.BytesIO()
    np.savez(buf, **h.to_npz_dict())
    meta = json.dumps({"outcome": h.outcome, "diverged_step": h.diverged_step, "info": h.info})  # str enums
    return {"npz": torch.frombuffer(bytearray(buf.getvalue()), dtype=torch.uint8), "meta": meta}


def unpack_history(d: dict[str, Any]) -> History:
    """The :class:`~simbias.History` that :func:`pack_history` packed.

    Parameters
    ----------
    d : dict
        What :func:`pack_history` returned (possibly through ``torch.save``/``torch.load``).

    Returns
    -------
    History
        The arrays, outcome, ``diverged_step`` and ``info`` of the packed history.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> unpack_history(pack_history(History(steps=np.arange(2)))).steps.tolist()
    [0, 1]
    """
    with np.load(io.BytesIO(d["npz"].numpy().tobytes()), allow_pickle=False) as z:
        h = History.from_npz_dict({k: z[k] for k in z.files})
    meta = json.loads(d["meta"])
    o = meta["outcome"]
    h.outcome = [Outcome(x) for x in o] if isinstance(o, list) else Outcome(o)
    h.diverged_step, h.info = meta["diverged_step"], meta["info"]
    return h


def _generators(jobs: Sequence[Any]) -> list[torch.Generator]:
    """Every distinct ``torch.Generator`` the jobs hold (their ``generator=`` option and problem attributes)."""
    out: list[torch.Generator] = []
    for f in jobs:
        for g in [f.options.get("generator"), *(v for _, v in sorted(getattr(f.problem, "__dict__", {}).items()))]:
            if isinstance(g, torch.Generator) and not any(g is o for o in out):
                out.append(g)
    return out


def rng_state(jobs: Sequence[Any]) -> dict[str, Any]:
    """The global torch RNG and every ``torch.Generator`` that ``jobs`` hold.

    Parameters
    ----------
    jobs : sequence
        Training jobs (:class:`simbias.experiments.Fit`): their ``options["generator"]`` and the
        generators among their ``problem``'s attributes count.

    Returns
    -------
    dict
        ``{"torch": state, "generators": [state, ...]}``; :func:`set_rng_state` restores it.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> g = torch.Generator().manual_seed(0)
    >>> jobs = [SimpleNamespace(options={"generator": g}, problem=None)]
    >>> state = rng_state(jobs)
    >>> a = torch.rand(2, generator=g)
    >>> set_rng_state(state, jobs)
    >>> torch.equal(a, torch.rand(2, generator=g))
    True
    """
    return {"torch": torch.get_rng_state(), "generators": [g.get_state() for g in _generators(jobs)]}


def set_rng_state(state: dict[str, Any], jobs: Sequence[Any]) -> None:
    """Restore what :func:`rng_state` took.

    Parameters
    ----------
    state : dict
        From :func:`rng_state`.
    jobs : sequence
        The same jobs (rebuilt): they must hold as many generators as when the state was taken.

    Returns
    -------
    None

    Raises
    ------
    InputError
        The jobs hold other generators (``--resume`` of a checkpoint that does not fit the run).

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> jobs = [SimpleNamespace(options={}, problem=None)]
    >>> state = rng_state(jobs)
    >>> a = torch.rand(1)
    >>> set_rng_state(state, jobs)
    >>> torch.equal(a, torch.rand(1))
    True
    """
    gens = _generators(jobs)
    if len(gens) != len(state["generators"]):
        raise InputError("--resume", "the checkpoint does not fit this run (its generators differ)",
                         "start over without --resume")
    torch.set_rng_state(state["torch"])
    for g, s in zip(gens, state["generators"]):
        g.set_state(s)


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
