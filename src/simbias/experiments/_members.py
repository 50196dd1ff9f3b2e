"""Sweep members: their bucket key, their memory estimate, and training a bucket of them.

Every kind is swept the same way (:mod:`simbias.experiments._kind`): each member's plan is built,
and jobs whose :func:`~simbias.experiments.lockstep_key` agree train through one
:func:`~simbias.train.fit_ensemble` call (engine ``ensemble``), or each member alone exactly as
``simbias run`` trains it (engine ``sequential``).  A divergence is an outcome of its member; an
exception fails its member (the sweep retries a failed bucket one member at a time).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import Outcome
from ..io import spec_hash
from ..results import History
from ._kind import get_kind, lockstep_key, train_plans
from ._preflight import estimate_bytes
from ._registry import Result
from ._run import result_of
from ._spec import to_dict

__all__ = ["MemberResult", "run_member", "run_members", "static_key_of", "member_bytes_of"]


@dataclass
class MemberResult:
    """What one sweep member produced: the result (possibly partial), its outcome and timing."""

    result: Result
    outcome: Outcome
    diverged_step: int | None = None
    wall_time_s: float = 0.0
    error: str | None = None
    bucket_size: int = 1


_KEYS: dict[str, Any] = {}


def static_key_of(spec) -> Any:
    """The bucket key of ``spec`` (``None``: the member trains alone).

    The member's plan is built once and the key is the :func:`~simbias.experiments.lockstep_key`
    of each of its jobs: members share a bucket exactly when all their jobs can train in lockstep.
    Building also validates the member (data opened, model built) before anything is written."""
    h = spec_hash(to_dict(spec))
    if h not in _KEYS:
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        keys = tuple(lockstep_key(f) for f in get_kind(spec.experiment).build(spec, "cpu").fits)
        _KEYS[h] = None if None in keys else (spec.experiment, hashlib.sha256(repr(keys).encode()).hexdigest())
    return _KEYS[h]


def member_bytes_of(spec) -> int | None:
    """A lower-bound estimate of one member's bytes in a bucket (:func:`~simbias.experiments.preflight`'s)."""
    return estimate_bytes(spec)[0] or None


def _failed(exc: BaseException, t0: float, bucket_size: int = 1) -> MemberResult:
    return MemberResult(Result(History(steps=np.zeros(0, dtype=np.int64)), {}, []), Outcome.FAILED, None,
                        time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}", bucket_size=bucket_size)


def _task_checkpoints(plans, checkpoint: dict | None) -> dict[str, Any]:
    """train_plans keywords for a task checkpoint ``{"path", "every", "resume", "task"}`` (or none)."""
    if not checkpoint:
        return {}
    from ._resume import checkpoint_interval, load_state, save_state

    path, tid = checkpoint["path"], checkpoint["task"]
    kw: dict[str, Any] = {}
    n = checkpoint_interval(checkpoint.get("every", "auto"), max((f.steps for p in plans for f in p.fits), default=0))
    if n is not None:
        kw.update(checkpoint_every=n, on_checkpoint=lambda state: save_state(path, {"task": tid, **state}))
    if checkpoint.get("resume") and os.path.exists(path):
        kw["resume"] = load_state(path, task=tid)
    return kw


def _train(specs: list, *, lockstep: bool, device: str, on_step, chunk_size,
           checkpoint: dict | None = None) -> list[MemberResult]:
    kind = get_kind(specs[0].experiment)
    t0 = time.perf_counter()
    plans = [kind.build(s, device) for s in specs]
    hists = train_plans(plans, on_step=on_step, chunk_size=chunk_size, lockstep=lockstep,
                        **_task_checkpoints(plans, checkpoint))
    wall = (time.perf_counter() - t0) / len(specs)
    out = []
    for spec, plan, h in zip(specs, plans, hists):
        res = result_of(kind, spec, plan, h)
        if h.diverged:
            res.headline = [str(h.divergence_error(kind.hint))]
            out.append(MemberResult(res, Outcome.DIVERGED, h.diverged_step, wall, bucket_size=len(specs)))
        else:
            out.append(MemberResult(res, Outcome.COMPLETED, None, wall, bucket_size=len(specs)))
    return out


def run_member(spec, *, device: str = "cpu", on_step: Callable[[int], None] | None = None,
               checkpoint: dict | None = None) -> MemberResult:
    """Train one member exactly as ``simbias run`` does; a divergence or an exception is its outcome."""
    t0 = time.perf_counter()
    try:
        return _train([spec], lockstep=False, device=device, on_step=on_step, chunk_size=None,
                      checkpoint=checkpoint)[0]
    except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
        return _failed(exc, t0)


def run_members(specs: Sequence[Any], *, engine: str = "ensemble", device: str = "cpu",
                on_step: Callable[[int], None] | None = None, chunk_size: int | None = None,
                checkpoint: dict | None = None) -> list[MemberResult]:
    """Train a bucket: in lockstep (``engine="ensemble"``), else one member at a time.  An exception
    inside a lockstep bucket marks every member ``failed`` (the sweep then retries them one by one).
    ``checkpoint`` (``{"path", "every", "resume", "task"}``) checkpoints the task into ``path``
    and resumes from it."""
    specs = list(specs)
    if engine != "ensemble" or len(specs) == 1:
        one = checkpoint if len(specs) == 1 else None
        return [run_member(s, device=device, on_step=on_step, checkpoint=one) for s in specs]
    t0 = time.perf_counter()
    try:
        return _train(specs, lockstep=True, device=device, on_step=on_step, chunk_size=chunk_size,
                      checkpoint=checkpoint)
    except Exception as exc:  # noqa: BLE001
        return [_failed(exc, t0, len(specs)) for _ in specs]
