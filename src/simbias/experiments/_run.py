"""``run(spec)``: build → train → store.  Never plots (the CLI calls :mod:`simbias.viz` after)."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any, Callable

import torch

from ..errors import DivergenceError, InputError
from ..io import RunDir, environment_info, spec_hash
from ._kind import Kind, Plan, get_kind, train_plan
from ._preflight import preflight
from ._registry import Result
from ._spec import to_dict, to_toml

__all__ = ["run", "check_device", "result_of"]


def check_device(device: str) -> str:
    """Validate ``--device``: ``cpu``, ``cuda`` or ``cuda:N`` (CUDA must be available)."""
    if device == "cpu":
        return device
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError("--device", f"{device} requested but CUDA is not available here", "use --device cpu")
        return device
    raise InputError("--device", f"got {device!r}", "use cpu or cuda")


def run(spec, out: str | Path | None = None, *, device: str = "cpu", progress: bool = False,
        finalize: Callable[[Path, dict], Any] | None = None) -> tuple[Result, RunDir | None]:
    """Run the experiment described by ``spec``; when ``out`` is given, write the run directory.

    Returns ``(result, run_dir)``.  A diverged run still writes what it recorded (manifest
    outcome ``diverged``) and then re-raises the :class:`~simbias.errors.DivergenceError`.

    Before anything is written the spec passes :func:`preflight` (seed, expressions on the
    domain, data files, memory); then the directory is claimed atomically (an exclusive lock,
    held until this function returns).  An :class:`~simbias.errors.InputError` raised by the
    runner after the claim rolls it back, so the corrected rerun into the same ``out`` works.
    ``finalize(path, manifest)`` (e.g. building the report) runs after history and summary are
    written and before the manifest, so a manifest saying ``completed`` always has its report.
    """
    device = check_device(device)
    preflight(spec, device=device)
    kind = get_kind(spec.experiment)
    plan = kind.build(spec, device)  # builds model and data: before the claim
    data = to_dict(spec)
    h = spec_hash(data)
    rd = None
    if out is not None:
        rd = RunDir(out)
        rd.claim(h)
    try:
        if rd is not None:
            rd.write_spec(to_toml(data))
        return _run_claimed(spec, rd, h, device, progress, finalize, kind, plan)
    except InputError:
        if rd is not None:
            rd.rollback()
        raise
    finally:
        if rd is not None:
            rd.release()


def result_of(kind: Kind, spec, plan: Plan, history) -> Result:
    """The summary and headline of a trained plan; a diverged history keeps what can be summarised."""
    if not history.diverged:
        summary = kind.summarize(spec, plan, history)
        return Result(history, summary, kind.headline(spec, summary))
    try:
        summary = kind.summarize(spec, plan, history)
    except (IndexError, ValueError, KeyError, TypeError):  # too little was recorded before the divergence
        summary = {}
    return Result(history, {**summary, "diverged_step": history.diverged_step}, [])


def _train_kind(kind: Kind, spec, plan: Plan, progress: bool) -> Result:
    result = result_of(kind, spec, plan, train_plan(plan, progress=progress))
    if result.history.diverged:
        raise result.history.divergence_error(kind.hint, summary=result.summary)
    return result


def _run_claimed(spec, rd, h, device, progress, finalize, kind, plan):
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    manifest: dict[str, Any] = {
        "experiment": spec.experiment, "spec_hash": h, "seed": spec.seed, "device": device,
        "dtype": spec.dtype, "started": started, **environment_info(),
    }
    try:
        result = _train_kind(kind, spec, plan, progress)
    except DivergenceError as exc:
        if rd is not None:
            hist = getattr(exc, "history", None)
            if hist is not None:
                rd.write_history(hist)
            rd.write_summary({**getattr(exc, "summary", {}), "diverged_step": exc.step})
            rd.write_manifest({**manifest, "outcome": "diverged", "diverged_step": exc.step,
                               "wall_time_s": time.perf_counter() - t0})
        raise
    manifest.update(outcome="completed", wall_time_s=round(time.perf_counter() - t0, 3),
                    finished=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    if rd is not None:
        rd.write_history(result.history)
        rd.write_summary(result.summary)
        if finalize is not None:
            finalize(rd.path, manifest)
        rd.write_manifest(manifest)
    return result, rd
