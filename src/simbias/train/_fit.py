"""``fit``: train one model and record what the probes measure.

The loop is written so that measuring costs almost nothing: in full-batch supervised training
the forward pass of update ``s + 1`` *is* the output of the state after ``s`` updates, so cheap
probes (loss, Δ_F at the peaks) reuse it instead of running the model again: ``train_loss`` is
the update's own loss, and probes marked ``deferrable`` run in batches of records after the fact
(on the kept outputs, so with the same numbers) when no ``on_record``/``stop`` watches them.  Losses
are kept on the device and checked for NaN/Inf every ``check_every`` steps (every step on CPU, as
Python floats); the first non-finite step ends training: the returned :class:`~simbias.results.History` has outcome
``diverged``, ``diverged_step`` and what was recorded before that step (``history.divergence_error(hint)``
builds the :class:`~simbias.errors.DivergenceError` a runner raises, once, fully formed).

The engine contract, shared with :func:`~simbias.train.fit_ensemble` (same argument names, same
order): ``(model(s), problem, optimizer, *, steps, loss, derivative_weight, batch_size, record,
stop, on_record, on_step, progress, lr_decay, checkpoint_every, on_checkpoint, resume, generator,
lr, optimizer_options)``.  ``stop(step, values)`` is called after the records of a record step
(before that step's update) and ends training there when it returns ``True``; ``values`` holds the
values just recorded plus ``"losses"``, the per-step losses so far.  Checkpoints:
:mod:`simbias.train._checkpoint`.

Hooks for other optimisers and experiments (ours):

* ``loss="cross_entropy"`` — classification: ``y_train`` holds class indices (``long``, shape
  (n,)) or class probabilities (float, (n, C)); the model outputs logits (n, C).
* In supervised training the closure handed to ``optimizer.step`` carries the attributes
  ``model``, ``inputs``, ``targets`` and ``criterion`` (``criterion(output, targets)`` is the
  loss), so a gradient-free optimiser can evaluate many parameter vectors in one batched call
  (``torch.func.functional_call`` + ``vmap``; see :mod:`simbias.train._pso`).  They are absent for
  ``"mse+derivative"`` and for callable objectives, where only the closure itself is available.
* ``stop_loss`` ends training once the loss reaches a level (the steps-to-loss of the deep
  Frequency Principle); the history then ends at the last state.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError, Outcome
from ..results import History
from ._checkpoint import Checkpoint, _check_every, _check_resume, _clone, _rng_state, _set_rng_state
from ._checkpoint import _stack_records, _unstack_records
from ._record import Record, RecordContext

__all__ = ["fit", "LOSSES", "supervised_loss"]

LOSSES = ("mse", "mse+derivative", "cross_entropy")

Objective = Callable[[torch.nn.Module, int], Tensor]


def supervised_loss(name: str, problem, *, derivative_weight: float = 1.0):
    """Return ``loss(output, x, idx)`` for a supervised problem.

    ``"mse"``: mean over points and outputs of (h − y)².
    ``"mse+derivative"``: adds λ·mean(|∇h − ∇f|²) with ∇ by autograd on the inputs and ∇f from
    the problem's target (λ = ``derivative_weight``), the first-order Sobolev loss of the
    F-Principle papers (arXiv 1811.10146): it weights frequency ξ by (1 + λ|ξ|²).
    ``"cross_entropy"``: mean over points of −log softmax(h)_y (labels as ``long`` indices, or
    float class probabilities (n, C)); returns ``None`` like ``"mse"``.
    """
    if name not in LOSSES:
        raise InputError("train.loss", f"unknown loss {name!r}", f"choose one of {', '.join(LOSSES)}")
    if name == "mse":
        return None
    if name == "cross_entropy":
        y = problem.y_train
        labels = y.ndim == 1 and not (y.is_floating_point() or y.is_complex())
        probs = y.ndim == 2 and y.is_floating_point() and y.shape[1] >= 2
        if not (labels or probs):
            raise InputError("train.loss", f"'cross_entropy' needs class labels, got y_train of shape "
                             f"{tuple(y.shape)} and dtype {y.dtype}",
                             "pass (n,) long class indices (or (n, C) class probabilities), or use train.loss='mse'")
        return None
    if getattr(problem, "target", None) is None:
        raise InputError("train.loss", "'mse+derivative' needs a target function", "use train.loss='mse' for data sets")
    x = problem.x_train.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        f = problem.target(x)
        (df,) = torch.autograd.grad(f.sum(), x)
    return df.detach()


def _mse(out: Tensor, y: Tensor) -> Tensor:
    return ((out - y) ** 2).mean()


def _cross_entropy(out: Tensor, y: Tensor) -> Tensor:
    return torch.nn.functional.cross_entropy(out, y)


Stop = Callable[[int, dict], bool]


def fit(model: torch.nn.Module, problem, optimizer: "torch.optim.Optimizer | str" = "adam", *, steps: int,
        loss: str | Objective = "mse", derivative_weight: float = 1.0, batch_size: int | None = None,
        record: Record | None = None, stop: Stop | None = None,
        on_record: Callable[[int, dict], None] | None = None, on_step: Callable[[int], None] | None = None,
        progress: bool = False, lr_decay: float = 0.0, checkpoint_every: int | None = None,
        on_checkpoint: Callable[[Checkpoint], None] | None = None, resume: Checkpoint | None = None,
        generator: torch.Generator | None = None, lr: float | None = None, optimizer_options: dict | None = None,
        check_every: int | None = None, stop_loss: float | None = None) -> History:
    """Train ``model`` on ``problem`` for ``steps`` updates of ``optimizer``.

    Parameters
    ----------
    model : any ``nn.Module`` mapping ``problem.x_train`` to outputs shaped like ``y_train``.
    problem : a supervised problem (``x_train``, ``y_train``; see
        :class:`simbias.problems.Regression`), or anything when ``loss`` is a callable.
    optimizer : a ``torch.optim`` optimiser over the model's parameters (or any object with
        ``step(closure)`` and ``zero_grad()``, e.g. a gradient-free optimiser), or a name of
        :data:`~simbias.train.OPTIMIZERS` built with ``lr`` and ``optimizer_options``.
    steps : number of updates.
    loss : ``"mse"``, ``"mse+derivative"``, ``"cross_entropy"`` (labels as ``long`` class
        indices, outputs are logits) or a callable ``objective(model, step) -> loss``.
    derivative_weight : λ of ``"mse+derivative"``.
    batch_size : mini-batch size (``None``: full batch). Batches are drawn from ``generator``
        without replacement within an epoch.
    record : what to record and when (default: train loss every step).
    stop : ``stop(step, values) -> bool``, called at every record step (and every snapshot step that recorded), after its records (before
        that step's update) with the values just recorded and ``values["losses"]`` (the per-step
        losses of steps ``< step``); ``True`` ends training with the state after ``step`` updates
        as the final state (``info["stopped_early"]``).
    on_record : called as ``on_record(step, values)`` after each record (e.g. live logging).
    on_step : called as ``on_step(step)`` after each update.
    progress : show a progress bar on stderr.
    lr_decay : multiply every learning rate by ``(1 − lr_decay)`` after each step.
    checkpoint_every, on_checkpoint : hand a :class:`~simbias.train.Checkpoint` of the full state
        to ``on_checkpoint`` before every ``checkpoint_every``-th update (steps k, 2k, … < steps).
    resume : a :class:`~simbias.train.Checkpoint` of this run; training continues from it and the
        result equals the uninterrupted run bit for bit (same machine).
    generator : the mini-batch generator.
    lr, optimizer_options : with an optimiser name.
    check_every : check the loss for NaN/Inf every this many steps (default 1 on CPU, 50 on CUDA).
    stop_loss : stop once the loss of a state (``static["loss"][s]``, before update ``s``)
        is ≤ this value; the history then ends with the state after that update (step
        ``s + 1``), recorded by every probe, and ``info["stopped_early"]`` is ``True``.

    Returns
    -------
    History
        recorded arrays, ``static["loss"]`` (the loss at every step, before its update), and
        ``info`` with the wall time.  When the loss became NaN/Inf, ``outcome`` is ``diverged``,
        ``diverged_step`` names the step, the history holds what was recorded before it and
        ``history.divergence_error(hint)`` builds the exception to raise.

    Examples
    --------
    >>> h = fit(model, problem, "adam", lr=1e-3, steps=500)     # doctest: +SKIP
    >>> h.outcome                                               # doctest: +SKIP
    <Outcome.COMPLETED: 'completed'>
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InputError("train.steps", f"got {steps!r}", "use a non-negative integer")
    if stop_loss is not None and (isinstance(stop_loss, bool) or not isinstance(stop_loss, (int, float))):
        raise InputError("stop_loss", f"got {stop_loss!r}", "use a number or None")
    if stop is not None and not callable(stop):
        raise InputError("stop", f"got {type(stop).__name__}", "give a callable stop(step, values) -> bool")
    if isinstance(optimizer, str):
        from ._optim import make_optimizer

        if lr is None:
            raise InputError("lr", "an optimiser given by name needs lr=", "e.g. fit(model, problem, 'adam', lr=1e-3, ...)")
        optimizer = make_optimizer(optimizer, model.parameters(), lr=lr, **(optimizer_options or {}))
    ckpt_every = _check_every(checkpoint_every, on_checkpoint)
    if resume is not None:
        resume = _check_resume(resume, "fit", steps)
    record = record if record is not None else Record(every=1, probes=())
    rec_steps, snap_steps = record.steps_for(steps)
    rec_set, snap_set = set(rec_steps.tolist()), set(snap_steps.tolist())
    cheap = [p for p in record.probes if not p.snapshot]
    snaps = [p for p in record.probes if p.snapshot]
    static: dict[str, np.ndarray] = {}
    for p in record.probes:
        static.update(p.setup(model, problem))

    custom = callable(loss)
    if not custom:
        target_grad = supervised_loss(loss, problem, derivative_weight=derivative_weight)
        criterion = _cross_entropy if loss == "cross_entropy" else _mse
        x_all, y_all = problem.x_train, problem.y_train
        n = x_all.shape[0]
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
            raise InputError("train.batch_size", f"got {batch_size!r}", "use a positive integer or leave it unset")
        full_batch = batch_size is None or batch_size >= n
    else:
        full_batch = False
    # cheap probes reuse the training forward (taken after the update) unless `stop` must see
    # the records of a step before its update
    reuse = full_batch and stop is None
    device = next(iter(model.parameters()), torch.empty(0)).device
    if check_every is None:
        check_every = 1 if device.type == "cpu" else 50
    losses = torch.empty(steps, dtype=torch.float64, device=device)
    # On the CPU the per-step loss goes through a NumPy view of `losses` (same memory): one
    # `.item()` and a float store instead of an indexed tensor copy, and the NaN/Inf check is a
    # Python float test instead of four tensor kernels.  The values are the same (a float32 or
    # float64 loss is exact as a Python float).  On other devices `.item()` would synchronise
    # every step, so the losses stay on the device and are checked every `check_every` steps.
    losses_np = losses.numpy() if device.type == "cpu" else None
    first_bad: int | None = None  # CPU: the first non-finite step seen, acted on at the next check step
    rec_vals: dict[str, list[Tensor]] = {}
    snap_vals: dict[str, list[Tensor]] = {}
    perm, pos = None, 0
    start, last_checked = 0, 0
    if resume is not None:
        with torch.no_grad():
            model.load_state_dict(resume.model)
        optimizer.load_state_dict(resume.optimizer)
        eng = resume.engine
        start, last_checked, pos = resume.step, int(eng["last_checked"]), int(eng["pos"])
        perm = None if eng["perm"] is None else eng["perm"].to(device)
        losses[:start] = eng["losses"].to(device)
        rec_vals = _unstack_records(eng["records"], device)
        snap_vals = _unstack_records(eng["snapshots"], device)
        _set_rng_state(resume.rng, generator, device)

    def take(step: int, train_output: Tensor | None, probes: list, done: dict,
             train_loss: Tensor | None = None) -> None:
        ctx = RecordContext(step, model, problem, train_output, train_loss=train_loss)
        now: dict[str, Tensor] = {}
        for p in probes:
            store = snap_vals if p.snapshot else rec_vals
            for k, v in p(ctx).items():
                store.setdefault(k, []).append(v.detach())
                now[k] = v
        done.update(now)
        if on_record is not None and now:
            on_record(step, now)

    # Deferred records (full-batch training, no `on_record`/`stop` to see them as they are taken,
    # every cheap probe `deferrable`: a function of the step's output and loss only).  The step's
    # detached output is kept and the probes run on it in runs of up to 64 records, with the same
    # operations on the same tensors, so the values are the same; run back to back, their
    # operators stay in the CPU's caches instead of being evicted by every training step.
    defer = reuse and on_record is None and bool(cheap) and all(getattr(p, "deferrable", False) for p in cheap)
    pending: list[tuple[int, Tensor, Tensor | None]] = []

    def flush() -> None:
        for s_, out_, loss_ in pending:
            take(s_, out_, cheap, {}, loss_)
        pending.clear()

    def checkpoint(step: int) -> Checkpoint:
        flush()
        return Checkpoint(kind="fit", step=step, steps=steps,
                          model=_clone(model.state_dict()), optimizer=_clone(optimizer.state_dict()),
                          rng=_rng_state(generator, device),
                          engine={"losses": losses[:step].clone(), "last_checked": last_checked, "pos": pos,
                                  "perm": None if perm is None else perm.clone(),
                                  "records": _stack_records(rec_vals), "snapshots": _stack_records(snap_vals)})

    def history(outcome: Outcome, n_done: int, diverged_step=None) -> History:
        flush()
        if diverged_step is None:  # records below n_done, then the final state (always recorded)
            r_steps = np.append(rec_steps[rec_steps < n_done], n_done).astype(np.int64)
            s_steps = np.append(snap_steps[snap_steps < n_done], n_done).astype(np.int64)
        else:
            r_steps, s_steps = rec_steps[rec_steps < diverged_step], snap_steps[snap_steps < diverged_step]
        # a record taken at the diverging step itself (non-finite values) is dropped
        arrays = {k: torch.stack(v[:len(r_steps)]).cpu().numpy() for k, v in rec_vals.items()}
        arrays.update({k: torch.stack(v[:len(s_steps)]).cpu().numpy() for k, v in snap_vals.items()})
        st = dict(static)
        st["loss"] = losses[:n_done].cpu().numpy()
        st["snapshot_steps"] = s_steps
        info = {"steps_done": int(n_done), "wall_time_s": time.perf_counter() - t0,
                "snapshot_arrays": sorted(snap_vals)}
        if n_done < steps and diverged_step is None:
            info["stopped_early"] = True
        if diverged_step is not None:
            info["diverged_loss"] = float(losses[diverged_step])
        return History(steps=r_steps, arrays=arrays, static=st, outcome=outcome, diverged_step=diverged_step, info=info)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start, desc="training", unit="step", leave=False, dynamic_ncols=True)
    # The TrainLoss probe takes the update's own loss when it is the same number: full-batch MSE
    # against y_train with no derivative term, outputs shaped like the 2-D labels (`mean()` over all
    # elements is the reduction TrainLoss computes, so the value is bit for bit the one it would get).
    mse_reuse = reuse and not custom and criterion is _mse and target_grad is None and y_all.ndim == 2
    holder: dict[str, Tensor] = {}  # the first closure call's output and loss of the current update
    batch_x = batch_y = batch_g = None
    step = start

    # One closure for the whole run: it reads the current step and batch from this scope.
    def closure() -> Tensor:
        optimizer.zero_grad(set_to_none=True)
        if custom:
            value = loss(model, step)
        else:
            xb = batch_x.detach().requires_grad_(True) if batch_g is not None else batch_x
            out = model(xb)
            if "out" not in holder:
                holder["out"] = out.detach()
            value = ((out - batch_y) ** 2).mean() if criterion is _mse else criterion(out, batch_y)
            if batch_g is not None:
                (dh,) = torch.autograd.grad(out.sum(), xb, create_graph=True)
                value = value + derivative_weight * ((dh - batch_g) ** 2).mean()
        if torch.is_grad_enabled():
            value.backward()
        if "loss" not in holder:
            holder["loss"] = value.detach()
        return value

    if not custom and full_batch:
        batch_x, batch_y, batch_g = x_all, y_all, target_grad
        if target_grad is None:  # batched evaluation hook (module docstring)
            closure.model, closure.inputs, closure.targets, closure.criterion = model, batch_x, batch_y, criterion
    if losses_np is not None and start > last_checked:  # resumed between two checks
        bad = np.flatnonzero(~np.isfinite(losses_np[last_checked:start]))
        first_bad = last_checked + int(bad[0]) if len(bad) else None

    t0 = time.perf_counter()
    model.train()
    n_done = steps
    final_done: set[str] = set()  # which schedules already recorded the final state (after `stop`)
    try:
        for step in range(start, steps):
            if ckpt_every is not None and step > start and step % ckpt_every == 0:
                on_checkpoint(checkpoint(step))
            holder.clear()
            if not custom and not full_batch:
                if perm is None or pos + batch_size > n:
                    perm, pos = torch.randperm(n, generator=generator).to(x_all.device), 0
                idx = perm[pos:pos + batch_size]
                pos += batch_size
                batch_x, batch_y = x_all[idx], y_all[idx]
                batch_g = None if target_grad is None else target_grad[idx]
                if target_grad is None:
                    closure.model, closure.inputs, closure.targets, closure.criterion = model, batch_x, batch_y, criterion

            # Probes see the state after `step` updates, i.e. before this update.  Snapshot
            # probes run their own forward passes first; in full-batch training the cheap ones
            # reuse the training forward of this update (its output is that same state's).
            values: dict[str, Tensor] = {}
            if step in snap_set:
                take(step, None, snaps, values)
            if step in rec_set and not reuse:
                take(step, None, cheap, values)
            if stop is not None and (step in rec_set or values) and \
                    stop(step, {**values, "losses": losses[:step]}):
                n_done = step
                final_done = ({"cheap"} if step in rec_set else set()) | ({"snap"} if step in snap_set else set())
                break
            value = optimizer.step(closure)
            step_loss = holder["loss"] if "loss" in holder else value.detach()
            if step in rec_set and reuse:
                out = holder.get("out")
                own = mse_reuse and out is not None and "loss" in holder and out.shape == y_all.shape
                if defer and out is not None:
                    pending.append((step, out, step_loss if own else None))
                    if len(pending) >= 64 or len(pending) * out.numel() >= 1 << 20:
                        flush()
                else:
                    flush()
                    take(step, out, cheap, values, step_loss if own else None)
            if losses_np is not None:
                v = step_loss.item()
                losses_np[step] = v
                if first_bad is None and not math.isfinite(v):
                    first_bad = step
            else:
                losses[step] = step_loss
            if lr_decay:
                for group in optimizer.param_groups:
                    group["lr"] *= 1.0 - lr_decay
            if (step + 1) % check_every == 0 or step + 1 == steps:
                if losses_np is not None:
                    if first_bad is not None:
                        return history(Outcome.DIVERGED, first_bad, diverged_step=first_bad)
                else:
                    bad = ~torch.isfinite(losses[last_checked:step + 1])
                    if bool(bad.any()):
                        first = last_checked + int(bad.nonzero()[0, 0])
                        return history(Outcome.DIVERGED, first, diverged_step=first)
                last_checked = step + 1
            if on_step is not None:
                on_step(step)
            if bar is not None:
                bar.update(1)
                if step % max(1, steps // 100) == 0:
                    bar.set_postfix(loss=f"{float(losses[step]):.3e}", refresh=False)
            if stop_loss is not None and float(losses[step] if losses_np is None else losses_np[step]) <= stop_loss:
                n_done = step + 1
                break
        flush()
        model.eval()
        final = [p for p in record.probes if ("snap" if p.snapshot else "cheap") not in final_done]
        take(n_done, None, final, {})  # the final state is in both schedules
    finally:
        if bar is not None:
            bar.close()
    return history(Outcome.COMPLETED, n_done)
