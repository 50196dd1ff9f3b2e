"""Per-kind ensemble runners: train a bucket of same-shape sweep members with ``fit_ensemble``.

An experiment kind plugs into sweeps with :func:`register_ensemble`::

    register_ensemble("fprinciple", run_fprinciple_ensemble, static_key=fprinciple_static_key,
                      member_bytes=fprinciple_member_bytes)

* ``static_key(spec)`` returns a hashable key; members with equal keys have one static shape
  and may be trained in lockstep (so it holds everything that fixes tensor shapes or the training
  schedule: widths, data sizes, steps, optimiser kind, record schedule, dtype …; per-member values
  such as the seed, learning rate, initial scale or target stay out of it).  ``None`` means "run
  this member on its own" (e.g. mini-batch training, an optimiser without an ensemble version).
  It is called for every member before anything trains, so it is also the place for cheap
  validation that would otherwise fail mid-sweep (e.g. parsing the target expression).
* ``runner(specs, *, device, on_step, chunk_size)`` returns one :class:`MemberResult` per spec, in
  order; ``on_step(k)`` reports ``k`` member-steps of progress.  The member results must equal
  what the kind's ordinary runner gives for each spec alone (up to float rounding).
* ``member_bytes(spec)`` (optional) estimates one member's memory in a bucket; sweeps split
  buckets to a memory budget with it.

Kinds without an ensemble runner are swept one member at a time (:func:`run_member`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import DivergenceError, Outcome
from ..results import History
from ..io import spec_hash
from ._kind import KINDS, lockstep_key, train_plans
from ._preflight import estimate_bytes
from ._registry import EXPERIMENTS, Result
from ._run import result_of
from ._spec import to_dict

__all__ = ["MemberResult", "register_ensemble", "run_member", "run_members", "static_key_of", "member_bytes_of"]


@dataclass
class MemberResult:
    """What one sweep member produced: the result (possibly partial), its outcome and timing."""

    result: Result
    outcome: Outcome
    diverged_step: int | None = None
    wall_time_s: float = 0.0
    error: str | None = None
    bucket_size: int = 1


def register_ensemble(kind: str, runner: Callable[..., list[MemberResult]], *, static_key: Callable[[Any], Any],
                      member_bytes: Callable[[Any], int] | None = None) -> None:
    """Attach an ensemble runner (and its bucket key) to the registered experiment ``kind``."""
    exp = EXPERIMENTS[kind]
    EXPERIMENTS[kind] = dataclasses.replace(exp, ensemble_runner=runner, static_key=static_key, member_bytes=member_bytes)


def static_key_of(spec) -> Any:
    """The bucket key of ``spec`` (``None``: no ensemble runner, or the member must run alone).

    For a registered :class:`~simbias.experiments.Kind` the member's plan is built once and the
    key is the :func:`~simbias.experiments.lockstep_key` of each of its jobs: members share a
    bucket exactly when all their jobs can train in lockstep.  Building also validates the member
    (data opened, model built) before anything is written."""
    if spec.experiment in KINDS:
        return _kind_key(spec)
    exp = EXPERIMENTS[spec.experiment]
    if exp.ensemble_runner is None or exp.static_key is None:
        return None
    key = exp.static_key(spec)
    return None if key is None else (spec.experiment, key)


def _empty_history() -> History:
    return History(steps=np.zeros(0, dtype=np.int64))


def _steps_of(spec) -> int:
    return int(getattr(getattr(spec, "train", None), "steps", 1) or 1)


def _kind_key(spec) -> Any:
    h = spec_hash(to_dict(spec))
    if h not in _KEYS:
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        keys = tuple(lockstep_key(f) for f in KINDS[spec.experiment].build(spec, "cpu").fits)
        _KEYS[h] = None if None in keys else (spec.experiment, hashlib.sha256(repr(keys).encode()).hexdigest())
    return _KEYS[h]


_KEYS: dict[str, Any] = {}


def member_bytes_of(spec) -> int | None:
    """Estimated bytes of one member in a bucket (the kind's own estimate, else the pre-flight's)."""
    exp = EXPERIMENTS[spec.experiment]
    if exp.member_bytes is not None:
        return exp.member_bytes(spec)
    return estimate_bytes(spec)[0] or None


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


def _kind_members(specs: list, *, lockstep: bool, device: str, on_step, chunk_size,
                  checkpoint: dict | None = None) -> list[MemberResult]:
    kind = KINDS[specs[0].experiment]
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


def run_member(spec, *, device: str = "cpu", checkpoint: dict | None = None) -> MemberResult:
    """Run one member through its kind's ordinary runner (what ``simbias run`` does), catching
    divergence as an outcome and other run failures as ``failed``."""
    if spec.experiment in KINDS:
        try:
            return _kind_members([spec], lockstep=False, device=device, on_step=None, chunk_size=None,
                                 checkpoint=checkpoint)[0]
        except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
            return MemberResult(Result(_empty_history(), {}, []), Outcome.FAILED, None, 0.0,
                                error=f"{type(exc).__name__}: {exc}")
    exp = EXPERIMENTS[spec.experiment]
    t0 = time.perf_counter()
    try:
        result = exp.runner(spec, device=device, progress=False)
    except DivergenceError as exc:
        hist = getattr(exc, "history", None) or _empty_history()
        summary = {**getattr(exc, "summary", {}), "diverged_step": exc.step}
        return MemberResult(Result(hist, summary, [str(exc)]), Outcome.DIVERGED, exc.step, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
        return MemberResult(Result(_empty_history(), {}, []), Outcome.FAILED, None,
                            time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
    return MemberResult(result, Outcome.COMPLETED, None, time.perf_counter() - t0)


def run_members(specs: Sequence[Any], *, engine: str = "ensemble", device: str = "cpu",
                on_step: Callable[[int], None] | None = None, chunk_size: int | None = None,
                checkpoint: dict | None = None) -> list[MemberResult]:
    """Run a bucket: with its kind's ensemble runner when ``engine="ensemble"`` and the members
    share a static key, else one at a time.  An exception inside an ensemble marks every member of
    the bucket ``failed`` (a resumed sweep retries them).  ``checkpoint`` (``{"path", "every",
    "resume", "task"}``) checkpoints a registered kind's task into ``path`` and resumes from it."""
    specs = list(specs)
    if specs[0].experiment in KINDS and engine == "ensemble" and len(specs) > 1:
        t0 = time.perf_counter()
        try:
            return _kind_members(specs, lockstep=True, device=device, on_step=on_step, chunk_size=chunk_size,
                                 checkpoint=checkpoint)
        except Exception as exc:  # noqa: BLE001 - the sweep retries the bucket's members one by one
            return [MemberResult(Result(_empty_history(), {}, []), Outcome.FAILED, None, time.perf_counter() - t0,
                                 error=f"{type(exc).__name__}: {exc}", bucket_size=len(specs)) for _ in specs]
    exp = EXPERIMENTS[specs[0].experiment]
    keys = {static_key_of(s) for s in specs} if engine == "ensemble" else {None}
    if len(keys) == 1 and None not in keys and exp.ensemble_runner is not None:
        t0 = time.perf_counter()
        try:
            return exp.ensemble_runner(specs, device=device, on_step=on_step, chunk_size=chunk_size)
        except Exception as exc:  # noqa: BLE001
            msg = f"{type(exc).__name__}: {exc}"
            empty = Result(_empty_history(), {}, [])
            return [MemberResult(empty, Outcome.FAILED, None, time.perf_counter() - t0, error=msg,
                                 bucket_size=len(specs)) for _ in specs]
    out = []
    for s in specs:
        out.append(run_member(s, device=device, checkpoint=checkpoint if len(specs) == 1 else None))
        if on_step is not None:
            on_step(_steps_of(s))
    return out


