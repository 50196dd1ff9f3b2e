"""Chunked (staged) training written once: :func:`fit_stages`.

A run of ``steps`` updates is cut into stages of ``stage_steps`` updates, each one :func:`fit`
call on the same model and optimiser (so the optimiser state carries over and the parameters
follow exactly the path of one long call); the stage histories are joined with
:meth:`History.concat <simbias.results.History.concat>`.  Between stages ``until(history)``
may end training (e.g. "the loss fell below 1e-3 of its start"), which is how the condensation
experiments stop once the net has condensed.  Restarts with a smaller learning rate are
:func:`~simbias.train.fit_with_restarts`.
"""

from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..results import History
from ._fit import fit
from ._record import Record

__all__ = ["fit_stages"]


def fit_stages(model, problem, optimizer, *, steps: int, stage_steps: int,
               record: "Record | Callable[[int], Record] | None" = None,
               until: Callable[[History], bool] | None = None, **fit_kwargs) -> History:
    """Train in stages of ``stage_steps`` updates (the last may be shorter) up to ``steps``.

    Parameters
    ----------
    model, problem, optimizer : as for :func:`~simbias.train.fit` (one optimiser for all stages).
    steps : total number of updates.
    stage_steps : updates per stage.
    record : the :class:`Record` of every stage, or ``record(k)`` building one for a stage of
        ``k`` updates.
    until : ``until(history_so_far) -> bool`` after each stage; ``True`` ends training
        (``info["stopped_early"]``).
    **fit_kwargs : passed to every :func:`fit` call (loss, progress, lr_decay, …).

    Returns
    -------
    History
        the joined history (steps continue across stages; ``info["stages"]`` = stages run).  A
        diverged stage ends training; the history then says ``diverged``.

    Examples
    --------
    >>> h = fit_stages(net, problem, opt, steps=10_000, stage_steps=200,          # doctest: +SKIP
    ...                until=lambda h: h["loss"][-1] < 1e-3 * h["loss"][0])
    """
    if isinstance(stage_steps, bool) or not isinstance(stage_steps, int) or stage_steps < 1:
        raise InputError("stage_steps", f"got {stage_steps!r}", "use a positive integer")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InputError("train.steps", f"got {steps!r}", "use a non-negative integer")
    parts: list[History] = []
    done = 0
    while True:
        k = min(stage_steps, steps - done)
        rec = record(k) if callable(record) and not isinstance(record, Record) else record
        parts.append(fit(model, problem, optimizer, steps=k, record=rec, **fit_kwargs))
        done += k
        hist = History.concat(parts)
        if hist.diverged or done >= steps:
            break
        if until is not None and until(hist):
            hist.info["stopped_early"] = True
            break
    hist.info["stages"] = len(parts)
    return hist
