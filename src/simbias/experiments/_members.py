"""Sweep members: their bucket key, and training a bucket of them.

Every kind is swept the same way (:mod:`simbias.experiments._kind`): each member's plan is built,
and jobs whose :func:`~simbias.experiments.lockstep_key` agree train through one
:func:`~simbias.train.fit_ensemble` call (engine ``ensemble``), or each member alone exactly as
``simbias run`` trains it (engine ``sequential``).  A divergence is an outcome of its member; an
exception fails its member (a bucket that raised is retrained one member at a time).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import Outcome
from ..results import History
from ._kind import get_kind, lockstep_key, train_plans
from ._registry import Result
from ._resume import checkpoint_interval, load_state, save_state
from ._run import result_of

__all__ = ["MemberResult", "run_member", "run_members", "static_key_of"]


@dataclass
class MemberResult:
    """What one sweep member produced: the result (possibly partial), its outcome and timing."""

    result: Result
    outcome: Outcome
    diverged_step: int | None = None
    wall_time_s: float = 0.0
    error: str | None = None
    bucket_size: int = 1


def static_key_of(spec) -> Any:
    """The bucket key of ``spec`` (``None``: the member trains alone).

    The member's plan is built (on the CPU) and the key is the :func:`~simbias.experiments.lockstep_key`
    of each of its jobs: members share a bucket exactly when all their jobs can train in lockstep.
    Building also validates the member (data opened, model built) before anything is written."""
    keys = tuple(lockstep_key(f) for f in get_kind(spec.experiment).build(spec, "cpu").fits)
    return None if None in keys else (spec.experiment, hashlib.sha256(repr(keys).encode()).hexdigest())


def _train(specs: list, *, device: str, on_step=None, chunk_size=None, checkpoint: dict | None = None) \
        -> list[MemberResult]:
    """Build the members' plans and train them (same-key jobs in lockstep); ``checkpoint``
    (``{"path", "every", "resume", "task"}``) checkpoints the task into ``path`` and resumes from it."""
    kind = get_kind(specs[0].experiment)
    t0 = time.perf_counter()
    plans = [kind.build(s, device) for s in specs]
    kw: dict[str, Any] = {}
    if checkpoint:
        path, tid = checkpoint["path"], checkpoint["task"]
        n = checkpoint_interval(checkpoint["every"], max((f.steps for p in plans for f in p.fits), default=0))
        if n is not None:
            kw.update(checkpoint_every=n, on_checkpoint=lambda state: save_state(path, {"task": tid, **state}))
        if checkpoint["resume"] and os.path.exists(path):
            kw["resume"] = load_state(path, task=tid)
    hists = train_plans(plans, on_step=on_step, chunk_size=chunk_size, **kw)
    wall = (time.perf_counter() - t0) / len(specs)
    out = []
    for spec, plan, h in zip(specs, plans, hists):
        res = result_of(kind, spec, plan, h)
        if h.diverged:
            res.headline = [str(h.divergence_error(kind.hint))]
        out.append(MemberResult(res, Outcome.DIVERGED if h.diverged else Outcome.COMPLETED,
                                h.diverged_step if h.diverged else None, wall, bucket_size=len(specs)))
    return out


def run_member(spec, *, device: str = "cpu", on_step: Callable[[int], None] | None = None,
               checkpoint: dict | None = None) -> MemberResult:
    """Train one member exactly as ``simbias run`` does; a divergence or an exception is its outcome."""
    return run_members([spec], device=device, on_step=on_step, checkpoint=checkpoint)[0]


def run_members(specs: Sequence[Any], *, engine: str = "ensemble", device: str = "cpu",
                on_step: Callable[[int], None] | None = None, chunk_size: int | None = None,
                checkpoint: dict | None = None) -> list[MemberResult]:
    """Train a bucket: in lockstep (``engine="ensemble"``), else one member at a time.  An exception
    fails its member: a bucket that raised is retrained one member at a time, so a bad member
    fails alone.  ``checkpoint`` (``{"path", "every", "resume", "task"}``) checkpoints the task
    into ``path`` and resumes from it."""
    specs = list(specs)
    if engine != "ensemble" and len(specs) > 1:
        return [run_member(s, device=device, on_step=on_step) for s in specs]
    t0 = time.perf_counter()
    try:
        return _train(specs, device=device, on_step=on_step, chunk_size=chunk_size, checkpoint=checkpoint)
    except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
        if len(specs) > 1:
            return [run_member(s, device=device) for s in specs]
        return [MemberResult(Result(History(steps=np.zeros(0, dtype=np.int64)), {}, []), Outcome.FAILED, None,
                             time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")]
