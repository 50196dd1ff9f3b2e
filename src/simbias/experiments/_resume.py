"""Checkpoints of a whole plan (or a sweep task): where training stands, and how to continue.

:func:`simbias.train.fit` and :func:`~simbias.train.fit_ensemble` checkpoint *one* job
(:class:`~simbias.train.Checkpoint`).  A plan has several jobs, and a sweep task several members
and lockstep groups; the state written here adds where the checkpoint was taken (the index
of the group of jobs being trained, in training order, and which plans already diverged), the
histories of the jobs already finished, the global torch RNG and the state of every ``torch.Generator``
the plan's jobs hold (mini-batch generators, a problem's own sampler), so that the resumed
plan equals the uninterrupted one bit for bit on one machine.

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

__all__ = ["AUTO_MIN_STEPS", "AUTO_EVERY", "checkpoint_interval", "save_state", "load_state"]

_FORMAT = 1
#: the default (``"auto"``) checkpoints runs of at least this many steps …
AUTO_MIN_STEPS = 20_000
#: … every this many steps (about a minute or more of training at the presets' sizes on one CPU thread)
AUTO_EVERY = 5_000


def checkpoint_interval(value: Any, steps: int) -> int | None:
    """The checkpoint interval in steps: ``None``/``0`` off, ``"auto"`` the default, else ``value``.

    ``"auto"`` checkpoints every :data:`AUTO_EVERY` steps when a job has at least
    :data:`AUTO_MIN_STEPS` steps, and never for shorter runs.

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
    buf = io.BytesIO()
    np.savez(buf, **h.to_npz_dict())
    meta = json.dumps({"outcome": h.outcome, "diverged_step": h.diverged_step, "info": h.info})  # str enums
    return {"npz": torch.frombuffer(bytearray(buf.getvalue()), dtype=torch.uint8), "meta": meta}


def unpack_history(d: dict[str, Any]) -> History:
    with np.load(io.BytesIO(d["npz"].numpy().tobytes()), allow_pickle=False) as z:
        h = History.from_npz_dict({k: z[k] for k in z.files})
    meta = json.loads(d["meta"])
    o = meta["outcome"]
    h.outcome = [Outcome(x) for x in o] if isinstance(o, list) else Outcome(o)
    h.diverged_step, h.info = meta["diverged_step"], meta["info"]
    return h


def generators(fits: Sequence[Any]) -> list[torch.Generator]:
    """Every distinct ``torch.Generator`` the jobs hold (their ``generator=`` option and problem attributes)."""
    out: list[torch.Generator] = []
    for f in fits:
        for g in [f.options.get("generator"), *(v for _, v in sorted(getattr(f.problem, "__dict__", {}).items()))]:
            if isinstance(g, torch.Generator) and not any(g is o for o in out):
                out.append(g)
    return out


def rng_state(fits: Sequence[Any]) -> dict[str, Any]:
    return {"torch": torch.get_rng_state(), "generators": [g.get_state() for g in generators(fits)]}


def set_rng_state(state: dict[str, Any], fits: Sequence[Any]) -> None:
    gens = generators(fits)
    if len(gens) != len(state["generators"]):
        raise InputError("--resume", "the checkpoint does not fit this run (its generators differ)",
                         "start over without --resume")
    torch.set_rng_state(state["torch"])
    for g, s in zip(gens, state["generators"]):
        g.set_state(s)


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (a temporary file, fsync, rename)."""
    from ..io import atomic_write_bytes

    buf = io.BytesIO()
    torch.save({"format": _FORMAT, **state}, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_state(path: str | os.PathLike, **expect: Any) -> dict[str, Any]:
    """Read a state written by :func:`save_state`; every ``expect`` key must hold the given value."""
    try:
        data = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file is the user's input
        raise InputError("--resume", f"cannot read {Path(path)} ({type(exc).__name__})",
                         "delete it to start over") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise InputError("--resume", f"{Path(path)} is not a simbias checkpoint of this version",
                         "delete it to start over")
    for k, v in expect.items():
        if data.get(k) != v:
            raise InputError("--resume", f"{Path(path)} was written for another {k}", "delete it to start over")
    return data
