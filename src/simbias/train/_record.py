"""What to record during training: :class:`Record` (when) and probes (what).

``Record`` is a schedule plus a tuple of probes, in the spirit of Diffrax's ``SaveAt``: record
*functions of the training state* at chosen steps instead of dumping weights.  Step ``s`` means
"the state after ``s`` updates", so step 0 is the initialisation and ``steps`` the final state;
both are always recorded.

There are two schedules.  Cheap probes (``probe.snapshot = False``) run at ``record_steps`` —
by default every step.  In full-batch supervised training they reuse the output the training step
computes anyway, so recording Δ_F at every step costs one small matrix product.  Snapshot probes
(``probe.snapshot = True``: outputs on a dense grid, test errors) need their own forward pass and
run at the sparser ``snapshot_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["Record", "Probe", "RecordContext", "schedule_steps"]


@dataclass
class RecordContext:
    """What a probe sees at a record step.

    ``output_on_train()`` and ``output_on_test()`` return the model's outputs on
    ``problem.x_train`` / ``problem.x_test``, computed (without grad) at most once per step.

    Parameters
    ----------
    step : int
        Number of updates done.
    model : callable
        The model (in its current state); call it under ``torch.no_grad()``.
    problem : object
        The problem being trained on.
    train_output : Tensor, optional
        The model's output on the full training inputs at this state, detached, when the engine
        already has it (full-batch supervised training), else ``None``.
    test_output : Tensor, optional
        The output on ``x_test``, cached by ``output_on_test``.
    train_loss : Tensor, optional
        The mean squared error of ``train_output`` against ``problem.y_train`` (a 0-dim tensor),
        when the engine computed exactly that number for the update (full-batch MSE training),
        else ``None``; :class:`~simbias.train.TrainLoss` takes it instead of recomputing it.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> prob = make_regression("sin(x)", n_train=16, n_test=32)
    >>> ctx = RecordContext(0, torch.nn.Linear(1, 1), prob)
    >>> ctx.output_on_train().shape, ctx.output_on_test().shape
    (torch.Size([16, 1]), torch.Size([32, 1]))
    """

    step: int
    model: Any
    problem: Any
    train_output: Tensor | None = None
    test_output: Tensor | None = None
    train_loss: Tensor | None = None

    def output_on_train(self) -> Tensor:
        """The output on the training inputs (computed here if the engine did not provide it)."""
        if self.train_output is None:
            with torch.no_grad():
                self.train_output = self.model(self.problem.x_train)
        return self.train_output

    def output_on_test(self) -> Tensor:
        """The output on the problem's dense grid ``x_test`` (computed once per record step)."""
        if self.test_output is None:
            with torch.no_grad():
                self.test_output = self.model(self.problem.x_test)
        return self.test_output


@runtime_checkable
class Probe(Protocol):
    """A measurement taken during training.

    ``setup`` runs once before training and returns arrays that do not change (grids, peak
    indices); ``__call__`` returns tensors keyed by name, recorded with the record axis first.
    ``snapshot = False`` probes run at every record step (they should be cheap, e.g. reuse
    ``ctx.output_on_train()``); ``snapshot = True`` probes run at the sparser snapshot steps.
    Any object with these three members is a probe (a structural protocol; it has no
    constructor of its own).  An optional fourth, ``deferrable = True``, promises that a cheap
    probe's values depend only on ``ctx.step``, ``ctx.train_output``, ``ctx.train_loss`` and the
    problem (never on ``ctx.model``): :func:`~simbias.train.fit` may then run it a few records
    later, on the same tensors (same values), when nothing watches the records as they are taken
    (no ``on_record``, no ``stop``).

    Parameters
    ----------
    model
        (of ``setup``) the model before training.
    problem
        (of ``setup``) the problem being trained on.
    ctx : RecordContext
        (of ``__call__``) the state at a record step.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> class MaxAbsOutput:
    ...     snapshot = False
    ...     def setup(self, model, problem):
    ...         return {}
    ...     def __call__(self, ctx):
    ...         return {"max_abs_output": ctx.output_on_train().abs().max()}
    >>> isinstance(MaxAbsOutput(), Probe)
    True
    >>> prob = make_regression("sin(x)", n_train=16)
    >>> h = fit(torch.nn.Linear(1, 1), prob, "sgd", lr=0.1, steps=4,
    ...         record=Record(every=2, probes=[MaxAbsOutput()]))
    >>> h.arrays["max_abs_output"].shape
    (3,)
    """

    snapshot: bool

    def setup(self, model: Any, problem: Any) -> dict[str, np.ndarray]: ...

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]: ...


def schedule_steps(steps: int, *, every: int | None = None, log_points: int | None = None) -> np.ndarray:
    """Sorted unique record steps in ``[0, steps]``: every ``every`` steps, or ``log_points``
    log-spaced steps (both may be combined); 0 and ``steps`` are always included."""
    out = {0, int(steps)}
    if every:
        out.update(range(0, steps + 1, int(every)))
    if log_points:
        out.update(np.unique(np.round(np.logspace(0, np.log10(max(steps, 1)), int(log_points))).astype(int)).tolist())
    return np.array(sorted(s for s in out if 0 <= s <= steps), dtype=np.int64)


@dataclass
class Record:
    """When to record and what.

    Step 0 (the initialisation) and the final step are always recorded;
    ``steps_for(steps)`` gives the (record steps, snapshot steps) of a run.

    Parameters
    ----------
    every : int, optional
        Record cheap probes every ``every`` steps (``None`` with ``log_points=None``: only the
        first and last state).
    log_points : int, optional
        Additionally record at this many log-spaced steps.
    snapshot_every : int, optional
        Run snapshot probes every this many steps (default: ``max(1, steps // 50)``, about 50
        snapshots).
    probes : sequence of Probe
        The probes.

    Examples
    --------
    >>> rec, snap = Record(every=25, snapshot_every=50).steps_for(100)
    >>> rec.tolist(), snap.tolist()
    ([0, 25, 50, 75, 100], [0, 50, 100])
    """

    every: int | None = 1
    log_points: int | None = None
    snapshot_every: int | None = None
    probes: Sequence[Probe] = field(default_factory=tuple)

    def __post_init__(self):
        for name in ("every", "log_points", "snapshot_every"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(f"record.{name}", f"got {v!r}", "use a positive integer")

    def steps_for(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """(record steps, snapshot steps) for a run of ``steps`` updates."""
        rec = schedule_steps(steps, every=self.every, log_points=self.log_points)
        snap_every = self.snapshot_every or max(1, steps // 50)
        snap = schedule_steps(steps, every=snap_every)
        return rec, snap
