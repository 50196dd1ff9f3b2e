"""``run(spec)``: build → train → store.  Never plots (the CLI calls :mod:`simbias.viz` after)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import torch

from ..errors import InputError
from ..io import RunDir, checkpointing, claimed, manifest_head, now, spec_hash, to_toml
from ._kind import Kind, Plan, get_kind, train_plan
from ._preflight import preflight
from ._registry import Result
from ._spec import to_dict

__all__ = ["run", "check_device", "result_of"]


def check_device(device: str) -> str:
    """Validate ``--device``: ``cpu``, ``cuda`` or ``cuda:N`` (CUDA must be available)."""
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError("--device", f"got {device!r}", "use cpu or cuda")
    if device != "cpu" and not torch.cuda.is_available():
        raise InputError("--device", f"{device} requested but CUDA is not available here", "use --device cpu")
    return device


def run(spec, out: str | Path | None = None, *, device: str = "cpu", progress: bool = False,
        finalize: Callable[[Path, dict], Any] | None = None, on_record: Callable[[int, dict], Any] | None = None,
        checkpoint_every: int | str | None = "auto", resume: bool = False) -> tuple[Result, RunDir | None]:
    """Run the experiment described by ``spec``; when ``out`` is given, write the run directory.

    A diverged run still writes what it recorded (manifest
    outcome ``diverged``) and then re-raises the :class:`~simbias.errors.DivergenceError`.

    Before anything is written the spec passes :func:`preflight` (data files, memory) and the
    kind builds the plan (model and data; each target expression is checked there, on the run's
    own points in the spec's dtype); then the directory is claimed atomically (an exclusive lock,
    held until this function returns).  An :class:`~simbias.errors.InputError` raised by the
    runner after the claim rolls it back, so the corrected rerun into the same ``out`` works.
    ``finalize(path, manifest)`` (e.g. building the report) runs after history and summary are
    written and before the manifest, so a manifest saying ``completed`` always has its report.

    ``on_record(step, values)`` receives every record as training takes it (live logging; a plan
    of several named jobs prefixes the names with the job's); an ``on_record`` with a ``sync()``
    method (the CLI's live tracker log) has it called before each checkpoint is written, so the
    trackers hold every record a checkpoint covers.  ``checkpoint_every`` (steps;
    ``"auto"``: every 5 000 steps for jobs of at least 20 000 steps, else none; ``0``/``None``:
    none) writes ``checkpoint.pt`` into the run directory atomically; ``resume=True`` continues
    from it when the directory holds this same spec (the claim refuses another spec), and
    trains from the start when there is none.  The resumed run's ``history.npz`` and
    ``summary.json`` equal an uninterrupted run's bit for bit on one machine.  A job with a
    trainer of its own (restarts, stages, gradient-free optimisers) restarts from its
    beginning.  ``checkpoint.pt`` is removed once the run has ended (completed or diverged).
    The interval is not part of the spec (it does not change any number), so the spec hash —
    and a sweep member's id — are the same with and without checkpoints.

    Parameters
    ----------
    spec : BaseSpec
        A validated spec (e.g. from :func:`~simbias.experiments.resolve_spec`).
    out : str or Path, optional
        The run directory to write (``spec.toml``, ``manifest.json``, ``history.npz``,
        ``summary.json``); unset: nothing is written.
    device : str, default "cpu"
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    progress : bool, default False
        Show a progress bar on stderr.
    finalize : callable, optional
        ``finalize(path, manifest)`` before the manifest is written (see above).
    on_record : callable, optional
        ``on_record(step, values)`` for every record (see above).
    checkpoint_every : int or "auto" or None, default "auto"
        Steps between checkpoints (see above).
    resume : bool, default False
        Continue from ``out``'s ``checkpoint.pt`` (see above).

    Returns
    -------
    result : Result
        The history, the ``summary.json`` numbers and the headline lines.
    run_dir : RunDir or None
        The written run directory (``None`` without ``out``).

    Raises
    ------
    InputError
        Bad input, found before anything is written (or rolled back).
    DivergenceError
        Training diverged (after what was recorded is written).

    Examples
    --------
    >>> from simbias.experiments import resolve_spec
    >>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=20", "model.widths=[16]"])
    >>> result, run_dir = run(spec)
    >>> run_dir is None, "final_peak_error" in result.summary
    (True, True)
    """
    device = check_device(device)
    preflight(spec, device=device)
    kind = get_kind(spec.experiment)
    plan = kind.build(spec, device)  # builds model and data: before the claim
    data = to_dict(spec)
    h = spec_hash(data)
    rd = None if out is None else RunDir(out)
    with claimed(rd, h):
        ckpt = {}
        if rd is not None:
            rd.write_spec(to_toml(data))
            ckpt = checkpointing(rd.checkpoint, plan.fits, checkpoint_every, resume, spec_hash=h)
            if "on_checkpoint" in ckpt and callable(getattr(on_record, "sync", None)):
                ckpt["on_checkpoint"] = _synced(on_record.sync, ckpt["on_checkpoint"])
        manifest = manifest_head(spec, h, device, now())
        t0 = time.perf_counter()
        result = result_of(kind, spec, plan, train_plan(plan, progress=progress, on_record=on_record, **ckpt))
        error = result.history.divergence_error(kind.hint, summary=result.summary) if result.history.diverged else None
        if error is None:
            manifest.update(outcome="completed", wall_time_s=round(time.perf_counter() - t0, 3), finished=now())
        if rd is not None:  # a diverged run still writes what it recorded
            rd.write_history(result.history)
            rd.write_summary(result.summary if error is None else {**result.summary, "diverged_step": error.step})
            rd.checkpoint.unlink(missing_ok=True)  # the finished files say everything now
            if error is not None:
                manifest.update(outcome="diverged", diverged_step=error.step, wall_time_s=time.perf_counter() - t0)
            elif finalize is not None:
                finalize(rd.path, manifest)
            rd.write_manifest(manifest)
        if error is not None:
            raise error
        return result, rd


def _synced(sync: Callable[[], Any], save: Callable[[dict], Any]) -> Callable[[dict], None]:
    """``save`` preceded by ``sync()``: live trackers hold every record a checkpoint covers."""
    def on_checkpoint(state: dict) -> None:
        sync()
        save(state)
    return on_checkpoint


def result_of(kind: Kind, spec, plan: Plan, history) -> Result:
    """The summary and headline of a trained plan; a diverged history keeps what can be summarised and its
    headline is the divergence message."""
    try:
        summary = kind.summarize(spec, plan, history)
    except (IndexError, ValueError, KeyError, TypeError):  # too little was recorded before the divergence
        if not history.diverged:
            raise
        summary = {}
    if history.diverged:
        message = str(history.divergence_error(kind.hint))
        return Result(history, {**summary, "diverged_step": history.diverged_step}, [message])
    return Result(history, summary, kind.headline(spec, summary))

